//! Statistics collected during one run: time-weighted gauges, latency
//! histograms and per-bucket time series.
//!
//! Every collector knows the measurement window `[start, end)`: whatever happens
//! before `start` (the warm-up) or after `end` (the drain of in-flight work) is
//! not counted in time averages. Counters are plain integers in the model.

use crate::histogram::Histogram;
use crate::time::SimTime;

/// The measured window of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    /// First measured instant (end of the warm-up).
    pub start: SimTime,
    /// End of measurement (exclusive).
    pub end: SimTime,
}

impl Window {
    /// True if `t` falls inside the window.
    #[inline(always)]
    pub fn contains(&self, t: SimTime) -> bool {
        t >= self.start && t < self.end
    }
    /// Length of the window.
    pub fn len(&self) -> SimTime {
        self.end - self.start
    }
    /// Length of the overlap between `[a, b)` and the window.
    #[inline(always)]
    pub fn overlap(&self, a: SimTime, b: SimTime) -> SimTime {
        let lo = a.max(self.start);
        let hi = b.min(self.end);
        hi.saturating_sub(lo)
    }
    /// How many buckets of `width` cover the window (the last may be
    /// partial).
    pub fn buckets(&self, width: SimTime) -> usize {
        assert!(width.0 > 0, "bucket width must be positive");
        self.len().0.div_ceil(width.0) as usize
    }
    /// Bucket `i` of `width` with its bounds, the last ending with the
    /// window: a series' cursor.
    #[inline]
    fn cursor(&self, width: SimTime, i: usize) -> (usize, SimTime, SimTime) {
        let start = self.start + SimTime(width.0 * i as u64);
        (i, start, (start + width).min(self.end))
    }
}

/// A quantity that holds a value over time (connections in use, waiters): its
/// time average and maximum over the window.
#[derive(Clone, Debug)]
pub struct TimeWeighted {
    window: Window,
    value: i64,
    since: SimTime,
    area: u128,
    max: i64,
    series: Option<GaugeSeries>,
    /// The series' next bucket boundary (`MAX` without a series): a change
    /// of value checks it with one comparison.
    next_close: SimTime,
}

/// A gauge's integral per time bucket. The gauge's running integral (`area`)
/// is exact, so a bucket's integral is the difference of the running integral
/// at its two ends: a change of value inside the current bucket costs one
/// comparison, and buckets are closed only when the clock crosses them.
#[derive(Clone, Debug)]
struct GaugeSeries {
    width: SimTime,
    /// The end of the current bucket (the next boundary to cross).
    next: SimTime,
    /// The running integral at the start of the current bucket.
    area_at_start: u128,
    /// The integral of each closed bucket, in value-nanoseconds.
    closed: Vec<u128>,
    /// Number of buckets in the window.
    buckets: usize,
}

impl TimeWeighted {
    /// A gauge that starts at zero at time zero.
    pub fn new(window: Window) -> Self {
        TimeWeighted {
            window,
            value: 0,
            since: SimTime::ZERO,
            area: 0,
            max: 0,
            series: None,
            next_close: SimTime::MAX,
        }
    }

    /// A gauge that also keeps its time average per bucket of `width` (the
    /// last bucket may be shorter).
    pub fn with_series(window: Window, width: SimTime) -> Self {
        let buckets = window.buckets(width);
        let next = (window.start + width).min(window.end);
        TimeWeighted {
            next_close: next,
            series: Some(GaugeSeries {
                width,
                next,
                area_at_start: 0,
                closed: Vec::with_capacity(buckets),
                buckets,
            }),
            ..Self::new(window)
        }
    }

    /// The time average per bucket (empty without a series); call once the
    /// clock has passed the window's end.
    pub fn series_per_bucket(&self) -> Vec<f64> {
        let mut g = self.clone();
        g.close_buckets(self.window.end);
        let Some(s) = &g.series else {
            return Vec::new();
        };
        let (start, end) = (self.window.start.0, self.window.end.0);
        s.closed
            .iter()
            .enumerate()
            .map(|(i, &area)| {
                let a = start + s.width.0 * i as u64;
                let b = (a + s.width.0).min(end);
                area as f64 / (b - a) as f64
            })
            .collect()
    }

