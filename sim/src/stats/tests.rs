//! Tests of [`super`].

#[test]
fn latency_series_quantiles_within_bin_width() {
    let w = w(0, 2_000_000_000);
    let mut s = LatencySeries::new(w, SimTime::from_secs(1));
    for i in 1..=1000u64 {
        s.record(SimTime(500_000_000), SimTime::from_micros(i * 10));
    }
    let mut other = LatencySeries::new(w, SimTime::from_secs(1));
    other.record(SimTime(1_500_000_000), SimTime::from_millis(3));
    s.merge(&other);
    let p99 = s.quantile_ms(0.99);
    // True p99 of the first bucket: 9.9 ms; an interpolated value stays in
    // its bin, which spans 12.5% at most. A bin's only value is placed at
    // its middle, within 6.25% of it.
    assert!((p99[0] / 9.9 - 1.0).abs() <= 0.125, "{}", p99[0]);
    assert!((p99[1] / 3.0 - 1.0).abs() <= 0.0625, "{}", p99[1]);
    // By hand: four values of 3 ms fall in the bin [2.816, 3.072) ms. The
    // median is rank 2 of 4, placed (2 - 0.5) / 4 of the way in: 2.912 ms;
    // the maximum, rank 4, at 3.5 / 4: 3.04 ms.
    let mut four = LatencySeries::new(w, SimTime::from_secs(1));
    for _ in 0..4 {
        four.record(SimTime(1), SimTime::from_millis(3));
    }
    assert!((four.quantile_ms(0.5)[0] - 2.912).abs() < 1e-12);
    assert!((four.quantile_ms(1.0)[0] - 3.04).abs() < 1e-12);
    let empty = LatencySeries::new(w, SimTime::from_secs(1)).quantile_ms(0.99);
    assert!(empty.iter().all(|x| x.is_nan()));
}

use super::*;

fn w(a: u64, b: u64) -> Window {
    Window {
        start: SimTime(a),
        end: SimTime(b),
    }
}

#[test]
fn time_weighted_counts_only_the_window() {
    let mut g = TimeWeighted::new(w(10, 30));
    g.set(SimTime(0), 5); // 5 over [0,12): 2 units inside
    g.set(SimTime(12), 1); // 1 over [12,20): 8 inside
    g.set(SimTime(20), 3); // 3 over [20,40): 10 inside
    g.set(SimTime(40), 100);
    let want = (5.0 * 2.0 + 8.0 + 30.0) / 20.0;
    assert!((g.mean() - want).abs() < 1e-12);
    assert_eq!(g.max(), 5);
}

#[test]
fn gauge_series_averages_each_bucket() {
    // Window [10, 35) in buckets of 10: [10,20), [20,30), [30,35).
    let mut g = TimeWeighted::with_series(w(10, 35), SimTime(10));
    g.set(SimTime(0), 4); // 4 until 15
    g.set(SimTime(15), 2); // 2 until 32, across a boundary
    g.set(SimTime(32), 6); // 6 until the end and after
    g.set(SimTime(50), 0);
    let v = g.series_per_bucket();
    let want = [
        (5.0 * 4.0 + 5.0 * 2.0) / 10.0,
        2.0,
        (2.0 * 2.0 + 3.0 * 6.0) / 5.0,
    ];
    assert_eq!(v.len(), 3);
    for (got, want) in v.iter().zip(want) {
        assert!((got - want).abs() < 1e-12, "{v:?}");
    }
}

