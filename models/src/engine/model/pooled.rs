//! The pooled transport, as the model runs it: checkout (an idle
//! connection, a new one, or a place in the queue), the acquire timer,
//! release and hand-back to the longest waiter, closing connections,
//! `min_idle`, and opening a connection (the handshake through the shard's
//! accept queue). The books live in [`Pooled`](crate::engine::transport::Pooled);
//! these methods turn its answers into events.

use super::{Event, Model};
use crate::engine::collect::Collector;
use crate::engine::pool::ConnId;
use crate::engine::requests::Request;
use crate::engine::transport::{Take, NO_CONN};
use crate::scenario::{ErrorCause, WhenExhausted};
use sim::time::SimTime;

impl Model<'_> {
    /// A checkout for `r`'s next attempt.
    #[inline(always)]
    pub(super) fn checkout(&mut self, r: u32) {
        let now = self.now();
        let req = &mut self.requests[r];
        let retry = req.attempts.start();
        let pool = begin_checkout(&mut self.stats, req, now, retry);
        self.send_to_pool(r, pool);
    }

    /// A checkout for `r`'s current attempt (`retry`: it is a retry), or,
    /// after a redirect, for the same attempt again.
    #[inline(always)]
    pub(super) fn checkout_again(&mut self, r: u32, retry: bool) {
        let now = self.now();
        let pool = begin_checkout(&mut self.stats, &mut self.requests[r], now, retry);
        self.send_to_pool(r, pool);
    }

    /// `r`'s checkout from `pool` began: it goes to the pool now or after
    /// the client's own delay (or is written to a shared connection).
    #[inline(always)]
    fn send_to_pool(&mut self, r: u32, pool: usize) {
        if self.mux.is_some() {
            self.mux_write(r);
            return;
        }
        match self.client.checkout_delay() {
            // The client's own time first (a task's wake-up): counted in
            // the wait from `checkout_started`; the pool sees the checkout
            // after it.
            Some(d) => self.sched.schedule_in(d, Event::AtPool(r)),
            None => self.try_checkout_from(r, pool),
        }
    }

    /// Finds a connection for `r`: an idle one that passes the checks, a new
    /// one, or a place in the queue.
    #[inline(always)]
    pub(super) fn try_checkout(&mut self, r: u32) {
        let pool = self.requests[r].pool as usize;
        self.try_checkout_from(r, pool);
    }

    /// [`Model::try_checkout`] of `r` from its `pool`.
    #[inline(always)]
    fn try_checkout_from(&mut self, r: u32, pool: usize) {
        let now = self.now();
        loop {
            match self.transport.take(pool, now) {
                Take::Stale(c) => {
                    self.close_connection(pool, c);
                    continue;
                }
                Take::Ready(c) => {
                    let waited = now - self.requests[r].lease.checkout_started;
                    self.acquired(r, c, waited);
                }
                Take::Open => self.open_for(r),
                Take::Full(WhenExhausted::Fail) => {
                    self.attempt_failed(r, ErrorCause::PoolExhausted)
                }
                Take::Full(WhenExhausted::Block) => self.enqueue(r),
            }
            return;
        }
    }

    #[inline(always)]
    pub(super) fn enqueue(&mut self, r: u32) {
        let now = self.now();
        let req = &mut self.requests[r];
        if req.measured && !req.lease.queued {
            self.stats.waited += 1;
        }
        req.lease.queued = true;
        let pool = req.pool as usize;
        if let Some(at) = self.transport.enqueue(pool, r, now, &mut self.stats) {
            self.arm_acquire_timer(pool, at);
        }
    }

    /// Arms `pool`'s acquire timer for `at`, in the pool's timer slot of
    /// the scheduler (numbered as the pools are).
    #[inline(always)]
    pub(super) fn arm_acquire_timer(&mut self, pool: usize, at: SimTime) {
        let event = Event::AcquireTimeout { pool: pool as u32 };
        self.sched.arm(pool, at, event);
    }

    /// Takes `pool`'s longest waiter, if any; disarms the pool's acquire
    /// timer when that empties the queue.
    #[inline(always)]
    fn next_waiter(&mut self, pool: usize) -> Option<u32> {
        let now = self.now();
        let (w, disarm) = self.transport.next_waiter(pool, now, &mut self.stats)?;
        if disarm {
            self.sched.disarm(pool);
        }
        Some(w)
    }

    pub(super) fn on_acquire_timeout(&mut self, pool: usize) {
        let now = self.now();
        let cutoff = self.transport.acquire_timer(pool, now);
        while let Some(r) = self
            .transport
            .expired_waiter(pool, cutoff, now, &mut self.stats)
        {
            self.attempt_failed(r, ErrorCause::PoolTimeout);
        }
        if let Some(at) = self.transport.rearm(pool) {
            self.arm_acquire_timer(pool, at);
        }
    }

    /// `r` holds connection `c` after waiting `waited`; test it on borrow or use it.
    #[inline(always)]
    pub(super) fn acquired(&mut self, r: u32, c: ConnId, waited: SimTime) {
        let pool = self.requests[r].pool as usize;
        self.transport.lend(pool, self.now(), &mut self.stats);
        self.handed(r, c, waited);
    }

    /// `r` holds connection `c`, already counted in use, after waiting
    /// `waited`; test it on borrow or use it.
    #[inline(always)]
    fn handed(&mut self, r: u32, c: ConnId, waited: SimTime) {
        let now = self.now();
        let req = &mut self.requests[r];
        req.lease.conn = c;
        req.lease.acquired_at = now;
        req.lease.holding = true;
        let measured = req.measured;
        if self.transport.tests_on_borrow() {
            // The borrow completes when the PING comes back.
            self.requests[r].lease.pinging = true;
            if measured {
                self.stats.pings += 1;
            }
        } else if measured {
            self.stats.acquire_wait(waited);
        }
        self.send_command(r);
    }

    /// Returns `r`'s healthy connection to its pool, or to the longest waiter.
    #[inline(always)]
    pub(super) fn release(&mut self, r: u32) {
        let now = self.now();
        let req = &mut self.requests[r];
        let (pool, c, acquired_at) = (req.pool as usize, req.lease.conn, req.lease.acquired_at);
        req.lease.conn = NO_CONN;
        req.lease.holding = false;
        self.transport
            .hold_ended(now - acquired_at, now, &mut self.stats);
        self.transport.touch(pool, c, now);
        self.hand_back(pool, c, true);
    }

    /// Connection `c` of `pool`, no longer held, goes to the longest waiter
    /// or back to the idle set. `in_use`: the gauge of connections in use
    /// still counts it (a release). A connection handed straight to a waiter
    /// then stays counted: the gauge would drop and rise at the same
    /// instant, which changes neither its integral (nor any bucket's of its
    /// series) nor its maximum.
    #[inline(always)]
    pub(super) fn hand_back(&mut self, pool: usize, c: ConnId, in_use: bool) {
        let now = self.now();
        match self.next_waiter(pool) {
            Some(w) => {
                let waited = now - self.requests[w].lease.checkout_started;
                if in_use {
                    self.handed(w, c, waited);
                } else {
                    self.acquired(w, c, waited);
                }
            }
            None => {
                if in_use {
                    self.transport.unlend(pool, now, &mut self.stats);
                }
                if !self.transport.keep_idle(pool, c, now) {
                    self.close_connection(pool, c);
                }
            }
        }
    }

    /// Closes connection `c` (idle or in use), and lets the longest waiter
    /// open a connection in the freed slot.
    pub(super) fn close_connection(&mut self, pool: usize, c: ConnId) {
        let now = self.now();
        let shard = self.transport.close(pool, c, now, &mut self.stats);
        self.server.disconnect(shard);
        if let Some(w) = self.next_waiter(pool) {
            self.open_for(w);
        }
    }

    /// Keeps `min_idle` connections idle, opening them in the background. A
    /// background open costs its handshake on the event loop but no request
    /// waits for it; it is idle at once.
    pub(super) fn ensure_min_idle(&mut self, pool: usize) {
        let now = self.now();
        while self.transport.wants_idle(pool) {
            let shard = self.connection_shard(pool);
            if !self.server.accept_background(shard, now, &mut self.stats) {
                break;
            }
            self.transport.add_idle(pool, shard, now, &mut self.stats);
        }
    }

    /// Opens a connection for `r` in a slot known to be free.
    pub(super) fn open_for(&mut self, r: u32) {
        let now = self.now();
        let pool = self.requests[r].pool as usize;
        let shard = self.connection_shard(pool);
        let (c, first, rest) = self.transport.open(pool, shard, now, &mut self.stats);
        let lease = &mut self.requests[r].lease;
        lease.conn = c;
        lease.connect_started = now;
        lease.connect_rest = rest;
        self.sched.schedule_at(now + first, Event::AcceptAtRedis(r));
    }

    /// The handshake reached the shard: the event loop accepts it (or refuses
    /// it over `maxclients`), then the remaining round trips follow.
    pub(super) fn on_accept(&mut self, r: u32) {
        let now = self.now();
        let req = self.requests[r];
        let shard = self.transport.shard_of(req.pool as usize, req.lease.conn);
        let accept = self.server.accept(shard, now, &mut self.stats);
        let give_up = self.client.connect_deadline(req.lease.connect_started);
        if accept.refused {
            // The server answers "-ERR max number of clients reached" and
            // closes; the connection counts as a client until that close.
            let at = accept.done + req.lease.connect_rest.half();
            let (at, cause) = match give_up {
                Some(g) if g < at => (g.max(now), ErrorCause::ConnectTimeout),
                _ => (at, ErrorCause::MaxClients),
            };
            self.sched.schedule_at(at, Event::Failed(r, cause));
            return;
        }
        let ready = accept.done + req.lease.connect_rest;
        match give_up {
            Some(g) if g < ready => self
                .sched
                .schedule_at(g.max(now), Event::Failed(r, ErrorCause::ConnectTimeout)),
            _ => self.sched.schedule_at(ready, Event::Connected(r)),
        }
    }

    pub(super) fn on_connected(&mut self, r: u32) {
        let now = self.now();
        let req = self.requests[r];
        self.transport
            .connected(req.pool as usize, req.lease.conn, now);
        self.acquired(r, req.lease.conn, now - req.lease.checkout_started);
    }
}

/// `req` begins a checkout at `now` (`retry`: for a retry), counted if
/// measured: returns its pool. A function of the parts it touches, so a
/// caller that holds the request indexes the slab once.
#[inline(always)]
fn begin_checkout(stats: &mut Collector, req: &mut Request, now: SimTime, retry: bool) -> usize {
    req.lease.checkout_started = now;
    req.lease.queued = false;
    if req.measured {
        stats.checkout(retry);
    }
    req.pool as usize
}
