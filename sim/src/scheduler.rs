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
//! # Lanes
//! Events that a model generates in time order (arrivals, or anything
//! scheduled a fixed delay after "now") can go to a FIFO *lane* instead of
//! the heap: `schedule_at_lane` appends in O(1) and checks that the lane
//! stays sorted. `pop` takes the
//! smallest `(time, sequence)` among the heap and the lane heads, so lanes
//! change the cost, never the order.
//!
//! # Timer slots
//! A timer that is re-armed and cancelled often (a pool's acquire timer)
//! can live in a *slot* instead: [`Scheduler::arm`] gives slot `k` its one
//! pending event, replacing the one it held, and [`Scheduler::disarm`]
//! drops it, so a cancelled timer never pops. A slot's event takes its
//! sequence number when armed and runs in `(time, sequence)` order like
//! any other.
//!
//! Other events cannot be removed once scheduled: an event that may become
//! stale carries a stamp that its owner checks when it fires (as the
//! multiplexed transport's connection timers do), and is then ignored.

use crate::time::SimTime;
use lane::Lane;
use slots::Slots;

mod lane;
mod slots;

/// One scheduled event, keyed by (time, sequence). Two `u64`s rather than a
/// `u128` keep the entry 8-aligned: 24 bytes with an 8-byte event.
#[derive(Clone, Copy)]
struct Entry<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    /// True if `self` runs before `other`: earlier time, or the same time
    /// and scheduled first.
    #[inline(always)]
    fn before(&self, other: &Self) -> bool {
        self.key() < other.key()
    }

    /// `(time, sequence)` as one number: one wide comparison instead of two
    /// with a branch between them.
    #[inline(always)]
    fn key(&self) -> u128 {
        (u128::from(self.time) << 64) | u128::from(self.seq)
    }
}

/// A discrete-event scheduler: the clock plus the pending events.
///
/// The events not in a lane are a sorted run while there are at most 16
/// of them (`SORTED_MAX`), and beyond that a plain binary min-heap (events
/// are `Copy`, so sifting moves entries without the hole juggling of a
/// general heap), popped bottom-up as `std`'s heap does. The lanes are
/// `Vec`s read from a moving head. All are written for the small queues a
/// model keeps (tens of pending events), where the cost per event, and the
/// branches it mispredicts, are what matter. Which of the two forms holds
/// the events changes the cost only: the order is `(time, sequence)` either
/// way.
///
/// The run is `run[head..end]` of a fixed buffer, between two sentinels:
/// `run[head - 1]` is not later than any event still to be scheduled (a
/// time-0 entry, or the entry popped last, whose time is now), and
/// `run[end]` runs after every event. A pop takes the front. An insertion
/// walks from the back, moving each later entry one slot up, and stops at
/// the first entry that is not later: one loop with no bounds check and one
/// exit (a new event is rarely earlier than many pending ones, so the walk
/// is short). When the run reaches the buffer's end it moves back to the
/// start.
///
/// `LANES` is the number of FIFO lanes for fixed-delay events (none by
/// default): a fixed array, so the scan of their heads in [`Scheduler::pop`]
/// unrolls.
///
/// The timer slots are a small binary min-heap of their own, indexed by
/// slot, with its smallest key cached in a field: a pop compares that one
/// number, and a timer that is disarmed (a pool's queue emptied before its
/// head's deadline) leaves no stale event behind to pop.
pub struct Scheduler<E: Copy, const LANES: usize = 0> {
    now: SimTime,
    seq: u64,
    /// The sorted run, `run[head..end]`, between sentinels; empty until the
    /// first event comes (a sentinel needs an event to carry).
    run: Vec<Entry<E>>,
    head: usize,
    end: usize,
    /// True while the events not in a lane are the run; else they are the
    /// binary min-heap `heap`, and the run is empty.
    sorted: bool,
    heap: Vec<Entry<E>>,
    lanes: [Lane<E>; LANES],
    /// The timer slots: at most one pending event each.
    slots: Slots<E>,
}

