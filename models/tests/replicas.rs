//! Replicas in Redis Cluster (`redis.replicas`, `redis.read_from`) against
//! queueing theory, through the whole engine.
//!
//! - With reads from `R` replicas, drawn uniformly per read, each replica of
//!   the node that owns the one key sees a Poisson stream at `lambda / R`:
//!   it is M/M/1 with exponential commands, so its utilisation is
//!   `lambda S / R` and its mean queue wait Pollaczek-Khinchine's
//!   `rho S / (1 - rho)`; the primaries do nothing.
//! - The client keeps a pool per primary and per replica it reads from:
//!   `pods x nodes x (1 + R) x min_idle` connections, exactly.
//! - With reads from the primaries, each write (the SET after a Redis miss)
//!   still costs each replica a command: the replicas of the hot node are
//!   busy `(1 - h) lambda S` (`h` the Redis hit ratio), and they apply
//!   `R (1 - h) lambda` writes a second.
//!
//! Each statistical check is a Student-t 95% interval over replications;
//! the seed is fixed, so a failure is deterministic and is a disagreement at
//! that confidence for that sample.

use models::engine::{self, run};
use models::scenario::{parse, Scenario};
use models::slots::SlotMap;
use models::validate::{NO_L1, POOL_NEVER_BINDS};
use sim::summary::Estimate;

/// Reads per second.
const LAMBDA: f64 = 15_000.0;
/// Mean command time, seconds.
const S: f64 = 100e-6;

/// One pod reading `key:1` (node 1 of 3) with no L1, a pool that never
/// binds (200 connections per pool open from the start), constant round
/// trips and exponential commands; `redis` adds lines to `[redis]`.
fn scenario(redis: &str, replications: u32) -> Scenario {
    scenario_at(LAMBDA, redis, replications)
}

/// The scenario at `rate` reads per second.
fn scenario_at(rate: f64, redis: &str, replications: u32) -> Scenario {
    let text = format!(
        r#"[simulation]
duration = "20s"
warmup = "500ms"
replications = {replications}
seed = 5

[workload]
rate = {rate}
keys = 1

{POOL_NEVER_BINDS}{NO_L1}
[redis]
mode = "cluster"
shards = 3
accept_cost = "0us"
service_time = {{ dist = "exponential", mean = "100us" }}
{redis}
"#
    );
    parse(&text, "replicas.toml", "replicas", &[]).expect("the scenario is valid")
}

#[test]
fn each_replica_read_from_is_mg1_at_its_share_of_the_rate() {
    assert_eq!(SlotMap::new(3).node_of_rank(1), 1);
    let r = 3u32;
    let sc = scenario("hit_ratio = 1.0\nreplicas = 3\nread_from = \"replica\"", 12);
    let rho = LAMBDA * S / f64::from(r);
    // M/M/1: E[S^2] = 2 S^2, so the P-K wait is rho S / (1 - rho).
    let wait_ms = rho * S / (1.0 - rho) * 1e3;
    // Node 1's replicas are event loops 3 + 1 x 3 + j: replica books 3..6.
    let mut each = vec![Vec::new(); r as usize];
    for i in 0..sc.simulation.replications {
        let c = engine::run_replication(&sc, i).expect("runs");
        let secs = c.window.len().as_secs_f64();
        let books = c.replica.as_ref().expect("replica books");
        for (j, xs) in each.iter_mut().enumerate() {
            xs.push(books.busy[3 + j].as_secs_f64() / secs);
        }
        assert!(
            books.busy[..3].iter().all(|b| b.0 == 0),
            "node 0's replicas idle"
        );
        assert!(
            books.busy[6..].iter().all(|b| b.0 == 0),
            "node 2's replicas idle"
        );
        assert_eq!(c.busy.0, 0, "the primaries serve nothing");
    }
    for (j, xs) in each.iter().enumerate() {
        let e = Estimate::from_samples(xs);
        eprintln!(
            "replica {j}: utilisation {:.5} ± {:.5}, theory {rho}",
            e.mean, e.ci95
        );
        assert!(
            e.contains(rho),
            "replica {j}: {} ± {}, rho {rho}",
            e.mean,
            e.ci95
        );
    }
    let m = run(&sc).expect("runs");
    let (w, wci) = (
        m.metrics["redis.replica.queue_wait.mean_ms"],
        m.ci95["redis.replica.queue_wait.mean_ms"],
    );
    eprintln!("replica queue wait {w:.5} ± {wci:.5} ms, Pollaczek-Khinchine {wait_ms:.5}");
    assert!(
        (w - wait_ms).abs() <= wci,
        "wait {w} ± {wci}, P-K {wait_ms}"
    );
    // Every command went to a replica: the fleet's queue wait is theirs.
    assert_eq!(m.metrics["redis.queue_wait.mean_ms"], w);
    assert_eq!(m.metrics["redis.utilization"], 0.0);
    // Nine replicas, three of them busy: the mean is a third of rho.
    let (u, uci) = (
        m.metrics["redis.replica.utilization"],
        m.ci95["redis.replica.utilization"],
    );
    assert!((3.0 * u - rho).abs() <= 3.0 * uci, "{u} ± {uci}");
    // The busiest event loop is a replica.
    assert_eq!(
        m.metrics["redis.utilization.max"],
        m.metrics["redis.replica.utilization.max"]
    );
    assert_eq!(
        m.metrics["redis.replica.writes"], 0.0,
        "no misses, no writes"
    );
    // `capsim check` derives the same busiest loop.
    let f = models::scenario::derived::figures(&sc, 1.0)
        .cluster
        .expect("cluster mode");
    assert_eq!((f.node, f.loops), (1, 3));
    assert!(
        (f.redis_utilisation - rho).abs() < 1e-12,
        "{}",
        f.redis_utilisation
    );
}

