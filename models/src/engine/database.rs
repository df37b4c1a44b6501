//! The database behind Redis: answers the reads that missed Redis.
//!
//! Bookkeeping only: it says when a query starts and how long it takes; the
//! model schedules the answers and the timeouts. An unlimited database (no
//! `database.concurrency`, the default) serves every query at once, drawing
//! its time on arrival. A finite one has `concurrency` workers (the
//! database's own connection pool or worker limit) and a FIFO queue in front
//! of them: a query that finds every worker busy waits, and fails with
//! `database_timeout` once it has waited `database.queue_timeout`. The time
//! of a query is drawn when a worker takes it, from stream `database`, so an
//! unlimited database draws exactly as it always did.
//!
//! One timer covers the whole queue. Every query waits the same timeout and
//! the queue is FIFO, so deadlines come in queue order and the head's is the
//! next to expire. At most one timer is pending: it is armed when a query
//! joins an empty-timed queue, and when it fires it fails the queries whose
//! deadline passed and is armed again for the new head. A timer that finds
//! its query already served simply re-arms for the head.

use super::collect::Collector;
use crate::scenario::Database as DatabaseConfig;
use sim::dist::Latency;
use sim::ring::Ring;
use sim::rng::{StreamRng, Streams};
use sim::time::SimTime;

/// What happened to a query on arrival.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Admit {
    /// A worker took it: its answer comes after this time.
    Start(SimTime),
    /// Every worker is busy: it waits in the queue; arm the queue timer at
    /// this time if given.
    Queued(Option<SimTime>),
}

/// A query waiting for a worker.
#[derive(Clone, Copy, Debug, Default)]
struct Waiting {
    /// The request it belongs to.
    request: u32,
    /// When it joined the queue.
    since: SimTime,
}

/// The database.
pub struct Database {
    latency: Latency,
    /// Draws the query times (stream `database`).
    rng: StreamRng,
    /// Workers; `None`: unlimited.
    workers: Option<u32>,
    /// Longest wait in the queue; `None`: forever.
    timeout: Option<SimTime>,
    /// Workers serving a query.
    busy: u32,
    /// Queries waiting for a worker, oldest first.
    queue: Ring<Waiting>,
    /// A queue timer is pending.
    timer_armed: bool,
}

impl Database {
    /// The database of `cfg`.
    pub fn new(cfg: &DatabaseConfig, streams: &Streams) -> Self {
        Database {
            latency: cfg.latency.clone(),
            rng: streams.stream("database"),
            workers: cfg.concurrency,
            timeout: cfg.queue_timeout,
            busy: 0,
            queue: Ring::new(),
            timer_armed: false,
        }
    }

    /// True if the database has a limited number of workers.
    pub fn is_finite(&self) -> bool {
        self.workers.is_some()
    }

    /// A query of request `r` arrives at `now`.
    pub fn query(&mut self, r: u32, now: SimTime, stats: &mut Collector) -> Admit {
        let Some(workers) = self.workers else {
            return Admit::Start(self.latency.sample(&mut self.rng));
        };
        if self.busy < workers {
            self.busy += 1;
            stats.database_busy(now, 1);
            stats.database_wait(now, SimTime::ZERO);
            return Admit::Start(self.latency.sample(&mut self.rng));
        }
        self.queue.push_back(Waiting {
            request: r,
            since: now,
        });
        stats.database_queue(now, 1);
        let timer = match (self.timeout, self.timer_armed) {
            (Some(t), false) => {
                self.timer_armed = true;
                Some(now + t)
            }
            _ => None,
        };
        Admit::Queued(timer)
    }

    /// A query ended at `now` (a finite database only): its worker takes
    /// the oldest waiting query, if any. Returns that query's request and
    /// its time.
    pub fn done(&mut self, now: SimTime, stats: &mut Collector) -> Option<(u32, SimTime)> {
        self.workers?;
        match self.queue.pop_front() {
            Some(w) => {
                stats.database_queue(now, -1);
                stats.database_wait(w.since, now - w.since);
                Some((w.request, self.latency.sample(&mut self.rng)))
            }
            None => {
                self.busy -= 1;
                stats.database_busy(now, -1);
                None
            }
        }
    }

    /// The queue timer fired at `now`: the oldest waiting query if its
    /// deadline has passed (it leaves the queue and fails). Call until
    /// `None`, then [`Database::rearm`].
    pub fn expired(&mut self, now: SimTime, stats: &mut Collector) -> Option<u32> {
        let timeout = self.timeout?;
        let head = self.queue.front()?;
        if head.since + timeout > now {
            return None;
        }
        let w = self.queue.pop_front().expect("the head exists");
        stats.database_queue(now, -1);
        stats.database_timeout(w.since);
        Some(w.request)
    }

    /// After the timer fired and the expired queries left: when the timer
    /// fires next (the head's deadline), if anything waits.
    pub fn rearm(&mut self) -> Option<SimTime> {
        let at = match (self.timeout, self.queue.front()) {
            (Some(t), Some(head)) => Some(head.since + t),
            _ => None,
        };
        self.timer_armed = at.is_some();
        at
    }
}
