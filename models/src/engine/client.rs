//! The client policy: socket and connect timeouts, retries, their backoff and
//! the retry budget, and the client's own time before each checkout
//! (`client.checkout_delay`).
//!
//! Bookkeeping and decisions only: the policy answers "when does this attempt
//! give up?" and "may this failed attempt be retried, and after how long?";
//! the model schedules what follows. A request's own count of attempts and
//! retries is an [`Attempts`], kept in the request and handed to the policy.

use crate::scenario::{Backoff, Client, ErrorCause, Jitter};
use rand::Rng;
use sim::dist::Latency;
use sim::rng::{StreamRng, Streams};
use sim::time::SimTime;

/// Most tokens a retry budget holds (each request adds `retry_budget` tokens,
/// each retry spends one), so a long quiet period cannot bank a retry storm.
pub const RETRY_BUDGET_CAP: f64 = 100.0;

/// One request's attempts at its current command.
#[derive(Clone, Copy, Debug)]
pub struct Attempts {
    /// Retries the request may still make (over all its commands).
    retries_left: u32,
    /// Attempts of the current command (its first checkout and retries).
    attempt: u32,
}

impl Attempts {
    /// No retries and no attempt (a request slot not in use).
    pub const NONE: Attempts = Attempts {
        retries_left: 0,
        attempt: 0,
    };

    /// A new command: no attempt made yet.
    #[inline]
    pub fn new_command(&mut self) {
        self.attempt = 0;
    }

    /// A new command whose first attempt is already under way (a SET on the
    /// connection its GET held).
    #[inline]
    pub fn continue_command(&mut self) {
        self.attempt = 1;
    }

    /// Starts the next attempt; returns true if it is a retry.
    #[inline]
    pub fn start(&mut self) -> bool {
        self.attempt += 1;
        self.attempt > 1
    }
}

/// The client's timeouts and retry policy, with the retry budget's tokens.
pub struct ClientPolicy {
    retries: u32,
    retry_on: Vec<ErrorCause>,
    retry_budget: Option<f64>,
    tokens: f64,
    backoff: Backoff,
    socket_timeout: Option<SimTime>,
    connect_timeout: Option<SimTime>,
    hold_during_fallback: bool,
    timer_resolution: SimTime,
    /// How long the kernel retransmits unacknowledged data before the
    /// connection dies ([`super::tcp::DeadPeer::unacked`]).
    tcp_give_up: SimTime,
    rng: StreamRng,
    /// The client's own time before a checkout reaches the pool
    /// (`client.checkout_delay`); `None` when zero.
    checkout_delay: Option<Latency>,
    /// Its draws (stream `client.checkout_delay`).
    delays: StreamRng,
}

/// When a timer set for `deadline` fires with a clock of granularity
/// `resolution`: the first tick at or after it (tokio's timer wheel rounds
/// a deadline up to its next millisecond). Exact when `resolution` is zero.
#[inline]
pub fn on_tick(deadline: SimTime, resolution: SimTime) -> SimTime {
    if resolution == SimTime::ZERO || deadline == SimTime::MAX {
        return deadline;
    }
    let ticks = deadline.0.div_ceil(resolution.0);
    SimTime(ticks.saturating_mul(resolution.0))
}

impl ClientPolicy {
    /// The policy of `cfg`, drawing its jitter from the `client.backoff`
    /// stream; the kernel gives up on unacknowledged data after `tcp_give_up`.
    pub fn new(cfg: &Client, tcp_give_up: SimTime, streams: &Streams) -> Self {
        ClientPolicy {
            retries: cfg.retries,
            retry_on: cfg.retry_on.clone(),
            retry_budget: cfg.retry_budget,
            tokens: RETRY_BUDGET_CAP,
            backoff: cfg.backoff,
            socket_timeout: cfg.socket_timeout,
            connect_timeout: cfg.connect_timeout,
            hold_during_fallback: cfg.hold_during_fallback,
            timer_resolution: cfg.timer_resolution,
            tcp_give_up,
            rng: streams.stream("client.backoff"),
            checkout_delay: (!cfg.checkout_delay.is_zero()).then(|| cfg.checkout_delay.clone()),
            delays: streams.stream("client.checkout_delay"),
        }
    }

