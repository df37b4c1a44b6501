//! The page of a sweep report: the findings (the verdict at the forecast,
//! the points that could not finish and why, each line's threshold with its
//! bracket, or the bound of a censored line), the thresholds table, pass or
//! fail at every grid point, the settings and how to reproduce the run.

use crate::format;
use crate::input::{SweepPoint, SweepResults, SweepThreshold};
use crate::page::{self, Cell, Figure, Page, Table};
use crate::sweep::{
    axis_label, combinations, coords, describe, index_of, label, reps_text, roles, slo_text,
    tick_label, Roles,
};

/// The page of `r`, with its charts and the scenario file beside it.
pub(crate) fn build_page(
    r: &SweepResults,
    figures: Vec<Figure>,
    scenario_text: Option<String>,
) -> Page {
    let story = page::story(&r.story, scenario_text.as_deref());
    let ro = roles(r);
    let mut findings = vec![Cell::text(format!(
        "{} points × {} · {}{}.",
        r.points.len(),
        reps_text(r),
        slo_text(r),
        if r.slo.len() > 1 {
            " (all must hold)"
        } else {
            ""
        }
    ))];
    if let (Some(ro), Some(f)) = (&ro, r.forecast) {
        findings.splice(0..0, verdict_findings(r, ro, f));
    }
    // Next to the verdict: the points it counts as failing because they
    // could not finish, and why.
    let at = findings.len() - 1;
    findings.splice(at..at, unfinished_findings(r));
    let mut tables = Vec::new();
    if let Some(ro) = &ro {
        findings.extend(threshold_findings(r, ro));
        if !r.thresholds.is_empty() {
            tables.push(thresholds_table(r, ro));
        }
        if let Some(t) = pass_grid(r, ro) {
            tables.push(t);
        }
    }
    let mut settings: Vec<(String, String)> = r
        .axes
        .iter()
        .map(|a| {
            let role = match &ro {
                Some(ro) if r.axes[ro.x].key == a.key => "swept, threshold axis",
                _ => "swept",
            };
            (
                format!("{} ({role})", a.key),
                a.values.iter().map(label).collect::<Vec<_>>().join(", "),
            )
        })
        .collect();
    for o in &r.slo {
        settings.push((format!("slo.{}", o.metric), o.expression.clone()));
    }
    if let Some(text) = &scenario_text {
        settings.extend(
            page::settings_from_toml(text)
                .into_iter()
                .filter(|(k, _)| !r.axes.iter().any(|a| &a.key == k)),
        );
    }
    let grid = if r.precision.is_none() { " --grid" } else { "" };
    let mut reproduce = Vec::new();
    if let Some(c) = &r.command {
        reproduce.push(("command".to_string(), c.clone()));
    }
    reproduce.extend([
        (
            "run again from this folder".to_string(),
            format!("capsim sweep scenario.toml --out .{grid}"),
        ),
        ("seed".into(), r.seed.to_string()),
        ("replications per point".into(), r.replications.to_string()),
        ("capsim version".into(), r.capsim_version.clone()),
        ("scenario hash".into(), r.scenario_hash.clone()),
    ]);
    reproduce.push((
        "thresholds located".into(),
        match r.precision {
            Some(p) => format!(
                "by bisection, each bracket end within {}",
                crate::format::precision(p)
            ),
            None => "from the raw grid (--grid)".into(),
        },
    ));
    reproduce.push((
        "re-render this page".into(),
        "capsim report <this folder>".into(),
    ));
    Page {
        title: format!("{}: sweep report", r.scenario),
        story,
        findings,
        settings,
        tables,
        figures,
        reproduce,
        scenario_text,
    }
}

/// The threshold of a line as text, with its bracket; a censored line as
/// the bound it gives.
fn threshold_text(r: &SweepResults, ro: &Roles, t: &SweepThreshold) -> String {
    let key = &r.axes[ro.x].key;
    let v = |x: Option<f64>| x.map_or("?".into(), format::exact);
    let bracket = format!("[{}]", bracket_text(t));
    match t.status.as_str() {
        "holds_below" => format!("holds up to {key} ≈ {} {bracket}", v(t.threshold)),
        "holds_above" => format!("holds from {key} ≈ {} {bracket}", v(t.threshold)),
        "holds_everywhere" => format!(
            "holds at every {key} tested: threshold {} {}",
            if r.holds_below.unwrap_or(true) {
                ">"
            } else {
                "<"
            },
            v(t.holds_at)
        ),
        "holds_nowhere" => format!(
            "holds at no {key} tested: threshold {} {}",
            if r.holds_below.unwrap_or(true) {
                "<"
            } else {
                ">"
            },
            v(t.fails_at)
        ),
        other => other.to_string(),
    }
}

