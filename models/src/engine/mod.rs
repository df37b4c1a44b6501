//! The engine: runs a [`Scenario`] and combines its replications.
//!
//! [`run`] runs `simulation.replications` independent replications in
//! parallel (rayon), each a [`model::Model`] seeded from (seed, replication),
//! and combines them in replication order: metrics are the mean over
//! replications with a Student-t 95% half-width, except latency quantiles and
//! maxima, which come from the histograms merged across replications. The
//! result does not depend on the number of threads.
//!
//! # Components
//! A replication's [`model::Model`] routes events between components along
//! the request path. Each keeps its own state and random streams and answers
//! the model without calling back into it:
//! - [`arrivals`]: when requests arrive and to which pod;
//! - [`l1`]: the in-process cache in front of Redis;
//! - [`transport`]: between a request and Redis: each pod's [`pool`], the
//!   connections' life and health, the network's round trips; or, for a
//!   multiplexed client, [`multiplexed`]: a few shared pipelined connections
//!   per pod, answered in order;
//! - [`cluster`]: in Redis Cluster mode, the node of each read's key and
//!   the pod's pool for that node (or for one of its replicas), and with
//!   [`reshard`] the slots that move and the redirects (ASK, MOVED) that
//!   clients get while they do;
//! - [`server`]: Redis's event loops, one per shard and one per replica
//!   (with reply batching, a reply leaves at the end of its pass);
//! - [`database`]: what answers a Redis miss;
//! - [`client`]: timeouts, retries, backoff, the retry budget and the
//!   client's own delay before a checkout;
//! - [`tcp`]: how long TCP takes to notice a dead peer, for the faults a
//!   scenario injects (`[[faults]]`).
//!
//! A request in flight is a [`requests::Request`]: its own progress plus each
//! component's part of it. What a replication measures is its
//! [`collect::Collector`].

pub mod arrivals;
pub mod client;
pub mod cluster;
pub mod collect;
pub mod database;
pub mod l1;
pub mod model;
pub mod multiplexed;
pub mod pool;
pub mod requests;
pub mod reshard;
pub mod server;
pub mod tcp;
pub mod transport;

use crate::metrics::Metrics;
use crate::scenario::ErrorCause;
use crate::scenario::Scenario;
use collect::Collector;
use sim::stats::LatencyHistogram;
use sim::summary::Estimate;

/// Results of all replications of one scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct RunReport {
    /// Every metric in [`crate::metrics::names_for`]: the mean over replications (latency
    /// quantiles and maxima: from the merged histograms).
    pub metrics: Metrics,
    /// Half-width of the 95% interval of each metric, from the spread of the
    /// per-replication values (0 with one replication).
    pub ci95: Metrics,
    /// Per-replication metrics, in replication order.
    pub replications: Vec<Metrics>,
    /// Fleet time series for charts, averaged over replications.
    pub series: SeriesReport,
}

/// Time series over the measured window, one value per bucket.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct SeriesReport {
    /// Bucket width in seconds.
    pub bucket_secs: f64,
    /// Start of each bucket, in seconds from the end of the warm-up.
    pub t_secs: Vec<f64>,
    /// Named series (`arrivals_per_s`, `in_use`, ...), each one value per bucket.
    pub values: Vec<(String, Vec<f64>)>,
}

sim::message_error! {
    /// A run that could not complete.
    RunError
}

/// Runs one replication and returns what it recorded, time series included.
pub fn run_replication(scenario: &Scenario, replication: u32) -> Result<Collector, RunError> {
    run_replication_with(scenario, replication, true)
}

/// Runs one replication; `series` keeps the time series for charts.
pub fn run_replication_with(
    scenario: &Scenario,
    replication: u32,
    series: bool,
) -> Result<Collector, RunError> {
    model::Model::new(scenario, replication, series)
        .run()
        .map_err(RunError)
}

/// Runs the scenario's replications in parallel and combines them, with
/// time series.
pub fn run(scenario: &Scenario) -> Result<RunReport, RunError> {
    run_with(scenario, true)
}

/// Runs the scenario's replications in parallel and combines them; without
/// `series` the report's series hold one bucket of zeros (sweeps need only
/// the metrics, and skip the cost). Metrics are identical either way.
pub fn run_with(scenario: &Scenario, series: bool) -> Result<RunReport, RunError> {
    let n = scenario.simulation.replications as usize;
    let results =
        sim::experiment::run_ordered(n, |i| run_replication_with(scenario, i as u32, series));
    let collectors = results.into_iter().collect::<Result<Vec<_>, _>>()?;
    Ok(combine(scenario, &collectors))
}

