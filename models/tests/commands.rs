//! The command mix (`[[redis.commands]]`) against queueing theory, through
//! the whole engine.
//!
//! One shard fed by a pool that never binds (200 connections open from the
//! start, room for 10000) over constant round trips: commands reach the
//! shard as the Poisson arrivals themselves, so the shard is M/G/1 whose
//! service time is the mixture of the commands' times. Pollaczek-Khinchine
//! gives its mean queue wait from the mixture's first two moments,
//! `W = lambda E[S^2] / (2 (1 - rho))`, and its utilisation is
//! `rho = lambda E[S]`.
//!
//! Each check is the engine's Student-t 95% interval over replications; the
//! seed is fixed, so a failure is deterministic and is a disagreement at
//! that confidence for that sample.

use models::engine::run;
use models::scenario::{parse, Scenario};
use models::validate::{NO_L1, ONE_SHARD_ALWAYS_HITS, POOL_NEVER_BINDS};

/// Commands per millisecond.
const LAMBDA: f64 = 7.0;

/// `mix` (the `[[redis.commands]]` tables) on one shard at `LAMBDA`.
fn scenario(mix: &str) -> Scenario {
    let text = format!(
        r#"[simulation]
duration = "30s"
warmup = "200ms"
replications = 20
seed = 5

[workload]
rate = {rate}

{POOL_NEVER_BINDS}{NO_L1}{ONE_SHARD_ALWAYS_HITS}service_time = "50us"

{mix}
"#,
        rate = LAMBDA * 1000.0
    );
    parse(&text, "commands.toml", "commands", &[]).expect("the scenario is valid")
}

/// GET (70%, 50 us: `redis.service_time`, the entry's default) and an MGET
/// of 5 keys (30%, 40 us a key, so 200 us): E[S] = 95 us, E[S^2] = 13750
/// us^2, rho = 0.665 and W = 7 x 0.01375 / (2 x 0.335) = 0.1437 ms.
#[test]
fn a_mix_of_two_constant_commands_is_mg1() {
    let s = scenario(
        r#"[[redis.commands]]
name = "GET"
share = 0.7

[[redis.commands]]
name = "MGET"
share = 0.3
keys = 5
service_time = "40us"
"#,
    );
    let (m, m2) = s.redis.loop_time_moments();
    let (m_ms, m2_ms) = (m * 1e3, m2 * 1e6);
    assert!((m_ms - 0.095).abs() < 1e-12, "E[S] {m_ms} ms");
    assert!((m2_ms - 0.01375).abs() < 1e-12, "E[S^2] {m2_ms} ms^2");
    let rho = LAMBDA * m_ms;
    let wait = LAMBDA * m2_ms / (2.0 * (1.0 - rho));
    let r = run(&s).expect("the run completes");
    let (w, wci) = (
        r.metrics["redis.queue_wait.mean_ms"],
        r.ci95["redis.queue_wait.mean_ms"],
    );
    let (u, uci) = (r.metrics["redis.utilization"], r.ci95["redis.utilization"]);
    eprintln!(
        "M/G/1 mix: P-K wait {wait:.5} ms, simulated {w:.5} ± {wci:.5}; rho {rho:.4}, simulated {u:.5} ± {uci:.5}"
    );
    assert!(
        (w - wait).abs() <= wci,
        "queue wait {w} ± {wci}, P-K {wait}"
    );
    assert!((u - rho).abs() <= uci, "utilisation {u} ± {uci}, rho {rho}");
    // The M/D/1 at the same mean would wait less: the mix's spread shows.
    let md1 = LAMBDA * m_ms * m_ms / (2.0 * (1.0 - rho));
    assert!(w > md1 + 3.0 * wci, "{w} vs M/D/1 {md1}");
}

/// The mix draws from its own stream: the arrivals, and so the number of
/// requests, are those of the same scenario without a mix.
#[test]
fn the_mix_leaves_other_streams_alone() {
    let plain = run(&scenario("")).unwrap();
    let mixed = run(&scenario(
        "[[redis.commands]]\nname = \"GET\"\nshare = 0.5\n\n\
         [[redis.commands]]\nname = \"SET\"\nshare = 0.5\nservice_time = \"60us\"\n",
    ))
    .unwrap();
    assert_eq!(
        plain.metrics["requests.arrived"],
        mixed.metrics["requests.arrived"]
    );
    assert!(mixed.metrics["redis.utilization"] > plain.metrics["redis.utilization"]);
}
