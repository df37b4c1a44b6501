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
//! the simulator's hot path (one or two per simulated request), and this one
//! records with a shift, an add and a compare, about a quarter of the
//! instructions of the general, resizable, error-checked original.

/// Buckets per octave above the exact range (HDR's half sub-bucket count for
/// three significant digits).
const SUB_BUCKETS: u64 = 1024;
/// log2 of [`SUB_BUCKETS`].
const SUB_BITS: u32 = 10;
/// Values below this have a bucket of their own.
const EXACT: u64 = 2 * SUB_BUCKETS;

/// A histogram of values in `0..=max`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Histogram {
    counts: Vec<u64>,
    total: u64,
    max_value: u64,
    limit: u64,
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

impl Histogram {
    /// An empty histogram for values up to `max` (larger ones are clamped).
    pub fn new(max: u64) -> Self {
        Histogram {
            counts: vec![0; index_of(max) + 1],
            total: 0,
            max_value: 0,
            limit: max,
        }
    }

    /// Records `v` (clamped to the histogram's maximum).
    #[inline]
    pub fn record(&mut self, v: u64) {
        let v = v.min(self.limit);
        self.counts[index_of(v)] += 1;
        self.total += 1;
        self.max_value = self.max_value.max(v);
    }

    /// Records `n` copies of `v`.
    pub fn record_n(&mut self, v: u64, n: u64) {
        if n == 0 {
            return;
        }
        let v = v.min(self.limit);
        self.counts[index_of(v)] += n;
        self.total += n;
        self.max_value = self.max_value.max(v);
    }

    /// Adds every value of `other`, which must have the same maximum.
    pub fn add(&mut self, other: &Histogram) {
        assert_eq!(self.limit, other.limit, "histograms of different ranges");
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
        self.total += other.total;
        self.max_value = self.max_value.max(other.max_value);
    }

    /// Number of values recorded.
    pub fn len(&self) -> u64 {
        self.total
    }

    /// True if nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// The highest value of the largest value's bucket (0 if empty).
    pub fn max(&self) -> u64 {
        if self.total == 0 {
            0
        } else {
            highest_equivalent(self.max_value)
        }
    }

    /// The value at quantile `q` (clamped to `0..=1`): the highest value of
    /// the bucket holding the `ceil(q * n)`-th smallest value (at least the
    /// first), or the lowest value of the first bucket for `q = 0`; 0 if empty.
    pub fn value_at_quantile(&self, q: f64) -> u64 {
        if self.total == 0 {
            return 0;
        }
        let q = q.clamp(0.0, 1.0);
        let target = ((q * self.total as f64).ceil() as u64).max(1);
        let mut seen = 0;
        for (i, &c) in self.counts.iter().enumerate() {
            seen += c;
            if seen >= target {
                let low = lowest_of(i);
                return if q == 0.0 {
                    low
                } else {
                    highest_equivalent(low)
                };
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
            assert_eq!(lowest_of(i), highest_equivalent(lowest_of(i - 1)) + 1, "{i}");
            assert_eq!(index_of(lowest_of(i)), i);
        }
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
                if i % 2 == 0 { half.record_n(v, n) } else { other.record_n(v, n) }
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