/// `read_from = "any"`: the primary and its 2 replicas split the reads
/// evenly, each a third of the rate.
#[test]
fn any_node_shares_the_reads_with_the_primary() {
    let sc = scenario("hit_ratio = 1.0\nreplicas = 2\nread_from = \"any\"", 10);
    let rho = LAMBDA * S / 3.0;
    let mut loops = vec![Vec::new(); 3];
    for i in 0..sc.simulation.replications {
        let c = engine::run_replication(&sc, i).expect("runs");
        let secs = c.window.len().as_secs_f64();
        let books = c.replica.as_ref().expect("replica books");
        // Node 1's primary, then its replicas (books 2 and 3).
        loops[0].push(c.shards[1].busy.as_secs_f64() / secs);
        loops[1].push(books.busy[2].as_secs_f64() / secs);
        loops[2].push(books.busy[3].as_secs_f64() / secs);
    }
    for (k, xs) in loops.iter().enumerate() {
        let e = Estimate::from_samples(xs);
        eprintln!(
            "loop {k}: utilisation {:.5} ± {:.5}, theory {rho}",
            e.mean, e.ci95
        );
        assert!(
            e.contains(rho),
            "loop {k}: {} ± {}, rho {rho}",
            e.mean,
            e.ci95
        );
    }
}

#[test]
fn a_pool_per_replica_read_from() {
    let connections = |redis: &str| {
        let text = format!(
            r#"[simulation]
duration = "4s"
warmup = "1s"
[workload]
rate = 20
keys = 1000
[pods]
count = 2
[pool]
max_total = 20
min_idle = 5
[redis]
mode = "cluster"
shards = 3
{redis}
"#
        );
        let sc = parse(&text, "pools.toml", "pools", &[]).expect("valid");
        run(&sc).expect("runs").metrics["connections.open.mean"]
    };
    // 2 pods x 3 nodes x (1 primary + 2 replicas) x 5.
    assert_eq!(connections("replicas = 2\nread_from = \"replica\""), 90.0);
    // Reading from the primaries, the client opens none to the replicas.
    assert_eq!(connections("replicas = 2\nread_from = \"any\""), 90.0);
    assert_eq!(connections("replicas = 2"), 30.0);
    assert_eq!(connections(""), 30.0);
}

#[test]
fn every_write_costs_each_replica_a_command() {
    // The primary serves the reads and the writes: 1.5 x 4000 x 100 us =
    // 60% busy; each replica the writes only.
    let (h, r, lambda) = (0.5, 2.0, 4000.0);
    let sc = scenario_at(lambda, &format!("hit_ratio = {h}\nreplicas = 2"), 10);
    let rho = (1.0 - h) * lambda * S;
    let m = run(&sc).expect("runs");
    let secs = sc.simulation.duration.as_secs_f64();
    let (u, uci) = (
        m.metrics["redis.replica.utilization"],
        m.ci95["redis.replica.utilization"],
    );
    // Six replicas, node 1's two busy with its writes.
    eprintln!(
        "replicas of the hot node: {:.5} ± {:.5}, theory {rho}",
        3.0 * u,
        3.0 * uci
    );
    assert!(
        (3.0 * u - rho).abs() <= 3.0 * uci,
        "{u} ± {uci}, rho / 3 = {}",
        rho / 3.0
    );
    let (w, wci) = (
        m.metrics["redis.replica.writes"] / secs,
        m.ci95["redis.replica.writes"] / secs,
    );
    let writes = r * (1.0 - h) * lambda;
    eprintln!("replica writes {w:.1} ± {wci:.1} /s, theory {writes}");
    assert!((w - writes).abs() <= wci, "{w} ± {wci}, {writes}");
    // `capsim check`: the primary's reads and writes, one loop.
    let f = models::scenario::derived::figures(&sc, 1.0)
        .cluster
        .expect("cluster mode");
    assert_eq!(f.loops, 1);
    assert!((f.redis_utilisation - (1.0 + (1.0 - h)) * lambda * S).abs() < 1e-12);
    // The reads stay on the primary, the busiest loop.
    let (max, mean) = (
        m.metrics["redis.utilization.max"],
        m.metrics["redis.utilization"],
    );
    assert!(
        (max - 3.0 * mean).abs() < 1e-12 * max,
        "{max} vs 3 x {mean}"
    );
}

/// Faults strike primaries; connections to replicas are looked up in the
/// same per-event-loop books: a blackhole and a rolling restart with reads
/// from replicas run to the end, and the socket timeouts on the blackholed
/// primary fail commands.
#[test]
fn faults_with_replicas_run() {
    let text = r#"[simulation]
duration = "3s"
warmup = "500ms"
[workload]
rate = 4000
keys = 1000
[pods]
count = 3
[pool]
max_total = 4
acquire_timeout = "5ms"
[l1]
hit_ratio = 0.0
[client]
hold_during_fallback = true
socket_timeout = "100ms"
[redis]
mode = "cluster"
shards = 3
replicas = 2
read_from = "any"
hit_ratio = 0.7
[[faults]]
kind = "blackhole"
at = "1s"
shard = 1
[[faults]]
kind = "rolling_restart"
at = "2s"
pods = 1
interval = "200ms"
"#;
    let sc = parse(text, "faults.toml", "faults", &[]).expect("valid");
    let m = run(&sc).expect("runs");
    assert!(m.metrics["errors.socket_timeout"] > 0.0);
    assert!(m.metrics["redis.replica.writes"] > 0.0);
}
