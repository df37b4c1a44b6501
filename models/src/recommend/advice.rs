//! Lifecycle advice from the scenario's own environment, each rule with its
//! simulated effect.
//!
//! Two traps are checked:
//! - **Idle connections killed silently.** A middlebox that forgets idle
//!   connections (`network.idle_timeout`) or Redis's own `timeout` closes a
//!   connection that sat idle longer than that. A pool that keeps idle
//!   connections longer hands out dead ones after a quiet period: the
//!   command fails (at once on a reset, after the socket timeout on a silent
//!   drop) and is retried. The pool is safe when it closes idle connections
//!   first: an idle timeout at checkout (go-redis `ConnMaxIdleTime`,
//!   r2d2/bb8 `idle_timeout`) or an evictor (commons-pool2/Jedis
//!   `minEvictableIdleTime` checked every `timeBetweenEvictionRuns`) whose
//!   idle limit plus its interval stays below the kill time; against a
//!   middlebox alone, a TCP keepalive shorter than its idle timeout also
//!   keeps the connection alive (it does not reset Redis's `timeout`, which
//!   counts commands). The advice sets the idle limit to 80% of the kill
//!   time (the evictor runs every tenth of it), in the spelling of the
//!   scenario's client library.
//! - **A socket timeout shorter than the queue the fleet can build.** Every
//!   pod's every connection can have one command waiting on a Redis shard:
//!   `pods x max_total / shards x E[service]` of queue. When that exceeds
//!   `client.socket_timeout`, an overload makes commands time out, timed-out
//!   connections are closed and reopened, and the reconnects load Redis
//!   further: the death spiral. The advice is the largest pool that keeps the
//!   full queue below the socket timeout.
//!
//! The effect of each piece of advice is simulated at the forecast, with and
//! without it, and reported with its confidence interval.

use super::{Error, Target};
use crate::scenario::{OnIdle, Scenario};
use sim::time::SimTime;
use std::sync::atomic::AtomicBool;

/// Share of the kill time the advised idle limit is set to.
pub const IDLE_SHARE: f64 = 0.8;

/// One piece of advice.
#[derive(Clone, Debug, PartialEq)]
pub struct Advice {
    /// Which rule: `idle-eviction` or `socket-timeout`.
    pub rule: &'static str,
    /// What was found, in words.
    pub finding: String,
    /// The settings advised, as `--set` assignments (empty when the
    /// scenario is already safe).
    pub settings: Vec<String>,
    /// The simulated effect, when simulated.
    pub effect: Option<Effect>,
}

/// A metric with and without the advice.
#[derive(Clone, Debug, PartialEq)]
pub struct Effect {
    /// The metric compared.
    pub metric: &'static str,
    /// Mean and 95% half-width without the advice.
    pub before: (f64, f64),
    /// Mean and 95% half-width with it.
    pub after: (f64, f64),
}

/// Advice for `target` with the recommended `settings` applied.
pub fn advise(
    target: &Target,
    settings: &[String],
    stop: &AtomicBool,
) -> Result<Vec<Advice>, Error> {
    let s = target.scenario(settings, 1.0)?;
    let mut out = Vec::new();
    if let Some(mut a) = idle(target, &s) {
        if !a.settings.is_empty() {
            a.effect = Some(effect(
                target,
                settings,
                &a.settings,
                "requests.attempts",
                stop,
            )?);
        }
        out.push(a);
    }
    if let Some(a) = socket(target, &s) {
        out.push(a);
    }
    // The scenario's own pool, when the recommendation changed it and it is
    // the one at risk.
    if let Some(own) = socket(target, &target.scenario(&[], 1.0)?) {
        if !own.settings.is_empty() && !settings.is_empty() {
            out.push(Advice {
                finding: format!("as the scenario is written: {}", own.finding),
                ..own
            });
        }
    }
    Ok(out)
}

/// Runs with and without `advised` and compares `metric` (and failed
/// attempts, which the idle trap shows as retries).
fn effect(
    target: &Target,
    settings: &[String],
    advised: &[String],
    metric: &'static str,
    stop: &AtomicBool,
) -> Result<Effect, Error> {
    let before = target.probe(settings, 1.0, stop)?;
    let mut with = settings.to_vec();
    with.extend(advised.iter().cloned());
    let after = target.probe(&with, 1.0, stop)?;
    let pick = |p: &super::Probe| (p.measured.metrics[metric], p.measured.ci95[metric]);
    Ok(Effect {
        metric,
        before: pick(&before),
        after: pick(&after),
    })
}

fn ms(t: SimTime) -> String {
    let v = t.as_millis_f64();
    if v >= 1000.0 && v % 1000.0 == 0.0 {
        format!("{}s", v / 1000.0)
    } else {
        format!("{}ms", v.round())
    }
}

