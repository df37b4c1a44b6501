//! `capsim calibrate`'s measurements: what a live Redis costs, from this
//! machine, with a real client.
//!
//! Four phases, each bounded in count and time (the whole run takes a few
//! seconds, at most about [`MAX_SECONDS`]):
//! 1. **PING under light load**: one connection, one PING at a time, in
//!    blocks. Each round trip is timed on the client. Around each block the
//!    server's counters are read (`INFO`): `commandstats` gives PING's own
//!    time per call, and the main thread's CPU time over the block, less the
//!    time of the commands themselves, divided by the commands, is the
//!    **event-loop overhead per command** that `commandstats` does not show
//!    (reading the request, parsing, writing the reply, the `epoll` wake-up).
//!    This is the `INFO cpu` method: it works at any load, and a block's
//!    estimate is independent of the others', which gives its spread.
//! 2. **The commands under light load**: the same, with the user's commands
//!    in turn (by default a GET of a value of `--value-size` bytes).
//!    `commandstats` gives their time per call (wall time, so a command that
//!    sleeps, like `DEBUG SLEEP`, counts its sleep).
//! 3. **Saturation**: several connections, each sending commands back to back
//!    for a bounded time: the throughput, and how busy the event loop was by
//!    the counters, as a cross-check of phases 1 and 2 (when the loop is
//!    saturated, one command's loop time is one over the throughput).
//! 4. **The client's own cost**: encoding a command and parsing a reply with
//!    the same client library, in-process, with no network.
//!
//! The scenario written from these figures is in `calibrate_write`.

use crate::calibrate_probe::{command, split_command, stat_name, Addr, Probe, Snapshot};
use std::time::{Duration, Instant};

/// Longest a calibration runs, in seconds, whatever the server's speed.
pub const MAX_SECONDS: u64 = 20;

/// The key the default command reads (written before, deleted after).
pub const KEY: &str = "capsim:calibrate";

/// What to measure.
#[derive(Clone, Debug)]
pub struct Settings {
    /// The server.
    pub addr: Addr,
    /// The commands, as typed (`--command`); empty means a GET of [`KEY`].
    pub commands: Vec<String>,
    /// Size of the value written to [`KEY`], in bytes.
    pub value_size: usize,
    /// Connections of the saturation phase.
    pub connections: u32,
}

/// Light-load blocks of each phase, and the most round trips in one block.
const BLOCKS: usize = 5;
const PER_BLOCK: usize = 600;
/// Longest time of one light-load block.
const BLOCK_TIME: Duration = Duration::from_millis(600);
/// Length of the saturation phase.
const SATURATION_TIME: Duration = Duration::from_millis(1500);

/// One light-load block's figures.
#[derive(Clone, Copy, Debug)]
pub struct Block {
    /// Event-loop time per command outside the commands' own (seconds).
    pub overhead: f64,
    /// The measured commands' own time per call (seconds).
    pub own: f64,
}

/// The saturation phase's figures.
#[derive(Clone, Copy, Debug)]
pub struct Saturation {
    /// Connections used.
    pub connections: u32,
    /// Commands per second over all connections.
    pub throughput: f64,
    /// Fraction of the interval the event loop was busy, by the counters
    /// (commands' time plus the overhead per command).
    pub busy: f64,
}

/// Everything measured.
#[derive(Clone, Debug)]
pub struct Calibration {
    /// The settings measured with.
    pub settings: Settings,
    /// The commands, split into words.
    pub commands: Vec<Vec<String>>,
    /// `redis_version` from INFO.
    pub version: String,
    /// True if the main thread's CPU time was available (Redis 6.2 and newer).
    pub thread_cpu: bool,
    /// Client-timed PING round trips (seconds).
    pub ping_rtt: Vec<f64>,
    /// Client-timed round trips of the commands (seconds).
    pub command_rtt: Vec<f64>,
    /// Phase 1 blocks (PING).
    pub ping_blocks: Vec<Block>,
    /// Phase 2 blocks (the commands).
    pub command_blocks: Vec<Block>,
    /// Phase 3.
    pub saturation: Saturation,
    /// Phase 4: encode a command and parse its reply (seconds).
    pub client_cost: f64,
}

/// Mean and sample standard deviation.
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    if xs.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (mean, 0.0);
    }
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// The `p` quantile (0..1) of `xs` (nearest rank; `xs` need not be sorted).
pub fn quantile(xs: &[f64], p: f64) -> f64 {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
    v[rank - 1]
}

/// Runs the calibration.
pub fn calibrate(settings: &Settings) -> Result<Calibration, String> {
    let started = Instant::now();
    let mut probe = Probe::connect(&settings.addr)?;
    let commands: Vec<Vec<String>> = if settings.commands.is_empty() {
        vec![vec!["GET".to_string(), KEY.to_string()]]
    } else {
        settings
            .commands
            .iter()
            .map(|c| split_command(c))
            .collect::<Result<_, _>>()?
    };
    let cmds: Vec<redis::Cmd> = commands.iter().map(|w| command(w)).collect();
    let info = probe.info()?;
    let version = info.get("redis_version").cloned().unwrap_or_default();
    let thread_cpu = info.contains_key("used_cpu_user_main_thread");
    probe.run(
        redis::cmd("SET")
            .arg(KEY)
            .arg(vec![b'x'; settings.value_size]),
    )?;
    for (words, cmd) in commands.iter().zip(&cmds) {
        probe.run(cmd).map_err(|e| refused(words, e))?;
    }
    let ping = redis::cmd("PING");
    let (ping_rtt, ping_blocks) = light_load(&mut probe, std::slice::from_ref(&ping), &["ping"])?;
    let names: Vec<String> = commands.iter().map(|w| stat_name(w)).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let (command_rtt, command_blocks) = light_load(&mut probe, &cmds, &names)?;
    let overhead = mean_sd(&ping_blocks.iter().map(|b| b.overhead).collect::<Vec<_>>()).0;
    let saturation = saturate(&mut probe, settings, &cmds, overhead)?;
    probe.run(redis::cmd("DEL").arg(KEY))?;
    let client_cost = client_cost(&cmds[0], settings.value_size);
    debug_assert!(started.elapsed() < Duration::from_secs(MAX_SECONDS));
    Ok(Calibration {
        settings: settings.clone(),
        commands,
        version,
        thread_cpu,
        ping_rtt,
        command_rtt,
        ping_blocks,
        command_blocks,
        saturation,
        client_cost,
    })
}

