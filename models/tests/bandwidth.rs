//! A shard's outbound link (`redis.bandwidth`) against queueing theory,
//! through the whole engine.
//!
//! The event loop takes no time and the pool never binds (200 connections
//! open from the start, room for 10000), over constant round trips: replies
//! reach the link as the Poisson arrivals themselves. With a constant value
//! size each reply occupies the link for the same time, so the link is
//! M/D/1: utilisation `rho = lambda D` and mean wait
//! `rho D / (2 (1 - rho))` (Pollaczek-Khinchine with `E[S^2] = D^2`).
//!
//! Each check is the engine's Student-t 95% interval over replications; the
//! seed is fixed, so a failure is deterministic and is a disagreement at
//! that confidence for that sample.

use models::engine::{run, RunReport};
use models::scenario::parse;
use models::validate::{NO_L1, POOL_NEVER_BINDS};

/// Replies per millisecond.
const LAMBDA: f64 = 7.0;

fn scenario(redis: &str) -> models::scenario::Scenario {
    scenario_hitting(1.0, redis)
}

/// The scenario with Redis hit ratio `hit`.
fn scenario_hitting(hit: f64, redis: &str) -> models::scenario::Scenario {
    let text = format!(
        r#"[simulation]
duration = "30s"
warmup = "200ms"
replications = 20
seed = 3

[workload]
rate = {rate}

{POOL_NEVER_BINDS}{NO_L1}
[redis]
shards = 1
hit_ratio = {hit}
accept_cost = "0us"
service_time = "0us"
{redis}
"#,
        rate = LAMBDA * 1000.0
    );
    parse(&text, "bandwidth.toml", "bandwidth", &[]).expect("the scenario is valid")
}

/// Checks the link's simulated utilisation and mean wait (over the replies
/// it sends) against M/D/1's `rho` and `wait` (ms), each within its 95%
/// interval.
fn assert_link_is_md1(r: &RunReport, what: &str, rho: f64, wait: f64) {
    let (u, uci) = (
        r.metrics["redis.bandwidth.utilization"],
        r.ci95["redis.bandwidth.utilization"],
    );
    let (w, wci) = (
        r.metrics["redis.bandwidth.wait.mean_ms"],
        r.ci95["redis.bandwidth.wait.mean_ms"],
    );
    eprintln!(
        "{what}: rho {rho:.4}, simulated {u:.5} ± {uci:.5}; wait {wait:.5} ms, simulated {w:.5} ± {wci:.5}"
    );
    assert!((u - rho).abs() <= uci, "utilisation {u} ± {uci}, rho {rho}");
    assert!(
        (w - wait).abs() <= wci,
        "link wait {w} ± {wci}, M/D/1 {wait}"
    );
}

/// 1250-byte values on a 100 Mbit/s link: 100 us a reply, rho = 0.7, and
/// the M/D/1 mean wait 0.7 x 0.1 / (2 x 0.3) = 0.1167 ms.
#[test]
fn a_link_with_constant_values_is_md1() {
    let s = scenario("value_size = \"1250B\"\nbandwidth = \"100Mbit\"");
    let d_ms = s.redis.reply_secs_mean() * 1e3;
    assert!((d_ms - 0.1).abs() < 1e-12, "D = {d_ms} ms");
    let rho = LAMBDA * d_ms;
    let wait = rho * d_ms / (2.0 * (1.0 - rho));
    let r = run(&s).expect("the run completes");
    assert_link_is_md1(&r, "M/D/1 link", rho, wait);
    // The event loop itself takes no time: only the link queues.
    assert_eq!(r.metrics["redis.queue_wait.mean_ms"], 0.0);
    // A request's latency is the round trip, the wait and the sending.
    let latency = 0.1 + wait + d_ms;
    let (l, lci) = (r.metrics["latency.mean_ms"], r.ci95["latency.mean_ms"]);
    assert!(
        (l - latency).abs() <= lci,
        "latency {l} ± {lci}, expected {latency}"
    );
}

/// A Redis miss's reply is a nil, a few bytes: it skips the link, as does
/// the SET that fills the key after the database. With hit ratio `h` the
/// replies that use the link are the hits, a Poisson thinning at `h lambda`:
/// the link is M/D/1 at that rate, its utilisation
/// `h x value bits x lambda / bandwidth` and its mean wait (over the replies
/// it sends) Pollaczek-Khinchine's.
#[test]
fn a_miss_reply_skips_the_link() {
    let h = 0.6;
    let s = scenario_hitting(h, "value_size = \"1250B\"\nbandwidth = \"100Mbit\"");
    let d_ms = 1250.0 * 8.0 / 100e6 * 1e3;
    let rho = h * LAMBDA * d_ms;
    let wait = rho * d_ms / (2.0 * (1.0 - rho));
    let r = run(&s).expect("the run completes");
    assert_link_is_md1(&r, "link with misses", rho, wait);
}

/// Without a bandwidth the link metrics are not reported, and a value size
/// alone changes nothing.
#[test]
fn no_bandwidth_no_link() {
    let plain = run(&scenario("")).unwrap();
    let sized = run(&scenario("value_size = \"1MB\"")).unwrap();
    assert!(!plain.metrics.contains_key("redis.bandwidth.utilization"));
    assert_eq!(plain.metrics, sized.metrics);
}
