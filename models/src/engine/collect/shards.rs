//! Per-shard books: each shard's busy time and queue wait, kept with two
//! shards or more, for the busiest shard's metrics and the load-per-shard charts.

use super::Collector;
use sim::stats::{LatencyHistogram, TimeSeries};
use sim::time::SimTime;

/// One shard's own books, kept when there are two shards or more (with one,
/// the fleet's books are the shard's).
#[derive(Clone, Debug)]
pub struct ShardBooks {
    /// Busy time of the shard's event loop inside the window.
    pub busy: SimTime,
    /// Queue wait of commands that arrived in the window and waited;
    /// allocated at the first such command (a histogram takes about 135 KB).
    pub queue_wait: Option<Box<LatencyHistogram>>,
    /// Commands that arrived in the window and were served at once.
    pub queue_no_wait: u64,
    /// Busy time per bucket (`None` without time series).
    pub series: Option<TimeSeries>,
}

impl ShardBooks {
    /// The p99 queue wait of the shard's commands, in milliseconds (0 if
    /// none waited).
    pub fn queue_wait_p99_ms(&self) -> f64 {
        self.queue_wait
            .as_ref()
            .map_or(0.0, |h| h.quantile_ms(0.99))
    }
}

impl Collector {
    /// Keeps books per shard for `shards` shards (nothing to keep for one).
    pub fn per_shard(&mut self, shards: u32) {
        if shards < 2 {
            return;
        }
        let bucket = self.series.redis_busy.width();
        let (window, series) = (self.window, self.keep_series);
        self.shards = (0..shards)
            .map(|_| ShardBooks {
                busy: SimTime::ZERO,
                queue_wait: None,
                queue_no_wait: 0,
                series: series.then(|| TimeSeries::new(window, bucket)),
            })
            .collect();
    }

    /// `shard`'s event loop is busy from `start` to `finish`.
    #[inline]
    pub fn shard_busy(&mut self, shard: u32, start: SimTime, finish: SimTime) {
        if let Some(s) = self.shards.get_mut(shard as usize) {
            s.busy += self.window.overlap(start, finish);
            if let Some(ts) = &mut s.series {
                ts.add_interval(start, finish, 1.0);
            }
        }
    }

    /// A command that arrived in the window waited `wait` for `shard`'s loop.
    #[inline]
    pub fn shard_wait(&mut self, shard: u32, wait: SimTime) {
        if let Some(s) = self.shards.get_mut(shard as usize) {
            if wait == SimTime::ZERO {
                s.queue_no_wait += 1;
            } else {
                s.queue_wait
                    .get_or_insert_with(|| Box::new(LatencyHistogram::new()))
                    .record(wait);
            }
        }
    }

    /// The busiest shard's utilisation (`redis.utilization.max`).
    pub(super) fn utilization_max(&self, shards: u32) -> f64 {
        let secs = self.window.len().as_secs_f64();
        if self.shards.is_empty() {
            return self.busy.as_secs_f64() / secs / shards as f64;
        }
        self.shards
            .iter()
            .map(|s| s.busy.as_secs_f64() / secs)
            .fold(0.0, f64::max)
    }

    /// The largest p99 queue wait of a shard (`redis.queue_wait.max_p99_ms`).
    pub(super) fn queue_wait_max_p99_ms(&self) -> f64 {
        if self.shards.is_empty() {
            return self.queue_wait.quantile_ms(0.99);
        }
        self.shards
            .iter()
            .map(ShardBooks::queue_wait_p99_ms)
            .fold(0.0, f64::max)
    }
}
