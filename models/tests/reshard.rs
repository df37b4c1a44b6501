//! Resharding a Redis Cluster (`[[faults]] kind = "reshard"`): slots that
//! move between nodes during the run, and the redirects clients get.
//!
//! - Moving a node's slots all at once: each pod gets exactly one MOVED (its
//!   slot map is then current) and no ASK; afterwards the old node serves
//!   nothing but those redirects, and the new one carries its keys' share
//!   of the commands x the rate x the service time (Student-t 95% interval
//!   over replications).
//! - Moving slots one by one: the ASK redirects are the reads of keys that
//!   have moved while their slot still migrates. Reads are Poisson, so the
//!   count is Poisson with mean (reads per key per second) x the summed
//!   time each key spends moved in a migrating slot, computed from the
//!   plan; it must lie within 4 standard deviations. With half the reads
//!   missing Redis, a miss's SET goes by the slot map to the source and is
//!   asked again: (2 - hit) times as many, a compound Poisson count.

use models::engine::{self, reshard::key_moves_at};
use models::scenario::{parse, Scenario};
use models::slots::{SlotMap, SLOTS};
use sim::summary::Estimate;
use sim::time::SimTime;

/// 4 pods on 3 nodes of constant commands, 100,000 keys read uniformly, one
/// reshard `fault` (the lines of a `[[faults]]` table); `extra` lines of
/// `[simulation]`, then any tables.
fn scenario(rate: u32, rtt: &str, service: &str, fault: &str, extra: &str) -> Scenario {
    parse(
        &format!(
            r#"
[simulation]
replications = 4
{sim}
[workload]
rate = {rate}
keys = 100000
[pods]
count = 4
[pool]
max_total = 20
[network]
rtt = "{rtt}"
[redis]
mode = "cluster"
shards = 3
service_time = "{service}"
accept_cost = "0us"
[[faults]]
kind = "reshard"
{fault}
{tables}
"#,
            sim = extra.split_once("\n[").map_or(extra, |(a, _)| a),
            tables = extra
                .split_once("\n[")
                .map_or(String::new(), |(_, b)| format!("[{b}")),
        ),
        "reshard.toml",
        "reshard",
        &[],
    )
    .expect("valid scenario")
}

/// Node 1's 5,462 slots (5461-10922) move to node 0 as the window opens.
const ALL_AT_ONCE: &str = "at = \"0s\"\nshard = 1\nto = 0\nslots = 5462\nduration = \"0s\"";

#[test]
fn moving_a_nodes_slots_at_once_sends_each_pod_one_moved() {
    // A pod's second read to node 1 could overtake its first MOVED only if
    // it reached node 1 within the MOVED's 1 us there (the round trip is
    // zero): about 500 reads/s x 1 us x 1/3 = 0.0002 per pod.
    // A Redis that serves in no time (the default service time) answers
    // redirects too.
    for service in ["1us", "0us"] {
        let extra = "duration = \"5s\"\nwarmup = \"1s\"";
        let sc = scenario(2000, "0s", service, ALL_AT_ONCE, extra);
        let r = engine::run(&sc).expect("runs");
        for (i, m) in r.replications.iter().enumerate() {
            let at = format!("{service}, replication {i}");
            assert_eq!(m["redis.redirects.moved"], 4.0, "{at}");
            assert_eq!(m["redis.redirects.ask"], 0.0, "{at}");
            assert_eq!(m["requests.failed_ratio"], 0.0, "{at}");
        }
    }
}

#[test]
fn after_a_reshard_the_new_owner_carries_the_moved_keys() {
    let mut sc = scenario(
        6000,
        "200us",
        "50us",
        ALL_AT_ONCE,
        "duration = \"4s\"\nwarmup = \"1s\"",
    );
    sc.simulation.replications = 10;
    let map = SlotMap::new(3);
    let keys = 100_000u64;
    let share = (1..=keys).filter(|&k| map.node_of_rank(k) <= 1).count() as f64 / keys as f64;
    let expected = share * sc.workload.rate * 50e-6;
    let mut node0 = Vec::new();
    for i in 0..sc.simulation.replications {
        let c = engine::run_replication(&sc, i).expect("runs");
        let secs = (c.window.end - c.window.start).as_secs_f64();
        node0.push(c.shards[0].busy.as_secs_f64() / secs);
        // Node 1 only answers MOVED (a PING's time each, here a command's),
        // plus what it started before the window opened.
        let moved = c.redirects.expect("a resharding")[0];
        let redirects = SimTime::from_micros(50 * moved);
        let busy = c.shards[1].busy;
        assert!(
            busy >= redirects && busy <= redirects + SimTime::from_micros(50),
            "node 1 busy {busy} with {moved} MOVED"
        );
    }
    let e = Estimate::from_samples(&node0);
    println!("node 0: {} ± {}, theory {expected}", e.mean, e.ci95);
    assert!(
        e.contains(expected),
        "node 0: simulated {} ± {}, theory {expected} (share {share})",
        e.mean,
        e.ci95
    );
}

