//! Lifecycle advice from the scenario's own environment, each rule with its
//! simulated effect.
//!
//! Three traps are checked (the first two for pools, the third for
//! multiplexed clients):
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
//! - **A dead peer noticed only by the kernel.** A multiplexed client
//!   (Lettuce, StackExchange.Redis, ioredis) keeps writing every command into
//!   its one connection. When the Redis host vanishes without a reset (a
//!   failover that moves its address, a host that loses power), the writes
//!   are retransmitted and never acknowledged, and without
//!   `TCP_USER_TIMEOUT` Linux declares the connection dead only after
//!   `tcp_retries2` retransmissions (about 924.6 s for the default 15; see
//!   [`crate::engine::tcp`]): until then the client does not reconnect and
//!   every command on that connection fails or waits. The advice is a
//!   `network.tcp_user_timeout` of half the command timeout, between 1 s and
//!   30 s (30 s without a command timeout): short enough that commands
//!   still waiting are re-sent on the new connection before they time out,
//!   long enough to ride out ordinary retransmissions. Lettuce sets it on its
//!   sockets (`SocketOptions.tcpUserTimeout`, 6.3+, with epoll or io_uring);
//!   Node's and .NET's sockets expose no such option, so for ioredis and
//!   StackExchange.Redis the advice is the pod's `net.ipv4.tcp_retries2`
//!   (`network.tcp_retries2`), the largest whose give-up time stays within
//!   the same bound.
//!
//! The effect of each piece of advice is simulated with and without it and
//! reported with its confidence interval: at the forecast for the pool
//! rules; for the dead-peer rule with a blackhole on shard 0 (a `[[faults]]`
//! entry added 30 s after the warm-up, the run long enough to see the
//! kernel give up), at the forecast or at [`DEAD_PEER_RATE`] requests/s if
//! that is lower (the outage's length does not depend on the rate, and a
//! quarter-hour at a high forecast would cost more than the rest of the
//! recommendation).

use super::{Error, Target};
use crate::engine::tcp::{retransmission_give_up, DeadPeer, RTO_MIN};
use crate::scenario::{OnIdle, Scenario, Transport};
use sim::time::SimTime;
use std::sync::atomic::AtomicBool;

/// Share of the kill time the advised idle limit is set to.
pub const IDLE_SHARE: f64 = 0.8;

/// Highest rate, in requests/s, at which the dead-peer rule's effect is
/// simulated.
pub const DEAD_PEER_RATE: f64 = 2000.0;

/// When the dead-peer rule's blackhole starts, after the warm-up.
const BLACKHOLE_AT: SimTime = SimTime::from_secs(30);

/// One piece of advice.
#[derive(Clone, Debug, PartialEq)]
pub struct Advice {
    /// Which rule: `idle-eviction`, `socket-timeout` or `dead-peer`.
    pub rule: &'static str,
    /// What was found, in words.
    pub finding: String,
    /// The settings advised, as `--set` assignments (empty when the
    /// scenario is already safe).
    pub settings: Vec<String>,
    /// The simulated effects, when simulated.
    pub effects: Vec<Effect>,
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
    /// Under what conditions, when not simply at the forecast.
    pub conditions: Option<String>,
}

/// Advice for `target` with the recommended `settings` applied.
pub fn advise(
    target: &Target,
    settings: &[String],
    stop: &AtomicBool,
) -> Result<Vec<Advice>, Error> {
    let s = target.scenario(settings, 1.0)?;
    let mut out = Vec::new();
    if s.client.transport == Transport::Multiplexed {
        // The pool rules size idle limits and pools a multiplexed client
        // does not have.
        if let Some(a) = dead_peer(target, &s, settings, stop)? {
            out.push(a);
        }
        return Ok(out);
    }
    if let Some(mut a) = idle(target, &s) {
        if !a.settings.is_empty() {
            a.effects.push(effect(
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
        conditions: None,
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
            effects: Vec::new(),
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
        effects: Vec::new(),
    })
}

/// The socket-timeout rule.
fn socket(target: &Target, s: &Scenario) -> Option<Advice> {
    let timeout = s.client.socket_timeout?;
    let service = s.redis.command_mean_secs();
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
            effects: Vec::new(),
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
        effects: Vec::new(),
    })
}

