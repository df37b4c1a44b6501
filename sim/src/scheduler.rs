//! The event queue: a priority queue of model events ordered by time.
//!
//! # Ordering contract
//! Events run in order of `(time, sequence)`. The sequence number is taken from a
//! counter that increases on every [`Scheduler::schedule_at`], so events for the
//! same instant run first-scheduled-first. There is no randomised tie-breaking:
//! given the same schedule calls, the same events pop in the same order on every
//! machine.
//!
//! The scheduler is generic over the model's event type `E`, usually one enum
//! that the model dispatches with an exhaustive `match`. Events are stored by
//! value; scheduling does not allocate once the heap has grown to its working
//! size.
//!
//! Cancelling is done by the model, not the queue: an event that may become
//! stale carries a generation number (see [`crate::timer::Generation`]) and is
//! ignored when it fires with an old one.

use crate::time::SimTime;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// One scheduled event. The key packs (time, sequence) into one `u128`.
struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so that `BinaryHeap` (a max-heap) pops the earliest key.
    #[inline]
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

/// A discrete-event scheduler: the clock plus the pending events.
pub struct Scheduler<E> {
    now: SimTime,
    seq: u64,
    heap: BinaryHeap<Entry<E>>,
}

impl<E> Default for Scheduler<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> Scheduler<E> {
    /// An empty scheduler at time zero.
    pub fn new() -> Self {
        Scheduler {
            now: SimTime::ZERO,
            seq: 0,
            heap: BinaryHeap::with_capacity(1024),
        }
    }

    /// The current simulated time: the time of the event being handled.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }

    /// Schedules `event` at absolute time `at`, which must not be in the past.
    #[inline]
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        assert!(at >= self.now, "event scheduled in the past");
        let key = ((at.0 as u128) << 64) | self.seq as u128;
        self.seq += 1;
        self.heap.push(Entry { key, event });
    }

    /// Schedules `event` after `delay` from now.
    #[inline]
    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.schedule_at(self.now.saturating_add(delay), event);
    }

    /// The time of the next event, if any, without removing it.
    pub fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|e| SimTime((e.key >> 64) as u64))
    }

    /// Removes the next event, advances the clock to its time and returns both.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let entry = self.heap.pop()?;
        let at = SimTime((entry.key >> 64) as u64);
        debug_assert!(at >= self.now);
        self.now = at;
        Some((at, entry.event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn equal_times_run_first_scheduled_first() {
        let mut s = Scheduler::new();
        for i in 0..100u32 {
            s.schedule_at(SimTime(5), i);
        }
        s.schedule_at(SimTime(1), 1000);
        assert_eq!(s.pop(), Some((SimTime(1), 1000)));
        for i in 0..100u32 {
            assert_eq!(s.pop(), Some((SimTime(5), i)));
        }
        assert!(s.pop().is_none());
    }

    #[test]
    #[should_panic(expected = "past")]
    fn scheduling_in_the_past_is_a_bug() {
        let mut s = Scheduler::new();
        s.schedule_at(SimTime(10), ());
        s.pop();
        s.schedule_at(SimTime(9), ());
    }

    proptest! {
        /// Pops come out sorted by (time, insertion order), whatever the input.
        #[test]
        fn pops_in_time_then_sequence_order(times in proptest::collection::vec(0u64..50, 0..300)) {
            let mut s = Scheduler::new();
            for (i, t) in times.iter().enumerate() {
                s.schedule_at(SimTime(*t), i);
            }
            let mut expected: Vec<(u64, usize)> = times.iter().copied().zip(0..).collect();
            expected.sort();
            let got: Vec<(u64, usize)> = std::iter::from_fn(|| s.pop()).map(|(t, i)| (t.0, i)).collect();
            prop_assert_eq!(got, expected);
        }
    }
}
