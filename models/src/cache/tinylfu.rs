//! Window TinyLFU (W-TinyLFU), the eviction policy of Caffeine (Java) and the
//! basis of moka's (Rust): recency for new keys, frequency for admission.
//!
//! Entries live in three LRU lists of one [`Slab`]:
//! - the **window**, 1% of the capacity (at least one entry): every new key
//!   enters here, so a burst of new keys competes among itself;
//! - **probation** and **protected**, the main space (99%) as a segmented
//!   LRU: protected holds at most 80% of the main space; a hit in probation
//!   promotes the entry to protected, whose overflow is demoted back to the
//!   head of probation; a hit in the window or protected moves the entry to
//!   its list's head.
//!
//! When the window overflows, its least recently used entry (the candidate)
//! moves to probation. If the cache is then over capacity, the candidate
//! duels the victim, probation's least recently used entry (protected's if
//! probation holds only the candidate): the [`FrequencySketch`] estimates
//! both keys' recent reads, and the candidate is admitted (the victim
//! evicted) only if its estimate is strictly greater; otherwise the
//! candidate is evicted. Every read, hit or miss, is recorded in the sketch,
//! so a key that misses often earns its admission.
//!
//! Left out of Caffeine's version, on purpose: the hill climber that resizes
//! the window (the window stays at 1%, Caffeine's starting point, which suits
//! the stationary popularity laws capsim draws from), and the random
//! admission of warm candidates that guards against hash flooding (keys here
//! are drawn, not chosen by an attacker).

use super::sketch::FrequencySketch;
use super::slab::Slab;
use super::Stats;
use sim::time::SimTime;

const WINDOW: u8 = 0;
const PROBATION: u8 = 1;
const PROTECTED: u8 = 2;

/// A W-TinyLFU cache of at most `capacity` keys.
#[derive(Debug)]
pub struct WTinyLfu {
    slab: Slab,
    sketch: FrequencySketch,
    capacity: usize,
    window_max: usize,
    protected_max: usize,
    stats: Stats,
}

impl WTinyLfu {
    /// An empty cache of at most `capacity` entries (0: stores nothing), with
    /// or without a doorkeeper in front of the frequency sketch.
    pub fn new(capacity: usize, doorkeeper: bool) -> Self {
        // Caffeine's split: main = floor(99%), the window the rest (so at
        // least one entry), protected = floor(80%) of main.
        let main = capacity * 99 / 100;
        Self::with_split(capacity, capacity - main, main * 80 / 100, doorkeeper)
    }

    /// An empty cache with a window of `window` entries and a protected
    /// segment of at most `protected` entries. `with_split(c, 0, 0, false)`
    /// is plain TinyLFU (an LRU with admission by frequency, as moka does).
    pub fn with_split(capacity: usize, window: usize, protected: usize, doorkeeper: bool) -> Self {
        assert!(
            window + protected <= capacity,
            "window + protected <= capacity"
        );
        WTinyLfu {
            slab: Slab::new(capacity),
            sketch: FrequencySketch::new(capacity, doorkeeper),
            capacity,
            window_max: window,
            protected_max: protected,
            stats: Stats::default(),
        }
    }

    /// Reads `key` at `now`: a hit if stored and not expired. An expired
    /// entry is removed here (expiry is checked lazily, on read). The read is
    /// recorded in the frequency sketch either way.
    #[inline]
    pub fn get(&mut self, key: u64, now: SimTime) -> bool {
        self.sketch.increment(key);
        let Some(i) = self.slab.read(key, now, &mut self.stats) else {
            return false;
        };
        self.on_hit(i);
        true
    }

    fn on_hit(&mut self, i: u32) {
        match self.slab.list(i) {
            PROBATION => {
                self.slab.move_to_head(i, PROTECTED);
                if self.slab.list_len(PROTECTED) > self.protected_max {
                    let demoted = self.slab.tail(PROTECTED).expect("protected is not empty");
                    self.slab.move_to_head(demoted, PROBATION);
                }
            }
            list => self.slab.move_to_head(i, list),
        }
    }

    /// Stores `key` until `expires_at` (in the window), then restores the
    /// window's and the cache's bounds. Storing a key already present renews
    /// it as a hit would.
    pub fn insert(&mut self, key: u64, expires_at: SimTime) {
        if let Some(i) = self.slab.find(key) {
            self.slab.set_expiry(i, expires_at);
            self.on_hit(i);
            return;
        }
        if self.capacity == 0 {
            return;
        }
        self.slab.insert(key, expires_at, WINDOW);
        self.stats.inserts += 1;
        let mut candidate = None;
        if self.slab.list_len(WINDOW) > self.window_max {
            let c = self.slab.tail(WINDOW).expect("window is not empty");
            self.slab.move_to_head(c, PROBATION);
            candidate = Some(c);
        }
        if self.slab.len() > self.capacity {
            self.evict(candidate);
            self.stats.evictions += 1;
        }
        self.slab.prefetch_tail(WINDOW);
        self.slab.prefetch_tail(PROBATION);
    }

