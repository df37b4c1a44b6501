//! The incident scenarios reproduce what their stories say, read off the
//! runs' own time series.

use models::engine::{self, RunReport};
use std::path::Path;

fn run(file: &str) -> RunReport {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(file);
    let sc = models::scenario::load(&path, &[]).expect("shipped scenario is valid");
    engine::run(&sc).expect("runs")
}

fn series<'a>(r: &'a RunReport, name: &str) -> &'a [f64] {
    &r.series
        .values
        .iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("no series {name}"))
        .1
}

/// Sum of `name` per second over buckets starting in `[from, to)` seconds,
/// times the bucket width: a count.
fn count(r: &RunReport, name: &str, from: f64, to: f64) -> f64 {
    let v = series(r, name);
    r.series
        .t_secs
        .iter()
        .zip(v)
        .filter(|(t, _)| **t >= from && **t < to)
        .map(|(_, x)| x * r.series.bucket_secs)
        .sum()
}

fn failure_ratio(r: &RunReport, from: f64, to: f64) -> f64 {
    let failed = count(r, "failed_per_s", from, to);
    let ok = count(r, "ok_per_s", from, to);
    failed / (failed + ok)
}

#[test]
fn idle_eviction_trap_fails_on_the_first_burst_after_the_quiet_period() {
    let trap = run("idle-eviction-trap.toml");
    let dead = |r: &RunReport, from, to| {
        count(r, "errors_per_s.socket_timeout", from, to)
            + count(r, "errors_per_s.stale_connection", from, to)
    };
    assert_eq!(
        dead(&trap, 0.0, 300.0),
        0.0,
        "nothing can be dead before the firewall's 240 s"
    );
    let burst = dead(&trap, 1860.0, 1930.0);
    let quiet = dead(&trap, 300.0, 1860.0);
    // The burst reaches deep into the LIFO stack, where every connection is dead;
    // the quiet period only now and then reaches past the top one or two.
    assert!(
        burst > quiet,
        "second burst {burst} vs quiet period {quiet}"
    );
    assert!(trap.metrics["requests.retries"] > 0.0);

    let fix = run("idle-eviction-fix.toml");
    assert_eq!(dead(&fix, 0.0, 1980.0), 0.0);
    assert_eq!(
        fix.metrics["errors.socket_timeout"] + fix.metrics["errors.stale_connection"],
        0.0
    );
    // The price: at least one PING per borrow.
    assert!(fix.metrics["pool.pings"] >= fix.metrics["pool.checkouts"]);
    assert!(fix.metrics["latency.p50_ms"] > trap.metrics["latency.p50_ms"]);
}

#[test]
fn death_spiral_stays_down_and_the_fixed_design_recovers() {
    // The spike runs from 60 s to 90 s.
    let spiral = run("death-spiral.toml");
    assert!(
        failure_ratio(&spiral, 0.0, 60.0) < 0.01,
        "healthy before the spike"
    );
    let after = failure_ratio(&spiral, 90.0, 150.0);
    assert!(
        after > 0.5,
        "failure ratio in the minute after the spike: {after}"
    );

    let fixed = run("death-spiral-fixed.toml");
    let recovered = failure_ratio(&fixed, 120.0, 240.0);
    assert!(
        recovered < 0.01,
        "failure ratio from 30 s after the spike: {recovered}"
    );
    assert!(failure_ratio(&fixed, 90.0, 150.0) < 0.01);
}
