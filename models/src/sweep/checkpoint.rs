//! Checkpoints: every finished sweep point recorded durably as it finishes,
//! so that an interrupted sweep resumes where it stopped.
//!
//! A checkpoint is a JSON-lines file. Its first line names the format, the
//! capsim version, the plan's hash and the shard (if any); each further line
//! is one point: its axis values (the point's key, so grid points and points
//! added by refinement are found alike, whatever order they finish in) and
//! either its metrics, each float as its shortest round-trip decimal string
//! (read back bit for bit), or why it could not finish. A line is appended
//! and synced to disk before the point counts as done; a process killed
//! mid-append leaves at most one torn last line, which reading ignores and
//! a resume cuts off. A resume appends to the file it read, never rewrites
//! it, so a kill at any moment keeps every point recorded before.
//!
//! Resuming reuses every recorded point: the rows and every output built from
//! them are the same bytes as an uninterrupted sweep's. A checkpoint written
//! for another plan or by another capsim version is refused.

use super::axis::inline;
use super::plan::Plan;
use super::results::Measured;
use super::run::unfinished;
use crate::metrics::{all_names, with_names, Metrics, NAMES};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use toml::Value;

/// The `format` field of a checkpoint's first line.
pub const FORMAT: &str = "capsim-sweep-checkpoint";
/// Longest line read from a checkpoint, in bytes (a point's line is about
/// 4 KB); a longer one is refused rather than buffered.
pub const MAX_LINE_BYTES: usize = 1 << 20;

