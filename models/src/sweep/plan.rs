//! A sweep plan: the base scenario, the axes and the objectives, checked
//! before anything runs, and the scenario of every point.
//!
//! Points are numbered in the grid's row-major order (the first axis varies
//! slowest, see [`sim::experiment::grid`]); that number is a point's identity
//! in results, shards and merges. Every point keeps the base scenario's
//! `simulation.seed`, so replication `r` of every point draws the same random
//! streams (common random numbers): differences between points come from the
//! parameters, not from noise.

use super::axis::{inline, Axis, Kind};
use super::spec::{self, axis_error, Positions, Spec};
use crate::metrics::GROUPS;
use crate::scenario::{self, Scenario, ScenarioError};
use sim::threshold::Precision;
use toml::{Table, Value};

/// How narrowly thresholds are bracketed by default: within 2% (the
/// bracket's width over its end nearer zero).
pub const DEFAULT_PRECISION: f64 = 0.02;

/// Most points in a sweep grid.
pub const MAX_POINTS: usize = 1_000_000;

/// What a plan is built from: enough to build it again, byte for byte (shard
/// files carry it so that `merge` needs nothing else).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Input {
    /// The scenario file name, as given (used in messages only).
    pub origin: String,
    /// The scenario name (file stem), used for the output folder.
    pub name: String,
    /// The scenario file's text.
    pub text: String,
    /// `--set KEY=VALUE` overrides, in order.
    pub set: Vec<String>,
    /// `--axis KEY=LIST` axes, in order.
    pub axis: Vec<String>,
}

impl Input {
    /// The scenario text `text`, named `name` (from a file `name.toml`),
    /// with no `--set` and no `--axis`.
    pub fn from_text(name: &str, text: impl Into<String>) -> Input {
        Input {
            origin: format!("{name}.toml"),
            name: name.into(),
            text: text.into(),
            set: Vec::new(),
            axis: Vec::new(),
        }
    }
}

/// A checked sweep.
#[derive(Clone, Debug)]
pub struct Plan {
    /// What it was built from.
    pub input: Input,
    /// The scenario with `--set` applied and no axis applied.
    pub base: Scenario,
    /// Axes, objectives and the threshold axis.
    pub spec: Spec,
    /// The base scenario's TOML table (with `--set` applied).
    pub(crate) table: Table,
    /// Which optional metric groups ([`crate::metrics::GROUPS`]) the sweep
    /// reports: those of the base scenario or of any axis value.
    groups: [bool; GROUPS.len()],
}

impl Plan {
    /// Reads the file at `path` and builds the plan.
    pub fn load(
        path: &std::path::Path,
        set: &[String],
        axis: &[String],
    ) -> Result<Plan, ScenarioError> {
        let crate::scenario::ScenarioFile { origin, name, text } =
            crate::scenario::read_scenario_file(path)?;
        Plan::new(Input {
            origin,
            name,
            text,
            set: set.to_vec(),
            axis: axis.to_vec(),
        })
    }

