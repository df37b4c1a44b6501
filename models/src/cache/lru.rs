//! Least-recently-used eviction: one list, a hit moves the entry to the head,
//! a full cache evicts the tail.

use super::slab::Slab;
use super::Stats;
use sim::time::SimTime;

const MAIN: u8 = 0;

/// An LRU cache of at most `capacity` keys.
#[derive(Debug)]
pub struct Lru {
    slab: Slab,
    capacity: usize,
    stats: Stats,
}

impl Lru {
    /// An empty cache of at most `capacity` entries (0: stores nothing).
    pub fn new(capacity: usize) -> Self {
        Lru {
            slab: Slab::new(capacity),
            capacity,
            stats: Stats::default(),
        }
    }

    /// Reads `key` at `now`: a hit if stored and not expired. An expired
    /// entry is removed here (expiry is checked lazily, on read).
    #[inline]
    pub fn get(&mut self, key: u64, now: SimTime) -> bool {
        let Some(i) = self.slab.read(key, now, &mut self.stats) else {
            return false;
        };
        self.slab.move_to_head(i, MAIN);
        true
    }

    /// Stores `key` until `expires_at`, evicting the least recently used
    /// entry if full. Storing a key already present renews it.
    pub fn insert(&mut self, key: u64, expires_at: SimTime) {
        if let Some(i) = self.slab.find(key) {
            self.slab.set_expiry(i, expires_at);
            self.slab.move_to_head(i, MAIN);
            return;
        }
        if self.capacity == 0 {
            return;
        }
        if self.slab.len() >= self.capacity {
            let tail = self.slab.tail(MAIN).expect("a full cache has a tail");
            self.slab.remove(tail);
            self.stats.evictions += 1;
        }
        self.slab.insert(key, expires_at, MAIN);
        self.stats.inserts += 1;
        self.slab.prefetch_tail(MAIN);
    }

    /// Fetches the index bucket of `key` early (see [`super::Cache::prefetch`]).
    #[inline]
    pub fn prefetch(&self, key: u64) {
        self.slab.prefetch(key);
    }

    /// Fetches early what the next eviction will touch (see
    /// [`super::Cache::prefetch_eviction`]).
    #[inline]
    pub fn prefetch_eviction(&self) {
        self.slab.prefetch_tail_removal(MAIN);
    }

    /// Empties the cache (a restart); the statistics are kept.
    pub fn clear(&mut self) {
        self.slab.clear();
    }

    slab_methods!();
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEVER: SimTime = SimTime::MAX;

    #[test]
    fn evicts_the_least_recently_used() {
        let mut c = Lru::new(2);
        let t = SimTime::ZERO;
        assert!(!c.get(1, t));
        c.insert(1, NEVER);
        c.insert(2, NEVER);
        assert!(c.get(1, t)); // 2 is now the least recently used
        c.insert(3, NEVER);
        assert!(!c.get(2, t));
        assert!(c.get(1, t) && c.get(3, t));
        assert_eq!(c.len(), 2);
        let s = c.stats();
        assert_eq!((s.hits, s.misses, s.evictions, s.inserts), (3, 2, 1, 3));
    }

    #[test]
    fn expiry_is_checked_on_read() {
        let mut c = Lru::new(10);
        c.insert(1, SimTime::from_secs(1));
        assert!(c.get(1, SimTime::from_millis(999)));
        assert!(!c.get(1, SimTime::from_secs(1)));
        assert_eq!(c.stats().expirations, 1);
        assert!(c.is_empty());
        // A renewed entry lives to its new expiry.
        c.insert(2, SimTime::from_secs(1));
        c.insert(2, SimTime::from_secs(3));
        assert!(c.get(2, SimTime::from_secs(2)));
    }

    #[test]
    fn zero_capacity_stores_nothing() {
        let mut c = Lru::new(0);
        c.insert(1, NEVER);
        assert!(!c.get(1, SimTime::ZERO));
        assert!(c.is_empty());
    }
}
