//! The multiplexed transport: a few shared, pipelined connections per pod.
//!
//! Lettuce, StackExchange.Redis and ioredis never check a connection out:
//! every command of a process is written at once on a shared connection and
//! its reply is matched to it by position, because Redis answers each
//! connection in the order its commands arrived. Two rules follow, and this
//! component keeps the books for both:
//! - TCP keeps a connection's bytes in order, so a command reaches Redis no
//!   earlier than the one written before it on the same connection;
//! - replies come back in that same order, so a reply is delivered no earlier
//!   than the reply before it: one slow command (or a large value) delays
//!   every reply behind it on its connection (head-of-line blocking).
//!
//! A pod's commands take its connections in turn. Nothing is ever waited for
//! before writing: the queue of a connection is the commands written and not
//! yet answered, which [`Multiplexed::write`] counts (and may bound, as
//! Lettuce's `requestQueueSize` does: a command over the bound is rejected at
//! once). A command that times out leaves its connection open: its reply
//! still arrives in turn and is discarded, so it still holds its place in
//! the queue until then.
//!
//! # Dead connections and reconnects
//! A fault can kill a connection's peer. After a reset (a restart) the client
//! knows within half a round trip. After a blackhole nothing comes back: each
//! command written is lost, and the connection is declared dead only by TCP's
//! timers ([`super::tcp::DeadPeer`]): `TCP_USER_TIMEOUT` or the
//! `tcp_retries2` limit after the first lost write, or keepalive while idle.
//! Meanwhile every command on it waits for its timeout, or, with none, for
//! the death. The client then reconnects (one connect's round trips; the
//! new connection reaches the promoted replica) and writes again, in order,
//! the commands still waiting: those lost and those issued meanwhile, which
//! it buffers (Lettuce's auto-reconnect with at-least-once delivery,
//! ioredis's `autoResendUnfulfilledCommands`). Commands in flight at the
//! fault's very instant complete as if it came just after them.
//!
//! Bookkeeping only, like the pooled transport: the model schedules the
//! events, draws the round trips and asks the server.

use super::collect::Collector;
use super::tcp::DeadPeer;
use crate::scenario::Scenario;
use sim::ring::Ring;
use sim::time::SimTime;
use std::collections::VecDeque;

/// One shared connection.
#[derive(Clone, Debug)]
pub struct MuxConn {
    /// The shard that accepted it.
    pub shard: u32,
    /// When it was opened.
    pub created: SimTime,
    /// When the latest command written on it reaches Redis.
    last_at_redis: SimTime,
    /// When the latest reply computed on it is delivered.
    last_reply: SimTime,
    /// Sequence number of the next command written on it.
    next_seq: u64,
    /// Sequence number of the latest command whose reply time is known.
    last_replied_seq: u64,
    /// Commands written on it.
    written: u64,
    /// Of those, commands answered (their reply delivered, or due).
    answered: u64,
    /// Replies computed and not yet due, in the order they are delivered:
    /// (sequence number, delivery time).
    replies: Ring<(u64, SimTime)>,
    /// Bumped at each reconnect: commands written before it are gone.
    pub generation: u32,
    /// When a packet was last received on it (for keepalive).
    last_rx: SimTime,
    /// When its peer vanished without a reset, if it did (not yet noticed).
    silent_since: Option<SimTime>,
    /// When it will be declared dead, if that is scheduled, and whether a
    /// lost write (rather than keepalive) decided it.
    death: Option<(SimTime, bool)>,
    /// Stamp of the connection's pending timer (death or connect); an event
    /// with another stamp is stale.
    pub stamp: u32,
    /// Being (re)opened: commands wait in `held` until it is ready.
    pub connecting: bool,
    /// Commands waiting on it, in the order they were issued: lost in a dead
    /// connection, or buffered while it reconnects. (request, token)
    held: VecDeque<(u32, u32)>,
}

impl MuxConn {
    fn new(shard: u32, now: SimTime) -> Self {
        MuxConn {
            shard,
            created: now,
            last_at_redis: now,
            last_reply: now,
            next_seq: 0,
            last_replied_seq: 0,
            written: 0,
            answered: 0,
            replies: Ring::new(),
            generation: 0,
            last_rx: now,
            silent_since: None,
            death: None,
            stamp: 0,
            connecting: false,
            held: VecDeque::new(),
        }
    }

    /// Counts the replies due by `now` as answered; returns the commands
    /// still queued.
    fn queued(&mut self, now: SimTime) -> u64 {
        while let Some(&(_, at)) = self.replies.front() {
            if at > now {
                break;
            }
            self.replies.pop_front();
            self.answered += 1;
        }
        self.written - self.answered
    }
}

