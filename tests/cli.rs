//! End-to-end tests of the `capsim` binary: determinism across thread counts,
//! the JSON layout, and errors for bad input.

use std::path::PathBuf;
use std::process::Output;

mod common;

use common::{bad_input, capsim, root, run_ok, scratch, stdout, RUN_JSON_KEYS};

/// A small scenario file with every stable scenario key,
/// written once per test process (tests run in parallel).
fn design_example() -> PathBuf {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(write_design_example).clone()
}

fn write_design_example() -> PathBuf {
    let dir = root().join("target").join("test-scenarios");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("cli-example-{}.toml", std::process::id()));
    std::fs::write(
        &path,
        r#"
[simulation]
duration = "5s"
warmup = "1s"
seed = 7
replications = 4

[workload]
rate = 9000
reads_per_request = 1

[pods]
count = 2

[pool]
max_total = 6
when_exhausted = "block"
acquire_timeout = "5ms"
order = "lifo"

[network]
rtt = { dist = "exponential", mean = "1ms" }

[redis]
shards = 2
service_time = { dist = "exponential", mean = "20us" }
hit_ratio = 0.9

[l1]
hit_ratio = 0.5
"#,
    )
    .unwrap();
    path
}

fn run_json(threads: &str) -> Output {
    capsim()
        .env("RAYON_NUM_THREADS", threads)
        .args(["run", "--format", "json"])
        .arg(design_example())
        .output()
        .unwrap()
}

#[test]
fn a_reshard_is_byte_identical_across_thread_counts() {
    let run = |threads: &str| {
        capsim()
            .env("RAYON_NUM_THREADS", threads)
            .args([
                "run",
                "--format",
                "json",
                "--set",
                "simulation.duration=10s",
            ])
            .arg(root().join("scenarios/book/cluster-reshard.toml"))
            .output()
            .unwrap()
    };
    let (one, two) = (run("1"), run("2"));
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    let text = String::from_utf8(one.stdout).unwrap();
    assert!(text.contains("redis.redirects.ask"));
    assert!(
        text == String::from_utf8(two.stdout).unwrap(),
        "1 vs 2 threads differ"
    );
}

#[test]
fn json_is_byte_identical_across_runs_and_thread_counts() {
    let one = run_json("1");
    let two = run_json("2");
    let again = run_json("2");
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    let text = |o: &Output| String::from_utf8(o.stdout.clone()).unwrap();
    assert!(text(&one).contains("\"metrics\""));
    assert!(text(&one) == text(&two), "1 vs 2 threads differ");
    assert!(text(&two) == text(&again), "two runs differ");
}

#[test]
fn json_layout_has_every_stable_metric() {
    let out = run_json("2");
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let keys: Vec<&str> = doc
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, RUN_JSON_KEYS);
    assert_eq!(doc["seed"], 7);
    assert!(doc["scenario"].as_str().unwrap().starts_with("cli-example"));
    assert_eq!(doc["replications"], 4);
    assert_eq!(doc["capsim_version"], env!("CARGO_PKG_VERSION"));
    for section in ["metrics", "ci95"] {
        let names: Vec<&str> = doc[section]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut want: Vec<&str> = models::metrics::NAMES.to_vec();
        want.sort_unstable();
        assert_eq!(names, want, "{section}");
    }
    // Counters add up in the combined output too.
    let m = &doc["metrics"];
    let f = |k: &str| m[k].as_f64().unwrap();
    assert!((f("requests.arrived") - f("requests.ok") - f("requests.failed")).abs() < 1e-6);
}

#[test]
fn one_replication_has_no_ci95() {
    let out = capsim()
        .args(["run", "--format", "json", "--replications", "1"])
        .arg(design_example())
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(doc.get("ci95").is_none());
    assert_eq!(doc["replications"], 1);
}

#[test]
fn missing_file_is_one_line_and_status_2() {
    let err = bad_input(&["run", "no/such/scenario.toml"]);
    assert!(err.contains("no/such/scenario.toml"), "{err}");
}

#[test]
fn malformed_flags_are_one_line_and_status_2() {
    let file = design_example();
    let file = file.to_str().unwrap();
    let err = bad_input(&["run", file, "--replications", "many"]);
    assert!(err.contains("--replications"), "{err}");
    let err = bad_input(&["run", file, "--format", "yaml"]);
    assert!(err.contains("yaml"), "{err}");
    bad_input(&["run", file, "--bogus"]);
    bad_input(&["frobnicate"]);
}

#[test]
fn bad_set_is_checked_like_the_file() {
    let file = design_example();
    let file = file.to_str().unwrap();
    let err = bad_input(&["run", file, "--set", "pool.max_totl=3"]);
    assert!(
        err.contains("max_totl") && err.contains("max_total"),
        "{err}"
    );
    let err = bad_input(&["run", file, "--set", "pool.max_total=0"]);
    assert!(err.contains("pool.max_total"), "{err}");
    let err = bad_input(&["run", file, "--set", "network.rtt=5"]);
    assert!(err.contains("network.rtt"), "{err}");
    bad_input(&["run", file, "--set", "no-equals-sign"]);
    bad_input(&["run", file, "--replications", "0"]);
}

