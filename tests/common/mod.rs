//! Helpers shared by the integration tests of the `capsim` binary: where the
//! repository is, how to start the binary, scratch folders, and the checks
//! every bad-input test makes (exit status 2, one line, no panic).
//!
//! Each test file includes it with `mod common;`; a file uses only some of
//! these helpers, hence the `dead_code` allowance.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root (the `capsim` package's manifest folder).
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `capsim` binary built for these tests, run from the repository root.
pub fn capsim() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_capsim"));
    cmd.current_dir(root());
    cmd
}

/// A fresh, empty folder for one test's outputs, under Cargo's per-target
/// temporary folder and the test file's name. `name` must be unique within
/// the test file.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(env!("CARGO_CRATE_NAME"))
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `capsim args` and returns its output after checking that it succeeded.
pub fn run_ok(args: &[&str]) -> Output {
    let out = capsim().args(args).output().expect("capsim runs");
    assert!(
        out.status.success(),
        "capsim {args:?} failed: {}",
        stderr(&out)
    );
    out
}

/// Standard output as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Standard error as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Runs capsim with `args` and returns its stderr after checking that it
/// failed with status 2, printed exactly one line there and nothing on
/// stdout, and did not panic.
pub fn bad_input(args: &[&str]) -> String {
    let out = capsim().args(args).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "args {args:?}: stderr {err}");
    assert!(out.stdout.is_empty(), "args {args:?} printed to stdout");
    assert_eq!(err.lines().count(), 1, "not one line: {err}");
    assert!(!err.contains("panicked"), "{err}");
    err
}

/// Every `.toml` file under `dir`, recursively, sorted.
pub fn toml_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "toml") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// The shipped scenarios: `scenarios/**/*.toml`, sorted.
pub fn shipped_scenarios() -> Vec<PathBuf> {
    toml_files(&root().join("scenarios"))
}

/// The top-level keys of the document `capsim run --format json` prints,
/// in the order written (sorted); a run without `--report` has no report
/// field.
pub const RUN_JSON_KEYS: [&str; 8] = [
    "capsim_version",
    "ci95",
    "metrics",
    "replications",
    "scenario",
    "scenario_hash",
    "schema_version",
    "seed",
];

/// Runs `capsim args` and returns its output, whatever its status.
pub fn output(args: &[&str]) -> Output {
    capsim().args(args).output().expect("capsim runs")
}
pub mod redis_server;
