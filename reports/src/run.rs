//! The report of a single run (`capsim run FILE --report DIR`): time series
//! across the traffic profile, read from `DIR/run.json`.
//!
//! Charts, in reading order:
//! 1. `traffic.svg`: arrivals and completions per second: the profile as
//!    simulated, and whether completions keep up with it;
//! 2. `connections.svg`: connections in use and open against the pool's
//!    capacity: how close the fleet came to exhaustion, and when (for a
//!    multiplexed client, which has no pool, the connections open);
//! 3. `shared.svg`, only for a multiplexed client: commands queued ahead on
//!    each shared connection (head-of-line blocking, a dead connection);
//!    `waiters.svg`, only for a pool: requests waiting for a connection:
//!    where queueing began;
//! 4. `failures.svg`: failed requests per second (each once, after its last
//!    attempt) beside failed attempts by cause (retried or not): what broke,
//!    and whether retries hid it;
//! 5. `latency.svg`: p99 latency of successful requests per bucket, with the
//!    SLO limit on it;
//! 6. `l1.svg` and `database.svg`, only for a keyed L1 cache: the L1 hit
//!    ratio and the database queries per second, so a cold start's refill
//!    and an expiry's stampede show over time;
//! 7. `database-queue.svg`, only for a finite database: its busy workers
//!    against `database.concurrency` and the queries waiting for one;
//! 8. `redis.svg`: Redis event-loop utilisation: whether Redis, not the
//!    pool, is the bottleneck;
//! 9. `shards.svg` and `shard-load.svg`, only with two shards or more: each
//!    shard's utilisation over time (the busiest shards), and every shard's
//!    mean utilisation against the mean of all: a hot shard, which the mean
//!    hides, stands out.
//!
//! Every time series marks the scenario's faults with a dotted vertical
//! line, named in its legend.

use crate::chart::{Line, LineChart, Reference, Scale};
use crate::format;
use crate::input::RunResults;
use crate::page::{self, Cell, Figure, Page, Table};
use crate::write::{add_chart, render_files, write_atomic, Files};
use crate::ReportError;
use std::path::{Path, PathBuf};

/// The results file of a run report.
pub const RESULTS_FILE: &str = "run.json";

/// Prefixes of the per-cause failure series (`errors_per_s.pool_timeout`).
const CAUSE_PREFIXES: [&str; 2] = ["errors_per_s.", "failures_per_s."];

/// Legend text of a failure cause.
fn cause_label(cause: &str) -> String {
    match cause {
        "pool_timeout" => "pool timeout".into(),
        "pool_exhausted" => "pool exhausted (fail fast)".into(),
        "stale_connection" => "stale connection".into(),
        "socket_timeout" => "socket timeout".into(),
        "max_clients" => "refused: maxclients".into(),
        "connect_timeout" => "connect timeout".into(),
        other => other.replace('_', " "),
    }
}

/// `run.json`: `results` as this crate reads them back.
pub fn results_json(results: &RunResults) -> String {
    models::results::to_text(results)
}

/// Writes `results` as `dir/run.json`, then renders the report from it.
/// Returns the files written, page last.
pub fn write_and_render(dir: &Path, results: &RunResults) -> Result<Vec<PathBuf>, ReportError> {
    write_atomic(&dir.join(RESULTS_FILE), results_json(results).as_bytes())?;
    render(dir)
}

/// Reads `dir/run.json` and writes the charts and `index.html` beside it.
/// Returns the files written, page last.
pub fn render(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    render_files(dir, RESULTS_FILE, RunResults::check, files)
}

/// The charts and `index.html` of `results` (with the scenario file written
/// beside them, if any), page last, without writing anything.
pub fn files(results: &RunResults, scenario_text: Option<String>) -> Result<Files, ReportError> {
    let mut out = Vec::new();
    let mut figures = Vec::new();
    for (file, chart, caption) in charts(results) {
        let figure = Figure {
            file: file.to_string(),
            alt: chart.title.clone(),
            caption: caption.to_string(),
        };
        add_chart(&mut out, &mut figures, chart.to_svg(), figure)?;
    }
    let page = build_page(results, figures, scenario_text);
    out.push(("index.html".to_string(), page::html(&page)));
    Ok(out)
}

/// The series `name` as (t, value) points; missing values become NaN.
fn points(r: &RunResults, name: &str, scale: f64) -> Option<Vec<(f64, f64)>> {
    let s = &r.series;
    let v = s.get(name)?;
    Some(
        s.t_secs
            .iter()
            .zip(v)
            .map(|(t, v)| (*t + s.bucket_secs / 2.0, v.map_or(f64::NAN, |v| v * scale)))
            .collect(),
    )
}

