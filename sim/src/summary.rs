//! Combining replications: means and Student-t 95% confidence intervals.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean of independent replications with the half-width of its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Sample mean.
    pub mean: f64,
    /// Half-width of the two-sided 95% Student-t interval (0 with fewer than two
    /// samples or no spread).
    pub ci95: f64,
}

impl Estimate {
    /// The estimate from the samples (one per replication).
    pub fn from_samples(xs: &[f64]) -> Estimate {
        let n = xs.len();
        if n == 0 {
            return Estimate {
                mean: 0.0,
                ci95: 0.0,
            };
        }
        let mean = xs.iter().sum::<f64>() / n as f64;
        if n < 2 {
            return Estimate { mean, ci95: 0.0 };
        }
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        Estimate {
            mean,
            ci95: t95(n - 1) * (var / n as f64).sqrt(),
        }
    }

    /// True if `value` lies within the interval.
    pub fn contains(&self, value: f64) -> bool {
        (value - self.mean).abs() <= self.ci95
    }
}

/// The 0.975 quantile of Student's t with `dof` degrees of freedom.
pub fn t95(dof: usize) -> f64 {
    StudentsT::new(0.0, 1.0, dof as f64)
        .expect("positive degrees of freedom")
        .inverse_cdf(0.975)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        assert!((t95(1) - 12.706).abs() < 1e-3);
        assert!((t95(9) - 2.262).abs() < 1e-3);
        assert!((t95(1000) - 1.962).abs() < 1e-3);
    }

    #[test]
    fn interval_of_known_samples() {
        let e = Estimate::from_samples(&[1.0, 2.0, 3.0, 4.0]);
        assert_eq!(e.mean, 2.5);
        // s = sqrt(5/3), se = s/2, t(3) = 3.182
        assert!((e.ci95 - 3.182446 * (5.0f64 / 3.0).sqrt() / 2.0).abs() < 1e-5);
        assert!(e.contains(1.0) && !e.contains(0.0));
    }
}