#[test]
fn text_summary_names_the_essentials() {
    let out = capsim().arg("run").arg(design_example()).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "seed 7",
        "4 replications",
        "latency",
        "pool",
        "redis",
        "errors",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

/// Latencies far too long (found by fuzzing `--set` values) once wrapped the
/// clock around into the past and panicked; now time saturates and the run
/// stops with a one-line error.
#[test]
fn absurd_latencies_stop_the_run_with_an_error() {
    let file = design_example();
    let file = file.to_str().unwrap();
    for set in [
        // Connections that take 11 years to open, and waiters without a timeout.
        "network.rtt=100000h",
        // A lognormal lookup whose tail runs past u64 nanoseconds.
        "l1.lookup_time={ dist = \"lognormal\", median = \"1ns\", p99 = \"1000h\" }",
    ] {
        let args = [
            "run",
            file,
            "--set",
            "simulation.duration=1s",
            "--set",
            "pool.acquire_timeout=none",
            "--set",
            set,
        ];
        // A simulation that cannot finish is a verdict (status 1), not bad input.
        let out = capsim().args(args).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(1), "{set}: {err}");
        assert_eq!(err.lines().count(), 1, "not one line: {err}");
        assert!(
            err.contains("simulation stopped") && err.contains("not draining"),
            "{set}: {err}"
        );
    }
}

/// A point that cannot finish does not stop the sweep: it is named with its
/// reason, counts as breaking the SLO, and every other point is measured.
#[test]
fn a_point_that_cannot_finish_is_recorded_and_the_sweep_completes() {
    let dir = scratch("unfinished");
    let file = dir.join("iso.toml");
    std::fs::write(
        &file,
        r#"[simulation]
duration = "1s"
warmup = "0s"
[workload]
rate = 2000
[pool]
max_total = 4
acquire_timeout = "none"
[sweep]
x = "workload.rate"
"workload.rate" = [1000, 2000]
"network.rtt" = ["1ms", "100000h"]
[slo]
"pool.timeout_ratio" = "< 0.01"
"#,
    )
    .unwrap();
    let out = dir.join("out");
    let o = run_ok(&[
        "sweep",
        file.to_str().unwrap(),
        "-q",
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = stdout(&o);
    assert!(
        text.contains("2 points could not finish and count as breaking the SLO"),
        "{text}"
    );
    let unfinished = std::fs::read_to_string(out.join("unfinished.csv")).unwrap();
    let rows: Vec<&str> = unfinished.lines().collect();
    assert_eq!(rows.len(), 3, "{unfinished}");
    assert!(rows[1].starts_with(r#""1000, ""100000h""","simulated time passed"#));
    let thresholds = std::fs::read_to_string(out.join("thresholds.csv")).unwrap();
    assert!(thresholds.contains("1ms,holds_everywhere"), "{thresholds}");
    assert!(thresholds.contains("100000h,holds_nowhere"), "{thresholds}");
    let results = std::fs::read_to_string(out.join("results.csv")).unwrap();
    assert_eq!(results.lines().filter(|l| l.contains("NaN")).count(), 2);
    // results.json names each with its reason (typed: reports reads it back),
    // and the report page says which points did not finish and why.
    let names_them = |dir: &std::path::Path| {
        let json: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("results.json")).unwrap()).unwrap();
        let why: Vec<(String, String)> = json["points"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p.get("unfinished").is_some())
            .map(|p| {
                (
                    p["axes"]["network.rtt"].as_str().unwrap().to_string(),
                    p["unfinished"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        assert_eq!(why.len(), 2, "{json}");
        for (rtt, reason) in &why {
            assert_eq!(rtt, "100000h");
            assert!(reason.contains("simulated time passed"), "{reason}");
        }
        let page = std::fs::read_to_string(dir.join("index.html")).unwrap();
        assert!(
            page.contains("2 points could not finish and count as breaking the SLO"),
            "{page}"
        );
        assert!(
            page.contains("workload.rate = 1000, network.rtt = 100000h: simulated time passed"),
            "{page}"
        );
        assert_eq!(page.matches("FAIL: did not finish").count(), 2);
    };
    names_them(&out);
    // `capsim report` draws the same page from results.json.
    let page = std::fs::read(out.join("index.html")).unwrap();
    std::fs::remove_file(out.join("index.html")).unwrap();
    run_ok(&["report", out.to_str().unwrap()]);
    assert_eq!(std::fs::read(out.join("index.html")).unwrap(), page);
    // Shards carry the reason and the merge names the points too, giving the
    // bytes of the unsharded sweep (on the raw grid, as merges are).
    let grid = dir.join("grid");
    run_ok(&[
        "sweep",
        file.to_str().unwrap(),
        "-q",
        "--grid",
        "--out",
        grid.to_str().unwrap(),
    ]);
    let shards = dir.join("shards");
    for k in ["1/2", "2/2"] {
        run_ok(&[
            "sweep",
            file.to_str().unwrap(),
            "-q",
            "--shard",
            k,
            "--out",
            shards.to_str().unwrap(),
        ]);
    }
    let shard = std::fs::read_to_string(shards.join("shard-2-of-2.json")).unwrap();
    assert_eq!(shard.matches("\"unfinished\"").count(), 2, "{shard}");
    let merged = dir.join("merged");
    let o = run_ok(&[
        "merge",
        shards.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    let text = stdout(&o);
    assert!(
        text.contains("2 points could not finish and count as breaking the SLO"),
        "{text}"
    );
    assert!(
        text.contains(r#"(1000, "100000h"): simulated time passed"#),
        "{text}"
    );
    names_them(&merged);
    let mut names: Vec<_> = std::fs::read_dir(&grid)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    names.sort();
    assert!(names.iter().any(|n| n == "unfinished.csv"), "{names:?}");
    for n in names {
        assert!(
            std::fs::read(grid.join(&n)).unwrap() == std::fs::read(merged.join(&n)).unwrap(),
            "{n:?} differs between the merged and the unsharded sweep"
        );
    }
}
