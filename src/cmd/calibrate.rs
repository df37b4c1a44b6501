//! `capsim calibrate --redis HOST:PORT [--command "..."]... [--value-size N]
//! --out FILE`: measure a live Redis from this machine and write a scenario
//! whose `[network]` and `[redis]` come from the measurements (see the
//! `calibrate` module for what is measured and how).
//!
//! Bad flags, an unreachable server, a server that needs AUTH or refuses a
//! command (DEBUG is off by default since Redis 7) are input errors: one line,
//! exit status 2, nothing written.

use crate::calibrate::{calibrate, Settings};
use crate::calibrate_probe::{parse_addr, split_command, Addr};
use crate::Failure;
use anyhow::anyhow;
use std::path::PathBuf;

/// Largest `--value-size`: 16 MiB.
pub const MAX_VALUE_SIZE: usize = 16 << 20;

/// Arguments of `capsim calibrate`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The Redis to measure, HOST:PORT (no AUTH; TLS is not supported).
    #[arg(long, value_name = "HOST:PORT", value_parser = addr)]
    pub redis: Addr,
    /// A command to measure, as typed in redis-cli (repeat for a mix sent in
    /// turn); default: a GET of a value of --value-size bytes.
    #[arg(long = "command", value_name = "COMMAND", value_parser = command)]
    pub command: Vec<String>,
    /// Size in bytes of the value written to the key `capsim:calibrate`
    /// (read by the default GET; deleted afterwards).
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = value_size)]
    pub value_size: usize,
    /// Connections of the saturation cross-check (1 to 64).
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub connections: u32,
    /// The scenario file to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
}

fn addr(s: &str) -> Result<Addr, String> {
    parse_addr(s)
}

fn command(s: &str) -> Result<String, String> {
    split_command(s).map(|_| s.to_string())
}

fn value_size(s: &str) -> Result<usize, String> {
    match s.trim().parse::<usize>() {
        Ok(n) if n <= MAX_VALUE_SIZE => Ok(n),
        _ => Err(format!(
            "expected a whole number of bytes from 0 to {MAX_VALUE_SIZE}, found `{s}`"
        )),
    }
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), Failure> {
    if args.out.is_dir() {
        return Err(Failure::Input(anyhow!(
            "--out {} is a folder; give a file name like calibrated.toml",
            args.out.display()
        )));
    }
    let settings = Settings {
        addr: args.redis,
        commands: args.command,
        value_size: args.value_size,
        connections: args.connections,
    };
    eprintln!(
        "capsim: measuring Redis at {} (a few seconds)...",
        settings.addr
    );
    let c = calibrate(&settings).map_err(|e| Failure::Input(anyhow!("{e}")))?;
    let text = crate::calibrate_write::scenario(&c, &crate::output::command_line());
    models::scenario::parse(&text, "calibrated scenario", "calibrated", &[])
        .map_err(|e| anyhow!("internal error: the calibrated scenario is invalid: {e}"))?;
    reports::write_atomic(&args.out, text.as_bytes())
        .map_err(|e| Failure::Input(anyhow!("{e}")))?;
    let m = crate::calibrate_write::model(&c);
    println!(
        "wrote {}: rtt p50 {}, service_time {}, command_overhead {}, ping_time {}",
        args.out.display(),
        crate::calibrate_write::us(m.rtt[0]),
        crate::calibrate_write::us(m.service),
        crate::calibrate_write::us(m.overhead),
        crate::calibrate_write::us(m.ping),
    );
    Ok(())
}
