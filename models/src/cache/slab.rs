//! The storage under every cache policy: entries in one growable array,
//! threaded onto intrusive doubly-linked lists by index, found by key through
//! a [`KeyIndex`] from key to index.
//!
//! An entry is 16 bytes (its key, its two links and its list) in a `Vec`
//! that grows to the cache's capacity and is then reused through a free list,
//! with its expiry in a parallel `Vec` that is read only once some entry can
//! expire, so a cache holding `C` entries costs `O(C)` memory (24 bytes each
//! in the slab) with no allocation per entry, and every list operation
//! (push at the head, unlink, move to the head, pop the tail) is O(1). Links
//! are `u32` indices with [`NIL`] for "none", so a cache holds at most
//! `u32::MAX - 1` entries.
//!
//! A slab keeps up to [`LISTS`] lists; each entry is on exactly one, named by
//! its `list` field. Policies give the lists their meaning (LRU uses one,
//! W-TinyLFU three). The head of a list is its most recently used end, the
//! tail its least recently used end.
//!
//! [`KeyHasher`] is the fixed multiplicative hash (no random seed) of the
//! maps that other parts of the keyed L1 keep by key.

use super::index::KeyIndex;
use super::Stats;
use sim::time::SimTime;
use std::hash::Hasher;

/// "No entry" in a link.
pub const NIL: u32 = u32::MAX;
/// How many lists a slab can hold.
pub const LISTS: usize = 3;

/// One cached key: 16 bytes, four to a cache line. Its expiry is kept
/// apart, in [`Slab`]'s `expiries`, so that a cache without a TTL never
/// reads it.
#[derive(Clone, Copy, Debug)]
struct Node {
    /// The key (below `u32::MAX`, as [`KeyIndex`] requires).
    key: u32,
    prev: u32,
    next: u32,
    /// The list the entry is on.
    list: u8,
}

/// A list's ends and length.
#[derive(Clone, Copy, Debug)]
struct List {
    head: u32,
    tail: u32,
    len: u32,
}

impl List {
    const EMPTY: List = List {
        head: NIL,
        tail: NIL,
        len: 0,
    };
}

/// A fast, fixed hash for integer keys (Fibonacci hashing: one
/// multiplication by 2^64 / golden ratio, then the high bits folded down).
#[derive(Default, Clone, Copy)]
pub struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(b as u64);
        }
    }
    fn write_u64(&mut self, x: u64) {
        let h = (self.0 ^ x).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        self.0 = h ^ (h >> 32);
    }
}

/// Entries, lists and the key index.
#[derive(Debug)]
pub struct Slab {
    nodes: Vec<Node>,
    /// Each entry's expiry (`SimTime::MAX`: never), by index.
    expiries: Vec<SimTime>,
    /// Whether any entry was stored with an expiry: until then no read
    /// needs to look at `expiries`.
    expiring: bool,
    free: Vec<u32>,
    index: KeyIndex,
    lists: [List; LISTS],
}

impl Slab {
    /// An empty slab; `expected` entries are reserved up front (a hint, capped
    /// so a huge capacity does not reserve memory it may never use).
    pub fn new(expected: usize) -> Self {
        let reserve = expected.min(1 << 16);
        Slab {
            nodes: Vec::with_capacity(reserve),
            expiries: Vec::with_capacity(reserve),
            expiring: false,
            free: Vec::new(),
            index: KeyIndex::new(reserve),
            lists: [List::EMPTY; LISTS],
        }
    }

    /// How many entries are stored.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// Whether no entry is stored.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The length of list `list`.
    pub fn list_len(&self, list: u8) -> usize {
        self.lists[list as usize].len as usize
    }

    /// The entry of `key`, if stored.
    #[inline]
    pub fn find(&self, key: u64) -> Option<u32> {
        self.index.get(key)
    }

    /// Fetches the index bucket of `key` early.
    #[inline]
    pub fn prefetch(&self, key: u64) {
        self.index.prefetch(key);
    }

    /// Fetches the entry at the tail of `list` early (see
    /// [`super::Cache::prefetch_eviction`]).
    #[inline]
    pub fn prefetch_tail(&self, list: u8) {
        if let Some(t) = self.tail(list) {
            super::prefetch(&self.nodes[t as usize]);
        }
    }

    /// Fetches early what removing the tail of `list` will touch: its
    /// index bucket and its neighbour; returns its key.
    #[inline]
    pub fn prefetch_tail_removal(&self, list: u8) -> Option<u64> {
        let t = self.tail(list)?;
        let node = &self.nodes[t as usize];
        if node.prev != NIL {
            super::prefetch(&self.nodes[node.prev as usize]);
        }
        self.index.prefetch(node.key as u64);
        Some(node.key as u64)
    }

    /// The key of the entry at `i`.
    #[inline]
    pub fn key(&self, i: u32) -> u64 {
        self.nodes[i as usize].key as u64
    }

    /// The list of the entry at `i`.
    #[inline]
    pub fn list(&self, i: u32) -> u8 {
        self.nodes[i as usize].list
    }

    /// Whether the entry at `i` has expired at `now`.
    #[inline]
    pub fn expired(&self, i: u32, now: SimTime) -> bool {
        self.expiring && now >= self.expiries[i as usize]
    }

