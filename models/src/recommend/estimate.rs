//! Closed-form starting points: the smallest pool that queueing theory says
//! meets each objective, from the scenario's first-order figures
//! ([`crate::scenario::derived::figures`]: checkouts per second per pod and
//! the mean hold, Redis queueing left out).
//!
//! Per objective on the pool (the formulas are in the book's "Theory and
//! sources" chapter), with `a = lambda x E[hold]` erlangs per pod:
//! - `pool.timeout_ratio < p`: Erlang B `B(n, a) < p` for a fail-fast pool,
//!   M/M/n+D `P(abandon) < p` for a pool that waits up to its acquire
//!   timeout, stability (`n > a`) for one that waits forever;
//! - `pool.wait_ratio < p`: Erlang C `C(n, a) < p`;
//! - `pool.acquire_wait.mean_ms < w`: M/M/n `E[W] < w`;
//! - `pool.acquire_wait.pNN_ms < w`: M/M/n `P(W > w) < 1 - NN/100`;
//! - any other objective: stability, `n > a`.
//!
//! The estimate is exact for the validation scenarios (exponential holds,
//! Poisson arrivals, an idle Redis) and a first guess elsewhere: the search
//! confirms or corrects it by simulation.

use super::{Knob, Target};
use crate::scenario::{derived, Scenario, WhenExhausted};
use crate::sweep::spec::{Clause, Op};
use sim::queueing::{erlang_b, erlang_c, mmn_d, mmn_mean_wait, mmn_wait_tail};

/// Largest pool the formulas are asked about.
const LIMIT: u32 = 100_000;

/// A closed-form starting value.
#[derive(Clone, Debug, PartialEq)]
pub struct Estimate {
    /// The value.
    pub value: f64,
    /// The formula and the objective behind it, in words.
    pub formula: String,
    /// Offered load per pod, in erlangs, the formula was given.
    pub erlangs: f64,
}

/// The estimate for `knob` on scenario `s` (already at the forecast rate),
/// when theory has one (only `pool.max_total` for now).
pub fn for_knob(target: &Target, knob: &Knob, s: &Scenario) -> Option<Estimate> {
    if knob.key != "pool.max_total" {
        return None;
    }
    let f = derived::figures(s, derived::peak_scale(s));
    let (lambda, hold) = (f.checkouts_per_pod, f.hold_secs);
    if !(lambda > 0.0 && hold > 0.0 && lambda.is_finite() && hold.is_finite()) {
        return None;
    }
    let a = lambda * hold;
    if a > f64::from(LIMIT) / 2.0 {
        return None;
    }
    let mut best: Option<Estimate> = None;
    for c in &target.slo {
        let Some((n, formula)) = pool_size(s, c, lambda, hold) else {
            continue;
        };
        if best.as_ref().is_none_or(|b| f64::from(n) > b.value) {
            best = Some(Estimate {
                value: f64::from(n),
                formula,
                erlangs: a,
            });
        }
    }
    best.or_else(|| {
        Some(Estimate {
            value: f64::from(stable(a)),
            formula: format!("stability: more connections than the offered load ({a:.3} erlangs)"),
            erlangs: a,
        })
    })
}

/// The smallest pool above the offered load `a`.
fn stable(a: f64) -> u32 {
    (a.floor() as u32).saturating_add(1).max(1)
}

/// The smallest `n` from the stable size up for which `ok(n)` holds.
fn first(a: f64, mut ok: impl FnMut(u32) -> bool) -> Option<u32> {
    (stable(a).min(LIMIT)..=LIMIT).find(|&n| ok(n))
}

/// The pool size theory gives for one objective, with the formula's name.
fn pool_size(s: &Scenario, c: &Clause, lambda: f64, hold: f64) -> Option<(u32, String)> {
    if !matches!(c.op, Op::Lt | Op::Le) {
        return None;
    }
    let (mu, a, limit) = (1.0 / hold, lambda * hold, c.limit);
    let objective = format!("{} {}", c.metric, c.expression());
    let exhausted = s.pool.when_exhausted;
    let timeout = s.pool.acquire_timeout;
    let (n, model) = match c.metric.as_str() {
        "pool.timeout_ratio" => match (exhausted, timeout) {
            (WhenExhausted::Fail, _) => (first(a, |n| erlang_b(n, a) < limit)?, "Erlang B"),
            (WhenExhausted::Block, Some(t)) => {
                let tau = t.as_secs_f64();
                (
                    first(a, |n| mmn_d(n, lambda, mu, tau).p_abandon < limit)?,
                    "M/M/n+D",
                )
            }
            (WhenExhausted::Block, None) => (stable(a), "stability (no acquire timeout)"),
        },
        "pool.wait_ratio" => (first(a, |n| erlang_c(n, a) < limit)?, "Erlang C"),
        "pool.acquire_wait.mean_ms" => (
            first(a, |n| mmn_mean_wait(n, lambda, mu) * 1e3 < limit)?,
            "M/M/n mean wait",
        ),
        m => {
            let q = match m {
                "pool.acquire_wait.p50_ms" => 0.5,
                "pool.acquire_wait.p99_ms" => 0.99,
                "pool.acquire_wait.p999_ms" => 0.999,
                _ => return None,
            };
            let t = (limit / 1e3).max(0.0);
            (
                first(a, |n| mmn_wait_tail(n, lambda, mu, t) < 1.0 - q)?,
                "M/M/n wait tail (Erlang C)",
            )
        }
    };
    Some((
        n,
        format!("{model}: {objective} needs {n} connections per pod at {a:.3} erlangs"),
    ))
}