fn line(r: &RunResults, name: &str, label: &str, scale: f64) -> Option<Line> {
    points(r, name, scale).map(|points| Line {
        label: label.into(),
        points,
        ..Line::default()
    })
}

/// The lines of `lines` that have a series.
fn present(lines: impl IntoIterator<Item = Option<Line>>) -> Vec<Line> {
    lines.into_iter().flatten().collect()
}

fn time_chart(r: &RunResults, title: &str, y_label: &str, lines: Vec<Line>) -> LineChart {
    let bucket = format::num(r.series.bucket_secs);
    LineChart {
        title: title.into(),
        subtitle: format!(
            "{} · seed {} · {} replication{} (mean) · {bucket} s buckets, time from the end of the warm-up",
            r.scenario,
            r.seed,
            r.replications,
            if r.replications == 1 { "" } else { "s" }
        ),
        x_label: "time (s)".into(),
        y_label: y_label.into(),
        x_scale: Some(Scale::Linear),
        y_scale: Some(Scale::Linear),
        y_from_zero: true,
        lines,
        shade: r
            .spike_secs
            .map(|[a, b]| (a, b, "the traffic profile at its peak".to_string())),
        marks: r.marks.iter().map(|m| (m.at_secs, m.label.clone())).collect(),
        ..LineChart::default()
    }
}

