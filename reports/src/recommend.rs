//! The report of `capsim recommend --report DIR`, read from
//! `DIR/recommendation.json` (the same JSON `--format json` prints).
//!
//! The page opens with the answer (the text `recommend` prints: the
//! recommended settings, the next-smaller value's failure, the headroom, the
//! advice and the configuration per library), then the evidence charts: for
//! each searched setting and each objective, the objective's metric at every
//! simulated candidate with its 95% interval and the objective's limit, so
//! a reviewer sees where the answer sits and how clearly it clears.

use crate::chart::{Line, LineChart, Reference};
use crate::page::{self, Figure, Page};
use crate::write::{add_chart, render_files, Files};
use crate::ReportError;
use serde_json::Value as Json;
use std::path::{Path, PathBuf};

/// The results file of a recommendation.
pub const RESULTS_FILE: &str = "recommendation.json";

/// Checks the layout `recommend` writes: an object with `recommended`,
/// `keys` (each with `key` and `probes`), `slo` and `summary`.
fn check(v: &Json) -> Result<(), String> {
    let o = v.as_object().ok_or("expected a JSON object")?;
    if !o.get("recommended").is_some_and(Json::is_object) {
        return Err("no \"recommended\" object".into());
    }
    if !o.get("summary").is_some_and(Json::is_string) {
        return Err("no \"summary\" text".into());
    }
    let keys = o
        .get("keys")
        .and_then(Json::as_array)
        .ok_or("no \"keys\" array")?;
    for k in keys {
        if !k.get("key").is_some_and(Json::is_string) {
            return Err("a key without its name".into());
        }
        if !k.get("probes").is_some_and(Json::is_array) {
            return Err("a key without its probes".into());
        }
    }
    if !o.get("slo").is_some_and(Json::is_array) {
        return Err("no \"slo\" array".into());
    }
    Ok(())
}

/// One chart: objective `j`'s metric over the candidates of key `k`.
fn chart(k: &Json, j: usize, slo: &Json) -> Option<(String, String, LineChart)> {
    let key = k["key"].as_str()?;
    let metric = slo["metric"].as_str()?;
    let objective = slo["objective"].as_str().unwrap_or("");
    let mut pts: Vec<(f64, f64, f64, String)> = k["probes"]
        .as_array()?
        .iter()
        .filter_map(|p| {
            let x = p["value"].as_f64()?;
            let o = &p["objectives"][j];
            let mean = o["mean"].as_f64()?;
            let half = o["ci95"].as_f64().unwrap_or(0.0);
            Some((
                x,
                mean,
                half,
                p["verdict"].as_str().unwrap_or("").to_string(),
            ))
        })
        .collect();
    if pts.is_empty() {
        return None;
    }
    pts.sort_by(|a, b| a.0.total_cmp(&b.0));
    let limit = objective
        .split_whitespace()
        .nth(1)
        .and_then(|l| l.parse::<f64>().ok());
    let line = |label: &str, keep: &dyn Fn(&str) -> bool| Line {
        label: label.to_string(),
        points: pts
            .iter()
            .filter(|p| keep(&p.3))
            .map(|p| (p.0, p.1))
            .collect(),
        markers: true,
        intervals: pts
            .iter()
            .filter(|p| keep(&p.3))
            .map(|p| (p.0, p.1 - p.2, p.1 + p.2))
            .collect(),
        ..Line::default()
    };
    let lines: Vec<Line> = [
        line("holds", &|v| v == "holds"),
        line("too close to call", &|v| v == "too_close"),
        line("fails", &|v| v == "fails"),
    ]
    .into_iter()
    .filter(|l| !l.points.is_empty())
    .map(|mut l| {
        // Candidates of one verdict are not a curve: markers only.
        l.points.sort_by(|a, b| a.0.total_cmp(&b.0));
        l
    })
    .collect();
    let recommended = k["recommended"].as_f64();
    let c = LineChart {
        title: format!("{metric} by {key}"),
        subtitle: format!(
            "every simulated candidate at the forecast, mean and 95% interval; objective {objective}{}",
            recommended
                .map(|r| format!("; recommended {r}"))
                .unwrap_or_default()
        ),
        x_label: key.to_string(),
        y_label: metric.to_string(),
        legend_title: "verdict".into(),
        lines,
        references: limit
            .map(|l| {
                vec![Reference {
                    label: format!("objective {objective}"),
                    value: l,
                }]
            })
            .unwrap_or_default(),
        ..LineChart::default()
    };
    let file = format!(
        "candidates-{}-{}.svg",
        key.replace('.', "_"),
        metric.replace('.', "_")
    );
    Some((file, format!("{metric} at each candidate {key}"), c))
}

/// Renders the page and charts of the recommendation in `dir`. Returns the
/// files written, page last.
pub fn render(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    render_files(dir, RESULTS_FILE, check, files)
}

/// The charts and `index.html` of the recommendation `v` (with the scenario
/// file written beside them, if any), page last, without writing anything.
pub fn files(v: &Json, scenario_text: Option<String>) -> Result<Files, ReportError> {
    let mut out = Vec::new();
    let mut figures = Vec::new();
    let slo = v["slo"].as_array().cloned().unwrap_or_default();
    for k in v["keys"].as_array().into_iter().flatten() {
        for (j, s) in slo.iter().enumerate() {
            let Some((file, alt, c)) = chart(k, j, s) else {
                continue;
            };
            let figure = Figure {
                file,
                caption: format!(
                    "{alt}: where the recommendation sits among the candidates simulated, and how clearly it clears the objective"
                ),
                alt,
            };
            add_chart(&mut out, &mut figures, c.to_svg(), figure)?;
        }
    }
    let summary = v["summary"].as_str().unwrap_or("");
    // The whole text answer, indented: the page shows it as a code block.
    let story = summary
        .lines()
        .map(|l| format!("    {l}"))
        .collect::<Vec<_>>()
        .join("\n");
    let settings = v["recommended"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, x)| (k.clone(), x.to_string().trim_matches('"').to_string()))
                .collect()
        })
        .unwrap_or_default();
    let page = Page {
        title: format!(
            "Recommendation: {}",
            v["scenario"].as_str().unwrap_or("scenario")
        ),
        story,
        findings: Vec::new(),
        settings,
        tables: Vec::new(),
        figures,
        reproduce: v["command"]
            .as_str()
            .map(|c| vec![("command".to_string(), c.to_string())])
            .unwrap_or_default(),
        scenario_text,
    };
    out.push(("index.html".to_string(), page::html(&page)));
    Ok(out)
}
