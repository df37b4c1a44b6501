//! `capsim sweep FILE`: run a scenario over the grid of its `[sweep]` table,
//! find where its `[slo]` stops holding, and write the results.
//!
//! Outputs go to `--out DIR` (default `out/<scenario name>/`) as one set:
//! `results.csv`, `results.json`, `thresholds.csv`, `scenario.toml` and the
//! report appear together when the sweep ends (see [`crate::output`]), and a
//! summary goes to stdout. `DIR` is checked before anything runs. Each
//! finished point is recorded in `DIR/checkpoint.jsonl` as it finishes;
//! `--resume` reuses those points, so an interrupted sweep (SIGINT, SIGTERM,
//! a kill) continues where it stopped and writes the same bytes as an
//! uninterrupted one. A point that cannot finish (a runaway overload, the
//! clock limit) does not stop the sweep: it counts as breaking the SLO, its
//! metrics are NaN, and it is named with its reason on stdout and in
//! `unfinished.csv`. With `--shard K/N` only that share of the points runs
//! and only `shard-K-of-N.json` is written (checkpoint
//! `checkpoint-shard-K-of-N.jsonl`); `capsim merge` combines the shards.

use crate::output::{command_line, OutputSet};
use crate::{flags, stop, Failure};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use models::sweep::checkpoint::Checkpoint;
use models::sweep::plan::Plan;
use models::sweep::refine::refine;
use models::sweep::results::Row;
use models::sweep::run::{run_points, Control};
use models::sweep::shard::Shard;
use sim::threshold::Precision;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Arguments of `capsim sweep`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The scenario file (TOML) with a `[sweep]` table.
    pub file: PathBuf,
    /// Override any scenario key, as in `capsim run`: `--set pods.count=20`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Add or replace an axis: `--axis pool.max_total=[8,16,32]` or
    /// `--axis 'workload.rate={from=1000,to=9000,steps=9}'`.
    #[arg(long = "axis", value_name = "KEY=LIST")]
    pub axis: Vec<String>,
    /// Worker threads, 1 to 1024 (default: all cores).
    #[arg(long, allow_negative_numbers = true, value_parser = flags::threads)]
    pub threads: Option<usize>,
    /// Output folder (default: `out/<scenario name>/`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Report thresholds from the raw grid only (interpolated between grid
    /// points, bracketed by them). By default points are added by bisection
    /// until each end of every threshold's bracket is within
    /// `sweep.precision` (default 2%) or `sweep.tolerance` (x's unit).
    #[arg(long)]
    pub grid: bool,
    /// Accepted for older command lines: bisection is the default now.
    #[arg(long, hide = true)]
    pub refine: bool,
    /// Run only shard K of N (points i with i % N == K-1); write
    /// `shard-K-of-N.json` for `capsim merge`.
    #[arg(long, value_name = "K/N", allow_hyphen_values = true)]
    pub shard: Option<Shard>,
    /// Reuse the points recorded in the output folder's checkpoint by an
    /// interrupted run of the same sweep, and run only the rest.
    #[arg(long)]
    pub resume: bool,
    /// Largest point, in simulated events, to start (default 2e9); every
    /// point is estimated before the sweep starts.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = flags::max_events)]
    pub max_events: Option<f64>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), Failure> {
    let plan = Plan::load(&args.file, &args.set, &args.axis).map_err(input)?;
    if args.refine && args.grid {
        return Err(input(
            "--refine and --grid contradict each other: bisection is the default, --grid turns it off",
        ));
    }
    let indices: Vec<usize> = match args.shard {
        Some(s) => s.indices(plan.len()),
        None => (0..plan.len()).collect(),
    };
    let limit = args
        .max_events
        .unwrap_or(models::scenario::derived::DEFAULT_MAX_EVENTS);
    plan.check_sizes(&indices, limit).map_err(input)?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| crate::publish::default_out(&plan));
    let set = OutputSet::prepare("--out", &out)?;
    let pool = thread_pool(args.threads)?;
    let checkpoint = open_checkpoint(&out, &plan, args.shard, args.resume)?;
    let bar = progress_bar(indices.len(), args.quiet);
    let tick = |refining: bool| {
        if refining {
            bar.inc_length(1);
        }
        bar.inc(1);
    };
    let ctl = Control {
        stop: stop::flag(),
        progress: &tick,
        checkpoint: Some(checkpoint),
    };
    let started = std::time::Instant::now();
    let outcome = pool.install(
        || -> Result<(Vec<Row>, Option<Precision>), models::sweep::Error> {
            let mut rows = run_points(&plan, &indices, &ctl)?;
            // A shard has only some points of each line: thresholds are
            // located after the merge, from the raw grid.
            let precision = plan
                .precision()
                .filter(|_| !args.grid && args.shard.is_none());
            if let Some(p) = precision {
                bar.set_message("locating thresholds");
                let extra = refine(&plan, &rows, p, &ctl)?;
                rows.extend(extra);
            }
            Ok((rows, precision))
        },
    );
    bar.finish_and_clear();
    let (rows, tolerance) = outcome.map_err(|e| sweep_failure(e, checkpoint))?;
    let secs = started.elapsed().as_secs_f64();
    if let Some(shard) = args.shard {
        stop::writing();
        let path = out.join(shard.file_name());
        crate::unnamed::write_file(
            &path,
            models::sweep::shard::shard_json(&plan, shard, &rows).as_bytes(),
        )?;
        let _ = std::fs::remove_file(checkpoint.path());
        println!(
            "shard {}/{}: {} of {} points written to {}",
            shard.k,
            shard.n,
            rows.len(),
            plan.len(),
            path.display()
        );
    } else {
        crate::publish::sweep(&plan, &rows, tolerance, &set)?;
    }
    if !args.quiet {
        eprintln!("capsim: {} points in {secs:.1} s", rows.len());
    }
    Ok(())
}

