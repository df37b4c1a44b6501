//! The shipped miss storm (`scenarios/db-miss-storm.toml`): a deploy empties
//! every pod's L1 and the misses overload a finite database; caches that
//! start warm hold. Also: a finite database's metrics in a sweep, usable in
//! its objectives.
//!
//! The counts are exact outcomes of one seeded run, not estimates, and the
//! bars are far from them: the storm offers the database about three times
//! what it can answer for several seconds, the warm fleet about 30%.

use models::engine::run;
use models::scenario::load;

mod common;
use common::{plan, run_points};
use std::path::Path;

fn storm(overrides: &[&str]) -> models::metrics::Metrics {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/db-miss-storm.toml");
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    let sc = load(&path, &overrides).expect("the storm scenario is valid");
    run(&sc).expect("the run completes").metrics
}

#[test]
fn a_cold_deploy_overloads_the_database_and_prewarming_holds() {
    let cold = storm(&[]);
    let warm = storm(&["l1.prewarm=true"]);
    eprintln!(
        "cold: utilization {:.3}, queue wait mean {:.2} ms, {} timeouts of {} queries; warm: {:.3}, {} timeouts",
        cold["database.utilization"],
        cold["database.queue_wait.mean_ms"],
        cold["database.timeouts"],
        cold["database.queries"],
        warm["database.utilization"],
        warm["database.timeouts"]
    );
    // The storm: the database is the resource that breaks, not the pool or
    // Redis.
    assert!(cold["database.utilization"] > 0.85);
    assert!(cold["database.timeouts"] >= 1_000.0);
    assert_eq!(cold["errors.database_timeout"], cold["requests.failed"]);
    assert!(cold["pool.utilization"] < 0.5 && cold["redis.utilization"] < 0.5);
    assert_eq!(cold["errors.pool_timeout"], 0.0);
    // Warm caches: a third of the queries, nothing fails.
    assert!(warm["database.utilization"] < 0.5);
    assert_eq!(warm["database.timeouts"], 0.0);
    assert_eq!(warm["requests.failed"], 0.0);
}

const SWEEP: &str = r#"[simulation]
duration = "2s"
warmup = "200ms"
[workload]
rate = 2000
[redis]
hit_ratio = 0.0
[database]
latency = { dist = "exponential", mean = "5ms" }
concurrency = 8
[sweep]
"database.concurrency" = [4, 16]
[slo]
"database.queue_wait.p99_ms" = "< 10"
"#;

#[test]
fn a_sweep_reports_and_checks_the_database_metrics() {
    let p = plan(SWEEP).expect("the plan is valid");
    let names = p.metric_names();
    assert!(names.contains(&"database.utilization"));
    // 2,000 queries/s of 5 ms: 10 erlangs, over 4 workers (overloaded) and
    // 16 (62% busy).
    let (rows, header) = run_points(&p, &[0, 1]);
    assert!(header.contains(",database.queue_wait.p99_ms,"), "{header}");
    assert!(!rows[0].holds(&p.spec.slo), "4 workers for 10 erlangs");
    assert!(rows[1].holds(&p.spec.slo), "16 workers for 10 erlangs");

    // Without a finite database the objective names a metric nothing measures.
    let unlimited = SWEEP.replace("concurrency = 8\n", "").replace(
        "\"database.concurrency\" = [4, 16]",
        "\"pool.max_total\" = [4, 16]",
    );
    let err = plan(&unlimited).unwrap_err();
    assert!(err.contains("finite database"), "{err}");
    assert!(err.starts_with("t.toml:"), "{err}");
}
