//! A fleet's keyed L1: one cache per pod, the key each read draws, expiry
//! times, and the loads in flight that concurrent misses can share.
//!
//! Bookkeeping only: the engine asks [`Fleet::lookup`] at each read and
//! [`Fleet::fill`] when a load ends, and routes requests itself. With
//! coalescing, the first miss of a key in a pod leads its load and later
//! misses of that key in that pod join it ([`Lookup::Join`]); the leader's
//! fill (or failure) releases them. Without it every miss loads on its own.
//!
//! Random streams: `workload.keys` draws each read's key, `l1.ttl` the TTL
//! jitter and the prewarmed entries' ages; both are new names, so a scenario
//! without keys draws exactly what it drew before.

use super::slab::KeyHasher;
use super::{Cache, Stats};
use rand::Rng;
use sim::rng::{StreamRng, Streams};
use sim::time::SimTime;
use sim::zipf::Popularity;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::BuildHasherDefault;

/// What the keyed L1 decided for a read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Served from the pod's cache.
    Hit,
    /// A miss that loads the key itself (and leads the load if coalescing).
    Load,
    /// A miss that waits for the load already in flight for this key.
    Join,
}

/// How a fleet's caches are set up: the scenario's keyed `[l1]` settings.
pub type FleetConfig = crate::scenario::KeyedL1;

/// Requests waiting for a load, by (pod, key).
type Loads = HashMap<(u32, u64), Vec<u32>, BuildHasherDefault<KeyHasher>>;

/// Every pod's keyed cache.
#[derive(Debug)]
pub struct Fleet {
    cfg: FleetConfig,
    keys: Popularity,
    caches: Vec<Cache>,
    /// Loads in flight (only with coalescing), with the requests that joined.
    loads: Loads,
    key_rng: StreamRng,
    ttl_rng: StreamRng,
    /// Invalidations: their times and keys (stream `l1.invalidation`).
    invalidation_rng: StreamRng,
    /// Reads that joined a load in flight.
    pub coalesced: u64,
    /// The key of the next read, drawn one read ahead (the stream is the
    /// keys' alone, so its sequence is the same) so that [`Fleet::prefetch`]
    /// can fetch its cache lines early.
    next_key: u64,
}

impl Fleet {
    /// The caches of `pods` pods, keys drawn from `keys`.
    pub fn new(cfg: FleetConfig, keys: Popularity, pods: u32, streams: &Streams) -> Self {
        let mut fleet = Fleet {
            cfg,
            keys,
            caches: (0..pods)
                .map(|_| Cache::new(cfg.policy, cfg.capacity as usize))
                .collect(),
            loads: Loads::default(),
            key_rng: streams.stream("workload.keys"),
            ttl_rng: streams.stream("l1.ttl"),
            invalidation_rng: streams.stream("l1.invalidation"),
            coalesced: 0,
            next_key: 0,
        };
        fleet.next_key = fleet.keys.sample(&mut fleet.key_rng);
        if cfg.prewarm {
            for pod in 0..fleet.caches.len() {
                fleet.prewarm(pod, SimTime::ZERO);
            }
        }
        fleet
    }

    /// `pod` restarts at `now`: its cache comes back empty and forgets its
    /// frequency history, as a new process does (warm again at once with
    /// `prewarm`, as an application that warms its cache before taking
    /// traffic). Its counts are kept; loads in flight still fill it.
    pub fn restart(&mut self, pod: u32, now: SimTime) {
        self.caches[pod as usize].reset();
        if self.cfg.prewarm {
            self.prewarm(pod as usize, now);
        }
    }

    /// The time until the next of `rate` invalidations per second (Poisson).
    pub fn invalidation_gap(&mut self, rate: f64) -> SimTime {
        let u: f64 = self.invalidation_rng.random();
        SimTime::from_secs_f64(-(1.0 - u).ln() / rate)
    }

    /// A write invalidates a key drawn from the key popularity in every
    /// pod's cache; returns the entries removed.
    pub fn invalidate(&mut self) -> u64 {
        let key = self.keys.sample(&mut self.invalidation_rng);
        self.caches
            .iter_mut()
            .map(|c| u64::from(c.remove(key)))
            .sum()
    }

    /// Fills `pod`'s cache at `now` with the `capacity` most popular keys (ranks 1 to
    /// `capacity`; any `capacity` keys under a uniform law), the most popular
    /// stored last so it is the most recently used. With a TTL each entry's
    /// remaining life is drawn uniformly in `(0, ttl]`, the age spread of a
    /// cache that has run for a while, so they do not all expire at once.
    fn prewarm(&mut self, pod: usize, now: SimTime) {
        let top = (self.cfg.capacity as u64).min(self.keys.n());
        for key in (1..=top).rev() {
            let expires = match self.cfg.ttl {
                None => SimTime::MAX,
                Some(ttl) => {
                    let u = 1.0 - self.ttl_rng.random::<f64>();
                    now + SimTime::from_secs_f64(ttl.as_secs_f64() * u).max(SimTime(1))
                }
            };
            self.caches[pod].insert(key, expires);
        }
    }

