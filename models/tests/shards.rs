//! Per-shard truth: the busiest shard's utilisation
//! (`redis.utilization.max`) and the largest p99 queue wait of a shard
//! (`redis.queue_wait.max_p99_ms`) beside the means over shards, and each
//! shard's own books and time series.

use models::engine::{self, RunReport};
use models::scenario::{parse, Scenario};

/// 2 pods x 20 connections, 8000 reads/s, exponential 100 us commands on
/// `shards` shards: about 80% of one shard's loop, spread over them.
fn scenario(shards: u32, replications: u32) -> Scenario {
    parse(
        &format!(
            r#"
[simulation]
duration = "4s"
warmup = "1s"
replications = {replications}
bucket = "1s"
[workload]
rate = 8000
[pods]
count = 2
[pool]
max_total = 20
[network]
rtt = "200us"
[redis]
shards = {shards}
service_time = {{ dist = "exponential", mean = "100us" }}
"#
        ),
        "shards.toml",
        "shards",
        &[],
    )
    .expect("valid scenario")
}

fn run(sc: &Scenario) -> RunReport {
    engine::run(sc).expect("runs")
}

#[test]
fn one_shard_is_its_own_busiest_shard() {
    let r = run(&scenario(1, 2));
    let m = &r.metrics;
    assert!(m["redis.utilization"] > 0.5);
    assert_eq!(m["redis.utilization.max"], m["redis.utilization"]);
    assert_eq!(
        m["redis.queue_wait.max_p99_ms"],
        m["redis.queue_wait.p99_ms"]
    );
    assert!(!r
        .series
        .values
        .iter()
        .any(|(n, _)| n.starts_with("shard_utilization.")));
}

#[test]
fn the_shards_books_add_up_to_the_fleets() {
    let sc = scenario(4, 1);
    let c = engine::run_replication(&sc, 0).expect("runs");
    assert_eq!(c.shards.len(), 4);
    let busy: u64 = c.shards.iter().map(|s| s.busy.0).sum();
    assert_eq!(busy, c.busy.0, "per-shard busy time sums to the fleet's");
    let waits: u64 = c
        .shards
        .iter()
        .map(|s| s.queue_wait.as_ref().map_or(0, |h| h.count()))
        .sum();
    assert_eq!(
        waits,
        c.queue_wait.count(),
        "every queued command counted once"
    );
    let m = c.metrics(sc.pool.max_total, sc.redis.shards);
    let secs = c.window.len().as_secs_f64();
    let per_shard: Vec<f64> = c
        .shards
        .iter()
        .map(|s| s.busy.as_secs_f64() / secs)
        .collect();
    let hottest = per_shard.iter().cloned().fold(0.0, f64::max);
    assert_eq!(m["redis.utilization.max"], hottest);
    // The mean over shards is the fleet's utilisation (up to rounding).
    let mean = per_shard.iter().sum::<f64>() / 4.0;
    assert!((mean - m["redis.utilization"]).abs() < 1e-12);
    // A mixture's p99 is at most its largest component's p99.
    assert!(m["redis.queue_wait.max_p99_ms"] >= m["redis.queue_wait.p99_ms"]);
}

#[test]
fn per_shard_series_average_to_the_fleet_series() {
    let r = run(&scenario(3, 2));
    let get = |name: &str| {
        r.series
            .values
            .iter()
            .find(|(n, _)| n == name)
            .unwrap_or_else(|| panic!("series {name}"))
            .1
            .clone()
    };
    let fleet = get("redis_utilization");
    let shards: Vec<Vec<f64>> = (0..3)
        .map(|i| get(&format!("shard_utilization.{i}")))
        .collect();
    for (b, f) in fleet.iter().enumerate() {
        let mean = shards.iter().map(|s| s[b]).sum::<f64>() / 3.0;
        assert!((mean - f).abs() < 1e-9, "bucket {b}: {mean} vs {f}");
    }
    // Without series (sweeps) the metrics are the same.
    let quiet = engine::run_with(&scenario(3, 2), false).expect("runs");
    assert_eq!(quiet.metrics, r.metrics);
}
