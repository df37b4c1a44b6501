//! Sweep results: one row per point, the threshold of every line of the grid,
//! and their renderings (`results.csv`, `results.json`, `thresholds.csv`, the
//! summary).
//!
//! Ordering contract: grid rows come first, in point order (row-major, first
//! axis slowest); refinement rows follow, line by line in line order, each
//! line's in the order they were probed. Lines are the combinations of the
//! axes other than x, in row-major order. Floats are written in Rust's
//! shortest round-trip form (`{}`), so every output is a pure function of the
//! rows: the same bytes on any thread count, and after shards are merged.
//! `results.json` is a [`crate::results::SweepResults`], filled by
//! [`sweep_results`] and read back by the reports.

use super::axis::{label, position};
use super::plan::Plan;
use super::spec::{Clause, Op};
pub use super::summary::{short, summary, threshold_text};
use crate::metrics::Metrics;
use crate::results as file;
use serde_json::Value as Json;
use sim::threshold::{first_change, interpolate, Change, Precision};
use toml::Value;

/// The measured metrics of one point.
#[derive(Clone, Debug, PartialEq)]
pub struct Measured {
    /// Every metric of [`crate::metrics::all_names`] (NaN where the point's
    /// scenario does not report it):
    /// mean over replications.
    pub metrics: Metrics,
    /// 95% half-widths.
    pub ci95: Metrics,
    /// Why the point could not finish (a runaway overload, the clock limit),
    /// when it could not: its metrics and half-widths are then NaN, so no
    /// objective holds there and it counts as breaking the SLO.
    pub unfinished: Option<String>,
}

/// One simulated point.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// Index in the grid, or `None` for a point added by refinement.
    pub point: Option<usize>,
    /// The line of the grid it lies on.
    pub line: usize,
    /// One value per axis.
    pub values: Vec<Value>,
    /// What it measured.
    pub measured: Measured,
}

impl Row {
    /// True if every objective holds at the mean.
    pub fn holds(&self, slo: &[Clause]) -> bool {
        slo.iter()
            .all(|c| c.holds(self.measured.metrics[&c.metric]))
    }

    /// The statistical verdict: every objective holds over its whole 95%
    /// confidence interval, one fails over its whole interval, or neither
    /// (too close to call).
    pub fn verdict(&self, slo: &[Clause]) -> Verdict {
        verdict_of(&self.measured, slo)
    }
}

/// The statistical verdict of measurements `m` (see [`Row::verdict`]).
pub fn verdict_of(m: &Measured, slo: &[Clause]) -> Verdict {
    let mut out = Verdict::Holds;
    for c in slo {
        let mean = m.metrics[&c.metric];
        let half = m.ci95[&c.metric];
        let half = if half.is_finite() { half.abs() } else { 0.0 };
        match (c.holds(mean - half), c.holds(mean + half)) {
            (true, true) => {}
            (false, false) => return Verdict::Fails,
            _ => out = Verdict::TooClose,
        }
    }
    out
}

/// What a point's confidence intervals say about the objectives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every objective holds over its whole confidence interval.
    Holds,
    /// Some objective fails over its whole confidence interval.
    Fails,
    /// Some interval straddles its limit and none clearly fails.
    TooClose,
}

impl Verdict {
    /// The name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Holds => "holds",
            Verdict::Fails => "fails",
            Verdict::TooClose => "too_close",
        }
    }
}

/// Where a line's objectives stop holding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Holds at low x and fails from the threshold up.
    HoldsBelow,
    /// Fails at low x and holds from the threshold up.
    HoldsAbove,
    /// Holds at every point of the line: the threshold lies beyond the
    /// line's end in the sweep's direction (censored).
    Everywhere,
    /// Holds at no point of the line: the threshold lies before the line's
    /// start in the sweep's direction (censored).
    Nowhere,
}

impl Status {
    /// The name used in outputs.
    pub fn name(self) -> &'static str {
        match self {
            Status::HoldsBelow => "holds_below",
            Status::HoldsAbove => "holds_above",
            Status::Everywhere => "holds_everywhere",
            Status::Nowhere => "holds_nowhere",
        }
    }
}

