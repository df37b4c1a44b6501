//! Thresholds along one axis: where a predicate that holds on one side stops
//! holding, found from a sorted row of evaluated points and narrowed by
//! bisection.
//!
//! The predicate is assumed monotone along the axis (it holds below some
//! value and fails above it, or the reverse). When it is not, the *first*
//! change of state in increasing order is reported: the answer is still
//! deterministic, and it is the conservative one for a capacity limit.
//!
//! Nothing here knows what the predicate means; the caller evaluates points
//! and keeps whatever it measured at them.

/// Where the state of a predicate changes along a sorted row of points.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Every point agrees with the first one; `holds` is that common state.
    Never {
        /// The state of every point.
        holds: bool,
    },
    /// Points `..=last` share the first point's state and point `last + 1`
    /// is the first that differs.
    After {
        /// Index of the last point with the first point's state.
        last: usize,
    },
}

/// Finds the first change of state in `states`, which are ordered by
/// increasing position along the axis. An empty slice counts as
/// `Never { holds: true }`.
pub fn first_change(states: &[bool]) -> Change {
    let Some(&first) = states.first() else {
        return Change::Never { holds: true };
    };
    match states.iter().position(|&s| s != first) {
        Some(i) => Change::After { last: i - 1 },
        None => Change::Never { holds: first },
    }
}

/// The position where a quantity that is `y0` at `x0` and `y1` at `x1`
/// reaches `limit`, by linear interpolation, clamped to `[x0, x1]` (or
/// `[x1, x0]`). When the two values are equal or not finite, the crossing
/// is taken at the midpoint.
pub fn interpolate(x0: f64, y0: f64, x1: f64, y1: f64, limit: f64) -> f64 {
    let t = (limit - y0) / (y1 - y0);
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.5
    };
    x0 + t * (x1 - x0)
}

/// A bracket of the change of state: the predicate has one state at `keep`
/// and the other at `other`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bracket {
    /// A position with the first state (e.g. the last passing point).
    pub keep: f64,
    /// A position with the other state (e.g. the first failing point).
    pub other: f64,
}

impl Bracket {
    /// Distance between the two ends.
    pub fn width(&self) -> f64 {
        (self.other - self.keep).abs()
    }
}

/// Narrows `bracket` by bisection until its width is at most `tolerance`.
///
/// `probe(x)` returns true if `x` has the same state as `bracket.keep`.
/// Midpoints are rounded down to whole numbers when `integer` is true, and
/// bisection stops when the ends are adjacent integers. At most `max_probes`
/// probes are made. Probes happen one after another, so the sequence of
/// probed positions depends only on the answers: deterministic whenever
/// `probe` is.
pub fn bisect(
    mut bracket: Bracket,
    tolerance: f64,
    integer: bool,
    max_probes: usize,
    mut probe: impl FnMut(f64) -> bool,
) -> Bracket {
    let tolerance = if integer {
        tolerance.max(1.0)
    } else {
        tolerance
    };
    for _ in 0..max_probes {
        if bracket.width() <= tolerance || bracket.width().is_nan() {
            break;
        }
        let mut mid = 0.5 * (bracket.keep + bracket.other);
        if integer {
            mid = mid.floor();
            if mid == bracket.keep.min(bracket.other) {
                mid += 1.0;
            }
            if mid == bracket.keep || mid == bracket.other {
                break;
            }
        }
        if probe(mid) {
            bracket.keep = mid;
        } else {
            bracket.other = mid;
        }
    }
    bracket
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_change_finds_the_boundary() {
        assert_eq!(
            first_change(&[true, true, false, false]),
            Change::After { last: 1 }
        );
        assert_eq!(first_change(&[false, true]), Change::After { last: 0 });
        assert_eq!(first_change(&[true, true]), Change::Never { holds: true });
        assert_eq!(first_change(&[false]), Change::Never { holds: false });
        // Not monotone: the first change wins.
        assert_eq!(
            first_change(&[true, false, true]),
            Change::After { last: 0 }
        );
    }

    #[test]
    fn interpolation_reaches_the_limit_and_clamps() {
        assert_eq!(interpolate(10.0, 0.0, 20.0, 1.0, 0.5), 15.0);
        assert_eq!(interpolate(10.0, 0.0, 20.0, 1.0, 5.0), 20.0);
        assert_eq!(interpolate(10.0, 1.0, 20.0, 1.0, 5.0), 15.0);
        assert_eq!(interpolate(20.0, 0.0, 10.0, 1.0, 0.25), 17.5);
    }

    #[test]
    fn bisection_brackets_within_tolerance() {
        let b = bisect(
            Bracket {
                keep: 0.0,
                other: 100.0,
            },
            0.5,
            false,
            64,
            |x| x < 37.3,
        );
        assert!(
            b.width() <= 0.5 && b.keep < 37.3 && b.other >= 37.3,
            "{b:?}"
        );
        // Integer axis, decreasing direction.
        let b = bisect(
            Bracket {
                keep: 64.0,
                other: 1.0,
            },
            1.0,
            true,
            64,
            |x| x >= 13.0,
        );
        assert_eq!(
            b,
            Bracket {
                keep: 13.0,
                other: 12.0
            }
        );
        let b = bisect(
            Bracket {
                keep: 1.0,
                other: 64.0,
            },
            1.0,
            true,
            64,
            |x| x <= 40.0,
        );
        assert_eq!(
            b,
            Bracket {
                keep: 40.0,
                other: 41.0
            }
        );
    }
}
