//! The output set of `capsim run --report DIR`: the run's results as the
//! `reports` crate reads them (`run.json`), the scenario file, and the
//! rendered charts and page, written as one set (see [`crate::output`]).

use crate::output::{command_line, OutputSet};
use crate::Failure;
use models::engine::RunReport;
use models::results::{metric_value, Mark, NamedSeries, Objective, RunResults, RunSeries, Setting};
use models::scenario::{FaultKind, Scenario, ScenarioFile, Transport};
use sim::dist::Latency;
use std::path::PathBuf;

/// Saves the run's results as `run.json` (and the scenario file as
/// `scenario.toml`), renders the report, installs the set in its folder and
/// returns the page's path.
pub fn write(
    out: &OutputSet,
    file: &ScenarioFile,
    set: &[String],
    sc: &Scenario,
    r: &RunReport,
) -> Result<PathBuf, Failure> {
    crate::stop::writing();
    let mut staged = out.stage();
    staged.add("scenario.toml", file.text.as_bytes())?;
    let results = run_results(file, set, sc, r);
    staged.add(
        reports::run::RESULTS_FILE,
        reports::run::results_json(&results).as_bytes(),
    )?;
    let pages = reports::run::files(&results, Some(file.text.clone()))?;
    let page = crate::publish::page_of(out.path(), &pages);
    staged.add_all(pages)?;
    staged.install()?;
    Ok(page)
}

/// The run's [`RunResults`]: what it measured ([`RunResults::measured`]) with
/// the report's fields.
fn run_results(file: &ScenarioFile, set: &[String], sc: &Scenario, r: &RunReport) -> RunResults {
    let input = models::sweep::plan::Input {
        origin: file.origin.clone(),
        name: file.name.clone(),
        text: file.text.clone(),
        set: set.to_vec(),
        axis: Vec::new(),
    };
    let slo = models::sweep::plan::Plan::new(input)
        .map(|p| {
            p.spec
                .slo
                .iter()
                .map(|c| Objective {
                    metric: c.metric.clone(),
                    expression: c.expression(),
                })
                .collect()
        })
        .unwrap_or_default();
    RunResults {
        command: Some(command_line()),
        story: Some(reports::page::story_from_toml(&file.text)),
        settings: with_every_set_key(settings(sc), &file.text, set),
        spike_secs: spike(sc),
        marks: marks(sc),
        pool_capacity: (sc.client.transport == Transport::Pooled).then(|| {
            sc.pods.count as f64 * sc.pool.max_total as f64 * sc.redis.pools_per_pod() as f64
        }),
        database_capacity: sc.database.concurrency.map(f64::from),
        slo,
        series: RunSeries {
            bucket_secs: r.series.bucket_secs,
            t_secs: r.series.t_secs.clone(),
            series: r
                .series
                .values
                .iter()
                .map(|(name, v)| NamedSeries {
                    name: name.clone(),
                    values: v.iter().map(|x| metric_value(*x)).collect(),
                })
                .collect(),
        },
        ..RunResults::measured(sc, r)
    }
}

/// A latency as a reader sees it.
fn latency(l: &Latency) -> String {
    let ms = |s: f64| format!("{}ms", reports::format::exact(s * 1e3));
    match l {
        Latency::Constant(t) => t.to_string(),
        Latency::Empirical(e) => format!(
            "from data {}, mean {}, p99 {}",
            e.source,
            ms(e.moment(1)),
            ms(e.quantile_secs(0.99))
        ),
        Latency::Exponential { mean } => format!("exponential, mean {}", ms(*mean)),
        Latency::Uniform { low, high } => format!("uniform, {} to {}", ms(*low), ms(*high)),
        Latency::LogNormal { mu, .. } => format!("lognormal, median {}", ms(mu.exp())),
        Latency::Quantiles { ln_q } => format!(
            "quantiles: p50 {}, p90 {}, p99 {}, p99.9 {}",
            ms(ln_q[0].exp()),
            ms(ln_q[1].exp()),
            ms(ln_q[2].exp()),
            ms(ln_q[3].exp())
        ),
    }
}

/// When the profile is at its highest scale (above 1): from the end of the
/// ramp that reaches it to the next change (or the end of the run), in
/// seconds from the end of the warm-up.
fn spike(sc: &Scenario) -> Option<[f64; 2]> {
    let p = &sc.workload.profile;
    let top = p.iter().map(|q| q.scale).fold(1.0, f64::max);
    let i = p.iter().position(|q| q.scale == top && top > 1.0)?;
    let start = (p[i].at + p[i].ramp).as_secs_f64();
    let end = p
        .get(i + 1)
        .map_or(sc.simulation.duration.as_secs_f64(), |q| q.at.as_secs_f64());
    (end > start).then_some([start, end])
}

/// The pool's settings a reviewer checks first.
fn pool_settings(sc: &Scenario) -> [Setting; 4] {
    let s = |k: &str, v: String| Setting {
        key: k.into(),
        value: v,
    };
    [
        s(
            "pool.max_total",
            format!("{} connections per pod", sc.pool.max_total),
        ),
        s(
            "pool.when_exhausted",
            format!("{:?}", sc.pool.when_exhausted).to_lowercase(),
        ),
        s(
            "pool.acquire_timeout",
            sc.pool
                .acquire_timeout
                .map_or("none".into(), |t| t.to_string()),
        ),
        s("pool.order", format!("{:?}", sc.pool.order).to_lowercase()),
    ]
}

