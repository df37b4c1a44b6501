//! The `[sweep]` and `[slo]` tables of a scenario file: axes, the threshold
//! axis and service-level objectives, read with their positions so that every
//! problem is reported at its file, line and key like any scenario error.
//!
//! ```toml
//! [sweep]
//! x = "workload.rate"                                  # thresholds are found along x
//! "pool.max_total" = [10, 20, 50]                      # a list
//! "workload.rate" = { from = 1000, to = 50000, steps = 25 }              # linear range
//! "l1.hit_ratio" = { from = 0.5, to = 0.99, steps = 4, scale = "log" }  # log range
//! precision = 0.02     # thresholds bracketed within 2% (the default), or
//! # tolerance = 100     # within 100 of x's unit
//!
//! [slo]
//! "pool.timeout_ratio" = "< 0.001"
//! "latency.p99_ms" = "< 50"
//! ```
//!
//! Axis keys are dotted scenario keys, quoted (`"pool.max_total" = ...`) or
//! written as nested tables (`pool.max_total = ...`); both mean the same. Axes
//! are ordered by their position in the file; the first axis varies slowest.

use super::axis::{Axis, Kind};
use crate::metrics::is_metric;
use crate::scenario::{key_path, line_column, ScenarioError};
use sim::threshold::Precision;
use std::collections::BTreeMap;
use toml::de::{DeTable, DeValue};
use toml::{Table, Value};

/// Keys of `[sweep]` that are settings, not axes.
pub const SETTINGS: [&str; 3] = ["x", "tolerance", "precision"];

/// A comparison operator of an SLO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

/// One objective: `metric op limit`, e.g. `pool.timeout_ratio < 0.001`.
#[derive(Clone, Debug, PartialEq)]
pub struct Clause {
    /// A metric name ([`crate::metrics::is_metric`]; an optional group's
    /// only where the sweep reports it).
    pub metric: String,
    /// How the metric compares with the limit when the objective holds.
    pub op: Op,
    /// The limit.
    pub limit: f64,
}

impl Clause {
    /// Parses `"< 0.001"`, `"<= 50"`, `"> 0.99"` or `">= 10"` for `metric`.
    pub fn parse(metric: &str, expr: &str) -> Result<Clause, String> {
        let e = expr.trim();
        let (op, rest) = if let Some(r) = e.strip_prefix("<=") {
            (Op::Le, r)
        } else if let Some(r) = e.strip_prefix(">=") {
            (Op::Ge, r)
        } else if let Some(r) = e.strip_prefix('<') {
            (Op::Lt, r)
        } else if let Some(r) = e.strip_prefix('>') {
            (Op::Gt, r)
        } else {
            return Err(format!(
                "expected a comparison like \"< 0.001\" (<, <=, > or >= and a number), found {expr:?}"
            ));
        };
        let limit: f64 = rest
            .trim()
            .parse()
            .ok()
            .filter(|l: &f64| l.is_finite())
            .ok_or_else(|| {
                format!(
                    "expected a finite number after the comparison, found {:?}",
                    rest.trim()
                )
            })?;
        Ok(Clause {
            metric: metric.to_string(),
            op,
            limit,
        })
    }

    /// True if `value` meets the objective. A NaN value never does.
    pub fn holds(&self, value: f64) -> bool {
        match self.op {
            Op::Lt => value < self.limit,
            Op::Le => value <= self.limit,
            Op::Gt => value > self.limit,
            Op::Ge => value >= self.limit,
        }
    }

    /// The clause as written, normalized: `pool.timeout_ratio < 0.001`.
    pub fn expression(&self) -> String {
        let op = match self.op {
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        };
        format!("{op} {}", self.limit)
    }
}

/// What `[sweep]` and `[slo]` ask for, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Spec {
    /// The axes, first varying slowest.
    pub axes: Vec<Axis>,
    /// Index in `axes` of the threshold axis; `None` when there are no axes.
    pub x: Option<usize>,
    /// How narrowly thresholds are bracketed: `sweep.tolerance` (x's unit,
    /// milliseconds for durations) or `sweep.precision` (a share), when given.
    pub precision: Option<Precision>,
    /// The objectives, in metric-name order.
    pub slo: Vec<Clause>,
    /// `[forecast] peak_rate`: the highest offered rate expected (requests/s
    /// over the fleet), when stated.
    pub forecast: Option<f64>,
}

