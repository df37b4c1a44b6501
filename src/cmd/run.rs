//! `capsim run FILE`: simulate one scenario and print its metrics.

use crate::flags::Format;
use crate::output::OutputSet;
use crate::{flags, Failure};
use models::engine::{self, RunReport};
use models::results::{to_text, RunResults};
use models::scenario::{FaultKind, RedisMode, Scenario};
use std::path::PathBuf;

/// Arguments of `capsim run`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Override `simulation.seed` (0 to 9223372036854775807).
    #[arg(long, allow_negative_numbers = true, value_parser = flags::seed)]
    pub seed: Option<u64>,
    /// Override `simulation.replications` (1 to 10000).
    #[arg(long, allow_negative_numbers = true, value_parser = flags::replications)]
    pub replications: Option<u32>,
    /// Override any scenario key, checked like the file: `--set pool.max_total=20`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Also write charts and a report page (index.html) into this folder.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Largest run, in simulated events, to start (default 2e9); capsim
    /// estimates the size before it starts and refuses larger runs.
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = flags::max_events)]
    pub max_events: Option<f64>,
}

/// The overrides of a run, in the order applied: `--set`, then the
/// dedicated flags.
pub fn overrides(set: &[String], seed: Option<u64>, reps: Option<u32>) -> Vec<String> {
    let mut overrides = set.to_vec();
    if let Some(s) = seed {
        overrides.push(format!("simulation.seed={s}"));
    }
    if let Some(r) = reps {
        overrides.push(format!("simulation.replications={r}"));
    }
    overrides
}

/// Runs the command. The scenario file is read once; the output folder of
/// `--report` is checked before the simulation starts.
pub fn run(args: Args) -> Result<(), Failure> {
    let input = |e: &dyn std::fmt::Display| Failure::Input(anyhow::anyhow!("{e}"));
    let file = models::scenario::read_scenario_file(&args.file).map_err(|e| input(&e))?;
    let overrides = overrides(&args.set, args.seed, args.replications);
    let scenario = models::scenario::parse(&file.text, &file.origin, &file.name, &overrides)
        .map_err(|e| input(&e))?;
    let limit = args
        .max_events
        .unwrap_or(models::scenario::derived::DEFAULT_MAX_EVENTS);
    models::scenario::derived::check_size(&scenario, limit)
        .map_err(|m| input(&format!("{}: {m}", file.origin)))?;
    let out = args
        .report
        .as_deref()
        .map(|d| OutputSet::prepare("--report", d))
        .transpose()?;
    // Time series feed only the charts: without `--report`, skip their cost
    // (the metrics are identical either way).
    let report = engine::run_with(&scenario, out.is_some())
        .map_err(|e| Failure::Verdict(format!("simulation stopped: {e}")))?;
    match args.format {
        Format::Json => print!("{}", to_text(&RunResults::measured(&scenario, &report))),
        Format::Text => print!("{}", text_summary(&scenario, &report)),
    }
    if let Some(out) = &out {
        let page = crate::run_page::write(out, &file, &args.set, &scenario, &report)?;
        eprintln!("capsim: report written to {}", page.display());
    }
    Ok(())
}

