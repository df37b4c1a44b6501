//! Why a report could not be rendered.

use std::fmt;
use std::path::PathBuf;

/// An error while reading results or writing a report.
#[derive(Debug)]
pub enum ReportError {
    /// The folder holds no `results.json`, `run.json` or `recommendation.json`.
    NothingToRender {
        /// The folder.
        dir: PathBuf,
    },
    /// A results file could not be read.
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A results file is not in the expected layout.
    Parse {
        /// The file.
        path: PathBuf,
        /// serde's message, with its line and column.
        message: String,
    },
    /// A chart or the page could not be written.
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// plotters refused to draw a chart.
    Draw {
        /// The chart's file name.
        chart: String,
        /// plotters' message.
        message: String,
    },
}

impl fmt::Display for ReportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReportError::NothingToRender { dir } => write!(
                f,
                "{} holds no results.json (from `capsim sweep`), run.json (from `capsim run --report`) \
                 or recommendation.json (from `capsim recommend --report`); point at the folder one of them wrote",
                dir.display()
            ),
            ReportError::Read { path, source } => write!(f, "cannot read {}: {source}", path.display()),
            ReportError::Parse { path, message } => write!(
                f,
                "{} is not a capsim results file ({message}); re-create it with the capsim version that renders it",
                path.display()
            ),
            ReportError::Write { path, source } => write!(f, "cannot write {}: {source}", path.display()),
            ReportError::Draw { chart, message } => write!(f, "cannot draw {chart}: {message}"),
        }
    }
}

impl std::error::Error for ReportError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ReportError::Read { source, .. } | ReportError::Write { source, .. } => Some(source),
            _ => None,
        }
    }
}
