//! `redis.connection_scaling`: each command's event-loop time grows with the
//! connections open on its shard, checked through the whole engine against
//! the M/D/1 queue (Pollaczek-Khinchine) with the scaled service time.
//!
//! 20 pods each keep 100 connections open from the start (`min_idle =
//! max_total`, accepts free), so the shard holds exactly 2,000 connections;
//! commands take a constant 100 us, scaled by `1 + 2000 / K`. Arrivals are
//! Poisson and every read goes to Redis, so the shard is M/D/1 with service
//! `S' = 100 us x (1 + 2000 / K)`: utilisation `lambda S'` and mean queue
//! wait `rho S' / (2 (1 - rho))`. Each check is a Student-t 95% interval
//! over replications (the engine's `ci95`); the seed is fixed, so a failure
//! is deterministic.

use models::engine::run;
use models::scenario::parse;

const RATE: f64 = 3000.0;
const SERVICE_US: f64 = 100.0;
const OPEN: f64 = 2000.0;

fn scenario(scaling: &str) -> models::scenario::Scenario {
    let text = format!(
        r#"[simulation]
duration = "20s"
warmup = "1s"
replications = 8
seed = 5

[workload]
rate = {RATE}

[pods]
count = 20

[pool]
max_total = 100
min_idle = 100
acquire_timeout = "none"

[network]
rtt = "0us"

[redis]
service_time = "{SERVICE_US}us"
accept_cost = "0us"
connection_scaling = {scaling}

[l1]
hit_ratio = 0.0
lookup_time = "0us"
"#
    );
    parse(&text, "scaling.toml", "scaling", &[]).expect("the scenario is valid")
}

/// Runs the scenario with `scaling` and checks it against M/D/1 with the
/// service time scaled by `factor`.
fn check(scaling: &str, factor: f64) {
    let r = run(&scenario(scaling)).expect("the run completes");
    assert_eq!(
        r.metrics["connections.open.mean"], OPEN,
        "every connection stays open"
    );
    let s = SERVICE_US * 1e-6 * factor;
    let rho = RATE * s;
    let wait_ms = 1000.0 * rho * s / (2.0 * (1.0 - rho));
    let (u, u_ci) = (r.metrics["redis.utilization"], r.ci95["redis.utilization"]);
    let (w, w_ci) = (
        r.metrics["redis.queue_wait.mean_ms"],
        r.ci95["redis.queue_wait.mean_ms"],
    );
    eprintln!(
        "connection_scaling = {scaling}: utilisation {u:.4} ± {u_ci:.4} (theory {rho:.4}), \
         mean queue wait {w:.4} ± {w_ci:.4} ms (Pollaczek-Khinchine {wait_ms:.4} ms)"
    );
    assert!((u - rho).abs() <= u_ci, "utilisation {u} ± {u_ci} vs {rho}");
    assert!(
        (w - wait_ms).abs() <= w_ci,
        "wait {w} ± {w_ci} vs {wait_ms}"
    );
}

#[test]
fn open_connections_scale_each_commands_loop_time() {
    // 2,000 open connections with K = 2,000 double every command's time:
    // rho 0.6 instead of 0.3, and a queue wait seven times as long.
    check("2000", 1.0 + OPEN / 2000.0);
}

#[test]
fn without_scaling_open_connections_cost_nothing() {
    check("\"none\"", 1.0);
}

#[test]
fn the_redis_io_calibration_costs_two_thousand_connections_seven_percent() {
    // K = 29,800: 30,000 clients get half the throughput of 100.
    check("29800", 1.0 + OPEN / 29800.0);
}