/// True when the scenario's client is a commons-pool2 pool (Jedis), which
/// has an evictor but no idle timeout at checkout.
fn evictor_style(target: &Target) -> bool {
    matches!(
        target.preset.as_deref(),
        Some("jedis") | Some("commons-pool2")
    )
}

/// The idle-eviction rule.
fn idle(target: &Target, s: &Scenario) -> Option<Advice> {
    let middlebox = s.network.idle_timeout;
    let server = s.redis.timeout;
    let kill = match (middlebox, server) {
        (Some(m), Some(r)) => m.min(r),
        (Some(m), None) => m,
        (None, Some(r)) => r,
        (None, None) => return None,
    };
    let who = match (middlebox, server) {
        (Some(m), _) if m == kill => format!(
            "a middlebox forgets connections idle {} ({})",
            ms(m),
            match s.network.on_idle {
                OnIdle::Reset => "and resets them",
                OnIdle::Drop => "and drops their packets silently",
            }
        ),
        _ => format!("Redis closes clients idle {} (`timeout`)", ms(kill)),
    };
    let life = &s.pool.life;
    let by_idle_timeout = life.idle_timeout.is_some_and(|t| t < kill);
    let by_evictor = match (life.eviction_interval, life.min_evictable_idle) {
        (Some(i), Some(m)) => m.as_secs_f64() + i.as_secs_f64() < kill.as_secs_f64(),
        _ => false,
    };
    let keepalive = |k: Option<SimTime>| k.is_some_and(|k| k < kill);
    let by_keepalive = server.is_none_or(|r| r > kill)
        && middlebox == Some(kill)
        && (keepalive(s.client.tcp_keepalive) || keepalive(s.redis.tcp_keepalive));
    if by_idle_timeout || by_evictor || by_keepalive {
        let how = if by_idle_timeout {
            "the pool's idle timeout closes them first"
        } else if by_evictor {
            "the evictor closes them first"
        } else {
            "TCP keepalive keeps the middlebox's entry alive"
        };
        return Some(Advice {
            rule: "idle-eviction",
            finding: format!("{who}; safe: {how}"),
            settings: Vec::new(),
            effect: None,
        });
    }
    let limit = SimTime::from_secs_f64(kill.as_secs_f64() * IDLE_SHARE);
    let settings = if evictor_style(target) {
        let every = SimTime::from_secs_f64(kill.as_secs_f64() * (1.0 - IDLE_SHARE) / 2.0);
        vec![
            format!("pool.min_evictable_idle={}", ms(limit)),
            format!("pool.eviction_interval={}", ms(every)),
            "pool.tests_per_eviction_run=-1".to_string(),
        ]
    } else {
        vec![format!("pool.idle_timeout={}", ms(limit))]
    };
    Some(Advice {
        rule: "idle-eviction",
        finding: format!(
            "{who}, but the pool keeps idle connections longer: after a quiet \
             period it hands out dead connections; close them at {} idle",
            ms(limit)
        ),
        settings,
        effect: None,
    })
}

/// The socket-timeout rule.
fn socket(target: &Target, s: &Scenario) -> Option<Advice> {
    let timeout = s.client.socket_timeout?;
    let service = s.redis.service_time.mean_secs();
    if service <= 0.0 {
        return None;
    }
    let per_shard =
        f64::from(s.pods.count) * f64::from(s.pool.max_total) / f64::from(s.redis.shards);
    let queue = per_shard * service;
    let largest = (timeout.as_secs_f64() * f64::from(s.redis.shards)
        / (f64::from(s.pods.count) * service))
        .floor();
    let _ = target;
    let words = format!(
        "{} pods x {} connections / {} shard{} x {:.3} ms per command = {:.1} ms of queue a \
         shard can hold, against a {} socket timeout",
        s.pods.count,
        s.pool.max_total,
        s.redis.shards,
        if s.redis.shards == 1 { "" } else { "s" },
        service * 1e3,
        queue * 1e3,
        ms(timeout)
    );
    if queue < timeout.as_secs_f64() {
        return Some(Advice {
            rule: "socket-timeout",
            finding: format!("{words}: safe, a full queue is answered before the timeout"),
            settings: Vec::new(),
            effect: None,
        });
    }
    Some(Advice {
        rule: "socket-timeout",
        finding: format!(
            "{words}: an overload times commands out and the reconnects feed it (the death \
             spiral); at most {largest} connections per pod keep the full queue below the timeout \
             (necessary, not sufficient: reconnects and retries can tip a smaller pool over, as \
             the search's simulations show)"
        ),
        settings: vec![format!("pool.max_total={}", largest.max(1.0))],
        effect: None,
    })
}