/// The scenario's faults, to mark on every time series.
fn marks(sc: &Scenario) -> Vec<Mark> {
    sc.faults
        .iter()
        .map(|f| {
            let what = match f.kind {
                FaultKind::Blackhole => "blackhole".to_string(),
                FaultKind::Restart => "restart".to_string(),
                FaultKind::Slow { duration, factor } => {
                    format!("slow ×{} for {duration}", reports::format::exact(factor))
                }
                FaultKind::Reshard {
                    to,
                    slots,
                    duration,
                } => {
                    let label = format!(
                        "reshard: {slots} slots from node {} to node {to} over {duration}",
                        f.shard
                    );
                    return Mark {
                        at_secs: f.at.as_secs_f64(),
                        label,
                    };
                }
                FaultKind::RollingRestart { batch, interval } => {
                    let label = format!("rolling restart: {batch} pods every {interval}");
                    return Mark {
                        at_secs: f.at.as_secs_f64(),
                        label,
                    };
                }
            };
            Mark {
                at_secs: f.at.as_secs_f64(),
                label: format!("{what} of shard {} at {}", f.shard, f.at),
            }
        })
        .collect()
}

/// `first` followed by every other key the scenario file or a `--set` gives
/// a value (the values that differ from their defaults, such as a socket
/// timeout, retries or a middlebox's idle timeout), as written; a `--set`
/// replaces the file's value.
fn with_every_set_key(first: Vec<Setting>, text: &str, set: &[String]) -> Vec<Setting> {
    let mut out = first;
    let mut extra = reports::page::settings_from_toml(text);
    for a in set {
        if let Some((k, v)) = a.split_once('=') {
            let (k, v) = (k.trim().to_string(), v.trim().trim_matches('"').to_string());
            match extra.iter_mut().find(|(key, _)| *key == k) {
                Some(e) => e.1 = v,
                None => extra.push((k, v)),
            }
        }
    }
    for (key, value) in extra {
        if !out.iter().any(|s| s.key == key) {
            out.push(Setting { key, value });
        }
    }
    out
}

/// The settings a reviewer checks first, resolved (defaults filled in).
fn settings(sc: &Scenario) -> Vec<Setting> {
    let s = |k: &str, v: String| Setting {
        key: k.into(),
        value: v,
    };
    let mut out = vec![
        s("simulation.duration", sc.simulation.duration.to_string()),
        s("simulation.warmup", sc.simulation.warmup.to_string()),
        s(
            "workload.rate",
            format!("{} requests/s", reports::format::exact(sc.workload.rate)),
        ),
        s(
            "workload.reads_per_request",
            sc.workload.reads_per_request.to_string(),
        ),
    ];
    if !sc.workload.profile.is_empty() {
        let steps: Vec<String> = sc
            .workload
            .profile
            .iter()
            .map(|p| {
                format!(
                    "×{} at {} (ramp {})",
                    reports::format::exact(p.scale),
                    p.at,
                    p.ramp
                )
            })
            .collect();
        out.push(s("workload.profile", steps.join(", ")));
    }
    out.push(s("pods.count", sc.pods.count.to_string()));
    if sc.client.transport == Transport::Multiplexed {
        // No pool: the shared connections, the command timeout and the
        // kernel's limit on a dead peer matter instead.
        let none = |t: Option<sim::time::SimTime>| t.map_or("none".into(), |t| t.to_string());
        out.extend([
            s("client.transport", "multiplexed".into()),
            s(
                "client.connections",
                format!("{} per pod", sc.client.connections),
            ),
            s("client.socket_timeout", none(sc.client.socket_timeout)),
            s(
                "client.max_queued",
                sc.client
                    .max_queued
                    .map_or("unbounded".into(), |n| n.to_string()),
            ),
            s(
                "network.tcp_user_timeout",
                none(sc.network.tcp_user_timeout),
            ),
            s("network.tcp_retries2", sc.network.tcp_retries2.to_string()),
        ]);
    } else {
        out.extend(pool_settings(sc));
    }
    out.extend([
        s("network.rtt", latency(&sc.network.rtt)),
        s("redis.shards", sc.redis.shards.to_string()),
        s("redis.service_time", latency(&sc.redis.service_time)),
        s(
            "redis.hit_ratio",
            reports::format::exact(sc.redis.hit_ratio),
        ),
        s("l1.hit_ratio", reports::format::exact(sc.l1.hit_ratio)),
        s("database.latency", latency(&sc.database.latency)),
        s(
            "client.hold_during_fallback",
            sc.client.hold_during_fallback.to_string(),
        ),
    ]);
    if let Some(n) = sc.database.concurrency {
        out.push(s("database.concurrency", format!("{n} workers")));
        out.push(s(
            "database.queue_timeout",
            sc.database
                .queue_timeout
                .map_or("none".into(), |t| t.to_string()),
        ));
    }
    out
}
