//! Atomic writes: a temporary file beside the target, synced, then renamed
//! over it, so that a stopped process never leaves a half-written chart.

use crate::page::Figure;
use crate::ReportError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Rendered files: (file name, contents), the page last.
pub type Files = Vec<(String, String)>;

/// Reads the results file `name` in `dir` (refused unless it passes
/// `check`) and the scenario file beside it, if any, then writes the charts
/// and `index.html` that `files` makes of them. Returns the files written,
/// page last.
pub(crate) fn render_files<T: serde::de::DeserializeOwned>(
    dir: &Path,
    name: &str,
    check: impl Fn(&T) -> Result<(), String>,
    files: impl FnOnce(&T, Option<String>) -> Result<Files, ReportError>,
) -> Result<Vec<PathBuf>, ReportError> {
    let results: T = read_json(&dir.join(name), check)?;
    let scenario_text = std::fs::read_to_string(dir.join("scenario.toml")).ok();
    write_files(dir, files(&results, scenario_text)?)
}

/// Adds a drawn chart to `out` and its entry to `figures`, or fails with
/// plotters' error about it.
pub(crate) fn add_chart(
    out: &mut Files,
    figures: &mut Vec<Figure>,
    svg: Result<String, String>,
    figure: Figure,
) -> Result<(), ReportError> {
    let svg = svg.map_err(|message| ReportError::Draw {
        chart: figure.file.clone(),
        message,
    })?;
    out.push((figure.file.clone(), svg));
    figures.push(figure);
    Ok(())
}

/// Writes `files` into `dir`, each atomically; returns their paths in order.
pub(crate) fn write_files(dir: &Path, files: Files) -> Result<Vec<PathBuf>, ReportError> {
    let mut written = Vec::with_capacity(files.len());
    for (name, text) in files {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

/// Writes `bytes` to `path` atomically, creating its folder if needed.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), ReportError> {
    let err = |source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    };
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(err)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp{}", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}

/// Reads and parses a JSON results file, then runs `check` on it: a file
/// that parses but is not in the layout (wrong version, keys that name no
/// axis) is refused like one that does not parse, before anything is written.
pub(crate) fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    check: impl Fn(&T) -> Result<(), String>,
) -> Result<T, ReportError> {
    let text = std::fs::read_to_string(path).map_err(|source| ReportError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    let parse = |message: String| ReportError::Parse {
        path: path.to_path_buf(),
        message,
    };
    // serde would read a struct from an array too: only an object is one.
    if !text.trim_start().starts_with('{') {
        return Err(parse("expected a JSON object".into()));
    }
    let value: T = serde_json::from_str(&text).map_err(|e| parse(e.to_string()))?;
    check(&value).map_err(parse)?;
    Ok(value)
}
