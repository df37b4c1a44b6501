//! Bytes on the wire: value sizes (`redis.value_size`) and a shard's
//! outbound bandwidth (`redis.bandwidth`).
//!
//! Sizes are whole bytes and rates whole bits per second, read exactly from
//! text with a unit (`"4KB"`, `"1.5MiB"`, `"1Gbit"`, `"125MB/s"`): decimal
//! units are powers of 1000, binary ones (`KiB`) of 1024.

use super::units::{exact_decimal, Inexact};
use rand::Rng;
use rand_distr::{Distribution, Exp1, StandardNormal};
use sim::dist::Z_QUANTILES;

/// Units a size may carry, in bytes.
const SIZE_UNITS: [(&str, u128); 8] = [
    ("B", 1),
    ("KB", 1_000),
    ("MB", 1_000_000),
    ("GB", 1_000_000_000),
    ("TB", 1_000_000_000_000),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
];

/// Units a rate may carry, in bits per second.
const RATE_UNITS: [(&str, u128); 8] = [
    ("bit", 1),
    ("Kbit", 1_000),
    ("Mbit", 1_000_000),
    ("Gbit", 1_000_000_000),
    ("B/s", 8),
    ("KB/s", 8_000),
    ("MB/s", 8_000_000),
    ("GB/s", 8_000_000_000),
];

/// A value's size in bytes: a distribution built from the figures a user
/// writes, which it keeps (so `capsim check` prints them back exactly).
#[derive(Clone, Debug, PartialEq)]
pub enum Size {
    /// Always the same number of bytes.
    Constant(u64),
    /// Exponential with this mean, in bytes (rounded to whole bytes).
    Exponential(u64),
    /// Log-normal through a median and a p99, in bytes (`median < p99`).
    LogNormal {
        /// Median.
        median: u64,
        /// 99th percentile.
        p99: u64,
    },
}

impl Size {
    /// True if every value is empty.
    pub fn is_zero(&self) -> bool {
        matches!(self, Size::Constant(0) | Size::Exponential(0))
    }

    /// The mean, in bytes.
    pub fn mean(&self) -> f64 {
        match *self {
            Size::Constant(b) | Size::Exponential(b) => b as f64,
            Size::LogNormal { .. } => {
                let (mu, sigma) = self.log_params();
                (mu + sigma * sigma / 2.0).exp()
            }
        }
    }

    /// `E[X^2]`, in bytes squared.
    pub fn second_moment(&self) -> f64 {
        match *self {
            Size::Constant(b) => (b as f64).powi(2),
            Size::Exponential(b) => 2.0 * (b as f64).powi(2),
            Size::LogNormal { .. } => {
                let (mu, sigma) = self.log_params();
                (2.0 * mu + 2.0 * sigma * sigma).exp()
            }
        }
    }

    /// `mu` and `sigma` of `ln X` of a log-normal.
    fn log_params(&self) -> (f64, f64) {
        match *self {
            Size::LogNormal { median, p99 } => {
                let mu = (median as f64).ln();
                (mu, ((p99 as f64).ln() - mu) / Z_QUANTILES[2])
            }
            _ => (0.0, 0.0),
        }
    }

    /// Draws one size, in bytes (a constant draws nothing).
    pub fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> f64 {
        match *self {
            Size::Constant(b) => b as f64,
            Size::Exponential(b) => {
                let e: f64 = Exp1.sample(rng);
                e * b as f64
            }
            Size::LogNormal { .. } => {
                let (mu, sigma) = self.log_params();
                let z: f64 = StandardNormal.sample(rng);
                (mu + sigma * z).exp()
            }
        }
    }
}

/// Parses a size such as `"512B"`, `"4KB"` or `"1.5MiB"` into whole bytes.
pub(crate) fn parse_size(s: &str) -> Result<u64, String> {
    scaled(
        s,
        &SIZE_UNITS,
        "size",
        "\"4KB\"",
        "B, KB, MB, GB, TB, KiB, MiB or GiB",
    )
}

