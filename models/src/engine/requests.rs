//! The requests in flight: a slab of [`Request`]s indexed by `u32`.
//!
//! Events carry a request's index. A request has at most one pending event of
//! its own at any time, so a slot is reused only after its request ended and
//! no event points at it any more.

use super::client::Attempts;
use super::transport::{Exchange, Lease};
use sim::time::SimTime;
use std::ops::{Index, IndexMut};

/// Which command a read is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// The GET.
    Get,
    /// The SET that fills Redis after a miss.
    Set,
}

/// A request in flight: its own progress, and each component's part of it.
#[derive(Clone, Copy, Debug)]
pub struct Request {
    /// When it arrived.
    pub arrived: SimTime,
    /// The pod it arrived at.
    pub pod: u32,
    /// The pool the current read checks out from: the pod's, or in cluster
    /// mode the pod's pool for the node of the read's key.
    pub pool: u32,
    /// Reads not yet done, the current one included.
    pub reads_left: u32,
    /// The current read's command.
    pub phase: Phase,
    /// L1 answered the current read.
    pub l1_hit: bool,
    /// The current read's key (a keyed L1, or cluster mode).
    pub key: u64,
    /// The current read missed a keyed L1 and loads its key: its end fills
    /// the pod's cache and releases the reads that joined the load.
    pub loading: bool,
    /// It arrived inside the measured window.
    pub measured: bool,
    /// Its next command goes after `ASKING` (an ASK redirect sent it to
    /// the node its key moves to).
    pub asking: bool,
    /// The client policy's part: attempts and retries left.
    pub attempts: Attempts,
    /// The transport's part: the connection and the checkout's times.
    pub lease: Lease,
    /// The command in flight.
    pub exchange: Exchange,
}

/// The requests in flight.
#[derive(Default)]
pub struct Requests {
    slots: Vec<Request>,
    free: Vec<u32>,
    in_flight: usize,
}

impl Requests {
    /// Stores the request `make` builds and returns its index. (Built in
    /// its slot: a request is 136 bytes, and building it elsewhere first
    /// costs a copy per arrival.)
    #[inline(always)]
    pub fn insert_with(&mut self, make: impl FnOnce() -> Request) -> u32 {
        self.in_flight += 1;
        match self.free.pop() {
            Some(r) => {
                self.slots[r as usize] = make();
                r
            }
            None => {
                self.slots.push(make());
                (self.slots.len() - 1) as u32
            }
        }
    }

    /// Request `r` ended: its slot is free.
    #[inline]
    pub fn remove(&mut self, r: u32) {
        self.in_flight -= 1;
        self.free.push(r);
    }

    /// Number of requests in flight.
    #[inline]
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }
}

impl Index<u32> for Requests {
    type Output = Request;
    #[inline]
    fn index(&self, r: u32) -> &Request {
        debug_assert!((r as usize) < self.slots.len());
        unsafe { self.slots.get_unchecked(r as usize) }
    }
}

impl IndexMut<u32> for Requests {
    #[inline]
    fn index_mut(&mut self, r: u32) -> &mut Request {
        debug_assert!((r as usize) < self.slots.len());
        unsafe { self.slots.get_unchecked_mut(r as usize) }
    }
}