    /// Closes every bucket that ends at or before `until` (inside the
    /// window), with the value held since `since`.
    #[cold]
    fn close_buckets(&mut self, until: SimTime) {
        let window = self.window;
        let (since, level) = (self.since, self.value.max(0) as u128);
        let area = self.area;
        let Some(s) = &mut self.series else {
            return;
        };
        while s.closed.len() < s.buckets && s.next <= until {
            let at_boundary = area + window.overlap(since, s.next).0 as u128 * level;
            s.closed.push(at_boundary - s.area_at_start);
            s.area_at_start = at_boundary;
            s.next = if s.closed.len() == s.buckets {
                SimTime::MAX // all closed
            } else {
                (s.next + s.width).min(window.end)
            };
        }
        self.next_close = s.next;
    }

    /// The current value.
    #[inline]
    pub fn value(&self) -> i64 {
        self.value
    }

    /// Changes the value by `delta` at time `now` (times must not decrease).
    #[inline(always)]
    pub fn add(&mut self, now: SimTime, delta: i64) {
        self.set(now, self.value + delta);
    }

    /// Sets the value at time `now` (times must not decrease).
    #[inline(always)]
    pub fn set(&mut self, now: SimTime, value: i64) {
        let dt = self.window.overlap(self.since, now).0 as u128;
        if dt > 0 {
            if now > self.next_close {
                self.close_buckets(now);
            }
            self.area += dt * self.value.max(0) as u128;
            self.max = self.max.max(self.value);
        }
        self.since = now;
        self.value = value;
    }

    /// Time average over the window; call once the clock has passed its end.
    pub fn mean(&self) -> f64 {
        let dt = self.window.overlap(self.since, self.window.end).0 as u128;
        let area = self.area + dt * self.value.max(0) as u128;
        area as f64 / self.window.len().0 as f64
    }

    /// Largest value held for a positive time inside the window; call once the
    /// clock has passed its end.
    pub fn max(&self) -> i64 {
        if self.window.overlap(self.since, self.window.end).0 > 0 {
            self.max.max(self.value)
        } else {
            self.max
        }
    }
}

/// A latency histogram in nanoseconds: 3 significant digits, 1 ns to about
/// 1 hour; larger values are clamped to the top and counted as such.
#[derive(Clone, Debug)]
pub struct LatencyHistogram {
    hist: Histogram,
    sum_ns: u128,
}

/// Largest value a [`LatencyHistogram`] records exactly (one hour).
pub const HISTOGRAM_MAX_NS: u64 = 3_600_000_000_000;

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl LatencyHistogram {
    /// An empty histogram.
    pub fn new() -> Self {
        LatencyHistogram {
            hist: Histogram::new(HISTOGRAM_MAX_NS),
            sum_ns: 0,
        }
    }

    /// Records one latency.
    #[inline(always)]
    pub fn record(&mut self, t: SimTime) {
        // Zero is stored as 1 ns (as HDR histograms do); the exact sum keeps the mean exact.
        self.hist.record(t.0.max(1));
        self.sum_ns += t.0 as u128;
    }

    /// Counts buffered values now (reading does it anyway, on a copy).
    pub fn flush(&mut self) {
        self.hist.flush();
    }

    /// Records `n` zero latencies at once.
    pub fn record_zeros(&mut self, n: u64) {
        self.hist.record_n(1, n);
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &LatencyHistogram) {
        self.hist.add(&other.hist);
        self.sum_ns += other.sum_ns;
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.hist.len()
    }

    /// Exact mean in milliseconds (0 if empty).
    pub fn mean_ms(&self) -> f64 {
        if self.count() == 0 {
            0.0
        } else {
            self.sum_ns as f64 / self.count() as f64 * 1e-6
        }
    }

    /// Quantile `q` (0..=1) in milliseconds (0 if empty), within 0.1%. A
    /// zero reads as exactly 0 (it is stored as 1 ns).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.count() == 0 {
            0.0
        } else {
            Self::ms(self.hist.value_at_quantile(q))
        }
    }

    /// Largest value in milliseconds (0 if empty).
    pub fn max_ms(&self) -> f64 {
        if self.count() == 0 {
            0.0
        } else {
            Self::ms(self.hist.max())
        }
    }

    /// A stored value in milliseconds: the 1 ns that stands for zero is 0.
    fn ms(ns: u64) -> f64 {
        if ns <= 1 {
            0.0
        } else {
            ns as f64 * 1e-6
        }
    }
}

/// Values accumulated into fixed-width time buckets over the window, for
/// charts across a traffic profile. The number of buckets is fixed when it is
/// created, so memory does not grow with simulated time.
#[derive(Clone, Debug)]
pub struct TimeSeries {
    window: Window,
    width: SimTime,
    sums: Vec<f64>,
    /// The bucket last written and its bounds: consecutive writes usually land
    /// in the same bucket, and this skips the division.
    cursor: (usize, SimTime, SimTime),
}

