//! The model's routing for a multiplexed client: a command is written on a
//! shared connection as soon as it is issued, reaches Redis in its
//! connection's order, and its reply comes back in that order.
//!
//! `AtRedis` and `Reply` carry the request as for the pooled transport; a
//! failed command (its timeout) does not close its connection, whose later
//! replies still come in turn. A command that waits on its connection (lost
//! in a dead one, or buffered while it reconnects) has no event but its
//! timeout (`MuxExpire`), which carries its token so that a timeout left over
//! from an earlier command is ignored.

use super::{Event, Model};
use crate::engine::multiplexed::{Multiplexed, Write};
use crate::engine::requests::{Phase, Request};
use crate::engine::server::Kind;
use crate::engine::transport::Exchange;
use crate::scenario::ErrorCause;
use sim::time::SimTime;

impl Model<'_> {
    #[inline]
    fn mux(&mut self) -> &mut Multiplexed {
        self.mux.as_mut().expect("a multiplexed client")
    }

    /// Opens every pod's shared connections at the start, in the background
    /// (the client connects when the application starts, before traffic).
    pub(super) fn mux_open_all(&mut self) {
        let now = self.now();
        let (pods, per_pod) = {
            let m = self.mux();
            (m.pods(), m.connections())
        };
        for pod in 0..pods {
            for _ in 0..per_pod {
                let shard = self.server.route_connection();
                self.server.accept_background(shard, now, &mut self.stats);
                let mux = self.mux.as_mut().expect("a multiplexed client");
                mux.add(pod, shard, now, &mut self.stats);
            }
        }
    }

    /// Issues `r`'s current command on its pod's next shared connection; its
    /// timeout counts from now.
    pub(super) fn mux_write(&mut self, r: u32) {
        let now = self.now();
        let pod = self.requests[r].pod as usize;
        let token = self.next_token;
        self.next_token = token.wrapping_add(1);
        let deadline = self.client.command_deadline(now);
        let c = self.mux().pick(pod);
        self.mux_send(r, c, token, deadline, true);
    }

    /// Writes `r`'s command (its `token`, given up at `deadline`) on shared
    /// connection `c`; `arm` arms its timeout if it has to wait.
    fn mux_send(&mut self, r: u32, c: u32, token: u32, deadline: SimTime, arm: bool) {
        let now = self.now();
        let pod = self.requests[r].pod as usize;
        let rtt = self.transport.round_trip();
        let out = rtt.half();
        let mux = self.mux.as_mut().expect("a multiplexed client");
        let written = mux.write((pod, c), (r, token), now, out, &mut self.stats);
        let generation = mux.conn(pod, c).generation;
        let mut exchange = Exchange {
            shard: 0,
            return_half: rtt - out,
            deadline,
            conn: c,
            seq: 0,
            generation,
            token,
            held: true,
            ..Exchange::NONE
        };
        let w = match written {
            Write::Rejected => {
                self.attempt_failed(r, ErrorCause::PoolExhausted);
                return;
            }
            Write::Buffered | Write::Lost(_) => {
                self.requests[r].exchange = exchange;
                if let Write::Lost(Some((at, stamp))) = written {
                    self.schedule_death(pod, c, at, stamp);
                }
                if arm && deadline != SimTime::MAX {
                    self.sched.schedule_at(deadline, Event::MuxExpire(r, token));
                }
                return;
            }
            Write::Sent(w) => w,
        };
        exchange.shard = self.server.route_command();
        exchange.seq = w.seq;
        exchange.held = false;
        self.requests[r].exchange = exchange;
        if self.server.serves_instantly() {
            self.server.command_at_once(w.at_redis, &mut self.stats);
            let ready = w.at_redis + exchange.return_half;
            let mux = self.mux.as_mut().expect("a multiplexed client");
            let at = mux.reply(pod, c, w.seq, ready, &mut self.stats);
            self.schedule_reply(r, at);
        } else {
            self.sched.schedule_at(w.at_redis, Event::AtRedis(r));
        }
    }

    /// Schedules the death timer of shared connection `c` of `pod`.
    pub(super) fn schedule_death(&mut self, pod: usize, c: u32, at: SimTime, stamp: u32) {
        let (pod, conn) = (pod as u16, c as u16);
        self.sched
            .schedule_at(at, Event::MuxDeath { pod, conn, stamp });
    }

    /// `r`, if its command went out on the connection still open; `None` if
    /// that connection was since replaced (reset by a restart): the command
    /// then fails as a stale connection.
    fn mux_current(&mut self, r: u32) -> Option<Request> {
        let req = self.requests[r];
        let ex = req.exchange;
        if self.mux().conn(req.pod as usize, ex.conn).generation == ex.generation {
            return Some(req);
        }
        self.mux_failed(r, ErrorCause::StaleConnection);
        None
    }

    /// `r`'s command reached its shard: served in FIFO order there, its reply
    /// returns in its connection's order.
    pub(super) fn mux_at_redis(&mut self, r: u32) {
        let Some(req) = self.mux_current(r) else {
            return;
        };
        let now = self.now();
        let ex = req.exchange;
        let kind = match req.phase {
            Phase::Get => self.read_kind(r),
            Phase::Set => Kind::Fill,
        };
        let done = self.server.command(ex.shard, now, kind, &mut self.stats);
        let pod = req.pod as usize;
        let ready = done + ex.return_half;
        let mux = self.mux.as_mut().expect("a multiplexed client");
        let at = mux.reply(pod, ex.conn, ex.seq, ready, &mut self.stats);
        self.schedule_reply(r, at);
    }

    /// `r`'s reply arrived: the read goes on as with a pooled connection,
    /// with nothing to give back.
    pub(super) fn mux_reply(&mut self, r: u32) {
        let Some(req) = self.mux_current(r) else {
            return;
        };
        let now = self.now();
        let ex = req.exchange;
        let mux = self.mux.as_mut().expect("a multiplexed client");
        mux.delivered(req.pod as usize, ex.conn, ex.seq, now, &mut self.stats);
        match req.phase {
            Phase::Set => self.read_done(r),
            Phase::Get => {
                if self.found_or_draw(ex.found) {
                    self.read_done(r);
                } else {
                    self.query_database(r);
                }
            }
        }
    }

    /// `r`'s command failed (no reply within the command timeout, or its
    /// connection was reset): the client policy decides about a retry. A
    /// timeout leaves the connection open.
    pub(super) fn mux_failed(&mut self, r: u32, cause: ErrorCause) {
        if cause == ErrorCause::SocketTimeout && self.requests[r].measured {
            self.stats.command_timeouts += 1;
        }
        self.attempt_failed(r, cause);
    }

    /// The timeout of a command that waits on its connection.
    pub(super) fn on_mux_expire(&mut self, r: u32, token: u32) {
        let ex = &mut self.requests[r].exchange;
        if ex.token != token || !ex.held {
            return;
        }
        ex.held = false;
        self.mux_failed(r, ErrorCause::SocketTimeout);
    }

    /// A shared connection's death timer fired: if current, the connection
    /// is closed and reopened (reaching the shard's promoted replica).
    pub(super) fn on_mux_death(&mut self, pod: u16, c: u16, stamp: u32) {
        let now = self.now();
        let (pod, c) = (pod as usize, u32::from(c));
        let shard = self.server.route_connection();
        let mux = self.mux.as_mut().expect("a multiplexed client");
        let Some((old, stamp)) = mux.declare_dead((pod, c), stamp, now, shard, &mut self.stats)
        else {
            return;
        };
        self.server.disconnect(old);
        self.server.accept_background(shard, now, &mut self.stats);
        let trips = self.sc.client.connect_round_trips + self.sc.client.tls as u32;
        let mut ready = now;
        for _ in 0..trips {
            ready += self.transport.round_trip();
        }
        let (pod, conn) = (pod as u16, c as u16);
        self.sched
            .schedule_at(ready, Event::MuxReconnected { pod, conn, stamp });
    }

    /// A shared connection is open again: the commands waiting on it are
    /// written, in the order they were issued.
    pub(super) fn on_mux_reconnected(&mut self, pod: u16, c: u16, stamp: u32) {
        let now = self.now();
        let (pod, c) = (pod as usize, u32::from(c));
        let mux = self.mux.as_mut().expect("a multiplexed client");
        let Some(held) = mux.reconnected((pod, c), stamp, now, &mut self.stats) else {
            return;
        };
        for (r, token) in held {
            let ex = &mut self.requests[r].exchange;
            if ex.token != token || !ex.held {
                continue;
            }
            ex.held = false;
            let deadline = ex.deadline;
            self.mux_send(r, c, token, deadline, false);
        }
    }
}
