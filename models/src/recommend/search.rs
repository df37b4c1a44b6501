//! The searches behind a recommendation: the smallest value of one setting
//! that holds ([`smallest`]), the values above it that fail again
//! ([`Region`]), and how far the traffic can grow over the forecast before
//! the objectives break ([`headroom`]).
//!
//! Every probe is a full simulation of the target with the scenario's seed
//! and replications, judged by [`crate::sweep::results::verdict_of`]: it
//! *holds* only when each objective's 95% interval clears its limit. A probe
//! that is too close to call does not hold. Searches are sequential (each
//! probe's replications run in parallel), so the values probed depend only
//! on the answers: the output is the same on any number of threads.

use super::{estimate, worst, Error, KeyAnswer, Knob, KnobKind, Margin, Probe, Target};
use crate::sweep::results::Verdict;
use sim::threshold::{locate, Answer, Bracket, Precision};
use std::collections::BTreeMap;
use std::sync::atomic::AtomicBool;

/// Relative precision of searches over durations and of the non-monotone
/// region's start.
pub const SEARCH_PRECISION: f64 = 0.05;

/// Relative precision of the headroom bracket.
pub const HEADROOM_PRECISION: f64 = 0.02;

/// Largest multiple of the forecast the headroom search tries.
pub const HEADROOM_MAX: f64 = 64.0;

/// Values above the recommendation that fail again.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    /// The largest value found to hold below the region.
    pub holds_at: f64,
    /// The smallest value found to fail (the region's start, bracketed by
    /// `holds_at`).
    pub fails_from: f64,
    /// The largest value probed that fails.
    pub up_to: f64,
    /// The objective that fails worst at `fails_from`.
    pub why: Option<Margin>,
}

/// How far the traffic can grow over the forecast.
#[derive(Clone, Debug)]
pub struct Headroom {
    /// The largest multiple of the forecast that holds (clearly).
    pub holds_at: f64,
    /// The smallest multiple found to fail (clearly), when one was found up
    /// to [`HEADROOM_MAX`].
    pub fails_at: Option<f64>,
    /// The objective that fails worst at `fails_at`: what breaks first.
    pub breaks_first: Option<Margin>,
    /// The probe at `fails_at`.
    pub at_fail: Option<Probe>,
}

/// Probes made for one knob, by value, so no value is simulated twice.
struct Probes<'a> {
    target: &'a Target,
    knob: Knob,
    prior: &'a [String],
    stop: &'a AtomicBool,
    progress: &'a (dyn Fn(&str) + Sync),
    seen: BTreeMap<u64, Probe>,
    order: Vec<Probe>,
}

impl Probes<'_> {
    fn settings(&self, v: f64) -> Vec<String> {
        let mut s = self.prior.to_vec();
        s.extend(self.knob.assignments(v, &self.target.base));
        s
    }

    fn at(&mut self, v: f64) -> Result<Probe, Error> {
        let key = v.to_bits();
        if let Some(p) = self.seen.get(&key) {
            return Ok(p.clone());
        }
        let p = self.target.probe(&self.settings(v), 1.0, self.stop)?;
        (self.progress)(&format!(
            "{} = {}: {}",
            self.knob.key,
            self.knob.label(v),
            p.verdict.name()
        ));
        self.seen.insert(key, p.clone());
        self.order.push(p.clone());
        Ok(p)
    }

    fn holds(&mut self, v: f64) -> Result<bool, Error> {
        Ok(self.at(v)?.verdict == Verdict::Holds)
    }
}

/// Rounds a candidate to a value the knob takes.
fn snap(k: &Knob, v: f64) -> f64 {
    let v = v.clamp(k.min, k.max);
    match k.kind {
        KnobKind::Integer => v.round(),
        KnobKind::Millis => (v * 1000.0).round() / 1000.0,
    }
}

/// The next value up from `v` on the knob's gallop.
fn up(k: &Knob, v: f64, step: f64) -> f64 {
    snap(
        k,
        match k.kind {
            KnobKind::Integer => v + step,
            KnobKind::Millis => v * 2.0,
        },
    )
}

/// The next value down from `v` on the knob's gallop.
fn down(k: &Knob, v: f64, step: f64) -> f64 {
    snap(
        k,
        match k.kind {
            KnobKind::Integer => v - step,
            KnobKind::Millis => v / 2.0,
        },
    )
}

