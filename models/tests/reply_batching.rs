//! Reply batching (`redis.reply_batching`): the replies of one event-loop
//! pass leave together at its end. Checked on a capture worked out by hand,
//! and against queueing theory through the whole engine.
//!
//! # Theory
//! One shard fed by a pool that never binds (connections open from the
//! start) over constant round trips: commands reach the shard as a Poisson
//! stream, so its service is M/G/1 FIFO, unchanged by batching: utilisation
//! `rho = lambda E[S]` and queue wait to service start
//! `W = lambda E[S^2] / (2 (1 - rho))` (Pollaczek-Khinchine). What changes is
//! when a reply leaves: at the end of its pass, a gated single queue with no
//! switchover. Its mean response time, derived here (we found no published
//! formula for this exact rule, in which a command reaching an idle loop
//! begins a pass alone):
//!
//! - An arrival finds the loop idle with probability `1 - rho` and is done
//!   after its own `S`.
//! - Else it falls in a running pass of length `c` (set when the pass began,
//!   so the arrivals within it are Poisson whatever `c`), `A` after its
//!   start and `R` before its end. It is served in the next pass, which
//!   holds its own command and those of every other arrival during this
//!   pass: it is done after `R + S + rho c` on average, `= R + rho A + rho R
//!   + S`.
//! - The work in the system it finds is `V = R` plus the work of those that
//!   came during `A`: `E[V | busy] = E[R] + rho E[A]`, and `E[A] = E[R]` (a
//!   uniform point of a length-biased pass), so `E[R | busy] =
//!   E[V | busy] / (1 + rho)`, with `E[V] = W` (PASTA) and `E[V | busy] =
//!   W / rho`.
//!
//! So `E[T] = (1 - rho) E[S] + rho (W / rho + rho W / (rho (1 + rho)) + E[S])
//! = E[S] + W (1 + 2 rho) / (1 + rho)`: the FIFO response `E[S] + W` plus
//! `W rho / (1 + rho)`. The engine's latency adds the constant round trip.
//!
//! Each statistical check is the engine's Student-t 95% interval over
//! replications; the seed is fixed, so a failure is deterministic and is a
//! disagreement at that confidence for that sample.

use models::engine::run;
use models::scenario::{load, parse, Scenario};
use models::validate::{NO_L1, ONE_SHARD_ALWAYS_HITS, POOL_NEVER_BINDS};

mod common;
use common::{scratch, write_replay};

/// Commands per millisecond.
const LAMBDA: f64 = 7.0;
/// The constant round trip, ms.
const RTT: f64 = 0.1;

/// One shard at `LAMBDA` with `redis` (its `service_time`) and batching on
/// or off.
fn scenario(redis: &str, batching: bool) -> Scenario {
    let text = format!(
        r#"[simulation]
duration = "30s"
warmup = "200ms"
replications = 20
seed = 11

[workload]
rate = {rate}

{POOL_NEVER_BINDS}{NO_L1}{ONE_SHARD_ALWAYS_HITS}reply_batching = {batching}
{redis}
"#,
        rate = LAMBDA * 1000.0
    );
    parse(&text, "batching.toml", "batching", &[]).expect("the scenario is valid")
}

/// Checks utilisation and queue wait against M/G/1 and the mean latency
/// against the gated single queue, for service moments `m`, `m2` (ms, ms^2).
fn check_against_theory(s: &Scenario, m: f64, m2: f64) {
    let rho = LAMBDA * m;
    let wait = LAMBDA * m2 / (2.0 * (1.0 - rho));
    let response = m + wait * (1.0 + 2.0 * rho) / (1.0 + rho);
    let r = run(s).expect("the run completes");
    let get = |k: &str| (r.metrics[k], r.ci95[k]);
    let (u, uci) = get("redis.utilization");
    let (w, wci) = get("redis.queue_wait.mean_ms");
    let (l, lci) = get("latency.mean_ms");
    eprintln!(
        "rho {rho:.4}: simulated {u:.5} ± {uci:.5}; P-K wait {wait:.5} ms, simulated \
         {w:.5} ± {wci:.5}; gated response + rtt {:.5} ms, simulated {l:.5} ± {lci:.5} \
         (FIFO would be {:.5})",
        response + RTT,
        m + wait + RTT
    );
    assert!((u - rho).abs() <= uci, "utilisation {u} ± {uci}, rho {rho}");
    assert!(
        (w - wait).abs() <= wci,
        "queue wait {w} ± {wci}, P-K {wait}"
    );
    assert!(
        (l - (response + RTT)).abs() <= lci,
        "latency {l} ± {lci}, gated queue {}",
        response + RTT
    );
    // The FIFO response is outside the interval: batching shows.
    assert!(
        (l - (m + wait + RTT)).abs() > lci,
        "latency {l} ± {lci} cannot tell from FIFO"
    );
}

/// Exponential service, mean 100 us: rho = 0.7, W = 0.2333 ms, and the
/// gated response 0.1 + 0.2333 x 2.4 / 1.7 = 0.4294 ms against FIFO's 0.3333
/// (the latency adds the 0.1 ms round trip).
#[test]
fn batched_exponential_service_is_mg1_with_gated_replies() {
    let s = scenario(
        r#"service_time = { dist = "exponential", mean = "100us" }"#,
        true,
    );
    check_against_theory(&s, 0.1, 0.02);
}

