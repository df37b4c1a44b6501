//! Tests of [`super`].

use super::*;

/// Relative difference, 0 when both are 0.
fn rel(x: f64, reference: f64) -> f64 {
    if x == reference {
        0.0
    } else {
        ((x - reference) / reference).abs()
    }
}

/// `sum_{j<=m} a^j / j!`, the direct (factorial) sum, for small m only.
fn poisson_partial_sum(m: u32, a: f64) -> f64 {
    (0..=m).map(|j| term(j, a)).sum()
}

/// `a^j / j!` directly.
fn term(j: u32, a: f64) -> f64 {
    a.powi(j as i32) / (1..=j).map(f64::from).product::<f64>()
}

fn erlang_b_direct(n: u32, a: f64) -> f64 {
    term(n, a) / poisson_partial_sum(n, a)
}

fn erlang_c_direct(n: u32, a: f64) -> f64 {
    let queued = term(n, a) * f64::from(n) / (f64::from(n) - a);
    queued / (poisson_partial_sum(n - 1, a) + queued)
}

/// `1 / B(n, a) = sum_{k=0}^{n} prod_{i<k} (n - i) / a`, summed from the top
/// (an independent way to get Erlang B for large n, valid while the terms stay
/// finite, i.e. a not far below n).
fn erlang_b_backward(n: u32, a: f64) -> f64 {
    let (mut sum, mut product) = (1.0, 1.0);
    for i in 0..n {
        product *= f64::from(n - i) / a;
        sum += product;
        if product < f64::EPSILON * 1e-3 * sum {
            break;
        }
    }
    1.0 / sum
}

#[test]
fn erlang_b_table_value() {
    // Erlang B tables, 6 decimals.
    assert!((erlang_b(10, 5.0) - 0.018385).abs() < 5e-7);
    assert!(rel(erlang_b(10, 5.0), erlang_b_direct(10, 5.0)) < 1e-14);
}

#[test]
fn erlang_b_matches_factorial_sum() {
    // Both sides are a few dozen roundings from exact: 1e-13 covers n <= 20.
    for n in 0..=20 {
        for a in [0.1, 1.0, 5.0, 10.0, 30.0] {
            let (b, direct) = (erlang_b(n, a), erlang_b_direct(n, a));
            assert!(rel(b, direct) < 1e-13, "B({n}, {a}) = {b}, direct {direct}");
        }
    }
    assert_eq!(erlang_b(0, 3.0), 1.0);
    assert_eq!(erlang_b(5, 0.0), 0.0);
    assert_eq!(erlang_b(1, 1.0), 0.5);
}

#[test]
fn erlang_b_large_is_stable() {
    // Each method rounds at most ~2 times per step, n steps: 2 n eps = 4.4e-11.
    let bound = 2.0 * 100_000.0 * f64::EPSILON * 2.0;
    for (n, a) in [
        (100_000, 100_000.0),
        (100_000, 99_500.0),
        (100_000, 150_000.0),
    ] {
        let (b, backward) = (erlang_b(n, a), erlang_b_backward(n, a));
        assert!(b > 0.0 && b < 1.0);
        assert!(
            rel(b, backward) < bound,
            "B({n}, {a}) = {b}, backward {backward}"
        );
    }
    // Far below capacity the blocking underflows to 0, not NaN.
    assert_eq!(erlang_b(100_000, 10.0), 0.0);
    let huge = erlang_b(100_000, 1e7);
    assert!(huge > 0.99 && huge < 1.0);
}

#[test]
fn erlang_b_is_monotone() {
    let mut previous = 1.0;
    for n in 1..=60 {
        let b = erlang_b(n, 20.0);
        assert!(b < previous);
        previous = b;
    }
    let mut previous = 0.0;
    for i in 1..=100 {
        let b = erlang_b(20, f64::from(i) * 0.5);
        assert!(b > previous);
        previous = b;
    }
}

