//! The pool's evictor, as the model runs it.

use super::{Event, Model};
use crate::engine::transport::Examined;

impl Model<'_> {
    /// One evictor run on `pool`, as commons-pool2 does it: examine up to
    /// `tests_per_eviction_run` idle connections, oldest first; close those idle
    /// too long (or past the pool's own limits); with `test_while_idle`, PING
    /// the rest and close those that fail. A PING of an idle connection costs
    /// its command on the event loop and refreshes the connection's traffic;
    /// the connection stays available meanwhile.
    pub(super) fn on_evict(&mut self, pool: usize) {
        let now = self.now();
        let n = self.transport.eviction_batch(pool);
        let mut kept = Vec::with_capacity(n);
        for _ in 0..n {
            let Some(c) = self.transport.take_oldest_idle(pool) else {
                break;
            };
            match self.transport.examine_idle(pool, c, now, &mut self.stats) {
                Examined::Close => self.close_connection(pool, c),
                Examined::Keep => kept.push(c),
                Examined::Ping(shard) => {
                    self.server.ping(shard, now, &mut self.stats);
                    self.transport.touch(pool, c, now);
                    kept.push(c);
                }
            }
        }
        self.transport.restore_oldest_idle(pool, &kept);
        self.ensure_min_idle(pool);
        if let Some(every) = self.transport.eviction_interval() {
            if now < self.arrivals.end() || self.requests.in_flight() > 0 {
                self.sched.schedule_in(every, Event::Evict(pool as u32));
            }
        }
    }
}
