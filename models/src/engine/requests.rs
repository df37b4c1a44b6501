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

impl Request {
    /// A slot no request uses yet.
    const VACANT: Request = Request {
        arrived: SimTime::ZERO,
        pod: 0,
        pool: 0,
        reads_left: 0,
        phase: Phase::Get,
        l1_hit: false,
        key: 0,
        loading: false,
        measured: false,
        asking: false,
        attempts: Attempts::NONE,
        lease: Lease::new(SimTime::ZERO),
        exchange: Exchange::NONE,
    };

    /// A request that arrived at `arrived` at `pod`, seen at `now`, with
    /// `reads` reads, its `attempts`, and `measured` if inside the window,
    /// written into this slot field by field. (Building a whole `Request`
    /// and moving it in made the compiler stage it on the stack at an odd
    /// offset, and the misaligned reloads stalled store forwarding: about 8%
    /// of case (a)'s time.) The destructuring names every field, so a new
    /// one cannot be left out.
    #[inline(always)]
    pub fn start(
        &mut self,
        arrived: SimTime,
        now: SimTime,
        pod: u32,
        reads: u32,
        measured: bool,
        attempts: Attempts,
    ) {
        let Request {
            arrived: arrived_at,
            pod: at_pod,
            pool,
            reads_left,
            phase,
            l1_hit,
            key,
            loading,
            measured: in_window,
            asking,
            attempts: attempts_left,
            lease,
            exchange,
        } = self;
        *arrived_at = arrived;
        *at_pod = pod;
        *pool = pod;
        *reads_left = reads;
        *phase = Phase::Get;
        *l1_hit = false;
        *key = 0;
        *loading = false;
        *in_window = measured;
        *asking = false;
        *attempts_left = attempts;
        *lease = Lease::new(now);
        *exchange = Exchange::NONE;
    }
}

/// The requests in flight.
#[derive(Default)]
pub struct Requests {
    slots: Vec<Request>,
    free: Vec<u32>,
    in_flight: usize,
}

impl Requests {
    /// A free slot for a new request, counted in flight: its index. The
    /// caller fills it with [`Request::start`].
    #[inline(always)]
    pub fn vacant(&mut self) -> u32 {
        self.in_flight += 1;
        self.free.pop().unwrap_or_else(|| {
            self.slots.push(Request::VACANT);
            (self.slots.len() - 1) as u32
        })
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
        &self.slots[r as usize]
    }
}

impl IndexMut<u32> for Requests {
    #[inline]
    fn index_mut(&mut self, r: u32) -> &mut Request {
        &mut self.slots[r as usize]
    }
}