/// The most events kept as a sorted run; the next one turns it into a heap.
/// A sorted run pops without a comparison and inserts with one loop, where
/// a heap's sifts take branches that go either way (mispredicted about half
/// the time); but a run's insertion moves every later entry, so a long one
/// becomes a heap (a sorted run already is one).
const SORTED_MAX: usize = 16;
/// A heap that shrinks to this many events is sorted into a run again (below
/// [`SORTED_MAX`], so a size near the limit does not switch at every event).
const SORTED_AGAIN: usize = 8;
/// The sorted run's buffer, in entries: the run moves up one slot per pop
/// and back to the start when it reaches the end.
const RUN_BUFFER: usize = 512;

impl<E: Copy> Default for Scheduler<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> Scheduler<E> {
    /// An empty scheduler at time zero, without lanes.
    pub fn new() -> Self {
        Self::with_lanes()
    }
}

impl<E: Copy, const LANES: usize> Scheduler<E, LANES> {
    /// An empty scheduler at time zero with its `LANES` lanes.
    pub fn with_lanes() -> Self {
        Scheduler {
            now: SimTime::ZERO,
            seq: 0,
            run: Vec::new(),
            head: 1,
            end: 1,
            sorted: true,
            heap: Vec::new(),
            lanes: std::array::from_fn(|_| Lane::new()),
            slots: Slots::new(),
        }
    }

    /// The current simulated time: the time of the event being handled.
    #[inline(always)]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Number of pending events.
    pub fn len(&self) -> usize {
        self.end - self.head
            + self.heap.len()
            + self.lanes.iter().map(Lane::len).sum::<usize>()
            + self.slots.len()
    }

    /// True when no event is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    #[inline(always)]
    fn entry(&mut self, at: SimTime, event: E) -> Entry<E> {
        assert!(at >= self.now, "event scheduled in the past");
        let seq = self.seq;
        self.seq += 1;
        Entry {
            time: at.0,
            seq,
            event,
        }
    }

    /// Schedules `event` at absolute time `at`, which must not be in the past.
    #[inline(always)]
    pub fn schedule_at(&mut self, at: SimTime, event: E) {
        let entry = self.entry(at, event);
        self.push(entry);
    }

    /// Schedules `event` at `at` in FIFO lane `lane`. `at` must not be earlier
    /// than the lane's last event: use lanes only for fixed delays from now.
    #[inline(always)]
    pub fn schedule_at_lane(&mut self, lane: usize, at: SimTime, event: E) {
        let entry = self.entry(at, event);
        let q = &mut self.lanes[lane];
        // Sequence numbers only grow, so the time alone decides the order.
        if q.last_time().is_some_and(|last| last > entry.time) {
            panic!("lane {lane} would go out of time order");
        }
        q.push(entry);
    }

    /// Schedules `event` after `delay` from now.
    #[inline(always)]
    pub fn schedule_in(&mut self, delay: SimTime, event: E) {
        self.schedule_at(self.now + delay, event);
    }

    /// Arms timer slot `slot` for `event` at `at`, which must not be in the
    /// past. A slot holds at most one pending event: arming it again
    /// replaces the event it held, which then never fires. The event runs
    /// in `(time, sequence)` order like any other, its sequence number
    /// taken now; slots change the cost of a timer that is re-armed or
    /// cancelled, never the order. Slots are numbered from 0, and a few
    /// are expected (one per connection pool, say): their number grows to
    /// the largest `slot` armed.
    #[inline(always)]
    pub fn arm(&mut self, slot: usize, at: SimTime, event: E) {
        let entry = self.entry(at, event);
        self.slots.arm(slot, entry);
    }

    /// Disarms timer slot `slot`: its pending event, if any, never fires.
    #[inline(always)]
    pub fn disarm(&mut self, slot: usize) {
        self.slots.disarm(slot);
    }

