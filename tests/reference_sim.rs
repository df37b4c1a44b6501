//! The benchmark's yardstick (`benches/reference/mod.rs`) is a correct
//! simulator of case (a): its two variants count exactly the same, and its
//! abandonment ratio agrees with M/M/n+D theory within the 95% interval of
//! independent runs.

#[path = "../benches/reference/mod.rs"]
mod reference;

use sim::queueing::mmn_d;
use sim::summary::Estimate;

#[test]
fn lazy_and_eager_abandonment_count_the_same() {
    for seed in 1..=3 {
        let lazy = reference::run(5, seed);
        let eager = reference::run_eager(5, seed);
        assert_eq!(lazy, eager, "seed {seed}");
        assert_eq!(lazy.arrived, lazy.served + lazy.abandoned);
    }
}

#[test]
fn abandonment_agrees_with_mmn_d() {
    // M/M/10+D with lambda = 9000/s, mean hold 1 ms, patience 1 ms.
    let theory = mmn_d(10, 9_000.0, 1_000.0, 1e-3).p_abandon;
    let ratios: Vec<f64> = (1..=20)
        .map(|seed| {
            let c = reference::run(10, seed);
            c.abandoned as f64 / c.arrived as f64
        })
        .collect();
    let est = Estimate::from_samples(&ratios);
    assert!(
        est.contains(theory),
        "P(abandon) {} +- {} against theory {theory}",
        est.mean,
        est.ci95
    );
}
