//! `capsim recommend FILE`: the cheapest settings that meet the scenario's
//! `[slo]` at its forecast peak, found by simulation from a closed-form
//! start, with the evidence (see [`models::recommend`]).
//!
//! `--check` instead judges the scenario's own settings at the forecast and
//! exits 1 with a one-line reason when they do not meet the SLO (with
//! confidence), so that a design's configuration can gate a CI pipeline.

use crate::flags::Format;
use crate::output::{command_line, OutputSet};
use crate::{flags, stop, Failure};
use indicatif::ProgressBar;
use models::recommend::{self, render, Knob, Target};
use models::sweep::results::Verdict;
use std::path::PathBuf;

/// Arguments of `capsim recommend`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The scenario file (TOML) with an `[slo]` table and, optionally,
    /// `[forecast] peak_rate`.
    pub file: PathBuf,
    /// A setting to choose (repeatable; searched in order): pool.max_total
    /// (default), pods.count, pool.acquire_timeout, l1.capacity; for a
    /// multiplexed client client.connections (default) or pods.count.
    #[arg(long = "for", value_name = "KEY")]
    pub keys: Vec<String>,
    /// Override any scenario key, as in `capsim run`: `--set pods.count=20`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Judge the scenario's own settings at the forecast instead: exit 0
    /// when they meet the SLO with confidence, 1 with the reason when not.
    #[arg(long)]
    pub check: bool,
    /// Also write `recommendation.json`, the evidence charts and a report
    /// page (index.html) into this folder.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Worker threads, 1 to 1024 (default: all cores).
    #[arg(long, allow_negative_numbers = true, value_parser = flags::threads)]
    pub threads: Option<usize>,
    /// Largest candidate, in simulated events, to run (default 2e9).
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = flags::max_events)]
    pub max_events: Option<f64>,
    /// No progress line.
    #[arg(long, short)]
    pub quiet: bool,
}

fn input(e: impl std::fmt::Display) -> Failure {
    Failure::Input(anyhow::anyhow!("{e}"))
}

fn failure(e: recommend::Error) -> Failure {
    match e {
        recommend::Error::Interrupted => {
            Failure::Interrupted("no recommendation was written".into())
        }
        other => input(other),
    }
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), Failure> {
    let limit = args
        .max_events
        .unwrap_or(models::scenario::derived::DEFAULT_MAX_EVENTS);
    let target = Target::load(&args.file, &args.set, limit).map_err(failure)?;
    let names = if args.keys.is_empty() {
        vec![recommend::default_key(&target.base).to_string()]
    } else {
        args.keys.clone()
    };
    let mut knobs: Vec<Knob> = Vec::new();
    for n in &names {
        let k = recommend::knob(n).map_err(input)?;
        k.applies(&target.base).map_err(input)?;
        if knobs.contains(&k) {
            return Err(input(format!("--for {n} is given twice")));
        }
        // The key must exist in this build's scenario schema.
        target
            .scenario(
                &k.assignments(k.current(&target.base).unwrap_or(k.min), &target.base),
                1.0,
            )
            .map_err(|e| input(format!("--for {n}: {e}")))?;
        knobs.push(k);
    }
    let out = args
        .report
        .as_deref()
        .map(|d| OutputSet::prepare("--report", d))
        .transpose()?;
    let pool = super::sweep::thread_pool(args.threads)?;
    let bar = spinner(args.quiet);
    let progress = |m: &str| bar.set_message(m.to_string());
    if args.check {
        let probe = pool
            .install(|| target.probe(&[], 1.0, stop::flag()))
            .map_err(failure)?;
        bar.finish_and_clear();
        return check(&target, &probe, args.format);
    }
    let r = pool
        .install(|| recommend::recommend(&target, &knobs, stop::flag(), &progress))
        .map_err(failure)?;
    bar.finish_and_clear();
    let mut json = render::json(&r);
    json["command"] = serde_json::json!(command_line());
    match args.format {
        Format::Text => print!("{}", render::text(&r)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json).expect("JSON values serialize")
        ),
    }
    if let Some(out) = out {
        stop::writing();
        let mut staged = out.stage();
        staged.add("scenario.toml", target.input.text.as_bytes())?;
        staged.add(
            reports::recommend::RESULTS_FILE,
            serde_json::to_string_pretty(&json)
                .expect("JSON values serialize")
                .as_bytes(),
        )?;
        let pages = reports::recommend::files(&json, Some(target.input.text.clone()))?;
        let page = crate::publish::page_of(out.path(), &pages);
        staged.add_all(pages)?;
        staged.install()?;
        eprintln!("capsim: report written to {}", page.display());
    }
    Ok(())
}

/// `--check`: the scenario's own settings at the forecast.
fn check(target: &Target, probe: &recommend::Probe, format: Format) -> Result<(), Failure> {
    let meets = probe.verdict == Verdict::Holds;
    let mut what = render::probe_text(target, probe);
    if target.base.simulation.replications < 2 {
        what += " (one replication: no confidence interval, the mean decides)";
    }
    let line = format!(
        "{} {} its SLO at the forecast ({} requests/s at the peak): {what}",
        target.input.origin,
        if meets { "meets" } else { "does not meet" },
        models::sweep::results::short(target.peak_rate)
    );
    if format == Format::Json {
        println!(
            "{}",
            serde_json::json!({
                "scenario": target.input.origin,
                "meets": meets,
                "verdict": probe.verdict.name(),
                "reason": what,
            })
        );
    }
    if meets {
        if format == Format::Text {
            println!("{line}");
        }
        Ok(())
    } else {
        Err(Failure::Verdict(line))
    }
}

fn spinner(quiet: bool) -> ProgressBar {
    let bar = super::sweep::progress(None, "{spinner} {elapsed} {msg}", quiet);
    if !bar.is_hidden() {
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
    }
    bar
}