/// Every chart of the run, with its file name and caption.
pub fn charts(r: &RunResults) -> Vec<(&'static str, LineChart, &'static str)> {
    let mut out = Vec::new();
    let traffic = present([
        line(r, "arrivals_per_s", "arrivals", 1.0),
        line(r, "ok_per_s", "completed OK", 1.0),
    ]);
    if !traffic.is_empty() {
        out.push((
            "traffic.svg",
            time_chart(r, "Traffic: requests per second", "requests per second (fleet)", traffic),
            "The traffic profile as simulated. Where completions fall below arrivals, requests are failing.",
        ));
    }
    // A client without a pool (multiplexed) never checks a connection out:
    // only its open connections are drawn, and nothing waits for one.
    let pooled = r.pool_capacity.is_some();
    let mut conns = present([
        line(r, "in_use", "in use", 1.0).filter(|_| pooled),
        line(r, "open", "open", 1.0),
    ]);
    if !conns.is_empty() {
        let mut c = time_chart(
            r,
            if pooled {
                "Connections in use and open"
            } else {
                "Connections open"
            },
            "connections (fleet total, bucket mean)",
            conns.split_off(0),
        );
        if let Some(cap) = r.pool_capacity {
            // A capacity far above the connections used would squash them
            // against the bottom of the chart: then it is only named.
            let top = c
                .lines
                .iter()
                .flat_map(|l| l.points.iter().map(|p| p.1))
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max);
            if cap <= 4.0 * top {
                c.references.push(Reference {
                    label: format!("pool capacity: {}", format::num(cap)),
                    value: cap,
                });
            } else {
                c.note = format!(
                    "Pool capacity: {} connections, far above the connections used (not drawn).",
                    format::num(cap)
                );
            }
        }
        out.push((
            "connections.svg",
            c,
            if pooled {
                "Connections checked out and open, summed over pods. In use close to the capacity line means the pool is exhausted and requests queue."
            } else {
                "Shared connections open, summed over pods. A dip is a connection found dead and being reopened."
            },
        ));
    }
    if let Some(l) = line(
        r,
        "queued_per_connection",
        "commands ahead of a new one",
        1.0,
    ) {
        out.push((
            "shared.svg",
            time_chart(r, "Commands waiting on each shared connection", "commands queued ahead (bucket mean)", vec![l]),
            "Commands written on a shared connection whose replies had not come back yet, seen by each new command. Replies come in order: every command waits for those ahead of it, so a slow command or a dead connection holds up all of them.",
        ));
    }
    if let Some(l) = line(r, "waiters", "waiting for a connection", 1.0).filter(|_| pooled) {
        out.push((
            "waiters.svg",
            time_chart(r, "Requests waiting for a connection", "waiting requests (fleet, bucket mean)", vec![l]),
            "Requests queued in the pools. Any sustained queue adds its wait to latency; a growing one ends in timeouts.",
        ));
    }
    // Requests and attempts are different things: a request fails once,
    // after its last attempt; a failed attempt that is retried costs time
    // but no request.
    let attempts: Vec<Line> = r
        .series
        .series
        .iter()
        .filter_map(|s| {
            let cause = CAUSE_PREFIXES.iter().find_map(|p| s.name.strip_prefix(p))?;
            line(
                r,
                &s.name,
                &format!("failed attempts: {}", cause_label(cause)),
                1.0,
            )
        })
        .filter(|l| l.points.iter().any(|p| p.1 > 0.0))
        .collect();
    let requests = line(r, "failed_per_s", "failed requests (after retries)", 1.0);
    if requests.is_some() || !attempts.is_empty() {
        let any_requests = requests
            .as_ref()
            .is_some_and(|l| l.points.iter().any(|p| p.1 > 0.0));
        let mut shown: Vec<Line> = requests.into_iter().collect();
        let any_attempts = !attempts.is_empty();
        shown.extend(attempts);
        let mut c = time_chart(
            r,
            "Failed requests and failed attempts per second",
            "per second (fleet)",
            shown,
        );
        c.note = match (any_requests, any_attempts) {
            (false, false) => {
                "No failed request and no failed attempt in the measured window.".into()
            }
            (false, true) => {
                "No request failed: every failed attempt was retried and succeeded.".into()
            }
            _ => "Attempt causes with no failure in the window are left out.".into(),
        };
        out.push((
            "failures.svg",
            c,
            "Failed requests (each counted once, after its last attempt) beside failed attempts by cause (each try that failed, retried or not). Pool timeouts mean too few connections for the load; stale connections and socket timeouts point at the network and Redis.",
        ));
    }
    if let Some(l) = line(r, "latency_p99_ms", "p99 latency", 1.0) {
        out.push((
            "latency.svg",
            {
                let mut c = time_chart(
                    r,
                    "p99 latency of successful requests per time bucket",
                    "latency p99, successful requests (ms)",
                    vec![l],
                );
                c.references.extend(slo_limits(r, "latency.p99_ms"));
                c
            },
            "Tail latency over time: spikes show when the pool or Redis could not keep up.",
        ));
    }
    if let Some(l) = line(r, "l1_hit_ratio", "L1 hit ratio", 100.0) {
        out.push((
            "l1.svg",
            time_chart(r, "L1 hit ratio", "reads answered by the pods' L1 caches (%)", vec![l]),
            "The keyed L1's hit ratio over time, all pods together. Caches that start empty (a deploy) climb from 0 as they fill; until they do, every miss goes on to the pool and Redis.",
        ));
    }
    if let Some(l) = line(r, "database_per_s", "database queries", 1.0) {
        out.push((
            "database.svg",
            time_chart(r, "Database queries per second", "queries per second (fleet)", vec![l]),
            "Reads that missed both the L1 and Redis and queried the database. Bursts after an entry expires are a stampede; coalescing turns each into one query.",
        ));
    }
    let db = present([
        line(r, "database_busy", "workers busy", 1.0),
        line(r, "database_queue", "queries waiting for a worker", 1.0),
    ]);
    if !db.is_empty() {
        let mut c = time_chart(
            r,
            "Database workers busy and queries waiting",
            "queries (bucket mean)",
            db,
        );
        if let Some(cap) = r.database_capacity {
            c.references.push(Reference {
                label: format!("database concurrency: {}", format::num(cap)),
                value: cap,
            });
        }
        out.push((
            "database-queue.svg",
            c,
            "The finite database's workers in use and the queries queued for one. Busy workers at the concurrency line with a growing queue mean the database, not the pool or Redis, is what breaks first: its queue wait adds to every miss, and past the queue timeout misses fail.",
        ));
    }
    if let Some(l) = line(r, "redis_utilization", "event-loop busy", 100.0) {
        let mut c = time_chart(
            r,
            "Redis utilisation",
            "busy time of the event loops (%)",
            vec![l],
        );
        c.references.push(Reference {
            label: "saturated: 100%".into(),
            value: 100.0,
        });
        out.push((
            "redis.svg",
            c,
            "Share of time Redis's event loops were busy, averaged over shards. Near 100% Redis itself is the bottleneck, whatever the pool size.",
        ));
    }
    out.extend(shard_charts(r));
    out
}

/// Shards drawn one by one in `shards.svg`: the busiest ones.
const SHARD_LINES: usize = 8;

