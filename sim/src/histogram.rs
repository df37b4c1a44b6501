//! A log-linear histogram of non-negative integers with three significant
//! digits, bucket for bucket the layout of an HDR histogram
//! (`hdrhistogram::Histogram::new_with_bounds(1, max, 3)`).
//!
//! Values below 2048 have a bucket each. Above, every octave `[2^k, 2^(k+1))`
//! is split into 1024 equal buckets, so a bucket is never wider than 1/1024
//! of its values. Quantiles and the maximum are reported as the highest
//! value of their bucket, exactly as HdrHistogram reports them; a test checks
//! the two against each other on random data.
//!
//! Why not the `hdrhistogram` crate itself: recording is the only operation on
//! the simulator's hot path (one or two per simulated request). Here it is a
//! store into a small buffer; every [`PENDING`] values the buffer is added to
//! the counts in one pass, whose cache misses (the counts span tens of
//! kilobytes) overlap instead of stalling the simulation one at a time.
//! Counts are 16-bit, with the rarer wraps kept aside, for the same reason:
//! the buckets a run's latencies fill (several octaves of 1,024) then take
//! half the cache.

/// Buckets per octave above the exact range (HDR's half sub-bucket count for
/// three significant digits).
const SUB_BUCKETS: u64 = 1024;
/// log2 of [`SUB_BUCKETS`].
const SUB_BITS: u32 = 10;
/// Values below this have a bucket of their own.
const EXACT: u64 = 2 * SUB_BUCKETS;

/// Values buffered before they are counted.
pub const PENDING: usize = 256;

/// A histogram of values in `0..=max`.
#[derive(Clone, Debug)]
pub struct Histogram {
    /// Counts modulo 2^16: a quarter of the memory of `u64` counts, so more
    /// of the buckets in use stay in cache while recording.
    counts: Vec<u16>,
    /// Multiples of 2^16 to add to `counts`, kept only once a count wraps
    /// (a bucket holds fewer than 2^48 values).
    wraps: Vec<u32>,
    total: u64,
    max_value: u64,
    limit: u64,
    /// Values recorded but not yet counted: `pending[..buffered]`.
    pending: Box<[u64; PENDING]>,
    buffered: usize,
}

/// The bucket shift of `v`: 0 below [`EXACT`], else the octave above it.
#[inline(always)]
fn shift_of(v: u64) -> u32 {
    63 - (v | (EXACT - 1)).leading_zeros() - SUB_BITS
}

/// The bucket index of `v`.
#[inline(always)]
fn index_of(v: u64) -> usize {
    let shift = shift_of(v);
    ((shift as u64) * SUB_BUCKETS + (v >> shift)) as usize
}

/// The lowest value of bucket `index`.
fn lowest_of(index: usize) -> u64 {
    let index = index as u64;
    if index < EXACT {
        index
    } else {
        let shift = (index >> SUB_BITS) - 1;
        (index - shift * SUB_BUCKETS) << shift
    }
}

/// The highest value in the bucket of `v`.
fn highest_equivalent(v: u64) -> u64 {
    let shift = shift_of(v);
    ((v >> shift) << shift).saturating_add((1u64 << shift) - 1)
}

/// Bucket `i` (of `buckets`) wrapped around `times` times: adds them to
/// `wraps`, which is empty until a first wrap.
#[cold]
fn wrapped(wraps: &mut Vec<u32>, buckets: usize, i: usize, times: u64) {
    if wraps.is_empty() {
        *wraps = vec![0; buckets];
    }
    wraps[i] = u32::try_from(times)
        .ok()
        .and_then(|t| wraps[i].checked_add(t))
        .expect("fewer than 2^48 values in a bucket");
}

impl Histogram {
    /// An empty histogram for values up to `max` (larger ones are clamped).
    pub fn new(max: u64) -> Self {
        Histogram {
            counts: vec![0; index_of(max) + 1],
            wraps: Vec::new(),
            total: 0,
            max_value: 0,
            limit: max,
            pending: Box::new([0; PENDING]),
            buffered: 0,
        }
    }

    /// Records `v` (clamped to the histogram's maximum).
    #[inline(always)]
    pub fn record(&mut self, v: u64) {
        self.pending[self.buffered] = v;
        self.buffered += 1;
        if self.buffered == PENDING {
            self.flush();
        }
    }