proptest::proptest! {
    /// A gauge's bucket averages match a direct integration of its step
    /// function, and weighted by bucket length they give its mean.
    #[test]
    fn gauge_series_matches_direct_integration(
        steps in proptest::collection::vec((0u64..40, 0i64..9), 0..60),
        start in 0u64..50,
        len in 1u64..200,
        width in 1u64..60,
    ) {
        let window = w(start, start + len);
        let mut g = TimeWeighted::with_series(window, SimTime(width));
        let mut t = 0u64;
        let mut path = vec![(0u64, 0i64)];
        for (dt, v) in steps {
            t += dt;
            g.set(SimTime(t), v);
            path.push((t, v));
        }
        let level_at = |x: u64| path.iter().rev().find(|&&(at, _)| at <= x).map_or(0, |p| p.1);
        let got = g.series_per_bucket();
        let buckets = len.div_ceil(width) as usize;
        proptest::prop_assert_eq!(got.len(), buckets);
        let mut total = 0.0;
        for (i, avg) in got.iter().enumerate() {
            let a = start + width * i as u64;
            let b = (a + width).min(start + len);
            let area: i64 = (a..b).map(level_at).sum();
            proptest::prop_assert!((avg - area as f64 / (b - a) as f64).abs() < 1e-9);
            total += avg * (b - a) as f64;
        }
        proptest::prop_assert!((total / len as f64 - g.mean()).abs() < 1e-9);
    }

    /// A latency series (sparse bins per bucket, filled in any order and
    /// merged) gives every bucket the quantiles of a dense count of the
    /// same bins.
    #[test]
    fn latency_series_matches_dense_counts(
        // Latencies spread over octaves from 0 to about 5 hours (past the last bin).
        records in proptest::collection::vec((0u64..100, 0u64..1024, 0u32..34), 0..300),
        split in 0usize..300,
        q in 0.0f64..=1.0,
    ) {
        let window = w(10, 90);
        let width = SimTime(25);
        let mut a = LatencySeries::new(window, width);
        let mut b = LatencySeries::new(window, width);
        let mut dense = vec![vec![0u64; LS_BINS]; 4];
        for (k, &(at, m, e)) in records.iter().enumerate() {
            let (at, latency) = (SimTime(at), SimTime(m << e));
            if k < split { a.record(at, latency) } else { b.record(at, latency) }
            if window.contains(at) {
                dense[((at.0 - 10) / 25) as usize][LatencySeries::bin(latency)] += 1;
            }
        }
        a.merge(&b);
        let got = a.quantile_ms(q);
        proptest::prop_assert_eq!(got.len(), 4);
        for (g, counts) in got.iter().zip(&dense) {
            let total: u64 = counts.iter().sum();
            if total == 0 {
                proptest::prop_assert!(g.is_nan());
                continue;
            }
            let dense: Vec<u32> = counts.iter().map(|&c| c as u32).collect();
            proptest::prop_assert_eq!(*g, LatencySeries::quantile_of(&dense, 0, total, q));
            // The value lies in the bin where the rank falls.
            let rank = (q * total as f64).ceil().max(1.0) as u64;
            let mut seen = 0;
            let bin = counts.iter().position(|&c| { seen += c; seen >= rank }).unwrap();
            proptest::prop_assert!(*g >= LatencySeries::within_ms(bin, 0.0));
            proptest::prop_assert!(*g <= LatencySeries::within_ms(bin, 1.0));
        }
    }
}

#[test]
fn counts_after_the_window_stay_out_of_a_partial_last_bucket() {
    // Window [0, 25) in buckets of 10: the last, [20, 25), is partial.
    let mut s = TimeSeries::new(w(0, 25), SimTime(10));
    let mut l = LatencySeries::new(w(0, 25), SimTime(10));
    for t in [21, 24, 26, 29] {
        s.add(SimTime(t), 1.0);
        l.record(SimTime(t), SimTime::from_millis(1));
    }
    assert_eq!(s.sums(), &[0.0, 0.0, 2.0]);
    let counted: u32 = l.buckets[2].counts.iter().sum();
    assert_eq!(counted, 2);
}

#[test]
fn series_integrates_across_buckets() {
    let mut s = TimeSeries::new(w(0, 3_000_000_000), SimTime::from_secs(1));
    s.add_interval(SimTime(500_000_000), SimTime(2_500_000_000), 2.0);
    let v = s.per_second();
    assert_eq!(v.len(), 3);
    assert!((v[0] - 1.0).abs() < 1e-12 && (v[1] - 2.0).abs() < 1e-12 && (v[2] - 1.0).abs() < 1e-12);
}

#[test]
fn histogram_quantiles_are_close() {
    let mut h = LatencyHistogram::new();
    for i in 1..=1000u64 {
        h.record(SimTime::from_micros(i));
    }
    assert!((h.quantile_ms(0.5) - 0.5).abs() < 0.001);
    assert!((h.mean_ms() - 0.5005).abs() < 1e-9);
    assert!((h.max_ms() - 1.0).abs() < 0.001);
}