/// The smallest value of `knob` that holds at the forecast, with the other
/// settings `prior` applied, and the evidence around it.
pub fn smallest(
    target: &Target,
    knob: Knob,
    prior: &[String],
    stop: &AtomicBool,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<KeyAnswer, Error> {
    let here = target.scenario(prior, 1.0)?;
    let current = knob.current(&here);
    let estimate = estimate::for_knob(target, &knob, &here);
    let start = snap(
        &knob,
        estimate
            .as_ref()
            .map(|e| e.value)
            .or(current)
            .unwrap_or(knob.min),
    );
    let mut p = Probes {
        target,
        knob,
        prior,
        stop,
        progress,
        seen: BTreeMap::new(),
        order: Vec::new(),
    };
    // A bracket: `keep` holds, `other` (when known) does not.
    let (mut keep, mut other): (Option<f64>, Option<f64>) = (None, None);
    let mut step = 1.0;
    if p.holds(start)? {
        keep = Some(start);
        loop {
            let k = keep.expect("set above");
            let v = down(&knob, k, step);
            if v >= k {
                break; // the knob's minimum holds
            }
            if p.holds(v)? {
                keep = Some(v);
                step *= 2.0;
            } else {
                other = Some(v);
                break;
            }
        }
    } else {
        other = Some(start);
        loop {
            let o = other.expect("set above");
            let v = up(&knob, o, step);
            if v <= o {
                break; // nothing up to the knob's maximum holds
            }
            if p.holds(v)? {
                keep = Some(v);
                break;
            }
            other = Some(v);
            step *= 2.0;
        }
    }
    if let (Some(k), Some(o)) = (keep, other) {
        let (integer, precision) = match knob.kind {
            KnobKind::Integer => (true, Precision::Absolute(1.0)),
            KnobKind::Millis => (false, Precision::Relative(SEARCH_PRECISION)),
        };
        let mut failed = None;
        let b = sim::threshold::bisect(
            Bracket { keep: k, other: o },
            match precision {
                Precision::Absolute(a) => a,
                Precision::Relative(r) => r * k.min(o),
            },
            integer,
            64,
            |x| match p.holds(snap(&knob, x)) {
                Ok(h) => h,
                Err(e) => {
                    failed.get_or_insert(e);
                    // Stop the bisection at once: both ends move to x.
                    true
                }
            },
        );
        if let Some(e) = failed {
            return Err(e);
        }
        keep = Some(b.keep);
        other = Some(b.other);
    }
    let at = keep.map(|k| p.at(k)).transpose()?;
    let below = other.map(|o| p.at(o)).transpose()?;
    let non_monotone = match keep {
        Some(k) => region_above(&mut p, k, current)?,
        None => None,
    };
    Ok(KeyAnswer {
        knob,
        current,
        estimate,
        recommended: keep,
        at,
        below,
        non_monotone,
        probes: p.order,
    })
}

/// Probes a doubling ladder above `r` (up to the scenario's own value or 8r,
/// whichever is larger) and locates where holding stops, if it does.
fn region_above(p: &mut Probes, r: f64, current: Option<f64>) -> Result<Option<Region>, Error> {
    let knob = p.knob;
    let top = current.unwrap_or(0.0).max(8.0 * r).min(knob.max);
    let mut ladder = Vec::new();
    let mut v = r;
    while v < top {
        v = snap(&knob, (v * 2.0).min(top));
        ladder.push(v);
    }
    if let Some(c) = current.filter(|c| *c > r && !ladder.contains(c)) {
        ladder.push(c);
        ladder.sort_by(f64::total_cmp);
    }
    let mut last_hold = r;
    let mut first_fail = None;
    let mut up_to = None;
    for &v in &ladder {
        if p.holds(v)? {
            if first_fail.is_none() {
                last_hold = v;
            }
        } else {
            first_fail.get_or_insert(v);
            up_to = Some(v);
        }
    }
    let Some(f) = first_fail else {
        return Ok(None);
    };
    let integer = knob.kind == KnobKind::Integer;
    let mut failed = None;
    let b = locate(
        Bracket {
            keep: last_hold,
            other: f,
        },
        Precision::Relative(SEARCH_PRECISION),
        integer,
        16,
        |x| match p.at(snap(&knob, x)) {
            Ok(probe) if probe.verdict == Verdict::Holds => Answer::Keep,
            Ok(_) => Answer::Other,
            Err(e) => {
                failed.get_or_insert(e);
                Answer::Unsure
            }
        },
    );
    if let Some(e) = failed {
        return Err(e);
    }
    let why = p.at(b.other)?;
    Ok(Some(Region {
        holds_at: b.keep,
        fails_from: b.other,
        up_to: up_to.unwrap_or(f),
        why: worst(&p.target.slo, &why.measured),
    }))
}

/// How far the forecast can grow with `settings` applied before the
/// objectives break: a doubling search for a clear failure, then bisection
/// to [`HEADROOM_PRECISION`].
pub fn headroom(
    target: &Target,
    settings: &[String],
    stop: &AtomicBool,
) -> Result<Headroom, Error> {
    let mut seen: BTreeMap<u64, Probe> = BTreeMap::new();
    let mut probe = |load: f64| -> Result<Probe, Error> {
        if let Some(p) = seen.get(&load.to_bits()) {
            return Ok(p.clone());
        }
        let p = target.probe(settings, load, stop)?;
        seen.insert(load.to_bits(), p.clone());
        Ok(p)
    };
    let mut keep = 1.0;
    let mut other = None;
    let mut m = 2.0;
    while m <= HEADROOM_MAX {
        if probe(m)?.verdict == Verdict::Holds {
            keep = m;
            m *= 2.0;
        } else {
            other = Some(m);
            break;
        }
    }
    let Some(o) = other else {
        return Ok(Headroom {
            holds_at: keep,
            fails_at: None,
            breaks_first: None,
            at_fail: None,
        });
    };
    let mut failed = None;
    let b = locate(
        Bracket { keep, other: o },
        Precision::Relative(HEADROOM_PRECISION),
        false,
        16,
        |x| match probe(x) {
            Ok(p) => match p.verdict {
                Verdict::Holds => Answer::Keep,
                Verdict::Fails => Answer::Other,
                Verdict::TooClose => Answer::Unsure,
            },
            Err(e) => {
                failed.get_or_insert(e);
                Answer::Unsure
            }
        },
    );
    if let Some(e) = failed {
        return Err(e);
    }
    let at_fail = probe(b.other)?;
    Ok(Headroom {
        holds_at: b.keep,
        fails_at: Some(b.other),
        breaks_first: worst(&target.slo, &at_fail.measured),
        at_fail: Some(at_fail),
    })
}
