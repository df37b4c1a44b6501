//! Thresholds along one axis: where a predicate that holds on one side stops
//! holding, found from a sorted row of evaluated points and narrowed by
//! bisection to a stated [`Precision`].
//!
//! A measured predicate has a third answer besides "holds" and "fails": too
//! close to call (its confidence interval straddles the limit). [`locate`]
//! bisects with three answers: both ends of the bracket it returns are clear
//! answers, each located to the precision, and whatever was too close to call
//! lies between them, so the bracket is never narrower than the evidence.
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
        let Some(mid) = midpoint(bracket, integer) else {
            break;
        };
        if probe(mid) {
            bracket.keep = mid;
        } else {
            bracket.other = mid;
        }
    }
    bracket
}

/// How narrow a bracket must be.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Precision {
    /// Width at most this many units of the axis.
    Absolute(f64),
    /// Width at most this share of the end nearer zero (0.02: within 2%).
    Relative(f64),
}

impl Precision {
    /// True if a bracket from `a` to `b` is narrow enough.
    pub fn met(self, a: f64, b: f64) -> bool {
        let width = (b - a).abs();
        match self {
            Precision::Absolute(t) => width <= t,
            Precision::Relative(r) => width <= r * a.abs().min(b.abs()),
        }
    }
}

/// One probe's answer, relative to a bracket's ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Clearly the state of `keep`.
    Keep,
    /// Clearly the state of `other`.
    Other,
    /// Too close to call.
    Unsure,
}

/// The midpoint of a bracket to probe next, or `None` when there is none
/// (adjacent integers).
fn midpoint(b: Bracket, integer: bool) -> Option<f64> {
    let mut mid = 0.5 * (b.keep + b.other);
    if integer {
        mid = mid.floor();
        if mid == b.keep.min(b.other) {
            mid += 1.0;
        }
        if mid == b.keep || mid == b.other {
            return None;
        }
    }
    mid.is_finite().then_some(mid)
}

/// Narrows `bracket`, whose `keep` end clearly has one state and `other`
/// end clearly the other, by bisection with three answers.
///
/// While every probe is clear, this is plain bisection until `precision` is
/// met. The first probe that is too close to call splits the search: the
/// last clear `keep` is then located between `keep` and that probe, and the
/// first clear `other` between that probe and `other`, each to `precision`.
/// The returned bracket has a clear answer at both ends and contains every
/// probe that was too close to call. Midpoints are whole numbers when
/// `integer` is true (searches stop at adjacent integers); at most
/// `max_probes` probes are made, one after another, so the probed positions
/// depend only on the answers.
pub fn locate(
    bracket: Bracket,
    precision: Precision,
    integer: bool,
    max_probes: usize,
    mut probe: impl FnMut(f64) -> Answer,
) -> Bracket {
    let mut left = max_probes;
    let mut narrow = |b, step: &mut dyn FnMut(&mut Bracket, f64) -> bool| {
        narrow_by_probes(b, precision, integer, &mut left, step)
    };
    let mut unsure = None;
    let b = narrow(bracket, &mut |b, mid| {
        match probe(mid) {
            Answer::Keep => b.keep = mid,
            Answer::Other => b.other = mid,
            Answer::Unsure => unsure = Some(mid),
        }
        unsure.is_none()
    });
    let Some(u) = unsure else {
        return b;
    };
    // The keep side: an unsure probe counts as not clearly `keep`.
    let k = narrow(
        Bracket {
            keep: b.keep,
            other: u,
        },
        &mut |k, mid| {
            match probe(mid) {
                Answer::Keep => k.keep = mid,
                _ => k.other = mid,
            }
            true
        },
    );
    // The other side: an unsure probe counts as not clearly `other`.
    let o = narrow(
        Bracket {
            keep: u,
            other: b.other,
        },
        &mut |o, mid| {
            match probe(mid) {
                Answer::Other => o.other = mid,
                _ => o.keep = mid,
            }
            true
        },
    );
    Bracket {
        keep: k.keep,
        other: o.other,
    }
}