    /// The client's own time before a checkout reaches the pool, drawn from
    /// its stream; `None` when it takes none.
    #[inline]
    pub fn checkout_delay(&mut self) -> Option<SimTime> {
        let d = self.checkout_delay.as_ref()?;
        Some(d.sample(&mut self.delays))
    }

    /// A request arrives: it earns the retry budget its share of tokens, and
    /// gets its allowance of retries.
    #[inline]
    pub fn arrival(&mut self) -> Attempts {
        if let Some(budget) = self.retry_budget {
            self.tokens = (self.tokens + budget).min(RETRY_BUDGET_CAP);
        }
        Attempts {
            retries_left: self.retries,
            attempt: 0,
        }
    }

    /// An attempt failed with `cause`: the sleep before its retry, or `None`
    /// if the request fails (no retries left, a cause not retried, or an
    /// empty budget).
    pub fn retry(&mut self, attempts: &mut Attempts, cause: ErrorCause) -> Option<SimTime> {
        if attempts.retries_left == 0 || !self.retry_on.contains(&cause) || self.tokens < 1.0 {
            return None;
        }
        if self.retry_budget.is_some() {
            self.tokens -= 1.0;
        }
        attempts.retries_left -= 1;
        Some(self.backoff(attempts.attempt))
    }

    /// The sleep before the retry that follows attempt `attempt` (1-based).
    fn backoff(&mut self, attempt: u32) -> SimTime {
        let b = self.backoff;
        let exp = attempt.saturating_sub(1).min(62);
        let full = SimTime(b.base.0.saturating_mul(1u64 << exp)).min(b.cap);
        jittered(full, b.jitter, &mut self.rng)
    }

    /// When a command sent at `now` is given up (the socket timeout).
    #[inline]
    pub fn command_deadline(&self, now: SimTime) -> SimTime {
        self.socket_timeout
            .map_or(SimTime::MAX, |t| on_tick(now + t, self.timer_resolution))
    }

    /// How long a command on a silently dropped connection waits before it
    /// fails: the socket timeout, or the kernel's limit on unacknowledged
    /// data if that comes first.
    pub fn silence_give_up(&self) -> SimTime {
        self.socket_timeout
            .map_or(self.tcp_give_up, |t| t.min(self.tcp_give_up))
    }

    /// When a connect started at `started` is given up, if ever.
    pub fn connect_deadline(&self, started: SimTime) -> Option<SimTime> {
        self.connect_timeout
            .map(|t| on_tick(started + t, self.timer_resolution))
    }

    /// True if a read keeps its connection while it queries the database.
    #[inline]
    pub fn holds_during_fallback(&self) -> bool {
        self.hold_during_fallback
    }
}

/// Applies a jitter rule to a backoff of `full`.
pub fn jittered(full: SimTime, jitter: Jitter, rng: &mut StreamRng) -> SimTime {
    match jitter {
        Jitter::None => full,
        Jitter::Full => SimTime((full.0 as f64 * rng.random::<f64>()) as u64),
        Jitter::Equal => {
            let half = full.0 / 2;
            SimTime(half + ((full.0 - half) as f64 * rng.random::<f64>()) as u64)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_deadline_moves_to_the_next_tick() {
        let ms = SimTime::from_millis;
        assert_eq!(on_tick(SimTime::from_micros(2500), ms(1)), ms(3));
        assert_eq!(on_tick(ms(3), ms(1)), ms(3));
        assert_eq!(on_tick(SimTime(3_000_001), ms(1)), ms(4));
        assert_eq!(on_tick(SimTime(123), SimTime::ZERO), SimTime(123));
        assert_eq!(on_tick(SimTime::MAX, ms(1)), SimTime::MAX);
    }
}
