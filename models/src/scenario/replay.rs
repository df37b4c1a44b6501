//! Recorded request arrivals replayed instead of a Poisson process
//! (`workload.arrivals = { file = "...", unit = "s", speed = 1.0 }`).
//!
//! The file holds one arrival time per line (a traffic capture: access-log
//! timestamps, epoch seconds or any origin). They are sorted, shifted so the
//! earliest is 0, divided by `speed`, and replayed from the end of the
//! warm-up; the warm-up itself runs Poisson arrivals at the capture's mean
//! rate, so pools and caches are warm when the capture starts. The arrival
//! times are the only thing replayed: each arrival's pod and everything after
//! it are drawn as for Poisson arrivals.

use sim::time::SimTime;

/// A capture, parsed and scaled.
#[derive(Clone, PartialEq)]
pub struct Replay {
    /// The table as written (for `capsim check` and the resolved scenario).
    pub source: String,
    /// Arrival offsets from the capture's first arrival, after `speed`,
    /// non-decreasing.
    pub times: Vec<SimTime>,
    /// FNV-1a of the offsets, so a changed file changes the scenario hash.
    pub fingerprint: u64,
}

impl Replay {
    /// A replay of `times` (offsets, sorted).
    pub fn new(source: String, times: Vec<SimTime>) -> Self {
        // FNV-1a over the offsets' little-endian bytes.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for t in &times {
            for b in t.0.to_le_bytes() {
                h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        Replay {
            source,
            fingerprint: h,
            times,
        }
    }

    /// The capture's length: from its first arrival to its last.
    pub fn span(&self) -> SimTime {
        self.times.last().copied().unwrap_or(SimTime::ZERO)
    }

    /// Mean arrivals per second over the span.
    pub fn mean_rate(&self) -> f64 {
        self.times.len() as f64 / self.span().as_secs_f64()
    }
}

impl std::fmt::Debug for Replay {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The times, not the file's name: the resolved scenario of a sweep
        // names the same file by another path and must hash the same.
        f.debug_struct("Replay")
            .field("arrivals", &self.times.len())
            .field("fingerprint", &format_args!("{:016x}", self.fingerprint))
            .finish()
    }
}