    /// Removes the next event, advances the clock to its time and returns both.
    #[inline(always)]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        // The source of the earliest event: a lane's index, `SLOTS` (a
        // timer slot) or `PENDING` (the run or the heap). An empty run's
        // front is its end sentinel, and an empty heap's, an empty lane's
        // and no armed slot's key is `u128::MAX` too: past every real
        // event's, as sequence numbers never reach `u64::MAX`.
        const PENDING: usize = usize::MAX;
        const SLOTS: usize = usize::MAX - 1;
        let mut source = PENDING;
        let pending = if self.sorted {
            self.run.get(self.head)
        } else {
            self.heap.first()
        };
        let mut best = pending.map_or(u128::MAX, Entry::key);
        for (i, q) in self.lanes.iter().enumerate() {
            if q.key() < best {
                best = q.key();
                source = i;
            }
        }
        if self.slots.best() < best {
            best = self.slots.best();
            source = SLOTS;
        }
        let entry = if source == SLOTS {
            self.slots.pop()
        } else if source != PENDING {
            self.lanes[source].pop()
        } else if best == u128::MAX {
            return None;
        } else if let (true, Some(&entry)) = (self.sorted, pending) {
            // The popped entry stays below the run: its time is now, which
            // no event scheduled from here on is below. It is copied
            // through the reference its key was read from.
            self.head += 1;
            entry
        } else {
            self.heap_pop()
        };
        let at = SimTime(entry.time);
        debug_assert!(at >= self.now);
        self.now = at;
        Some((at, entry.event))
    }

    /// Adds `entry` to the events not in a lane.
    #[inline(always)]
    fn push(&mut self, entry: Entry<E>) {
        if self.sorted {
            if self.end - self.head < SORTED_MAX {
                self.insert_sorted(entry);
                return;
            }
            // A sorted run is a valid min-heap.
            self.heap.extend_from_slice(&self.run[self.head..self.end]);
            self.set_run(0);
            self.sorted = false;
        }
        let pos = self.heap.len();
        self.heap.push(entry);
        sift_up(self.heap.as_mut_slice(), pos, entry);
    }

    /// Makes the run `run[1..=len]` (its entries already there) with its
    /// sentinels, allocating the buffer if it has none: `entry` lends the
    /// sentinels an event.
    #[cold]
    fn set_run_with(&mut self, len: usize, entry: Entry<E>) {
        if self.run.is_empty() {
            self.run = vec![entry; RUN_BUFFER];
        }
        self.set_run(len);
    }

    /// Makes the run `run[1..=len]` (its entries already there) with its
    /// sentinels; the buffer must exist.
    fn set_run(&mut self, len: usize) {
        self.head = 1;
        self.end = 1 + len;
        self.run[0].time = 0;
        self.run[self.end].time = u64::MAX;
        self.run[self.end].seq = u64::MAX;
    }

    /// Inserts `entry` into the sorted run, after every entry whose time
    /// is not later than its own (their sequence numbers are smaller).
    #[inline(always)]
    fn insert_sorted(&mut self, entry: Entry<E>) {
        if self.end + 1 >= self.run.len() {
            // Back to the start of the buffer (or a first buffer).
            let len = self.end - self.head;
            if !self.run.is_empty() {
                self.run.copy_within(self.head..self.end, 1);
            }
            self.set_run_with(len, entry);
        }
        let run = self.run.as_mut_slice();
        let mut i = self.end;
        // What the walk below relies on (see [`Scheduler`]); cheap, and
        // never fails.
        assert!(
            i + 1 < run.len() && self.head >= 1 && run[self.head - 1].time <= entry.time,
            "the run is in its buffer, above an entry not later than the new one"
        );
        // SAFETY: `run[head - 1]`'s time is not after `entry`'s, so `i`
        // stops at `head` at the lowest, and `head` is at least 1; `i`
        // starts at `end`, below the buffer's length (all checked above).
        unsafe {
            while run.get_unchecked(i - 1).time > entry.time {
                *run.get_unchecked_mut(i) = *run.get_unchecked(i - 1);
                i -= 1;
            }
            *run.get_unchecked_mut(i) = entry;
        }
        self.end += 1;
        run[self.end].time = u64::MAX;
        run[self.end].seq = u64::MAX;
    }

    /// Removes the binary heap's smallest entry, and sorts a heap that
    /// has become small into the run; the heap must not be empty.
    #[inline(always)]
    fn heap_pop(&mut self) -> Entry<E> {
        let top = self.heap_pop_heap();
        if self.heap.len() <= SORTED_AGAIN {
            self.heap.sort_unstable_by_key(Entry::key);
            let n = self.heap.len();
            self.run[1..=n].copy_from_slice(&self.heap);
            self.heap.clear();
            self.set_run(n);
            self.sorted = true;
        }
        top
    }

    /// Removes the binary heap's smallest entry; the heap must not be empty.
    #[inline(always)]
    fn heap_pop_heap(&mut self) -> Entry<E> {
        let last = self.heap.pop().expect("heap is non-empty");
        // A slice: its length is fixed, so the compiler can drop most bounds checks.
        let heap = self.heap.as_mut_slice();
        let Some(&top) = heap.first() else {
            return last;
        };
        // Bottom-up: walk the hole at the root down to a leaf along the
        // smaller children (one comparison per level), then sift `last` up
        // from there; it came from the bottom, so it rarely moves far.
        let n = heap.len();
        let mut pos = 0;
        let mut child = 1;
        while child + 1 < n {
            // SAFETY: `child + 1 < n`, so `child` and `child + 1` index the
            // heap, and `pos` (the parent of `child`) is below them.
            unsafe {
                child += heap
                    .get_unchecked(child + 1)
                    .before(heap.get_unchecked(child)) as usize;
                *heap.get_unchecked_mut(pos) = *heap.get_unchecked(child);
            }
            pos = child;
            child = 2 * pos + 1;
        }
        if child < n {
            heap[pos] = heap[child];
            pos = child;
        }
        sift_up(heap, pos, last);
        top
    }
}

