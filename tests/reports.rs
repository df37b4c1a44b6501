//! Reports through the binary: `capsim run --report DIR` writes run.json,
//! charts and a page; `capsim report DIR` renders the same bytes again
//! without simulating; a folder without results is bad input (status 2).

use std::path::PathBuf;
use std::process::Output;

mod common;

use common::{capsim, run_ok, scratch, RUN_JSON_KEYS};

const SCENARIO: &str = r#"# A short run with a step up in traffic, for the report test.

[simulation]
duration = "4s"
warmup = "500ms"
seed = 11
replications = 2

[workload]
rate = 3000
profile = [{ at = "2s", scale = 2.0, ramp = "0s" }]

[pool]
max_total = 6
acquire_timeout = "5ms"

[network]
rtt = { dist = "exponential", mean = "1ms" }

[slo]
"pool.timeout_ratio" = "< 0.001"
"#;

/// Writes [`SCENARIO`] into the scratch folder `name` and runs
/// `capsim run step.toml ARGS... --report report` on it (checked to
/// succeed): the report folder, and the run's output.
fn run_with_report(name: &str, args: &[&str]) -> (PathBuf, Output) {
    let dir = scratch(name);
    let file = dir.join("step.toml");
    std::fs::write(&file, SCENARIO).unwrap();
    let out_dir = dir.join("report");
    let mut all = vec!["run", file.to_str().unwrap()];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--report", out_dir.to_str().unwrap()]);
    let out = run_ok(&all);
    (out_dir, out)
}

#[test]
fn run_report_then_rerender_gives_the_same_bytes() {
    let (out_dir, _) = run_with_report("run", &[]);
    for f in [
        "run.json",
        "scenario.toml",
        "index.html",
        "traffic.svg",
        "connections.svg",
        "failures.svg",
    ] {
        assert!(out_dir.join(f).is_file(), "missing {f}");
    }
    let html = std::fs::read_to_string(out_dir.join("index.html")).unwrap();
    assert!(
        html.contains("--report"),
        "the page names the exact command"
    );
    assert!(
        html.contains("pool.timeout_ratio &lt; 0.001"),
        "the page checks the SLO"
    );
    let before: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.clone(), std::fs::read(&p).unwrap()))
        .collect();
    let out = capsim().arg("report").arg(&out_dir).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout)
        .trim_end()
        .ends_with("index.html"));
    for (p, bytes) in before {
        assert_eq!(
            std::fs::read(&p).unwrap(),
            bytes,
            "{} changed on re-render",
            p.display()
        );
    }
}

#[test]
fn report_of_an_empty_folder_is_bad_input() {
    let dir = scratch("empty");
    let out = capsim().arg("report").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("holds no results.json"), "{err}");
}

/// One layout per run: `capsim run --format json` prints the document that
/// `--report` saves as `run.json`, less the report's fields (the command,
/// story, settings, capacities, objectives, time series, spike and marks).
#[test]
fn run_json_is_the_printed_document_with_the_report_fields() {
    let (out_dir, out) = run_with_report("one-layout", &["--format", "json"]);
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let saved = std::fs::read(out_dir.join("run.json")).unwrap();
    let mut saved: serde_json::Value = serde_json::from_slice(&saved).unwrap();
    let report_fields = [
        "command",
        "story",
        "settings",
        "pool_capacity",
        "slo",
        "series",
        "spike_secs",
    ];
    let fields = saved.as_object_mut().unwrap();
    for k in report_fields {
        assert!(fields.remove(k).is_some(), "run.json has no {k}");
    }
    // No faults: nothing to mark, so no `marks`.
    assert!(!fields.contains_key("marks"));
    assert_eq!(saved, printed);
    let keys: Vec<&String> = printed.as_object().unwrap().keys().collect();
    assert_eq!(keys, RUN_JSON_KEYS);
}
