//! Output folders written as one set: a command's files appear together or
//! not at all, and a previous good set is never mixed with a new one.
//!
//! Each file of a set is written and synced as an unnamed file (see
//! [`crate::unnamed`]) beside the output folder, on the same file system, so
//! a process killed while writing leaves nothing behind. Once every file is
//! written, [`Staged::install`] creates the staging folder
//! `.NAME.capsim-staging`, links the files into it, carries over the old
//! folder's files that are not part of an output set (shard files, other
//! shards' checkpoints, a user's notes) as hard links, and exchanges the two
//! folders in one step (`renameat2(RENAME_EXCHANGE)` on Linux; elsewhere the
//! old folder is renamed aside first, leaving a moment with no folder, never
//! a mixed one); the old folder, now at the staging path, is then removed.
//!
//! A kill during those few system calls (from the staging folder's creation
//! to the old folder's removal, about a millisecond on ext4; the old files
//! are held open so that removing them only removes their names) would leave
//! the staging folder beside the output folder, so a janitor process
//! ([`crate::janitor`]) started just before watches the install and removes
//! it within milliseconds if capsim dies. Where even the janitor dies (a
//! SIGKILL of the whole process group), the staging folder is never read,
//! and the next command writing the same output folder removes it. Where
//! unnamed files are not supported, the files are held in memory and written
//! into the staging folder at install, which widens that moment to the time
//! it takes to write them.

use crate::janitor::Janitor;
use crate::unnamed::Unnamed;
use crate::Failure;
use anyhow::{anyhow, Context};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Names of the files that make up an output set, besides `*.svg` charts:
/// an old folder's files of these names are replaced, never carried over.
const SET_FILES: &[&str] = &[
    "results.csv",
    "results.json",
    "thresholds.csv",
    "scenario.toml",
    "run.json",
    "index.html",
    "checkpoint.jsonl",
    "unfinished.csv",
];

/// An output folder, checked and ready to receive a set of files.
pub struct OutputSet {
    out: PathBuf,
    staging: PathBuf,
}

impl OutputSet {
    /// Checks before anything is simulated that `out` (given as `flag`) can
    /// hold the outputs:
    /// it is a folder or does not exist yet (it is then created), it and its
    /// parent are writable, and it is not `.`, `/` or a parent of the current
    /// folder. Removes a staging folder left by a killed run.
    pub fn prepare(flag: &str, out: &Path) -> Result<OutputSet, Failure> {
        let shown = format!("{flag} {}", out.display());
        if out.is_file() {
            return Err(input(format!(
                "{shown} is a file; name a folder (it is created if missing)"
            )));
        }
        let name = out
            .file_name()
            .filter(|n| !n.is_empty() && *n != "." && *n != "..")
            .ok_or_else(|| {
                input(format!(
                    "{shown} must name a folder of its own, e.g. out/run1"
                ))
            })?;
        let parent = out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::create_dir_all(parent)
            .map_err(|e| input(format!("{shown}: cannot create {}: {e}", parent.display())))?;
        std::fs::create_dir_all(out)
            .map_err(|e| input(format!("{shown}: cannot create the folder: {e}")))?;
        let cwd = std::env::current_dir().ok();
        let canonical = out.canonicalize().ok();
        if let (Some(cwd), Some(c)) = (&cwd, &canonical) {
            if cwd.starts_with(c) {
                return Err(input(format!(
                    "{shown} holds the current folder; name a folder of its own"
                )));
            }
        }
        let staging = parent.join(format!(".{}.capsim-staging", name.to_string_lossy()));
        let set = OutputSet {
            out: out.to_path_buf(),
            staging,
        };
        set.clean()?;
        // Probe both places files are created: the folder (checkpoints and
        // shard files) and its parent (the staging folder).
        let probe = |dir: &Path| -> Result<(), Failure> {
            probe_writable(dir)
                .map_err(|e| input(format!("{shown}: cannot write in {}: {e}", dir.display())))
        };
        probe(out)?;
        probe(parent)?;
        Ok(set)
    }

    /// The output folder.
    pub fn path(&self) -> &Path {
        &self.out
    }