/// A command written on a shared connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Written {
    /// Its sequence number on the connection (from 1).
    pub seq: u64,
    /// When it reaches Redis.
    pub at_redis: SimTime,
}

/// What became of a command written on a shared connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Write {
    /// On its way to Redis.
    Sent(Written),
    /// Into a connection whose peer is gone: it waits on the connection,
    /// which is declared dead at the time given if this write scheduled it
    /// (with the timer's stamp).
    Lost(Option<(SimTime, u32)>),
    /// Buffered while the connection reconnects.
    Buffered,
    /// The connection's queue is full: rejected at once.
    Rejected,
}

/// The multiplexed transport: `connections` shared connections per pod.
pub struct Multiplexed {
    pods: Vec<Vec<MuxConn>>,
    /// The connection each pod's next command takes.
    next: Vec<u32>,
    connections: u32,
    max_queued: Option<u64>,
    tcp: DeadPeer,
}

impl Multiplexed {
    /// No connection open yet; `sc.client.connections` per pod to come.
    pub fn new(sc: &Scenario) -> Self {
        Multiplexed {
            pods: (0..sc.pods.count).map(|_| Vec::new()).collect(),
            next: vec![0; sc.pods.count as usize],
            connections: sc.client.connections,
            max_queued: sc.client.max_queued.map(u64::from),
            tcp: DeadPeer::of(sc),
        }
    }

    /// Number of pods.
    pub fn pods(&self) -> usize {
        self.pods.len()
    }

    /// Shared connections per pod.
    pub fn connections(&self) -> u32 {
        self.connections
    }

    /// Adds a connection of `pod` to `shard`, opened at `now`.
    pub fn add(&mut self, pod: usize, shard: u32, now: SimTime, stats: &mut Collector) {
        self.pods[pod].push(MuxConn::new(shard, now));
        stats.open.add(now, 1);
        if stats.window.contains(now) {
            stats.created += 1;
        }
    }

    /// The connection `pod`'s next command takes (in turn).
    #[inline]
    pub fn pick(&mut self, pod: usize) -> u32 {
        let c = self.next[pod];
        self.next[pod] = if c + 1 == self.connections { 0 } else { c + 1 };
        c
    }

    /// The record of connection `c` of `pod`.
    pub fn conn(&self, pod: usize, c: u32) -> &MuxConn {
        &self.pods[pod][c as usize]
    }

    /// Writes request `r`'s command (its `token`) on connection `c` of `pod`
    /// at `now`; alone, it would reach Redis after `out`. Records the queue
    /// it joins in `stats`.
    #[inline]
    pub fn write(
        &mut self,
        (pod, c): (usize, u32),
        (r, token): (u32, u32),
        now: SimTime,
        out: SimTime,
        stats: &mut Collector,
    ) -> Write {
        let unacked = self.tcp.unacked;
        let conn = &mut self.pods[pod][c as usize];
        if conn.connecting {
            if self.max_queued.is_some_and(|m| conn.held.len() as u64 >= m) {
                return Write::Rejected;
            }
            conn.held.push_back((r, token));
            return Write::Buffered;
        }
        let queued = conn.queued(now);
        if self.max_queued.is_some_and(|m| queued >= m) {
            return Write::Rejected;
        }
        stats.mux_queued(now, queued);
        conn.written += 1;
        conn.next_seq += 1;
        if conn.silent_since.is_some() {
            conn.held.push_back((r, token));
            if conn.death.is_some_and(|(_, by_write)| by_write) {
                return Write::Lost(None);
            }
            // The first lost write starts the retransmission timer, which
            // rules from now on (keepalive waits while data is unacknowledged).
            let at = now + unacked;
            conn.death = Some((at, true));
            conn.stamp = conn.stamp.wrapping_add(1);
            return Write::Lost(Some((at, conn.stamp)));
        }
        let at_redis = (now + out).max(conn.last_at_redis);
        conn.last_at_redis = at_redis;
        Write::Sent(Written {
            seq: conn.next_seq,
            at_redis,
        })
    }

    /// Redis is done with command `seq` of connection `c` of `pod`, and its
    /// reply would reach the pod at `ready` if it were alone: returns when it
    /// is delivered, in turn behind the replies before it.
    #[inline]
    pub fn reply(
        &mut self,
        pod: usize,
        c: u32,
        seq: u64,
        ready: SimTime,
        stats: &mut Collector,
    ) -> SimTime {
        let conn = &mut self.pods[pod][c as usize];
        if seq <= conn.last_replied_seq {
            // Served out of the order it was written in.
            stats.overtaken += 1;
        }
        conn.last_replied_seq = seq;
        let at = ready.max(conn.last_reply);
        conn.last_reply = at;
        conn.last_rx = conn.last_rx.max(at);
        conn.replies.push_back((seq, at));
        at
    }

