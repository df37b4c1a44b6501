//! `capsim sweep FILE`: run a scenario over the grid of its `[sweep]` table,
//! find where its `[slo]` stops holding, and write the results.
//!
//! Outputs go to `--out DIR` (default `out/<scenario name>/`), each written
//! atomically: `results.csv`, `results.json`, `thresholds.csv`, and a summary
//! on stdout. With `--shard K/N` only that share of the points runs and only
//! `shard-K-of-N.json` is written; `capsim merge` combines the shards.
//! Ctrl-C stops the sweep before any file is written.

use crate::output::write_atomic;
use crate::Failure;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use models::sweep::plan::Plan;
use models::sweep::results::{self, Row};
use models::sweep::run::{refine, run_points, Control};
use models::sweep::shard::Shard;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

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
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output folder (default: `out/<scenario name>/`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Add points by bisection until every threshold is bracketed within
    /// `sweep.tolerance` (default: 1/100 of the x axis's span).
    #[arg(long)]
    pub refine: bool,
    /// Run only shard K of N (points i with i % N == K-1); write
    /// `shard-K-of-N.json` for `capsim merge`.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), Failure> {
    let plan = Plan::load(&args.file, &args.set, &args.axis).map_err(input)?;
    if args.refine && args.shard.is_some() {
        return Err(Failure::Input(anyhow::anyhow!(
            "--refine needs every point of a line and cannot run in a shard; merge the shards, then run the sweep with --refine unsharded"
        )));
    }
    let out = args.out.clone().unwrap_or_else(|| default_out(&plan));
    let indices: Vec<usize> = match args.shard {
        Some(s) => s.indices(plan.len()),
        None => (0..plan.len()).collect(),
    };
    let pool = thread_pool(args.threads)?;
    let stop = stop_flag();
    let bar = progress_bar(indices.len(), args.quiet);
    let tick = |refining: bool| {
        if refining {
            bar.inc_length(1);
        }
        bar.inc(1);
    };
    let ctl = Control {
        stop: &stop,
        progress: &tick,
    };
    let started = std::time::Instant::now();
    let outcome = pool.install(
        || -> Result<(Vec<Row>, Option<f64>), models::sweep::Error> {
            let mut rows = run_points(&plan, &indices, &ctl)?;
            let tolerance = plan.tolerance().filter(|_| args.refine);
            if let Some(t) = tolerance {
                bar.set_message("refining");
                let extra = refine(&plan, &rows, t, &ctl)?;
                rows.extend(extra);
            }
            Ok((rows, tolerance))
        },
    );
    bar.finish_and_clear();
    let (rows, tolerance) = outcome.map_err(sweep_failure)?;
    let secs = started.elapsed().as_secs_f64();
    if let Some(shard) = args.shard {
        let path = out.join(shard.file_name());
        write_atomic(
            &path,
            models::sweep::shard::shard_json(&plan, shard, &rows).as_bytes(),
        )?;
        println!(
            "shard {}/{}: {} of {} points written to {}",
            shard.k,
            shard.n,
            rows.len(),
            plan.len(),
            path.display()
        );
    } else {
        write_outputs(&plan, &rows, tolerance, &out)?;
    }
    if !args.quiet {
        eprintln!("capsim: {} points in {secs:.1} s", rows.len());
    }
    Ok(())
}

/// Writes `results.csv`, `results.json` and `thresholds.csv` into `out` and
/// prints the summary.
pub fn write_outputs(
    plan: &Plan,
    rows: &[Row],
    tolerance: Option<f64>,
    out: &Path,
) -> Result<(), Failure> {
    let ts = results::thresholds(plan, rows);
    write_atomic(
        &out.join("results.csv"),
        results::results_csv(plan, rows).as_bytes(),
    )?;
    write_atomic(
        &out.join("results.json"),
        results::results_json(plan, rows, &ts, tolerance).as_bytes(),
    )?;
    write_atomic(
        &out.join("thresholds.csv"),
        results::thresholds_csv(plan, &ts).as_bytes(),
    )?;
    // The report page reads its story and settings from the scenario beside
    // the results.
    write_atomic(&out.join("scenario.toml"), plan.input.text.as_bytes())?;
    let written = reports::sweep::render(out).context("cannot render the report")?;
    print!("{}", results::summary(plan, rows, &ts, tolerance));
    let page = written
        .last()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    println!("\nwritten to {} (report: {page})", out.display());
    Ok(())
}

/// `out/<scenario name>/`.
pub fn default_out(plan: &Plan) -> PathBuf {
    Path::new("out").join(&plan.input.name)
}

fn input(e: impl std::fmt::Display) -> Failure {
    Failure::Input(anyhow::anyhow!("{e}"))
}

/// Interrupted sweeps are a failure (status 1) with nothing written; bad
/// input is status 2.
pub fn sweep_failure(e: models::sweep::Error) -> Failure {
    match e {
        models::sweep::Error::Interrupted => {
            Failure::Check("interrupted: stopped before writing anything".into())
        }
        models::sweep::Error::Run(m) => Failure::Check(format!("simulation stopped: {m}")),
        other => input(other),
    }
}

fn thread_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, Failure> {
    if threads == Some(0) {
        return Err(input("--threads must be at least 1"));
    }
    let mut b = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        b = b.num_threads(n);
    }
    b.build()
        .map_err(|e| input(format!("cannot start threads: {e}")))
}

/// A flag that Ctrl-C sets. The first Ctrl-C asks the sweep to stop after
/// the points in flight; if the handler cannot be installed, Ctrl-C keeps
/// its default behaviour (an immediate exit, which writes nothing either:
/// every file is written atomically at the end).
fn stop_flag() -> Arc<AtomicBool> {
    static FLAG: std::sync::OnceLock<Arc<AtomicBool>> = std::sync::OnceLock::new();
    FLAG.get_or_init(|| {
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let _ = ctrlc::set_handler(move || {
            if f.swap(true, Ordering::SeqCst) {
                std::process::exit(130);
            }
            eprintln!("\ncapsim: stopping after the points in flight (Ctrl-C again to quit now)");
        });
        flag
    })
    .clone()
}

fn progress_bar(len: usize, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:40} {pos}/{len} points · {elapsed} elapsed · ETA {eta} {msg}",
        )
        .expect("the template is valid"),
    );
    bar
}
