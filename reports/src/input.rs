//! The serialized results a report is rendered from, defined here so that
//! this crate needs nothing from the engine.
//!
//! - [`SweepResults`] reads the `results.json` that `capsim sweep` writes
//!   (schema version 1). Unknown fields are ignored and most fields have
//!   defaults, so a newer file with more fields still renders.
//! - [`RunResults`] is the `run.json` that `capsim run --report DIR` writes.
//!
//! Metric values are `Option<f64>`: JSON has no NaN, and serde_json writes a
//! NaN (e.g. the acquire wait of a run with no checkouts) as `null`.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Metric name -> value (`null` when undefined).
pub type MetricMap = BTreeMap<String, Option<f64>>;

/// One axis of a sweep.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SweepAxis {
    /// Dotted scenario key, e.g. `pool.max_total`.
    pub key: String,
    /// Its values, in grid order: numbers, duration strings or choices.
    #[serde(default)]
    pub values: Vec<serde_json::Value>,
}

/// One objective of the `[slo]` table.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    /// Metric name, e.g. `pool.timeout_ratio`.
    pub metric: String,
    /// Comparison and limit, e.g. `< 0.001`.
    pub expression: String,
}

impl Objective {
    /// The comparison operator and the limit, if the expression parses.
    pub fn parse(&self) -> Option<(&str, f64)> {
        let e = self.expression.trim();
        let op = ["<=", ">=", "<", ">"]
            .into_iter()
            .find(|op| e.starts_with(op))?;
        let limit: f64 = e[op.len()..].trim().parse().ok()?;
        Some((op, limit))
    }

    /// The limit, if the expression parses.
    pub fn limit(&self) -> Option<f64> {
        self.parse().map(|p| p.1)
    }

    /// Whether `value` meets the objective; `None` when the expression does
    /// not parse or the value is undefined.
    pub fn holds(&self, value: Option<f64>) -> Option<bool> {
        let (op, limit) = self.parse()?;
        let v = value.filter(|v| !v.is_nan())?;
        Some(match op {
            "<" => v < limit,
            "<=" => v <= limit,
            ">" => v > limit,
            _ => v >= limit,
        })
    }
}

/// One simulated point of a sweep.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SweepPoint {
    /// Index in the grid, or `None` for a point added by refinement.
    #[serde(default)]
    pub point: Option<usize>,
    /// The line of the grid it lies on.
    #[serde(default)]
    pub line: usize,
    /// Axis key -> value.
    #[serde(default)]
    pub axes: BTreeMap<String, serde_json::Value>,
    /// Mean over replications.
    #[serde(default)]
    pub metrics: MetricMap,
    /// 95% half-widths.
    #[serde(default)]
    pub ci95: MetricMap,
}

/// Where the objectives stop holding along one line of the grid.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SweepThreshold {
    /// Line number.
    #[serde(default)]
    pub line: usize,
    /// The values of the axes other than x.
    #[serde(default)]
    pub axes: BTreeMap<String, serde_json::Value>,
    /// `holds_below`, `holds_above`, `holds_everywhere` or `holds_nowhere`.
    #[serde(default)]
    pub status: String,
    /// The interpolated threshold, in x's unit (milliseconds for durations).
    #[serde(default)]
    pub threshold: Option<f64>,
    /// The two x positions around the change of state.
    #[serde(default)]
    pub bracket: Option<[f64; 2]>,
    /// The highest rate of the traffic profile at the threshold, when x is
    /// `workload.rate` and a profile scales it.
    #[serde(default)]
    pub peak_rate: Option<f64>,
    /// The objective that failed first past the threshold.
    #[serde(default)]
    pub broke_first: Option<String>,
}

