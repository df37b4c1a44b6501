//! How often each key was read recently, approximately: a count-min sketch of
//! 4-bit counters with periodic halving (TinyLFU's frequency filter), and an
//! optional doorkeeper.
//!
//! - **Counters.** The table has a power-of-two number of 64-bit words, at
//!   least the cache's capacity, each holding sixteen 4-bit counters (so
//!   about 8 bytes per cached entry). A key owns four counters, one in each
//!   of four rows; its estimate is the minimum of the four (count-min), which
//!   over-counts only when all four collide. The layout is Caffeine's: the
//!   table is cut into 64-byte blocks of eight words, one hash picks a key's
//!   block, and a second picks its counter in each row, row `i` being words
//!   `2i` and `2i + 1` of the block. A read then touches one cache line, not
//!   four (with ten pods' sketches beyond the processor's second-level cache,
//!   each line is a memory stall), at the price of collisions confined to a
//!   block, which Caffeine measured to cost nothing noticeable in hit ratio.
//!   Counters saturate at 15: admission only compares frequencies, and beyond
//!   15 recent reads a key is popular enough whatever the exact count.
//! - **Aging.** After `10 x capacity` increments every counter is halved (a
//!   shift and a mask per word), so the sketch follows popularity that moves,
//!   and the count of increments is halved too (less the odd counters' lost
//!   halves, as Caffeine does), keeping the reset period steady.
//! - **Doorkeeper** (optional, from the TinyLFU paper): a Bloom filter in
//!   front of the counters. A key's first read in a period only sets its bits;
//!   later reads reach the counters. One-hit wonders, the bulk of a long-tail
//!   workload, then never touch the counters. The filter is cleared at each
//!   halving. Caffeine does without one; moka too.

/// The frequency sketch of one cache.
#[derive(Debug)]
pub struct FrequencySketch {
    /// The counters, in blocks of one cache line each.
    table: Vec<Block>,
    /// The number of blocks less one (a power of two less one).
    mask: u64,
    /// Increments since the last halving.
    additions: u64,
    /// Increments between halvings.
    sample_size: u64,
    doorkeeper: Option<Vec<u64>>,
}

/// Eight words of counters, aligned to a 64-byte cache line.
#[derive(Clone, Copy, Debug)]
#[repr(C, align(64))]
struct Block([u64; 8]);

/// The seed of the hash that picks a key's counters within its block.
const SEED: u64 = 0x97cb_3127_0f9e_55d1;

/// A counter's largest value.
const MAX_COUNT: u64 = 15;

impl FrequencySketch {
    /// A sketch sized for a cache of `capacity` entries.
    pub fn new(capacity: usize, doorkeeper: bool) -> Self {
        let words = capacity.max(16).next_power_of_two();
        FrequencySketch {
            table: vec![Block([0; 8]); words / 8],
            mask: (words / 8) as u64 - 1,
            additions: 0,
            sample_size: 10 * capacity.max(1) as u64,
            doorkeeper: doorkeeper.then(|| vec![0; words]),
        }
    }

    /// Whether a doorkeeper filters first reads.
    pub fn has_doorkeeper(&self) -> bool {
        self.doorkeeper.is_some()
    }

    /// The estimated number of recent reads of `key` (0 to 16 with a
    /// doorkeeper, else 0 to 15).
    #[inline]
    pub fn frequency(&self, key: u64) -> u32 {
        let h = spread(key);
        let counters = (0..4).map(|row| self.counter(h, row)).min().unwrap_or(0) as u32;
        match &self.doorkeeper {
            Some(bits) => counters + door_contains(bits, h) as u32,
            None => counters,
        }
    }

    /// Fetches the block of `key`'s counters into the processor's cache.
    #[inline]
    pub fn prefetch(&self, key: u64) {
        super::prefetch(&self.table[(spread(key) & self.mask) as usize]);
    }