    /// Looks `key` up for a read at `now` and counts the read in `stats`:
    /// the index of its live entry (a hit), or `None` (a miss). An expired
    /// entry is removed here: expiry is checked lazily, on read.
    #[inline]
    pub fn read(&mut self, key: u64, now: SimTime, stats: &mut Stats) -> Option<u32> {
        let Some(i) = self.find(key) else {
            stats.misses += 1;
            return None;
        };
        if self.expired(i, now) {
            self.remove(i);
            stats.expirations += 1;
            stats.misses += 1;
            return None;
        }
        stats.hits += 1;
        Some(i)
    }

    /// Renews the entry at `i` until `expires_at`.
    #[inline]
    pub fn set_expiry(&mut self, i: u32, expires_at: SimTime) {
        self.expiring |= expires_at != SimTime::MAX;
        self.expiries[i as usize] = expires_at;
    }

    /// The least recently used entry of `list`.
    #[inline]
    pub fn tail(&self, list: u8) -> Option<u32> {
        let t = self.lists[list as usize].tail;
        (t != NIL).then_some(t)
    }

    /// Stores `key` (which must not be stored yet, and is below
    /// `u32::MAX`) at the head of `list`.
    pub fn insert(&mut self, key: u64, expires_at: SimTime, list: u8) -> u32 {
        let node = Node {
            key: u32::try_from(key).expect("cache keys are below u32::MAX"),
            prev: NIL,
            next: NIL,
            list,
        };
        let i = match self.free.pop() {
            Some(i) => {
                self.nodes[i as usize] = node;
                i
            }
            None => {
                let i = u32::try_from(self.nodes.len()).expect("cache holds < 2^32 - 1 entries");
                assert!(i != NIL, "cache holds < 2^32 - 1 entries");
                self.nodes.push(node);
                self.expiries.push(SimTime::MAX);
                i
            }
        };
        self.set_expiry(i, expires_at);
        self.index.insert(key, i);
        self.link_head(i, list);
        i
    }

    /// Removes `key`'s entry if it has one (an invalidation); true if it
    /// had.
    pub fn remove_key(&mut self, key: u64) -> bool {
        match self.find(key) {
            Some(i) => {
                self.remove(i);
                true
            }
            None => false,
        }
    }

    /// Removes the entry at `i` from its list and the index.
    pub fn remove(&mut self, i: u32) -> u64 {
        self.unlink(i);
        let key = self.nodes[i as usize].key as u64;
        self.index.remove(key);
        self.free.push(i);
        key
    }

    /// Moves the entry at `i` to the head of `list` (its own or another).
    #[inline]
    pub fn move_to_head(&mut self, i: u32, list: u8) {
        self.unlink(i);
        self.link_head(i, list);
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.expiries.clear();
        self.free.clear();
        self.index.clear();
        self.lists = [List::EMPTY; LISTS];
    }

    fn link_head(&mut self, i: u32, list: u8) {
        let l = &mut self.lists[list as usize];
        let old = l.head;
        l.head = i;
        if old == NIL {
            l.tail = i;
        }
        l.len += 1;
        let n = &mut self.nodes[i as usize];
        n.prev = NIL;
        n.next = old;
        n.list = list;
        if old != NIL {
            self.nodes[old as usize].prev = i;
        }
    }

    fn unlink(&mut self, i: u32) {
        let Node {
            prev, next, list, ..
        } = self.nodes[i as usize];
        let l = &mut self.lists[list as usize];
        if prev == NIL {
            l.head = next;
        } else {
            self.nodes[prev as usize].next = next;
        }
        if next == NIL {
            l.tail = prev;
        } else {
            self.nodes[next as usize].prev = prev;
        }
        l.len -= 1;
    }

    /// The keys of `list` from head to tail (for tests).
    #[cfg(test)]
    pub fn keys(&self, list: u8) -> Vec<u64> {
        let mut out = Vec::new();
        let mut i = self.lists[list as usize].head;
        while i != NIL {
            out.push(self.nodes[i as usize].key as u64);
            i = self.nodes[i as usize].next;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_keep_their_order_and_lengths() {
        let mut s = Slab::new(4);
        let a = s.insert(1, SimTime::MAX, 0);
        s.insert(2, SimTime::MAX, 0);
        let c = s.insert(3, SimTime::MAX, 1);
        assert_eq!(s.keys(0), vec![2, 1]);
        s.move_to_head(a, 0);
        assert_eq!(s.keys(0), vec![1, 2]);
        s.move_to_head(c, 0);
        assert_eq!((s.keys(0), s.keys(1)), (vec![3, 1, 2], vec![]));
        assert_eq!(s.tail(0).map(|i| s.key(i)), Some(2));
        assert_eq!(s.remove(a), 1);
        assert_eq!((s.keys(0), s.len(), s.list_len(0)), (vec![3, 2], 2, 2));
        assert_eq!(s.find(1), None);
        // The freed slot is reused.
        assert_eq!(s.insert(9, SimTime::MAX, 1), a);
        assert_eq!(s.keys(1), vec![9]);
    }
}