    /// Checks the scenario, the axes (every value of every axis applied to
    /// the base scenario on its own) and the objectives. Combinations of
    /// values are checked by [`Plan::scenarios`].
    pub fn new(input: Input) -> Result<Plan, ScenarioError> {
        let origin = input.origin.as_str();
        let base = scenario::parse(&input.text, origin, &input.name, &input.set)?;
        let mut table: Table = input.text.parse().map_err(|_| {
            ScenarioError::new(
                origin,
                None,
                "the scenario parsed once but not twice".into(),
                true,
            )
        })?;
        for a in &input.set {
            scenario::apply_override(&mut table, a)?;
        }
        let pos = Positions::of(&input.text);
        let (raw_axes, x, tolerance, slo) = spec::read(&table, &pos, origin, &input.axis)?;
        let forecast = spec::forecast(&table, &pos, origin)?;
        table.remove("sweep");
        table.remove("slo");
        table.remove("forecast");
        let present = |sc: &Scenario| GROUPS.each_ref().map(|g| (g.present)(sc));
        let mut groups = present(&base);
        let mut axes = Vec::new();
        for raw in raw_axes {
            let key = format!("sweep.{}", raw.key);
            let fail = |at_key: bool, msg: String| match &raw.assignment {
                Some(a) => axis_error(origin, a, msg),
                None => pos.error(origin, &key, at_key, msg),
            };
            let axis = Axis::expand(&raw.key, &raw.value).map_err(|m| fail(false, m))?;
            for v in &axis.values {
                let mut t = table.clone();
                let assignment = format!("{}={}", raw.key, inline(v));
                scenario::apply_override(&mut t, &assignment)
                    .map_err(|e| fail(true, e.message().to_string()))?;
                let e = match scenario::from_table(&t, origin, &input.name) {
                    Ok(sc) => {
                        let p = present(&sc);
                        groups = std::array::from_fn(|i| groups[i] || p[i]);
                        continue;
                    }
                    Err(e) => e,
                };
                let inner = match e.key() {
                    Some(k) if k != raw.key && !e.message().contains(k) => {
                        format!("{k}: {}", e.message())
                    }
                    _ => e.message().to_string(),
                };
                let unknown = e.message().starts_with("unknown");
                let msg = if unknown {
                    inner
                } else {
                    format!("value {}: {inner}", super::axis::label(v))
                };
                return Err(fail(unknown, msg));
            }
            axes.push(axis);
        }
        let x = match (x, axes.len()) {
            (Some(name), _) => match axes.iter().position(|a| a.key == name) {
                Some(i) if axes[i].kind != Kind::Choice => Some(i),
                Some(_) => {
                    return Err(pos.error(origin, "sweep.x", false, format!("the axis `{name}` has no order (choices); thresholds need a numeric or duration axis")))
                }
                None => {
                    let keys: Vec<&str> = axes.iter().map(|a| a.key.as_str()).collect();
                    return Err(pos.error(origin, "sweep.x", false, format!("`{name}` is not an axis of [sweep]; the axes are {}", keys.join(", "))));
                }
            },
            (None, 0) => None,
            (None, 1) if axes[0].kind != Kind::Choice => Some(0),
            (None, _) if slo.is_empty() => None,
            (None, _) => {
                return Err(pos.error(origin, "sweep", true, "name the axis along which thresholds are found, e.g. x = \"workload.rate\"".into()))
            }
        };
        let points: usize = axes
            .iter()
            .map(|a| a.values.len())
            .try_fold(1usize, |acc, n| acc.checked_mul(n))
            .unwrap_or(usize::MAX);
        if points > MAX_POINTS {
            return Err(pos.error(
                origin,
                "sweep",
                true,
                format!("the grid has {points} points, more than {MAX_POINTS}; use fewer values"),
            ));
        }
        let spec = Spec {
            axes,
            x,
            precision: tolerance,
            slo,
            forecast,
        };
        let plan = Plan {
            input,
            base,
            spec,
            table,
            groups,
        };
        let names = plan.metric_names();
        if let Some(c) = plan
            .spec
            .slo
            .iter()
            .find(|c| !names.contains(&c.metric.as_str()))
        {
            let needs = crate::metrics::group_of(&c.metric).map_or("", |g| g.needs);
            return Err(pos.error(
                &plan.input.origin,
                &format!("slo.{}", c.metric),
                true,
                format!(
                    "`{}` is measured only with {needs}: set it in the scenario (or sweep it)",
                    c.metric
                ),
            ));
        }
        Ok(plan)
    }