    /// Removes a staging folder left behind by a killed run.
    fn clean(&self) -> Result<(), Failure> {
        if self.staging.exists() {
            std::fs::remove_dir_all(&self.staging).map_err(|e| {
                input(format!(
                    "cannot remove {} (left by a stopped run): {e}",
                    self.staging.display()
                ))
            })?;
        }
        Ok(())
    }

    /// An empty set of files to write, installed by [`Staged::install`].
    pub fn stage(&self) -> Staged<'_> {
        Staged {
            set: self,
            files: Vec::new(),
        }
    }

    /// The folder the staging folder goes in: the output folder's parent.
    fn parent(&self) -> &Path {
        self.out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
    }
}

/// The files of an output set, written (unnamed, synced) as they are added.
pub struct Staged<'a> {
    set: &'a OutputSet,
    files: Vec<(String, Body)>,
}

/// A file of a set before it is installed.
enum Body {
    /// Written and synced, without a name.
    Unnamed(Unnamed),
    /// Where unnamed files are not supported: written at install.
    Bytes(Vec<u8>),
}

impl Staged<'_> {
    /// Writes the file `name` of the set (unnamed until installed).
    pub fn add(&mut self, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let body = match Unnamed::create_in(self.set.parent(), bytes)
            .with_context(|| format!("cannot write {}", self.set.out.join(name).display()))?
        {
            Some(file) => Body::Unnamed(file),
            None => Body::Bytes(bytes.to_vec()),
        };
        self.files.push((name.to_string(), body));
        Ok(())
    }

    /// Writes each of `files` (name, contents).
    pub fn add_all(&mut self, files: reports::Files) -> anyhow::Result<()> {
        for (name, text) in files {
            self.add(&name, text.as_bytes())?;
        }
        Ok(())
    }

    /// Names the files in a fresh staging folder and swaps it in as the
    /// output folder, carrying over the old folder's files that are not part
    /// of an output set.
    pub fn install(self) -> anyhow::Result<()> {
        let (out, staging) = (&self.set.out, &self.set.staging);
        // Open now, the old set's files are only unnamed when the old folder
        // is removed below, and freed at `drop(held)`: removing their names
        // takes a tenth of the time of freeing them, and only the removal
        // leaves something behind if the process is killed meanwhile.
        let held = hold_files(out);
        let aside = staging.with_extension("old");
        // Removes the staging folder if this process dies before the end.
        let janitor = Janitor::watch(staging, out, &aside);
        let _ = std::fs::remove_dir_all(staging);
        std::fs::create_dir(staging)
            .with_context(|| format!("cannot create {}", staging.display()))?;
        failpoint("created");
        for (name, body) in &self.files {
            let path = staging.join(name);
            let linked = match body {
                Body::Unnamed(file) => file.link(&path).is_ok(),
                Body::Bytes(_) => false,
            };
            if !linked {
                write_named(&path, body)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
        }
        carry_over(out, staging)?;
        std::fs::File::open(staging)?.sync_all()?;
        failpoint("staged");
        if exchange(staging, out).is_err() {
            // No atomic exchange here: move the old folder aside, then the
            // new one in.
            let _ = std::fs::remove_dir_all(&aside);
            if out.exists() {
                std::fs::rename(out, &aside)
                    .with_context(|| format!("cannot replace {}", out.display()))?;
            }
            std::fs::rename(staging, out)
                .with_context(|| format!("cannot write {}", out.display()))?;
            let _ = std::fs::remove_dir_all(&aside);
        } else {
            failpoint("exchanged");
            // The staging path now holds the old folder.
            std::fs::remove_dir_all(staging)
                .with_context(|| format!("cannot remove {}", staging.display()))?;
        }
        drop(held);
        let _ = std::fs::File::open(self.set.parent()).and_then(|d| d.sync_all());
        if let Some(janitor) = janitor {
            janitor.done();
        }
        Ok(())
    }
}

/// A test hook: with `CAPSIM_FAILPOINT=install:STEP` in the environment,
/// the process kills itself with SIGKILL at that step of the install
/// (`created`, `staged`, `exchanged`), so tests can show what such a kill
/// leaves without hoping a random kill lands in a window of a millisecond.
fn failpoint(step: &str) {
    #[cfg(unix)]
    if std::env::var("CAPSIM_FAILPOINT").is_ok_and(|v| v.strip_prefix("install:") == Some(step)) {
        // SAFETY: kill(2) on this process's own id; it does not return.
        unsafe { libc::kill(libc::getpid(), libc::SIGKILL) };
    }
}

