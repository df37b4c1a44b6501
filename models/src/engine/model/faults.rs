//! The scenario's faults, as the model applies them to the components, and
//! the other scheduled disturbances: pods' rolling restarts, key
//! invalidations, and the shards' fork stalls (`redis.persistence`).

use super::{Event, Model};
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
            // The slots' moves are timed from the start (the cluster's
            // routing answers by the clock): nothing happens at `at` itself.
            FaultKind::Reshard { .. } => {}
            FaultKind::RollingRestart { batch, interval } => {
                let pods = self.sc.pods.count;
                let (mut first, mut at) = (0, now);
                while first < pods {
                    let count = batch.min(pods - first);
                    self.sched
                        .schedule_at(at, Event::PodRestart { first, count });
                    first += count;
                    at += interval;
                }
            }
        }
    }

    /// Pods `first..first + count` restart now: each pod's keyed L1 comes
    /// back empty (or prewarmed), and its pools close their idle
    /// connections and open `min_idle` again; requests in flight finish on
    /// the connections they hold. A multiplexed client's shared connections
    /// are left open.
    pub(super) fn on_pod_restart(&mut self, first: u32, count: u32) {
        let now = self.now();
        let per_pod = self.sc.redis.pools_per_pod() as usize;
        for pod in first..first + count {
            if let Some(k) = self.l1.keyed() {
                k.fleet.restart(pod, now);
            }
            self.restart_slot_map(pod);
            if self.mux.is_some() {
                continue;
            }
            for pool in pod as usize * per_pod..(pod as usize + 1) * per_pod {
                while let Some(c) = self.transport.take_oldest_idle(pool) {
                    self.close_connection(pool, c);
                }
                self.ensure_min_idle(pool);
            }
        }
    }

    /// Schedules the next invalidation, while arrivals last
    /// (`l1.invalidation_rate`).
    pub(super) fn schedule_invalidation(&mut self) {
        let rate = self.sc.l1.invalidation_rate;
        let now = self.now();
        let Some(k) = self.l1.keyed() else {
            return;
        };
        if rate <= 0.0 {
            return;
        }
        let at = now + k.fleet.invalidation_gap(rate);
        if at < self.arrivals.end() {
            self.sched.schedule_at(at, Event::Invalidate);
        }
    }

    /// A write invalidates a key in every pod's cache.
    pub(super) fn on_invalidate(&mut self) {
        let now = self.now();
        let k = self.l1.keyed().expect("invalidations need a keyed L1");
        let removed = k.fleet.invalidate();
        self.stats.invalidated(now, removed);
        self.schedule_invalidation();
    }

    /// Schedules each shard's first fork (`redis.persistence`), if before
    /// the end of the arrivals.
    pub(super) fn schedule_forks(&mut self) {
        for shard in 0..self.sc.redis.shards {
            match self.server.first_fork() {
                Some(at) if at < self.arrivals.end() => {
                    self.sched.schedule_at(at, Event::Fork(shard as u16));
                }
                Some(_) => {}
                None => return,
            }
        }
    }

    /// `shard` forks: its event loop stalls; the next fork is scheduled if
    /// it comes before the end of the arrivals.
    pub(super) fn on_fork(&mut self, shard: u16) {
        let now = self.now();
        let next = self.server.fork(u32::from(shard), now, &mut self.stats);
        if next < self.arrivals.end() {
            self.sched.schedule_at(next, Event::Fork(shard));
        }
    }
}
