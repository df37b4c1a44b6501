//! What the transport counts beyond the pool: commands queued on shared
//! connections and dead connections found.

use super::Collector;
use sim::time::SimTime;

impl Collector {
    /// A command was written at `now` on a shared connection where `queued`
    /// commands were waiting for their replies.
    #[inline]
    pub fn mux_queued(&mut self, now: SimTime, queued: u64) {
        if self.window.contains(now) {
            self.mux_writes += 1;
            self.mux_queued_sum += queued;
            self.mux_queued_max = self.mux_queued_max.max(queued);
        }
        if self.keep_series {
            self.series.queued.add(now, queued as f64);
            self.series.writes.add(now, 1.0);
        }
    }

    /// A connection whose peer died (a fault) at `since` was found dead and
    /// closed at `now`.
    pub fn dead_connection(&mut self, now: SimTime, since: SimTime) {
        if self.window.contains(now) {
            self.detected += 1;
            self.detect_sum += now - since;
        }
        if self.keep_series {
            self.series.detected.add(now, 1.0);
        }
    }
}
