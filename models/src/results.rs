//! The results files, typed once: the simulation fills these types and
//! serializes them, and the reports and the CLI read the same types back.
//!
//! - [`SweepResults`] is the `results.json` that `capsim sweep` writes
//!   (schema version 2). Unknown fields are ignored and most fields have
//!   defaults, so a newer file with more fields still renders. A field that
//!   only some files have (a point's `unfinished`) is optional and does not
//!   change the version: files without it read as before, and a reader
//!   that ignores it still sees the point fail.
//! - [`RunResults`] is one run, in one layout (run schema version 1):
//!   `capsim run --format json` prints what the run measured (versions,
//!   scenario, hash, seed, replications, `metrics`, and `ci95` with two
//!   replications or more), and `capsim run --report DIR` writes the same
//!   document as `run.json` with the report's fields added (command, story,
//!   settings, capacities, objectives, time series, spike, marks). A field
//!   with nothing in it is left out rather than written empty or `null`.
//!
//! Both are written by [`to_text`]: pretty JSON with the keys of every object
//! in sorted order (serde_json's map order), floats in their shortest
//! round-trip form, and NaN or infinite values as `null`. Reading a file
//! checks what serde cannot ([`SweepResults::check`], [`RunResults::check`]).
//!
//! Metric values are `Option<f64>`: JSON has no NaN, and a NaN (e.g. the
//! acquire wait of a run with no checkouts) is written as `null`.

use crate::engine::RunReport;
use crate::metrics::Metrics;
use crate::scenario::Scenario;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The `results.json` layout `capsim sweep` writes and the reports read.
pub const SWEEP_SCHEMA_VERSION: u32 = 2;

/// The layout of a run: `capsim run --format json` and `run.json`.
pub const RUN_SCHEMA_VERSION: u32 = 1;

/// `value` as a results file: pretty JSON, the keys of every object sorted,
/// with a final newline. Going through [`serde_json::Value`] sorts the keys
/// whatever the order of a struct's fields, and writes NaN as `null`.
pub fn to_text<T: Serialize>(value: &T) -> String {
    let doc = serde_json::to_value(value).expect("results serialize");
    serde_json::to_string_pretty(&doc).expect("JSON values serialize") + "\n"
}

/// FNV-1a hash of the resolved scenario (its `Debug` text), 16 hex digits.
pub fn scenario_hash(scenario: &Scenario) -> String {
    format!(
        "{:016x}",
        sim::rng::fnv1a64(format!("{scenario:?}").as_bytes())
    )
}

/// `v` as a metric value: `None` when it is NaN or infinite.
pub fn metric_value(v: f64) -> Option<f64> {
    Some(v).filter(|v| v.is_finite())
}

/// Refuses a layout version this crate does not read.
fn check_version(found: u32, known: u32) -> Result<(), String> {
    match found {
        0 => Err("no schema_version".into()),
        v if v == known => Ok(()),
        v => Err(format!(
            "unknown schema_version {v}; this capsim reads {known}"
        )),
    }
}

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
#[serde(default)]
pub struct SweepPoint {
    /// Index in the grid, or `None` for a point added by refinement.
    pub point: Option<usize>,
    /// The line of the grid it lies on.
    pub line: usize,
    /// Axis key -> value.
    pub axes: BTreeMap<String, serde_json::Value>,
    /// Mean over replications.
    pub metrics: MetricMap,
    /// 95% half-widths.
    pub ci95: MetricMap,
    /// The statistical verdict: `holds`, `fails` or `too_close` (a
    /// confidence interval straddles its limit).
    pub slo: Option<String>,
    /// Why the point could not finish (a runaway overload, the clock
    /// limit), when it could not; its metrics are then `null` and it counts
    /// as breaking the SLO. Absent on points that finished.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unfinished: Option<String>,
}

/// How narrowly thresholds were located.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    /// Each end of the bracket within this many units of x.
    Absolute(f64),
    /// Each end of the bracket within this share (0.02: 2%).
    Relative(f64),
}

impl From<sim::threshold::Precision> for Precision {
    fn from(p: sim::threshold::Precision) -> Self {
        match p {
            sim::threshold::Precision::Absolute(t) => Precision::Absolute(t),
            sim::threshold::Precision::Relative(r) => Precision::Relative(r),
        }
    }
}