#[test]
fn erlang_c_exact_small_cases() {
    // M/M/1: C = rho. M/M/2: C = 2 rho^2 / (1 + rho), rho = a / 2.
    for a in [0.1, 0.5, 0.9] {
        assert!(rel(erlang_c(1, a), a) < 1e-15);
    }
    assert!(rel(erlang_c(2, 1.0), 1.0 / 3.0) < 1e-15);
    for a in [0.2, 1.0, 1.6, 1.99] {
        let rho = a / 2.0;
        assert!(rel(erlang_c(2, a), 2.0 * rho * rho / (1.0 + rho)) < 1e-14);
    }
}

#[test]
fn erlang_c_matches_factorial_sum() {
    for n in 1..=20 {
        for load in [0.1, 0.5, 0.8, 0.95, 0.999] {
            let a = load * f64::from(n);
            let (c, direct) = (erlang_c(n, a), erlang_c_direct(n, a));
            assert!(rel(c, direct) < 1e-12, "C({n}, {a}) = {c}, direct {direct}");
        }
    }
}

#[test]
fn erlang_c_unstable_and_monotone() {
    assert_eq!(erlang_c(10, 10.0), 1.0);
    assert_eq!(erlang_c(10, 12.0), 1.0);
    assert_eq!(erlang_c(0, 0.0), 1.0);
    let mut previous = 1.0;
    for n in 9..=40 {
        let c = erlang_c(n, 8.5);
        assert!(c < previous);
        previous = c;
    }
    let c = erlang_c(100_000, 99_000.0);
    assert!(c > 0.0 && c < 1.0);
}

#[test]
fn mmn_wait_formulas() {
    let (n, lambda, mu) = (10, 8.0, 1.0);
    let c = erlang_c_direct(n, 8.0);
    assert!(rel(mmn_mean_wait(n, lambda, mu), c / 2.0) < 1e-12);
    assert!(rel(mmn_wait_tail(n, lambda, mu, 0.0), c) < 1e-12);
    assert!(rel(mmn_wait_tail(n, lambda, mu, 1.5), c * (-3.0f64).exp()) < 1e-12);
    assert_eq!(mmn_wait_tail(n, lambda, mu, f64::INFINITY), 0.0);
    assert_eq!(mmn_mean_wait(n, 10.0, 1.0), f64::INFINITY);
    assert_eq!(mmn_wait_tail(n, 11.0, 1.0, 5.0), 1.0);
    assert_eq!(mmn_mean_wait(n, 0.0, 1.0), 0.0);
    // n = 1 is M/M/1.
    assert!(rel(mmn_mean_wait(1, 0.7, 2.0), mm1_mean_wait(0.7, 2.0)) < 1e-15);
    assert!(
        rel(
            mmn_wait_tail(1, 0.7, 2.0, 0.4),
            0.35 * (-1.3f64 * 0.4).exp()
        ) < 1e-15
    );
}

#[test]
fn pollaczek_khinchine() {
    // M/M/1: rho / (mu (1 - rho)) with rho = 0.75, mu = 4: 0.75 / 1 = 0.75.
    assert!(rel(mm1_mean_wait(3.0, 4.0), 0.75) < 1e-15);
    assert!(rel(md1_mean_wait(3.0, 4.0), 0.375) < 1e-15);
    let (lambda, mu) = (3.0, 4.0);
    assert!(rel(pk_mean_wait(lambda, 1.0 / mu, 2.0 / (mu * mu)), 0.75) < 1e-15);
    assert!(rel(pk_mean_wait(lambda, 1.0 / mu, 1.0 / (mu * mu)), 0.375) < 1e-15);
    assert_eq!(pk_mean_wait(4.0, 0.25, 1.0), f64::INFINITY);
    assert_eq!(md1_mean_wait(5.0, 4.0), f64::INFINITY);
    assert_eq!(mm1_mean_wait(4.0, 4.0), f64::INFINITY);
}

