//! Sweep throughput on 1 and 2 threads, for `scenarios/blackfriday.toml`.
//!
//! The grid is the scenario's own (pool size x L1 hit ratio) with the two
//! lowest traffic levels of its range and one replication, so that one
//! iteration takes a few seconds; the points are the same kind of work as in
//! the full sweep. Criterion reports points per second ("elem/s"); the
//! bar is that 2 threads reach at least 1.8 times the throughput of 1.
//!
//! Run: `cargo bench --bench sweep`.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use models::sweep::plan::Plan;
use models::sweep::run::{run_points, Control};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

fn bench(c: &mut Criterion) {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/blackfriday.toml");
    let set = ["simulation.replications=1".to_string()];
    let axis = ["workload.rate=[600, 1200]".to_string()];
    let plan = Plan::load(&file, &set, &axis).expect("blackfriday.toml is valid");
    let indices: Vec<usize> = (0..plan.len()).collect();
    let stop = AtomicBool::new(false);
    let ctl = Control::new(&stop, &|_| {});
    let mut group = c.benchmark_group("blackfriday_sweep");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30));
    group.throughput(Throughput::Elements(indices.len() as u64));
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        group.bench_function(format!("threads_{threads}"), |b| {
            b.iter(|| pool.install(|| run_points(&plan, &indices, &ctl).expect("the sweep runs")))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