    /// The metrics of the sweep's results: every metric of
    /// [`crate::metrics::NAMES`], and each optional group's that the base
    /// scenario or an axis value reports (NaN at points without it).
    pub fn metric_names(&self) -> Vec<&'static str> {
        crate::metrics::names_with(self.groups)
    }

    /// Number of points in the grid.
    pub fn len(&self) -> usize {
        self.spec.axes.iter().map(|a| a.values.len()).product()
    }

    /// True if the grid has no points (never, once checked).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The value index on every axis of every point, in point order.
    pub fn coordinates(&self) -> Vec<Vec<usize>> {
        let lengths: Vec<usize> = self.spec.axes.iter().map(|a| a.values.len()).collect();
        sim::experiment::grid(&lengths)
    }

    /// The axis values of a point given by its coordinates.
    pub fn values(&self, coords: &[usize]) -> Vec<Value> {
        self.spec
            .axes
            .iter()
            .zip(coords)
            .map(|(a, &i)| a.values[i].clone())
            .collect()
    }

    /// The scenario with every axis set to `values` (one per axis).
    pub fn scenario(&self, values: &[Value]) -> Result<Scenario, ScenarioError> {
        let origin = self.input.origin.as_str();
        let mut t = self.table.clone();
        for (axis, v) in self.spec.axes.iter().zip(values) {
            scenario::apply_override(&mut t, &format!("{}={}", axis.key, inline(v)))?;
        }
        scenario::from_table(&t, origin, &self.input.name).map_err(|e| {
            let at: Vec<String> = self
                .spec
                .axes
                .iter()
                .zip(values)
                .map(|(a, v)| format!("{}={}", a.key, super::axis::label(v)))
                .collect();
            ScenarioError::new(
                origin,
                None,
                format!("sweep point ({}): {e}", at.join(", ")),
                true,
            )
        })
    }

    /// The scenarios of the points `indices`, checked, in the order given.
    pub fn scenarios(&self, indices: &[usize]) -> Result<Vec<Scenario>, ScenarioError> {
        let coords = self.coordinates();
        indices
            .iter()
            .map(|&i| self.scenario(&self.values(&coords[i])))
            .collect()
    }

    /// Refuses a sweep with a point estimated above `max_events` simulated
    /// events (see [`scenario::derived::check_size`]), naming the point.
    pub fn check_sizes(&self, indices: &[usize], max_events: f64) -> Result<(), ScenarioError> {
        let coords = self.coordinates();
        for &i in indices {
            let values = self.values(&coords[i]);
            let sc = self.scenario(&values)?;
            if let Err(m) = scenario::derived::check_size(&sc, max_events) {
                let at: Vec<String> = self
                    .spec
                    .axes
                    .iter()
                    .zip(&values)
                    .map(|(a, v)| format!("{}={}", a.key, super::axis::label(v)))
                    .collect();
                return Err(ScenarioError::new(
                    &self.input.origin,
                    None,
                    format!("sweep point ({}): {m}", at.join(", ")),
                    true,
                ));
            }
        }
        Ok(())
    }

    /// FNV-1a hash of the resolved base scenario and the sweep, 16 hex digits.
    pub fn hash(&self) -> String {
        let text = format!("{:?}\n{:?}", self.base, self.spec);
        format!("{:016x}", sim::rng::fnv1a64(text.as_bytes()))
    }

    /// How narrowly thresholds are bracketed along the threshold axis:
    /// `sweep.tolerance` or `sweep.precision`, else within
    /// [`DEFAULT_PRECISION`] (2%).
    pub fn precision(&self) -> Option<Precision> {
        self.spec.x?;
        Some(
            self.spec
                .precision
                .unwrap_or(Precision::Relative(DEFAULT_PRECISION)),
        )
    }

    /// The largest multiplier of `workload.rate` in the traffic profile (at
    /// least 1, the scale before the first profile point), when the threshold
    /// axis is `workload.rate`: the peak rate is the threshold times this.
    pub fn peak_factor(&self) -> Option<f64> {
        let x = &self.spec.axes[self.spec.x?];
        if x.key != "workload.rate" || self.base.workload.profile.is_empty() {
            return None;
        }
        Some(
            self.base
                .workload
                .profile
                .iter()
                .map(|p| p.scale)
                .fold(1.0, f64::max),
        )
    }
}