/// E and J of M/M/n+D straight from the theory chapter: factorial sums, naive J.
fn mmn_d_e_j(n: u32, lambda: f64, mu: f64, tau: f64) -> (f64, f64) {
    let a = lambda / mu;
    let e = poisson_partial_sum(n - 1, a) / term(n - 1, a);
    let delta = lambda - f64::from(n) * mu;
    let grow = (delta * tau).exp();
    (e, (grow - 1.0) / delta + grow / (f64::from(n) * mu))
}

/// (P(W > 0), P(abandon)) straight from the theory chapter.
fn mmn_d_direct(n: u32, lambda: f64, mu: f64, tau: f64) -> (f64, f64) {
    let (e, j) = mmn_d_e_j(n, lambda, mu, tau);
    let delta = lambda - f64::from(n) * mu;
    (
        lambda * j / (e + lambda * j),
        (1.0 + delta * j) / (e + lambda * j),
    )
}

#[test]
fn mmn_d_published_value() {
    // Zeltyn and Mandelbaum's check, 4 decimals.
    let d = mmn_d(10, 12.0, 1.0, 1.0);
    assert!((d.p_abandon - 0.1774).abs() < 5e-5, "{d:?}");
    let (p_wait, p_abandon) = mmn_d_direct(10, 12.0, 1.0, 1.0);
    assert!(rel(d.p_wait, p_wait) < 1e-13);
    assert!(rel(d.p_abandon, p_abandon) < 1e-13);
    for (n, lambda, tau) in [(10, 8.0, 0.5), (5, 5.5, 2.0), (3, 1.0, 0.1), (1, 0.5, 3.0)] {
        let d = mmn_d(n, lambda, 1.0, tau);
        let (p_wait, p_abandon) = mmn_d_direct(n, lambda, 1.0, tau);
        assert!(rel(d.p_wait, p_wait) < 1e-12, "{n} {lambda} {tau}: {d:?}");
        assert!(
            rel(d.p_abandon, p_abandon) < 1e-12,
            "{n} {lambda} {tau}: {d:?}"
        );
    }
}

#[test]
fn mmn_d_infinite_patience_is_erlang_c() {
    for (n, lambda, mu) in [(10, 8.0, 1.0), (1, 0.5, 1.0), (50, 45.0, 2.0)] {
        let c = erlang_c(n, lambda / mu);
        let w = mmn_mean_wait(n, lambda, mu);
        let infinite = mmn_d(n, lambda, mu, f64::INFINITY);
        assert_eq!(infinite.p_abandon, 0.0);
        assert!(rel(infinite.p_wait, c) < 1e-14, "{infinite:?} vs {c}");
        assert!(rel(infinite.mean_wait, w) < 1e-14);
        assert!(rel(infinite.mean_wait_served, w) < 1e-14);
        // A long but finite patience: e^(delta tau) underflows, same limit.
        let long = mmn_d(n, lambda, mu, 1e4);
        assert!(long.p_abandon < 1e-300);
        assert!(rel(long.p_wait, c) < 1e-14);
        assert!(rel(long.mean_wait, w) < 1e-14);
    }
    // Overloaded: every arrival waits and the excess over capacity abandons.
    let over = mmn_d(10, 12.0, 1.0, f64::INFINITY);
    assert_eq!(over.p_wait, 1.0);
    assert!(rel(over.p_abandon, 1.0 - 10.0 / 12.0) < 1e-15);
    assert_eq!(over.mean_wait, f64::INFINITY);
    let critical = mmn_d(10, 10.0, 1.0, f64::INFINITY);
    assert_eq!((critical.p_wait, critical.p_abandon), (1.0, 0.0));
}

#[test]
fn mmn_d_zero_patience_is_erlang_b() {
    // Everyone who finds all servers busy leaves at once: M/M/n/n.
    for (n, a) in [
        (10, 5.0),
        (10, 12.0),
        (1, 0.3),
        (40, 40.0),
        (100_000, 100_000.0),
    ] {
        let b = erlang_b(n, a);
        let d = mmn_d(n, a * 3.0, 3.0, 0.0);
        assert!(rel(d.p_wait, b) < 1e-14, "{n} {a}: {d:?} vs {b}");
        assert!(rel(d.p_abandon, b) < 1e-14, "{n} {a}: {d:?} vs {b}");
        assert_eq!((d.mean_wait, d.mean_wait_served), (0.0, 0.0));
    }
}

