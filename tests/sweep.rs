//! End-to-end tests of `capsim sweep` and `capsim merge`: byte-identical
//! outputs on 1 and 2 threads and after sharding and merging, the Erlang B
//! threshold, and errors for bad axes and objectives.

use std::path::{Path, PathBuf};
use std::process::Output;

mod common;

use common::{capsim, root, run_ok as run, scratch};

/// A small two-axis sweep: the Erlang B scenario, shortened, with a second
/// axis so that there are several lines.
fn small_sweep(out: &Path, extra: &[&str]) -> Output {
    let scenario = root().join("scenarios/erlang-b-threshold.toml");
    let mut args = vec![
        "sweep",
        scenario.to_str().unwrap(),
        "--quiet",
        "--set",
        "simulation.duration=2s",
        "--set",
        "simulation.replications=2",
        "--axis",
        "pool.max_total=[8, 10]",
        "--out",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    run(&args)
}

/// `capsim sweep SCENARIO --quiet EXTRA... --out OUT`.
fn sweep_into(scenario: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["sweep", scenario.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    args.extend_from_slice(&["--out", out.to_str().unwrap()]);
    run(&args)
}

fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{}/{file}: {e}", dir.display()))
}

const OUTPUTS: [&str; 3] = ["results.csv", "thresholds.csv", "results.json"];

#[test]
fn outputs_are_identical_on_one_and_two_threads() {
    let (a, b) = (scratch("threads-1"), scratch("threads-2"));
    small_sweep(&a, &["--threads", "1"]);
    small_sweep(&b, &["--threads", "2"]);
    for f in OUTPUTS {
        assert!(
            read(&a, f) == read(&b, f),
            "{f} differs between 1 and 2 threads"
        );
    }
    let csv = String::from_utf8(read(&a, "results.csv")).unwrap();
    // A header, the 2 x 6 grid points, then the points bisection added.
    assert!(csv.lines().count() > 1 + 12, "{csv}");
    let grid = String::from_utf8(read(&a, "results.json")).unwrap();
    assert_eq!(
        grid.matches("\"point\": null").count(),
        csv.lines().count() - 13
    );
    assert!(csv.starts_with("workload.rate,pool.max_total,requests.arrived,requests.arrived.ci95,"));
}

#[test]
fn shards_merge_into_the_unsharded_outputs() {
    // Shards hold only some points of each line, so the merge reports the
    // raw grid's thresholds: compare with an unsharded raw-grid sweep.
    let whole = scratch("unsharded");
    small_sweep(&whole, &["--grid"]);
    let shards: Vec<PathBuf> = (1..=3).map(|k| scratch(&format!("shard-{k}"))).collect();
    for (k, dir) in shards.iter().enumerate() {
        let shard = format!("{}/3", k + 1);
        small_sweep(dir, &["--shard", &shard, "--threads", "1"]);
        assert!(dir.join(format!("shard-{}-of-3.json", k + 1)).exists());
        assert!(
            !dir.join("results.csv").exists(),
            "a shard writes only its shard file"
        );
    }
    let merged = scratch("merged");
    let mut args = vec!["merge", "--out", merged.to_str().unwrap()];
    args.extend(shards.iter().map(|d| d.to_str().unwrap()));
    let out = run(&args);
    for f in OUTPUTS {
        assert!(
            read(&whole, f) == read(&merged, f),
            "{f} differs after merging shards"
        );
    }
    let summary = String::from_utf8_lossy(&out.stdout);
    assert!(
        summary.contains("threshold along workload.rate"),
        "{summary}"
    );

    // A missing shard is refused.
    let out = capsim()
        .args(["merge", "--out", merged.to_str().unwrap()])
        .args(&shards[..2])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing shard 3/3"));
}

/// `l1.hit_ratio` is both an axis and a metric: the axis keeps the bare name
/// (the configured ratio), the metric is `l1.hit_ratio.measured`, and no
/// column name appears twice. The report still renders from the folder.
#[test]
fn results_csv_columns_are_unique_with_a_metric_axis() {
    let dir = scratch("hit-ratio-axis");
    small_sweep(&dir, &["--axis", "l1.hit_ratio=[0.5, 0.9]"]);
    let csv = String::from_utf8(read(&dir, "results.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let mut unique = header.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), header.len(), "duplicate columns: {header:?}");
    assert!(csv.starts_with("workload.rate,pool.max_total,l1.hit_ratio,requests.arrived,"));
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (axis, measured) = (col("l1.hit_ratio"), col("l1.hit_ratio.measured"));
    col("l1.hit_ratio.measured.ci95");
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let set: f64 = cells[axis].parse().unwrap();
        let got: f64 = cells[measured].parse().unwrap();
        assert!(set == 0.5 || set == 0.9, "{line}");
        assert!((got - set).abs() < 0.05, "measured {got} for {set}");
    }
    run(&["report", dir.to_str().unwrap()]);
}

/// Erlang B with 10 servers: the offered load at which 1% is refused.
fn erlang_b_load(n: u32, target: f64) -> f64 {
    let b = |a: f64| (1..=n).fold(1.0, |b, k| a * b / (k as f64 + a * b));
    let (mut lo, mut hi) = (0.0, n as f64 * 10.0);
    for _ in 0..100 {
        let mid = 0.5 * (lo + hi);
        if b(mid) < target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    lo
}

#[test]
fn the_threshold_brackets_erlang_b() {
    let dir = scratch("erlang-b");
    let scenario = root().join("scenarios/erlang-b-threshold.toml");
    sweep_into(&scenario, &dir, &["--set", "simulation.duration=10s"]);
    let expected = 1000.0 * erlang_b_load(10, 0.01); // 1 ms holds
    assert!((expected - 4461.0).abs() < 1.0, "{expected}");
    let csv = String::from_utf8(read(&dir, "thresholds.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("status,threshold,holds_at,fails_at,broke_first")
    );
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(row[0], "holds_below");
    let num = |i: usize| row[i].parse::<f64>().unwrap();
    let (threshold, holds, fails) = (num(1), num(2), num(3));
    assert!(
        holds < expected && expected < fails,
        "{holds} < {expected} < {fails}"
    );
    assert!(
        (threshold - expected).abs() < 0.05 * expected,
        "threshold {threshold} vs {expected}"
    );
    assert_eq!(row[4], "pool.timeout_ratio");
}

/// Writes a scenario with a `[sweep]` and `[slo]` table and returns its path.
fn scenario_with(name: &str, sweep: &str, slo: &str) -> PathBuf {
    let dir = scratch(name);
    let path = dir.join("bad.toml");
    let text = format!(
        "[simulation]\nduration = \"1s\"\nwarmup = \"0s\"\n\n[workload]\nrate = 1000\n\n[sweep]\n{sweep}\n\n[slo]\n{slo}\n"
    );
    std::fs::write(&path, text).unwrap();
    path
}

fn refused(path: &Path) -> String {
    let out = capsim()
        .args(["sweep", path.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.stdout.is_empty());
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn bad_axes_and_objectives_are_scenario_errors() {
    // Folder, `[sweep]` lines, `[slo]` lines, what the message says.
    let cases: [(&str, &str, &str, &[&str]); 5] = [
        (
            "bad-axis",
            "\"pool.max_totl\" = [1, 2]",
            "\"pool.timeout_ratio\" = \"< 0.01\"",
            &[
                "bad.toml:9:1: [sweep] pool.max_totl:",
                "did you mean `max_total`?",
            ],
        ),
        (
            "bad-value",
            "\"pool.max_total\" = [1, 0]",
            "",
            &["bad.toml:9:20: [sweep] pool.max_total: value 0:"],
        ),
        (
            "bad-slo",
            "\"workload.rate\" = [1000, 2000]",
            "\"pool.timeout_ratio\" = \"about 0.01\"",
            &["bad.toml:12:24: [slo] pool.timeout_ratio: expected a comparison"],
        ),
        (
            "bad-metric",
            "\"workload.rate\" = [1000, 2000]",
            "\"latency.p99\" = \"< 50\"",
            &["bad.toml:12:1: [slo] latency.p99: unknown metric"],
        ),
        (
            "bad-x",
            "x = \"pool.size\"\n\"workload.rate\" = [1000, 2000]",
            "",
            &["bad.toml:9:5: [sweep] x: `pool.size` is not an axis"],
        ),
    ];
    for (name, sweep, slo, says) in cases {
        let err = refused(&scenario_with(name, sweep, slo));
        assert!(says.iter().all(|s| err.contains(s)), "{name}: {err}");
    }

    let p = scenario_with("refine-grid", "\"workload.rate\" = [1000, 2000]", "");
    let out = capsim()
        .args(["sweep", p.to_str().unwrap(), "--refine", "--grid"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

/// The output folder's `scenario.toml` is the resolved scenario: sweeping it
/// again, with no `--set` or `--axis`, writes the same results and
/// thresholds byte for byte.
#[test]
fn the_saved_scenario_reproduces_the_sweep() {
    let first = scratch("reproduce-first");
    let scenario = root().join("scenarios/erlang-b-threshold.toml");
    sweep_into(
        &scenario,
        &first,
        &[
            "--set",
            "simulation.duration=2s",
            "--set",
            "pool.max_total=12",
            "--axis",
            "pool.max_total=6,12",
        ],
    );
    let saved = first.join("scenario.toml");
    let text = std::fs::read_to_string(&saved).unwrap();
    assert!(text.contains("duration = \"2s\""), "{text}");
    assert!(text.contains("\"pool.max_total\" = [6, 12]"), "{text}");
    sweep_saved_again(&first, &scratch("reproduce-second"));
    // The report's command is the one that ran, and it runs.
    let json = String::from_utf8(read(&first, "results.json")).unwrap();
    assert!(
        json.contains(
            "--set simulation.duration=2s --set pool.max_total=12 --axis pool.max_total=6,12"
        ),
        "{json}"
    );
}

/// A scenario that reads data files (a replayed capture, a latency from
/// samples, also inside an array of tables) saves them by absolute path in `scenario.toml`, so sweeping the
/// saved file from its own folder reads the same data and writes the same
/// results.
#[test]
fn the_saved_scenario_of_a_sweep_with_data_files_reproduces_it() {
    let dir = scratch("reproduce-data");
    std::fs::write(
        dir.join("capture.txt"),
        "0.000\n0.004\n0.010\n0.011\n0.500\n0.990\n",
    )
    .unwrap();
    std::fs::write(dir.join("rtt.txt"), "0.8ms\n1.1ms\n2.5ms\n").unwrap();
    let p = dir.join("s.toml");
    std::fs::write(
        &p,
        r#"[simulation]
duration = "2s"
warmup = "1s"
[workload]
arrivals = { file = "capture.txt", speed = 0.5 }
[network]
rtt = { dist = "samples", file = "rtt.txt" }
[[redis.commands]]
name = "GET"
share = 0.5
service_time = { dist = "samples", file = "rtt.txt" }
[[redis.commands]]
name = "SET"
share = 0.5
[sweep]
"pool.max_total" = [1, 2]
"#,
    )
    .unwrap();
    let first = dir.join("first");
    sweep_into(&p, &first, &[]);
    sweep_saved_again(&first, &dir.join("second"));
}

/// Sweeps the `scenario.toml` saved in `first` again, into `second`: the
/// results and thresholds must come out the same, byte for byte.
fn sweep_saved_again(first: &Path, second: &Path) {
    let saved = first.join("scenario.toml");
    sweep_into(&saved, second, &[]);
    for f in ["results.csv", "thresholds.csv"] {
        assert!(
            read(first, f) == read(second, f),
            "{f} differs when the saved scenario.toml is swept again"
        );
    }
}

/// `capsim report` refuses a `results.json` that is not a sweep's (here:
/// `{}`, `[]`, an `x` that names no axis, an unknown `schema_version`) with
/// exit status 2, naming the file and the problem, and leaves the report
/// already there untouched.
#[test]
fn corrupt_results_are_refused_without_touching_the_report() {
    let dir = scratch("corrupt");
    small_sweep(&dir, &["--grid"]);
    let page = read(&dir, "index.html");
    let good = String::from_utf8(read(&dir, "results.json")).unwrap();
    let cases = [
        ("{}".to_string(), "no schema_version"),
        ("[]".to_string(), "expected a JSON object"),
        (
            good.replace("\"x\": \"workload.rate\"", "\"x\": \"pool.size\""),
            "names no axis",
        ),
        (
            good.replace("\"schema_version\": 2", "\"schema_version\": 99"),
            "unknown schema_version 99",
        ),
    ];
    for (text, problem) in cases {
        std::fs::write(dir.join("results.json"), &text).unwrap();
        let out = capsim()
            .args(["report", dir.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains("results.json") && err.contains(problem),
            "{err}"
        );
        assert!(
            read(&dir, "index.html") == page,
            "the report was overwritten"
        );
    }
}
