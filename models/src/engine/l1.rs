//! The in-process (L1) cache in front of Redis.
//!
//! Bookkeeping and decisions only: the cache answers "is this read a hit?"
//! and "how long does the lookup take?"; the model routes the read on. The
//! kinds of cache sit behind the [`L1`] enum: [`L1::Coin`], a fixed hit
//! ratio, and [`L1::Keyed`], per-pod caches of keys with an eviction policy,
//! expiry and coalescing (see [`crate::cache::fleet`]).

use crate::cache::fleet::{Fleet, FleetConfig, Lookup};
use crate::cache::Stats;
use crate::scenario::{Scenario, L1 as L1Config};
use rand::Rng;
use sim::dist::Latency;
use sim::rng::{StreamRng, Streams};
use sim::time::SimTime;

/// A pod's in-process cache, as the scenario describes it.
// One L1 per replication, built once and never moved while the run goes:
// the size of the larger variant costs nothing, a box would cost a pointer
// chase on every read.
#[allow(clippy::large_enum_variant)]
pub enum L1 {
    /// A fixed hit ratio: each read is a hit with probability `hit_ratio`,
    /// independently of every other read.
    Coin(Coin),
    /// Per-pod caches of keys.
    Keyed(Keyed),
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

/// The keyed caches and the lookup time.
pub struct Keyed {
    /// Every pod's cache, the keys and the loads in flight.
    pub fleet: Fleet,
    lookup_time: Latency,
    /// Draws the lookup times (stream `l1.lookup`).
    lookups: StreamRng,
    /// Cache counts inside the measured window.
    pub counted: Stats,
}

impl L1 {
    /// The cache of `sc`.
    pub fn new(sc: &Scenario, streams: &Streams) -> Self {
        let cfg: &L1Config = &sc.l1;
        match (&cfg.cache, sc.workload.keys) {
            (Some(k), Some(keys)) => {
                let fleet_cfg = FleetConfig {
                    policy: k.policy,
                    capacity: k.capacity,
                    ttl: k.ttl,
                    ttl_jitter: k.ttl_jitter,
                    coalesce: k.coalesce,
                    prewarm: k.prewarm,
                };
                L1::Keyed(Keyed {
                    fleet: Fleet::new(fleet_cfg, keys, sc.pods.count, streams),
                    lookup_time: cfg.lookup_time.clone(),
                    lookups: streams.stream("l1.lookup"),
                    counted: Stats::default(),
                })
            }
            _ => L1::Coin(Coin {
                hit_ratio: cfg.hit_ratio,
                lookup_time: cfg.lookup_time.clone(),
                hits: streams.stream("l1"),
                lookups: streams.stream("l1.lookup"),
            }),
        }
    }

    /// The lookup's duration if it is the same for every read.
    pub fn constant_lookup(&self) -> Option<SimTime> {
        let lookup_time = match self {
            L1::Coin(c) => &c.lookup_time,
            L1::Keyed(k) => &k.lookup_time,
        };
        match lookup_time {
            Latency::Constant(d) => Some(*d),
            _ => None,
        }
    }

    /// Whether the caches are keyed.
    #[inline]
    pub fn is_keyed(&self) -> bool {
        matches!(self, L1::Keyed(_))
    }

    /// The keyed caches, if that is the kind.
    #[inline]
    pub fn keyed(&mut self) -> Option<&mut Keyed> {
        match self {
            L1::Coin(_) => None,
            L1::Keyed(k) => Some(k),
        }
    }

    /// Flips the coin for a read (always a miss for keyed caches, which
    /// decide when the lookup ends: see [`Keyed::lookup`]).
    #[inline]
    pub fn lookup(&mut self, _pod: u32, _now: SimTime) -> bool {
        match self {
            L1::Coin(c) => {
                let ratio = c.hit_ratio;
                ratio >= 1.0 || (ratio > 0.0 && c.hits.random::<f64>() < ratio)
            }
            L1::Keyed(_) => false,
        }
    }

    /// Draws how long a lookup takes.
    #[inline]
    pub fn lookup_time(&mut self) -> SimTime {
        match self {
            L1::Coin(c) => c.lookup_time.sample(&mut c.lookups),
            L1::Keyed(k) => k.lookup_time.sample(&mut k.lookups),
        }
    }
}

impl Keyed {
    /// Draws a read's key on `pod` and looks it up at `now`; `counted` says
    /// whether the cache's evictions and expirations fall in the window.
    #[inline]
    pub fn lookup(&mut self, pod: u32, now: SimTime, counted: bool) -> (u64, Lookup) {
        let before = self.fleet.pod_stats(pod);
        let out = self.fleet.lookup(pod, now);
        if counted {
            self.count(pod, before);
        }
        out
    }

    /// A load of `key` on `pod` ended at `now`: fills the cache and returns
    /// the requests that waited for it.
    pub fn fill(&mut self, pod: u32, key: u64, now: SimTime, counted: bool) -> Vec<u32> {
        let before = self.fleet.pod_stats(pod);
        let waiting = self.fleet.fill(pod, key, now);
        if counted {
            self.count(pod, before);
        }
        waiting
    }

    fn count(&mut self, pod: u32, before: Stats) {
        let after = self.fleet.pod_stats(pod);
        self.counted.evictions += after.evictions - before.evictions;
        self.counted.expirations += after.expirations - before.expirations;
    }
}