#[test]
fn mmn_d_critical_load_has_no_cancellation() {
    let (n, mu, tau) = (20u32, 0.5, 3.0);
    let capacity = f64::from(n) * mu;
    // delta = 0 exactly: J = tau + 1 / (n mu), P(abandon) = 1 / (E + lambda J).
    let critical = mmn_d(n, capacity, mu, tau);
    let e = 1.0 / erlang_b_direct(n - 1, capacity / mu);
    let j = tau + 1.0 / capacity;
    assert!(rel(critical.p_abandon, 1.0 / (e + capacity * j)) < 1e-13);
    assert!(rel(critical.p_wait, capacity * j / (e + capacity * j)) < 1e-13);
    // The results are smooth in lambda, with derivatives of order 1: a relative
    // step of 1e-12 must move them by about 1e-11, not by the 1e-4 that
    // (e^(delta tau) - 1) / delta loses near delta = 0.
    for side in [-1.0, 1.0] {
        let near = mmn_d(n, capacity * (1.0 + side * 1e-12), mu, tau);
        assert!((near.p_abandon - critical.p_abandon).abs() < 1e-10);
        assert!((near.p_wait - critical.p_wait).abs() < 1e-10);
        assert!((near.mean_wait - critical.mean_wait).abs() < 1e-10);
        assert!((near.mean_wait_served - critical.mean_wait_served).abs() < 1e-10);
    }
}

/// Mean waits by Simpson's rule on the virtual-wait density
/// `lambda e^(delta x) / (E + lambda J)` on `(0, tau)`, with E and J from
/// [`mmn_d_e_j`]: independent of the closed form and series for I.
fn mean_waits_by_quadrature(n: u32, lambda: f64, mu: f64, tau: f64) -> (f64, f64) {
    let (e, j) = mmn_d_e_j(n, lambda, mu, tau);
    let delta = lambda - f64::from(n) * mu;
    let (_, p_abandon) = mmn_d_direct(n, lambda, mu, tau);
    let steps = 2000;
    let h = tau / f64::from(steps);
    let mut integral = 0.0;
    for i in 0..=steps {
        let x = f64::from(i) * h;
        let weight = if i == 0 || i == steps {
            1.0
        } else {
            f64::from(2 + 2 * (i % 2))
        };
        integral += weight * x * lambda * (delta * x).exp() / (e + lambda * j);
    }
    let served_part = integral * h / 3.0;
    (
        served_part / (1.0 - p_abandon),
        served_part + tau * p_abandon,
    )
}

#[test]
fn mmn_d_mean_waits_match_quadrature() {
    // Simpson's error is h^4 tau max|f''''| / 180 < 1e-13 relative for these
    // (h = tau / 2000, |delta| tau <= 2); the factorial sums add ~1e-15.
    for (n, lambda, tau) in [
        (10, 12.0, 1.0),
        (10, 8.0, 0.5),
        (5, 5.5, 2.0),
        (4, 2.0, 1.0),
    ] {
        let d = mmn_d(n, lambda, 1.0, tau);
        let (served, all) = mean_waits_by_quadrature(n, lambda, 1.0, tau);
        assert!(rel(d.mean_wait_served, served) < 1e-11, "{d:?} vs {served}");
        assert!(rel(d.mean_wait, all) < 1e-11, "{d:?} vs {all}");
    }
}

