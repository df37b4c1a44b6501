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
//! mid-append leaves at most one torn last line, which reading ignores.
//!
//! Resuming reuses every recorded point: the rows and every output built from
//! them are the same bytes as an uninterrupted sweep's. A checkpoint written
//! for another plan or by another capsim version is refused.

use super::axis::inline;
use super::plan::Plan;
use super::results::Measured;
use crate::metrics::{all_names, with_names, Metrics, NAMES};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use toml::Value;

/// The `format` field of a checkpoint's first line.
pub const FORMAT: &str = "capsim-sweep-checkpoint";
/// Longest line read from a checkpoint, in bytes (a point's line is about
/// 4 KB); a longer one is refused rather than buffered.
pub const MAX_LINE_BYTES: usize = 1 << 20;

/// What a recorded point holds: its measurements, or why it did not finish.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Every replication finished.
    Measured(Measured),
    /// The simulation could not finish (runaway overload, clock limit).
    Failed(String),
}

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
    recorded: BTreeMap<String, Outcome>,
    /// Points that could not finish, found or recorded: (key, why).
    unfinished: Mutex<BTreeMap<String, String>>,
    file: Mutex<std::fs::File>,
}

impl Checkpoint {
    /// Opens the checkpoint at `path` for `plan` (and `shard`, e.g. `2/8`).
    /// With `resume`, the points already recorded there are kept (a
    /// checkpoint of another plan or capsim version is an error); without,
    /// or when there is no file, it starts empty.
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
        let recorded = if resume && path.exists() {
            read(path, &header)?
        } else {
            BTreeMap::new()
        };
        // Rewrite the file with the header and the points kept: a torn last
        // line from a kill goes away.
        let mut text = serde_json::to_string(&header).expect("headers serialize") + "\n";
        for (k, o) in &recorded {
            text += &line(k, o);
        }
        let fail = |e: std::io::Error| format!("cannot write {}: {e}", path.display());
        let mut file = std::fs::File::create(path).map_err(fail)?;
        file.write_all(text.as_bytes()).map_err(fail)?;
        file.sync_all().map_err(fail)?;
        let unfinished = recorded
            .iter()
            .filter_map(|(k, o)| match o {
                Outcome::Failed(why) => Some((k.clone(), why.clone())),
                Outcome::Measured(_) => None,
            })
            .collect();
        Ok(Checkpoint {
            path: path.to_path_buf(),
            recorded,
            unfinished: Mutex::new(unfinished),
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

    /// The recorded outcome of the point with these axis values.
    pub fn get(&self, values: &[Value]) -> Option<&Outcome> {
        self.recorded.get(&key(values))
    }

    /// Appends a finished point and syncs it to disk. A failure to write
    /// loses only the ability to resume this point, so it is reported, not
    /// fatal.
    pub fn record(&self, values: &[Value], outcome: &Outcome) -> Result<(), String> {
        let key = key(values);
        if let Outcome::Failed(why) = outcome {
            let mut u = self.unfinished.lock().unwrap_or_else(|e| e.into_inner());
            u.insert(key.clone(), why.clone());
        }
        let text = line(&key, outcome);
        let mut file = self.file.lock().unwrap_or_else(|e| e.into_inner());
        file.write_all(text.as_bytes())
            .and_then(|_| file.sync_data())
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }

    /// The points that could not finish, recorded before or during this
    /// run, in key order: (key, why).
    pub fn unfinished(&self) -> Vec<(String, String)> {
        let u = self.unfinished.lock().unwrap_or_else(|e| e.into_inner());
        u.iter().map(|(k, w)| (k.clone(), w.clone())).collect()
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

fn line(key: &str, o: &Outcome) -> String {
    let l = match o {
        Outcome::Measured(m) => Line {
            key: key.to_string(),
            failed: None,
            metrics: exact(&m.metrics),
            ci95: exact(&m.ci95),
        },
        Outcome::Failed(why) => Line {
            key: key.to_string(),
            failed: Some(why.clone()),
            metrics: BTreeMap::new(),
            ci95: BTreeMap::new(),
        },
    };
    serde_json::to_string(&l).expect("lines serialize") + "\n"
}

/// Reads the points of the checkpoint at `path`, which must match `want`.
fn read(path: &Path, want: &Header) -> Result<BTreeMap<String, Outcome>, String> {
    let name = path.display();
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    let mut reader = std::io::BufReader::new(file);
    let mut lines = Vec::new();
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
            lines.push(buf);
        }
    }
    let Some(first) = lines.first() else {
        return Ok(BTreeMap::new());
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
        let outcome = match l.failed {
            Some(why) => Outcome::Failed(why),
            None => Outcome::Measured(Measured {
                metrics: read_back(&l.metrics, &what)?,
                ci95: read_back(&l.ci95, &what)?,
            }),
        };
        out.insert(l.key, outcome);
    }
    Ok(out)
}