/// The threshold of one line of the grid.
#[derive(Clone, Debug, PartialEq)]
pub struct Threshold {
    /// Line number.
    pub line: usize,
    /// The values of the axes other than x.
    pub others: Vec<(String, Value)>,
    /// How the objectives behave along the line.
    pub status: Status,
    /// Where the mean crosses the limit, interpolated between the two
    /// points around the change of state (x's unit), when the state changes.
    pub x: Option<f64>,
    /// The nearest point to the threshold where the objectives clearly hold
    /// (over their confidence intervals); for a line that holds everywhere,
    /// the line's end in the sweep's direction.
    pub holds_at: Option<f64>,
    /// The nearest point past the threshold where an objective clearly
    /// fails; for a line that holds nowhere, the line's start in the sweep's
    /// direction. Points between `holds_at` and `fails_at` were too close to
    /// call.
    pub fails_at: Option<f64>,
    /// The objective that fails first past the threshold (or at the first
    /// point when the line holds nowhere).
    pub broke_first: Option<String>,
}

impl Threshold {
    /// The bracket `(holds_at, fails_at)` when both ends are known.
    pub fn bracket(&self) -> Option<(f64, f64)> {
        self.holds_at.zip(self.fails_at)
    }
}

/// Along which side of x the objectives hold, for the whole sweep: the side
/// most lines that change state agree on; when none changes, the side that
/// the first objective's metric improves towards, from its mean at the
/// lowest and the highest x over all lines; holding below when that says
/// nothing either (a rate axis).
pub fn holds_below(plan: &Plan, rows: &[Row], ts: &[Threshold]) -> bool {
    let below = ts.iter().filter(|t| t.status == Status::HoldsBelow).count();
    let above = ts.iter().filter(|t| t.status == Status::HoldsAbove).count();
    if below != above {
        return below > above;
    }
    let Some(c) = plan.spec.slo.first() else {
        return true;
    };
    let mut trend = 0.0;
    for l in lines(plan, rows) {
        if let (Some(a), Some(b)) = (l.first(), l.last()) {
            let d = b.1.measured.metrics[&c.metric] - a.1.measured.metrics[&c.metric];
            if d.is_finite() {
                trend += d;
            }
        }
    }
    let lower_is_better = matches!(c.op, Op::Lt | Op::Le);
    !(trend < 0.0 && lower_is_better || trend > 0.0 && !lower_is_better)
}

/// The line number of every grid point.
pub fn line_of_points(plan: &Plan) -> Vec<usize> {
    let Some(x) = plan.spec.x else {
        return (0..plan.len()).collect();
    };
    let lengths: Vec<usize> = plan.spec.axes.iter().map(|a| a.values.len()).collect();
    plan.coordinates()
        .iter()
        .map(|c| {
            c.iter()
                .enumerate()
                .filter(|(i, _)| *i != x)
                .fold(0, |acc, (i, &ci)| acc * lengths[i] + ci)
        })
        .collect()
}

/// Number of lines of the grid.
pub fn line_count(plan: &Plan) -> usize {
    let x = plan.spec.x;
    plan.spec
        .axes
        .iter()
        .enumerate()
        .filter(|(i, _)| Some(*i) != x)
        .map(|(_, a)| a.values.len())
        .product()
}

/// The rows of each line, sorted by x (stable: grid rows before refinement
/// rows at the same x).
pub fn lines<'r>(plan: &Plan, rows: &'r [Row]) -> Vec<Vec<(f64, &'r Row)>> {
    let mut out = vec![Vec::new(); line_count(plan)];
    let Some(x) = plan.spec.x else { return out };
    let kind = plan.spec.axes[x].kind;
    for r in rows {
        if let Some(p) = position(kind, &r.values[x]) {
            out[r.line].push((p, r));
        }
    }
    for l in &mut out {
        l.sort_by(|a, b| a.0.total_cmp(&b.0));
    }
    out
}