/// Where the objectives stop holding along one line of the grid.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SweepThreshold {
    /// Line number.
    pub line: usize,
    /// The values of the axes other than x.
    pub axes: BTreeMap<String, serde_json::Value>,
    /// `holds_below`, `holds_above`, `holds_everywhere` or `holds_nowhere`.
    pub status: String,
    /// The interpolated threshold, in x's unit (milliseconds for durations).
    pub threshold: Option<f64>,
    /// The nearest point where the objectives clearly hold (over their
    /// confidence intervals); for a line that holds everywhere, the line's
    /// end in the sweep's direction.
    pub holds_at: Option<f64>,
    /// The nearest point past the threshold where an objective clearly
    /// fails; for a line that holds nowhere, the line's start.
    pub fails_at: Option<f64>,
    /// The highest rate of the traffic profile at the threshold, when x is
    /// `workload.rate` and a profile scales it.
    pub peak_rate: Option<f64>,
    /// The objective that failed first past the threshold.
    pub broke_first: Option<String>,
    /// At the forecast peak: `holds`, `fails` or `too_close`.
    pub at_forecast: Option<String>,
    /// Sustained peak rate over the forecast.
    pub headroom: Option<f64>,
    /// Headroom at the bracket's holding and failing ends.
    pub headroom_bracket: Option<[Option<f64>; 2]>,
    /// The resource behind the objective that broke first, in words.
    pub breaks_first: Option<String>,
}

/// The forecast peak a sweep's verdicts are judged at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// Highest offered rate expected, requests/s over the fleet.
    pub peak_rate: f64,
    /// True if the scenario states it (`[forecast] peak_rate`); false for
    /// the scenario's own peak.
    #[serde(default)]
    pub stated: bool,
}

/// The `results.json` of a sweep.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SweepResults {
    /// capsim version that simulated.
    pub capsim_version: String,
    /// Layout version.
    pub schema_version: u32,
    /// Scenario name.
    pub scenario: String,
    /// Hash of the resolved scenario.
    pub scenario_hash: String,
    /// Seed.
    pub seed: u64,
    /// Replications per point.
    pub replications: u32,
    /// The axes, first varying slowest.
    pub axes: Vec<SweepAxis>,
    /// Key of the threshold axis.
    pub x: Option<String>,
    /// The objectives.
    pub slo: Vec<Objective>,
    /// How narrowly thresholds were located by bisection (`None`: the raw
    /// grid).
    pub precision: Option<Precision>,
    /// True if the objectives hold below the thresholds (e.g. up to a
    /// rate), false if above (e.g. from a hit ratio up).
    pub holds_below: Option<bool>,
    /// The forecast peak, when the threshold axis is `workload.rate`.
    pub forecast: Option<Forecast>,
    /// Every point: grid first, then refinement.
    pub points: Vec<SweepPoint>,
    /// One per line of the grid.
    pub thresholds: Vec<SweepThreshold>,
    /// The command that produced the results, when recorded.
    pub command: Option<String>,
    /// What the scenario is about, when recorded (else taken from the
    /// leading comment of `scenario.toml` beside the results). `capsim
    /// sweep` does not record it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub story: Option<String>,
}

impl SweepResults {
    /// Checks what serde cannot: the layout version, and that `x` and every
    /// point's and threshold's axis keys name axes of the sweep.
    pub fn check(&self) -> Result<(), String> {
        check_version(self.schema_version, SWEEP_SCHEMA_VERSION)?;
        if self.axes.is_empty() {
            return Err("no axes".into());
        }
        let is_axis = |k: &str| self.axes.iter().any(|a| a.key == k);
        if let Some(x) = &self.x {
            if !is_axis(x) {
                return Err(format!("x = {x:?} names no axis"));
            }
        }
        let keys = self
            .points
            .iter()
            .flat_map(|p| p.axes.keys())
            .chain(self.thresholds.iter().flat_map(|t| t.axes.keys()));
        for k in keys {
            if !is_axis(k) {
                return Err(format!(
                    "a point or threshold names {k:?}, which is no axis"
                ));
            }
        }
        Ok(())
    }
}

/// A named time series.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NamedSeries {
    /// `arrivals_per_s`, `ok_per_s`, `in_use`, `open`, `waiters`,
    /// `redis_utilization`, `shard_utilization.<i>` (shard `i`'s utilisation,
    /// with two shards or more), `errors_per_s.<cause>` (or
    /// `failures_per_s.<cause>`), `latency_p99_ms`.
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
    /// True if it has no bucket and no series (a run without a report).
    pub fn is_empty(&self) -> bool {
        self.t_secs.is_empty() && self.series.is_empty()
    }

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

/// A moment every time series of a run report marks: a fault.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    /// When, in seconds from the end of the warm-up.
    pub at_secs: f64,
    /// What happened then, e.g. `blackhole of shard 0 at 120 s`.
    pub label: String,
}

