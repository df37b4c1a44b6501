//! Latency distributions: how long something takes, sampled in whole nanoseconds.
//!
//! Each variant is built from the figures a user knows (a mean, a median and a
//! p99, the quantiles read off a dashboard) and checked once at construction, so
//! sampling never fails. Samples are drawn in `f64` seconds and converted by the
//! single rule of [`SimTime::from_secs_f64`].

use crate::empirical::Empirical;
use crate::time::SimTime;
use rand::Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};
use std::sync::Arc;

/// Standard normal quantiles of 0.5, 0.9, 0.99 and 0.999.
pub const Z_QUANTILES: [f64; 4] = [0.0, 1.281_551_565_545, 2.326_347_874_041, 3.090_232_306_168];

/// A non-negative latency distribution.
#[derive(Clone, Debug, PartialEq)]
pub enum Latency {
    /// Always the same span.
    Constant(SimTime),
    /// Exponential with the given mean, in seconds.
    Exponential {
        /// Mean, in seconds.
        mean: f64,
    },
    /// Uniform between `low` and `high` seconds.
    Uniform {
        /// Lower bound, in seconds.
        low: f64,
        /// Upper bound, in seconds.
        high: f64,
    },
    /// Log-normal: `ln X ~ N(mu, sigma^2)` with X in seconds.
    LogNormal {
        /// Mean of `ln X`.
        mu: f64,
        /// Standard deviation of `ln X`.
        sigma: f64,
    },
    /// Piecewise log-normal through dashboard quantiles: `ln X` is a piecewise
    /// linear function of a standard normal `Z`, passing exactly through
    /// p50, p90, p99 and p99.9 at their normal quantiles, and extended with the
    /// end segments' slopes below p50 and above p99.9.
    Quantiles {
        /// `ln` of p50, p90, p99, p99.9 (seconds), strictly increasing.
        ln_q: [f64; 4],
    },
    /// Read from data: measured samples or a histogram export (see
    /// [`crate::empirical`]). Shared, since a file may hold many samples.
    Empirical(Arc<Empirical>),
}

crate::message_error! {
    /// Why a distribution's parameters were refused.
    DistError
}

fn positive(name: &str, v: f64) -> Result<(), DistError> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(DistError(format!("`{name}` must be greater than zero")))
    }
}

impl Latency {
    /// Exponential with mean `mean`.
    pub fn exponential(mean: SimTime) -> Result<Self, DistError> {
        positive("mean", mean.as_secs_f64())?;
        Ok(Latency::Exponential {
            mean: mean.as_secs_f64(),
        })
    }

    /// Uniform on `[low, high]`.
    pub fn uniform(low: SimTime, high: SimTime) -> Result<Self, DistError> {
        if high < low {
            return Err(DistError(format!("`high` ({high}) is below `low` ({low})")));
        }
        Ok(Latency::Uniform {
            low: low.as_secs_f64(),
            high: high.as_secs_f64(),
        })
    }

    /// Log-normal with the given median and 99th percentile.
    pub fn lognormal(median: SimTime, p99: SimTime) -> Result<Self, DistError> {
        positive("median", median.as_secs_f64())?;
        if p99 <= median {
            return Err(DistError(format!(
                "`p99` ({p99}) must be above `median` ({median})"
            )));
        }
        let mu = median.as_secs_f64().ln();
        let sigma = (p99.as_secs_f64().ln() - mu) / Z_QUANTILES[2];
        Ok(Latency::LogNormal { mu, sigma })
    }

    /// Piecewise log-normal through p50 < p90 < p99 < p99.9.
    pub fn quantiles(q: [SimTime; 4]) -> Result<Self, DistError> {
        let names = ["p50", "p90", "p99", "p999"];
        positive("p50", q[0].as_secs_f64())?;
        for i in 1..4 {
            if q[i] <= q[i - 1] {
                return Err(DistError(format!(
                    "quantiles must increase: `{}` ({}) is not above `{}` ({})",
                    names[i],
                    q[i],
                    names[i - 1],
                    q[i - 1]
                )));
            }
        }
        Ok(Latency::Quantiles {
            ln_q: q.map(|t| t.as_secs_f64().ln()),
        })
    }

    /// True if every sample is zero (the distribution can be skipped).
    pub fn is_zero(&self) -> bool {
        matches!(self, Latency::Constant(SimTime::ZERO))
    }

    /// Draws one sample.
    #[inline(always)]
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> SimTime {
        // The two shapes of hot paths (fixed costs, exponential round trips)
        // inline into the caller; the others, which need `exp`, do not.
        match *self {
            Latency::Constant(t) => t,
            Latency::Exponential { mean } => {
                let e: f64 = Exp1.sample(rng);
                SimTime::from_secs_f64(e * mean)
            }
            _ => self.sample_other(rng),
        }
    }

