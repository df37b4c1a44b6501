//! `capsim merge DIR...`: combine the shard files of a sweep
//! (`shard-K-of-N.json`, from `capsim sweep --shard K/N`) into the outputs of
//! the unsharded sweep, byte for byte.

use crate::Failure;
use std::path::{Path, PathBuf};

/// Arguments of `capsim merge`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Folders holding shard files, or shard files themselves.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Output folder (default: `out/<scenario name>/`).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// Runs the command.
pub fn run(args: Args) -> Result<(), Failure> {
    let mut files = Vec::new();
    for d in &args.dirs {
        for path in shard_files(d)? {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Failure::Input(anyhow::anyhow!("cannot read {}: {e}", path.display()))
            })?;
            files.push((path.display().to_string(), text));
        }
    }
    let (plan, rows) = models::sweep::shard::merge(&files).map_err(super::sweep::sweep_failure)?;
    let out = args.out.unwrap_or_else(|| super::sweep::default_out(&plan));
    super::sweep::write_outputs(&plan, &rows, None, &out)
}

/// The shard files in `d` (sorted by name), or `d` itself if it is a file.
fn shard_files(d: &Path) -> Result<Vec<PathBuf>, Failure> {
    if d.is_file() {
        return Ok(vec![d.to_path_buf()]);
    }
    let entries = std::fs::read_dir(d)
        .map_err(|e| Failure::Input(anyhow::anyhow!("cannot read {}: {e}", d.display())))?;
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            name.starts_with("shard-") && name.ends_with(".json")
        })
        .collect();
    out.sort();
    Ok(out)
}