    /// Draws the key of a read on `pod` at `now` and looks it up. A `Load`
    /// must later be answered by [`Fleet::fill`] or [`Fleet::failed`].
    #[inline]
    pub fn lookup(&mut self, pod: u32, now: SimTime) -> (u64, Lookup) {
        let key = std::mem::replace(&mut self.next_key, self.keys.sample(&mut self.key_rng));
        let cache = &mut self.caches[pod as usize];
        if cache.get(key, now) {
            return (key, Lookup::Hit);
        }
        cache.prefetch_eviction();
        if !self.cfg.coalesce {
            return (key, Lookup::Load);
        }
        match self.loads.entry((pod, key)) {
            Entry::Occupied(_) => {
                self.coalesced += 1;
                (key, Lookup::Join)
            }
            Entry::Vacant(v) => {
                v.insert(Vec::new());
                (key, Lookup::Load)
            }
        }
    }

    /// Fetches into the processor's cache the lines that the next read's
    /// lookup will touch first, if it comes to `pod`: a hint, with no effect
    /// on any result. Ten pods' caches are larger than the processor's
    /// second-level cache, so without it each lookup waits on memory.
    #[inline]
    pub fn prefetch(&self, pod: u32) {
        if let Some(cache) = self.caches.get(pod as usize) {
            cache.prefetch(self.next_key);
        }
    }

    /// Parks request `r`, which got [`Lookup::Join`], until the load ends.
    pub fn wait(&mut self, pod: u32, key: u64, r: u32) {
        self.loads
            .get_mut(&(pod, key))
            .expect("a joined load is in flight")
            .push(r);
    }

    /// A load of `key` on `pod` ended at `now` with the value: stores it and
    /// returns the requests that waited for it (in the order they joined).
    pub fn fill(&mut self, pod: u32, key: u64, now: SimTime) -> Vec<u32> {
        let expires = match self.cfg.ttl {
            None => SimTime::MAX,
            Some(ttl) if self.cfg.ttl_jitter > 0.0 => {
                let u: f64 = self.ttl_rng.random();
                now + SimTime::from_secs_f64(ttl.as_secs_f64() * (1.0 - self.cfg.ttl_jitter * u))
            }
            Some(ttl) => now + ttl,
        };
        self.caches[pod as usize].insert(key, expires);
        self.release(pod, key)
    }

    /// A load of `key` on `pod` failed: nothing is stored; returns the
    /// requests that waited for it (they share the failure).
    pub fn failed(&mut self, pod: u32, key: u64) -> Vec<u32> {
        self.release(pod, key)
    }

    fn release(&mut self, pod: u32, key: u64) -> Vec<u32> {
        if !self.cfg.coalesce {
            return Vec::new();
        }
        self.loads.remove(&(pod, key)).unwrap_or_default()
    }

    /// The counts of `pod`'s cache.
    #[inline]
    pub fn pod_stats(&self, pod: u32) -> Stats {
        *self.caches[pod as usize].stats()
    }

    /// The counts of every pod's cache, summed.
    pub fn stats(&self) -> Stats {
        let mut total = Stats::default();
        for c in &self.caches {
            let s = c.stats();
            total.hits += s.hits;
            total.misses += s.misses;
            total.evictions += s.evictions;
            total.expirations += s.expirations;
            total.inserts += s.inserts;
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Policy;

    fn cfg(coalesce: bool) -> FleetConfig {
        FleetConfig {
            policy: Policy::Lru,
            capacity: 10,
            ttl: Some(SimTime::from_secs(1)),
            ttl_jitter: 0.0,
            coalesce,
            prewarm: false,
        }
    }

    #[test]
    fn concurrent_misses_share_one_load() {
        let keys = Popularity::uniform(1).unwrap();
        let mut f = Fleet::new(cfg(true), keys, 2, &Streams::new(1, 0));
        let t = SimTime::ZERO;
        assert_eq!(f.lookup(0, t), (1, Lookup::Load));
        assert_eq!(f.lookup(0, t), (1, Lookup::Join));
        f.wait(0, 1, 7);
        // Another pod has its own cache and its own load.
        assert_eq!(f.lookup(1, t), (1, Lookup::Load));
        assert_eq!(f.fill(0, 1, t), vec![7]);
        assert_eq!(f.lookup(0, t), (1, Lookup::Hit));
        // Expired a second after the fill.
        assert_eq!(f.lookup(0, SimTime::from_secs(1)), (1, Lookup::Load));
        assert_eq!(f.failed(0, 1), Vec::<u32>::new());
        assert_eq!(f.coalesced, 1);
        let s = f.stats();
        assert_eq!((s.hits, s.misses, s.expirations), (1, 4, 1));
    }

    #[test]
    fn without_coalescing_every_miss_loads() {
        let keys = Popularity::uniform(1).unwrap();
        let mut f = Fleet::new(cfg(false), keys, 1, &Streams::new(1, 0));
        assert_eq!(f.lookup(0, SimTime::ZERO).1, Lookup::Load);
        assert_eq!(f.lookup(0, SimTime::ZERO).1, Lookup::Load);
        assert!(f.fill(0, 1, SimTime::ZERO).is_empty());
    }

    #[test]
    fn prewarm_stores_the_top_keys_with_spread_expiries() {
        let keys = Popularity::zipf(1_000, 1.0).unwrap();
        let c = FleetConfig {
            prewarm: true,
            ..cfg(false)
        };
        let mut f = Fleet::new(c, keys, 1, &Streams::new(1, 0));
        assert_eq!(f.caches[0].len(), 10);
        // Half a TTL later about half the prewarmed entries have expired.
        let live = (1..=10)
            .filter(|&k| f.caches[0].get(k, SimTime::from_millis(500)))
            .count();
        assert!((1..10).contains(&live), "{live}");
    }
}
