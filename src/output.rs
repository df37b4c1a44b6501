//! Writing outputs: atomically, so that a stopped run never leaves a
//! half-written file behind.

use anyhow::Context;
use std::io::Write;
use std::path::Path;

/// Writes `bytes` to `path` by writing a temporary file beside it, syncing it
/// and renaming it over `path`.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let name = path.file_name().context("output path has no file name")?;
    let tmp = dir.join(format!(
        ".{}.tmp{}",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.with_context(|| format!("cannot write {}", path.display()))
}

/// FNV-1a hash of the scenario's resolved form, as 16 hex digits.
pub fn scenario_hash(scenario: &models::scenario::Scenario) -> String {
    format!(
        "{:016x}",
        sim::rng::fnv1a64(format!("{scenario:?}").as_bytes())
    )
}