/// Where keys of the file are: dotted key -> (key offset, value offset).
#[derive(Default)]
pub(crate) struct Positions {
    text: String,
    spans: BTreeMap<String, (usize, usize)>,
}

impl Positions {
    /// Records the positions of everything under `[sweep]`, `[slo]` and
    /// `[forecast]`.
    pub(crate) fn of(text: &str) -> Positions {
        let mut spans = BTreeMap::new();
        if let Ok(tree) = DeTable::parse(text) {
            for (k, v) in tree.get_ref() {
                let name = k.get_ref().to_string();
                if name == "sweep" || name == "slo" || name == "forecast" {
                    spans.insert(name.clone(), (k.span().start, v.span().start));
                    if let DeValue::Table(t) = v.get_ref() {
                        record(t, &name, 0, &mut spans);
                    }
                }
            }
        }
        Positions {
            text: text.to_string(),
            spans,
        }
    }

    /// 1-based (line, column) of `key` (its value unless `at_key`), or of the
    /// nearest enclosing table that is written.
    fn locate(&self, key: &str, at_key: bool) -> Option<(usize, usize)> {
        let mut k = key;
        let offset = loop {
            if let Some(&(ko, vo)) = self.spans.get(k) {
                break if at_key || k != key { ko } else { vo };
            }
            k = &k[..k.rfind('.')?];
        };
        Some(line_column(&self.text, offset))
    }

    /// An error about `key` (e.g. `sweep.pool.max_total`).
    pub(crate) fn error(
        &self,
        origin: &str,
        key: &str,
        at_key: bool,
        message: String,
    ) -> ScenarioError {
        let e = ScenarioError::new(origin, Some(key.to_string()), message, false);
        match self.locate(key, at_key) {
            Some((line, col)) => e.at(line, col),
            None => e,
        }
    }
}

fn record(t: &DeTable<'_>, prefix: &str, depth: usize, out: &mut BTreeMap<String, (usize, usize)>) {
    if depth > 8 {
        return;
    }
    for (k, v) in t {
        let path = format!("{prefix}.{}", k.get_ref());
        out.insert(path.clone(), (k.span().start, v.span().start));
        if let DeValue::Table(inner) = v.get_ref() {
            record(inner, &path, depth + 1, out);
        }
    }
}

/// An axis as written, before it is checked against the scenario.
pub(crate) struct RawAxis {
    /// Dotted scenario key.
    pub key: String,
    /// The list or range table.
    pub value: Value,
    /// Where it came from: `None` for the file, or the `--axis` assignment.
    pub assignment: Option<String>,
    /// Order in the file (offset), for sorting.
    pub order: usize,
}

/// What [`read`] finds: axes, `x`, the precision and the objectives.
pub(crate) type Read = (Vec<RawAxis>, Option<String>, Option<Precision>, Vec<Clause>);