/// Constant service of 100 us: rho = 0.7, W = 0.1167 ms, and the gated
/// response 0.1 + 0.1167 x 2.4 / 1.7 = 0.2647 ms against FIFO's 0.2167
/// (plus the round trip).
#[test]
fn batched_constant_service_is_md1_with_gated_replies() {
    let s = scenario(r#"service_time = "100us""#, true);
    check_against_theory(&s, 0.1, 0.01);
}

/// Batching moves only the replies: the same scenario with it off draws
/// the same arrivals and service times, so the server's books are equal to
/// the last digit, and only the latency and hold grow with it on.
#[test]
fn batching_changes_replies_only() {
    let redis = r#"service_time = { dist = "exponential", mean = "100us" }"#;
    let off = run(&scenario(redis, false)).unwrap();
    let on = run(&scenario(redis, true)).unwrap();
    for k in [
        "requests.arrived",
        "redis.commands",
        "redis.utilization",
        "redis.queue_wait.mean_ms",
        "redis.queue_wait.p99_ms",
    ] {
        assert_eq!(off.metrics[k], on.metrics[k], "{k}");
    }
    for k in ["latency.mean_ms", "pool.hold.mean_ms"] {
        assert!(on.metrics[k] > off.metrics[k], "{k}");
    }
}

/// Little's law on the pool: connections in use on average = arrival rate
/// x mean hold (here the whole request: the pool never binds), within the
/// two intervals.
#[test]
fn littles_law_holds_with_batching() {
    let s = scenario(
        r#"service_time = { dist = "exponential", mean = "100us" }"#,
        true,
    );
    let r = run(&s).unwrap();
    let (n, nci) = (r.metrics["pool.in_use.mean"], r.ci95["pool.in_use.mean"]);
    let (h, hci) = (r.metrics["pool.hold.mean_ms"], r.ci95["pool.hold.mean_ms"]);
    eprintln!("in use {n:.4} ± {nci:.4}; lambda x hold {:.4}", LAMBDA * h);
    assert!(
        (n - LAMBDA * h).abs() <= nci + LAMBDA * hci,
        "in use {n} ± {nci}, lambda x hold {} ± {}",
        LAMBDA * h,
        LAMBDA * hci
    );
}

/// A capture (milliseconds) replayed on a pool of 5 connections opened
/// during a 1 s warm-up, 1 ms round trips and 1 ms commands.
fn capture(batching: bool) -> Scenario {
    let d = scratch(if batching { "on" } else { "off" });
    // Five requests, then one alone a minute later; the capture's mean rate
    // (0.1/s) gives the warm-up few Poisson requests, all done long before.
    let times = [0.0, 0.2, 0.4, 1.3, 3.2, 60_000.0];
    let lines: Vec<String> = times.iter().map(|t| format!("{t}")).collect();
    let p = write_replay(
        &d,
        &lines,
        &format!(
            r#"[simulation]
duration = "61s"
warmup = "1s"
replications = 1
[workload]
arrivals = {{ file = "capture.txt", unit = "ms" }}
[pool]
max_total = 5
min_idle = 5
[network]
rtt = {{ dist = "constant", value = "1ms" }}
[redis]
service_time = "1ms"
accept_cost = "0s"
reply_batching = {batching}
[l1]
lookup_time = "0s"
"#
        ),
    );
    load(&p, &[]).unwrap()
}

/// Requests A to E reach Redis half a round trip after they are sent, at
/// 0.5, 0.7, 0.9, 1.8 and 3.7 ms. A finds the loop idle: a pass of its
/// own, [0.5, 1.5], reply at 1.5 and latency 2.0 ms. B and C come during
/// it and make the next pass, [1.5, 3.5]: both replies leave at 3.5
/// (latencies 3.8 and 3.6 ms; without batching B's would leave at 2.5, 2.8
/// ms). D comes during that pass: its own pass [3.5, 4.5], latency 3.7 ms;
/// E during D's: [4.5, 5.5], latency 2.8 ms. The last request is alone:
/// 2.0 ms. Means 17.9 / 6 and, without batching, 16.9 / 6 ms.
#[test]
fn a_capture_worked_out_by_hand() {
    for (batching, sum, max) in [(true, 17.9, 3.8), (false, 16.9, 3.7)] {
        let r = run(&capture(batching)).unwrap();
        assert_eq!(r.metrics["requests.arrived"], 6.0);
        assert_eq!(r.metrics["pool.acquire_wait.max_ms"], 0.0);
        let mean = r.metrics["latency.mean_ms"];
        eprintln!("batching {batching}: mean {mean} ms, by hand {}", sum / 6.0);
        assert!((mean - sum / 6.0).abs() < 1e-9, "{mean} vs {}", sum / 6.0);
        let got = r.metrics["latency.max_ms"];
        assert!((got - max).abs() <= max * 1e-3, "max {got} vs {max}");
        // Queue waits to service start are the same either way: B 0.8, C
        // 1.6, D 1.7, E 0.8 ms.
        let w = r.metrics["redis.queue_wait.mean_ms"];
        assert!((w - 4.9 / 6.0).abs() < 1e-3, "queue wait {w}");
    }
}
