//! The database behind Redis: answers the reads that missed Redis.
//!
//! Bookkeeping only: it says how long a query takes; the model schedules the
//! answer. It has no queue: every query is served at once (an unbounded
//! database), so a finite database with its own connections and queue
//! replaces this module's state without changing its interface.

use crate::scenario::Database as DatabaseConfig;
use sim::dist::Latency;
use sim::rng::{StreamRng, Streams};
use sim::time::SimTime;

/// The database.
pub struct Database {
    latency: Latency,
    /// Draws the query times (stream `database`).
    rng: StreamRng,
}

impl Database {
    /// The database of `cfg`.
    pub fn new(cfg: &DatabaseConfig, streams: &Streams) -> Self {
        Database {
            latency: cfg.latency.clone(),
            rng: streams.stream("database"),
        }
    }

    /// A query starts: how long until its answer.
    pub fn query(&mut self) -> SimTime {
        self.latency.sample(&mut self.rng)
    }
}
