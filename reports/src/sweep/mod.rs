//! The report of a sweep, read from `DIR/results.json` (and, when present,
//! the scenario file copied beside it as `scenario.toml`).
//!
//! Roles of the axes: `x` is the threshold axis (e.g. `workload.rate`); the
//! *size* axis is `pool.max_total` when swept, else the first other numeric
//! axis; any further axes are *facets*, one value combination per set of
//! charts (at most [`MAX_FACETS`]).
//!
//! Charts, in reading order:
//! 1. `capacity.svg`: the threshold (e.g. the highest rate at which the SLO
//!    holds) against the size axis, one line per facet: how much a bigger
//!    pool buys, and where it stops helping;
//! 2. `heatmap-<metric>[-k].svg`: the first SLO metric over x and the size
//!    axis, with the threshold contour: where the safe region ends;
//! 3. `metric-<metric>[-k].svg`: each metric that matters against x, one
//!    line per size, with confidence bands and the SLO limit: why it ends.

mod capacity;
mod story;

use crate::chart::{Line, LineChart, Reference, Scale};
use crate::format;
use crate::heatmap::{fractional_index, Heatmap};
use crate::input::{SweepAxis, SweepPoint, SweepResults, SweepThreshold};
use crate::page::{self, Figure};
use crate::write::{add_chart, render_files, Files};
use crate::ReportError;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

/// The results file of a sweep.
pub const RESULTS_FILE: &str = "results.json";

/// Most facets (value combinations of the axes beyond x and size) that get
/// their own charts.
pub const MAX_FACETS: usize = 4;

/// Most lines on one chart before the rest are left out (with a note).
pub const MAX_LINES: usize = 7;

/// Metrics charted against x, besides the SLO's own, in this order.
pub const METRICS: [&str; 5] = [
    "pool.timeout_ratio",
    "pool.acquire_wait.p99_ms",
    "latency.p99_ms",
    "pool.utilization",
    "redis.utilization",
];

/// Reads `dir/results.json` and writes the charts and `index.html` beside
/// it. Returns the files written, page last.
pub fn render(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    render_files(dir, RESULTS_FILE, SweepResults::check, files)
}

/// The charts and `index.html` of `results` (with the scenario file written
/// beside them, if any), page last, without writing anything.
pub fn files(results: &SweepResults, scenario_text: Option<String>) -> Result<Files, ReportError> {
    let mut out = Vec::new();
    let mut figures = Vec::new();
    for c in charts(results) {
        let figure = Figure {
            file: c.file,
            alt: c.title,
            caption: c.caption,
        };
        add_chart(&mut out, &mut figures, c.svg, figure)?;
    }
    let page = story::build_page(results, figures, scenario_text);
    out.push(("index.html".to_string(), page::html(&page)));
    Ok(out)
}

/// A drawn chart with its page entry.
pub struct Rendered {
    /// File name.
    pub file: String,
    /// Title, used as alternative text.
    pub title: String,
    /// Caption on the page.
    pub caption: String,
    /// The SVG, or plotters' error.
    pub svg: Result<String, String>,
}

/// Position of an axis value: numbers as they are, durations in
/// milliseconds; `None` for choices.
pub fn position(v: &Json) -> Option<f64> {
    match v {
        Json::Number(n) => n.as_f64(),
        Json::String(s) => duration_ms(s),
        _ => None,
    }
}

/// `"250us"`, `"1.5ms"`, `"2s"`, `"5m"`, `"1h"` in milliseconds.
fn duration_ms(s: &str) -> Option<f64> {
    let t = s.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
    let (num, unit) = t.split_at(split);
    let scale = match unit.trim() {
        "ns" => 1e-6,
        "us" | "µs" | "μs" => 1e-3,
        "ms" => 1.0,
        "s" => 1e3,
        "m" => 60e3,
        "h" => 3600e3,
        _ => return None,
    };
    num.parse::<f64>().ok().map(|n| n * scale)
}

