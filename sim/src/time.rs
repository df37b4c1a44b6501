//! Simulated time: an integer count of nanoseconds.
//!
//! Integer time keeps event ordering exact: two events scheduled for the same
//! instant compare equal, with no epsilon. Distributions are sampled as `f64`
//! seconds at the edge and turned into [`SimTime`] by one rule,
//! [`SimTime::from_secs_f64`]: `floor(secs * 1e9 + 0.5)` nanoseconds (nearest,
//! halves up); negative values clamp to zero and values past `u64::MAX`
//! saturate.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// An instant or a span of simulated time, in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    /// Time zero, when every simulation starts.
    pub const ZERO: SimTime = SimTime(0);
    /// The largest representable time (about 584 years).
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// A span of whole nanoseconds.
    pub const fn from_nanos(ns: u64) -> Self {
        SimTime(ns)
    }
    /// A span of whole microseconds.
    pub const fn from_micros(us: u64) -> Self {
        SimTime(us * 1_000)
    }
    /// A span of whole milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        SimTime(ms * 1_000_000)
    }
    /// A span of whole seconds.
    pub const fn from_secs(s: u64) -> Self {
        SimTime(s * 1_000_000_000)
    }

    /// Converts seconds to time by the crate's single rounding rule:
    /// `floor(secs * 1e9 + 0.5)` nanoseconds (nearest, halves up); negatives and
    /// NaN give zero, values too large to represent saturate at
    /// [`SimTime::MAX`]. (Rust's `as u64` truncates toward zero, saturates, and
    /// maps NaN to 0, which is exactly this rule for `ns + 0.5 >= 0`.)
    #[inline]
    pub fn from_secs_f64(secs: f64) -> Self {
        let ns = secs * 1e9 + 0.5;
        if (0.0..9_223_372_036_854_775_808.0).contains(&ns) {
            // Below 2^63 the signed conversion (one instruction) gives the
            // same value as the unsigned one, which x86-64 lacks.
            SimTime(ns as i64 as u64)
        } else if ns >= 0.0 {
            SimTime(ns as u64)
        } else {
            SimTime::ZERO
        }
    }

    /// Nanoseconds since time zero.
    pub const fn as_nanos(self) -> u64 {
        self.0
    }
    /// Seconds, as a float.
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 * 1e-9
    }
    /// Milliseconds, as a float.
    pub fn as_millis_f64(self) -> f64 {
        self.0 as f64 * 1e-6
    }
    /// `self - earlier`, or zero if `earlier` is later.
    pub fn saturating_sub(self, earlier: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(earlier.0))
    }
    /// Half of this span, rounded down. Used to split a round trip.
    pub const fn half(self) -> SimTime {
        SimTime(self.0 / 2)
    }
}

/// Addition saturates at [`SimTime::MAX`] (there is no separate saturating
/// method): "no deadline" is `SimTime::MAX`, and a scenario with absurd
/// latencies (a round trip of a century, a lognormal tail past `u64`) must not
/// wrap around into the past. A model stops a run whose clock runs that far
/// (see `models::engine::model::TIME_LIMIT`).
impl Add for SimTime {
    type Output = SimTime;
    #[inline]
    fn add(self, rhs: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for SimTime {
    #[inline]
    fn add_assign(&mut self, rhs: SimTime) {
        self.0 = self.0.saturating_add(rhs.0);
    }
}

impl Sub for SimTime {
    type Output = SimTime;
    #[inline]
    fn sub(self, rhs: SimTime) -> SimTime {
        debug_assert!(self.0 >= rhs.0, "negative time span");
        SimTime(self.0 - rhs.0)
    }
}

impl fmt::Display for SimTime {
    /// Prints the shortest exact form with a unit: `0s`, `250us`, `1.5ms`, `2m`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ns = self.0;
        if ns == 0 {
            return write!(f, "0s");
        }
        for (unit, size) in [("h", 3_600_000_000_000u64), ("m", 60_000_000_000)] {
            if ns.is_multiple_of(size) {
                return write!(f, "{}{}", ns / size, unit);
            }
        }
        for (unit, size) in [("s", 1_000_000_000u64), ("ms", 1_000_000), ("us", 1_000)] {
            if ns >= size {
                let whole = ns / size;
                let frac = ns % size;
                if frac == 0 {
                    return write!(f, "{whole}{unit}");
                }
                let digits = size.ilog10() as usize;
                let s = format!("{frac:0digits$}");
                return write!(f, "{whole}.{}{unit}", s.trim_end_matches('0'));
            }
        }
        write!(f, "{ns}ns")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_rule() {
        assert_eq!(SimTime::from_secs_f64(1.5e-9), SimTime(2));
        assert_eq!(SimTime::from_secs_f64(1.4e-9), SimTime(1));
        assert_eq!(SimTime::from_secs_f64(-3.0), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(f64::NAN), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(1e30), SimTime::MAX);
        assert_eq!(SimTime::from_secs_f64(0.001), SimTime::from_millis(1));
    }

    #[test]
    fn display_is_exact() {
        assert_eq!(SimTime::ZERO.to_string(), "0s");
        assert_eq!(SimTime::from_micros(250).to_string(), "250us");
        assert_eq!(SimTime::from_micros(1500).to_string(), "1.5ms");
        assert_eq!(SimTime::from_secs(120).to_string(), "2m");
        assert_eq!(SimTime::from_secs(3600).to_string(), "1h");
        assert_eq!(SimTime::from_millis(2500).to_string(), "2.5s");
        assert_eq!(SimTime(1500).to_string(), "1.5us");
        assert_eq!(SimTime(7).to_string(), "7ns");
    }
}