    /// Records a read of `key`.
    #[inline]
    pub fn increment(&mut self, key: u64) {
        let h = spread(key);
        if let Some(bits) = &mut self.doorkeeper {
            if !door_contains(bits, h) {
                door_insert(bits, h);
                return self.count_addition();
            }
        }
        let mut added = false;
        for row in 0..4 {
            let (block, word, shift) = self.slot(h, row);
            let w = &mut self.table[block].0[word];
            if (*w >> shift) & MAX_COUNT < MAX_COUNT {
                *w += 1 << shift;
                added = true;
            }
        }
        if added {
            self.count_addition();
        }
    }

    fn count_addition(&mut self) {
        self.additions += 1;
        if self.additions >= self.sample_size {
            self.halve();
        }
    }

    /// Halves every counter and clears the doorkeeper.
    fn halve(&mut self) {
        let mut odd = 0u64;
        for w in self.table.iter_mut().flat_map(|b| b.0.iter_mut()) {
            odd += (*w & 0x1111_1111_1111_1111).count_ones() as u64;
            *w = (*w >> 1) & 0x7777_7777_7777_7777;
        }
        self.additions = (self.additions - odd / 4) / 2;
        if let Some(bits) = &mut self.doorkeeper {
            bits.iter_mut().for_each(|w| *w = 0);
        }
    }

    #[inline]
    fn counter(&self, h: u64, row: usize) -> u64 {
        let (block, word, shift) = self.slot(h, row);
        (self.table[block].0[word] >> shift) & MAX_COUNT
    }

    /// The block, word and bit offset of the counter of hash `h` in `row`:
    /// the block from `h`'s low bits, the word and counter within the row
    /// from byte `row` of a second hash.
    #[inline]
    fn slot(&self, h: u64, row: usize) -> (usize, usize, u32) {
        let byte = (mix(h ^ SEED) >> (row * 8)) as u32;
        (
            (h & self.mask) as usize,
            2 * row + (byte & 1) as usize,
            ((byte >> 1) & 15) << 2,
        )
    }
}

/// The key's base hash.
#[inline]
fn spread(key: u64) -> u64 {
    mix(key.wrapping_add(0x9e37_79b9_7f4a_7c15))
}

/// The splitmix64 finalizer: a fixed bijective mix of 64 bits.
#[inline]
fn mix(x: u64) -> u64 {
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The doorkeeper's two bit positions for hash `h`.
#[inline]
fn door_bits(bits: &[u64], h: u64) -> [usize; 2] {
    let n = bits.len() as u64 * 64;
    [
        (h % n) as usize,
        ((h >> 32).wrapping_mul(0x9e37_79b9) % n) as usize,
    ]
}

fn door_contains(bits: &[u64], h: u64) -> bool {
    door_bits(bits, h)
        .iter()
        .all(|&b| bits[b / 64] & (1 << (b % 64)) != 0)
}

fn door_insert(bits: &mut [u64], h: u64) {
    for b in door_bits(bits, h) {
        bits[b / 64] |= 1 << (b % 64);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_saturate_and_halve() {
        let mut s = FrequencySketch::new(1_000, false);
        for _ in 0..5 {
            s.increment(7);
        }
        assert_eq!(s.frequency(7), 5);
        for _ in 0..20 {
            s.increment(7);
        }
        assert_eq!(s.frequency(7), 15);
        assert_eq!(s.frequency(8), 0);
        s.halve();
        assert_eq!(s.frequency(7), 7);
    }

    #[test]
    fn aging_happens_after_ten_times_capacity_additions() {
        let mut s = FrequencySketch::new(100, false);
        for _ in 0..10 {
            s.increment(1);
        }
        assert_eq!(s.frequency(1), 10);
        // 990 more additions on distinct keys reach the sample size of 1000.
        for k in 1_000..1_990 {
            s.increment(k);
        }
        assert_eq!(s.frequency(1), 5);
        assert!(s.additions < 1_000 / 2 + 1);
    }

    #[test]
    fn the_doorkeeper_absorbs_first_reads() {
        let mut s = FrequencySketch::new(1_000, true);
        s.increment(3);
        assert_eq!(s.frequency(3), 1);
        assert_eq!(s.counter(spread(3), 0), 0);
        s.increment(3);
        assert_eq!(s.frequency(3), 2);
        assert_eq!(s.frequency(4), 0);
    }
}