#[test]
fn mmn_d_heavy_overload_stays_finite() {
    // delta tau = 1e5: e^(delta tau) overflows unless scaled away. In this limit
    // P(abandon) = 1 - n mu / lambda and served customers wait tau - 1 / delta.
    let d = mmn_d(100_000, 110_000.0, 1.0, 10.0);
    assert!(rel(d.p_abandon, 1.0 - 1.0 / 1.1) < 1e-14, "{d:?}");
    assert_eq!(d.p_wait, 1.0);
    assert!(rel(d.mean_wait_served, 10.0 - 1e-4) < 1e-14, "{d:?}");
    let below = mmn_d(100_000, 99_000.0, 1.0, 0.01);
    assert!(below.p_wait > 0.0 && below.p_wait < 1.0);
    assert!(below.p_abandon > 0.0 && below.p_abandon < below.p_wait);
    assert!(below.mean_wait > 0.0 && below.mean_wait < 0.01);
    let idle = mmn_d(3, 0.0, 1.0, 1.0);
    assert_eq!(
        (idle.p_wait, idle.p_abandon, idle.mean_wait),
        (0.0, 0.0, 0.0)
    );
}

#[test]
fn mmn_d_is_monotone() {
    let mut previous = mmn_d(10, 9.0, 1.0, 0.0);
    for i in 1..=50 {
        let d = mmn_d(10, 9.0, 1.0, f64::from(i) * 0.1);
        assert!(d.p_abandon < previous.p_abandon);
        assert!(d.p_wait > previous.p_wait);
        assert!(d.mean_wait > previous.mean_wait);
        assert!(d.p_abandon <= d.p_wait);
        previous = d;
    }
    let mut previous = mmn_d(10, 0.5, 1.0, 0.5);
    for i in 2..=40 {
        let d = mmn_d(10, f64::from(i) * 0.5, 1.0, 0.5);
        assert!(d.p_abandon > previous.p_abandon);
        assert!(d.mean_wait > previous.mean_wait);
        previous = d;
    }
}

#[test]
fn servers_for_targets() {
    for (a, target) in [
        (8.0, 0.2),
        (100.0, 0.05),
        (4.46, 0.01),
        (0.5, 0.5),
        (1e5, 0.01),
    ] {
        let n = erlang_c_servers_for(a, target);
        assert!(
            erlang_c(n, a) < target && erlang_c(n - 1, a) >= target,
            "{a} {target}"
        );
        let n = erlang_b_servers_for(a, target);
        assert!(
            erlang_b(n, a) < target && erlang_b(n - 1, a) >= target,
            "{a} {target}"
        );
    }
    // Erlang B tables: 4.46 erlangs at 1% needs 10 servers.
    assert_eq!(erlang_b_servers_for(4.46, 0.01), 10);
    assert_eq!(erlang_c_servers_for(0.0, 0.5), 1);
    // C(2, 1) = 1/3, C(3, 1) = 1/11.
    assert_eq!(erlang_c_servers_for(1.0, 0.34), 2);
    assert_eq!(erlang_c_servers_for(1.0, 1.0 / 3.0), 3);
}

#[test]
fn rate_for_blocking_target() {
    // Erlang B tables: 10 servers at 1% blocking carry 4.461 erlangs
    // (3 decimals), i.e. about 4,461 per second at 1,000 per second each.
    let lambda = erlang_b_rate_for(10, 1000.0, 0.01);
    assert!((lambda / 1000.0 - 4.461).abs() < 5e-4, "{lambda}");
    // The root itself, against the factorial sum: a relative error of 1e-15 in
    // the load moves B by about n times that.
    assert!(rel(erlang_b_direct(10, lambda / 1000.0), 0.01) < 1e-13);
    for (n, target) in [(1, 0.5), (100, 0.001), (100_000, 0.02)] {
        // Evaluating B costs up to ~2 n eps (4.4e-11 at n = 1e5); one ulp of
        // the load moves B by (n - a + a B) eps, below 1e-12 here.
        let lambda = erlang_b_rate_for(n, 2.0, target);
        assert!(
            rel(erlang_b(n, lambda / 2.0), target) < 1e-10,
            "{n} {target}"
        );
    }
    assert!(rel(erlang_b_rate_for(1, 1.0, 0.5), 1.0) < 1e-15);
}