/// The `TCP_USER_TIMEOUT` the dead-peer rule advises: half the command
/// timeout, from 1 s to 30 s; 30 s without a command timeout.
pub fn advised_user_timeout(s: &Scenario) -> SimTime {
    let (lo, hi) = (SimTime::from_secs(1), SimTime::from_secs(30));
    match s.client.socket_timeout {
        Some(t) => SimTime(t.0 / 2).clamp(lo, hi),
        None => hi,
    }
}

/// True for the multiplexed clients whose sockets cannot take
/// `TCP_USER_TIMEOUT` (Node's `net`, .NET's `Socket`).
fn no_user_timeout(target: &Target) -> bool {
    matches!(
        target.preset.as_deref(),
        Some("ioredis") | Some("stackexchange-redis")
    )
}

/// The dead-peer rule, with its effect simulated.
fn dead_peer(
    target: &Target,
    s: &Scenario,
    settings: &[String],
    stop: &AtomicBool,
) -> Result<Option<Advice>, Error> {
    let detect = DeadPeer::of(s).unacked;
    let bound = advised_user_timeout(s);
    let how = match s.network.tcp_user_timeout {
        Some(t) => format!("TCP_USER_TIMEOUT {}", ms(t)),
        None => format!(
            "tcp_retries2 = {}: the kernel gives up after {}",
            s.network.tcp_retries2,
            ms(detect)
        ),
    };
    if detect <= bound {
        return Ok(Some(Advice {
            rule: "dead-peer",
            finding: format!(
                "a blackholed connection is declared dead {} after its first unacknowledged \
                 write ({how}): safe",
                ms(detect)
            ),
            settings: Vec::new(),
            effects: Vec::new(),
        }));
    }
    let (advised, fix) = if no_user_timeout(target) {
        // The largest tcp_retries2 whose give-up time stays within the bound.
        let r = (1..=s.network.tcp_retries2)
            .rev()
            .find(|&r| retransmission_give_up(r, RTO_MIN) <= bound)
            .unwrap_or(1);
        (
            format!("network.tcp_retries2={r}"),
            format!(
                "the client's sockets cannot take TCP_USER_TIMEOUT: set the pod's \
                 net.ipv4.tcp_retries2 = {r} (gives up after {})",
                ms(retransmission_give_up(r, RTO_MIN))
            ),
        )
    } else {
        (
            format!("network.tcp_user_timeout={}", ms(bound)),
            format!("set TCP_USER_TIMEOUT {} on the client's sockets", ms(bound)),
        )
    };
    let finding = format!(
        "a multiplexed connection whose Redis host vanishes without a reset is declared dead \
         only {} after its first unacknowledged write ({how}); until then the client does not \
         reconnect and its commands fail or wait; {fix}",
        ms(detect)
    );
    // Simulated: a blackhole on shard 0, long enough to see the kernel give up.
    let tail = SimTime::from_secs(60);
    let duration = s.simulation.duration.max(BLACKHOLE_AT + detect + tail);
    let load = (DEAD_PEER_RATE / target.peak_rate).min(1.0);
    let mut with_fault = settings.to_vec();
    with_fault.extend([
        format!(
            "faults=[{{ at = \"{}\", kind = \"blackhole\", shard = 0 }}]",
            ms(BLACKHOLE_AT)
        ),
        format!("simulation.duration={}", ms(duration)),
        format!(
            "simulation.replications={}",
            s.simulation.replications.clamp(2, 3)
        ),
    ]);
    let before = target.probe(&with_fault, load, stop)?;
    let mut advised_run = with_fault.clone();
    advised_run.push(advised.clone());
    let after = target.probe(&advised_run, load, stop)?;
    let conditions = format!(
        "with a blackhole on shard 0 {} into a {} run at {} requests/s",
        ms(BLACKHOLE_AT),
        ms(duration),
        crate::sweep::results::short(target.rate_at(load) * target.peak_factor)
    );
    let effects = ["requests.failed_ratio", "connections.detect.mean_ms"]
        .into_iter()
        .map(|metric| {
            let pick = |p: &super::Probe| (p.measured.metrics[metric], p.measured.ci95[metric]);
            Effect {
                metric,
                before: pick(&before),
                after: pick(&after),
                conditions: Some(conditions.clone()),
            }
        })
        .collect();
    Ok(Some(Advice {
        rule: "dead-peer",
        finding,
        settings: vec![advised],
        effects,
    }))
}
