//! The output sets of a sweep (also rebuilt by `merge`) and of a run with
//! `--report`: which files, written as one set (see [`crate::output`]).

use crate::output::OutputSet;
use crate::Failure;
use anyhow::Context;
use models::sweep::plan::Plan;
use models::sweep::results::{self, Row};
use std::path::{Path, PathBuf};

/// Writes `results.csv`, `results.json`, `thresholds.csv`, `scenario.toml`
/// and the report into `set` as one set, with `unfinished.csv` when some
/// points could not finish, then prints the summary and names those points
/// with their reasons.
pub fn sweep(
    plan: &Plan,
    rows: &[Row],
    tolerance: Option<sim::threshold::Precision>,
    set: &OutputSet,
) -> Result<(), Failure> {
    let unfinished = unfinished(rows);
    crate::stop::writing();
    let ts = results::thresholds(plan, rows);
    let mut staged = set.stage();
    staged.add("results.csv", results::results_csv(plan, rows).as_bytes())?;
    let json = results::results_json(plan, rows, &ts, tolerance);
    staged.add("results.json", json.as_bytes())?;
    staged.add(
        "thresholds.csv",
        results::thresholds_csv(plan, &ts).as_bytes(),
    )?;
    // The resolved scenario: `capsim sweep OUT/scenario.toml` runs the same
    // points; the report page reads its story and settings from it.
    let scenario = models::sweep::resolved::scenario_toml(plan);
    staged.add("scenario.toml", scenario.as_bytes())?;
    if !unfinished.is_empty() {
        staged.add(
            "unfinished.csv",
            unfinished_csv(plan, &unfinished).as_bytes(),
        )?;
    }
    // The report is drawn from results.json as `capsim report` reads it.
    let parsed: reports::input::SweepResults =
        serde_json::from_str(&json).context("results.json does not read back")?;
    let pages =
        reports::sweep::files(&parsed, Some(scenario)).context("cannot render the report")?;
    let page = page_of(set.path(), &pages);
    staged.add_all(pages)?;
    staged.install()?;
    print!("{}", results::summary(plan, rows, &ts, tolerance));
    if !unfinished.is_empty() {
        println!(
            "\n{} point{} could not finish and count as breaking the SLO (unfinished.csv):",
            unfinished.len(),
            if unfinished.len() == 1 { "" } else { "s" }
        );
        for (point, why) in &unfinished {
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

/// The page of rendered `files` (the last), in the output folder `out`.
pub fn page_of(out: &Path, files: &reports::Files) -> PathBuf {
    out.join(files.last().map_or("index.html", |(name, _)| name.as_str()))
}

/// The points of `rows` that could not finish, in row order (the grid's in
/// point order, then the points bisection added): the point's axis values as
/// its checkpoint key, and why.
fn unfinished(rows: &[Row]) -> Vec<(String, String)> {
    rows.iter()
        .filter_map(|r| {
            let why = r.measured.unfinished.as_ref()?;
            Some((models::sweep::checkpoint::key(&r.values), why.clone()))
        })
        .collect()
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