/// Each shard's utilisation series (`shard_utilization.<i>`) with its index
/// and its mean over the window (in %), in shard order.
fn shard_series(r: &RunResults) -> Vec<(u32, f64, Line)> {
    let mut out: Vec<(u32, f64, Line)> = r
        .series
        .series
        .iter()
        .filter_map(|s| {
            let i: u32 = s.name.strip_prefix("shard_utilization.")?.parse().ok()?;
            let l = line(r, &s.name, &format!("shard {i}"), 100.0)?;
            let finite: Vec<f64> = l
                .points
                .iter()
                .map(|p| p.1)
                .filter(|v| v.is_finite())
                .collect();
            let mean = finite.iter().sum::<f64>() / finite.len().max(1) as f64;
            Some((i, mean, l))
        })
        .collect();
    out.sort_by_key(|s| s.0);
    out
}

/// `shards.svg` and `shard-load.svg`, with two shards or more.
fn shard_charts(r: &RunResults) -> Vec<(&'static str, LineChart, &'static str)> {
    let shards = shard_series(r);
    if shards.len() < 2 {
        return Vec::new();
    }
    let n = shards.len();
    let all_mean = shards.iter().map(|s| s.1).sum::<f64>() / n as f64;
    let mut busiest: Vec<&(u32, f64, Line)> = shards.iter().collect();
    // The busiest first; equal means in shard order (the sort is stable).
    busiest.sort_by(|a, b| b.1.total_cmp(&a.1));
    busiest.truncate(SHARD_LINES);
    let mut over_time = time_chart(
        r,
        "Redis utilisation per shard",
        "busy time of the shard's event loop (%)",
        busiest.iter().map(|s| s.2.clone()).collect(),
    );
    over_time.references.push(Reference {
        label: "saturated: 100%".into(),
        value: 100.0,
    });
    if n > SHARD_LINES {
        let rest = shards
            .iter()
            .filter(|s| !busiest.iter().any(|b| b.0 == s.0))
            .map(|s| s.1)
            .fold(0.0, f64::max);
        over_time.note = format!(
            "The {SHARD_LINES} busiest of {n} shards are drawn; every other shard averaged at most {}%.",
            format::num(rest)
        );
    }
    let load = LineChart {
        title: "Load per shard".into(),
        subtitle: format!(
            "{} · seed {} · {} replication{} (mean) · each shard's event-loop utilisation over the measured window",
            r.scenario,
            r.seed,
            r.replications,
            if r.replications == 1 { "" } else { "s" }
        ),
        x_label: "shard".into(),
        y_label: "utilisation over the window (%)".into(),
        x_scale: Some(Scale::Linear),
        y_scale: Some(Scale::Linear),
        y_from_zero: true,
        lines: vec![Line {
            label: "shard utilisation".into(),
            points: shards.iter().map(|s| (s.0 as f64, s.1)).collect(),
            markers: true,
            ..Line::default()
        }],
        references: vec![Reference {
            label: format!("mean of all shards: {}%", format::num(all_mean)),
            value: all_mean,
        }],
        x_whole: true,
        ..LineChart::default()
    };
    vec![
        (
            "shards.svg",
            over_time,
            "Each shard's event loop over time, the busiest shards drawn. Commands whose keys live on one shard load that shard alone: a hot key makes a hot shard while the others idle.",
        ),
        (
            "shard-load.svg",
            load,
            "Every shard's utilisation over the window against the mean of all shards (the dashed line, which is redis.utilization). The highest point is redis.utilization.max: a shard far above the line is the cluster's bottleneck, whatever the mean says.",
        ),
    ]
}

/// Dashed lines at the limits of the objectives on `metric`.
fn slo_limits(r: &RunResults, metric: &str) -> Vec<Reference> {
    r.slo
        .iter()
        .filter(|o| o.metric == metric)
        .filter_map(|o| {
            o.limit().map(|l| Reference {
                label: format!("SLO: {} {}", o.metric, o.expression),
                value: l,
            })
        })
        .collect()
}