    #[inline(never)]
    fn sample_other<R: Rng + ?Sized>(&self, rng: &mut R) -> SimTime {
        match *self {
            Latency::Empirical(ref e) => e.sample(rng),
            Latency::Constant(_) | Latency::Exponential { .. } => unreachable!("sampled inline"),
            Latency::Uniform { low, high } => {
                SimTime::from_secs_f64(low + (high - low) * rng.random::<f64>())
            }
            Latency::LogNormal { mu, sigma } => {
                let z: f64 = StandardNormal.sample(rng);
                SimTime::from_secs_f64((mu + sigma * z).exp())
            }
            Latency::Quantiles { ln_q } => {
                let z: f64 = StandardNormal.sample(rng);
                SimTime::from_secs_f64(quantile_curve(&ln_q, z).exp())
            }
        }
    }

    /// The mean, in seconds.
    pub fn mean_secs(&self) -> f64 {
        self.moment(1)
    }

    /// `E[X^2]`, in seconds squared (for Pollaczek-Khinchine).
    pub fn second_moment_secs(&self) -> f64 {
        self.moment(2)
    }

    fn moment(&self, k: i32) -> f64 {
        match *self {
            Latency::Empirical(ref e) => e.moment(k),
            Latency::Constant(t) => t.as_secs_f64().powi(k),
            Latency::Exponential { mean } => {
                if k == 1 {
                    mean
                } else {
                    2.0 * mean * mean
                }
            }
            Latency::Uniform { low, high } => {
                if k == 1 {
                    (low + high) / 2.0
                } else {
                    (low * low + low * high + high * high) / 3.0
                }
            }
            Latency::LogNormal { mu, sigma } => {
                let k = k as f64;
                (k * mu + k * k * sigma * sigma / 2.0).exp()
            }
            Latency::Quantiles { ln_q } => {
                // E[exp(k g(Z))] by the trapezoid rule over z in [-9, 9]; g is
                // piecewise linear so the integrand is smooth between knots.
                let steps = 36_000;
                let h = 18.0 / steps as f64;
                let mut sum = 0.0;
                for i in 0..=steps {
                    let z = -9.0 + i as f64 * h;
                    let w = if i == 0 || i == steps { 0.5 } else { 1.0 };
                    let phi = (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt();
                    sum += w * phi * (k as f64 * quantile_curve(&ln_q, z)).exp();
                }
                sum * h
            }
        }
    }
}

/// `ln X` as a function of the standard normal `z` for [`Latency::Quantiles`].
fn quantile_curve(ln_q: &[f64; 4], z: f64) -> f64 {
    let seg = if z < Z_QUANTILES[1] {
        0
    } else if z < Z_QUANTILES[2] {
        1
    } else {
        2
    };
    let (z0, z1) = (Z_QUANTILES[seg], Z_QUANTILES[seg + 1]);
    let slope = (ln_q[seg + 1] - ln_q[seg]) / (z1 - z0);
    ln_q[seg] + slope * (z - z0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Streams;

    fn empirical_quantile(d: &Latency, p: f64) -> f64 {
        let mut rng = Streams::new(7, 0).stream("t");
        let mut v: Vec<u64> = (0..200_000).map(|_| d.sample(&mut rng).0).collect();
        v.sort_unstable();
        v[(p * v.len() as f64) as usize] as f64 * 1e-9
    }

    #[test]
    fn lognormal_hits_its_median_and_p99() {
        let d = Latency::lognormal(SimTime::from_millis(2), SimTime::from_millis(20)).unwrap();
        // Binomial 99.9% bounds on the order statistic are about 0.4% at the median.
        let m = empirical_quantile(&d, 0.5);
        assert!((m / 0.002 - 1.0).abs() < 0.02, "median {m}");
        let p99 = empirical_quantile(&d, 0.99);
        assert!((p99 / 0.020 - 1.0).abs() < 0.05, "p99 {p99}");
    }

    #[test]
    fn quantile_distribution_passes_through_its_points() {
        let q = [1, 3, 10, 40].map(SimTime::from_millis);
        let d = Latency::quantiles(q).unwrap();
        for (p, want) in [(0.5, 0.001), (0.9, 0.003), (0.99, 0.010)] {
            let got = empirical_quantile(&d, p);
            assert!((got / want - 1.0).abs() < 0.05, "p{p}: {got} vs {want}");
        }
    }

    #[test]
    fn moments_match_closed_forms() {
        let e = Latency::exponential(SimTime::from_millis(1)).unwrap();
        assert!((e.mean_secs() - 1e-3).abs() < 1e-15);
        assert!((e.second_moment_secs() - 2e-6).abs() < 1e-18);
        // A quantiles distribution built from a log-normal's own quantiles has its mean.
        let (mu, sigma) = (-6.0f64, 0.7f64);
        let q = Z_QUANTILES.map(|z| SimTime::from_secs_f64((mu + sigma * z).exp()));
        let d = Latency::quantiles(q).unwrap();
        let want = (mu + sigma * sigma / 2.0).exp();
        assert!((d.mean_secs() / want - 1.0).abs() < 1e-4);
    }

    #[test]
    fn bad_parameters_are_refused() {
        assert!(Latency::lognormal(SimTime::from_millis(2), SimTime::from_millis(1)).is_err());
        assert!(Latency::quantiles([1, 3, 3, 4].map(SimTime::from_millis)).is_err());
        assert!(Latency::exponential(SimTime::ZERO).is_err());
        assert!(Latency::uniform(SimTime::from_millis(2), SimTime::from_millis(1)).is_err());
    }
}