/// Puts `entry` in the hole at `pos` of `heap`, moving the hole up past
/// the parents that run after it.
#[inline(always)]
fn sift_up<E: Copy>(heap: &mut [Entry<E>], mut pos: usize, entry: Entry<E>) {
    assert!(pos < heap.len(), "the hole is in the heap");
    while pos > 0 {
        let parent = (pos - 1) / 2;
        // SAFETY: `parent < pos < heap.len()` (checked above, and `pos`
        // only moves to parents).
        unsafe {
            if !entry.before(heap.get_unchecked(parent)) {
                break;
            }
            *heap.get_unchecked_mut(pos) = *heap.get_unchecked(parent);
        }
        pos = parent;
    }
    // SAFETY: as above.
    unsafe { *heap.get_unchecked_mut(pos) = entry };
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

    /// The run's sentinels sit at time 0 and at the end of the clock: real
    /// events at exactly those times still pop in order, in the run and
    /// after a trip through the heap.
    #[test]
    fn events_at_the_clock_s_ends_pop_in_order() {
        for n in [3u32, 40] {
            let mut s = Scheduler::new();
            for i in 0..n {
                let at = if i % 2 == 0 {
                    SimTime::MAX
                } else {
                    SimTime::ZERO
                };
                s.schedule_at(at, i);
            }
            let zeros = (0..n).filter(|i| i % 2 == 1);
            let maxes = (0..n).filter(|i| i % 2 == 0);
            let want: Vec<(SimTime, u32)> = zeros
                .map(|i| (SimTime::ZERO, i))
                .chain(maxes.map(|i| (SimTime::MAX, i)))
                .collect();
            let got: Vec<(SimTime, u32)> = std::iter::from_fn(|| s.pop()).collect();
            assert_eq!(got, want, "{n} events");
        }
    }

    #[test]
    #[should_panic(expected = "past")]
    fn scheduling_in_the_past_is_a_bug() {
        let mut s = Scheduler::new();
        s.schedule_at(SimTime(10), ());
        s.pop();
        s.schedule_at(SimTime(9), ());
    }

    /// Runs `steps` steps against a scheduler and a plain list of what is
    /// pending: `step(i, pending)` gives `Some(dt)` to schedule an event
    /// `dt` after now, or `None` to pop one, which must be the smallest
    /// (time, sequence) pending.
    fn replay(
        steps: usize,
        mut step: impl FnMut(usize, usize) -> Option<u64>,
    ) -> Result<(), TestCaseError> {
        let mut s = Scheduler::new();
        let mut pending: Vec<(u64, usize)> = Vec::new();
        for i in 0..steps {
            match step(i, pending.len()) {
                None => {
                    let want = pending.iter().copied().min();
                    let got = s.pop().map(|(t, j)| (t.0, j));
                    prop_assert_eq!(got, want);
                    pending.retain(|&p| Some(p) != want);
                }
                Some(dt) => {
                    let at = s.now().0 + dt;
                    s.schedule_at(SimTime(at), i);
                    pending.push((at, i));
                }
            }
        }
        prop_assert_eq!(s.len(), pending.len());
        Ok(())
    }

    proptest! {
        /// Lanes change nothing in the order: a mix of heap and lane events pops
        /// exactly as if all were in the heap.
        #[test]
        fn lanes_preserve_the_order(ops in proptest::collection::vec((0u64..5, 0usize..3), 1..300)) {
            let mut mixed = Scheduler::<usize, 2>::with_lanes();
            let mut plain = Scheduler::new();
            let delays = [0u64, 7, 3];
            let mut got = Vec::new();
            let mut want = Vec::new();
            for (i, (d, target)) in ops.iter().enumerate() {
                // Interleave pops so lanes see "now" advance.
                if i % 3 == 2 {
                    got.push(mixed.pop());
                    want.push(plain.pop());
                }
                let at = mixed.now() + SimTime(if *target == 0 { *d } else { delays[*target] });
                let at_plain = plain.now() + SimTime(if *target == 0 { *d } else { delays[*target] });
                prop_assert_eq!(at, at_plain);
                if *target == 0 {
                    mixed.schedule_at(at, i);
                } else {
                    mixed.schedule_at_lane(*target - 1, at, i);
                }
                plain.schedule_at(at_plain, i);
            }
            got.extend(std::iter::from_fn(|| mixed.pop().map(Some)));
            want.extend(std::iter::from_fn(|| plain.pop().map(Some)));
            prop_assert_eq!(got, want);
        }

        /// Timer slots change nothing in the order: events armed in slots,
        /// re-armed and disarmed, mixed with plain and lane events (enough
        /// to make the heap), pop exactly in `(time, sequence)` order of
        /// what is pending, a slot's replaced or disarmed event no longer
        /// pending.
        #[test]
        fn slots_preserve_the_order(ops in proptest::collection::vec((0u64..40, 0u8..6, 0usize..3), 1..400)) {
            let mut s = Scheduler::<usize, 1>::with_lanes();
            // What is pending: (time, sequence, id, slot or usize::MAX).
            let mut pending: Vec<(u64, usize, usize, usize)> = Vec::new();
            let mut seq = 0;
            for (i, &(dt, op, k)) in ops.iter().enumerate() {
                let at = s.now().0 + dt;
                match op {
                    0 => {
                        let want = pending.iter().copied().min();
                        prop_assert_eq!(s.pop().map(|(t, id)| (t.0, id)), want.map(|w| (w.0, w.2)));
                        pending.retain(|&p| Some(p) != want);
                        continue;
                    }
                    1 => {
                        s.arm(k, SimTime(at), i);
                        pending.retain(|p| p.3 != k);
                        pending.push((at, seq, i, k));
                    }
                    2 => {
                        s.disarm(k);
                        pending.retain(|p| p.3 != k);
                        continue;
                    }
                    3 => {
                        let at = s.now().0 + 7;
                        s.schedule_at_lane(0, SimTime(at), i);
                        pending.push((at, seq, i, usize::MAX));
                    }
                    _ => {
                        s.schedule_at(SimTime(at), i);
                        pending.push((at, seq, i, usize::MAX));
                    }
                }
                seq += 1;
                prop_assert_eq!(s.len(), pending.len());
            }
            pending.sort();
            let got: Vec<(u64, usize)> = std::iter::from_fn(|| s.pop()).map(|(t, id)| (t.0, id)).collect();
            let want: Vec<(u64, usize)> = pending.iter().map(|p| (p.0, p.2)).collect();
            prop_assert_eq!(got, want);
        }

        /// Pushes and pops interleaved, so the pending events grow past a
        /// sorted run's limit into a heap and shrink back into a run, again
        /// and again.
        #[test]
        fn runs_and_heaps_pop_in_order(ops in proptest::collection::vec((0u64..40, 0u8..3), 1..600)) {
            replay(ops.len(), |i, _| {
                let (dt, op) = ops[i];
                // Mostly pushes early and pops late, so sizes sweep up and down.
                let pop = op == 0 || (i > ops.len() / 2 && op == 1);
                (!pop).then_some(dt)
            })?;
        }

        /// A long steady state, as a simulation keeps: a few events pending
        /// while thousands pass, so the run reaches its buffer's end and
        /// moves back to the start many times.
        #[test]
        fn long_steady_runs_pop_in_order(ops in proptest::collection::vec((0u64..30, any::<bool>()), 2000..4000)) {
            replay(ops.len(), |i, pending| {
                let (dt, pop) = ops[i];
                // Pop only with a few pending, so the run never becomes a heap.
                let pop = pop && pending > 0 || pending >= 12;
                (!pop).then_some(dt)
            })?;
        }

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
