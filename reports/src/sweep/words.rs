//! The sweep in words: chart subtitles, each line's threshold as a sentence,
//! the thresholds table, the pass/fail grid, and the page that holds them
//! beside the charts drawn by the parent module.

use super::*;

pub(super) fn build_page(
    r: &SweepResults,
    figures: Vec<Figure>,
    scenario_text: Option<String>,
) -> Page {
    let story = r
        .story
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| scenario_text.as_deref().map(page::story_from_toml))
        .unwrap_or_default();
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
    let command = r
        .command
        .clone()
        .unwrap_or_else(|| format!("capsim sweep {}.toml --seed {}", r.scenario, r.seed));
    let mut reproduce = vec![
        ("command".to_string(), command),
        ("seed".into(), r.seed.to_string()),
        ("replications per point".into(), r.replications.to_string()),
        ("capsim version".into(), r.capsim_version.clone()),
        ("scenario hash".into(), r.scenario_hash.clone()),
    ];
    if let Some(t) = r.refine_tolerance {
        reproduce.push(("refined to within".into(), format::exact(t)));
    }
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

/// The threshold of a line as text, with the x unit.
fn threshold_text(r: &SweepResults, ro: &Roles, t: &SweepThreshold) -> String {
    let xs: Vec<f64> = r.axes[ro.x].values.iter().filter_map(position).collect();
    let lo = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let hi = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    match t.status.as_str() {
        "holds_below" => format!(
            "holds up to {} ≈ {}",
            r.axes[ro.x].key,
            t.threshold.map_or("?".into(), format::exact)
        ),
        "holds_above" => format!(
            "holds from {} ≈ {}",
            r.axes[ro.x].key,
            t.threshold.map_or("?".into(), format::exact)
        ),
        "holds_everywhere" => format!(
            "holds at every {} tested (up to {})",
            r.axes[ro.x].key,
            format::exact(hi)
        ),
        "holds_nowhere" => format!(
            "holds nowhere in {}..{}",
            format::exact(lo),
            format::exact(hi)
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
            row.push(Cell::text(
                t.bracket
                    .map(|[a, b]| format!("{} – {}", format::exact(a), format::exact(b)))
                    .unwrap_or_else(|| "-".into()),
            ));
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
            "For each line of the grid, where the SLO stops holding along {}: interpolated between the last passing and the first failing point (the bracket).",
            r.axes[ro.x].key
        ),
        Table { header, rows },
    )
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

pub(super) fn slo_text(r: &SweepResults) -> String {
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

pub(super) fn reps_text(r: &SweepResults) -> String {
    format!(
        "{} replication{} per point",
        r.replications,
        if r.replications == 1 { "" } else { "s" }
    )
}

/// The subtitle of a faceted chart: SLO, facet, scenario and replications.
pub(super) fn facet_subtitle(r: &SweepResults, facet_text: &str) -> String {
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