/// One run: the document `capsim run --format json` prints (the measured
/// fields, the report's fields empty) and `capsim run --report DIR` writes as
/// `run.json` (all of them). Empty fields are not written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunResults {
    /// Layout version ([`RUN_SCHEMA_VERSION`]).
    pub schema_version: u32,
    /// capsim version that simulated.
    pub capsim_version: String,
    /// Scenario name.
    pub scenario: String,
    /// Hash of the resolved scenario.
    pub scenario_hash: String,
    /// Seed.
    pub seed: u64,
    /// Replications.
    pub replications: u32,
    /// The command that produced the run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<String>,
    /// What the scenario is about (the scenario file's leading comment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub story: Option<String>,
    /// Key settings of the resolved scenario, in display order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub settings: Vec<Setting>,
    /// Total connections the fleet may open (pods × `pool.max_total` ×
    /// pools per pod); absent for a multiplexed transport.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pool_capacity: Option<f64>,
    /// Workers of a finite database (`database.concurrency`); absent for an
    /// unlimited one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_capacity: Option<f64>,
    /// Objectives to check the run against (from `[slo]`), if any.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub slo: Vec<Objective>,
    /// Every metric the scenario reports: mean over replications.
    pub metrics: MetricMap,
    /// 95% half-widths; absent with one replication.
    #[serde(skip_serializing_if = "MetricMap::is_empty")]
    pub ci95: MetricMap,
    /// Time series (the report's; absent from `capsim run --format json`).
    #[serde(skip_serializing_if = "RunSeries::is_empty")]
    pub series: RunSeries,
    /// When the traffic profile is at its highest scale (seconds from the
    /// end of the warm-up), to shade on the time series; absent without a
    /// spike.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spike_secs: Option<[f64; 2]>,
    /// The scenario's faults, to mark on the time series.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub marks: Vec<Mark>,
}

impl RunResults {
    /// What run `r` of scenario `sc` measured: the document `capsim run
    /// --format json` prints, which `run.json` adds the report's fields to.
    /// The metrics are those the scenario reports
    /// ([`crate::metrics::names_for`]); `ci95` is empty (so not written)
    /// with one replication.
    pub fn measured(sc: &Scenario, r: &RunReport) -> Self {
        let map = |m: &Metrics| -> MetricMap {
            crate::metrics::names_for(sc)
                .into_iter()
                .map(|n| (n.to_string(), m.get(n).copied().and_then(metric_value)))
                .collect()
        };
        RunResults {
            schema_version: RUN_SCHEMA_VERSION,
            capsim_version: env!("CARGO_PKG_VERSION").into(),
            scenario: sc.name.clone(),
            scenario_hash: scenario_hash(sc),
            seed: sc.simulation.seed,
            replications: sc.simulation.replications,
            metrics: map(&r.metrics),
            ci95: if sc.simulation.replications >= 2 {
                map(&r.ci95)
            } else {
                MetricMap::new()
            },
            ..RunResults::default()
        }
    }

    /// Checks what serde cannot: the layout version, and that every series
    /// has one value per bucket.
    pub fn check(&self) -> Result<(), String> {
        check_version(self.schema_version, RUN_SCHEMA_VERSION)?;
        let n = self.series.t_secs.len();
        if let Some(s) = self.series.series.iter().find(|s| s.values.len() != n) {
            return Err(format!(
                "series {:?} has {} values for {n} buckets",
                s.name,
                s.values.len()
            ));
        }
        if let Some(m) = self.marks.iter().find(|m| !m.at_secs.is_finite()) {
            return Err(format!("mark {:?} has no finite time", m.label));
        }
        Ok(())
    }
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
    fn foreign_files_are_refused() {
        let sweep = |doc: &str| serde_json::from_str::<SweepResults>(doc).map(|r| r.check());
        assert_eq!(sweep("{}").unwrap(), Err("no schema_version".into()));
        let axes = r#""axes": [{"key": "pool.max_total", "values": [4, 8]}]"#;
        assert_eq!(
            sweep(&format!(r#"{{"schema_version": 9, {axes}}}"#)).unwrap(),
            Err("unknown schema_version 9; this capsim reads 2".into())
        );
        assert_eq!(
            sweep(&format!(
                r#"{{"schema_version": 2, "x": "pool.size", {axes}}}"#
            ))
            .unwrap(),
            Err("x = \"pool.size\" names no axis".into())
        );
        assert_eq!(
            sweep(&format!(
                r#"{{"schema_version": 2, "x": "pool.max_total", {axes}}}"#
            ))
            .unwrap(),
            Ok(())
        );
        let run = |doc: &str| serde_json::from_str::<RunResults>(doc).map(|r| r.check());
        assert_eq!(run("{}").unwrap(), Err("no schema_version".into()));
        assert!(run(r#"{"schema_version": 1, "series": {"bucket_secs": 1, "t_secs": [0, 1], "series": [{"name": "a", "values": [1]}]}}"#).unwrap().is_err());
    }

    #[test]
    fn nulls_and_unknown_fields_are_accepted() {
        let doc = r#"{"scenario": "s", "new_field": 1,
            "points": [{"line": 0, "axes": {"pool.max_total": 10}, "metrics": {"latency.p99_ms": null}}]}"#;
        let r: SweepResults = serde_json::from_str(doc).unwrap();
        assert_eq!(r.points[0].metrics["latency.p99_ms"], None);
    }
}
