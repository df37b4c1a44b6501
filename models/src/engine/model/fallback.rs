//! The model's side of the database: a read that missed Redis queries the
//! database, which answers it, queues it for a worker, or fails it after
//! the queue timeout (a finite database; see [`super::super::database`]).
//!
//! A query that times out fails its read with `database_timeout`, and the
//! request with it: the client's retries are for Redis errors and do not
//! cover it. The Redis connection the read holds during the fallback
//! (`client.hold_during_fallback`) is healthy: it goes back to the pool, to
//! the longest waiter or the idle set, as the application's `finally` (or
//! try-with-resources) block returns it on any failure of the read.

use super::super::database::Admit;
use super::super::requests::Phase;
use super::super::transport::NO_CONN;
use super::{Event, Model};
use crate::scenario::ErrorCause;

impl Model<'_> {
    /// `r`'s read missed Redis: query the database.
    pub(super) fn query_database(&mut self, r: u32) {
        let now = self.now();
        self.stats.database_query(now);
        match self.database.query(r, now, &mut self.stats) {
            Admit::Start(t) => self.sched.schedule_in(t, Event::DbDone(r)),
            Admit::Queued(Some(at)) => self.sched.schedule_at(at, Event::DbTimeout),
            Admit::Queued(None) => {}
        }
    }

    /// The database answered `r`: its worker takes the next query, and `r`
    /// sets the value in Redis, on the connection it held or on a new
    /// checkout.
    pub(super) fn on_db_done(&mut self, r: u32) {
        let now = self.now();
        if let Some((next, t)) = self.database.done(now, &mut self.stats) {
            self.sched.schedule_in(t, Event::DbDone(next));
        }
        self.requests[r].phase = Phase::Set;
        if let Some(primary) = self.write_pool(r) {
            // Read from a replica: the write goes to the primary.
            if self.requests[r].lease.holding {
                self.release(r);
            }
            self.requests[r].pool = primary;
        }
        let req = &mut self.requests[r];
        if req.lease.conn == NO_CONN {
            req.attempts.new_command();
            self.checkout(r);
        } else {
            // The SET's first attempt, on the connection the GET held.
            req.attempts.continue_command();
            self.send_command(r);
        }
    }

    /// The database's queue timer: the queries that waited the whole queue
    /// timeout fail.
    pub(super) fn on_db_timeout(&mut self) {
        let now = self.now();
        while let Some(r) = self.database.expired(now, &mut self.stats) {
            if self.requests[r].lease.holding {
                self.release(r);
            }
            self.attempt_failed(r, ErrorCause::DatabaseTimeout);
        }
        if let Some(at) = self.database.rearm() {
            self.sched.schedule_at(at, Event::DbTimeout);
        }
    }
}