/// Bisects `b` while probes are `left` and it is wider than `precision`:
/// each midpoint costs a probe, and `step` moves an end of the bracket to
/// it, or ends the search (false).
fn narrow_by_probes(
    mut b: Bracket,
    precision: Precision,
    integer: bool,
    left: &mut usize,
    step: &mut dyn FnMut(&mut Bracket, f64) -> bool,
) -> Bracket {
    while *left > 0 && !(precision.met(b.keep, b.other) || b.width().is_nan()) {
        let Some(mid) = midpoint(b, integer) else {
            break;
        };
        *left -= 1;
        if !step(&mut b, mid) {
            break;
        }
    }
    b
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bracket(keep: f64, other: f64) -> Bracket {
        Bracket { keep, other }
    }

    /// [`locate`] on a real axis to 2%, in at most 64 probes.
    fn locate_fine(b: Bracket, probe: impl FnMut(f64) -> Answer) -> Bracket {
        locate(b, Precision::Relative(0.02), false, 64, probe)
    }

    /// A clear answer: keep if `keep`, else other.
    fn keep_if(keep: bool) -> Answer {
        if keep {
            Answer::Keep
        } else {
            Answer::Other
        }
    }

    #[test]
    fn relative_precision_is_a_share_of_the_nearer_end() {
        assert!(Precision::Relative(0.02).met(100.0, 102.0));
        assert!(!Precision::Relative(0.02).met(100.0, 102.5));
        assert!(Precision::Relative(0.02).met(-102.0, -100.0));
        assert!(Precision::Absolute(3.0).met(10.0, 7.0));
    }

    #[test]
    fn location_with_clear_answers_meets_the_precision() {
        let b = locate_fine(bracket(600.0, 9600.0), |x| keep_if(x < 3190.0));
        assert!(b.keep < 3190.0 && b.other >= 3190.0, "{b:?}");
        assert!(b.other - b.keep <= 0.02 * b.keep, "{b:?}");
    }

    #[test]
    fn location_keeps_the_unsure_zone_inside_the_bracket() {
        // Clearly keep below 3000, unsure in [3000, 3300), clearly other above.
        let answer = |x: f64| {
            if x < 3000.0 {
                Answer::Keep
            } else if x < 3300.0 {
                Answer::Unsure
            } else {
                Answer::Other
            }
        };
        let mut probed = Vec::new();
        let b = locate_fine(bracket(1000.0, 5000.0), |x| {
            probed.push(x);
            answer(x)
        });
        assert!(b.keep < 3000.0 && b.keep >= 3000.0 / 1.02, "{b:?}");
        assert!(b.other >= 3300.0 && b.other <= 3300.0 * 1.02, "{b:?}");
        assert_eq!(answer(b.keep), Answer::Keep);
        assert_eq!(answer(b.other), Answer::Other);
        // Decreasing direction, integers, and a probe budget that is respected.
        let mut n = 0;
        let b = locate(bracket(64.0, 1.0), Precision::Absolute(1.0), true, 5, |x| {
            n += 1;
            keep_if(x >= 13.0)
        });
        assert_eq!(n, 5);
        assert!(b.keep >= 13.0 && b.other < 13.0, "{b:?}");
    }

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
        let b = bisect(bracket(0.0, 100.0), 0.5, false, 64, |x| x < 37.3);
        assert!(
            b.width() <= 0.5 && b.keep < 37.3 && b.other >= 37.3,
            "{b:?}"
        );
        // Integer axis, decreasing direction.
        let b = bisect(bracket(64.0, 1.0), 1.0, true, 64, |x| x >= 13.0);
        assert_eq!(b, bracket(13.0, 12.0));
        let b = bisect(bracket(1.0, 64.0), 1.0, true, 64, |x| x <= 40.0);
        assert_eq!(b, bracket(40.0, 41.0));
    }
}
