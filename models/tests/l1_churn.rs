//! What empties a keyed L1 while it runs: invalidations
//! (`l1.invalidation_rate`) and pods' rolling restarts (`[[faults]] kind =
//! "rolling_restart"`).
//!
//! The checks use caches that hold every key (capacity = keys, no TTL) and
//! round trips and Redis that take no time, so that a miss fills its key at
//! once and nothing but the disturbance under test makes a read miss.

use models::engine::run;
use models::scenario::parse;

const KEYS: u32 = 100;

fn scenario(extra_l1: &str, faults: &str, pods: u32, rate: f64) -> models::scenario::Scenario {
    let text = format!(
        r#"[simulation]
duration = "20s"
warmup = "10s"
replications = 8
seed = 3

[workload]
rate = {rate}
keys = {KEYS}
key_popularity = {{ dist = "zipf", alpha = 0.9 }}

[pods]
count = {pods}

[pool]
max_total = 50
min_idle = 4
acquire_timeout = "none"

[network]
rtt = "0us"

[redis]
service_time = "0us"
accept_cost = "0us"

[l1]
policy = "lru"
capacity = {KEYS}
lookup_time = "0us"
{extra_l1}
{faults}"#
    );
    parse(&text, "churn.toml", "churn", &[]).expect("the scenario is valid")
}

/// Reads of key `k` reach a pod at `lambda p_k` per second and writes
/// invalidate it everywhere at `w p_k`: a read hits if the last event on the
/// key before it was a read, so every key's hit ratio, and the pod's, is
/// `lambda / (lambda + w)` whatever the popularity law.
#[test]
fn invalidations_take_the_hit_ratio_to_reads_over_reads_and_writes() {
    let (pods, rate, writes) = (2, 2000.0, 500.0);
    let sc = scenario(
        &format!("invalidation_rate = {writes}\nprewarm = true"),
        "",
        pods,
        rate,
    );
    let r = run(&sc).expect("runs");
    let per_pod = rate / f64::from(pods);
    let theory = per_pod / (per_pod + writes);
    let (hit, ci) = (r.metrics["l1.hit_ratio"], r.ci95["l1.hit_ratio"]);
    eprintln!(
        "hit ratio {hit:.4} ± {ci:.4} (theory {theory:.4}); {} entries invalidated",
        r.metrics["l1.invalidations"]
    );
    assert!((hit - theory).abs() <= ci, "{hit} ± {ci} vs {theory}");
    // Each write removes its key from every pod that holds it; a pod holds
    // a key unless it was invalidated since that pod's last read of it.
    let writes_in_window = writes * 20.0;
    assert!(r.metrics["l1.invalidations"] <= writes_in_window * f64::from(pods) * 1.1);
    assert!(r.metrics["l1.invalidations"] > writes_in_window * theory);
}

#[test]
fn without_invalidations_or_restarts_a_cache_of_every_key_never_misses() {
    let r = run(&scenario("", "", 4, 2000.0)).expect("runs");
    assert_eq!(r.metrics["l1.misses"], 0.0);
    assert!(!r.metrics.contains_key("l1.invalidations"));
}

/// A rolling restart of 4 pods, one every 2 s: each pod comes back empty
/// and misses each key once more. Every pod reads all 100 keys in the 10 s
/// warm-up and again within a few seconds of its restart (the rarest key is
/// read about 1.2 times a second per pod, and 12 s remain after the last
/// restart), so the window's misses are exactly pods x keys; with `prewarm`
/// the pods come back warm and miss nothing. Each restart also closes its
/// pod's idle connections and opens `min_idle` (4) again.
#[test]
fn a_rolling_restart_empties_each_pods_cache_once() {
    let restart =
        "[[faults]]\nat = \"2s\"\nkind = \"rolling_restart\"\npods = 1\ninterval = \"2s\"\n";
    let r = run(&scenario("", restart, 4, 2000.0)).expect("runs");
    let (misses, created, closed) = (
        r.metrics["l1.misses"],
        r.metrics["connections.created"],
        r.metrics["connections.closed"],
    );
    eprintln!("rolling restart: {misses} misses, {created} connections created, {closed} closed");
    assert_eq!(misses, f64::from(4 * KEYS));
    assert!(closed >= 4.0 * 4.0, "{closed}");
    assert!(created >= 4.0 * 4.0, "{created}");

    let r = run(&scenario("prewarm = true", restart, 4, 2000.0)).expect("runs");
    assert_eq!(r.metrics["l1.misses"], 0.0);
}
