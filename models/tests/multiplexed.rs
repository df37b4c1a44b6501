//! The multiplexed transport against theory and its own ordering rule.
//!
//! One shared connection per pod, Poisson arrivals, a constant round trip and
//! one shard with a constant service time: the shard is an M/D/1 queue (its
//! arrivals are the fleet's Poisson stream; a constant round trip keeps each
//! connection's commands in order without delaying any), so a request's mean
//! latency is the round trip plus the service time plus the
//! Pollaczek-Khinchine wait `rho S / (2 (1 - rho))`. The check is the
//! Student-t 95% interval over replications.
//!
//! Whatever the round trips, shards and service times, replies on one
//! connection come back in the order their commands were written: the engine
//! counts any reply that overtakes an earlier one, and that count stays 0.

use models::engine::{run, run_replication};
use models::scenario::parse;
use proptest::prelude::*;
use sim::queueing::md1_mean_wait;
use sim::summary::Estimate;

fn md1_toml(rate: f64) -> String {
    format!(
        r#"[simulation]
duration = "40s"
warmup = "2s"
replications = 10
seed = 17

[workload]
rate = {rate}

[pods]
count = 4

[network]
rtt = "200us"

[redis]
service_time = "100us"

[l1]
lookup_time = "0s"

[client]
transport = "multiplexed"
connections = 1
socket_timeout = "none"
"#
    )
}

#[test]
fn one_connection_per_pod_is_an_md1_queue_behind_the_round_trip() {
    let service_ms = 0.1;
    for rho in [0.3, 0.6, 0.85] {
        let rate = rho / (service_ms / 1000.0);
        let sc = parse(&md1_toml(rate), "md1.toml", "md1", &[]).unwrap();
        let report = run(&sc).unwrap();
        let xs: Vec<f64> = report
            .replications
            .iter()
            .map(|m| m["latency.mean_ms"])
            .collect();
        let e = Estimate::from_samples(&xs);
        let lambda_per_ms = rate / 1000.0;
        let wait = md1_mean_wait(lambda_per_ms, 1.0 / service_ms);
        let theory = 0.2 + service_ms + wait;
        assert!(
            e.contains(theory),
            "rho {rho}: simulated mean latency {:.5} ± {:.5} ms, theory {theory:.5} ms",
            e.mean,
            e.ci95
        );
        assert_eq!(report.metrics["requests.failed"], 0.0);
        // Little's law on each connection: commands queued = rate x time.
        let per_conn = lambda_per_ms / 4.0 * theory;
        let q = Estimate::from_samples(
            &report
                .replications
                .iter()
                .map(|m| m["connections.queued.mean"])
                .collect::<Vec<_>>(),
        );
        assert!(
            q.contains(per_conn),
            "rho {rho}: queued {:.5} ± {:.5}, Little {per_conn:.5}",
            q.mean,
            q.ci95
        );
    }
}

#[test]
fn a_slow_command_delays_every_reply_behind_it_on_its_connection() {
    // Rare 50 ms commands on a quiet shard: with one shared connection every
    // reply queued behind a slow one waits for it; the same load spread over
    // many connections still waits behind it at the shard's FIFO event loop,
    // so the connection count changes nothing here: the delay is the shard's.
    let text = |transport: &str| {
        format!(
            r#"[simulation]
duration = "20s"
warmup = "1s"
replications = 4

[workload]
rate = 2000

[network]
rtt = "500us"

[redis]
service_time = {{ dist = "quantiles", p50 = "20us", p90 = "30us", p99 = "40us", p999 = "50ms" }}

[l1]
lookup_time = "0s"

[pool]
max_total = 50

[client]
transport = "{transport}"
socket_timeout = "none"
"#
        )
    };
    let m = run(&parse(&text("multiplexed"), "a.toml", "a", &[]).unwrap()).unwrap();
    assert!(m.metrics["connections.queued.max"] >= 5.0);
    assert!(m.metrics["latency.p999_ms"] > 10.0);
}

#[derive(Clone, Debug)]
struct Knobs {
    seed: u64,
    rate: f64,
    pods: u32,
    connections: u32,
    shards: u32,
    rtt: String,
    service: String,
    hit_ratio: f64,
    reads: u32,
    timeout_us: Option<u64>,
    max_queued: Option<u32>,
}

prop_compose! {
    fn knobs()(
        seed in 0..(1u64 << 62),
        rate in 100.0..20_000.0f64,
        pods in 1..4u32,
        connections in 1..4u32,
        shards in 1..4u32,
        rtt in prop_oneof![
            (50..2_000u64).prop_map(|us| format!("\"{us}us\"")),
            (50..2_000u64)
                .prop_map(|us| format!("{{ dist = \"exponential\", mean = \"{us}us\" }}")),
            (10..500u64, 1..3_000u64).prop_map(|(lo, w)| format!(
                "{{ dist = \"uniform\", low = \"{lo}us\", high = \"{}us\" }}",
                lo + w
            )),
        ],
        service in prop_oneof![
            (0..60u64).prop_map(|us| format!("\"{us}us\"")),
            (1..60u64).prop_map(|us| format!("{{ dist = \"exponential\", mean = \"{us}us\" }}")),
        ],
        hit_ratio in 0.0..=1.0f64,
        reads in 1..3u32,
        timeout_us in prop::option::of(200..5_000u64),
        max_queued in prop::option::of(1..20u32),
    ) -> Knobs {
        Knobs {
            seed, rate, pods, connections, shards, rtt, service, hit_ratio, reads, timeout_us,
            max_queued,
        }
    }
}

impl Knobs {
    fn toml(&self) -> String {
        let timeout = self
            .timeout_us
            .map_or("\"none\"".to_string(), |us| format!("\"{us}us\""));
        let max_queued = self
            .max_queued
            .map_or("\"none\"".to_string(), |n| n.to_string());
        format!(
            r#"[simulation]
duration = "1s"
warmup = "100ms"
seed = {seed}

[workload]
rate = {rate}
reads_per_request = {reads}

[pods]
count = {pods}

[network]
rtt = {rtt}

[redis]
shards = {shards}
service_time = {service}
hit_ratio = {hit}

[database]
latency = "1ms"

[client]
transport = "multiplexed"
connections = {connections}
socket_timeout = {timeout}
max_queued = {max_queued}
retries = 1
"#,
            seed = self.seed,
            rate = self.rate,
            reads = self.reads,
            pods = self.pods,
            rtt = self.rtt,
            shards = self.shards,
            service = self.service,
            hit = self.hit_ratio,
            connections = self.connections,
        )
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn replies_on_one_connection_never_overtake_each_other(k in knobs()) {
        let sc = parse(&k.toml(), "p.toml", "p", &[]).unwrap();
        let c = run_replication(&sc, 0).unwrap();
        prop_assert!(c.delivered > 0 || c.command_timeouts > 0);
        prop_assert_eq!(c.overtaken, 0);
        let failed: u64 = c.failed.iter().sum();
        prop_assert_eq!(c.ok + failed, c.arrived);
    }
}