/// Opens the checkpoint of this sweep (or shard) in `out`, registers it with
/// the signal handler and sets the message a signal prints.
fn open_checkpoint(
    out: &Path,
    plan: &Plan,
    shard: Option<Shard>,
    resume: bool,
) -> Result<&'static Checkpoint, Failure> {
    let (name, label) = match shard {
        Some(s) => (
            format!("checkpoint-shard-{}-of-{}.jsonl", s.k, s.n),
            Some(format!("{}/{}", s.k, s.n)),
        ),
        None => ("checkpoint.jsonl".to_string(), None),
    };
    let path = out.join(name);
    if !resume && path.exists() {
        eprintln!(
            "capsim: starting over: {} is replaced (--resume would reuse its points)",
            path.display()
        );
    }
    let c = Checkpoint::open(&path, plan, label, resume).map_err(input)?;
    if resume {
        eprintln!(
            "capsim: resuming: {} point{} recorded in {}",
            c.len(),
            if c.len() == 1 { "" } else { "s" },
            path.display()
        );
    }
    // The process keeps its checkpoint until it exits.
    let c: &'static Checkpoint = Box::leak(Box::new(c));
    stop::guard(c);
    stop::on_stop(format!(
        "finished points are kept in {}; resume with: {}",
        path.display(),
        resume_command()
    ));
    Ok(c)
}

/// This command line with `--resume`.
fn resume_command() -> String {
    let line = command_line();
    if std::env::args().any(|a| a == "--resume") {
        line
    } else {
        line + " --resume"
    }
}

fn input(e: impl std::fmt::Display) -> Failure {
    Failure::Input(anyhow::anyhow!("{e}"))
}

/// An interrupted sweep keeps its checkpoint (status 130); a point that
/// cannot finish is a verdict (status 1); bad input is status 2.
fn sweep_failure(e: models::sweep::Error, c: &Checkpoint) -> Failure {
    match e {
        models::sweep::Error::Interrupted => Failure::Interrupted(format!(
            "finished points are kept in {}; resume with: {}",
            c.path().display(),
            resume_command()
        )),
        models::sweep::Error::Run(m) => Failure::Verdict(format!("simulation stopped: {m}")),
        other => input(other),
    }
}

pub(crate) fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Failure> {
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        b = b.num_threads(n);
    }
    b.build()
        .map_err(|e| input(format!("cannot start threads: {e}")))
}

fn progress_bar(len: usize, quiet: bool) -> ProgressBar {
    progress(
        Some(len as u64),
        "{bar:40} {pos}/{len} points · {elapsed} elapsed · ETA {eta} {msg}",
        quiet,
    )
}

/// A progress display of `len` steps (`None`: unknown) on stderr, drawn
/// with `template`; hidden when `quiet` or when stderr is not a terminal.
pub(crate) fn progress(len: Option<u64>, template: &str, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(len, ProgressDrawTarget::stderr());
    bar.set_style(ProgressStyle::with_template(template).expect("the template is valid"));
    bar
}