/// Reads `[sweep]` (without checking axis keys against the scenario; see
/// [`super::plan::Plan`]) and `[slo]`.
pub(crate) fn read(
    doc: &Table,
    pos: &Positions,
    origin: &str,
    axis_args: &[String],
) -> Result<Read, ScenarioError> {
    let err = |key: &str, at_key: bool, msg: String| pos.error(origin, key, at_key, msg);
    let empty = Table::new();
    let sweep = table(doc, "sweep", pos, origin)?.unwrap_or(&empty);
    let mut axes = Vec::new();
    flatten(sweep, "", pos, &mut axes);
    let x = match sweep.get("x") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(v) => {
            return Err(err(
                "sweep.x",
                false,
                format!(
                    "expected the key of an axis, e.g. \"workload.rate\", found {}",
                    describe(v)
                ),
            ))
        }
    };
    let tolerance = match sweep.get("tolerance") {
        None => None,
        Some(v) => match number(v) {
            Some(t) if t > 0.0 && t.is_finite() => Some(Precision::Absolute(t)),
            _ => {
                return Err(err(
                    "sweep.tolerance",
                    false,
                    format!("expected a number > 0, found {}", describe(v)),
                ))
            }
        },
    };
    let share = match sweep.get("precision") {
        None => None,
        Some(v) => match number(v) {
            Some(p) if p > 0.0 && p < 1.0 => Some(Precision::Relative(p)),
            _ => {
                return Err(err(
                    "sweep.precision",
                    false,
                    format!(
                        "expected a share between 0 and 1 (0.02: within 2%), found {}",
                        describe(v)
                    ),
                ))
            }
        },
    };
    if tolerance.is_some() && share.is_some() {
        return Err(err(
            "sweep.precision",
            true,
            "give sweep.tolerance (in x's unit) or sweep.precision (a share), not both".into(),
        ));
    }
    let tolerance = tolerance.or(share);
    for a in axis_args {
        let (key, list) = a.split_once('=').ok_or_else(|| {
            axis_error(
                origin,
                a,
                "expected KEY=LIST, e.g. pool.max_total=[10,20,50]".into(),
            )
        })?;
        let key = key.trim().to_string();
        // A bare comma-separated list (`6,12`) is read as `[6,12]`.
        let parse = |text: &str| {
            format!("v = {text}")
                .parse::<Table>()
                .ok()
                .and_then(|mut t| t.remove("v"))
        };
        let value: Value = parse(list.trim())
            .or_else(|| parse(&format!("[{}]", list.trim())))
            .ok_or_else(|| {
                axis_error(
                    origin,
                    a,
                    "expected a TOML list or range table, e.g. [10,20] or {from=1,to=9,steps=5}"
                        .into(),
                )
            })?;
        let order = axes
            .iter()
            .find(|r: &&RawAxis| r.key == key)
            .map_or(usize::MAX, |r| r.order);
        axes.retain(|r| r.key != key);
        axes.push(RawAxis {
            key,
            value,
            assignment: Some(a.clone()),
            order,
        });
    }
    // File axes by position; new --axis axes after them, in command-line order.
    axes.sort_by_key(|r| r.order);
    let slo = match table(doc, "slo", pos, origin)? {
        None => Vec::new(),
        Some(t) => slo(t, pos, origin)?,
    };
    Ok((axes, x, tolerance, slo))
}

/// The table `name` of `doc`, if it has one; an error if `name` is not a
/// table.
fn table<'a>(
    doc: &'a Table,
    name: &str,
    pos: &Positions,
    origin: &str,
) -> Result<Option<&'a Table>, ScenarioError> {
    match doc.get(name) {
        None => Ok(None),
        Some(Value::Table(t)) => Ok(Some(t)),
        Some(v) => Err(pos.error(
            origin,
            name,
            true,
            format!("expected a table [{name}], found {}", describe(v)),
        )),
    }
}

/// Reads `[forecast]`: `peak_rate = 12000`, the highest offered rate
/// expected, in requests/s over the fleet.
pub(crate) fn forecast(
    doc: &Table,
    pos: &Positions,
    origin: &str,
) -> Result<Option<f64>, ScenarioError> {
    let err = |key: &str, at_key: bool, msg: String| pos.error(origin, key, at_key, msg);
    let Some(table) = table(doc, "forecast", pos, origin)? else {
        return Ok(None);
    };
    if let Some(k) = table.keys().find(|k| *k != "peak_rate") {
        return Err(err(
            &format!("forecast.{k}"),
            true,
            format!("unknown key `{k}` in [forecast]; the only key is peak_rate"),
        ));
    }
    match table.get("peak_rate") {
        None => Ok(None),
        Some(v) => match number(v) {
            Some(r) if r > 0.0 && r.is_finite() => Ok(Some(r)),
            _ => Err(err(
                "forecast.peak_rate",
                false,
                format!(
                    "expected the expected peak in requests/s (a number > 0), found {}",
                    describe(v)
                ),
            )),
        },
    }
}