impl TimeSeries {
    /// A series of buckets of `width` over `window` (the last may be partial).
    pub fn new(window: Window, width: SimTime) -> Self {
        let n = window.buckets(width);
        TimeSeries {
            window,
            width,
            sums: vec![0.0; n],
            cursor: (0, SimTime::ZERO, SimTime::ZERO),
        }
    }

    /// Bucket width.
    pub fn width(&self) -> SimTime {
        self.width
    }

    /// Index of the bucket holding `t`, if inside the window.
    #[inline]
    pub fn bucket(&self, t: SimTime) -> Option<usize> {
        if self.window.contains(t) {
            Some(((t - self.window.start).0 / self.width.0) as usize)
        } else {
            None
        }
    }

    /// Adds `v` to the bucket holding `t` (ignored outside the window).
    #[inline]
    pub fn add(&mut self, t: SimTime, v: f64) {
        let (i, start, end) = self.cursor;
        if t >= start && t < end {
            self.sums[i] += v;
        } else if let Some(i) = self.bucket(t) {
            self.sums[i] += v;
            self.cursor = self.window.cursor(self.width, i);
        }
    }

    /// Spreads `level * dt` over the buckets that `[a, b)` overlaps: used for
    /// time integrals such as busy time or connections in use.
    pub fn add_interval(&mut self, a: SimTime, b: SimTime, level: f64) {
        let lo = a.max(self.window.start);
        let hi = b.min(self.window.end);
        if hi <= lo || level == 0.0 {
            return;
        }
        let (i, start, end) = self.cursor;
        if lo >= start && hi <= end {
            self.sums[i] += level * (hi - lo).as_secs_f64();
            return;
        }
        let mut t = lo;
        while t < hi {
            let i = ((t - self.window.start).0 / self.width.0) as usize;
            let bucket_end = self.window.start + SimTime(self.width.0 * (i as u64 + 1));
            let seg_end = bucket_end.min(hi);
            self.sums[i] += level * (seg_end - t).as_secs_f64();
            self.cursor = (i, bucket_end - self.width, bucket_end.min(self.window.end));
            t = seg_end;
        }
    }

    /// The raw bucket sums.
    pub fn sums(&self) -> &[f64] {
        &self.sums
    }

    /// Length of bucket `i` in seconds (the last may be shorter).
    pub fn bucket_secs(&self, i: usize) -> f64 {
        let start = self.width.0 * i as u64;
        let end = (start + self.width.0).min(self.window.len().0);
        (end - start) as f64 * 1e-9
    }

    /// Each bucket's sum divided by its length in seconds: a rate, or the time
    /// average of an integrated level.
    pub fn per_second(&self) -> Vec<f64> {
        (0..self.sums.len())
            .map(|i| self.sums[i] / self.bucket_secs(i))
            .collect()
    }
}

/// Latency quantiles per time bucket (for a p99-over-time chart): a coarse
/// log-binned histogram per bucket, allocated on first use. Each octave from
/// 1 us to about 71 minutes has 8 bins (values outside are clamped), and a
/// quantile is reported as its bin's midpoint, within 6.3%. Memory is 1 KiB
/// per bucket, bounded by the scenario's bucket limit, not by time.
#[derive(Clone, Debug)]
pub struct LatencySeries {
    window: Window,
    width: SimTime,
    buckets: Vec<Bins>,
    /// The bucket last written and its bounds (saves a division per record).
    cursor: (usize, SimTime, SimTime),
}

/// Sub-bins per octave: 2^3 = 8, linear within the octave, so a bin spans at
/// most 12.5% (its first) and a value is within 6.3% of its bin's midpoint.
/// Coarse, but a chart of p99 over time needs no more, and quantiles are
/// interpolated within their bin. A bucket keeps only
/// the bins from its smallest to its largest value (see [`Bins`]), typically a
/// few dozen, so a long run's series stays small.
const LS_SUB_BITS: u32 = 3;
/// Bins start at 1 us; 1 us x 2^32 (about 71 minutes) is past the last one.
const LS_MIN_NS: f64 = 1_000.0;
const LS_BINS: usize = 32 << LS_SUB_BITS;

/// One bucket's counts: bins `first..first + counts.len()`, the span from
/// its smallest to its largest value so far (empty until the first).
#[derive(Clone, Debug, Default)]
struct Bins {
    first: u16,
    counts: Vec<u32>,
}

