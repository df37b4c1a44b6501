//! The replicas' books (`redis.replicas`): each replica's busy time, the
//! queue waits of the commands clients sent to replicas, and the writes the
//! replicas applied from the replication stream.

use super::Collector;
use sim::time::SimTime;

/// What the replicas count, over all shards.
#[derive(Clone, Debug, Default)]
pub struct ReplicaBooks {
    /// Each replica's busy time inside the window (replica `j` of shard `s`
    /// at `s x replicas + j`).
    pub busy: Vec<SimTime>,
    /// Commands from clients that reached a replica in the window.
    pub commands: u64,
    /// Their queue waits, summed.
    pub wait_sum: SimTime,
    /// Writes replicas applied from the replication stream in the window
    /// (each write once per replica).
    pub writes: u64,
}

impl ReplicaBooks {
    /// The replicas' utilisations over a window of `secs` seconds: their
    /// mean and the busiest one's.
    pub fn utilization(&self, secs: f64) -> (f64, f64) {
        let each = self.busy.iter().map(|b| b.as_secs_f64() / secs);
        let max = each.clone().fold(0.0, f64::max);
        (each.sum::<f64>() / self.busy.len() as f64, max)
    }

    /// The mean queue wait of the client commands at replicas, in ms.
    pub fn wait_mean_ms(&self) -> f64 {
        super::mean(self.wait_sum.as_millis_f64(), self.commands)
    }
}

impl Collector {
    /// Starts counting what `count` replicas do.
    pub fn replicas(&mut self, count: u32) {
        self.replica = Some(ReplicaBooks {
            busy: vec![SimTime::ZERO; count as usize],
            ..ReplicaBooks::default()
        });
    }

    /// Replica `replica`'s event loop is busy from `start` to `finish`.
    #[inline]
    pub fn replica_busy(&mut self, replica: u32, start: SimTime, finish: SimTime) {
        let window = self.window;
        if let Some(b) = &mut self.replica {
            b.busy[replica as usize] += window.overlap(start, finish);
        }
    }

    /// A client's command that reached a replica in the window waited `wait`.
    #[inline]
    pub fn replica_wait(&mut self, wait: SimTime) {
        if let Some(b) = &mut self.replica {
            b.commands += 1;
            b.wait_sum += wait;
        }
    }

    /// A replica applied a write at `at`.
    #[inline]
    pub fn replica_write(&mut self, at: SimTime) {
        let window = self.window;
        if let Some(b) = &mut self.replica {
            if window.contains(at) {
                b.writes += 1;
            }
        }
    }
}
