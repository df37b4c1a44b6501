//! `capsim merge DIR...`: combine the shard files of a sweep
//! (`shard-K-of-N.json`, from `capsim sweep --shard K/N`) into the outputs of
//! the unsharded sweep, byte for byte.
//!
//! Shard files are untrusted input: each is read up to [`MAX_SHARD_BYTES`]
//! and its counts are checked before anything is sized by them, so a hostile
//! file is refused (status 2, naming it) with bounded memory.

use crate::output::OutputSet;
use crate::Failure;
use anyhow::anyhow;
use models::sweep::shard;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest shard file read, in bytes (256 MiB: about 60,000 points).
pub const MAX_SHARD_BYTES: u64 = 256 << 20;
/// Most shard files in one merge.
const MAX_FILES: usize = shard::MAX_SHARDS;

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
    let mut paths = Vec::new();
    for d in &args.dirs {
        paths.extend(shard_files(d)?);
        if paths.len() > MAX_FILES {
            return Err(input(format!(
                "more than {MAX_FILES} shard files in {}",
                d.display()
            )));
        }
    }
    if paths.is_empty() {
        let dirs: Vec<String> = args.dirs.iter().map(|d| d.display().to_string()).collect();
        return Err(input(format!(
            "no shard files (shard-K-of-N.json) in {}",
            dirs.join(", ")
        )));
    }
    let mut parsed = Vec::with_capacity(paths.len());
    for path in &paths {
        let name = path.display().to_string();
        let text = read_bounded(path)?;
        parsed.push(shard::parse(&name, &text).map_err(input)?);
    }
    let (plan, rows) = shard::merge_parsed(parsed).map_err(input)?;
    let out = args
        .out
        .unwrap_or_else(|| crate::publish::default_out(&plan));
    let set = OutputSet::prepare("--out", &out)?;
    crate::publish::sweep(&plan, &rows, None, &set)
}

/// The file's text, refused past [`MAX_SHARD_BYTES`] or if not UTF-8.
fn read_bounded(path: &Path) -> Result<String, Failure> {
    let name = path.display();
    let file = std::fs::File::open(path).map_err(|e| input(format!("cannot read {name}: {e}")))?;
    let too_large = || {
        input(format!(
            "{name}: larger than {} MiB: not a capsim shard file",
            MAX_SHARD_BYTES >> 20
        ))
    };
    // Refused by its size before reading when the size is known.
    if file.metadata().is_ok_and(|m| m.len() > MAX_SHARD_BYTES) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    file.take(MAX_SHARD_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| input(format!("cannot read {name}: {e}")))?;
    if bytes.len() as u64 > MAX_SHARD_BYTES {
        return Err(too_large());
    }
    String::from_utf8(bytes)
        .map_err(|_| input(format!("{name}: not UTF-8: not a capsim shard file")))
}

/// The shard files in `d` (sorted by name), or `d` itself if it is a file.
fn shard_files(d: &Path) -> Result<Vec<PathBuf>, Failure> {
    if d.is_file() {
        return Ok(vec![d.to_path_buf()]);
    }
    let entries = std::fs::read_dir(d)
        .map_err(|e| input(format!("cannot read the folder {}: {e}", d.display())))?;
    let mut out: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            name.starts_with("shard-") && name.ends_with(".json") && p.is_file()
        })
        .take(MAX_FILES + 1)
        .collect();
    out.sort();
    Ok(out)
}

fn input(e: impl std::fmt::Display) -> Failure {
    Failure::Input(anyhow!("{e}"))
}