    /// Evicts one entry: the loser of the candidate's duel with the victim.
    fn evict(&mut self, candidate: Option<u32>) {
        let victim = match self.slab.tail(PROBATION) {
            Some(v) if Some(v) != candidate => Some(v),
            _ => self.slab.tail(PROTECTED),
        };
        let loser = match (candidate, victim) {
            (Some(c), Some(v)) => {
                let fc = self.sketch.frequency(self.slab.key(c));
                let fv = self.sketch.frequency(self.slab.key(v));
                if fc > fv {
                    v
                } else {
                    c
                }
            }
            (Some(c), None) => c,
            // No candidate: the window was not full, yet the cache is (only
            // after entries left the window early); evict from main.
            (None, Some(v)) => v,
            (None, None) => self.slab.tail(WINDOW).expect("a full cache has entries"),
        };
        self.slab.remove(loser);
    }

    /// Fetches the index bucket and the sketch block of `key` early (see
    /// [`super::Cache::prefetch`]).
    #[inline]
    pub fn prefetch(&self, key: u64) {
        self.slab.prefetch(key);
        self.sketch.prefetch(key);
    }

    /// Fetches early what the next insert's duel will touch (see
    /// [`super::Cache::prefetch_eviction`]): for the candidate (the window's
    /// tail) and the victim (probation's), their sketch blocks, index
    /// buckets and neighbours, since either may be removed.
    #[inline]
    pub fn prefetch_eviction(&self) {
        for list in [WINDOW, PROBATION] {
            if let Some(key) = self.slab.prefetch_tail_removal(list) {
                self.sketch.prefetch(key);
            }
        }
    }

    /// Empties the cache (a restart); the statistics are kept and so is the
    /// sketch's history (a restarted process would lose it too, but the
    /// caller decides: see [`WTinyLfu::reset`]).
    pub fn clear(&mut self) {
        self.slab.clear();
    }

    /// Empties the cache and forgets the frequency history, as a new process
    /// does; the statistics are kept.
    pub fn reset(&mut self) {
        self.slab.clear();
        self.sketch = FrequencySketch::new(self.capacity, self.sketch_has_doorkeeper());
    }

    fn sketch_has_doorkeeper(&self) -> bool {
        self.sketch.has_doorkeeper()
    }

    slab_methods!();

    /// The lengths of the window, probation and protected lists (for tests).
    #[cfg(test)]
    fn lens(&self) -> [usize; 3] {
        [
            self.slab.list_len(WINDOW),
            self.slab.list_len(PROBATION),
            self.slab.list_len(PROTECTED),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NEVER: SimTime = SimTime::MAX;
    const T: SimTime = SimTime::ZERO;

    #[test]
    fn sizes_follow_caffeines_split() {
        let c = WTinyLfu::new(1_000, false);
        assert_eq!((c.window_max, c.protected_max), (10, 792));
        let c = WTinyLfu::new(1, false);
        assert_eq!((c.window_max, c.protected_max), (1, 0));
    }

    #[test]
    fn a_frequent_key_survives_a_scan() {
        let mut c = WTinyLfu::new(100, false);
        // Key 1 is read often and cached.
        for _ in 0..10 {
            if !c.get(1, T) {
                c.insert(1, NEVER);
            }
        }
        // A scan of 1,000 keys read once each: an LRU would flush key 1.
        for k in 1_000..2_000 {
            if !c.get(k, T) {
                c.insert(k, NEVER);
            }
        }
        assert!(c.get(1, T));
        assert_eq!(c.len(), 100);
        let [w, p, q] = c.lens();
        assert_eq!(w + p + q, 100);
        assert!(w <= 1 && q <= 79, "{:?}", c.lens());
        assert_eq!(c.stats().evictions, c.stats().inserts - 100);
    }

    #[test]
    fn probation_hits_are_promoted_and_protected_overflow_demoted() {
        let mut c = WTinyLfu::new(10, false); // window 1, main 9, protected 7
        for k in 0..10 {
            c.insert(k, NEVER);
        }
        assert_eq!(c.lens(), [1, 9, 0]);
        for k in 0..9 {
            assert!(c.get(k, T));
        }
        assert_eq!(c.lens(), [1, 2, 7]);
    }

    #[test]
    fn capacity_one_and_zero() {
        let mut c = WTinyLfu::new(1, false);
        c.insert(1, NEVER);
        c.insert(2, NEVER);
        assert_eq!(c.len(), 1);
        let mut c = WTinyLfu::new(0, true);
        c.insert(1, NEVER);
        assert!(!c.get(1, T));
    }

    #[test]
    fn expiry_is_checked_on_read() {
        let mut c = WTinyLfu::new(10, false);
        c.insert(1, SimTime::from_secs(1));
        assert!(c.get(1, SimTime::from_millis(500)));
        assert!(!c.get(1, SimTime::from_secs(1)));
        assert_eq!((c.stats().expirations, c.len()), (1, 0));
    }
}
