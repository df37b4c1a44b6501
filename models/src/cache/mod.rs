//! In-process caches keyed by integer key ids: the data structures behind a
//! pod's L1, independent of the engine.
//!
//! A cache answers two calls: [`Cache::get`] (a read at a simulated instant:
//! hit or miss) and [`Cache::insert`] (a fill after a miss, with the instant
//! the entry expires). Every operation is O(1) (amortized, through a hash
//! table, [`index`]), and entries live in one growable array per cache ([`slab`]), so a
//! cache of `C` entries costs O(C) memory and no allocation per entry.
//!
//! Policies: [`Lru`], and [`WTinyLfu`] (Caffeine's and moka's policy: a 1%
//! LRU window, a segmented-LRU main space, and admission by a count-min
//! frequency sketch, [`sketch`]). Expiry is lazy, as in real in-process
//! caches: an entry past its expiry is found and dropped by the read that
//! would have hit it ([`Stats::expirations`]); until then it occupies space
//! and may be evicted like any other ([`Stats::evictions`]).
//!
//! [`fleet`] puts one cache in each pod, draws each read's key and shares
//! concurrent misses of a key (coalescing). [`theory`] has the hit ratios these policies are checked against.

/// The methods every policy has alike, over its `slab` of entries and its
/// `stats`: `remove`, `len`, `is_empty` and `stats` (used inside each
/// policy's `impl`).
macro_rules! slab_methods {
    () => {
        /// Removes `key` if stored (an invalidation); true if it was.
        pub fn remove(&mut self, key: u64) -> bool {
            self.slab.remove_key(key)
        }

        /// How many entries are stored.
        pub fn len(&self) -> usize {
            self.slab.len()
        }

        /// Whether no entry is stored.
        pub fn is_empty(&self) -> bool {
            self.slab.is_empty()
        }

        /// The counts so far.
        pub fn stats(&self) -> &$crate::cache::Stats {
            &self.stats
        }
    };
}

pub mod fleet;
pub mod index;
pub mod lru;
pub mod sketch;
pub mod slab;
pub mod theory;
pub mod tinylfu;

pub use lru::Lru;
pub use tinylfu::WTinyLfu;

use sim::time::SimTime;

/// What a cache counted.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Reads that found a live entry.
    pub hits: u64,
    /// Reads that did not (including those that found an expired entry).
    pub misses: u64,
    /// Entries removed to make room.
    pub evictions: u64,
    /// Entries found expired by a read, and removed.
    pub expirations: u64,
    /// New entries stored (renewals of a stored key are not counted).
    pub inserts: u64,
}

impl Stats {
    /// Hits / reads, or 0 before any read.
    pub fn hit_ratio(&self) -> f64 {
        let reads = self.hits + self.misses;
        if reads == 0 {
            0.0
        } else {
            self.hits as f64 / reads as f64
        }
    }
}

/// An eviction policy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Policy {
    /// Least recently used.
    Lru,
    /// Window TinyLFU.
    WTinyLfu,
}

impl Policy {
    /// The policy's name in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            Policy::Lru => "lru",
            Policy::WTinyLfu => "w-tinylfu",
        }
    }

    /// The policy named `name` in scenario files.
    pub fn from_name(name: &str) -> Option<Policy> {
        match name {
            "lru" => Some(Policy::Lru),
            "w-tinylfu" => Some(Policy::WTinyLfu),
            _ => None,
        }
    }

    /// Every policy's name, for error messages.
    pub const NAMES: [&'static str; 2] = ["lru", "w-tinylfu"];
}

/// A cache of one of the policies.
#[derive(Debug)]
pub enum Cache {
    /// See [`Lru`].
    Lru(Lru),
    /// See [`WTinyLfu`] (without a doorkeeper, as Caffeine).
    WTinyLfu(WTinyLfu),
}

impl Cache {
    /// An empty cache of at most `capacity` entries.
    pub fn new(policy: Policy, capacity: usize) -> Self {
        match policy {
            Policy::Lru => Cache::Lru(Lru::new(capacity)),
            Policy::WTinyLfu => Cache::WTinyLfu(WTinyLfu::new(capacity, false)),
        }
    }

    /// Reads `key` at `now`: true on a hit.
    #[inline]
    pub fn get(&mut self, key: u64, now: SimTime) -> bool {
        match self {
            Cache::Lru(c) => c.get(key, now),
            Cache::WTinyLfu(c) => c.get(key, now),
        }
    }

    /// Stores (or renews) `key` until `expires_at` (`SimTime::MAX`: forever).
    #[inline]
    pub fn insert(&mut self, key: u64, expires_at: SimTime) {
        match self {
            Cache::Lru(c) => c.insert(key, expires_at),
            Cache::WTinyLfu(c) => c.insert(key, expires_at),
        }
    }

    /// Asks the processor to fetch the lines a read of `key` will touch
    /// first (its index bucket, and its sketch block under W-TinyLFU); no
    /// effect on the cache's state.
    #[inline]
    pub fn prefetch(&self, key: u64) {
        match self {
            Cache::Lru(c) => c.prefetch(key),
            Cache::WTinyLfu(c) => c.prefetch(key),
        }
    }

    /// Asks the processor to fetch the lines that the next insert's
    /// eviction will touch (the entries at the tails and their index buckets
    /// and sketch blocks): a miss calls it, and its fill comes a round trip
    /// later. No effect on the cache's state.
    #[inline]
    pub fn prefetch_eviction(&self) {
        match self {
            Cache::Lru(c) => c.prefetch_eviction(),
            Cache::WTinyLfu(c) => c.prefetch_eviction(),
        }
    }

    /// Removes `key` if stored (an invalidation); true if it was.
    pub fn remove(&mut self, key: u64) -> bool {
        match self {
            Cache::Lru(c) => c.remove(key),
            Cache::WTinyLfu(c) => c.remove(key),
        }
    }

    /// Empties the cache and forgets any history, as a restarted process
    /// does; the statistics are kept.
    pub fn reset(&mut self) {
        match self {
            Cache::Lru(c) => c.clear(),
            Cache::WTinyLfu(c) => c.reset(),
        }
    }

    /// How many entries are stored.
    pub fn len(&self) -> usize {
        match self {
            Cache::Lru(c) => c.len(),
            Cache::WTinyLfu(c) => c.len(),
        }
    }

    /// Whether no entry is stored.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The counts so far.
    pub fn stats(&self) -> &Stats {
        match self {
            Cache::Lru(c) => c.stats(),
            Cache::WTinyLfu(c) => c.stats(),
        }
    }
}

/// Asks the processor to bring the cache line holding `value` into its
/// caches: a hint with no effect on any result (a no-op off x86-64).
#[inline(always)]
pub(crate) fn prefetch<T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
        // SAFETY: a prefetch never faults and reads nothing the program
        // sees; SSE is part of the x86-64 baseline.
        #[allow(unused_unsafe)]
        unsafe {
            _mm_prefetch::<_MM_HINT_T0>((value as *const T).cast::<i8>())
        };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
