//! A watcher process that removes an output set's staging folder if capsim
//! dies while installing it.
//!
//! Installing an output set ([`crate::output`]) creates a staging folder
//! beside the output folder and swaps it in; if capsim is killed (SIGKILL,
//! the OOM killer, a second Ctrl-C) during those few system calls, the
//! staging folder would stay behind. So before creating it, capsim starts a
//! copy of itself as a janitor, holding the only write end of a pipe to the
//! janitor's standard input. When the install is done capsim writes `done`
//! and closes the pipe, and the janitor exits without touching anything. If
//! capsim dies first, the kernel closes the pipe, the janitor reads the end
//! of the file without `done`, and it removes the staging folder (and, where
//! the swap is two renames, finishes it); this takes a few milliseconds.
//!
//! The janitor ignores SIGINT, SIGTERM and SIGHUP, so a Ctrl-C sent to the
//! terminal's whole process group cannot take it down with capsim. It cannot
//! outlive a kill of the whole group or cgroup by SIGKILL (`kill -9 -PGID`,
//! a container's end): the next command writing the same output folder then
//! removes the staging folder, as it always does.

use std::ffi::OsString;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};

/// The environment variable that makes a capsim process a janitor: the
/// staging folder, the output folder and the aside folder, one per line (an
/// install whose paths hold a newline gets no janitor).
const ENV: &str = "CAPSIM_JANITOR";

/// What capsim writes when the install finished.
const DONE: &[u8] = b"done";

/// A running janitor watching one install.
pub struct Janitor {
    child: Child,
    stdin: Option<ChildStdin>,
}

impl Janitor {
    /// Starts a janitor for an install into `out` through `staging` (and,
    /// where folders cannot be exchanged, `aside`). `None` if it cannot be
    /// started: the install goes on without one.
    pub fn watch(staging: &Path, out: &Path, aside: &Path) -> Option<Janitor> {
        let cwd = std::env::current_dir().ok()?;
        let paths: Vec<PathBuf> = [staging, out, aside].iter().map(|p| cwd.join(p)).collect();
        let text: Vec<String> = paths
            .iter()
            .map(|p| p.to_str().map(str::to_owned))
            .collect::<Option<_>>()?;
        if text.iter().any(|t| t.contains('\n')) {
            return None;
        }
        let mut child = Command::new(std::env::current_exe().ok()?)
            .env(ENV, text.join("\n"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let stdin = child.stdin.take();
        Some(Janitor { child, stdin })
    }

    /// The install finished: the janitor exits without touching anything.
    pub fn done(mut self) {
        if let Some(mut stdin) = self.stdin.take() {
            let _ = stdin.write_all(DONE);
        }
        let _ = self.child.wait();
    }
}

/// If this process was started as a janitor, does its job and returns the
/// exit status; otherwise `None`. Called first thing in `main`.
pub fn run_if_asked() -> Option<std::process::ExitCode> {
    let spec: OsString = std::env::var_os(ENV)?;
    ignore_signals();
    let spec = spec.to_string_lossy().into_owned();
    let mut paths = spec.split('\n').map(PathBuf::from);
    let (Some(staging), Some(out), Some(aside)) = (paths.next(), paths.next(), paths.next()) else {
        return Some(std::process::ExitCode::from(2));
    };
    let mut said = Vec::new();
    // Blocks until capsim writes `done` and closes the pipe, or dies.
    let _ = std::io::stdin()
        .take(DONE.len() as u64 + 1)
        .read_to_end(&mut said);
    if said != DONE {
        clean_up(&staging, &out, &aside);
    }
    Some(std::process::ExitCode::SUCCESS)
}

/// After capsim died installing: if the new set was complete but not yet
/// in place (the output folder moved aside, not yet replaced), put it in
/// place; then remove the staging folder and the aside folder.
fn clean_up(staging: &Path, out: &Path, aside: &Path) {
    if !out.exists() && aside.exists() && staging.exists() {
        let _ = std::fs::rename(staging, out);
    }
    let _ = std::fs::remove_dir_all(staging);
    if out.exists() {
        let _ = std::fs::remove_dir_all(aside);
    }
}

fn ignore_signals() {
    #[cfg(unix)]
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: signal(2) with SIG_IGN installs no handler code; it only
        // changes this process's disposition of `sig`.
        unsafe { libc::signal(sig, libc::SIG_IGN) };
    }
}
