//! The capacity chart of a sweep (`capacity.svg`): each line's threshold
//! against the size axis, drawn with the bracket it was located in as a bar,
//! and censored lines ("holds everywhere", "holds nowhere") as hollow
//! triangles at the known end, pointing the way the SLO's direction says the
//! threshold lies.

use crate::chart::{Line, LineChart, Scale};
use crate::format;
use crate::input::SweepResults;
use crate::sweep::{
    axis_label, combinations, describe, position, reps_text, slo_text, spacing_scale, threshold_of,
    Rendered, Roles, MAX_LINES,
};

/// The capacity chart, when the sweep has a size axis and thresholds.
pub(crate) fn capacity(r: &SweepResults, ro: &Roles) -> Option<Rendered> {
    let size = ro.size?;
    if r.thresholds.is_empty() {
        return None;
    }
    let sizes: Vec<f64> = r.axes[size]
        .values
        .iter()
        .map(|v| position(v).unwrap_or(f64::NAN))
        .collect();
    let facets = combinations(r, &ro.facets);
    let below = r.holds_below.unwrap_or(true);
    let mut everywhere = false;
    let mut nowhere = false;
    let mut lines = Vec::new();
    for facet in facets.iter().take(MAX_LINES) {
        let mut line = Line {
            label: if ro.facets.is_empty() {
                "threshold".to_string()
            } else {
                describe(r, &ro.facets, facet)
            },
            markers: true,
            ..Line::default()
        };
        for (k, &size_x) in sizes.iter().enumerate() {
            let t = threshold_of(r, ro, facet, Some(k));
            let y = match t {
                Some(t) if t.status == "holds_below" || t.status == "holds_above" => {
                    if let (Some(h), Some(f)) = (t.holds_at, t.fails_at) {
                        line.intervals.push((size_x, h.min(f), h.max(f)));
                    }
                    t.threshold.unwrap_or(f64::NAN)
                }
                // Censored: the threshold lies beyond the known end, in the
                // sweep's direction.
                Some(t) if t.status == "holds_everywhere" => {
                    everywhere = true;
                    if let Some(h) = t.holds_at {
                        line.censored.push((size_x, h, below));
                    }
                    f64::NAN
                }
                Some(t) if t.status == "holds_nowhere" => {
                    nowhere = true;
                    if let Some(f) = t.fails_at {
                        line.censored.push((size_x, f, !below));
                    }
                    f64::NAN
                }
                _ => f64::NAN,
            };
            line.points.push((size_x, y));
        }
        lines.push(line);
    }
    let mut notes = vec![
        "Bars: the bracket each threshold was located in (SLO clearly holds at one end, clearly fails at the other).".to_string(),
    ];
    let (up, down) = ("▲ hollow, pointing up", "▼ hollow, pointing down");
    if everywhere {
        notes.push(format!(
            "{}: the SLO holds at every value tested, so the threshold is {} the value drawn.",
            if below { up } else { down },
            if below { "at least" } else { "at most" }
        ));
    }
    if nowhere {
        notes.push(format!(
            "{}: the SLO holds nowhere on the line, so the threshold is {} the value drawn.",
            if below { down } else { up },
            if below { "below" } else { "above" }
        ));
    }
    if let Some(t) = r
        .thresholds
        .iter()
        .find(|t| t.peak_rate.is_some() && t.threshold.is_some_and(|x| x > 0.0))
    {
        let k = t.peak_rate.unwrap_or(0.0) / t.threshold.unwrap_or(1.0);
        notes.push(format!(
            "The traffic profile peaks at {}× {}: multiply to get the peak rate.",
            format::num(k),
            r.axes[ro.x].key
        ));
    }
    if facets.len() > MAX_LINES {
        notes.push(format!(
            "First {MAX_LINES} of {} lines shown.",
            facets.len()
        ));
    }
    let x_axis = &r.axes[ro.x];
    let by = match r.axes[size].key.as_str() {
        "pool.max_total" => "pool size".to_string(),
        k => k.to_string(),
    };
    let title = match x_axis.key.as_str() {
        "workload.rate" => format!("Capacity: highest rate that meets the SLO, by {by}"),
        k => format!("Threshold of {k} where the SLO stops holding, by {by}"),
    };
    let chart = LineChart {
        title: title.clone(),
        subtitle: format!("{} · {} · {}", slo_text(r), r.scenario, reps_text(r)),
        x_label: axis_label(&r.axes[size]),
        y_label: format!("threshold: {}", axis_label(x_axis)),
        x_scale: Some(spacing_scale(&r.axes[size].values)),
        y_scale: Some(Scale::Linear),
        y_from_zero: true,
        legend_title: ro
            .facets
            .iter()
            .map(|&i| r.axes[i].key.as_str())
            .collect::<Vec<_>>()
            .join(", "),
        lines,
        references: vec![],
        note: notes.join(" "),
        y_include: Vec::new(),
        shade: None,
        marks: Vec::new(),
        x_whole: false,
    };
    Some(Rendered {
        file: "capacity.svg".into(),
        title,
        caption: format!(
            "Where each line of the grid stops meeting the SLO{}; the bar around each threshold is its bracket. Read off the {by} needed for the expected peak; where the line flattens, a bigger {by} no longer helps.",
            match r.precision {
                Some(p) => format!(", located by bisection until each end of the bracket is within {}", crate::format::precision(p)),
                None => ", interpolated between grid points (raw grid: the bracket is the grid's spacing)".into(),
            }
        ),
        svg: chart.to_svg(),
    })
}