fn threshold_findings(r: &SweepResults, ro: &Roles) -> Vec<Cell> {
    let mut others: Vec<usize> = ro.size.into_iter().collect();
    others.extend(&ro.facets);
    others.sort();
    let mut out: Vec<Cell> = r
        .thresholds
        .iter()
        .take(8)
        .map(|t| {
            let combo = coords(r, &others, &t.axes)
                .map(|c| describe(r, &others, &c))
                .unwrap_or_default();
            let mut s = format!(
                "{}{}",
                if combo.is_empty() {
                    String::new()
                } else {
                    format!("{combo}: ")
                },
                threshold_text(r, ro, t)
            );
            if let Some(p) = t.peak_rate {
                s += &format!(" (peak {} requests/s)", format::exact(p));
            }
            if let Some(b) = &t.broke_first {
                s += &format!("; {b} breaks first");
            }
            let verdict = match t.status.as_str() {
                "holds_everywhere" => Some(true),
                "holds_nowhere" => Some(false),
                _ => None,
            };
            Cell {
                text: s + ".",
                verdict,
            }
        })
        .collect();
    if r.thresholds.len() > 8 {
        out.push(Cell::text(format!(
            "… {} more lines in the thresholds table.",
            r.thresholds.len() - 8
        )));
    }
    out
}

fn thresholds_table(r: &SweepResults, ro: &Roles) -> (String, String, Table) {
    let mut others: Vec<usize> = (0..r.axes.len()).filter(|&i| i != ro.x).collect();
    others.sort();
    let has_peak = r.thresholds.iter().any(|t| t.peak_rate.is_some());
    let mut header: Vec<String> = others.iter().map(|&i| r.axes[i].key.clone()).collect();
    header.push("SLO holds".into());
    header.push(format!("threshold: {}", axis_label(&r.axes[ro.x])));
    header.push("bracket".into());
    if has_peak {
        header.push("peak rate (requests/s)".into());
    }
    header.push("broke first".into());
    let rows = r
        .thresholds
        .iter()
        .map(|t| {
            let mut row: Vec<Cell> = others
                .iter()
                .map(|&i| Cell::text(t.axes.get(&r.axes[i].key).map(label).unwrap_or_default()))
                .collect();
            row.push(match t.status.as_str() {
                "holds_everywhere" => Cell::verdict(true, "pass: everywhere"),
                "holds_nowhere" => Cell::verdict(false, "FAIL: nowhere"),
                "holds_below" => Cell::text("below threshold"),
                "holds_above" => Cell::text("above threshold"),
                s => Cell::text(s),
            });
            row.push(Cell::text(
                t.threshold.map(format::exact).unwrap_or_else(|| "-".into()),
            ));
            row.push(Cell::text(bracket_text(t)));
            if has_peak {
                row.push(Cell::text(
                    t.peak_rate.map(format::exact).unwrap_or_else(|| "-".into()),
                ));
            }
            row.push(Cell::text(
                t.broke_first.clone().unwrap_or_else(|| "-".into()),
            ));
            row
        })
        .collect();
    (
        "Thresholds".into(),
        format!(
            "For each line of the grid, where the SLO stops holding along {}: the mean crosses the limit at the threshold (interpolated), and the bracket runs from the nearest point where every objective clearly holds to the nearest where one clearly fails (over 95% confidence intervals; points between were too close to call). {}",
            r.axes[ro.x].key,
            match r.precision {
                Some(p) => format!("Located by bisection, each bracket end within {}.", crate::format::precision(p)),
                None => "Raw grid: brackets are grid points.".into(),
            }
        ),
        Table { header, rows },
    )
}

/// A threshold's bracket: `holds at 3150, fails at 3210`, or for a censored
/// line its one known end.
fn bracket_text(t: &SweepThreshold) -> String {
    let end = |v: Option<f64>| v.map(format::exact);
    match (end(t.holds_at), end(t.fails_at)) {
        (Some(h), Some(f)) => format!("holds at {h}, fails at {f}"),
        (Some(h), None) => format!("holds at {h}"),
        (None, Some(f)) => format!("fails at {f}"),
        (None, None) => "-".into(),
    }
}

