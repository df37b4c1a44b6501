//! The in-process (L1) cache in front of Redis.
//!
//! Bookkeeping and decisions only: the cache answers "is this read a hit?"
//! and "how long does the lookup take?"; the model routes the read on. The
//! kinds of cache sit behind the [`L1`] enum, so a keyed cache with its own
//! entries, eviction policy and expiry joins as a variant next to
//! [`L1::Coin`], with its books in its variant.

use crate::scenario::L1 as L1Config;
use rand::Rng;
use sim::dist::Latency;
use sim::rng::{StreamRng, Streams};
use sim::time::SimTime;

/// A pod's in-process cache, as the scenario describes it.
pub enum L1 {
    /// A fixed hit ratio: each read is a hit with probability `hit_ratio`,
    /// independently of every other read.
    Coin(Coin),
}

/// The fixed-ratio cache: a biased coin and a lookup time.
pub struct Coin {
    hit_ratio: f64,
    lookup_time: Latency,
    /// Draws the hits (stream `l1`).
    hits: StreamRng,
    /// Draws the lookup times (stream `l1.lookup`).
    lookups: StreamRng,
}

impl L1 {
    /// The cache of `cfg`.
    pub fn new(cfg: &L1Config, streams: &Streams) -> Self {
        L1::Coin(Coin {
            hit_ratio: cfg.hit_ratio,
            lookup_time: cfg.lookup_time.clone(),
            hits: streams.stream("l1"),
            lookups: streams.stream("l1.lookup"),
        })
    }

    /// The lookup's duration if it is the same for every read.
    pub fn constant_lookup(&self) -> Option<SimTime> {
        match self {
            L1::Coin(c) => match c.lookup_time {
                Latency::Constant(d) => Some(d),
                _ => None,
            },
        }
    }

    /// Looks up a read of a request on `pod` at `now`: true on a hit.
    #[inline]
    pub fn lookup(&mut self, _pod: u32, _now: SimTime) -> bool {
        match self {
            L1::Coin(c) => {
                let ratio = c.hit_ratio;
                ratio >= 1.0 || (ratio > 0.0 && c.hits.random::<f64>() < ratio)
            }
        }
    }

    /// Draws how long a lookup takes.
    #[inline]
    pub fn lookup_time(&mut self) -> SimTime {
        match self {
            L1::Coin(c) => c.lookup_time.sample(&mut c.lookups),
        }
    }
}
