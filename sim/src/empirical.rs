//! Latency laws given by data rather than by a formula: a list of measured
//! durations, or a histogram of counts per bucket (a Prometheus export).
//!
//! - **Samples** are the empirical distribution itself: each draw picks one of
//!   the `n` measured durations with probability `1/n`. Its mean and second
//!   moment are exactly the samples' own, and a draw is never a value that was
//!   not measured. (Interpolating between order statistics would invent values
//!   between them and change the moments; with the thousands of samples a
//!   latency file holds the difference is below the sampling noise, and the
//!   exact law keeps the theory checks exact.)
//! - **Histograms** are a piecewise-linear CDF through the buckets' upper
//!   bounds: `F(0) = 0`, `F(le_i) = c_i / N` for the cumulative count `c_i` at
//!   each bound, and uniform within a bucket. The law cannot go above the last
//!   finite bound; the reader of the export decides what to do with counts
//!   beyond it.
//!
//! Both remember where their data came from (`source`) and a fingerprint of
//! the data, which is all their `Debug` text shows: a scenario's hash changes
//! when its data changes, without printing a million samples.

use crate::rng::fnv1a64;
use crate::time::SimTime;
use rand::Rng;
use std::fmt;

/// A latency law read from data: samples or a bucketed histogram.
#[derive(Clone, PartialEq)]
pub struct Empirical {
    /// Where the data came from, as the user named it (a file path).
    pub source: String,
    law: Law,
    fingerprint: u64,
}

#[derive(Clone, PartialEq)]
enum Law {
    /// Sorted samples, at least one.
    Samples(Vec<SimTime>),
    /// Knots of the CDF: bounds in seconds (non-decreasing, the first 0) and
    /// cumulative probabilities (non-decreasing, from 0 to exactly 1).
    Histogram { bounds: Vec<f64>, cdf: Vec<f64> },
}

impl fmt::Debug for Empirical {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (kind, n) = match &self.law {
            Law::Samples(v) => ("samples", v.len()),
            Law::Histogram { bounds, .. } => ("histogram", bounds.len() - 1),
        };
        f.debug_struct("Empirical")
            .field("source", &self.source)
            .field(kind, &n)
            .field("fingerprint", &format_args!("{:016x}", self.fingerprint))
            .finish()
    }
}

impl Empirical {
    /// The empirical law of `samples` (in any order; at least one).
    ///
    /// # Panics
    /// If `samples` is empty: the reader refuses an empty file first.
    pub fn samples(source: impl Into<String>, mut samples: Vec<SimTime>) -> Self {
        assert!(!samples.is_empty(), "an empirical law needs a sample");
        samples.sort_unstable();
        let bytes: Vec<u8> = samples.iter().flat_map(|t| t.0.to_le_bytes()).collect();
        Empirical {
            source: source.into(),
            fingerprint: fnv1a64(&bytes),
            law: Law::Samples(samples),
        }
    }

    /// The piecewise-linear law of a histogram: `buckets` are (upper bound in
    /// seconds, cumulative count) in increasing bound order, as Prometheus
    /// writes `_bucket{le="..."}`; the first bucket starts at 0.
    ///
    /// Refuses negative or non-finite bounds, bounds out of order, counts that
    /// decrease, and a histogram with no observations.
    pub fn histogram(source: impl Into<String>, buckets: &[(f64, f64)]) -> Result<Self, String> {
        let total = buckets.last().map_or(0.0, |b| b.1);
        if !total.is_finite() || total <= 0.0 {
            return Err("the histogram has no observations".to_string());
        }
        let mut bounds = vec![0.0];
        let mut cdf = vec![0.0];
        let mut last: Option<(f64, f64)> = None;
        for &(le, count) in buckets {
            if !le.is_finite() || le < 0.0 {
                return Err(format!("bucket bound {le} is not a duration >= 0"));
            }
            let (last_le, last_c) = last.unwrap_or((-1.0, 0.0));
            if le <= last_le {
                return Err(format!("bucket bounds must increase: {le} after {last_le}"));
            }
            if !count.is_finite() || count < last_c {
                return Err(format!(
                    "cumulative counts must not decrease: {count} at le={le} after {last_c}"
                ));
            }
            bounds.push(le);
            cdf.push(count / total);
            last = Some((le, count));
        }
        // The last count divided by itself is exactly 1.
        let mut bytes = Vec::new();
        for (b, c) in buckets {
            bytes.extend_from_slice(&b.to_le_bytes());
            bytes.extend_from_slice(&c.to_le_bytes());
        }
        Ok(Empirical {
            source: source.into(),
            fingerprint: fnv1a64(&bytes),
            law: Law::Histogram { bounds, cdf },
        })
    }

    /// Number of samples, or of buckets.
    pub fn len(&self) -> usize {
        match &self.law {
            Law::Samples(v) => v.len(),
            Law::Histogram { bounds, .. } => bounds.len() - 1,
        }
    }

    /// Never true: a law has at least one sample or bucket.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// True for a histogram, false for samples.
    pub fn is_histogram(&self) -> bool {
        matches!(self.law, Law::Histogram { .. })
    }

    /// Draws one duration.
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimTime {
        match &self.law {
            Law::Samples(v) => v[rng.random_range(0..v.len() as u64) as usize],
            Law::Histogram { .. } => SimTime::from_secs_f64(self.quantile_secs(rng.random())),
        }
    }

