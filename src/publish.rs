//! The output sets of a sweep (also rebuilt by `merge`) and of a run with
//! `--report`: which files, written as one set (see [`crate::output`]).

use crate::output::OutputSet;
use crate::Failure;
use anyhow::Context;
use models::sweep::plan::Plan;
use models::sweep::results::{self, Row};
use reports::write_atomic;
use std::path::{Path, PathBuf};

/// Writes `results.csv`, `results.json`, `thresholds.csv`, `scenario.toml`
/// and the report into `set` as one set, with `unfinished.csv` when some
/// points could not finish (`unfinished`: the point's axis values and why),
/// then prints the summary.
pub fn sweep(
    plan: &Plan,
    rows: &[Row],
    tolerance: Option<sim::threshold::Precision>,
    unfinished: &[(String, String)],
    set: &OutputSet,
) -> Result<(), Failure> {
    crate::stop::writing();
    let dir = set.begin()?;
    let ts = results::thresholds(plan, rows);
    write_atomic(
        &dir.join("results.csv"),
        results::results_csv(plan, rows).as_bytes(),
    )?;
    write_atomic(
        &dir.join("results.json"),
        results::results_json(plan, rows, &ts, tolerance).as_bytes(),
    )?;
    write_atomic(
        &dir.join("thresholds.csv"),
        results::thresholds_csv(plan, &ts).as_bytes(),
    )?;
    // The resolved scenario: `capsim sweep OUT/scenario.toml` runs the same
    // points; the report page reads its story and settings from it.
    write_atomic(
        &dir.join("scenario.toml"),
        models::sweep::resolved::scenario_toml(plan).as_bytes(),
    )?;
    if !unfinished.is_empty() {
        write_atomic(
            &dir.join("unfinished.csv"),
            unfinished_csv(plan, unfinished).as_bytes(),
        )?;
    }
    let written = reports::sweep::render(&dir).context("cannot render the report")?;
    set.install()?;
    print!("{}", results::summary(plan, rows, &ts, tolerance));
    let page = page_in(set.path(), &written);
    if !unfinished.is_empty() {
        println!(
            "\n{} point{} could not finish and count as breaking the SLO (unfinished.csv):",
            unfinished.len(),
            if unfinished.len() == 1 { "" } else { "s" }
        );
        for (point, why) in unfinished {
            println!("  ({point}): {why}");
        }
    }
    println!(
        "\nwritten to {} (report: {})",
        set.path().display(),
        page.display()
    );
    Ok(())
}

/// A sweep's default output folder: `out/<scenario name>/`.
pub fn default_out(plan: &Plan) -> PathBuf {
    Path::new("out").join(&plan.input.name)
}

/// The last written file's name, in the output folder.
pub fn page_in(out: &Path, written: &[PathBuf]) -> PathBuf {
    written
        .last()
        .and_then(|p| p.file_name())
        .map(|n| out.join(n))
        .unwrap_or_else(|| out.join("index.html"))
}

/// `unfinished.csv`: one row per point that could not finish: its axis
/// values (as in `results.csv`'s first columns, TOML-quoted) and why.
fn unfinished_csv(plan: &Plan, unfinished: &[(String, String)]) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let axes: Vec<&str> = plan.spec.axes.iter().map(|a| a.key.as_str()).collect();
    let mut out = format!("{},reason\n", quote(&axes.join(", ")));
    for (point, why) in unfinished {
        out += &format!("{},{}\n", quote(point), quote(why));
    }
    out
}
