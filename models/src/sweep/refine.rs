//! Locating thresholds to a stated precision: every line whose objectives
//! change state between grid points gets points added by bisection
//! ([`sim::threshold::locate`]) until the bracket around its threshold meets
//! the plan's [`Precision`].
//!
//! A probe's answer is its statistical verdict ([`Row::verdict`]): clearly
//! holds, clearly fails, or too close to call. Probes keep the scenario's
//! seed and replications, so they share random numbers with the grid points
//! and with each other: a difference between two probes comes from x, not
//! from noise. Lines are refined in parallel and the probes of one line one
//! after another, so the probed points depend only on the results and are
//! the same on any thread count.

use super::plan::Plan;
use super::results::{thresholds, Row, Status, Verdict};
use super::run::{measure, Control};
use super::Error;
use sim::threshold::{locate, Answer, Bracket, Precision};
use toml::Value;

/// Most bisection probes per line.
pub const MAX_PROBES: usize = 40;

/// Adds points by bisection to every line whose objectives change state,
/// until both ends of the bracket around the change are located within
/// `precision` (or [`MAX_PROBES`] probes). Returns the new rows, line by
/// line, each line's in the order they were probed.
pub fn refine(
    plan: &Plan,
    grid: &[Row],
    precision: Precision,
    ctl: &Control,
) -> Result<Vec<Row>, Error> {
    let Some(x) = plan.spec.x else {
        return Ok(Vec::new());
    };
    let axis = &plan.spec.axes[x];
    let integer = axis.kind == super::axis::Kind::Integer;
    // (line, clear holding end, clear failing end, the line's values)
    type Work = (usize, f64, f64, Vec<Value>);
    let work: Vec<Work> = thresholds(plan, grid)
        .iter()
        .filter(|t| matches!(t.status, Status::HoldsBelow | Status::HoldsAbove))
        .filter_map(|t| {
            let (h, f) = t.bracket()?;
            let template = grid.iter().find(|r| r.line == t.line)?.values.clone();
            Some((t.line, h, f, template))
        })
        .collect();
    let per_line = sim::experiment::run_ordered(work.len(), |j| {
        let (line, h, f, template) = &work[j];
        let mut rows = Vec::new();
        let mut failed = None;
        locate(
            Bracket {
                keep: *h,
                other: *f,
            },
            precision,
            integer,
            MAX_PROBES,
            |mid| {
                if failed.is_some() {
                    return Answer::Unsure;
                }
                let mut values = template.clone();
                values[x] = axis.value_at(mid);
                // A midpoint on the grid (inside a bracket widened by a
                // grid point too close to call) is answered by that point.
                if let Some(r) = grid.iter().find(|r| r.line == *line && r.values == values) {
                    return match r.verdict(&plan.spec.slo) {
                        Verdict::Holds => Answer::Keep,
                        Verdict::Fails => Answer::Other,
                        Verdict::TooClose => Answer::Unsure,
                    };
                }
                let result = plan
                    .scenario(&values)
                    .map_err(Error::Scenario)
                    .and_then(|sc| measure(&values, &sc, ctl));
                (ctl.progress)(true);
                match result {
                    Ok(measured) => {
                        let row = Row {
                            point: None,
                            line: *line,
                            values,
                            measured,
                        };
                        let answer = match row.verdict(&plan.spec.slo) {
                            Verdict::Holds => Answer::Keep,
                            Verdict::Fails => Answer::Other,
                            Verdict::TooClose => Answer::Unsure,
                        };
                        rows.push(row);
                        answer
                    }
                    Err(e) => {
                        failed = Some(e);
                        Answer::Unsure
                    }
                }
            },
        );
        match failed {
            Some(e) => Err(e),
            None => Ok(rows),
        }
    });
    let mut out = Vec::new();
    for rows in per_line {
        out.extend(rows?);
    }
    Ok(out)
}
