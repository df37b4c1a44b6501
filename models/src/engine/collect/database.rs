//! What a finite database counts: queries, busy workers, its queue and
//! its queue timeouts.

use super::Collector;
use sim::stats::{LatencyHistogram, TimeWeighted};
use sim::time::SimTime;

/// What a finite database counts. Queries count by the time they reached
/// the database: those that reached it inside the measured window.
#[derive(Clone, Debug)]
pub struct DatabaseCounts {
    /// Workers (`database.concurrency`).
    pub workers: u32,
    /// Queries that reached the database.
    pub queries: u64,
    /// Workers busy (with its time series).
    pub busy: TimeWeighted,
    /// Queries waiting for a worker (with its time series).
    pub queued: TimeWeighted,
    /// Queue wait of the queries a worker took, waited or not.
    pub queue_wait: LatencyHistogram,
    /// Queries a worker took at once (zero wait; kept out of the histogram
    /// on the hot path and added when the run ends).
    pub no_wait: u64,
    /// Queries that waited the whole queue timeout and failed.
    pub timeouts: u64,
}

impl Collector {
    /// Starts counting what a finite database of `workers` workers does.
    pub fn finite_database(&mut self, workers: u32) {
        let bucket = self.series.arrivals.width();
        self.database = Some(DatabaseCounts {
            workers,
            queries: 0,
            busy: TimeWeighted::with_series(self.window, bucket),
            queued: TimeWeighted::with_series(self.window, bucket),
            queue_wait: LatencyHistogram::new(),
            no_wait: 0,
            timeouts: 0,
        });
    }

    /// The finite database's busy workers changed by `delta` at `now`.
    #[inline]
    pub fn database_busy(&mut self, now: SimTime, delta: i64) {
        if let Some(d) = &mut self.database {
            d.busy.add(now, delta);
        }
    }

    /// The finite database's queue changed by `delta` at `now`.
    #[inline]
    pub fn database_queue(&mut self, now: SimTime, delta: i64) {
        if let Some(d) = &mut self.database {
            d.queued.add(now, delta);
        }
    }

    /// A worker took a query that reached the database at `since`, after
    /// it waited `waited`.
    #[inline]
    pub fn database_wait(&mut self, since: SimTime, waited: SimTime) {
        if let (true, Some(d)) = (self.window.contains(since), &mut self.database) {
            if waited == SimTime::ZERO {
                d.no_wait += 1;
            } else {
                d.queue_wait.record(waited);
            }
        }
    }

    /// A query that reached the database at `since` waited the whole queue
    /// timeout.
    #[inline]
    pub fn database_timeout(&mut self, since: SimTime) {
        if let (true, Some(d)) = (self.window.contains(since), &mut self.database) {
            d.timeouts += 1;
        }
    }

    /// A database query started at `now`.
    #[inline]
    pub fn database_query(&mut self, now: SimTime) {
        if !self.window.contains(now) {
            return;
        }
        if let Some(k) = &mut self.keyed {
            k.database_queries += 1;
            if self.keep_series {
                k.queries.add(now, 1.0);
            }
        }
        if let Some(d) = &mut self.database {
            d.queries += 1;
        }
    }
}
