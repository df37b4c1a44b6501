//! What the shards' outbound links count (`redis.bandwidth`): their busy
//! time and the replies' waits for them.

use super::Collector;
use sim::time::SimTime;

/// What the outbound links count, over all shards.
#[derive(Clone, Debug, Default)]
pub struct LinkCounts {
    /// Time the links spent sending, inside the window, summed over shards.
    pub busy: SimTime,
    /// Replies ready inside the window.
    pub replies: u64,
    /// Their waits for the link, summed.
    pub wait_sum: SimTime,
}

impl Collector {
    /// Starts counting what the shards' outbound links do.
    pub fn links(&mut self) {
        self.link = Some(LinkCounts::default());
    }

    /// A reply ready at `ready` was sent from `start` to `end`.
    #[inline]
    pub fn link_send(&mut self, ready: SimTime, start: SimTime, end: SimTime) {
        let window = self.window;
        if let Some(l) = &mut self.link {
            l.busy += window.overlap(start, end);
            if window.contains(ready) {
                l.replies += 1;
                l.wait_sum += start - ready;
            }
        }
    }
}
