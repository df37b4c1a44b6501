//! Simulated requests per second of wall time, on one core.
//!
//! (a) one pod, a pool of 10, 9,000 requests/s, exponential 1 ms holds, a 1 ms
//!     acquire timeout: the target is at least 0.75 of the minimal reference
//!     simulator's speed, run beside it (see `reference/mod.rs`).
//! (b) 10 pods, 2 shards, L1 hit ratio 0.9, Redis hit ratio 0.9 with the
//!     database fallback.
//! (m) case (a)'s traffic through one multiplexed connection instead of a
//!     pool (`client.transport = "multiplexed"`): the target is at least
//!     case (a)'s speed per request.
//!
//! Each case runs twice: as `capsim run`, `capsim sweep` and `capsim validate`
//! run it (metrics only; the target applies here), and `_with_series`,
//! as `capsim run --report` runs it (also keeping the time series for charts).
//!
//! Criterion reports time per replication and, through `Throughput::Elements`,
//! simulated requests per second ("elem/s"). Run: `cargo bench --bench throughput`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use models::scenario::{parse, Scenario};

mod reference;

const CASE_A: &str = r#"
[simulation]
duration = "20s"
warmup = "1s"
[workload]
rate = 9000
[pool]
max_total = 10
acquire_timeout = "1ms"
[network]
rtt = { dist = "exponential", mean = "1ms" }
"#;

const CASE_M: &str = r#"
[simulation]
duration = "20s"
warmup = "1s"
[workload]
rate = 9000
[network]
rtt = { dist = "exponential", mean = "1ms" }
[client]
transport = "multiplexed"
connections = 1
"#;

const CASE_B: &str = r#"
[simulation]
duration = "20s"
warmup = "1s"
[workload]
rate = 20000
[pods]
count = 10
[pool]
max_total = 8
acquire_timeout = "5ms"
[network]
rtt = { dist = "exponential", mean = "500us" }
[redis]
shards = 2
service_time = { dist = "exponential", mean = "10us" }
hit_ratio = 0.9
[l1]
hit_ratio = 0.9
[database]
latency = { dist = "lognormal", median = "2ms", p99 = "20ms" }
"#;

fn scenario(text: &str, name: &str) -> Scenario {
    parse(text, name, name, &[]).expect("benchmark scenario is valid")
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulated_requests");
    group.sample_size(10);
    for (name, text) in [
        ("a_one_pod_n10", CASE_A),
        ("m_one_pod_multiplexed", CASE_M),
        ("b_fleet_l1_db", CASE_B),
    ] {
        let sc = scenario(text, name);
        let arrived = models::engine::run_replication(&sc, 0)
            .expect("runs")
            .metrics(sc.pool.max_total, sc.redis.shards)["requests.arrived"];
        // Warm-up arrivals are simulated too: count them in the throughput.
        let total = arrived * (sc.simulation.duration + sc.simulation.warmup).as_secs_f64()
            / sc.simulation.duration.as_secs_f64();
        group.throughput(Throughput::Elements(total as u64));
        group.bench_function(name, |b| {
            b.iter(|| models::engine::run_replication_with(&sc, 0, false).expect("runs"))
        });
        group.bench_function(format!("{name}_with_series"), |b| {
            b.iter(|| models::engine::run_replication_with(&sc, 0, true).expect("runs"))
        });
    }
    // The machine's yardstick: a minimal simulator of case (a) with one
    // generic event heap (see `reference/mod.rs`). The target for (a) is
    // a share of its speed (first half, now 0.75), measured side by side.
    let arrived = reference::run(21, 1).arrived;
    group.throughput(Throughput::Elements(arrived));
    group.bench_function("reference_minimal_a", |b| b.iter(|| reference::run(21, 1)));
    group.bench_function("reference_minimal_a_eager_timeouts", |b| {
        b.iter(|| reference::run_eager(21, 1))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