/// An error about an `--axis` assignment.
pub(crate) fn axis_error(origin: &str, assignment: &str, message: String) -> ScenarioError {
    ScenarioError::new(
        origin,
        None,
        format!("--axis {assignment}: {message}"),
        true,
    )
}

/// Collects axes from `[sweep]`, where a table is either a range (it has
/// `from`) or a level of a dotted key.
fn flatten(t: &Table, prefix: &str, pos: &Positions, out: &mut Vec<RawAxis>) {
    for (k, v) in t {
        if prefix.is_empty() && SETTINGS.contains(&k.as_str()) {
            continue;
        }
        let key = key_path(prefix, k);
        match v {
            Value::Table(inner) if !is_range(inner) => flatten(inner, &key, pos, out),
            _ => {
                let order = pos
                    .spans
                    .get(&format!("sweep.{key}"))
                    .map_or(usize::MAX - 1, |s| s.0);
                out.push(RawAxis {
                    key,
                    value: v.clone(),
                    assignment: None,
                    order,
                });
            }
        }
    }
}

/// True if `t` looks like a range table rather than a level of a dotted key.
pub(crate) fn is_range(t: &Table) -> bool {
    ["from", "to", "steps", "scale"]
        .iter()
        .any(|k| t.contains_key(*k))
}

fn slo(t: &Table, pos: &Positions, origin: &str) -> Result<Vec<Clause>, ScenarioError> {
    let mut flat = Vec::new();
    flatten_slo(t, "", &mut flat);
    let mut clauses = Vec::new();
    for (metric, v) in flat {
        let key = format!("slo.{metric}");
        if !is_metric(&metric) {
            let hint = strsim_suggest(&metric)
                .map(|s| format!(", did you mean `{s}`?"))
                .unwrap_or_else(|| "; see the metric names in `capsim run --format json`".into());
            return Err(pos.error(
                origin,
                &key,
                true,
                format!("unknown metric `{metric}`{hint}"),
            ));
        }
        let Value::String(expr) = v else {
            return Err(pos.error(
                origin,
                &key,
                false,
                format!(
                    "expected a comparison string like \"< 0.001\", found {}",
                    describe(&v)
                ),
            ));
        };
        let clause =
            Clause::parse(&metric, &expr).map_err(|m| pos.error(origin, &key, false, m))?;
        clauses.push(clause);
    }
    Ok(clauses)
}

fn flatten_slo(t: &Table, prefix: &str, out: &mut Vec<(String, Value)>) {
    for (k, v) in t {
        let key = key_path(prefix, k);
        match v {
            Value::Table(inner) => flatten_slo(inner, &key, out),
            _ => out.push((key, v.clone())),
        }
    }
}

fn strsim_suggest(word: &str) -> Option<&'static str> {
    crate::metrics::all_names()
        .into_iter()
        .map(|n| (strsim::jaro_winkler(word, n), n))
        .filter(|(s, _)| *s > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, n)| n)
}

/// A number from an integer or a float value.
pub(crate) fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Integer(i) => Some(*i as f64),
        Value::Float(f) => Some(*f),
        _ => None,
    }
}

/// Describes a value for messages: its TOML text, clipped.
pub(crate) fn describe(v: &Value) -> String {
    let kind = match v {
        Value::String(_) => "a string",
        Value::Integer(_) => "an integer",
        Value::Float(_) => "a number",
        Value::Boolean(_) => "a boolean",
        Value::Datetime(_) => "a date",
        Value::Array(_) => "a list",
        Value::Table(_) => "a table",
    };
    let text = super::axis::inline(v);
    let text = if text.chars().count() > 40 {
        format!("{}...", text.chars().take(40).collect::<String>())
    } else {
        text
    };
    format!("{kind} {text}")
}

impl Spec {
    /// The kind of the threshold axis, if there is one.
    pub fn x_kind(&self) -> Option<Kind> {
        self.x.map(|i| self.axes[i].kind)
    }
}