    /// Counts the buffered values. Reading a histogram counts them too (on
    /// a copy), so calling this only saves that copy.
    pub fn flush(&mut self) {
        // The total, the maximum, the buffers and the limit are kept in
        // registers over the pass: with the fields borrowed apart, the
        // compiler knows the counts' stores leave them alone.
        let n = std::mem::take(&mut self.buffered);
        let Histogram {
            counts,
            wraps,
            limit,
            pending,
            ..
        } = self;
        let (counts, limit) = (counts.as_mut_slice(), *limit);
        let mut max = self.max_value;
        for &v in &pending[..n] {
            let v = v.min(limit);
            max = max.max(v);
            let i = index_of(v);
            let c = &mut counts[i];
            *c = c.wrapping_add(1);
            if *c == 0 {
                wrapped(wraps, counts.len(), i, 1);
            }
        }
        self.total += n as u64;
        self.max_value = max;
    }

    /// This histogram with every buffered value counted.
    fn flushed(&self) -> std::borrow::Cow<'_, Histogram> {
        if self.buffered == 0 {
            std::borrow::Cow::Borrowed(self)
        } else {
            let mut h = self.clone();
            h.flush();
            std::borrow::Cow::Owned(h)
        }
    }

    /// The count of bucket `i`.
    fn count(&self, i: usize) -> u64 {
        let high = self.wraps.get(i).copied().unwrap_or(0) as u64;
        (high << 16) | self.counts[i] as u64
    }

    /// Adds `n` to bucket `i`.
    fn add_count(&mut self, i: usize, n: u64) {
        let sum = self.counts[i] as u64 + (n & 0xffff);
        self.counts[i] = sum as u16;
        let carries = (n >> 16) + (sum >> 16);
        if carries > 0 {
            wrapped(&mut self.wraps, self.counts.len(), i, carries);
        }
    }

    /// Records `n` copies of `v`.
    pub fn record_n(&mut self, v: u64, n: u64) {
        if n == 0 {
            return;
        }
        let v = v.min(self.limit);
        self.add_count(index_of(v), n);
        self.total += n;
        self.max_value = self.max_value.max(v);
    }

    /// Adds every value of `other`, which must have the same maximum.
    pub fn add(&mut self, other: &Histogram) {
        assert_eq!(self.limit, other.limit, "histograms of different ranges");
        let other = other.flushed();
        if other.wraps.is_empty() {
            // The common case: 16-bit counts, added with a carry check,
            // skipping the (many) empty blocks.
            const BLOCK: usize = 32;
            for (b, block) in other.counts.chunks(BLOCK).enumerate() {
                if block.iter().all(|&c| c == 0) {
                    continue;
                }
                for (j, &n) in block.iter().enumerate() {
                    let i = b * BLOCK + j;
                    let (sum, carried) = self.counts[i].overflowing_add(n);
                    self.counts[i] = sum;
                    if carried {
                        wrapped(&mut self.wraps, self.counts.len(), i, 1);
                    }
                }
            }
        } else {
            for i in 0..self.counts.len() {
                let n = other.count(i);
                if n > 0 {
                    self.add_count(i, n);
                }
            }
        }
        self.total += other.total;
        self.max_value = self.max_value.max(other.max_value);
    }

    /// Number of values recorded.
    pub fn len(&self) -> u64 {
        self.total + self.buffered as u64
    }

    /// True if nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The highest value of the largest value's bucket (0 if empty).
    pub fn max(&self) -> u64 {
        let h = self.flushed();
        if h.total == 0 {
            0
        } else {
            highest_equivalent(h.max_value)
        }
    }

    /// The value at quantile `q` (clamped to `0..=1`): the highest value of
    /// the bucket holding the `ceil(q * n)`-th smallest value (at least the
    /// first), or the lowest value of the first bucket for `q = 0`; 0 if empty.
    pub fn value_at_quantile(&self, q: f64) -> u64 {
        let h = self.flushed();
        h.quantile_of_counted(q)
    }

    fn quantile_of_counted(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let q = q.clamp(0.0, 1.0);
        let target = ((q * self.total as f64).ceil() as u64).max(1);
        let i = self.index_of_rank(target);
        let low = lowest_of(i);
        if q == 0.0 {
            low
        } else {
            highest_equivalent(low)
        }
    }

    /// The bucket holding the `rank`-th smallest value (1-based).
    fn index_of_rank(&self, rank: u64) -> usize {
        // Skip whole blocks by their sums (which the compiler vectorises),
        // then walk the block that reaches the rank.
        const BLOCK: usize = 32;
        let mut seen = 0;
        for (b, block) in self.counts.chunks(BLOCK).enumerate() {
            let start = b * BLOCK;
            let sum: u64 = if self.wraps.is_empty() {
                block.iter().map(|&c| c as u64).sum()
            } else {
                (start..start + block.len()).map(|i| self.count(i)).sum()
            };
            if seen + sum < rank {
                seen += sum;
                continue;
            }
            for i in start..start + block.len() {
                seen += self.count(i);
                if seen >= rank {
                    return i;
                }
            }
        }
        unreachable!("the counts add up to the total")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MAX: u64 = 3_600_000_000_000;

    #[test]
    fn small_values_are_exact_and_large_ones_within_a_thousandth() {
        for v in [1u64, 2, 1000, 2047, 2048, 2049, 1_000_000, 123_456_789, MAX] {
            let mut h = Histogram::new(MAX);
            h.record(v);
            let got = h.value_at_quantile(0.5);
            assert!(got >= v, "{v}: {got}");
            if v < EXACT {
                assert_eq!(got, v);
            } else {
                assert!((got - v) as f64 <= v as f64 / 1024.0, "{v}: {got}");
            }
        }
    }

    #[test]
    fn buckets_tile_the_range() {
        // Every bucket starts one past the previous bucket's highest value.
        let h = Histogram::new(MAX);
        for i in 1..h.counts.len() {
            assert_eq!(
                lowest_of(i),
                highest_equivalent(lowest_of(i - 1)) + 1,
                "{i}"
            );
            assert_eq!(index_of(lowest_of(i)), i);
        }
    }

    #[test]
    fn counts_past_2_to_the_16_are_kept() {
        let mut h = Histogram::new(MAX);
        h.record_n(5, u16::MAX as u64);
        h.record(5); // wraps the low 16 bits
        h.record_n(7, 3 << 31);
        let mut other = Histogram::new(MAX);
        other.record_n(5, (1 << 33) + 1);
        h.add(&other);
        h.flush();
        assert_eq!(h.count(5), (1 << 16) + (1 << 33) + 1);
        assert_eq!(h.count(7), 3 << 31);
        // Two histograms without wraps whose counts carry when added.
        let mut a = Histogram::new(MAX);
        a.record_n(9, u16::MAX as u64);
        let mut b = Histogram::new(MAX);
        b.record_n(9, 2);
        a.add(&b);
        assert_eq!(a.count(9), u16::MAX as u64 + 2);
        // Counts far past 2^32 in one bucket.
        a.record_n(9, 5 << 40);
        assert_eq!(a.count(9), (5 << 40) + u16::MAX as u64 + 2);
        assert_eq!(h.len(), h.count(5) + h.count(7));
        // The median is still the larger group's value, the maximum 7.
        assert_eq!(h.value_at_quantile(0.5), 5);
        assert_eq!(h.value_at_quantile(0.99), 7);
        assert_eq!(h.max(), 7);
    }

    fn reference(values: &[(u64, u64)]) -> hdrhistogram::Histogram<u64> {
        let mut h = hdrhistogram::Histogram::<u64>::new_with_bounds(1, MAX, 3).unwrap();
        for &(v, n) in values {
            h.record_n(v.clamp(1, MAX), n).unwrap();
        }
        h
    }

    proptest! {
        /// Quantiles, maximum and count agree exactly with HdrHistogram's
        /// for the same values, spread over many decades.
        #[test]
        fn agrees_with_hdrhistogram(
            values in proptest::collection::vec((0u32..42, 0u64..u64::MAX, 1u64..4), 1..400),
            qs in proptest::collection::vec(0.0f64..=1.0, 1..20),
        ) {
            let values: Vec<(u64, u64)> = values
                .into_iter()
                .map(|(bits, r, n)| ((r >> (63 - bits)).max(1), n))
                .collect();
            let mut half = Histogram::new(MAX);
            let mut other = Histogram::new(MAX);
            for (i, &(v, n)) in values.iter().enumerate() {
                let h = if i % 2 == 0 { &mut half } else { &mut other };
                if n == 1 { h.record(v) } else { h.record_n(v, n) }
            }
            half.add(&other);
            let want = reference(&values);
            prop_assert_eq!(half.len(), want.len());
            prop_assert_eq!(half.max(), want.max());
            for q in qs.into_iter().chain([0.0, 0.5, 0.99, 0.999, 1.0]) {
                prop_assert_eq!(half.value_at_quantile(q), want.value_at_quantile(q), "q = {}", q);
            }
        }
    }
}
