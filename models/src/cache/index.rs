//! The key index of a cache: from a key to its entry's slot in the slab.
//!
//! An open-addressing hash table with linear probing, written for the one
//! job it has: keys below `u32::MAX` (capsim's keys are at most four billion)
//! mapping to `u32` slots. Each bucket is one `u64`, the key plus one in the
//! high half (0: empty) and the slot in the low half, so eight buckets share
//! a cache line and a lookup, hit or miss, almost always reads one line. The
//! table is kept at most three quarters full, so a probe sequence is short
//! (and mostly inside one cache line); deletion
//! shifts the following buckets back (no tombstones), so a table that has
//! seen any number of inserts and removals probes as a fresh one would.
//!
//! It replaced a `HashMap<u64, u32>` with a fast hasher: hashbrown keeps its
//! control bytes apart from its buckets, so a lookup read two cache lines,
//! and with ten pods' caches beyond the processor's second-level cache each
//! of them is a memory stall. Lookups return the same slots either way, so
//! the simulation's output did not change.

/// An empty bucket.
const EMPTY: u64 = 0;

/// A map from keys (below `u32::MAX`) to slots.
#[derive(Debug, Clone)]
pub struct KeyIndex {
    buckets: Vec<u64>,
    /// `buckets.len() - 1` (a power of two less one).
    mask: usize,
    /// How far to shift a 64-bit hash to leave the bucket's index.
    shift: u32,
    len: usize,
}

impl KeyIndex {
    /// An empty index sized for `expected` keys (it grows beyond them).
    pub fn new(expected: usize) -> Self {
        Self::with_buckets((expected.max(3) * 4 / 3 + 1).next_power_of_two())
    }

    /// An empty index of `buckets` buckets (a power of two).
    fn with_buckets(buckets: usize) -> Self {
        KeyIndex {
            buckets: vec![EMPTY; buckets],
            mask: buckets - 1,
            shift: 64 - buckets.trailing_zeros(),
            len: 0,
        }
    }

    /// How many keys are stored.
    #[inline]
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no key is stored.
    #[inline]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The slot of `key`, if stored.
    #[inline]
    pub fn get(&self, key: u64) -> Option<u32> {
        let tag = tag(key)?;
        let mut i = self.home(tag);
        loop {
            let b = self.buckets[i];
            if b >> 32 == tag {
                return Some(b as u32);
            }
            if b == EMPTY {
                return None;
            }
            i = (i + 1) & self.mask;
        }
    }

    /// Fetches the home bucket of `key` into the processor's cache.
    #[inline]
    pub fn prefetch(&self, key: u64) {
        if let Some(tag) = tag(key) {
            super::prefetch(&self.buckets[self.home(tag)]);
        }
    }

    /// Stores `key` at `slot`; `key` must not be stored yet and must be
    /// below `u32::MAX`.
    pub fn insert(&mut self, key: u64, slot: u32) {
        let tag = tag(key).expect("cache keys are below u32::MAX");
        if (self.len + 1) * 4 > self.buckets.len() * 3 {
            self.grow();
        }
        let mut i = self.home(tag);
        while self.buckets[i] != EMPTY {
            debug_assert!(self.buckets[i] >> 32 != tag, "key {key} inserted twice");
            i = (i + 1) & self.mask;
        }
        self.buckets[i] = (tag << 32) | slot as u64;
        self.len += 1;
    }

    /// Removes `key`; returns its slot if it was stored.
    pub fn remove(&mut self, key: u64) -> Option<u32> {
        let tag = tag(key)?;
        let mut hole = self.home(tag);
        loop {
            let b = self.buckets[hole];
            if b == EMPTY {
                return None;
            }
            if b >> 32 == tag {
                break;
            }
            hole = (hole + 1) & self.mask;
        }
        let slot = self.buckets[hole] as u32;
        // Backward shift: move each following bucket whose home is not
        // between the hole and itself (cyclically) into the hole.
        let mut j = hole;
        loop {
            j = (j + 1) & self.mask;
            let b = self.buckets[j];
            if b == EMPTY {
                break;
            }
            let home = self.home(b >> 32);
            let stays = if hole <= j {
                hole < home && home <= j
            } else {
                hole < home || home <= j
            };
            if !stays {
                self.buckets[hole] = b;
                hole = j;
            }
        }
        self.buckets[hole] = EMPTY;
        self.len -= 1;
        Some(slot)
    }

    /// Removes every key, keeping the table's size.
    pub fn clear(&mut self) {
        self.buckets.iter_mut().for_each(|b| *b = EMPTY);
        self.len = 0;
    }

    /// Doubles the table.
    fn grow(&mut self) {
        let old = std::mem::replace(self, KeyIndex::with_buckets(self.buckets.len() * 2));
        for b in old.buckets.into_iter().filter(|&b| b != EMPTY) {
            let mut i = self.home(b >> 32);
            while self.buckets[i] != EMPTY {
                i = (i + 1) & self.mask;
            }
            self.buckets[i] = b;
        }
        self.len = old.len;
    }

    /// The bucket a tag hashes to (Fibonacci hashing: the high bits of the
    /// product with 2^64 / the golden ratio).
    #[inline]
    fn home(&self, tag: u64) -> usize {
        (tag.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> self.shift) as usize
    }
}

/// The key as stored: itself plus one, so that 0 marks an empty bucket.
#[inline]
fn tag(key: u64) -> Option<u64> {
    (key < u32::MAX as u64).then(|| key + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A long random sequence of inserts, removes and lookups agrees with
    /// the standard library's map at every step, through growth and the
    /// backward shifts of many deletions in long probe runs.
    #[test]
    fn agrees_with_a_hash_map() {
        let mut index = KeyIndex::new(8);
        let mut reference = HashMap::new();
        let mut x: u64 = 0x1234_5678;
        for step in 0..200_000u32 {
            // xorshift: a fixed sequence of operations.
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            // Few distinct keys, so removes and re-inserts collide often.
            let key = x % 3_000;
            match (x >> 40) % 3 {
                0 => {
                    if let std::collections::hash_map::Entry::Vacant(e) = reference.entry(key) {
                        e.insert(step);
                        index.insert(key, step);
                    }
                }
                1 => assert_eq!(index.remove(key), reference.remove(&key)),
                _ => assert_eq!(index.get(key), reference.get(&key).copied()),
            }
            assert_eq!(index.len(), reference.len());
        }
        for (&k, &v) in &reference {
            assert_eq!(index.get(k), Some(v));
        }
        index.clear();
        assert!(index.is_empty() && index.get(1).is_none());
    }

    #[test]
    fn keys_at_the_ends_of_the_range() {
        let mut index = KeyIndex::new(2);
        index.insert(0, 7);
        index.insert(u32::MAX as u64 - 1, 9);
        assert_eq!(index.get(0), Some(7));
        assert_eq!(index.get(u32::MAX as u64 - 1), Some(9));
        assert_eq!(index.get(u32::MAX as u64), None);
        assert_eq!(index.remove(u64::MAX), None);
    }
}