/// An axis value as a label: strings without quotes.
pub fn label(v: &Json) -> String {
    match v {
        Json::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The axis key as an axis label, with its unit.
pub fn axis_label(a: &SweepAxis) -> String {
    let is_duration = a
        .values
        .iter()
        .all(|v| matches!(v, Json::String(s) if duration_ms(s).is_some()));
    match a.key.as_str() {
        "workload.rate" => "offered rate, workload.rate (requests/s)".into(),
        "pool.max_total" => "pool size, pool.max_total (connections per pod)".into(),
        "pods.count" => "pods, pods.count".into(),
        "redis.shards" => "Redis shards, redis.shards".into(),
        k if is_duration && !a.values.is_empty() => format!("{k} (ms)"),
        k => k.into(),
    }
}

/// Title, y label, factor and scale of a metric chart.
fn metric_info(name: &str) -> (String, String, f64, Option<Scale>) {
    match name {
        "pool.timeout_ratio" => (
            "Checkouts that timed out or were refused".into(),
            "pool.timeout_ratio (share of checkouts)".into(),
            1.0,
            None,
        ),
        "pool.acquire_wait.p99_ms" => (
            "p99 wait for a pool connection".into(),
            "pool.acquire_wait.p99_ms (ms)".into(),
            1.0,
            None,
        ),
        "latency.p99_ms" => (
            "p99 request latency".into(),
            "latency.p99_ms (ms)".into(),
            1.0,
            None,
        ),
        "pool.utilization" => (
            "Pool utilisation".into(),
            "pool.utilization: in use / capacity (%)".into(),
            100.0,
            Some(Scale::Linear),
        ),
        "redis.utilization" => (
            "Redis utilisation".into(),
            "redis.utilization: event loops busy (%)".into(),
            100.0,
            Some(Scale::Linear),
        ),
        n if n.ends_with("_ms") => (n.to_string(), format!("{n} (ms)"), 1.0, None),
        n if n.ends_with("ratio") => (n.to_string(), format!("{n} (share)"), 1.0, None),
        n => (n.to_string(), n.to_string(), 1.0, None),
    }
}

/// The scale an axis's values were laid out on: log when they are positive,
/// at least three, span a factor of 4 or more and grow by a nearly constant
/// ratio (a log range, or a list like 4, 8, 16); else linear.
pub fn spacing_scale(values: &[Json]) -> Scale {
    let mut xs: Vec<f64> = values.iter().filter_map(position).collect();
    xs.sort_by(f64::total_cmp);
    if xs.len() < 3 || xs[0] <= 0.0 || xs[xs.len() - 1] / xs[0] < 4.0 {
        return Scale::Linear;
    }
    let ratios: Vec<f64> = xs.windows(2).map(|w| w[1] / w[0]).collect();
    let (lo, hi) = ratios
        .iter()
        .fold((f64::INFINITY, 0.0f64), |(a, b), &r| (a.min(r), b.max(r)));
    if hi / lo <= 1.1 {
        Scale::Log
    } else {
        Scale::Linear
    }
}

/// How the axes are used.
pub(crate) struct Roles {
    /// Threshold axis.
    pub(crate) x: usize,
    /// Size axis (capacity chart's horizontal axis, lines of metric charts).
    pub(crate) size: Option<usize>,
    /// Remaining axes.
    pub(crate) facets: Vec<usize>,
}

pub(crate) fn roles(r: &SweepResults) -> Option<Roles> {
    let numeric = |i: usize| {
        !r.axes[i].values.is_empty() && r.axes[i].values.iter().all(|v| position(v).is_some())
    };
    let x = match &r.x {
        Some(k) => r.axes.iter().position(|a| &a.key == k)?,
        None => (0..r.axes.len()).rev().find(|&i| numeric(i))?,
    };
    if !numeric(x) {
        return None;
    }
    let others: Vec<usize> = (0..r.axes.len()).filter(|&i| i != x).collect();
    let size = others
        .iter()
        .copied()
        .find(|&i| r.axes[i].key == "pool.max_total")
        .or_else(|| others.iter().copied().find(|&i| numeric(i)));
    let facets = others.into_iter().filter(|&i| Some(i) != size).collect();
    Some(Roles { x, size, facets })
}

/// Index of `v` among the axis's values.
pub(crate) fn index_of(a: &SweepAxis, v: Option<&Json>) -> Option<usize> {
    let v = v?;
    a.values
        .iter()
        .position(|w| w == v || (position(w).is_some() && position(w) == position(v)))
}

/// Value indices of the axes `which` for a map of axis values.
pub(crate) fn coords(
    r: &SweepResults,
    which: &[usize],
    axes: &std::collections::BTreeMap<String, Json>,
) -> Option<Vec<usize>> {
    which
        .iter()
        .map(|&i| index_of(&r.axes[i], axes.get(&r.axes[i].key)))
        .collect()
}

/// Every combination of value indices of the axes `which`, row-major.
pub(crate) fn combinations(r: &SweepResults, which: &[usize]) -> Vec<Vec<usize>> {
    let mut out = vec![vec![]];
    for &i in which {
        out = out
            .into_iter()
            .flat_map(|c| {
                (0..r.axes[i].values.len()).map(move |k| {
                    let mut c = c.clone();
                    c.push(k);
                    c
                })
            })
            .collect();
    }
    out
}

/// `key = value, key = value` for a combination.
pub(crate) fn describe(r: &SweepResults, which: &[usize], combo: &[usize]) -> String {
    which
        .iter()
        .zip(combo)
        .map(|(&i, &k)| format!("{} = {}", r.axes[i].key, label(&r.axes[i].values[k])))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Points whose facet and size coordinates are `facet` and `size`, sorted by x.
pub(crate) fn points_of<'r>(
    r: &'r SweepResults,
    ro: &Roles,
    facet: &[usize],
    size: Option<usize>,
) -> Vec<(f64, &'r SweepPoint)> {
    let mut out: Vec<(f64, &SweepPoint)> = r
        .points
        .iter()
        .filter(|p| coords(r, &ro.facets, &p.axes).as_deref() == Some(facet))
        .filter(|p| match (ro.size, size) {
            (Some(s), Some(k)) => index_of(&r.axes[s], p.axes.get(&r.axes[s].key)) == Some(k),
            _ => true,
        })
        .filter_map(|p| Some((position(p.axes.get(&r.axes[ro.x].key)?)?, p)))
        .collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0));
    out
}