/// Combines replications in order.
pub fn combine(scenario: &Scenario, reps: &[Collector]) -> RunReport {
    let per_rep: Vec<Metrics> = reps
        .iter()
        .map(|c| {
            let capacity = scenario.pool.max_total * scenario.redis.pools_per_pod();
            c.metrics(capacity, scenario.redis.shards)
        })
        .collect();
    let mut metrics = Metrics::new();
    let mut ci95 = Metrics::new();
    // Optional groups follow the always-present names (see
    // `metrics::GROUPS`), in that table's order.
    let names = crate::metrics::names_for(scenario);
    let finite = scenario.database.concurrency.is_some();
    for &name in &names {
        let xs: Vec<f64> = per_rep.iter().map(|m| m[name]).collect();
        let e = Estimate::from_samples(&xs);
        metrics.insert(name.to_string(), e.mean);
        ci95.insert(name.to_string(), e.ci95);
    }
    let merged = |f: fn(&Collector) -> &LatencyHistogram| {
        let mut h = LatencyHistogram::new();
        for c in reps {
            h.merge(f(c));
        }
        h
    };
    let latency = merged(|c| &c.latency);
    let wait = merged(|c| &c.acquire_wait);
    let queue = merged(|c| &c.queue_wait);
    for (name, h, q) in [
        ("latency.p50_ms", &latency, 0.5),
        ("latency.p90_ms", &latency, 0.9),
        ("latency.p99_ms", &latency, 0.99),
        ("latency.p999_ms", &latency, 0.999),
        ("pool.acquire_wait.p50_ms", &wait, 0.5),
        ("pool.acquire_wait.p99_ms", &wait, 0.99),
        ("pool.acquire_wait.p999_ms", &wait, 0.999),
        ("redis.queue_wait.p99_ms", &queue, 0.99),
    ] {
        metrics.insert(name.to_string(), h.quantile_ms(q));
    }
    metrics.insert("latency.max_ms".into(), latency.max_ms());
    let shard_p99 = shard_queue_wait_max_p99_ms(reps).unwrap_or_else(|| queue.quantile_ms(0.99));
    metrics.insert("redis.queue_wait.max_p99_ms".into(), shard_p99);
    let mut all = latency.clone();
    all.merge(&merged(|c| &c.latency_failed));
    for (name, q) in [
        ("latency_all.p50_ms", 0.5),
        ("latency_all.p90_ms", 0.9),
        ("latency_all.p99_ms", 0.99),
        ("latency_all.p999_ms", 0.999),
    ] {
        metrics.insert(name.to_string(), all.quantile_ms(q));
    }
    metrics.insert("latency_all.max_ms".into(), all.max_ms());
    if scenario.uses_transport_metrics() {
        // The largest queue of any replication, not their mean.
        let queued_max = per_rep
            .iter()
            .map(|m| m["connections.queued.max"])
            .fold(0.0, f64::max);
        metrics.insert("connections.queued.max".into(), queued_max);
    }
    metrics.insert("pool.acquire_wait.max_ms".into(), wait.max_ms());
    if finite {
        let mut h = LatencyHistogram::new();
        for c in reps {
            h.merge(
                &c.database
                    .as_ref()
                    .expect("every replication is finite")
                    .queue_wait,
            );
        }
        metrics.insert("database.queue_wait.p99_ms".into(), h.quantile_ms(0.99));
    }
    RunReport {
        metrics,
        ci95,
        replications: per_rep,
        series: series(reps),
    }
}

/// The largest p99 queue wait of a shard, each shard's histogram merged
/// across replications (`None` with one shard: the fleet's p99 is the
/// shard's, and the merged fleet histogram gives it).
fn shard_queue_wait_max_p99_ms(reps: &[Collector]) -> Option<f64> {
    let shards = reps.first()?.shards.len();
    if shards == 0 {
        return None;
    }
    let worst = (0..shards)
        .map(|i| {
            let mut h = LatencyHistogram::new();
            for c in reps {
                if let Some(w) = &c.shards[i].queue_wait {
                    h.merge(w);
                }
            }
            h.quantile_ms(0.99)
        })
        .fold(0.0, f64::max);
    Some(worst)
}

