//! The cache policies against theory under the independent reference model:
//! LRU against Che's approximation, and a TTL cache with no capacity limit
//! against the per-key renewal formula, on one pod and on ten.
//!
//! Tolerances come from the trace length. A hit ratio measured over `N`
//! reads has a binomial standard error `sqrt(p (1 - p) / N)`; the tests use
//! the 99.9% two-sided half-width `h = 3.29 x` that error. For the TTL cache
//! this is conservative: within a key's fill-to-expiry cycle the hits are a
//! Poisson count, whose ratio estimator has variance `p (1 - p)^2 / N`, below
//! the binomial `p (1 - p) / N`.

use models::cache::theory::{che_lru_hit_ratio, ttl_hit_ratio};
use models::cache::{Cache, Policy};
use rand::Rng;
use sim::rng::Streams;
use sim::time::SimTime;
use sim::zipf::Popularity;

/// The 0.9995 quantile of the standard normal: a two-sided 99.9% interval.
const Z999: f64 = 3.2905;

fn half_width(p: f64, reads: u64) -> f64 {
    Z999 * (p * (1.0 - p) / reads as f64).sqrt()
}

/// Reads `warmup + reads` keys drawn from `pop` through an LRU of
/// `capacity` entries (no expiry); the hit ratio of the last `reads`.
fn lru_hit_ratio(pop: &Popularity, capacity: usize, warmup: u64, reads: u64, seed: u64) -> f64 {
    let mut rng = Streams::new(seed, 0).stream("workload.keys");
    let mut cache = Cache::new(Policy::Lru, capacity);
    let mut hits = 0u64;
    for i in 0..warmup + reads {
        let key = pop.sample(&mut rng);
        let hit = cache.get(key, SimTime::ZERO);
        if !hit {
            cache.insert(key, SimTime::MAX);
        }
        hits += (hit && i >= warmup) as u64;
    }
    hits as f64 / reads as f64
}

/// Che's approximation is an approximation: the claim is that LRU's true hit
/// ratio lies within 0.01 of it. Shown when the whole 99.9% interval of the
/// measured ratio lies within that band.
#[test]
fn lru_matches_ches_approximation() {
    // (keys, alpha, capacity): 1% of a million keys, 1% and 10% of smaller
    // universes, a steep and a flat law.
    let cases = [
        (1_000_000u64, 0.8, 10_000usize),
        (1_000_000, 1.0, 1_000),
        (100_000, 0.6, 10_000),
        (10_000, 1.2, 100),
    ];
    for (i, &(keys, alpha, capacity)) in cases.iter().enumerate() {
        let pop = Popularity::zipf(keys, alpha).unwrap();
        let che = che_lru_hit_ratio(&pop.pmf(), capacity);
        // Warm-up: many times the reads it takes to fill the cache.
        let reads = 3_000_000;
        let measured = lru_hit_ratio(&pop, capacity, 1_000_000, reads, 100 + i as u64);
        let h = half_width(measured, reads);
        eprintln!("n={keys} alpha={alpha} C={capacity}: LRU {measured:.4} +- {h:.4}, Che {che:.4}");
        assert!(
            (measured - che).abs() + h <= 0.01,
            "n={keys} alpha={alpha} C={capacity}: LRU {measured:.4} +- {h:.4}, Che {che:.4}"
        );
    }
}

/// Reads at `rate` per second (Poisson) for `secs`, each key from `pop`,
/// each read sent to one of `pods` pods at random; every pod's cache has no
/// capacity limit and entries live `ttl` after each fill. Returns the hit
/// ratio of the reads after `warmup_secs`, and how many there were.
fn ttl_run(
    pop: &Popularity,
    rate: f64,
    ttl: SimTime,
    pods: u32,
    (warmup_secs, secs): (f64, f64),
    seed: u64,
) -> (f64, u64) {
    let streams = Streams::new(seed, 0);
    let (mut keys, mut gaps, mut route) = (
        streams.stream("workload.keys"),
        streams.stream("arrivals"),
        streams.stream("routing"),
    );
    let unlimited = pop.n() as usize;
    let mut caches: Vec<Cache> = (0..pods)
        .map(|_| Cache::new(Policy::Lru, unlimited))
        .collect();
    let (mut t, mut hits, mut reads) = (0.0f64, 0u64, 0u64);
    loop {
        t += -(1.0 - gaps.random::<f64>()).ln() / rate;
        if t >= secs {
            break;
        }
        let now = SimTime::from_secs_f64(t);
        let key = pop.sample(&mut keys);
        let cache = &mut caches[route.random_range(0..pods) as usize];
        let hit = cache.get(key, now);
        if !hit {
            cache.insert(key, now + ttl);
        }
        if t >= warmup_secs {
            reads += 1;
            hits += hit as u64;
        }
    }
    assert!(caches.iter().all(|c| c.stats().evictions == 0));
    (hits as f64 / reads as f64, reads)
}

/// The TTL formula is exact under Poisson arrivals, so the measured ratio
/// must fall within its 99.9% interval of it.
#[test]
fn ttl_cache_matches_the_renewal_formula() {
    let pop = Popularity::zipf(100_000, 0.8).unwrap();
    let pmf = pop.pmf();
    let (rate, ttl) = (10_000.0, 1.0);
    for (i, pods) in [1u32, 10].into_iter().enumerate() {
        let expected = ttl_hit_ratio(&pmf, rate, ttl, pods);
        // 10 TTLs of warm-up, then 300 s (3 million reads).
        let (measured, reads) = ttl_run(
            &pop,
            rate,
            SimTime::from_secs(1),
            pods,
            (10.0, 310.0),
            7 + i as u64,
        );
        let h = half_width(expected, reads);
        eprintln!("pods={pods}: measured {measured:.4}, formula {expected:.4} +- {h:.4}");
        assert!(
            (measured - expected).abs() <= h,
            "pods={pods}: measured {measured:.4}, formula {expected:.4} +- {h:.4}"
        );
    }
}
