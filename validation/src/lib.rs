//! capsim against a real Redis and real Rust pool crates.
//!
//! The harness starts its own `redis-server` on a free loopback port, runs
//! `capsim calibrate` against it, drives it open-loop with a real pool
//! ([`drive`]: bb8 with bb8-redis, or deadpool-redis, on tokio), predicts
//! the same points with capsim's engine from the calibrated scenario
//! ([`predict`]), and prints measured against predicted with the relative
//! errors and the measured run-to-run spread ([`compare`]).
//!
//! `cargo run -p capsim-validation --release` runs the full grid; the test
//! `tests/real_redis.rs` runs a CI-sized subset when `CAPSIM_REAL_REDIS=1`.
//! Two more binaries: `--bin predict -- FILE [--set K=V]...` prints capsim's
//! side of the grid alone from a calibrated scenario (no Redis), and
//! `--bin probe` times the client's own steps of a checkout (arrival to
//! task, `get()`, the hand-off) against a throwaway Redis in about 30 s.
//!
//! Before each point the harness probes its client's checkout delay
//! ([`drive::checkout_delay`]: scheduled arrival to the request's task
//! running, at the point's rate with a pool that never binds) and passes it
//! to capsim as `client.checkout_delay`.

pub mod compare;
pub mod drive;
pub mod predict;
pub mod server;

use std::path::PathBuf;
use std::process::Command;

/// The command every point sends: Redis's event loop made slow on purpose
/// (about half a millisecond), so that a pool of a few connections can load
/// it on a two-core machine.
pub const COMMAND: &str = "DEBUG SLEEP 0.0005";

/// The `capsim` binary: `$CAPSIM_BIN`, else the one Cargo built beside this
/// executable (`target/release/capsim` for `target/release/deps/...`).
pub fn capsim_binary() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("CAPSIM_BIN") {
        return Ok(PathBuf::from(p));
    }
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let mut dir = exe.parent().map(PathBuf::from).unwrap_or_default();
    if dir.ends_with("deps") {
        dir.pop();
    }
    let bin = dir.join("capsim");
    if bin.exists() {
        Ok(bin)
    } else {
        Err(format!(
            "no capsim binary at {} (build it first: cargo build --release, or set CAPSIM_BIN)",
            bin.display()
        ))
    }
}

/// Runs `capsim calibrate` against `server` with [`COMMAND`]; returns the
/// scenario text it wrote.
pub fn calibrate(server: &server::RedisServer) -> Result<String, String> {
    let out = std::env::temp_dir().join(format!("capsim-validation-{}.toml", server.port));
    let run = Command::new(capsim_binary()?)
        .args([
            "calibrate",
            "--redis",
            &server.addr(),
            "--command",
            COMMAND,
            "--out",
        ])
        .arg(&out)
        .output()
        .map_err(|e| format!("cannot run capsim: {e}"))?;
    if !run.status.success() {
        return Err(format!(
            "capsim calibrate failed: {}",
            String::from_utf8_lossy(&run.stderr)
        ));
    }
    let text = std::fs::read_to_string(&out).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&out);
    Ok(text)
}
