//! `capsim recommend`: the CI gate (`--check`), the JSON contract and the
//! refusals of bad input.

mod common;

use common::{bad_input, output, run_ok, stderr, stdout};

#[test]
fn check_passes_the_fixed_death_spiral_and_fails_the_spiral_with_the_reason() {
    let ok = run_ok(&[
        "recommend",
        "scenarios/death-spiral-fixed.toml",
        "--check",
        "--quiet",
    ]);
    assert!(
        stdout(&ok).contains("meets its SLO at the forecast"),
        "{}",
        stdout(&ok)
    );

    let bad = output(&[
        "recommend",
        "scenarios/death-spiral.toml",
        "--check",
        "--quiet",
    ]);
    assert_eq!(bad.status.code(), Some(1), "stderr: {}", stderr(&bad));
    let why = stderr(&bad);
    assert_eq!(why.lines().count(), 1, "one line: {why}");
    assert!(
        why.contains("does not meet its SLO") && why.contains("requests.failed_ratio"),
        "{why}"
    );
}

#[test]
fn json_names_the_recommended_settings_and_the_evidence() {
    let out = run_ok(&[
        "recommend",
        "scenarios/erlang-b-threshold.toml",
        "--format",
        "json",
        "--quiet",
    ]);
    let v: serde_json::Value = serde_json::from_str(&stdout(&out)).expect("JSON on stdout");
    let n = v["recommended"]["pool.max_total"]
        .as_u64()
        .expect("a whole pool size");
    let key = &v["keys"][0];
    assert_eq!(key["recommended"].as_u64(), Some(n));
    assert_eq!(key["at"]["verdict"], "holds");
    assert_ne!(key["below"]["verdict"], "holds");
    assert!(key["estimate"]["formula"]
        .as_str()
        .unwrap()
        .contains("Erlang B"));
    assert!(v["headroom"]["holds_at"].as_f64().unwrap() >= 1.0);
}

#[test]
fn bad_requests_are_refused_with_a_clear_line() {
    let e = bad_input(&[
        "recommend",
        "scenarios/erlang-b-threshold.toml",
        "--for",
        "nosuch.key",
    ]);
    assert!(
        e.contains("--for nosuch.key") && e.contains("pool.max_total"),
        "{e}"
    );
    let e = bad_input(&["recommend", "scenarios/idle-eviction-trap.toml"]);
    assert!(e.contains("no [slo] table"), "{e}");
    let e = bad_input(&[
        "recommend",
        "scenarios/erlang-b-threshold.toml",
        "--for",
        "pool.max_total",
        "--for",
        "pool.max_total",
    ]);
    assert!(e.contains("given twice"), "{e}");
    // A multiplexed client has no pool to size.
    let e = bad_input(&[
        "recommend",
        "scenarios/erlang-b-threshold.toml",
        "--set",
        "pool.preset=lettuce",
        "--for",
        "pool.max_total",
    ]);
    assert!(
        e.contains("client.transport = \"multiplexed\"") && e.contains("client.connections"),
        "{e}"
    );
    // And a pooled client has no shared connections.
    let e = bad_input(&[
        "recommend",
        "scenarios/erlang-b-threshold.toml",
        "--for",
        "client.connections",
    ]);
    assert!(e.contains("multiplexed\" only"), "{e}");
}
