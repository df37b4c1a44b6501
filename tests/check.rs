//! End-to-end tests of `capsim check` and of scenario errors through the
//! binary: the shipped scenarios pass and run, every bad scenario of the
//! corpus exits 2 with one line naming the file, line and key, the figures of
//! `scenarios/pool-sizing.toml` match a hand calculation, and a preset with
//! an overridden key shows where each value came from.

use std::path::PathBuf;
use std::time::{Duration, Instant};

mod common;

use common::{output, root, shipped_scenarios, stderr, stdout};

#[test]
fn every_shipped_scenario_passes_check_and_runs() {
    let files = shipped_scenarios();
    assert!(files.len() >= 2);
    for f in &files {
        let name = f.strip_prefix(root()).unwrap().to_str().unwrap();
        let o = output(&["check", name]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
        assert!(stdout(&o).contains(&format!("{name} is valid")));
        // Short runs: the point is that each one starts and finishes.
        let o = output(&[
            "run",
            name,
            "--set",
            "simulation.duration=2s",
            "--set",
            "simulation.warmup=0s",
            "--set",
            "simulation.bucket=1s",
            "--set",
            "simulation.replications=1",
        ]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", stderr(&o));
    }
}

/// The `# set: KEY=VALUE` lines of a corpus file.
fn overrides_of(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# set: "))
        .map(|s| s.trim().to_string())
        .collect()
}

#[test]
fn every_bad_scenario_exits_2_with_file_line_and_key() {
    let dir = root().join("tests/bad_scenarios");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let mut located = 0;
    for f in &files {
        let name = f
            .strip_prefix(root())
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let text = std::fs::read_to_string(f).unwrap();
        let sets = overrides_of(&text);
        let mut args = vec!["check".to_string(), name.clone()];
        for s in &sets {
            args.extend(["--set".to_string(), s.clone()]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let start = Instant::now();
        let o = output(&args);
        let took = start.elapsed();
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: {err}");
        assert!(took < Duration::from_secs(1), "{name} took {took:?}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert_eq!(err.lines().count(), 1, "{name}: {err}");
        assert!(err.starts_with("capsim: error: "), "{name}: {err}");
        assert!(stdout(&o).is_empty(), "{name} printed a scenario");
        // The library's error says which key; the binary must show it.
        let e = models::scenario::load(f, &sets).unwrap_err();
        if let Some(key) = e.key() {
            let last = key.rsplit(['.', ']']).find(|s| !s.is_empty()).unwrap();
            assert!(err.contains(last), "{name}: key {key} not in {err}");
        }
        match e.line() {
            Some(line) => {
                assert!(err.contains(&format!("{name}:{line}:")), "{name}: {err}");
                located += usize::from(e.key().is_some());
            }
            // Only a `--set` assignment may be blamed instead of a line.
            None => {
                assert!(!sets.is_empty(), "{name}: no line: {err}");
                assert!(err.contains("--set "), "{name}: {err}");
            }
        }
    }
    assert!(
        located >= 30,
        "only {located} errors name file, line and key"
    );
}

/// The figure on the line of `capsim check` that starts with `label`.
fn figure(out: &str, label: &str) -> f64 {
    let line = out
        .lines()
        .find(|l| l.trim_start_matches('#').trim_start().starts_with(label))
        .unwrap_or_else(|| panic!("no {label:?} in\n{out}"));
    let rest = &line[line.find(label).unwrap() + label.len()..];
    rest.split_whitespace()
        .next()
        .unwrap()
        .trim_end_matches('%')
        .parse()
        .unwrap()
}

/// Erlang C by the recurrence of the theory chapter, written out again.
fn erlang_c(n: u32, a: f64) -> f64 {
    let mut b = 1.0;
    for k in 1..=n {
        b = a * b / (f64::from(k) + a * b);
    }
    let n = f64::from(n);
    n * b / (n - a * (1.0 - b))
}

#[test]
fn pool_sizing_figures_match_a_hand_calculation() {
    let o = output(&["check", "scenarios/pool-sizing.toml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    // 10,000 requests/s on one pod, one read each, no L1, Redis always hits:
    // hold = E[rtt] + E[service] = 980 us + 20 us = 1 ms.
    let lambda: f64 = 10_000.0;
    let hold: f64 = 980e-6 + 20e-6;
    let a = lambda * hold;
    assert!((a - 10.0).abs() < 1e-9);
    assert_eq!(figure(&out, "requests/s per pod"), lambda);
    assert_eq!(figure(&out, "mean hold per checkout"), hold * 1e3);
    assert_eq!(figure(&out, "offered load per pod"), 10.0);
    // Little's law: in use = throughput x hold; nothing is lost at a = 10
    // on 20 connections with a 100 ms acquire timeout.
    assert_eq!(figure(&out, "connections in use per pod"), 10.0);
    assert_eq!(figure(&out, "pool utilisation"), 50.0);
    let size = (1..100).find(|&n| f64::from(n) > a && erlang_c(n, a) < 0.01);
    assert_eq!(size, Some(19));
    assert_eq!(figure(&out, "Erlang C pool size"), 19.0);
    assert_eq!(figure(&out, "Redis utilisation per shard"), lambda * 20e-6);
    assert!(out.contains("# Warnings: none."));
}

#[test]
fn a_preset_with_an_overridden_key_shows_every_origin() {
    let dir = std::env::temp_dir().join(format!("capsim-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("jedis.toml");
    std::fs::write(
        &file,
        "[workload]\nrate = 1000\n\n[pool]\npreset = \"jedis\"\nmax_total = 20\n",
    )
    .unwrap();
    let path = file.to_str().unwrap();
    let o = output(&["check", path, "--set", "client.retries=2"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    let origin = |key: &str| {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_else(|| panic!("no {key} in\n{out}"));
        let (value, origin) = line.split_once(" # ").unwrap();
        (
            value.split_once(" = ").unwrap().1.trim().to_string(),
            origin.to_string(),
        )
    };
    let pair = |v: &str, o: &str| (v.to_string(), o.to_string());
    assert_eq!(origin("preset"), pair("\"jedis\"", "file line 5"));
    assert_eq!(origin("max_total"), pair("20", "file line 6"));
    // JedisPoolConfig keeps maxIdle 8 when maxTotal is raised.
    assert_eq!(origin("max_idle"), pair("8", "preset jedis"));
    assert_eq!(origin("test_while_idle"), pair("true", "preset jedis"));
    assert_eq!(origin("eviction_interval"), pair("\"30s\"", "preset jedis"));
    assert_eq!(origin("min_evictable_idle"), pair("\"1m\"", "preset jedis"));
    assert_eq!(origin("tests_per_eviction_run"), pair("-1", "preset jedis"));
    assert_eq!(origin("retries"), pair("2", "--set client.retries=2"));
    assert_eq!(origin("maxclients"), pair("10000", "default"));
    // The output is a scenario: it parses back to the same one.
    let printed = models::scenario::parse(&out, "printed.toml", "jedis", &[]).unwrap();
    let original = models::scenario::load(&file, &["client.retries=2".to_string()]).unwrap();
    assert_eq!(printed, original);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn runs_too_large_are_refused_with_the_flag_that_allows_them() {
    let big = ["--set", "workload.rate=1e8"];
    for cmd in ["check", "run"] {
        let mut args = vec![cmd, "scenarios/pool-sizing.toml"];
        args.extend(big);
        let o = output(&args);
        assert_eq!(o.status.code(), Some(2), "{cmd}");
        let err = stderr(&o);
        assert!(
            err.contains("this run would simulate about 2.6e10 events")
                && err.contains("use --max-events 2.6e10 to allow it"),
            "{cmd}: {err}"
        );
    }
    let o = output(&[
        "check",
        "scenarios/pool-sizing.toml",
        "--set",
        "workload.rate=1e8",
        "--max-events",
        "2.6e10",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // Far above max_total: check warns, and still passes.
    assert!(stdout(&o).contains("# warning: offered load per pod is"));
}