/// What a finite database did, and which of the three resources (pool,
/// Redis, database) was the busiest: the one that breaks first as the load
/// grows.
fn database_finding(r: &RunResults, workers: f64) -> String {
    let m = |k: &str| r.metrics.get(k).copied().flatten().unwrap_or(f64::NAN);
    // Redis breaks at its busiest shard.
    let redis = match m("redis.utilization.max") {
        u if u.is_finite() => u,
        _ => m("redis.utilization"),
    };
    let busiest = [
        ("the pool", m("pool.utilization")),
        ("Redis", redis),
        ("the database", m("database.utilization")),
    ]
    .into_iter()
    .filter(|(_, u)| u.is_finite())
    .max_by(|a, b| a.1.total_cmp(&b.1));
    let mut text = format!(
        "Database: {} workers, utilisation {}; queue wait mean {} ms, p99 {} ms; {} of {} queries timed out in its queue.",
        format::num(workers),
        format::percent(m("database.utilization")),
        format::exact(m("database.queue_wait.mean_ms")),
        format::exact(m("database.queue_wait.p99_ms")),
        format::num(m("database.timeouts")),
        format::num(m("database.queries")),
    );
    if let Some((name, u)) = busiest {
        text += &format!(
            " The busiest resource is {name} ({} busy): as load grows it is the first to saturate.",
            format::percent(u)
        );
    }
    text
}

fn build_page(r: &RunResults, figures: Vec<Figure>, scenario_text: Option<String>) -> Page {
    let story = page::story(&r.story, scenario_text.as_deref());
    let m = |k: &str| r.metrics.get(k).copied().flatten().unwrap_or(f64::NAN);
    let failed_attempts: f64 = r
        .metrics
        .iter()
        .filter(|(k, _)| k.starts_with("errors."))
        .filter_map(|(_, v)| *v)
        .sum();
    let mut findings = vec![Cell::text(format!(
        "{} requests arrived; failed requests: {} ({}); failed attempts: {} ({} retries); p99 latency of successful requests {} ms, of all requests (failures at their failure) {} ms; pool utilisation {}; Redis utilisation {}.",
        format::num(m("requests.arrived")),
        format::num(m("requests.failed")),
        format::percent(m("requests.failed_ratio")),
        format::num(failed_attempts),
        format::num(m("requests.retries")),
        format::exact(m("latency.p99_ms")),
        format::exact(m("latency_all.p99_ms")),
        format::percent(m("pool.utilization")),
        format::percent(m("redis.utilization")),
    ))];
    if shard_series(r).len() >= 2 {
        findings.push(Cell::text(format!(
            "Busiest Redis shard: utilisation {} against {} on average over shards; largest p99 queue wait of a shard {} ms.",
            format::percent(m("redis.utilization.max")),
            format::percent(m("redis.utilization")),
            format::exact(m("redis.queue_wait.max_p99_ms")),
        )));
    }
    if let Some(workers) = r.database_capacity {
        findings.push(Cell::text(database_finding(r, workers)));
    }
    let mut tables = Vec::new();
    if !r.slo.is_empty() {
        let mut t = Table {
            header: ["objective", "measured", "95% CI ±", "result"]
                .map(String::from)
                .to_vec(),
            rows: vec![],
        };
        let mut all = true;
        for o in &r.slo {
            let v = r.metrics.get(&o.metric).copied().flatten();
            let ci = r.ci95.get(&o.metric).copied().flatten();
            let verdict = o.holds(v);
            all &= verdict == Some(true);
            t.rows.push(vec![
                Cell::text(format!("{} {}", o.metric, o.expression)),
                Cell::text(v.map_or("n/a".into(), format::exact)),
                Cell::text(ci.filter(|c| *c > 0.0).map_or("-".into(), format::exact)),
                match verdict {
                    Some(p) => Cell::verdict(p, if p { "pass" } else { "FAIL" }),
                    None => Cell::text("n/a"),
                },
            ]);
        }
        findings.push(Cell::verdict(
            all,
            if all {
                "Every objective holds."
            } else {
                "At least one objective fails."
            },
        ));
        tables.push(("Objectives".to_string(), String::new(), t));
    }
    let mut settings: Vec<(String, String)> = r
        .settings
        .iter()
        .map(|s| (s.key.clone(), s.value.clone()))
        .collect();
    if settings.is_empty() {
        settings = scenario_text
            .as_deref()
            .map(page::settings_from_toml)
            .unwrap_or_default();
    }
    let command = r
        .command
        .clone()
        .unwrap_or_else(|| format!("capsim run {}.toml --seed {}", r.scenario, r.seed));
    Page {
        title: format!("{}: run report", r.scenario),
        story,
        findings,
        settings,
        tables,
        figures,
        reproduce: vec![
            ("command".into(), command),
            ("seed".into(), r.seed.to_string()),
            ("replications".into(), r.replications.to_string()),
            ("capsim version".into(), r.capsim_version.clone()),
            ("scenario hash".into(), r.scenario_hash.clone()),
            (
                "re-render this page".into(),
                "capsim report <this folder>".into(),
            ),
        ],
        scenario_text,
    }
}