/// Pass or fail at every grid point, lines by x values (when x has few
/// enough values to fit a page).
fn pass_grid(r: &SweepResults, ro: &Roles) -> Option<(String, String, Table)> {
    let xs = &r.axes[ro.x].values;
    if r.slo.is_empty() || xs.len() > 16 {
        return None;
    }
    let mut others: Vec<usize> = (0..r.axes.len()).filter(|&i| i != ro.x).collect();
    others.sort();
    let mut header: Vec<String> = others.iter().map(|&i| r.axes[i].key.clone()).collect();
    header.extend(xs.iter().map(tick_label));
    let mut rows = Vec::new();
    for combo in combinations(r, &others) {
        let mut row: Vec<Cell> = others
            .iter()
            .zip(&combo)
            .map(|(&i, &k)| Cell::text(label(&r.axes[i].values[k])))
            .collect();
        for xv in xs {
            let p = r.points.iter().filter(|p| p.point.is_some()).find(|p| {
                coords(r, &others, &p.axes).as_deref() == Some(&combo[..])
                    && index_of(&r.axes[ro.x], p.axes.get(&r.axes[ro.x].key))
                        == index_of(&r.axes[ro.x], Some(xv))
            });
            row.push(match p {
                None => Cell::text("-"),
                Some(p) if p.unfinished.is_some() => Cell::verdict(false, "FAIL: did not finish"),
                Some(p) => {
                    let ok = r.slo.iter().all(|o| {
                        o.holds(p.metrics.get(&o.metric).copied().flatten()) == Some(true)
                    });
                    Cell::verdict(ok, if ok { "pass" } else { "FAIL" })
                }
            });
        }
        rows.push(row);
    }
    Some((
        "SLO at each point".into(),
        format!(
            "Columns are values of {}; pass means every objective holds at that point.",
            r.axes[ro.x].key
        ),
        Table { header, rows },
    ))
}

/// The answer first: at the forecast peak, does each design hold, with what
/// headroom (sustained peak over forecast, with its bracket), and what
/// breaks first.
fn verdict_findings(r: &SweepResults, ro: &Roles, f: crate::input::Forecast) -> Vec<Cell> {
    let mut others: Vec<usize> = ro.size.into_iter().collect();
    others.extend(&ro.facets);
    others.sort();
    let mut out = vec![Cell::text(format!(
        "Verdict at the forecast peak of {} requests/s ({}):",
        format::exact(f.peak_rate),
        if f.stated {
            "stated in [forecast] peak_rate"
        } else {
            "the scenario's own peak; state another with [forecast] peak_rate"
        }
    ))];
    for t in &r.thresholds {
        let Some(v) = t.at_forecast.as_deref() else {
            continue;
        };
        let design = coords(r, &others, &t.axes)
            .map(|c| describe(r, &others, &c))
            .filter(|d| !d.is_empty())
            .unwrap_or_else(|| "the scenario".into());
        let x = |h: Option<f64>| h.map_or("?".into(), |h| format!("{}×", format::exact(h)));
        let [lo, hi] = t.headroom_bracket.unwrap_or([None, None]);
        let headroom = match t.status.as_str() {
            "holds_everywhere" => format!("headroom more than {}", x(lo)),
            "holds_nowhere" => format!("headroom less than {}", x(hi)),
            _ => format!(
                "headroom {} (bracket {} to {})",
                x(t.headroom),
                x(lo),
                x(hi)
            ),
        };
        let mut text = format!(
            "{design}: {}, {headroom}",
            match v {
                "holds" => "holds",
                "fails" => "FAILS",
                "untested" => "not tested (the grid does not reach the forecast)",
                _ => "too close to call",
            }
        );
        if let Some(b) = &t.breaks_first {
            text += &format!("; breaks first: {b}");
        }
        out.push(Cell {
            text: text + ".",
            verdict: match v {
                "holds" => Some(true),
                "fails" => Some(false),
                _ => None,
            },
        });
    }
    out
}

/// Most points that could not finish named one by one on the page.
const MAX_UNFINISHED: usize = 20;

/// The points that could not finish, each with its axis values and why;
/// empty when every point finished.
fn unfinished_findings(r: &SweepResults) -> Vec<Cell> {
    let points: Vec<&SweepPoint> = r.points.iter().filter(|p| p.unfinished.is_some()).collect();
    if points.is_empty() {
        return Vec::new();
    }
    let mut out = vec![Cell::verdict(
        false,
        format!(
            "{} point{} could not finish and count{} as breaking the SLO (unfinished.csv):",
            points.len(),
            if points.len() == 1 { "" } else { "s" },
            if points.len() == 1 { "s" } else { "" },
        ),
    )];
    for p in points.iter().take(MAX_UNFINISHED) {
        let at: Vec<String> = r
            .axes
            .iter()
            .filter_map(|a| Some(format!("{} = {}", a.key, label(p.axes.get(&a.key)?))))
            .collect();
        let why = p.unfinished.as_deref().unwrap_or_default();
        out.push(Cell::verdict(false, format!("{}: {why}", at.join(", "))));
    }
    if points.len() > MAX_UNFINISHED {
        out.push(Cell::text(format!(
            "… {} more in unfinished.csv and results.json.",
            points.len() - MAX_UNFINISHED
        )));
    }
    out
}