/// The text summary of a run.
pub fn text_summary(sc: &Scenario, r: &RunReport) -> String {
    let m = |k: &str| r.metrics[k];
    let pm = |k: &str, digits: usize| {
        if sc.simulation.replications >= 2 {
            format!("{:.digits$} ± {:.digits$}", r.metrics[k], r.ci95[k])
        } else {
            format!("{:.digits$}", r.metrics[k])
        }
    };
    let pct = |k: &str| {
        if sc.simulation.replications >= 2 {
            format!("{:.3}% ± {:.3}%", 100.0 * r.metrics[k], 100.0 * r.ci95[k])
        } else {
            format!("{:.3}%", 100.0 * r.metrics[k])
        }
    };
    let s = &sc.simulation;
    let secs = s.duration.as_secs_f64();
    let mut out = String::new();
    out += &format!(
        "capsim {} · {} · seed {} · {} replication{} of {} after {} warm-up\n\n",
        env!("CARGO_PKG_VERSION"),
        sc.name,
        s.seed,
        s.replications,
        if s.replications == 1 { "" } else { "s" },
        s.duration,
        s.warmup
    );
    out += &format!(
        "requests   {:.0} arrived ({:.0}/s), {} failed\n",
        m("requests.arrived"),
        m("requests.arrived") / secs,
        pct("requests.failed_ratio")
    );
    out += &format!(
        "latency    mean {} ms, p50 {:.3}, p90 {:.3}, p99 {:.3}, p99.9 {:.3}, max {:.3} ms\n",
        pm("latency.mean_ms", 3),
        m("latency.p50_ms"),
        m("latency.p90_ms"),
        m("latency.p99_ms"),
        m("latency.p999_ms"),
        m("latency.max_ms")
    );
    let multiplexed = sc.client.transport == models::scenario::Transport::Multiplexed;
    if multiplexed {
        out += &format!(
            "shared     {} pods x {} multiplexed connection{}: queued mean {} (max {:.0}), {:.0} command timeouts\n",
            sc.pods.count,
            sc.client.connections,
            if sc.client.connections == 1 { "" } else { "s" },
            pm("connections.queued.mean", 3),
            m("connections.queued.max"),
            m("client.command_timeouts")
        );
    }
    for f in &sc.faults {
        match f.kind {
            FaultKind::RollingRestart { batch, interval } => {
                out += &format!(
                    "rollout    {} pods restarted {batch} at a time every {interval} from {}\n",
                    sc.pods.count, f.at
                );
            }
            FaultKind::Reshard {
                to,
                slots,
                duration,
            } => {
                out += &format!(
                    "reshard    {slots} slots from node {} to node {to} over {duration} from {}\n",
                    f.shard, f.at
                );
            }
            _ => {}
        }
    }
    if sc.reshards() {
        out += &format!(
            "redirects  {} MOVED, {} ASK\n",
            pm("redis.redirects.moved", 1),
            pm("redis.redirects.ask", 1)
        );
    }
    let shard_faults = sc
        .faults
        .iter()
        .filter(|f| {
            !matches!(
                f.kind,
                FaultKind::RollingRestart { .. } | FaultKind::Reshard { .. }
            )
        })
        .count();
    if shard_faults > 0 {
        out += &format!(
            "faults     {} fault{}: {:.0} dead connections found {} ms after the fault on average, {:.0} reconnects\n",
            shard_faults,
            if shard_faults == 1 { "" } else { "s" },
            m("connections.dead"),
            pm("connections.detect.mean_ms", 1),
            m("connections.reconnects")
        );
    }
    if !multiplexed {
        out += &format!(
            "pool       {} pods x {}{} connections: utilization {}, in use mean {} (max {:.0})\n",
            sc.pods.count,
            match (sc.redis.mode, sc.redis.read_replicas()) {
                (RedisMode::Cluster, 0) => format!("{} nodes x ", sc.redis.shards),
                (RedisMode::Cluster, n) => {
                    format!("{} nodes x (1 + {n} replicas) x ", sc.redis.shards)
                }
                (RedisMode::Proxy, _) => String::new(),
            },
            sc.pool.max_total,
            pct("pool.utilization"),
            pm("pool.in_use.mean", 2),
            m("pool.in_use.max")
        );
        out += &format!(
            "           waited {}, timed out or refused {}\n",
            pct("pool.wait_ratio"),
            pct("pool.timeout_ratio")
        );
        out += &format!(
            "           acquire wait mean {} ms, p99 {:.3} ms, p99.9 {:.3} ms, max {:.3} ms\n",
            pm("pool.acquire_wait.mean_ms", 4),
            m("pool.acquire_wait.p99_ms"),
            m("pool.acquire_wait.p999_ms"),
            m("pool.acquire_wait.max_ms")
        );
    }
    out += &format!(
        "redis      {} shard{}: utilization {}, queue wait mean {} ms, p99 {:.3} ms\n",
        sc.redis.shards,
        if sc.redis.shards == 1 { "" } else { "s" },
        pct("redis.utilization"),
        pm("redis.queue_wait.mean_ms", 4),
        m("redis.queue_wait.p99_ms")
    );
    if sc.redis.shards >= 2 {
        out += &format!(
            "           busiest {}: utilization {}, largest shard queue wait p99 {:.3} ms\n",
            if sc.redis.replicas > 0 {
                "event loop (primary or replica)"
            } else {
                "shard"
            },
            pct("redis.utilization.max"),
            m("redis.queue_wait.max_p99_ms")
        );
    }
    if sc.redis.replicas > 0 {
        out += &format!(
            "           {} replica{} per shard: utilization {}, busiest {}, queue wait mean {} ms; {:.0} writes applied\n",
            sc.redis.replicas,
            if sc.redis.replicas == 1 { "" } else { "s" },
            pct("redis.replica.utilization"),
            pct("redis.replica.utilization.max"),
            pm("redis.replica.queue_wait.mean_ms", 4),
            m("redis.replica.writes")
        );
    }
    out += &format!(
        "           connections: {:.1} open on average over the fleet, {:.0} created, {:.0} closed; {:.0} PINGs\n",
        m("connections.open.mean"),
        m("connections.created"),
        m("connections.closed"),
        m("pool.pings")
    );
    out += &format!("l1         hit ratio {}\n", pct("l1.hit_ratio"));
    if r.metrics.contains_key("l1.misses") {
        out += &format!(
            "           {:.0} misses, {:.0} coalesced, {:.0} evictions, {:.0} expirations; {:.0} database queries\n",
            m("l1.misses"),
            m("l1.coalesced"),
            m("l1.evictions"),
            m("l1.expirations"),
            m("database.queries")
        );
    }
    if let Some(workers) = sc.database.concurrency {
        out += &format!(
            "database   {} workers: utilization {}, queue wait mean {} ms, p99 {:.3} ms\n",
            workers,
            pct("database.utilization"),
            pm("database.queue_wait.mean_ms", 4),
            m("database.queue_wait.p99_ms")
        );
        out += &format!(
            "           {:.0} queries, {:.0} timed out in the queue\n",
            m("database.queries"),
            m("database.timeouts")
        );
    }
    out += &format!(
        "client     {:.0} attempts, {:.0} retries\n",
        m("requests.attempts"),
        m("requests.retries")
    );
    let errors: Vec<String> = models::metrics::names_for(sc)
        .into_iter()
        .filter(|n| n.starts_with("errors.") && r.metrics.get(*n).is_some_and(|v| *v > 0.0))
        .map(|n| format!("{} {:.0}", n.trim_start_matches("errors."), r.metrics[n]))
        .collect();
    out += &format!(
        "errors     {}\n",
        if errors.is_empty() {
            "none".to_string()
        } else {
            errors.join(", ")
        }
    );
    out
}
