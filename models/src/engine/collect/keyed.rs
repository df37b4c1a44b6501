//! What a keyed L1 counts: coalesced reads, evictions, expirations,
//! database queries, and the hit ratio over time.

use super::Collector;
use crate::cache::fleet::Lookup;
use crate::cache::Stats as CacheStats;
use sim::stats::TimeSeries;
use sim::time::SimTime;

/// What a keyed L1 counts, over the measured window.
#[derive(Clone, Debug)]
pub struct KeyedCounts {
    /// Reads of measured requests that joined a load in flight.
    pub coalesced: u64,
    /// Entries evicted to make room.
    pub evictions: u64,
    /// Entries found expired by a read.
    pub expirations: u64,
    /// Database queries started.
    pub database_queries: u64,
    /// Entries removed by invalidations (`None`: the scenario has none).
    pub invalidations: Option<u64>,
    /// Reads per bucket, for the hit ratio over time.
    pub reads: TimeSeries,
    /// L1 hits per bucket.
    pub hits: TimeSeries,
    /// Database queries started per bucket.
    pub queries: TimeSeries,
}

impl Collector {
    /// Starts counting what a keyed L1 does.
    pub fn keyed_l1(&mut self) {
        let bucket = self.series.arrivals.width();
        self.keyed = Some(KeyedCounts {
            coalesced: 0,
            evictions: 0,
            expirations: 0,
            database_queries: 0,
            invalidations: None,
            reads: TimeSeries::new(self.window, bucket),
            hits: TimeSeries::new(self.window, bucket),
            queries: TimeSeries::new(self.window, bucket),
        });
    }

    /// A read of a measured request looked up a keyed L1.
    #[inline]
    pub fn keyed_read(&mut self, outcome: Lookup) {
        self.read(outcome == Lookup::Hit);
        if let (Lookup::Join, Some(k)) = (outcome, &mut self.keyed) {
            k.coalesced += 1;
        }
    }

    /// A keyed L1 answered a read at `now` (`hit` or not), for the series.
    #[inline]
    pub fn l1_series(&mut self, now: SimTime, hit: bool) {
        if let (true, Some(k)) = (self.keep_series, &mut self.keyed) {
            k.reads.add(now, 1.0);
            k.hits.add(now, hit as u64 as f64);
        }
    }

    /// The keyed L1's evictions and expirations in the window, at the end.
    pub fn keyed_counts(&mut self, counted: CacheStats) {
        if let Some(k) = &mut self.keyed {
            k.evictions = counted.evictions;
            k.expirations = counted.expirations;
        }
    }

    /// Counts invalidations from now on (`l1.invalidations`).
    pub fn invalidating(&mut self) {
        if let Some(k) = &mut self.keyed {
            k.invalidations = Some(0);
        }
    }

    /// An invalidation at `now` removed `removed` entries.
    pub fn invalidated(&mut self, now: SimTime, removed: u64) {
        if let (true, Some(k)) = (self.window.contains(now), &mut self.keyed) {
            if let Some(n) = &mut k.invalidations {
                *n += removed;
            }
        }
    }
}