#[derive(Serialize, Deserialize)]
struct Header {
    format: String,
    capsim_version: String,
    scenario_hash: String,
    shard: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct Line {
    key: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    failed: Option<String>,
    #[serde(default)]
    metrics: BTreeMap<String, String>,
    #[serde(default)]
    ci95: BTreeMap<String, String>,
}

/// A point's key: its axis values as inline TOML, joined by `, `.
pub fn key(values: &[Value]) -> String {
    values.iter().map(inline).collect::<Vec<_>>().join(", ")
}

/// Every float as its shortest round-trip decimal string.
pub fn exact(m: &Metrics) -> BTreeMap<String, String> {
    m.iter().map(|(k, v)| (k.clone(), format!("{v}"))).collect()
}

/// Reads back [`exact`]'s strings: every metric of [`NAMES`] must be there;
/// an optional group's ([`crate::metrics::GROUPS`]) are read when present
/// (NaN when not, as for a run without what they measure).
pub fn read_back(m: &BTreeMap<String, String>, what: &str) -> Result<Metrics, String> {
    let mut optional = Metrics::new();
    for n in all_names().into_iter().filter(|n| !NAMES.contains(n)) {
        if let Some(s) = m.get(n) {
            let v = s
                .parse()
                .map_err(|_| format!("{what}: `{n}` is not a number: {:?}", clip(s)))?;
            optional.insert(n.to_string(), v);
        }
    }
    let mut out = with_names(optional, &all_names());
    for n in NAMES {
        let s = m
            .get(*n)
            .ok_or_else(|| format!("{what} lacks the metric `{n}`"))?;
        out.insert(
            n.to_string(),
            s.parse()
                .map_err(|_| format!("{what}: `{n}` is not a number: {:?}", clip(s)))?,
        );
    }
    Ok(out)
}

fn clip(s: &str) -> String {
    s.chars().take(40).collect()
}

/// An open checkpoint: the points recorded so far, and the file new points
/// are appended to.
pub struct Checkpoint {
    path: PathBuf,
    recorded: BTreeMap<String, Measured>,
    file: Mutex<std::fs::File>,
}

impl Checkpoint {
    /// Opens the checkpoint at `path` for `plan` (and `shard`, e.g. `2/8`).
    /// With `resume`, the points already recorded there are kept (a
    /// checkpoint of another plan or capsim version is an error) and new
    /// ones are appended after them; without, or when there is no file, it
    /// starts empty.
    pub fn open(
        path: &Path,
        plan: &Plan,
        shard: Option<String>,
        resume: bool,
    ) -> Result<Checkpoint, String> {
        let header = Header {
            format: FORMAT.into(),
            capsim_version: env!("CARGO_PKG_VERSION").into(),
            scenario_hash: plan.hash(),
            shard,
        };
        let fail = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
        let (recorded, mut file, kept) = if resume && path.exists() {
            let (recorded, whole) = read(path, &header)?;
            let mut file = std::fs::OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(fail)?;
            // Only a torn last line (a kill mid-append) is cut off; the
            // points before it stay on disk throughout.
            file.set_len(whole).map_err(fail)?;
            file.seek(std::io::SeekFrom::End(0)).map_err(fail)?;
            (recorded, file, whole)
        } else {
            let file = std::fs::File::create(path).map_err(fail)?;
            (BTreeMap::new(), file, 0)
        };
        if kept == 0 {
            let text = serde_json::to_string(&header).expect("headers serialize") + "\n";
            file.write_all(text.as_bytes()).map_err(fail)?;
        }
        file.sync_all().map_err(fail)?;
        Ok(Checkpoint {
            path: path.to_path_buf(),
            recorded,
            file: Mutex::new(file),
        })
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many points it held when opened.
    pub fn len(&self) -> usize {
        self.recorded.len()
    }

    /// True if it held no point when opened.
    pub fn is_empty(&self) -> bool {
        self.recorded.is_empty()
    }

    /// The recorded measurements of the point with these axis values.
    pub fn get(&self, values: &[Value]) -> Option<&Measured> {
        self.recorded.get(&key(values))
    }

    /// Appends a finished point (measured, or why it could not finish) and
    /// syncs it to disk. A failure to write loses only the ability to resume
    /// this point, so it is reported, not fatal.
    pub fn record(&self, values: &[Value], measured: &Measured) -> Result<(), String> {
        let text = line(&key(values), measured);
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(text.as_bytes())
            .and_then(|_| file.sync_data())
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }

    /// Holds the file's lock: while it is held no point is half-appended,
    /// so the process can exit.
    pub fn hold(&self) -> std::sync::MutexGuard<'_, std::fs::File> {
        self.file.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Deletes the file (once the outputs it fed are written).
    pub fn remove(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn line(key: &str, m: &Measured) -> String {
    let l = match &m.unfinished {
        None => Line {
            key: key.to_string(),
            failed: None,
            metrics: exact(&m.metrics),
            ci95: exact(&m.ci95),
        },
        Some(why) => Line {
            key: key.to_string(),
            failed: Some(why.clone()),
            metrics: BTreeMap::new(),
            ci95: BTreeMap::new(),
        },
    };
    serde_json::to_string(&l).expect("lines serialize") + "\n"
}

/// Reads the points of the checkpoint at `path`, which must match `want`,
/// and the length of its whole lines (all but a torn last one).
fn read(path: &Path, want: &Header) -> Result<(BTreeMap<String, Measured>, u64), String> {
    let name = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    let mut reader = std::io::BufReader::new(file);
    let mut lines = Vec::new();
    let mut whole = 0u64;
    loop {
        let mut buf = Vec::new();
        let n = std::io::Read::take(&mut reader, MAX_LINE_BYTES as u64 + 1)
            .read_until(b'\n', &mut buf)
            .map_err(|e| format!("cannot read {name}: {e}"))?;
        if n == 0 {
            break;
        }
        if buf.len() > MAX_LINE_BYTES {
            return Err(format!(
                "{name}: line {} is longer than {MAX_LINE_BYTES} bytes: not a capsim checkpoint",
                lines.len() + 1
            ));
        }
        // A line without its newline is the torn end of a killed write.
        if buf.last() == Some(&b'\n') {
            whole += buf.len() as u64;
            lines.push(buf);
        }
    }
    let Some(first) = lines.first() else {
        return Ok((BTreeMap::new(), 0));
    };
    let header: Header = serde_json::from_slice(first)
        .map_err(|e| format!("{name}: not a capsim checkpoint: {e}"))?;
    if header.format != FORMAT {
        return Err(format!("{name}: not a capsim checkpoint"));
    }
    let start_over = "run without --resume to start over";
    if header.capsim_version != want.capsim_version {
        return Err(format!(
            "{name} was written by capsim {}, this is {}; {start_over}",
            header.capsim_version, want.capsim_version
        ));
    }
    if header.scenario_hash != want.scenario_hash || header.shard != want.shard {
        let shard =
            |s: &Option<String>| s.as_ref().map_or(String::new(), |s| format!(", shard {s}"));
        return Err(format!(
            "{name} belongs to another sweep (scenario hash {}{}; this sweep is {}{}): the \
             scenario, --set, --axis or --shard changed; {start_over}",
            header.scenario_hash,
            shard(&header.shard),
            want.scenario_hash,
            shard(&want.shard)
        ));
    }
    let mut out = BTreeMap::new();
    for (i, l) in lines.iter().enumerate().skip(1) {
        let what = format!("{name}: line {}", i + 1);
        let l: Line = serde_json::from_slice(l).map_err(|e| format!("{what}: {e}"))?;
        let measured = match l.failed {
            Some(why) => unfinished(why),
            None => Measured {
                metrics: read_back(&l.metrics, &what)?,
                ci95: read_back(&l.ci95, &what)?,
                unfinished: None,
            },
        };
        out.insert(l.key, measured);
    }
    Ok((out, whole))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::plan::Input;

    fn plan() -> Plan {
        let text = "[simulation]\nduration = \"1s\"\nwarmup = \"0s\"\n[workload]\nrate = 1000\n\
                    [sweep]\n\"pool.max_total\" = [1, 2]\n";
        Plan::new(Input::from_text("t", text)).unwrap()
    }

    /// A resume keeps the bytes of every whole line, cuts a torn last one
    /// and appends after it; the reason of a point that could not finish
    /// comes back with it.
    #[test]
    fn a_resume_appends_after_the_whole_lines() {
        let dir = std::env::temp_dir().join(format!("capsim-checkpoint-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("checkpoint.jsonl");
        let plan = plan();
        let (one, two) = ([Value::Integer(1)], [Value::Integer(2)]);
        let c = Checkpoint::open(&path, &plan, None, false).unwrap();
        c.record(&one, &unfinished("too slow".into())).unwrap();
        drop(c);
        let whole = std::fs::read(&path).unwrap();
        let mut torn = whole.clone();
        torn.extend_from_slice(b"{\"key\": \"2\", \"met");
        std::fs::write(&path, &torn).unwrap();
        let c = Checkpoint::open(&path, &plan, None, true).unwrap();
        assert_eq!(c.len(), 1);
        assert_eq!(c.get(&one).unwrap().unfinished.as_deref(), Some("too slow"));
        assert!(c.get(&two).is_none());
        assert_eq!(std::fs::read(&path).unwrap(), whole);
        c.record(&two, &unfinished("also".into())).unwrap();
        let after = std::fs::read(&path).unwrap();
        assert!(after.starts_with(&whole) && after.len() > whole.len());
        drop(c);
        let c = Checkpoint::open(&path, &plan, None, true).unwrap();
        assert_eq!(c.len(), 2);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
