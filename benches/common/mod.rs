//! What the benchmarks share: reading a scenario, and the count of simulated
//! requests that `Throughput::Elements` reports.

use models::scenario::{parse, Scenario};

/// The scenario `text`, named `name`, with `overrides` (`--set` pairs).
pub fn scenario(text: &str, name: &str, overrides: &[String]) -> Scenario {
    parse(text, name, name, overrides).expect("benchmark scenario is valid")
}

/// The metric `key` of replication 0 of `sc`.
pub fn metric(sc: &Scenario, key: &str) -> f64 {
    models::engine::run_replication(sc, 0)
        .expect("runs")
        .metrics(sc.pool.max_total, sc.redis.shards)[key]
}

/// Requests one replication of `sc` simulates: the measured window's
/// arrivals, scaled to the whole run (warm-up arrivals are simulated too).
pub fn simulated_requests(sc: &Scenario) -> u64 {
    let arrived = metric(sc, "requests.arrived");
    let total = arrived * (sc.simulation.duration + sc.simulation.warmup).as_secs_f64()
        / sc.simulation.duration.as_secs_f64();
    total as u64
}