    /// The reply to command `seq` of connection `c` of `pod` is delivered at
    /// `now`: counts it in `stats` as overtaking if a reply to an earlier
    /// command on the connection is still to come.
    #[inline]
    pub fn delivered(&mut self, pod: usize, c: u32, seq: u64, now: SimTime, stats: &mut Collector) {
        let conn = &mut self.pods[pod][c as usize];
        conn.queued(now);
        if conn.replies.front().is_some_and(|&(s, _)| s < seq) {
            stats.overtaken += 1;
        }
        stats.delivered += 1;
    }

    /// The peers of `shard`'s connections opened before `now` vanish without
    /// a reset. Returns the connections whose keepalive will notice, with the
    /// time and the timer's stamp.
    pub fn blackhole(&mut self, shard: u32, now: SimTime) -> Vec<(usize, u32, SimTime, u32)> {
        let mut timers = Vec::new();
        for (pod, conns) in self.pods.iter_mut().enumerate() {
            for (c, conn) in conns.iter_mut().enumerate() {
                if conn.shard != shard || conn.connecting || conn.created >= now {
                    continue;
                }
                conn.silent_since.get_or_insert(now);
                if conn.death.is_none() {
                    if let Some(at) = self.tcp.keepalive_death(conn.last_rx, now) {
                        conn.death = Some((at, false));
                        conn.stamp = conn.stamp.wrapping_add(1);
                        timers.push((pod, c as u32, at, conn.stamp));
                    }
                }
            }
        }
        timers
    }

    /// The connections to `shard` opened before `now` (and not reconnecting),
    /// which a restart resets; the client sees the reset at `seen`. Each gets
    /// a new stamp for the timer that declares it dead then; commands written
    /// meanwhile wait for the reconnect.
    pub fn restart(&mut self, shard: u32, now: SimTime, seen: SimTime) -> Vec<(usize, u32, u32)> {
        let mut hit = Vec::new();
        for (pod, conns) in self.pods.iter_mut().enumerate() {
            for (c, conn) in conns.iter_mut().enumerate() {
                if conn.shard == shard && !conn.connecting && conn.created < now {
                    conn.silent_since.get_or_insert(now);
                    conn.death = Some((seen, true));
                    conn.stamp = conn.stamp.wrapping_add(1);
                    hit.push((pod, c as u32, conn.stamp));
                }
            }
        }
        hit
    }

    /// The death timer of connection `c` of `pod` fired with `stamp` at
    /// `now`: if current, the connection is dead. It is closed (counted in
    /// `stats`), and reopened to `shard`, ready after `connect`. Returns its
    /// old shard, and the timer stamp for the reconnect.
    pub fn declare_dead(
        &mut self,
        (pod, c): (usize, u32),
        stamp: u32,
        now: SimTime,
        shard: u32,
        stats: &mut Collector,
    ) -> Option<(u32, u32)> {
        let conn = &mut self.pods[pod][c as usize];
        if conn.stamp != stamp || conn.connecting {
            return None;
        }
        let since = conn.silent_since.unwrap_or(now);
        stats.dead_connection(now, since);
        stats.open.add(now, -1);
        if stats.window.contains(now) {
            stats.closed += 1;
        }
        let old = conn.shard;
        let mut fresh = MuxConn::new(shard, now);
        fresh.held = std::mem::take(&mut conn.held);
        fresh.next_seq = conn.next_seq;
        fresh.last_replied_seq = conn.next_seq;
        fresh.generation = conn.generation.wrapping_add(1);
        fresh.stamp = conn.stamp.wrapping_add(1);
        fresh.connecting = true;
        *conn = fresh;
        Some((old, conn.stamp))
    }

