//! `reports`: SVG charts and an offline HTML page from serialized capsim
//! results, for design reviews.
//!
//! The crate never calls the engine. It reads the results types of
//! [`models::results`] (re-exported as [`input`]: [`input::RunResults`] from
//! `run.json`, [`input::SweepResults`] from `results.json`), which the
//! simulation writes, draws charts with plotters' SVG backend (which writes
//! `<text>` elements, so no fonts are needed to build or to render), and
//! writes `index.html` beside them. Every file is written atomically, and the
//! same input gives the same bytes: nothing depends on the clock or the
//! machine.
//!
//! ```no_run
//! let written = reports::render(std::path::Path::new("out/blackfriday"))?;
//! for path in written {
//!     println!("{}", path.display());
//! }
//! # Ok::<(), reports::ReportError>(())
//! ```
//!
//! Modules: [`input`] (the results it reads), [`chart`] (line charts),
//! [`heatmap`], [`run`] (the charts of one run), [`sweep`] (the charts of a
//! sweep), [`recommend`] (the charts of a recommendation), [`page`] (the
//! HTML page), [`mod@format`] (numbers and units as
//! printed) and [`palette`].
//!
//! Charts use the Okabe-Ito palette (distinguishable with the common kinds
//! of colour blindness) for lines and viridis for heatmaps; see
//! [`palette`].

#![warn(missing_docs)]

pub mod chart;
mod error;
pub mod format;
pub mod heatmap;
pub mod input;
pub mod page;
pub mod palette;
pub mod recommend;
pub mod run;
pub mod sweep;
mod write;

pub use error::ReportError;
pub use write::{write_atomic, Files};

use std::path::{Path, PathBuf};

/// Renders the report of whatever `dir` holds: a sweep's `results.json`, a
/// single run's `run.json`, or a recommendation's `recommendation.json`. Returns the files written, page last.
pub fn render(dir: &Path) -> Result<Vec<PathBuf>, ReportError> {
    if dir.join(sweep::RESULTS_FILE).is_file() {
        sweep::render(dir)
    } else if dir.join(run::RESULTS_FILE).is_file() {
        run::render(dir)
    } else if dir.join(recommend::RESULTS_FILE).is_file() {
        recommend::render(dir)
    } else {
        Err(ReportError::NothingToRender {
            dir: dir.to_path_buf(),
        })
    }
}
