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
//! The cases are the files `scenarios/a.toml`, `m.toml` and `b.toml` beside
//! this one; `capsim run benches/scenarios/a.toml` runs case (a) as measured.
//!
//! Criterion reports time per replication and, through `Throughput::Elements`,
//! simulated requests per second ("elem/s"). Run: `cargo bench --bench throughput`.

use common::{scenario, simulated_requests};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

mod common;
mod reference;

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("simulated_requests");
    group.sample_size(10);
    for (name, text) in [
        ("a_one_pod_n10", include_str!("scenarios/a.toml")),
        ("m_one_pod_multiplexed", include_str!("scenarios/m.toml")),
        ("b_fleet_l1_db", include_str!("scenarios/b.toml")),
    ] {
        let sc = scenario(text, name, &[]);
        group.throughput(Throughput::Elements(simulated_requests(&sc)));
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
