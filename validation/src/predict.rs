//! capsim's side: the scenario written by `capsim calibrate`, completed with
//! `--set`-style overrides for each point, run by the engine.

use models::scenario::{parse, Scenario};

/// The figures capsim predicts for a point.
#[derive(Clone, Copy, Debug, Default)]
pub struct Predicted {
    /// `latency.mean_ms`.
    pub latency_ms: f64,
    /// `pool.hold.mean_ms`.
    pub hold_ms: f64,
    /// `pool.acquire_wait.mean_ms`.
    pub wait_ms: f64,
    /// `pool.timeout_ratio`.
    pub timeout_ratio: f64,
    /// `requests.failed_ratio`.
    pub failed_ratio: f64,
}

/// The calibrated scenario with `sets` applied (`pool.max_total=4`).
pub fn scenario(calibrated: &str, sets: &[String]) -> Result<Scenario, String> {
    parse(calibrated, "calibrated.toml", "calibrated", sets).map_err(|e| e.to_string())
}

/// The event loop's time per command in the calibrated scenario, in seconds
/// (`service_time + command_overhead`): one over it is Redis's capacity.
pub fn loop_time(sc: &Scenario) -> f64 {
    sc.redis.service_time.mean_secs() + sc.redis.command_overhead.mean_secs()
}

/// Runs `sc` and reads the figures compared with the measurements.
pub fn predict(sc: &Scenario) -> Result<Predicted, String> {
    let r = models::engine::run(sc).map_err(|e| e.to_string())?;
    let m = |k: &str| r.metrics.get(k).copied().unwrap_or(f64::NAN);
    Ok(Predicted {
        latency_ms: m("latency.mean_ms"),
        hold_ms: m("pool.hold.mean_ms"),
        wait_ms: m("pool.acquire_wait.mean_ms"),
        timeout_ratio: m("pool.timeout_ratio"),
        failed_ratio: m("requests.failed_ratio"),
    })
}
