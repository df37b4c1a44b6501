//! A FIFO lane of the scheduler: events that arrive in time order.

use super::Entry;
use std::mem::MaybeUninit;

/// A FIFO of entries in time order. The front entry is kept apart from the
/// rest, in a field, so the scheduler's pop reads its key with no bounds
/// check and no test for emptiness: an empty lane's front has the key
/// `u128::MAX` (time and sequence `u64::MAX`), past every real event's, as
/// sequence numbers never reach `u64::MAX`. The rest is a `Vec` read from
/// `head`, emptied when fully read and compacted when the read part
/// outgrows the unread part, so its memory stays proportional to the events
/// pending in it.
pub(super) struct Lane<E> {
    /// The earliest entry; its event is initialised unless the lane is
    /// empty (sequence `u64::MAX`).
    front: Entry<MaybeUninit<E>>,
    /// The entries after the front, oldest first: `rest[head..]`. Not
    /// empty only if the front is not.
    rest: Vec<Entry<E>>,
    head: usize,
}

/// The front of an empty lane.
const fn vacant<E>() -> Entry<MaybeUninit<E>> {
    Entry {
        time: u64::MAX,
        seq: u64::MAX,
        event: MaybeUninit::uninit(),
    }
}

impl<E: Copy> Lane<E> {
    /// An empty lane.
    pub(super) fn new() -> Self {
        Lane {
            front: vacant(),
            rest: Vec::new(),
            head: 0,
        }
    }

    /// The front's `(time, sequence)` key, `u128::MAX` if the lane is empty.
    #[inline(always)]
    pub(super) fn key(&self) -> u128 {
        self.front.key()
    }

    #[inline(always)]
    fn is_empty(&self) -> bool {
        self.front.seq == u64::MAX
    }

    /// Number of entries.
    pub(super) fn len(&self) -> usize {
        usize::from(!self.is_empty()) + self.rest.len() - self.head
    }

    /// The time of the last entry, if any.
    #[inline(always)]
    pub(super) fn last_time(&self) -> Option<u64> {
        match self.rest.last() {
            Some(last) => Some(last.time),
            None => (!self.is_empty()).then_some(self.front.time),
        }
    }

    /// Appends `entry`, which must not run before the last entry.
    #[inline(always)]
    pub(super) fn push(&mut self, entry: Entry<E>) {
        if self.is_empty() {
            self.front = Entry {
                time: entry.time,
                seq: entry.seq,
                event: MaybeUninit::new(entry.event),
            };
            return;
        }
        if self.head >= 1024 && self.head * 2 >= self.rest.len() {
            self.rest.drain(..self.head);
            self.head = 0;
        }
        self.rest.push(entry);
    }

    /// Takes the front entry; the lane must not be empty.
    #[inline(always)]
    pub(super) fn pop(&mut self) -> Entry<E> {
        assert!(!self.is_empty(), "pop from an empty lane");
        let front = self.front;
        self.front = match self.rest.get(self.head) {
            Some(&next) => {
                self.head += 1;
                if self.head == self.rest.len() {
                    self.rest.clear();
                    self.head = 0;
                }
                Entry {
                    time: next.time,
                    seq: next.seq,
                    event: MaybeUninit::new(next.event),
                }
            }
            None => vacant(),
        };
        Entry {
            time: front.time,
            seq: front.seq,
            // SAFETY: the lane was not empty (asserted above), and a
            // non-empty lane's front holds an event written by `push` or
            // by the branch above.
            event: unsafe { front.event.assume_init() },
        }
    }
}