/// The threshold of every line, in line order. Empty without objectives or
/// without a threshold axis.
///
/// The state of a point is whether its mean meets every objective; the
/// threshold is interpolated between the two points around the first change
/// of state. The bracket around it comes from the confidence intervals: the
/// nearest point on each side whose verdict is clear, so points too close to
/// call widen the bracket instead of deciding it.
pub fn thresholds(plan: &Plan, rows: &[Row]) -> Vec<Threshold> {
    let (Some(x), false) = (plan.spec.x, plan.spec.slo.is_empty()) else {
        return Vec::new();
    };
    let slo = &plan.spec.slo;
    let mut ts: Vec<Threshold> = lines(plan, rows)
        .into_iter()
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(line, l)| {
            let first = l[0].1;
            let others = plan
                .spec
                .axes
                .iter()
                .zip(&first.values)
                .enumerate()
                .filter(|(i, _)| *i != x)
                .map(|(_, (a, v))| (a.key.clone(), v.clone()))
                .collect();
            let states: Vec<bool> = l.iter().map(|(_, r)| r.holds(slo)).collect();
            let verdicts: Vec<Verdict> = l.iter().map(|(_, r)| r.verdict(slo)).collect();
            let mut t = Threshold {
                line,
                others,
                status: Status::Everywhere,
                x: None,
                holds_at: None,
                fails_at: None,
                broke_first: None,
            };
            match first_change(&states) {
                Change::Never { holds: true } => {}
                Change::Never { holds: false } => {
                    t.status = Status::Nowhere;
                    t.broke_first = slo
                        .iter()
                        .find(|c| !c.holds(first.measured.metrics[&c.metric]))
                        .map(|c| c.metric.clone());
                }
                Change::After { last } => {
                    let (a, b) = (l[last], l[last + 1]);
                    let (pass, fail) = if states[0] { (a, b) } else { (b, a) };
                    t.status = if states[0] {
                        Status::HoldsBelow
                    } else {
                        Status::HoldsAbove
                    };
                    // The nearest clear verdicts on each side of the change.
                    let before = (0..=last).rev();
                    let after = last + 1..l.len();
                    let find = |mut it: Box<dyn Iterator<Item = usize>>, v: Verdict| {
                        it.find(|&i| verdicts[i] == v).map(|i| l[i].0)
                    };
                    if states[0] {
                        t.holds_at = find(Box::new(before), Verdict::Holds);
                        t.fails_at = find(Box::new(after), Verdict::Fails);
                    } else {
                        t.fails_at = find(Box::new(before), Verdict::Fails);
                        t.holds_at = find(Box::new(after), Verdict::Holds);
                    }
                    let crossing = slo
                        .iter()
                        .filter(|c| !c.holds(fail.1.measured.metrics[&c.metric]))
                        .map(|c| {
                            let (y0, y1) = (
                                pass.1.measured.metrics[&c.metric],
                                fail.1.measured.metrics[&c.metric],
                            );
                            (interpolate(pass.0, y0, fail.0, y1, c.limit), c)
                        })
                        .min_by(|p, q| (p.0 - pass.0).abs().total_cmp(&(q.0 - pass.0).abs()));
                    if let Some((xc, c)) = crossing {
                        t.x = Some(xc);
                        t.broke_first = Some(c.metric.clone());
                    }
                }
            }
            t
        })
        .collect();
    // Censored lines: the one known end, placed by the sweep's direction.
    let below = holds_below(plan, rows, &ts);
    let ls = lines(plan, rows);
    for t in &mut ts {
        let l = &ls[t.line];
        let (lo, hi) = (l[0].0, l[l.len() - 1].0);
        match t.status {
            Status::Everywhere => t.holds_at = Some(if below { hi } else { lo }),
            Status::Nowhere => t.fails_at = Some(if below { lo } else { hi }),
            _ => {}
        }
    }
    ts
}