/// The threshold of the line at `facet` and `size`.
pub(crate) fn threshold_of<'r>(
    r: &'r SweepResults,
    ro: &Roles,
    facet: &[usize],
    size: Option<usize>,
) -> Option<&'r SweepThreshold> {
    r.thresholds.iter().find(|t| {
        coords(r, &ro.facets, &t.axes).as_deref() == Some(facet)
            && match (ro.size, size) {
                (Some(s), Some(k)) => index_of(&r.axes[s], t.axes.get(&r.axes[s].key)) == Some(k),
                _ => true,
            }
    })
}

pub(crate) fn slo_text(r: &SweepResults) -> String {
    if r.slo.is_empty() {
        return "no SLO".into();
    }
    let parts: Vec<String> = r
        .slo
        .iter()
        .map(|o| format!("{} {}", o.metric, o.expression))
        .collect();
    format!("SLO: {}", parts.join(" and "))
}

pub(crate) fn reps_text(r: &SweepResults) -> String {
    format!(
        "{} replication{} per point",
        r.replications,
        if r.replications == 1 { "" } else { "s" }
    )
}

/// Every chart of the sweep, in page order.
pub fn charts(r: &SweepResults) -> Vec<Rendered> {
    let Some(ro) = roles(r) else {
        return Vec::new();
    };
    let mut facets = combinations(r, &ro.facets);
    let facet_note = if facets.len() > MAX_FACETS {
        format!(
            "Charts for the first {MAX_FACETS} of {} combinations; results.csv has all.",
            facets.len()
        )
    } else {
        String::new()
    };
    facets.truncate(MAX_FACETS);
    let suffix = |k: usize| {
        if facets.len() > 1 {
            format!("-{}", k + 1)
        } else {
            String::new()
        }
    };
    let mut out = Vec::new();
    if let Some(c) = capacity::capacity(r, &ro) {
        out.push(c);
    }
    let primary = primary_metric(r);
    if let Some(size) = ro.size {
        for (k, facet) in facets.iter().enumerate() {
            out.push(heatmap(
                r,
                &ro,
                size,
                facet,
                &primary,
                &suffix(k),
                &facet_note,
            ));
        }
    }
    let mut metrics: Vec<String> = r.slo.iter().map(|o| o.metric.clone()).collect();
    for m in METRICS {
        if !metrics.iter().any(|n| n == m) {
            metrics.push(m.to_string());
        }
    }
    for m in &metrics {
        // Facets of one metric are meant to be compared: one y scale.
        let (_, _, factor, _) = metric_info(m);
        let shared: Vec<f64> = r
            .points
            .iter()
            .map(|p| metric_value(p, m) * factor)
            .filter(|v| v.is_finite())
            .fold(None, |acc: Option<(f64, f64)>, v| {
                Some(acc.map_or((v, v), |(a, b)| (a.min(v), b.max(v))))
            })
            .map(|(a, b)| vec![a, b])
            .unwrap_or_default();
        for (k, facet) in facets.iter().enumerate() {
            let mut c = metric_chart(r, &ro, m, facet, &suffix(k), &facet_note);
            if facets.len() > 1 {
                c.y_include.clone_from(&shared);
            }
            out.push(c.render());
        }
    }
    out
}