fn series(reps: &[Collector]) -> SeriesReport {
    let Some(first) = reps.first() else {
        return SeriesReport::default();
    };
    let n = reps.len() as f64;
    let avg = |f: &dyn Fn(&Collector) -> Vec<f64>| {
        let mut acc = vec![0.0; first.series.arrivals.sums().len()];
        for c in reps {
            for (a, v) in acc.iter_mut().zip(f(c)) {
                *a += v / n;
            }
        }
        acc
    };
    let mut values = vec![
        (
            "arrivals_per_s".to_string(),
            avg(&|c| c.series.arrivals.per_second()),
        ),
        ("ok_per_s".to_string(), avg(&|c| c.series.ok.per_second())),
        (
            "failed_per_s".to_string(),
            avg(&|c| c.series.failed.per_second()),
        ),
        (
            "in_use".to_string(),
            avg(&|c| c.series.in_use.series_per_bucket()),
        ),
        ("open".to_string(), avg(&|c| c.open.series_per_bucket())),
        (
            "waiters".to_string(),
            avg(&|c| c.series.waiters.series_per_bucket()),
        ),
        (
            "redis_utilization".to_string(),
            avg(&|c| c.series.redis_busy.per_second()),
        ),
    ];
    // Each shard's utilisation, with two shards or more.
    for i in 0..first.shards.len() {
        let busy = |c: &Collector| {
            c.shards[i].series.as_ref().map_or_else(
                || vec![0.0; c.series.redis_busy.sums().len()],
                |s| s.per_second(),
            )
        };
        values.push((format!("shard_utilization.{i}"), avg(&busy)));
    }
    let p99 = if reps.len() == 1 {
        first.series.latency.quantile_ms(0.99)
    } else {
        let mut merged = first.series.latency.clone();
        for c in &reps[1..] {
            merged.merge(&c.series.latency);
        }
        merged.quantile_ms(0.99)
    };
    values.push(("latency_p99_ms".to_string(), p99));
    if first.keyed.is_some() {
        let ratio = |c: &Collector| {
            let k = c.keyed.as_ref().expect("every replication is keyed");
            let (reads, hits) = (k.reads.sums(), k.hits.sums());
            reads
                .iter()
                .zip(hits)
                .map(|(r, h)| if *r > 0.0 { h / r } else { 0.0 })
                .collect::<Vec<f64>>()
        };
        values.push(("l1_hit_ratio".to_string(), avg(&ratio)));
        let queries = |c: &Collector| {
            let k = c.keyed.as_ref().expect("every replication is keyed");
            k.queries.per_second()
        };
        values.push(("database_per_s".to_string(), avg(&queries)));
    }
    if first.database.is_some() {
        fn db(c: &Collector) -> &collect::DatabaseCounts {
            c.database.as_ref().expect("every replication is finite")
        }
        values.push((
            "database_busy".to_string(),
            avg(&|c| db(c).busy.series_per_bucket()),
        ));
        values.push((
            "database_queue".to_string(),
            avg(&|c| db(c).queued.series_per_bucket()),
        ));
    }
    // Shared connections and faults: only where they happened, so the
    // series of a pooled run without faults are those it always had.
    let any = |f: &dyn Fn(&Collector) -> &sim::stats::TimeSeries| {
        reps.iter().any(|c| f(c).sums().iter().any(|&v| v > 0.0))
    };
    if any(&|c| &c.series.writes) {
        let queued = avg(&|c| {
            let (q, w) = (c.series.queued.sums(), c.series.writes.sums());
            q.iter()
                .zip(w)
                .map(|(q, w)| if *w > 0.0 { q / w } else { 0.0 })
                .collect()
        });
        values.push(("queued_per_connection".to_string(), queued));
    }
    if any(&|c| &c.series.detected) {
        let dead = avg(&|c| c.series.detected.per_second());
        values.push(("dead_connections_per_s".to_string(), dead));
    }
    for cause in ErrorCause::ALL {
        if cause == ErrorCause::DatabaseTimeout && first.database.is_none() {
            continue;
        }
        let i = cause as usize;
        values.push((
            format!("errors_per_s.{}", cause.name()),
            avg(&|c| c.series.failures[i].per_second()),
        ));
    }
    let width = first.series.arrivals.width().as_secs_f64();
    let t_secs = (0..first.series.arrivals.sums().len())
        .map(|i| i as f64 * width)
        .collect();
    SeriesReport {
        bucket_secs: width,
        t_secs,
        values,
    }
}
