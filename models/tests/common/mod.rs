//! Helpers shared by the integration tests of `models`: the quiet one-pod
//! scenario of the lifecycle tests, scratch folders and replayed captures,
//! and sweeps built from a text and run whole.
//!
//! Each test file includes it with `mod common;`; a file uses only some of
//! these helpers, hence the `dead_code` allowance.
#![allow(dead_code)]

use models::engine::{self, RunReport};
use models::scenario::{parse, Scenario};
use models::sweep::plan::{Input, Plan};
use models::sweep::results::{results_csv, Row};
use models::sweep::run::Control;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

/// A fresh, empty folder for one test's files, under Cargo's per-target
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

/// Writes the capture `lines` (one arrival a line) as `capture.txt` in
/// `dir`, and the scenario `toml` that replays it as `s.toml`: the
/// scenario's path.
pub fn write_replay(dir: &Path, lines: &[String], toml: &str) -> PathBuf {
    std::fs::write(dir.join("capture.txt"), lines.join("\n") + "\n").unwrap();
    let path = dir.join("s.toml");
    std::fs::write(&path, toml).unwrap();
    path
}

/// One pod, one connection, 1 ms constant round trips, 20 requests/s for 5 s,
/// silence until 405 s, then 20 requests/s again until 410 s.
pub fn gap_scenario() -> Scenario {
    parse(
        r#"
[simulation]
duration = "420s"
warmup = "0s"
[workload]
rate = 20
profile = [
  { at = "5s", scale = 0.0 },
  { at = "405s", scale = 1.0 },
  { at = "410s", scale = 0.0 },
]
[pool]
max_total = 1
[network]
rtt = "1ms"
[l1]
lookup_time = "0us"
"#,
        "gap.toml",
        "gap",
        &[],
    )
    .expect("valid scenario")
}

/// The run of `sc`.
pub fn run(sc: &Scenario) -> RunReport {
    engine::run(sc).expect("runs")
}

/// The metric `k` of `r`.
pub fn m(r: &RunReport, k: &str) -> f64 {
    r.metrics[k]
}

/// The sweep of the scenario text `text` (file `t.toml`), or its error in
/// words.
pub fn plan(text: &str) -> Result<Plan, String> {
    Plan::new(Input::from_text("t", text)).map_err(|e| e.to_string())
}

/// Runs the points `indices` of `p` (no stop, no progress): their rows, and
/// the header line of their CSV.
pub fn run_points(p: &Plan, indices: &[usize]) -> (Vec<Row>, String) {
    let stop = AtomicBool::new(false);
    let rows = models::sweep::run::run_points(p, indices, &Control::new(&stop, &|_| {}))
        .expect("the points run");
    let csv = results_csv(p, &rows);
    let header = csv.lines().next().unwrap().to_string();
    (rows, header)
}