/// The metric of the heatmaps: the objective that broke first on most
/// lines (ties: the earlier in [`METRICS`], then in the SLO), or
/// `pool.timeout_ratio` without an SLO.
pub fn primary_metric(r: &SweepResults) -> String {
    let rank = |m: &str| {
        METRICS
            .iter()
            .position(|n| *n == m)
            .unwrap_or(METRICS.len())
    };
    r.slo
        .iter()
        .map(|o| {
            let broke = r
                .thresholds
                .iter()
                .filter(|t| t.broke_first.as_deref() == Some(&o.metric))
                .count();
            (std::cmp::Reverse(broke), rank(&o.metric), o.metric.clone())
        })
        .min()
        .map(|(_, _, m)| m)
        .unwrap_or_else(|| METRICS[0].to_string())
}

pub(crate) fn metric_value(p: &SweepPoint, m: &str) -> f64 {
    p.metrics.get(m).copied().flatten().unwrap_or(f64::NAN)
}

fn heatmap(
    r: &SweepResults,
    ro: &Roles,
    size: usize,
    facet: &[usize],
    metric: &str,
    suffix: &str,
    note: &str,
) -> Rendered {
    let x_axis = &r.axes[ro.x];
    let xs: Vec<f64> = x_axis
        .values
        .iter()
        .map(|v| position(v).unwrap_or(f64::NAN))
        .collect();
    let sizes = &r.axes[size].values;
    let (title, unit_label, factor, _) = metric_info(metric);
    let mut values = Vec::new();
    let mut contour = Vec::new();
    for k in 0..sizes.len() {
        let pts = points_of(r, ro, facet, Some(k));
        let row: Vec<f64> = xs
            .iter()
            .map(|x| {
                pts.iter()
                    .find(|(px, p)| px == x && p.point.is_some())
                    .map_or(f64::NAN, |(_, p)| metric_value(p, metric) * factor)
            })
            .collect();
        values.push(row);
        let t = threshold_of(r, ro, facet, Some(k));
        contour.push(match t {
            Some(t) if t.status == "holds_below" || t.status == "holds_above" => (
                t.threshold.map_or(f64::NAN, |x| fractional_index(&xs, x)),
                k as f64,
            ),
            _ => (f64::NAN, k as f64),
        });
    }
    let has_contour = contour.iter().any(|p| p.0.is_finite());
    let facet_text = describe(r, &ro.facets, facet);
    let subtitle = facet_subtitle(r, &facet_text);
    let limit = r
        .slo
        .iter()
        .find(|o| o.metric == metric)
        .and_then(|o| o.parse())
        .map(|(op, limit)| (op.to_string(), limit));
    let map = Heatmap {
        title: format!("{title} over {} and {}", x_axis.key, r.axes[size].key),
        subtitle,
        x_label: axis_label(x_axis),
        y_label: axis_label(&r.axes[size]),
        x_ticks: x_axis.values.iter().map(tick_label).collect(),
        y_ticks: sizes.iter().map(label).collect(),
        values,
        value_label: unit_label,
        scale: None,
        contour: if has_contour { contour } else { vec![] },
        contour_label: match &limit {
            Some(_) => "threshold: where the SLO stops holding".into(),
            None => "threshold".into(),
        },
        note: note.to_string(),
    };
    let file = format!("heatmap-{}{suffix}.svg", metric.replace('.', "_"));
    Rendered {
        file,
        title: map.title.clone(),
        caption: format!(
            "{metric} at every grid point{}{}. The black line is the threshold of each row: cells on its safe side meet the SLO.",
            if facet_text.is_empty() { String::new() } else { format!(" ({facet_text})") },
            if has_contour { "" } else { " (no row changes state, so no threshold line)" }
        ),
        svg: map.to_svg(),
    }
}

/// An x tick: numbers short (`50k`), other values as written.
pub(crate) fn tick_label(v: &Json) -> String {
    match v {
        Json::Number(n) => n.as_f64().map(format::num).unwrap_or_else(|| n.to_string()),
        other => label(other),
    }
}

