//! What hit ratio a cache should reach under the independent reference model
//! (each read picks key `k` with fixed probability `p_k`, independently of
//! the past): the formulas the cache policies are checked against.
//!
//! - [`che_lru_hit_ratio`]: Che's approximation for LRU (H. Che, Y. Tung and
//!   Z. Wang, "Hierarchical Web caching systems: modeling, design and
//!   experimental results", IEEE JSAC 20(7), 2002; its accuracy explained by
//!   C. Fricker, P. Robert and J. Roberts, "A versatile and accurate
//!   approximation for LRU cache performance", ITC 24, 2012). An LRU cache of
//!   `C` entries behaves as if each key stayed cached for a fixed
//!   *characteristic time* `t_C` after its last read, where `t_C` solves
//!   `sum_k (1 - exp(-p_k t_C)) = C` (time counted in reads); the hit ratio
//!   is then `sum_k p_k (1 - exp(-p_k t_C))`.
//! - [`ttl_hit_ratio`]: a cache with no capacity limit whose entries expire
//!   `T` after they are filled (a hit does not renew them), read by Poisson
//!   arrivals of rate `lambda_k` per key. Each miss starts a cycle of one
//!   fill, `T` of hits (on average `lambda_k T` of them), then a wait for the
//!   next read; so key `k`'s hit ratio is `lambda_k T / (1 + lambda_k T)`.
//!   Reads split evenly over several pods, each with its own cache, give each
//!   pod the rate `lambda_k / pods`.
//! - [`top_mass`]: the probability of the `C` most popular keys, the hit
//!   ratio of the best possible cache of `C` entries under this model (it
//!   keeps exactly those keys). No policy can beat it on average.

/// Che's approximation of an LRU cache's hit ratio, for `capacity` entries
/// and key probabilities `pmf` (any order, summing to 1).
pub fn che_lru_hit_ratio(pmf: &[f64], capacity: usize) -> f64 {
    if capacity >= pmf.iter().filter(|&&p| p > 0.0).count() {
        return 1.0;
    }
    if capacity == 0 {
        return 0.0;
    }
    let t = characteristic_time(pmf, capacity as f64);
    pmf.iter().map(|&p| p * -(-p * t).exp_m1()).sum()
}

/// Solves `sum_k (1 - exp(-p_k t)) = c` for `t` by Newton's method. The left
/// side is increasing and concave in `t`, so Newton's steps from `t = 0` rise
/// monotonically to the root without overshooting.
fn characteristic_time(pmf: &[f64], c: f64) -> f64 {
    let mut t = 0.0;
    for _ in 0..200 {
        let (mut f, mut df) = (0.0, 0.0);
        for &p in pmf {
            let e = (-p * t).exp();
            f += 1.0 - e;
            df += p * e;
        }
        let step = (c - f) / df;
        t += step;
        if step.abs() <= 1e-12 * t {
            break;
        }
    }
    t
}

/// The hit ratio of a TTL cache with no capacity limit: reads at `rate` per
/// second in total, key `k` with probability `pmf[k]`, split evenly over
/// `pods` caches, entries living `ttl_secs` after each fill.
pub fn ttl_hit_ratio(pmf: &[f64], rate: f64, ttl_secs: f64, pods: u32) -> f64 {
    pmf.iter()
        .map(|&p| {
            let x = p * rate / pods as f64 * ttl_secs;
            p * x / (1.0 + x)
        })
        .sum()
}

/// The total probability of the `capacity` most likely keys.
pub fn top_mass(pmf: &[f64], capacity: usize) -> f64 {
    let mut sorted = pmf.to_vec();
    sorted.sort_by(|a, b| b.total_cmp(a));
    sorted.iter().take(capacity).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uniform_keys_have_the_obvious_answers() {
        // Under uniform popularity every policy's hit ratio is C / n; Che's
        // formula gives exactly that (the fixed point is symmetric).
        let pmf = vec![0.01; 100];
        assert!((che_lru_hit_ratio(&pmf, 25) - 0.25).abs() < 1e-12);
        assert!((top_mass(&pmf, 25) - 0.25).abs() < 1e-12);
        assert_eq!(che_lru_hit_ratio(&pmf, 100), 1.0);
        assert_eq!(che_lru_hit_ratio(&pmf, 0), 0.0);
    }

    #[test]
    fn ttl_formula_for_one_key() {
        // One key read 10 times a second, a 1 s TTL: 10 hits per miss.
        assert!((ttl_hit_ratio(&[1.0], 10.0, 1.0, 1) - 10.0 / 11.0).abs() < 1e-15);
        // Split over 10 pods: each pod sees 1 read per TTL.
        assert!((ttl_hit_ratio(&[1.0], 10.0, 1.0, 10) - 0.5).abs() < 1e-15);
    }

    #[test]
    fn che_lies_below_the_optimum() {
        let pmf = sim::zipf::Popularity::zipf(10_000, 0.8).unwrap().pmf();
        for c in [10, 100, 1_000, 5_000] {
            let (che, best) = (che_lru_hit_ratio(&pmf, c), top_mass(&pmf, c));
            assert!(0.0 < che && che < best, "C = {c}: {che} vs {best}");
        }
    }
}
