//! `capsim`: the command-line front end. It parses arguments, calls the
//! `models`, `sim` and `reports` crates, and prints.
//!
//! Exit status, the same for every command:
//! - 0: done;
//! - 1: a verdict: a check failed (`validate`, `recommend --check`), or a
//!   simulation could not finish (`run`: runaway overload or the clock limit);
//! - 2: bad input: a scenario, a flag, a path or a file that cannot be used
//!   (nothing is simulated or written), or a Redis that `calibrate` cannot
//!   measure;
//! - 130: interrupted by SIGINT or SIGTERM (a sweep keeps its checkpoint and
//!   says how to resume).

mod calibrate;
mod calibrate_probe;
mod calibrate_write;
mod cmd;
mod flags;
mod janitor;
mod output;
mod publish;
mod run_page;
mod stop;
mod unnamed;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Deterministic discrete-event simulator for sizing Redis connection pools.
#[derive(Parser, Debug)]
#[command(name = "capsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Simulate one scenario and print its metrics.
    Run(cmd::run::Args),
    /// Validate a scenario and print it resolved, with derived figures and warnings.
    Check(cmd::check::Args),
    /// Compare the simulator with queueing theory on a built-in table of cases.
    Validate(cmd::validate::Args),
    /// Render the charts and report page of a sweep or run folder again, without simulating.
    Report(cmd::report::Args),
    /// Run a scenario over the grid of its `[sweep]` table and find thresholds.
    Sweep(cmd::sweep::Args),
    /// Combine the shard outputs of `capsim sweep --shard K/N`.
    Merge(cmd::merge::Args),
    /// Measure a live Redis and write a scenario with its network and Redis tables.
    Calibrate(cmd::calibrate::Args),
    /// The cheapest settings that meet the scenario's `[slo]` at its forecast peak, with the evidence.
    Recommend(cmd::recommend::Args),
}

/// An error that ends the command, with the exit status it deserves.
#[derive(Debug)]
pub enum Failure {
    /// Bad input: a scenario, a flag or a file that cannot be used (status 2).
    Input(anyhow::Error),
    /// The command ran and its verdict is a failure: a validation case
    /// failed, or a simulation could not finish (status 1).
    Verdict(String),
    /// Stopped by SIGINT or SIGTERM; the text says what was kept (status 130).
    Interrupted(String),
}

/// Exit status of a command that was interrupted (128 + SIGINT).
pub const INTERRUPTED: u8 = 130;

impl<E: Into<anyhow::Error>> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure::Input(e.into())
    }
}

fn main() -> ExitCode {
    // A copy of capsim started to watch an install (see `janitor`).
    if let Some(status) = janitor::run_if_asked() {
        return status;
    }
    // First, so that a signal at any later moment ends with status 130.
    stop::install();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return clap_failure(e),
    };
    let result = match cli.command {
        Command::Run(args) => cmd::run::run(args),
        Command::Check(args) => cmd::check::run(args),
        Command::Validate(args) => cmd::validate::run(args),
        Command::Report(args) => cmd::report::run(args),
        Command::Sweep(args) => cmd::sweep::run(args),
        Command::Merge(args) => cmd::merge::run(args),
        Command::Calibrate(args) => cmd::calibrate::run(args),
        Command::Recommend(args) => cmd::recommend::run(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Input(e)) => {
            eprintln!("capsim: error: {}", one_line(&e));
            ExitCode::from(2)
        }
        Err(Failure::Verdict(msg)) => {
            eprintln!("capsim: {msg}");
            ExitCode::from(1)
        }
        Err(Failure::Interrupted(msg)) => {
            stop::exit_interrupted(&format!("capsim: interrupted: {msg}"))
        }
    }
}

/// Joins an error and its causes into one line.
fn one_line(e: &anyhow::Error) -> String {
    e.chain()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(": ")
}

/// Help and version go to stdout with status 0; usage errors print one line.
fn clap_failure(e: clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            print!("{e}");
            ExitCode::SUCCESS
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            eprint!("{e}");
            ExitCode::from(2)
        }
        _ => {
            eprintln!(
                "capsim: error: {} (try `capsim --help`)",
                usage_line(&e.to_string())
            );
            ExitCode::from(2)
        }
    }
}

/// The first line of a clap error, with the lines that complete it: clap
/// lists missing arguments on the lines after "...were not provided:".
fn usage_line(text: &str) -> String {
    let mut lines = text.lines();
    let first = lines.next().unwrap_or("invalid arguments");
    let first = first.trim_start_matches("error: ").trim_end();
    if !first.ends_with(':') {
        return first.to_string();
    }
    let rest: Vec<&str> = lines
        .take_while(|l| l.starts_with(' '))
        .map(str::trim)
        .collect();
    format!("{first} {}", rest.join(", "))
}
