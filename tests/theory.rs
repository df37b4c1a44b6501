//! The simulator against queueing theory (book/src/theory.md).
//!
//! Each check passes by its own confidence interval, never by a guessed
//! tolerance: see `models::validate` for the criterion. The seeds are fixed, so
//! the outcomes are deterministic; a failure here is a statement that the
//! simulator disagrees with theory at the stated confidence for that seed's
//! sample, and is investigated as a bug until shown otherwise.

use models::validate::{cases, run_table, Config, Outcome};
use sim::queueing::mmn_d;
use std::process::Command;

fn describe(o: &Outcome) -> String {
    format!(
        "{} {} ({}): theory {:.6}, simulated {:.6} ± {:.6} (95%), criterion ± {:.6}: {}",
        o.case,
        o.measure.name(),
        o.quantity,
        o.theory,
        o.mean,
        o.ci95,
        o.criterion,
        if o.pass { "PASS" } else { "FAIL" }
    )
}

/// The whole table, shortened so a debug build runs it in seconds: fewer
/// replications and a twentieth of each measured window (3 s). The criterion is the same
/// Bonferroni-corrected interval as `capsim validate`; shorter runs only widen it.
#[test]
fn validation_table_passes_by_its_own_intervals() {
    let config = Config {
        replications: 10,
        seed: 1,
        duration_scale: 0.05,
    };
    let report = run_table(&cases(), &config).expect("every case runs");
    let lines: Vec<String> = report.outcomes.iter().map(describe).collect();
    assert!(
        report.outcomes.iter().all(|o| o.pass),
        "t = {:.3} at level {:.5}:\n{}",
        report.t,
        report.level,
        lines.join("\n")
    );
    assert!(report.checks >= 15, "the table lost checks");
}

/// The reference scenario (`scenarios/design-example.toml`) with a 5 ms acquire
/// timeout is M/M/n+D with n = 10, lambda = 9 per ms, mu = 1 per ms, tau = 5 ms,
/// and `capsim run --format json --replications 10` reports 95% intervals of
/// `pool.timeout_ratio` and `pool.wait_ratio` that contain the theory values.
/// This is a plain 95% check of one fixed seed (each interval misses with
/// probability 5% for a random seed).
#[test]
fn design_example_matches_mmn_d() {
    let file = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/design-example.toml");
    let out = Command::new(env!("CARGO_BIN_EXE_capsim"))
        .args(["run", file, "--format", "json", "--replications", "10"])
        .output()
        .expect("capsim runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    let theory = mmn_d(10, 9.0, 1.0, 5.0);
    for (name, want) in [
        ("pool.timeout_ratio", theory.p_abandon),
        ("pool.wait_ratio", theory.p_wait),
    ] {
        let mean = doc["metrics"][name].as_f64().expect("metric present");
        let ci95 = doc["ci95"][name].as_f64().expect("interval present");
        assert!(
            (mean - want).abs() <= ci95,
            "{name}: simulated {mean} ± {ci95}, M/M/n+D {want}"
        );
    }
}