/// The regular files directly in `dir`, opened (at most 1000, to stay far
/// from the limit on open files).
fn hold_files(dir: &Path) -> Vec<std::fs::File> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .take(1000)
        .filter_map(|e| std::fs::File::open(e.path()).ok())
        .collect()
}

/// Writes a file of the set under its name, synced: its bytes, or a copy of
/// an unnamed file that could not be linked.
fn write_named(path: &Path, body: &Body) -> std::io::Result<()> {
    let mut f = std::fs::File::create(path)?;
    match body {
        Body::Bytes(bytes) => f.write_all(bytes)?,
        Body::Unnamed(file) => file.copy_to(&mut f)?,
    }
    f.sync_all()
}

/// Checks that a file can be created in `dir`. On Linux the probe is an
/// unnamed file (`O_TMPFILE`), so a kill at any moment leaves nothing behind;
/// where the file system lacks it, a named file is created and removed.
fn probe_writable(dir: &Path) -> std::io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::fs::OpenOptionsExt;
        match std::fs::OpenOptions::new()
            .write(true)
            .custom_flags(libc::O_TMPFILE)
            .open(dir)
        {
            Ok(_) => return Ok(()),
            Err(e) if matches!(e.raw_os_error(), Some(libc::EOPNOTSUPP | libc::EISDIR)) => {}
            Err(e) => return Err(e),
        }
    }
    let p = dir.join(format!(".capsim-probe-{}", std::process::id()));
    std::fs::write(&p, b"").and_then(|_| std::fs::remove_file(&p))
}

/// True if `name` is a file of an output set (replaced, not carried over).
fn in_set(name: &str) -> bool {
    SET_FILES.contains(&name) || name.ends_with(".svg") || name.starts_with(".capsim-probe-")
}

/// Hard-links (or copies) the files of `old` that are not in an output set
/// and not already in `new`, folders included.
fn carry_over(old: &Path, new: &Path) -> anyhow::Result<()> {
    let Ok(entries) = std::fs::read_dir(old) else {
        return Ok(());
    };
    for e in entries {
        let e = e.with_context(|| format!("cannot read {}", old.display()))?;
        let name = e.file_name();
        let target = new.join(&name);
        if in_set(&name.to_string_lossy()) || target.exists() {
            continue;
        }
        copy_tree(&e.path(), &target)?;
    }
    Ok(())
}

fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    let meta = std::fs::symlink_metadata(from)?;
    if meta.is_dir() {
        std::fs::create_dir(to)?;
        for e in std::fs::read_dir(from)? {
            let e = e?;
            copy_tree(&e.path(), &to.join(e.file_name()))?;
        }
    } else if meta.is_file() && std::fs::hard_link(from, to).is_err() {
        std::fs::copy(from, to)
            .and_then(|_| std::fs::File::open(to)?.sync_all())
            .with_context(|| format!("cannot copy {}", from.display()))?;
    }
    Ok(())
}

/// Exchanges two paths in one step.
#[cfg(target_os = "linux")]
fn exchange(a: &Path, b: &Path) -> std::io::Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let (a, b) = (a.as_os_str().as_bytes(), b.as_os_str().as_bytes());
    crate::unnamed::paths_call(a, b, |a, b| {
        // SAFETY: both paths are valid NUL-terminated strings that outlive
        // the call; renameat2 reads them and touches no other memory.
        unsafe { libc::renameat2(libc::AT_FDCWD, a, libc::AT_FDCWD, b, libc::RENAME_EXCHANGE) }
    })
}

#[cfg(not(target_os = "linux"))]
fn exchange(_: &Path, _: &Path) -> std::io::Result<()> {
    Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
}

fn input(msg: String) -> Failure {
    Failure::Input(anyhow!(msg))
}

/// The command line as typed, with the program called `capsim`, quoted for
/// a POSIX shell.
pub fn command_line() -> String {
    let quote = |a: String| {
        if !a.is_empty()
            && a.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./=:,+@%".contains(c))
        {
            a
        } else {
            format!("'{}'", a.replace('\'', r"'\''"))
        }
    };
    std::iter::once("capsim".to_string())
        .chain(std::env::args().skip(1).map(quote))
        .collect::<Vec<_>>()
        .join(" ")
}
