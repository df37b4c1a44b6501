//! A pod's connection pool: idle connections, FIFO waiters, the acquire timer.
//!
//! The pool is bookkeeping only; the model decides what happens to requests.
//! Waiters are served strictly first-come-first-served. Their deadlines are
//! therefore non-decreasing along the queue, so one pending timer per pool
//! suffices: it is armed for the head's deadline, and re-armed for the new
//! head when it fires. When the queue empties, the pool tells the model to
//! disarm it (the timer lives in one of the scheduler's slots, so a
//! cancelled timer never fires).

use crate::scenario::{Order, Pool as PoolConfig};
use sim::ring::Ring;
use sim::time::SimTime;

/// Index of a connection within its pod.
pub type ConnId = u32;

/// What the pool knows about one open connection.
#[derive(Clone, Copy, Debug, Default)]
pub struct Conn {
    /// When it was opened.
    pub created: SimTime,
    /// When it last became idle.
    pub idle_since: SimTime,
    /// When a packet last crossed it (command, reply, PING): what server and
    /// middlebox idle timers count from.
    pub last_traffic: SimTime,
    /// The shard that accepted it (counts against that shard's maxclients).
    pub shard: u32,
}

/// A request waiting for a connection.
#[derive(Clone, Copy, Debug, Default)]
pub struct Waiter {
    /// The waiting request.
    pub req: u32,
    /// When it started waiting.
    pub since: SimTime,
}

/// What a checkout found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Checkout {
    /// An idle connection.
    Idle(ConnId),
    /// None idle, but room to open one (the caller opens it).
    Open,
    /// Full: wait or fail, as the pool's policy says.
    Full,
}

/// One pod's pool.
#[derive(Debug)]
pub struct Pool {
    max_total: u32,
    order: Order,
    open: u32,
    next_id: ConnId,
    free_ids: Vec<ConnId>,
    conns: Vec<Conn>,
    idle: Ring<ConnId>,
    waiters: Ring<Waiter>,
    timer_pending: bool,
}

impl Pool {
    /// An empty pool.
    pub fn new(cfg: &PoolConfig) -> Self {
        Pool {
            max_total: cfg.max_total,
            order: cfg.order,
            open: 0,
            next_id: 0,
            free_ids: Vec::new(),
            conns: Vec::new(),
            idle: Ring::new(),
            waiters: Ring::new(),
            timer_pending: false,
        }
    }

    /// Idle connections.
    pub fn idle_count(&self) -> usize {
        self.idle.len()
    }

    /// Tries to take a connection.
    #[inline(always)]
    pub fn checkout(&mut self) -> Checkout {
        let taken = match self.order {
            Order::Lifo => self.idle.pop_back(),
            Order::Fifo => self.idle.pop_front(),
        };
        match taken {
            Some(c) => Checkout::Idle(c),
            None if self.open < self.max_total => Checkout::Open,
            None => Checkout::Full,
        }
    }

    /// True if another connection may be opened.
    pub fn has_room(&self) -> bool {
        self.open < self.max_total
    }

    /// Registers a connection being opened at `now` and returns its id.
    pub fn add_connection(&mut self, now: SimTime, shard: u32) -> ConnId {
        debug_assert!(self.open < self.max_total);
        self.open += 1;
        let id = self.free_ids.pop().unwrap_or_else(|| {
            self.next_id += 1;
            self.conns.push(Conn::default());
            self.next_id - 1
        });
        self.conns[id as usize] = Conn {
            created: now,
            idle_since: now,
            last_traffic: now,
            shard,
        };
        id
    }

    /// The record of connection `id`.
    #[inline(always)]
    pub fn conn(&self, id: ConnId) -> &Conn {
        &self.conns[id as usize]
    }

    /// The record of connection `id`, to update.
    #[inline(always)]
    pub fn conn_mut(&mut self, id: ConnId) -> &mut Conn {
        &mut self.conns[id as usize]
    }

    /// Takes the oldest idle connection (for the evictor).
    pub fn take_oldest_idle(&mut self) -> Option<ConnId> {
        self.idle.pop_front()
    }

    /// Puts connections back at the old end of the idle set, keeping their order.
    pub fn restore_oldest_idle(&mut self, kept: &[ConnId]) {
        for &c in kept.iter().rev() {
            self.idle.push_front(c);
        }
    }

    /// Forgets a closed connection.
    pub fn remove_connection(&mut self, id: ConnId) {
        self.open -= 1;
        self.free_ids.push(id);
    }

    /// Puts a returned connection back in the idle set at `now`.
    #[inline(always)]
    pub fn put_idle(&mut self, c: ConnId, now: SimTime) {
        self.conns[c as usize].idle_since = now;
        self.idle.push_back(c);
    }

    /// Queues a waiter. Returns true if the caller must arm the acquire timer
    /// for this waiter's deadline (no timer is pending).
    #[inline(always)]
    pub fn enqueue(&mut self, w: Waiter) -> bool {
        self.waiters.push_back(w);
        if self.timer_pending {
            false
        } else {
            self.timer_pending = true;
            true
        }
    }

    /// Takes the longest-waiting request, if any, and whether the caller
    /// must disarm the acquire timer (the queue emptied with it pending).
    #[inline(always)]
    pub fn pop_waiter(&mut self) -> Option<(Waiter, bool)> {
        let w = self.waiters.pop_front()?;
        let disarm = self.waiters.is_empty() && self.timer_pending;
        if disarm {
            self.timer_pending = false;
        }
        Some((w, disarm))
    }

    /// The acquire timer fired: it is no longer pending, and the caller
    /// expires waiters with [`Pool::pop_expired`] and re-arms with
    /// [`Pool::rearm`].
    pub fn timer_fired(&mut self) {
        debug_assert!(self.timer_pending, "a disarmed acquire timer fired");
        self.timer_pending = false;
    }

    /// Removes the head waiter if it started waiting at or before `cutoff`.
    pub fn pop_expired(&mut self, cutoff: SimTime) -> Option<Waiter> {
        match self.waiters.front() {
            Some(w) if w.since <= cutoff => self.waiters.pop_front(),
            _ => None,
        }
    }

    /// After expiry, the head waiter's start time if a timer must be armed.
    pub fn rearm(&mut self) -> Option<SimTime> {
        let head = self.waiters.front()?;
        self.timer_pending = true;
        Some(head.since)
    }
}
