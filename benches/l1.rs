//! What a keyed L1 costs: simulated requests per second with per-pod caches
//! against the same scenario with the fixed-ratio L1.
//!
//! The scenario: 10 pods, 20,000 requests/s, 1,000,000 keys with Zipf 0.8
//! popularity, each pod's cache holding 1% of the keys (10,000 entries),
//! LRU and W-TinyLFU. The fixed-ratio case is the same scenario with
//! `l1.hit_ratio` set to the hit ratio the W-TinyLFU case measures, so both
//! send the same share of reads on to the pool, Redis and the database, and
//! the difference is the cost of drawing keys and keeping the caches. The
//! target: the keyed case runs at no less than half the fixed-ratio speed.
//!
//! The keyed scenario is the file `scenarios/l1-keyed.toml` beside this one
//! (`capsim run benches/scenarios/l1-keyed.toml` runs the W-TinyLFU case).
//!
//! Run: `cargo bench --bench l1`.

use common::{metric, simulated_requests};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use models::scenario::Scenario;

mod common;

/// The keyed case, a whole scenario.
const KEYED: &str = include_str!("scenarios/l1-keyed.toml");

fn scenario(text: &str, overrides: &[String]) -> Scenario {
    common::scenario(text, "l1", overrides)
}

fn bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("l1");
    group.sample_size(10);
    let tinylfu = scenario(KEYED, &[]);
    let lru = scenario(KEYED, &["l1.policy=lru".to_string()]);
    let hit = metric(&tinylfu, "l1.hit_ratio");
    // The fixed-ratio twin: no keyed settings, the measured ratio typed in.
    let mut fixed_text = KEYED.to_string();
    for (from, to) in [
        ("keys = 1000000\n", String::new()),
        (
            "key_popularity = { dist = \"zipf\", alpha = 0.8 }\n",
            String::new(),
        ),
        (
            "policy = \"w-tinylfu\"\ncapacity = 10000\n",
            format!("hit_ratio = {hit}\n"),
        ),
    ] {
        assert!(fixed_text.contains(from), "l1-keyed.toml has no {from:?}");
        fixed_text = fixed_text.replace(from, &to);
    }
    let fixed = scenario(&fixed_text, &[]);
    group.throughput(Throughput::Elements(simulated_requests(&fixed)));
    for (name, sc) in [
        ("fixed_ratio", &fixed),
        ("keyed_w_tinylfu", &tinylfu),
        ("keyed_lru", &lru),
    ] {
        group.bench_function(name, |b| {
            b.iter(|| models::engine::run_replication_with(sc, 0, false).expect("runs"))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