/// Parses a rate such as `"1Gbit"` or `"125MB/s"` into whole bits per second.
pub(crate) fn parse_rate(s: &str) -> Result<u64, String> {
    scaled(
        s,
        &RATE_UNITS,
        "rate",
        "\"1Gbit\"",
        "bit, Kbit, Mbit, Gbit (per second), B/s, KB/s, MB/s or GB/s",
    )
}

/// A number and a unit of `units`, exactly, as a whole count of the base unit.
fn scaled(
    s: &str,
    units: &[(&str, u128)],
    what: &str,
    example: &str,
    names: &str,
) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let unit = unit.trim_start();
    let malformed = || format!("expected a {what} like {example}, found {s:?}");
    if number.is_empty() || unit.is_empty() {
        return Err(malformed());
    }
    let Some(&(_, scale)) = units.iter().find(|(u, _)| *u == unit) else {
        return Err(format!(
            "unknown unit `{unit}` in {what} {s:?}; use {names}"
        ));
    };
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() || (number.contains('.') && frac.is_empty()) || frac.contains('.') {
        return Err(malformed());
    }
    let frac = frac.trim_end_matches('0');
    let whole = whole.trim_start_matches('0');
    let too_big = || format!("{what} {s:?} is too large");
    if whole.len() > 20 || frac.len() > 18 {
        return Err(too_big());
    }
    exact_decimal(whole, frac, scale).map_err(|e| match e {
        Inexact::TooLarge => too_big(),
        Inexact::Finer => format!("{what} {s:?} is not a whole number of {}", units[0].0),
    })
}

/// Bytes as the shortest exact text: `"4KB"`, `"1500B"`.
pub fn size_text(bytes: u64) -> String {
    exact_text(u128::from(bytes), &SIZE_UNITS[..5])
}

/// Bits per second as the shortest exact text: `"1Gbit"`.
pub fn rate_text(bits: u64) -> String {
    exact_text(u128::from(bits), &RATE_UNITS[..4])
}

/// `n` in the largest of `units` (ascending) that divides it.
fn exact_text(n: u128, units: &[(&str, u128)]) -> String {
    let (name, scale) = units
        .iter()
        .rev()
        .find(|(_, s)| n != 0 && n.is_multiple_of(*s))
        .copied()
        .unwrap_or(units[0]);
    format!("\"{}{name}\"", n / scale)
}

/// A size law as the user writes it.
pub fn size_law_text(s: &Size) -> String {
    match *s {
        Size::Constant(b) => size_text(b),
        Size::Exponential(b) => {
            format!("{{ dist = \"exponential\", mean = {} }}", size_text(b))
        }
        Size::LogNormal { median, p99 } => format!(
            "{{ dist = \"lognormal\", median = {}, p99 = {} }}",
            size_text(median),
            size_text(p99)
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_rates_are_exact() {
        assert_eq!(parse_size("4KB"), Ok(4000));
        assert_eq!(parse_size("1.5KiB"), Ok(1536));
        assert_eq!(parse_size("0B"), Ok(0));
        assert!(parse_size("1.5B")
            .unwrap_err()
            .contains("whole number of B"));
        assert!(parse_size("4kb").unwrap_err().contains("unknown unit"));
        assert!(parse_size("4").is_err());
        assert_eq!(parse_rate("1Gbit"), Ok(1_000_000_000));
        assert_eq!(parse_rate("125MB/s"), Ok(1_000_000_000));
        assert_eq!(rate_text(1_000_000_000), "\"1Gbit\"");
        assert_eq!(size_text(1500), "\"1500B\"");
        assert_eq!(size_text(4_000_000), "\"4MB\"");
        assert_eq!(size_text(0), "\"0B\"");
    }

    #[test]
    fn lognormal_moments() {
        let s = Size::LogNormal {
            median: 1000,
            p99: 10_000,
        };
        let sigma = 10f64.ln() / Z_QUANTILES[2];
        assert!((s.mean() - 1000.0 * (sigma * sigma / 2.0).exp()).abs() < 1e-6);
    }
}
