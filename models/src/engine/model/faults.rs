//! The scenario's faults, as the model applies them to the components.

use super::Model;
use crate::scenario::FaultKind;

impl Model<'_> {
    /// Fault `i` of the scenario happens now.
    pub(super) fn on_fault(&mut self, i: usize) {
        let now = self.now();
        let fault = self.sc.faults[i];
        let shard = fault.shard;
        match fault.kind {
            FaultKind::Blackhole => {
                self.transport.blackhole(shard, now);
                if let Some(mux) = self.mux.as_mut() {
                    for (pod, c, at, stamp) in mux.blackhole(shard, now) {
                        self.schedule_death(pod, c, at, stamp);
                    }
                }
            }
            FaultKind::Restart => {
                self.transport.restart(shard, now);
                if self.mux.is_some() {
                    // The reset reaches the client half a round trip later.
                    let seen = now + self.transport.round_trip().half();
                    let mux = self.mux.as_mut().expect("a multiplexed client");
                    for (pod, c, stamp) in mux.restart(shard, now, seen) {
                        self.schedule_death(pod, c, seen, stamp);
                    }
                }
            }
            FaultKind::Slow { duration, factor } => {
                self.server.slow_down(shard, now, now + duration, factor);
            }
        }
    }
}
