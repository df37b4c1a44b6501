//! How long TCP takes to notice that its peer is gone, from Linux's rules.
//!
//! A peer that vanishes without a reset (a primary that lost power, a
//! failover that moved its address, a middlebox that forgot the flow) never
//! answers again, and the kernel notices only by timers:
//! - **Unacknowledged data** is retransmitted with exponential backoff: the
//!   retransmission timeout (RTO) starts at `TCP_RTO_MIN` (200 ms; on a
//!   network whose round trip is far below it, that is the RTO) and doubles
//!   up to `TCP_RTO_MAX` (120 s). The connection is declared dead at the
//!   first timeout that finds the oldest unacknowledged segment older than
//!   the limit `tcp_retries2` sets: the time that `tcp_retries2`
//!   retransmissions would take from the minimum RTO (`tcp_model_timeout` in
//!   `net/ipv4/tcp_timer.c`): `(2^(n+1) - 1) x 200 ms` while the backoff is
//!   exponential, then 120 s per retransmission. With the default
//!   `tcp_retries2 = 15` that is about 924.6 s. `TCP_USER_TIMEOUT`, when set,
//!   replaces that limit, and the kernel shortens the last timeout to land on
//!   it (`tcp_clamp_rto_to_user_timeout`), so the connection dies exactly
//!   that long after the oldest unacknowledged write. (Linux `tcp(7)`,
//!   `ip-sysctl.rst`; Cloudflare, "When TCP sockets refuse to die".)
//! - **An idle connection** (nothing unacknowledged) is probed only if
//!   keepalive is on: after `tcp_keepalive_time` of silence, one probe every
//!   `tcp_keepalive_intvl` (75 s), dead after `tcp_keepalive_probes` (9)
//!   unanswered ones. Keepalive does nothing while data is unacknowledged:
//!   the retransmission timer rules then.
//!
//! A reply lost on its way back (the command reached the server and was
//! acknowledged before it vanished) starts no timer at all: only the next
//! write, or keepalive, reveals the loss.

use sim::time::SimTime;

/// Linux's minimum retransmission timeout (`TCP_RTO_MIN`).
pub const RTO_MIN: SimTime = SimTime::from_millis(200);
/// Linux's maximum retransmission timeout (`TCP_RTO_MAX`).
pub const RTO_MAX: SimTime = SimTime::from_secs(120);
/// Linux's default `net.ipv4.tcp_retries2`.
pub const RETRIES2: u32 = 15;
/// Linux's default `net.ipv4.tcp_keepalive_intvl`.
pub const KEEPALIVE_INTERVAL: SimTime = SimTime::from_secs(75);
/// Linux's default `net.ipv4.tcp_keepalive_probes`.
pub const KEEPALIVE_PROBES: u32 = 9;

/// The limit `tcp_retries2 = retries` puts on unacknowledged data: the time
/// `retries` retransmissions take from `rto_min`, doubling up to `rto_max`
/// (the kernel's `tcp_model_timeout`).
pub fn retries_limit(retries: u32, rto_min: SimTime, rto_max: SimTime) -> SimTime {
    let thresh = (rto_max.0 / rto_min.0.max(1)).ilog2();
    if retries <= thresh {
        SimTime(((2u64 << retries) - 1) * rto_min.0)
    } else {
        SimTime(((2u64 << thresh) - 1) * rto_min.0 + u64::from(retries - thresh) * rto_max.0)
    }
}

/// The time from the first transmission of unacknowledged data to the
/// retransmission timeout that declares the connection dead, for a first
/// RTO of `rto` and no `TCP_USER_TIMEOUT`.
pub fn retransmission_give_up(retries: u32, rto: SimTime) -> SimTime {
    let limit = retries_limit(retries, RTO_MIN, RTO_MAX);
    let mut elapsed = SimTime::ZERO;
    let mut rto = rto.max(RTO_MIN);
    loop {
        elapsed += rto;
        if elapsed >= limit {
            return elapsed;
        }
        rto = SimTime(rto.0.saturating_mul(2)).min(RTO_MAX);
    }
}

