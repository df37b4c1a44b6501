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
//! In cluster mode (`redis.mode = "cluster"`) each pod keeps one pool per
//! node and `pool.max_total` bounds each of them, so the pool that decides
//! is the busiest node's: its checkouts are the pod's times the node's share
//! of the reads (the key popularity summed over the node's slots, with the
//! L1 left out), not the pod's mean over nodes. With a keyed L1 the hottest
//! keys stay in the pods and the share is an overestimate: a start above the
//! answer, which the search walks down.
//!
//! The estimate is exact for the validation scenarios (exponential holds,
//! Poisson arrivals, an idle Redis) and a first guess elsewhere: the search
//! confirms or corrects it by simulation.

use super::{Knob, Target};
use crate::scenario::{derived, RedisMode, Scenario, WhenExhausted};
use crate::slots::SlotMap;
use crate::sweep::spec::{Clause, Op};
use sim::queueing::{erlang_b, erlang_c, mmn_d, mmn_mean_wait, mmn_wait_tail};

/// Largest pool the formulas are asked about.
const LIMIT: u32 = 100_000;

/// Largest key universe whose per-node shares are summed (O(keys) time and
/// memory); above it a cluster gets no estimate and the search starts from
/// the scenario's own value.
pub const MAX_SHARE_KEYS: u64 = 10_000_000;

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
    let (mut lambda, hold) = (f.checkouts_per_pod, f.hold_secs);
    let busiest = match s.redis.mode {
        RedisMode::Proxy => None,
        RedisMode::Cluster => Some(busiest_node(s)?),
    };
    if let Some((_, share)) = busiest {
        lambda *= share;
    }
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
    let mut best = best.unwrap_or_else(|| Estimate {
        value: f64::from(stable(a)),
        formula: format!("stability: more connections than the offered load ({a:.3} erlangs)"),
        erlangs: a,
    });
    if let Some((node, share)) = busiest {
        best.formula.push_str(&format!(
            "; cluster: one pool per node per pod, sized for the busiest node {node} ({:.1}% of the reads)",
            share * 100.0
        ));
    }
    Some(best)
}

/// The node whose slots carry the largest share of the reads, and that
/// share, from the key popularity; `None` above [`MAX_SHARE_KEYS`] keys.
pub fn busiest_node(s: &Scenario) -> Option<(u32, f64)> {
    let keys = s.workload.keys?;
    if keys.n() > MAX_SHARE_KEYS {
        return None;
    }
    let map = SlotMap::new(s.redis.shards);
    let mut share = vec![0.0; s.redis.shards as usize];
    for (i, p) in keys.pmf().iter().enumerate() {
        share[map.node_of_rank(i as u64 + 1) as usize] += p;
    }
    let (node, p) = share
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1).then(b.0.cmp(&a.0)))?;
    Some((node as u32, *p))
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