    /// The reconnect of connection `c` of `pod` finished with `stamp` at
    /// `now`: it is open again; returns the commands waiting on it, to write
    /// in order (stale entries included: the caller checks their tokens).
    pub fn reconnected(
        &mut self,
        (pod, c): (usize, u32),
        stamp: u32,
        now: SimTime,
        stats: &mut Collector,
    ) -> Option<VecDeque<(u32, u32)>> {
        let conn = &mut self.pods[pod][c as usize];
        if conn.stamp != stamp || !conn.connecting {
            return None;
        }
        conn.connecting = false;
        conn.created = now;
        conn.last_at_redis = now;
        conn.last_reply = now;
        conn.last_rx = now;
        stats.open.add(now, 1);
        if stats.window.contains(now) {
            stats.created += 1;
            stats.reconnects += 1;
        }
        Some(std::mem::take(&mut conn.held))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::stats::Window;

    fn stats() -> Collector {
        let window = Window {
            start: SimTime::ZERO,
            end: SimTime::from_secs(100),
        };
        Collector::new(window, 1, SimTime::from_secs(1), false)
    }

    fn mux(connections: u32, max_queued: Option<u64>) -> Multiplexed {
        Multiplexed {
            pods: vec![Vec::new()],
            next: vec![0],
            connections,
            max_queued,
            tcp: DeadPeer::new(15, Some(SimTime::from_secs(30)), None),
        }
    }

    /// A pod's mux with one connection, open from time zero.
    fn one_open(max_queued: Option<u64>) -> (Multiplexed, Collector) {
        let (mut m, mut st) = (mux(1, max_queued), stats());
        m.add(0, 0, SimTime::ZERO, &mut st);
        (m, st)
    }

    fn sent(w: Write) -> Written {
        match w {
            Write::Sent(w) => w,
            other => panic!("not sent: {other:?}"),
        }
    }

    #[test]
    fn commands_take_connections_in_turn() {
        let mut m = mux(3, None);
        let picks: Vec<u32> = (0..7).map(|_| m.pick(0)).collect();
        assert_eq!(picks, [0, 1, 2, 0, 1, 2, 0]);
    }

    #[test]
    fn a_slow_reply_delays_the_replies_behind_it() {
        let (mut m, mut st) = one_open(None);
        let us = SimTime::from_micros;
        let a = sent(m.write((0, 0), (0, 0), us(0), us(50), &mut st));
        let b = sent(m.write((0, 0), (0, 0), us(10), us(50), &mut st));
        assert_eq!((a.seq, b.seq), (1, 2));
        // The first command takes 5 ms at Redis; the second is quick, but its
        // reply waits for the first's.
        assert_eq!(m.reply(0, 0, a.seq, us(5_100), &mut st), us(5_100));
        assert_eq!(m.reply(0, 0, b.seq, us(200), &mut st), us(5_100));
        assert_eq!(st.overtaken, 0);
    }

    #[test]
    fn a_command_never_reaches_redis_before_the_one_written_before_it() {
        let (mut m, mut st) = one_open(None);
        let us = SimTime::from_micros;
        let a = sent(m.write((0, 0), (0, 0), us(0), us(900), &mut st));
        let b = sent(m.write((0, 0), (0, 0), us(1), us(100), &mut st));
        assert_eq!(a.at_redis, us(900));
        assert_eq!(b.at_redis, us(900));
    }

    #[test]
    fn a_full_queue_rejects_until_replies_come_back() {
        let (mut m, mut st) = one_open(Some(2));
        let us = SimTime::from_micros;
        let a = sent(m.write((0, 0), (0, 0), us(0), us(50), &mut st));
        let b = sent(m.write((0, 0), (0, 0), us(0), us(50), &mut st));
        assert!(m.write((0, 0), (0, 0), us(1), us(50), &mut st) == Write::Rejected);
        m.reply(0, 0, a.seq, us(100), &mut st);
        m.reply(0, 0, b.seq, us(300), &mut st);
        assert!(m.write((0, 0), (0, 0), us(99), us(50), &mut st) == Write::Rejected);
        // At 100 us the first reply is in: one place is free.
        assert!(matches!(
            m.write((0, 0), (0, 0), us(100), us(50), &mut st),
            Write::Sent(_)
        ));
        assert!(m.write((0, 0), (0, 0), us(100), us(50), &mut st) == Write::Rejected);
    }

    #[test]
    fn writes_into_a_blackholed_connection_are_lost_until_it_dies_and_reconnects() {
        let (mut m, mut st) = one_open(None);
        let s = SimTime::from_secs;
        assert!(m.blackhole(0, s(1)).is_empty(), "no keepalive");
        // The first lost write schedules the death 30 s later (the user
        // timeout); later writes wait with it.
        let first = m.write((0, 0), (7, 1), s(2), s(0), &mut st);
        let Write::Lost(Some((at, stamp))) = first else {
            panic!("{first:?}")
        };
        assert_eq!(at, s(32));
        assert_eq!(
            m.write((0, 0), (8, 2), s(3), s(0), &mut st),
            Write::Lost(None)
        );
        let (old, stamp) = m.declare_dead((0, 0), stamp, at, 0, &mut st).unwrap();
        assert_eq!(old, 0);
        assert_eq!(st.detect_sum, s(31));
        // Buffered while reconnecting; then everything waiting comes back in order.
        assert_eq!(
            m.write((0, 0), (9, 3), s(33), s(0), &mut st),
            Write::Buffered
        );
        let held: Vec<_> = m.reconnected((0, 0), stamp, s(34), &mut st).unwrap().into();
        assert_eq!(held, [(7, 1), (8, 2), (9, 3)]);
        assert_eq!(st.reconnects, 1);
        assert!(matches!(
            m.write((0, 0), (9, 3), s(34), s(0), &mut st),
            Write::Sent(_)
        ));
    }
}