impl Bins {
    #[inline]
    fn add(&mut self, bin: usize, n: u32) {
        let first = self.first as usize;
        if bin >= first && bin < first + self.counts.len() {
            self.counts[bin - first] += n;
        } else {
            self.grow_to(bin);
            self.counts[bin - self.first as usize] += n;
        }
    }

    /// Widens the span to take in `bin`.
    #[cold]
    fn grow_to(&mut self, bin: usize) {
        debug_assert!(bin < LS_BINS);
        let first = self.first as usize;
        if self.counts.is_empty() {
            self.first = bin as u16;
            self.counts.push(0);
        } else if bin < first {
            self.counts
                .splice(0..0, std::iter::repeat_n(0, first - bin));
            self.first = bin as u16;
        } else {
            self.counts.resize(bin - first + 1, 0);
        }
    }
}

impl LatencySeries {
    /// An empty series with buckets of `width` over `window`.
    pub fn new(window: Window, width: SimTime) -> Self {
        let n = window.buckets(width);
        LatencySeries {
            window,
            width,
            buckets: vec![Bins::default(); n],
            cursor: (0, SimTime::ZERO, SimTime::ZERO),
        }
    }

    /// The bin of `latency`: the f64 exponent and top mantissa bits of
    /// `latency / 1 us` (no logarithm on the hot path).
    #[inline]
    fn bin(latency: SimTime) -> usize {
        let x = latency.0 as f64 * (1.0 / LS_MIN_NS);
        if x <= 1.0 {
            return 0;
        }
        let shift = 52 - LS_SUB_BITS;
        let i = (x.to_bits() >> shift) - (1.0f64.to_bits() >> shift);
        (i as usize).min(LS_BINS - 1)
    }

    /// The point `fraction` (0..=1) of the way through bin `i`, in
    /// milliseconds. Bin 0 also holds everything under 1 us, and the last bin
    /// everything past it.
    fn within_ms(i: usize, fraction: f64) -> f64 {
        let shift = 52 - LS_SUB_BITS;
        let edge = |k: u64| f64::from_bits(((1.0f64.to_bits() >> shift) + k) << shift);
        let (low, high) = (edge(i as u64), edge(i as u64 + 1));
        (low + (high - low) * fraction) * LS_MIN_NS * 1e-6
    }

    /// Quantile `q` of `counts` (bins from `first` on; `total` of them), in
    /// milliseconds, as [`LatencySeries::quantile_ms`] describes.
    fn quantile_of(counts: &[u32], first: usize, total: u64, q: f64) -> f64 {
        let rank = (q * total as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (k, &c) in counts.iter().enumerate() {
            let c = c as u64;
            if seen + c >= rank {
                let fraction = ((rank - seen) as f64 - 0.5) / c as f64;
                return Self::within_ms(first + k, fraction);
            }
            seen += c;
        }
        unreachable!("rank is at most the total")
    }

    /// Records `latency` of something that ended at `at` (ignored outside the window).
    #[inline]
    pub fn record(&mut self, at: SimTime, latency: SimTime) {
        let (mut i, start, end) = self.cursor;
        if at < start || at >= end {
            if !self.window.contains(at) {
                return;
            }
            // Growth by doubling leaves spare room; a bucket left behind
            // gives it back (records are mostly in time order).
            self.buckets[self.cursor.0].counts.shrink_to_fit();
            i = ((at - self.window.start).0 / self.width.0) as usize;
            self.cursor = self.window.cursor(self.width, i);
        }
        self.buckets[i].add(Self::bin(latency), 1);
    }

    /// Adds every count of `other` (same window and width).
    pub fn merge(&mut self, other: &LatencySeries) {
        for (a, b) in self.buckets.iter_mut().zip(&other.buckets) {
            for (k, &c) in b.counts.iter().enumerate() {
                if c > 0 {
                    a.add(b.first as usize + k, c);
                }
            }
        }
    }

    /// Quantile `q` of each bucket in milliseconds; NaN for a bucket with no
    /// values. The rank picks a bin, and the value is placed inside it by
    /// linear interpolation at the rank's midpoint, as Prometheus's
    /// `histogram_quantile` does within a bucket: a bin's one value sits at
    /// its middle, and a steady latency draws a steady line, not single-bin
    /// steps.
    pub fn quantile_ms(&self, q: f64) -> Vec<f64> {
        self.buckets
            .iter()
            .map(|b| {
                let total: u64 = b.counts.iter().map(|&c| c as u64).sum();
                if total == 0 {
                    return f64::NAN;
                }
                Self::quantile_of(&b.counts, b.first as usize, total, q)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