/// The `results.json` of a sweep.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SweepResults {
    /// capsim version that simulated.
    #[serde(default)]
    pub capsim_version: String,
    /// Layout version.
    #[serde(default)]
    pub schema_version: u32,
    /// Scenario name.
    #[serde(default)]
    pub scenario: String,
    /// Hash of the resolved scenario.
    #[serde(default)]
    pub scenario_hash: String,
    /// Seed.
    #[serde(default)]
    pub seed: u64,
    /// Replications per point.
    #[serde(default)]
    pub replications: u32,
    /// The axes, first varying slowest.
    #[serde(default)]
    pub axes: Vec<SweepAxis>,
    /// Key of the threshold axis.
    #[serde(default)]
    pub x: Option<String>,
    /// The objectives.
    #[serde(default)]
    pub slo: Vec<Objective>,
    /// Refinement tolerance, when thresholds were refined.
    #[serde(default)]
    pub refine_tolerance: Option<f64>,
    /// Every point: grid first, then refinement.
    #[serde(default)]
    pub points: Vec<SweepPoint>,
    /// One per line of the grid.
    #[serde(default)]
    pub thresholds: Vec<SweepThreshold>,
    /// The command that produced the results, when recorded.
    #[serde(default)]
    pub command: Option<String>,
    /// What the scenario is about, when recorded (else taken from the
    /// leading comment of `scenario.toml` beside the results).
    #[serde(default)]
    pub story: Option<String>,
}

/// A named time series.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedSeries {
    /// `arrivals_per_s`, `ok_per_s`, `in_use`, `open`, `waiters`,
    /// `redis_utilization`, `errors_per_s.<cause>` (or `failures_per_s.<cause>`),
    /// `latency_p99_ms`.
    pub name: String,
    /// One value per bucket (`null` when undefined).
    pub values: Vec<Option<f64>>,
}

/// Time series of a run over the measured window.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunSeries {
    /// Bucket width in seconds.
    pub bucket_secs: f64,
    /// Start of each bucket, in seconds from the end of the warm-up.
    pub t_secs: Vec<f64>,
    /// The series, each as long as `t_secs`.
    pub series: Vec<NamedSeries>,
}

impl RunSeries {
    /// The series called `name`.
    pub fn get(&self, name: &str) -> Option<&[Option<f64>]> {
        self.series
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.values.as_slice())
    }
}

/// A displayed setting: `pool.max_total` = `50`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Setting {
    /// Dotted key.
    pub key: String,
    /// Value as the reader should see it, with unit.
    pub value: String,
}

/// The `run.json` of `capsim run --report DIR`.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RunResults {
    /// capsim version that simulated.
    #[serde(default)]
    pub capsim_version: String,
    /// Scenario name.
    #[serde(default)]
    pub scenario: String,
    /// Hash of the resolved scenario.
    #[serde(default)]
    pub scenario_hash: String,
    /// Seed.
    #[serde(default)]
    pub seed: u64,
    /// Replications.
    #[serde(default)]
    pub replications: u32,
    /// The command that produced the run.
    #[serde(default)]
    pub command: Option<String>,
    /// What the scenario is about (the scenario file's leading comment).
    #[serde(default)]
    pub story: Option<String>,
    /// Key settings of the resolved scenario, in display order.
    #[serde(default)]
    pub settings: Vec<Setting>,
    /// Total connections the fleet may open (pods × `pool.max_total`).
    #[serde(default)]
    pub pool_capacity: Option<f64>,
    /// Objectives to check the run against (from `[slo]`), if any.
    #[serde(default)]
    pub slo: Vec<Objective>,
    /// Every metric: mean over replications.
    #[serde(default)]
    pub metrics: MetricMap,
    /// 95% half-widths (absent or zero with one replication).
    #[serde(default)]
    pub ci95: MetricMap,
    /// Time series.
    #[serde(default)]
    pub series: RunSeries,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objectives_parse_and_check() {
        let o = Objective {
            metric: "pool.timeout_ratio".into(),
            expression: "< 0.001".into(),
        };
        assert_eq!(o.parse(), Some(("<", 0.001)));
        assert_eq!(o.holds(Some(0.0005)), Some(true));
        assert_eq!(o.holds(Some(0.001)), Some(false));
        assert_eq!(o.holds(None), None);
        let o = Objective {
            metric: "m".into(),
            expression: ">= 10".into(),
        };
        assert_eq!(o.holds(Some(10.0)), Some(true));
    }

    #[test]
    fn nulls_and_unknown_fields_are_accepted() {
        let doc = r#"{"scenario": "s", "new_field": 1,
            "points": [{"line": 0, "axes": {"pool.max_total": 10}, "metrics": {"latency.p99_ms": null}}]}"#;
        let r: SweepResults = serde_json::from_str(doc).unwrap();
        assert_eq!(r.points[0].metrics["latency.p99_ms"], None);
    }
}