/// Quotes a CSV cell when it needs it.
fn cell(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn num(x: f64) -> String {
    format!("{x}")
}

/// The `results.csv` column of metric `name`: the metric's own name, or
/// `NAME.measured` when an axis has that name. An axis is what was set (the
/// `l1.hit_ratio` a point was configured with), the metric what the run
/// measured (the share of reads that hit), so both are kept, and the bare
/// name stays with the axis, as in `thresholds.csv` and the summary.
fn metric_column(plan: &Plan, name: &str) -> String {
    if plan.spec.axes.iter().any(|a| a.key == name) {
        format!("{name}.measured")
    } else {
        name.to_string()
    }
}

/// `results.csv`: a header, then one row per point: the axes, then every
/// metric followed by its `.ci95`. A metric that shares its name with an axis
/// is the column `NAME.measured` (the axis keeps `NAME`), so every column name
/// is unique.
pub fn results_csv(plan: &Plan, rows: &[Row]) -> String {
    let mut header: Vec<String> = plan.spec.axes.iter().map(|a| cell(&a.key)).collect();
    let names = plan.metric_names();
    for n in &names {
        let column = metric_column(plan, n);
        let ci95 = format!("{column}.ci95");
        header.extend([column, ci95]);
    }
    let mut seen = std::collections::BTreeSet::new();
    let duplicate = header.iter().find(|h| !seen.insert(h.as_str()));
    assert!(
        duplicate.is_none(),
        "duplicate results.csv column {duplicate:?}"
    );
    let mut out = header.join(",") + "\n";
    for r in rows {
        let mut cells: Vec<String> = r.values.iter().map(|v| cell(&label(v))).collect();
        for n in &names {
            cells.push(num(r.measured.metrics[*n]));
            cells.push(num(r.measured.ci95[*n]));
        }
        out += &cells.join(",");
        out.push('\n');
    }
    out
}

/// `thresholds.csv`: one row per line: the other axes, the status, the
/// threshold, the bracket (`holds_at`, `fails_at`), the peak rate when x is
/// `workload.rate` under a traffic profile, and the objective that broke first.
pub fn thresholds_csv(plan: &Plan, ts: &[Threshold]) -> String {
    let x = plan
        .spec
        .x
        .map(|i| plan.spec.axes[i].key.as_str())
        .unwrap_or("");
    let peak = plan.peak_factor();
    let mut header: Vec<String> = plan
        .spec
        .axes
        .iter()
        .filter(|a| a.key != x)
        .map(|a| cell(&a.key))
        .collect();
    header.extend(["status", "threshold", "holds_at", "fails_at"].map(String::from));
    if peak.is_some() {
        header.push("peak_rate".into());
    }
    header.push("broke_first".into());
    let mut out = header.join(",") + "\n";
    for t in ts {
        let mut cells: Vec<String> = t.others.iter().map(|(_, v)| cell(&label(v))).collect();
        cells.push(t.status.name().into());
        cells.push(t.x.map(num).unwrap_or_default());
        cells.push(t.holds_at.map(num).unwrap_or_default());
        cells.push(t.fails_at.map(num).unwrap_or_default());
        if let Some(k) = peak {
            cells.push(t.x.map(|x| num(x * k)).unwrap_or_default());
        }
        cells.push(t.broke_first.clone().unwrap_or_default());
        out += &cells.join(",");
        out.push('\n');
    }
    out
}

/// A TOML value as JSON (an axis value).
fn to_json(v: &Value) -> Json {
    match v {
        Value::String(s) => Json::from(s.as_str()),
        Value::Integer(i) => Json::from(*i),
        Value::Float(f) => Json::from(*f),
        Value::Boolean(b) => Json::from(*b),
        Value::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        Value::Table(t) => Json::Object(t.iter().map(|(k, v)| (k.clone(), to_json(v))).collect()),
        Value::Datetime(d) => Json::from(d.to_string()),
    }
}

/// The metrics `names` of `m` (`null` where not finite).
fn metric_map(m: &Metrics, names: &[&str]) -> file::MetricMap {
    names
        .iter()
        .map(|n| (n.to_string(), file::metric_value(m[*n])))
        .collect()
}

/// How a precision reads in a sentence: `2%` or `100`.
pub fn precision_text(p: Precision) -> String {
    match p {
        Precision::Absolute(t) => short(t),
        Precision::Relative(r) => format!("{}%", short(r * 100.0)),
    }
}

/// The results of a sweep as [`file::SweepResults`]: the rows and
/// thresholds with the capsim version, the scenario's name, hash and seed,
/// and the sweep's axes and objectives. A point that could not finish has
/// `unfinished`: why (its metrics are `null`); the others have none.
pub fn sweep_results(
    plan: &Plan,
    rows: &[Row],
    ts: &[Threshold],
    refined: Option<Precision>,
) -> file::SweepResults {
    let axes = &plan.spec.axes;
    let slo = &plan.spec.slo;
    let names = plan.metric_names();
    let point = |r: &Row| file::SweepPoint {
        point: r.point,
        line: r.line,
        axes: axes
            .iter()
            .zip(&r.values)
            .map(|(a, v)| (a.key.clone(), to_json(v)))
            .collect(),
        metrics: metric_map(&r.measured.metrics, &names),
        ci95: metric_map(&r.measured.ci95, &names),
        slo: (!slo.is_empty()).then(|| r.verdict(slo).name().to_string()),
        unfinished: r.measured.unfinished.clone(),
    };
    let peak = plan.peak_factor();
    let forecast = super::verdict::forecast(plan);
    let threshold = |t: &Threshold| {
        let outlook = forecast.map(|f| super::verdict::outlook(t, &f));
        file::SweepThreshold {
            line: t.line,
            axes: t
                .others
                .iter()
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect(),
            status: t.status.name().to_string(),
            threshold: t.x,
            holds_at: t.holds_at,
            fails_at: t.fails_at,
            peak_rate: peak.and_then(|k| t.x.map(|x| x * k)),
            broke_first: t.broke_first.clone(),
            at_forecast: outlook.as_ref().map(|o| o.verdict.to_string()),
            headroom: outlook.as_ref().and_then(|o| o.headroom),
            headroom_bracket: outlook.as_ref().map(|o| [o.bracket.0, o.bracket.1]),
            breaks_first: outlook.and_then(|o| o.breaks_first),
        }
    };
    let grid: &[&str] = if refined.is_none() && plan.spec.x.is_some() {
        &["--grid"]
    } else {
        &[]
    };
    file::SweepResults {
        capsim_version: env!("CARGO_PKG_VERSION").into(),
        schema_version: file::SWEEP_SCHEMA_VERSION,
        scenario: plan.input.name.clone(),
        scenario_hash: plan.hash(),
        seed: plan.base.simulation.seed,
        replications: plan.base.simulation.replications,
        axes: axes
            .iter()
            .map(|a| file::SweepAxis {
                key: a.key.clone(),
                values: a.values.iter().map(to_json).collect(),
            })
            .collect(),
        x: plan.spec.x.map(|i| axes[i].key.clone()),
        slo: slo
            .iter()
            .map(|c| file::Objective {
                metric: c.metric.clone(),
                expression: c.expression(),
            })
            .collect(),
        precision: refined.map(file::Precision::from),
        holds_below: plan.spec.x.map(|_| holds_below(plan, rows, ts)),
        forecast: forecast.map(|f| file::Forecast {
            peak_rate: f.peak_rate,
            stated: f.stated,
        }),
        points: rows.iter().map(point).collect(),
        thresholds: ts.iter().map(threshold).collect(),
        command: Some(super::resolved::command(plan, grid)),
        story: None,
    }
}

/// `results.json`: [`sweep_results`] as text.
pub fn results_json(
    plan: &Plan,
    rows: &[Row],
    ts: &[Threshold],
    refined: Option<Precision>,
) -> String {
    file::to_text(&sweep_results(plan, rows, ts, refined))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::NAMES;
    use crate::sweep::plan::Input;

    /// A plan whose axis `l1.hit_ratio` is also a metric name.
    fn plan_with_hit_ratio_axis() -> Plan {
        let text = r#"
[simulation]
duration = "1s"
warmup = "0s"
[workload]
rate = 1000
[sweep]
"pool.max_total" = [4, 8]
"l1.hit_ratio" = [0.5, 0.8]
"#;
        Plan::new(Input::from_text("test", text)).unwrap()
    }

    /// Every metric set to `value`.
    fn measured(value: f64) -> Measured {
        let all = |v: f64| NAMES.iter().map(|n| (n.to_string(), v)).collect();
        Measured {
            metrics: all(value),
            ci95: all(0.0),
            unfinished: None,
        }
    }

    #[test]
    fn csv_columns_are_unique_when_an_axis_is_a_metric() {
        let plan = plan_with_hit_ratio_axis();
        let values = plan.values(&plan.coordinates()[1]);
        let row = Row {
            point: Some(1),
            line: 1,
            values,
            measured: measured(0.25),
        };
        let csv = results_csv(&plan, &[row]);
        let mut lines = csv.lines();
        let header: Vec<&str> = lines.next().unwrap().split(',').collect();
        let cells: Vec<&str> = lines.next().unwrap().split(',').collect();
        let mut unique = header.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), header.len(), "duplicate columns: {header:?}");
        assert_eq!(header.len(), 2 + 2 * NAMES.len());
        let column = |name: &str| {
            let i = header.iter().position(|h| *h == name);
            cells[i.unwrap_or_else(|| panic!("no column {name}"))]
        };
        // The bare name is the configured axis value; the measured hit
        // ratio has its own column, with its half-width.
        assert_eq!(column("l1.hit_ratio"), "0.8");
        assert_eq!(column("l1.hit_ratio.measured"), "0.25");
        assert_eq!(column("l1.hit_ratio.measured.ci95"), "0");
        assert!(!header.contains(&"l1.hit_ratio.ci95"));
        // Metrics that are not axes keep their names.
        assert_eq!(column("pool.timeout_ratio"), "0.25");
        assert_eq!(column("pool.timeout_ratio.ci95"), "0");
    }
}
