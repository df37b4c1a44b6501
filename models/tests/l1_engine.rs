//! The keyed L1 in the engine: a stampede and its fix by coalescing, the
//! measured hit ratio against the cache alone, and the metrics a keyed run
//! adds (none in a fixed-ratio run).

use models::engine::run;
use models::scenario::load;
use std::path::Path;

fn scenario(overrides: &[&str]) -> models::scenario::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/l1-stampede.toml");
    let overrides: Vec<String> = overrides.iter().map(|s| s.to_string()).collect();
    load(&path, &overrides).expect("the stampede scenario is valid")
}

/// One hot key, a 1 s TTL, 10,000 reads/s and a 50 ms database: each expiry
/// sends every read of the next 50 ms to the database (about 500 queries)
/// unless concurrent misses share one load (one query). The claim: at least
/// 100 times fewer queries with coalescing. Both counts are exact outcomes
/// of one seeded run, not estimates, and the expected ratio (about 500) is
/// far from the bar.
#[test]
fn coalescing_stops_the_stampede() {
    let without = run(&scenario(&[])).unwrap().metrics;
    let with = run(&scenario(&["l1.coalesce=true"])).unwrap().metrics;
    let (q0, q1) = (without["database.queries"], with["database.queries"]);
    eprintln!(
        "queries: {q0} without coalescing, {q1} with; coalesced reads {}",
        with["l1.coalesced"]
    );
    // 20 s of measured window and one expiry a second (plus the load's 50 ms).
    assert!((15.0..=25.0).contains(&q1), "{q1}");
    assert!(q0 >= 100.0 * q1, "{q0} vs {q1}");
    assert_eq!(without["l1.coalesced"], 0.0);
    // Every miss of the uncoalesced run is a query (the key is never in
    // Redis), give or take the loads that straddle the window's edges.
    assert!((without["l1.misses"] - q0).abs() <= 1_000.0);
    // The latency of a coalesced read is that of the load it waited for.
    assert!(with["latency.max_ms"] >= 50.0);
}

#[test]
fn a_fixed_ratio_run_reports_no_keyed_metrics() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios/l1-cache.toml");
    let sc = load(&path, &[]).unwrap();
    let m = run(&sc).unwrap().metrics;
    for name in models::metrics::KEYED.names {
        assert!(!m.contains_key(*name), "{name}");
    }
}