/// Runs 200 slots of node 0 moving to node 2 over 60 s (300 ms each) with
/// Redis hit ratio `hit` and an instant database; returns the ASKs over the
/// replications and their expectation for the GETs alone.
fn asks(hit: f64) -> (f64, f64) {
    let (at, duration, slots) = (5u64, 60u64, 200u64);
    let fault =
        format!("at = \"{at}s\"\nshard = 0\nto = 2\nslots = {slots}\nduration = \"{duration}s\"");
    let extra = "duration = \"70s\"\nwarmup = \"1s\"\n[database]\nlatency = \"0us\"";
    let mut sc = scenario(20_000, "200us", "10us", &fault, extra);
    sc.redis.hit_ratio = hit;
    let keys = 100_000u64;
    let plan = SlotMap::new(3).plan(&[(0, 2, slots as u32)]).unwrap();
    let start = sc.simulation.warmup + SimTime::from_secs(at);
    let window = |i: u64| start + SimTime::from_nanos(duration * 1_000_000_000 * i / slots);
    let mut place = vec![None; SLOTS as usize];
    for (i, &s) in plan[0].iter().enumerate() {
        place[s as usize] = Some((window(i as u64), window(i as u64 + 1)));
    }
    // Seconds each key spends moved while its slot migrates, summed.
    let moved_secs: f64 = (1..=keys)
        .filter_map(|k| {
            let (from, to) = place[models::slots::rank_slot(k) as usize]?;
            Some((to - key_moves_at(from, to, k)).as_secs_f64())
        })
        .sum();
    let per_key = sc.workload.rate / keys as f64;
    let expected = per_key * moved_secs * f64::from(sc.simulation.replications);
    let r = engine::run(&sc).expect("runs");
    assert!(r.metrics["redis.redirects.moved"] >= 4.0);
    assert_eq!(r.metrics["requests.failed_ratio"], 0.0);
    let asks = r
        .replications
        .iter()
        .map(|m| m["redis.redirects.ask"])
        .sum();
    (asks, expected)
}

#[test]
fn ask_redirects_are_the_reads_of_moved_keys_in_migrating_slots() {
    // Every key is in Redis: a read is asked at most once, so the count is
    // Poisson.
    let (asks, expected) = asks(1.0);
    let sd = expected.sqrt();
    println!("{asks} ASK, expected {expected:.1} ± {sd:.1} (Poisson sd)");
    assert!(
        (asks - expected).abs() < 4.0 * sd,
        "{asks} ASK, expected {expected:.1} ± {sd:.1}"
    );
}

#[test]
fn a_miss_sends_its_set_by_the_slot_map_and_is_asked_again() {
    // Half the reads miss Redis and SET the key at once after the
    // (instant) database: the SET goes by the pod's slot map to the source,
    // which asks it again if the key has moved. A read whose GET is asked
    // (probability p) is asked once if it hits, twice if it misses: X = 1
    // with probability hit x p, 2 with (1 - hit) x p. So the count has mean
    // (2 - hit) times the GETs' expectation, and (compound Poisson) variance
    // E[X^2] / E[X] = (hit + 4 (1 - hit)) / (2 - hit) times its mean. Left
    // out: the 0.2 ms between a GET and its SET against slots of 300 ms.
    let hit = 0.5;
    let (asks, per_get) = asks(hit);
    let expected = per_get * (2.0 - hit);
    let sd = (expected * (hit + 4.0 * (1.0 - hit)) / (2.0 - hit)).sqrt();
    println!("{asks} ASK, expected {expected:.1} ± {sd:.1}");
    assert!(
        (asks - expected).abs() < 4.0 * sd,
        "{asks} ASK, expected {expected:.1} ± {sd:.1}"
    );
}
