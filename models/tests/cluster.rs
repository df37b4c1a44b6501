//! Redis Cluster mode: each read's key picks its slot and node, and each pod
//! keeps one pool per node.
//!
//! - one hot key on 3 nodes loads exactly one shard: its utilisation is three
//!   times the mean over shards, the others do nothing;
//! - 2 pods x 3 nodes with `min_idle = 5` hold 30 connections (5 per pool);
//! - the hottest node's utilisation is its share of the commands x the
//!   command rate x the service time, its share summed from the key
//!   popularity over the keys whose slots it owns, within the Student-t 95%
//!   interval over replications.

use models::engine::{self, RunReport};
use models::scenario::{parse, Popularity, Scenario};
use models::slots::SlotMap;
use sim::summary::Estimate;

/// 2 pods, 3 shards of constant 50 us commands; `redis`, `workload` and
/// `pool` are extra lines of those tables.
fn scenario(redis: &str, workload: &str, pool: &str) -> Scenario {
    parse(
        &format!(
            r#"
[simulation]
duration = "4s"
warmup = "1s"
replications = 2
[workload]
{workload}
[pods]
count = 2
[pool]
max_total = 20
{pool}
[network]
rtt = "200us"
[redis]
shards = 3
service_time = "50us"
accept_cost = "0us"
{redis}
"#
        ),
        "cluster.toml",
        "cluster",
        &[],
    )
    .expect("valid scenario")
}

const CLUSTER: &str = "mode = \"cluster\"";

fn run(sc: &Scenario) -> RunReport {
    engine::run(sc).expect("runs")
}

#[test]
fn one_hot_key_loads_exactly_one_shard() {
    let sc = scenario(CLUSTER, "rate = 6000\nkeys = 1", "");
    // `key:1` hashes to slot 6657, which the second of three nodes owns.
    assert_eq!(SlotMap::new(3).node_of_rank(1), 1);
    let c = engine::run_replication(&sc, 0).expect("runs");
    assert!(c.shards[1].busy.0 > 0);
    assert_eq!(c.shards[0].busy.0, 0, "node 0 serves nothing");
    assert_eq!(c.shards[2].busy.0, 0, "node 2 serves nothing");
    let r = run(&sc);
    let (mean, max) = (
        r.metrics["redis.utilization"],
        r.metrics["redis.utilization.max"],
    );
    // 6000 commands/s x 50 us on one node: about 30% busy.
    assert!(max > 0.25 && max < 0.35, "{max}");
    assert!(
        (max - 3.0 * mean).abs() < 1e-12 * max,
        "{max} vs 3 x {mean}"
    );
    // Through a proxy the same load spreads over the three shards.
    let proxy = run(&scenario("", "rate = 6000\nkeys = 1", ""));
    let (pmean, pmax) = (
        proxy.metrics["redis.utilization"],
        proxy.metrics["redis.utilization.max"],
    );
    assert!(pmax < 1.1 * pmean, "proxy: busiest {pmax} vs mean {pmean}");
}

#[test]
fn two_pods_on_three_nodes_with_min_idle_5_hold_30_connections() {
    let (workload, pool) = ("rate = 20\nkeys = 1000", "min_idle = 5");
    let cluster = run(&scenario(CLUSTER, workload, pool));
    assert_eq!(cluster.metrics["connections.open.mean"], 30.0);
    // One pool per pod through a proxy: 2 x 5.
    let proxy = run(&scenario("", workload, pool));
    assert_eq!(proxy.metrics["connections.open.mean"], 10.0);
}

#[test]
fn the_hottest_node_carries_its_keys_share_of_the_commands() {
    let keys = 1000;
    let alpha = 1.2;
    let workload = format!(
        "rate = 6000\nkeys = {keys}\nkey_popularity = {{ dist = \"zipf\", alpha = {alpha} }}"
    );
    let mut sc = scenario(CLUSTER, &workload, "");
    sc.simulation.replications = 10;
    let map = SlotMap::new(3);
    let pmf = Popularity::zipf(keys, alpha).unwrap().pmf();
    let mut share = [0.0; 3];
    for (i, p) in pmf.iter().enumerate() {
        share[map.node_of_rank(i as u64 + 1) as usize] += p;
    }
    let hottest = (0..3)
        .max_by(|&a, &b| share[a].total_cmp(&share[b]))
        .unwrap();
    let expected = share[hottest] * sc.workload.rate * 50e-6;
    let per_rep: Vec<f64> = (0..sc.simulation.replications)
        .map(|i| {
            let c = engine::run_replication(&sc, i).expect("runs");
            c.shards[hottest].busy.as_secs_f64() / c.window.len().as_secs_f64()
        })
        .collect();
    let e = Estimate::from_samples(&per_rep);
    assert!(
        e.contains(expected),
        "node {hottest}: simulated {} ± {}, theory {expected} (share {})",
        e.mean,
        e.ci95,
        share[hottest]
    );
    // `capsim check` derives the same node, share and utilisation.
    let f = models::scenario::derived::figures(&sc, 1.0)
        .cluster
        .expect("cluster mode");
    assert_eq!(f.node as usize, hottest);
    assert!((f.share - share[hottest]).abs() < 1e-12, "{}", f.share);
    assert!(
        (f.redis_utilisation - expected).abs() < 1e-9 * expected,
        "{} vs {expected}",
        f.redis_utilisation
    );
    // And it is the busiest shard the metric names.
    let r = run(&sc);
    assert!(r.metrics["redis.utilization.max"] > 1.3 * r.metrics["redis.utilization"]);
}