/// A command the server refused, explained (DEBUG is off by default since Redis 7).
fn refused(words: &[String], e: String) -> String {
    let typed = words.join(" ");
    if words[0].eq_ignore_ascii_case("DEBUG") {
        format!(
            "Redis refused `{typed}`: {e}; DEBUG is off by default since Redis 7: start the \
             server with `--enable-debug-command local` (or `yes`) to calibrate with it"
        )
    } else {
        format!("Redis refused `{typed}`: {e}")
    }
}

/// Light load: `cmds` in turn, one at a time on one connection, in blocks;
/// returns the client-timed round trips and each block's figures. `names`
/// are the `commandstats` names whose time is the commands' own.
fn light_load(
    probe: &mut Probe,
    cmds: &[redis::Cmd],
    names: &[&str],
) -> Result<(Vec<f64>, Vec<Block>), String> {
    let mut rtts = Vec::with_capacity(BLOCKS * PER_BLOCK);
    let mut blocks = Vec::with_capacity(BLOCKS);
    for _ in 0..BLOCKS {
        let before = probe.snapshot()?;
        let start = Instant::now();
        for i in 0..PER_BLOCK {
            let cmd = &cmds[i % cmds.len()];
            let t = Instant::now();
            probe.run_quiet(cmd).map_err(|e| probe.explain(&e))?;
            rtts.push(t.elapsed().as_secs_f64());
            if start.elapsed() > BLOCK_TIME {
                break;
            }
        }
        let after = probe.snapshot()?;
        blocks.push(block(&before, &after, names)?);
    }
    Ok((rtts, blocks))
}

/// A block's figures from the counters around it.
fn block(before: &Snapshot, after: &Snapshot, names: &[&str]) -> Result<Block, String> {
    let (calls, usec) = after.delta_all(before);
    let (own_calls, own_usec) = names
        .iter()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .map(|n| after.delta(before, n))
        .fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    if calls == 0 || own_calls == 0 {
        return Err(format!(
            "the server's commandstats did not count the measured commands ({}); \
             is `INFO commandstats` disabled or renamed?",
            names.join(", ")
        ));
    }
    let cpu = after.cpu - before.cpu;
    Ok(Block {
        overhead: ((cpu - usec as f64 * 1e-6) / calls as f64).max(0.0),
        own: own_usec as f64 * 1e-6 / own_calls as f64,
    })
}

/// Saturation: `settings.connections` connections send `cmds` back to back.
fn saturate(
    probe: &mut Probe,
    settings: &Settings,
    cmds: &[redis::Cmd],
    overhead: f64,
) -> Result<Saturation, String> {
    let mut workers = Vec::new();
    for _ in 0..settings.connections {
        workers.push(Probe::connect(&settings.addr)?);
    }
    let before = probe.snapshot()?;
    let start = Instant::now();
    let counts = std::thread::scope(|s| {
        let handles: Vec<_> = workers
            .iter_mut()
            .enumerate()
            .map(|(k, w)| {
                s.spawn(move || -> Result<u64, String> {
                    let mut n = 0u64;
                    let mut i = k;
                    while start.elapsed() < SATURATION_TIME {
                        w.run_quiet(&cmds[i % cmds.len()])
                            .map_err(|e| w.explain(&e))?;
                        n += 1;
                        i += 1;
                    }
                    Ok(n)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| Err("a worker panicked".into())))
            .collect::<Result<Vec<u64>, String>>()
    })?;
    let elapsed = start.elapsed().as_secs_f64();
    let after = probe.snapshot()?;
    let total: u64 = counts.iter().sum();
    let (calls, usec) = after.delta_all(&before);
    Ok(Saturation {
        connections: settings.connections,
        throughput: total as f64 / elapsed,
        busy: (usec as f64 * 1e-6 + overhead * calls as f64) / elapsed,
    })
}

/// Seconds to encode `cmd` and parse a bulk reply of `value_size` bytes with
/// the client library, in-process (the median of 5 timed batches).
fn client_cost(cmd: &redis::Cmd, value_size: usize) -> f64 {
    let mut reply = format!("${value_size}\r\n").into_bytes();
    reply.extend(std::iter::repeat_n(b'x', value_size));
    reply.extend_from_slice(b"\r\n");
    let n = 20_000;
    let mut batches: Vec<f64> = (0..5)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..n {
                let packed = std::hint::black_box(cmd).get_packed_command();
                std::hint::black_box(&packed);
                let v = redis::parse_redis_value(std::hint::black_box(&reply));
                std::hint::black_box(&v);
            }
            t.elapsed().as_secs_f64() / n as f64
        })
        .collect();
    batches.sort_by(f64::total_cmp);
    batches[2]
}