/// A scenario's TCP settings for noticing a dead peer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DeadPeer {
    /// Time from the oldest unacknowledged write to the connection's death.
    pub unacked: SimTime,
    /// Keepalive's idle time before the first probe, if keepalive is on.
    pub keepalive: Option<SimTime>,
    /// Time from the first unanswered probe to death: the probes' count
    /// times their interval.
    pub probing: SimTime,
}

impl DeadPeer {
    /// The rules for `tcp_retries2 = retries`, an optional
    /// `TCP_USER_TIMEOUT` and an optional keepalive idle time.
    pub fn new(retries: u32, user_timeout: Option<SimTime>, keepalive: Option<SimTime>) -> Self {
        DeadPeer {
            unacked: user_timeout.unwrap_or_else(|| retransmission_give_up(retries, RTO_MIN)),
            keepalive,
            probing: SimTime(KEEPALIVE_INTERVAL.0 * u64::from(KEEPALIVE_PROBES)),
        }
    }

    /// The rules of a scenario: its `network.tcp_retries2` and
    /// `network.tcp_user_timeout`, and the client's keepalive.
    pub fn of(sc: &crate::scenario::Scenario) -> Self {
        Self::new(
            sc.network.tcp_retries2,
            sc.network.tcp_user_timeout,
            sc.client.tcp_keepalive,
        )
    }

    /// When keepalive declares dead a connection whose peer vanished at
    /// `since` and that last received a packet at `last_rx`, if keepalive
    /// is on: probing starts after the idle time, or at the vanishing if the
    /// connection was already being probed.
    pub fn keepalive_death(&self, last_rx: SimTime, since: SimTime) -> Option<SimTime> {
        self.keepalive
            .map(|idle| (last_rx + idle).max(since) + self.probing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_limit_is_about_924_6_seconds() {
        // 0.2 s x (2^10 - 1) for the ten doubling timeouts, then six of 120 s.
        assert_eq!(
            retries_limit(15, RTO_MIN, RTO_MAX),
            SimTime::from_millis(204_600 + 720_000)
        );
        assert_eq!(
            retransmission_give_up(15, RTO_MIN),
            SimTime::from_millis(924_600)
        );
    }

    #[test]
    fn a_lower_retries2_gives_up_sooner() {
        // tcp_retries2 = 5: 0.2 x (2^6 - 1) = 12.6 s.
        assert_eq!(
            retransmission_give_up(5, RTO_MIN),
            SimTime::from_millis(12_600)
        );
        // tcp_retries2 = 8: 0.2 x 511 = 102.2 s.
        assert_eq!(
            retransmission_give_up(8, RTO_MIN),
            SimTime::from_millis(102_200)
        );
    }

    #[test]
    fn a_larger_first_rto_reaches_the_limit_at_a_later_timeout() {
        // With 300 ms timeouts the limit (924.6 s) falls between two
        // timeouts: death comes at the first one past it.
        let t = retransmission_give_up(15, SimTime::from_millis(300));
        assert!(t >= SimTime::from_millis(924_600), "{t}");
        assert!(t < SimTime::from_millis(924_600) + RTO_MAX, "{t}");
    }

    #[test]
    fn the_user_timeout_replaces_the_retries_limit() {
        let s = SimTime::from_secs;
        let d = DeadPeer::new(15, Some(s(30)), None);
        assert_eq!(d.unacked, s(30));
        assert_eq!(d.keepalive_death(s(0), s(10)), None);
        let k = DeadPeer::new(15, None, Some(s(60)));
        assert_eq!(k.unacked, SimTime::from_millis(924_600));
        // Idle since 0, peer gone at 10 s: probes from 60 s, dead 675 s later.
        assert_eq!(k.keepalive_death(s(0), s(10)), Some(s(60 + 75 * 9)));
    }
}