/// A metric chart before it is drawn, so that siblings can share a scale.
struct Pending {
    file: String,
    caption: String,
    chart: LineChart,
    y_include: Vec<f64>,
}

impl Pending {
    fn render(mut self) -> Rendered {
        self.chart.y_include = self.y_include;
        Rendered {
            file: self.file,
            title: self.chart.title.clone(),
            caption: self.caption,
            svg: self.chart.to_svg(),
        }
    }
}

fn metric_chart(
    r: &SweepResults,
    ro: &Roles,
    metric: &str,
    facet: &[usize],
    suffix: &str,
    note: &str,
) -> Pending {
    let (title, y_label, factor, scale) = metric_info(metric);
    let sizes: Vec<Option<usize>> = match ro.size {
        Some(s) => (0..r.axes[s].values.len()).map(Some).collect(),
        None => vec![None],
    };
    let bands = r.replications >= 2;
    let mut lines = Vec::new();
    for size in sizes.iter().take(MAX_LINES) {
        let pts = points_of(r, ro, facet, *size);
        let label = match (ro.size, size) {
            (Some(s), Some(k)) => label(&r.axes[s].values[*k]),
            _ => metric.to_string(),
        };
        let points = pts
            .iter()
            .map(|(x, p)| (*x, metric_value(p, metric) * factor))
            .collect();
        let band = if bands {
            pts.iter()
                .map(|(x, p)| {
                    let m = metric_value(p, metric) * factor;
                    let ci = p.ci95.get(metric).copied().flatten().unwrap_or(0.0) * factor;
                    (*x, m - ci, m + ci)
                })
                .collect()
        } else {
            vec![]
        };
        lines.push(Line {
            label,
            points,
            band,
            markers: true,
            ..Line::default()
        });
    }
    let references = r
        .slo
        .iter()
        .filter(|o| o.metric == metric)
        .filter_map(|o| {
            o.limit().map(|l| Reference {
                label: format!("SLO limit: {}", o.expression),
                value: l * factor,
            })
        })
        .collect();
    let facet_text = describe(r, &ro.facets, facet);
    let subtitle = facet_subtitle(r, &facet_text);
    let mut notes = vec![note.to_string()];
    if sizes.len() > MAX_LINES {
        notes.push(format!("First {MAX_LINES} of {} lines shown.", sizes.len()));
    }
    let chart = LineChart {
        title: format!("{title} against {}", r.axes[ro.x].key),
        subtitle,
        x_label: axis_label(&r.axes[ro.x]),
        y_label,
        x_scale: Some(spacing_scale(&r.axes[ro.x].values)),
        y_scale: scale,
        y_from_zero: true,
        legend_title: ro.size.map(|s| r.axes[s].key.clone()).unwrap_or_default(),
        lines,
        references,
        note: notes
            .into_iter()
            .filter(|n| !n.is_empty())
            .collect::<Vec<_>>()
            .join(" "),
        y_include: Vec::new(),
        shade: None,
        marks: Vec::new(),
        x_whole: false,
    };
    Pending {
        file: format!("metric-{}{suffix}.svg", metric.replace('.', "_")),
        caption: format!(
            "{metric} at each point{}{}.",
            if facet_text.is_empty() {
                String::new()
            } else {
                format!(" ({facet_text})")
            },
            if bands {
                ", with its 95% confidence interval across replications"
            } else {
                ""
            }
        ),
        chart,
        y_include: Vec::new(),
    }
}

/// The subtitle of a faceted chart: SLO, facet, scenario and replications.
pub(crate) fn facet_subtitle(r: &SweepResults, facet_text: &str) -> String {
    [
        slo_text(r),
        facet_text.to_string(),
        r.scenario.clone(),
        reps_text(r),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_spaced_values_get_a_log_axis() {
        let v = |xs: &[f64]| xs.iter().map(|x| serde_json::json!(x)).collect::<Vec<_>>();
        assert_eq!(spacing_scale(&v(&[4.0, 8.0, 16.0])), Scale::Log);
        assert_eq!(
            spacing_scale(&v(&[600.0, 1200.0, 2400.0, 4800.0, 9600.0])),
            Scale::Log
        );
        assert_eq!(spacing_scale(&v(&[1000.0, 2000.0, 3000.0])), Scale::Linear);
        assert_eq!(spacing_scale(&v(&[4.0, 8.0])), Scale::Linear);
    }
}