    /// The `p`-quantile in seconds, `p` in `[0, 1)`: for samples the order
    /// statistic `floor(p n)` (the value a draw of `u = p` returns), for a
    /// histogram the linear interpolation within the bucket holding `p`.
    pub fn quantile_secs(&self, p: f64) -> f64 {
        match &self.law {
            Law::Samples(v) => {
                let i = ((p * v.len() as f64) as usize).min(v.len() - 1);
                v[i].as_secs_f64()
            }
            Law::Histogram { bounds, cdf } => {
                // The first knot whose probability is above p (the last one is 1 > p).
                let i = cdf.partition_point(|&c| c <= p).clamp(1, cdf.len() - 1);
                let (c0, c1) = (cdf[i - 1], cdf[i]);
                let (x0, x1) = (bounds[i - 1], bounds[i]);
                if c1 <= c0 {
                    return x1;
                }
                x0 + (x1 - x0) * (p - c0) / (c1 - c0)
            }
        }
    }

    /// `P(X <= x)` for `x` in seconds.
    pub fn cdf(&self, x: f64) -> f64 {
        match &self.law {
            Law::Samples(v) => {
                let below = v.partition_point(|t| t.as_secs_f64() <= x);
                below as f64 / v.len() as f64
            }
            Law::Histogram { bounds, cdf } => {
                if x >= bounds[bounds.len() - 1] {
                    return 1.0;
                }
                let i = bounds.partition_point(|&b| b <= x).max(1);
                let (x0, x1) = (bounds[i - 1], bounds[i]);
                cdf[i - 1] + (cdf[i] - cdf[i - 1]) * (x - x0) / (x1 - x0)
            }
        }
    }

    /// `E[X^k]` in seconds to the `k`, for `k` = 1 or 2.
    pub fn moment(&self, k: i32) -> f64 {
        match &self.law {
            Law::Samples(v) => {
                v.iter().map(|t| t.as_secs_f64().powi(k)).sum::<f64>() / v.len() as f64
            }
            Law::Histogram { bounds, cdf } => (1..bounds.len())
                .map(|i| {
                    let (a, b) = (bounds[i - 1], bounds[i]);
                    let p = cdf[i] - cdf[i - 1];
                    // Uniform on [a, b]: E[X] = (a+b)/2, E[X^2] = (a^2+ab+b^2)/3.
                    p * if k == 1 {
                        (a + b) / 2.0
                    } else {
                        (a * a + a * b + b * b) / 3.0
                    }
                })
                .sum(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Streams;

    #[test]
    fn samples_are_drawn_uniformly_and_keep_their_moments() {
        let v: Vec<SimTime> = [3, 1, 2, 10].map(SimTime::from_millis).to_vec();
        let e = Empirical::samples("x", v);
        assert!((e.moment(1) - 0.004).abs() < 1e-15);
        assert!((e.moment(2) - (1e-6 + 4e-6 + 9e-6 + 1e-4) / 4.0).abs() < 1e-15);
        let mut rng = Streams::new(1, 0).stream("t");
        let n = 40_000;
        let tens = (0..n)
            .filter(|_| e.sample(&mut rng) == SimTime::from_millis(10))
            .count() as f64;
        // Binomial(40000, 1/4): sd 86.6; 5 sd is 433.
        assert!((tens - n as f64 / 4.0).abs() < 433.0, "{tens}");
        assert_eq!(e.quantile_secs(0.5), 0.003);
        assert_eq!(e.cdf(0.002), 0.5);
    }

    #[test]
    fn a_histogram_is_linear_within_its_buckets() {
        let e = Empirical::histogram("h", &[(0.001, 50.0), (0.003, 90.0), (0.01, 100.0)]).unwrap();
        assert!((e.cdf(0.0005) - 0.25).abs() < 1e-12);
        assert!((e.cdf(0.002) - 0.7).abs() < 1e-12);
        assert!((e.quantile_secs(0.7) - 0.002).abs() < 1e-12);
        assert!((e.quantile_secs(0.95) - 0.0065).abs() < 1e-12);
        let mean = 0.5 * 0.0005 + 0.4 * 0.002 + 0.1 * 0.0065;
        assert!((e.moment(1) - mean).abs() < 1e-15);
        // An empty bucket holds no probability; a draw never lands inside it.
        let g = Empirical::histogram("g", &[(0.001, 5.0), (0.002, 5.0), (0.003, 10.0)]).unwrap();
        let mut rng = Streams::new(2, 0).stream("t");
        for _ in 0..10_000 {
            let x = g.sample(&mut rng).as_secs_f64();
            assert!(!(0.001 < x && x < 0.002), "{x}");
        }
    }

    #[test]
    fn bad_histograms_are_refused() {
        assert!(Empirical::histogram("h", &[]).is_err());
        assert!(Empirical::histogram("h", &[(0.1, 0.0)]).is_err());
        assert!(Empirical::histogram("h", &[(0.1, 5.0), (0.05, 6.0)]).is_err());
        assert!(Empirical::histogram("h", &[(0.1, 5.0), (0.2, 4.0)]).is_err());
        assert!(Empirical::histogram("h", &[(-0.1, 5.0)]).is_err());
    }

    #[test]
    fn debug_shows_the_source_and_a_fingerprint_of_the_data() {
        let a = Empirical::samples("a.txt", vec![SimTime(1), SimTime(2)]);
        let b = Empirical::samples("a.txt", vec![SimTime(1), SimTime(3)]);
        assert_ne!(format!("{a:?}"), format!("{b:?}"));
        assert!(format!("{a:?}").starts_with("Empirical { source: \"a.txt\", samples: 2,"));
    }
}
