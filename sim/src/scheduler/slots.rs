//! Timer slots: at most one pending event per slot, re-armed and disarmed in
//! place.

use super::Entry;

/// Where a slot's entry sits in the heap: `NONE` if the slot is not armed.
const NONE: u32 = u32::MAX;

/// The armed slots' entries as a binary min-heap by `(time, sequence)`, each
/// with its slot, and each slot's place in the heap, so a slot is re-armed
/// or disarmed where it sits. `best` caches the top's key (`u128::MAX` when
/// none is armed), so the scheduler's pop reads one field.
pub(super) struct Slots<E> {
    heap: Vec<(Entry<E>, u32)>,
    place: Vec<u32>,
    best: u128,
}

impl<E: Copy> Slots<E> {
    pub(super) fn new() -> Self {
        Slots {
            heap: Vec::new(),
            place: Vec::new(),
            best: u128::MAX,
        }
    }

    /// The earliest armed entry's key, `u128::MAX` if none is armed.
    #[inline(always)]
    pub(super) fn best(&self) -> u128 {
        self.best
    }

    /// Number of armed slots.
    pub(super) fn len(&self) -> usize {
        self.heap.len()
    }

    /// Arms `slot` with `entry`, replacing its pending entry if it has one.
    #[inline]
    pub(super) fn arm(&mut self, slot: usize, entry: Entry<E>) {
        match self.place.get(slot) {
            Some(&NONE) if self.heap.is_empty() => {
                // The common case of few slots: the only one armed.
                self.heap.push((entry, slot as u32));
                self.place[slot] = 0;
                self.best = entry.key();
            }
            Some(&NONE) => {
                self.heap.push((entry, slot as u32));
                self.settle(self.heap.len() - 1);
            }
            Some(&at) => {
                self.heap[at as usize].0 = entry;
                self.settle(at as usize);
            }
            None => {
                self.place.resize(slot + 1, NONE);
                self.arm(slot, entry);
            }
        }
    }

    /// Disarms `slot`: its pending entry, if any, is dropped.
    #[inline]
    pub(super) fn disarm(&mut self, slot: usize) {
        let Some(&at) = self.place.get(slot) else {
            return;
        };
        if at != NONE {
            self.place[slot] = NONE;
            self.remove_at(at as usize);
        }
    }

    /// Takes the earliest armed entry, which must exist.
    #[inline]
    pub(super) fn pop(&mut self) -> Entry<E> {
        let (entry, slot) = self.heap[0];
        self.place[slot as usize] = NONE;
        self.remove_at(0);
        entry
    }

    /// Removes the heap's element at `at` (its slot already unplaced).
    fn remove_at(&mut self, at: usize) {
        let last = self.heap.pop().expect("an armed slot is in the heap");
        if at < self.heap.len() {
            self.heap[at] = last;
            self.place[last.1 as usize] = at as u32;
            self.settle(at);
        } else if self.heap.is_empty() {
            self.best = u128::MAX;
        } else {
            self.best = self.heap[0].0.key();
        }
    }

    /// Moves the element at `at`, whose key may have changed either way, to
    /// its place; keeps `place` and `best` up to date.
    fn settle(&mut self, mut at: usize) {
        let item = self.heap[at];
        let key = item.0.key();
        while at > 0 {
            let parent = (at - 1) / 2;
            if self.heap[parent].0.key() <= key {
                break;
            }
            self.heap[at] = self.heap[parent];
            self.place[self.heap[at].1 as usize] = at as u32;
            at = parent;
        }
        loop {
            let left = 2 * at + 1;
            if left >= self.heap.len() {
                break;
            }
            let right = left + 1;
            let child =
                if right < self.heap.len() && self.heap[right].0.key() < self.heap[left].0.key() {
                    right
                } else {
                    left
                };
            if self.heap[child].0.key() >= key {
                break;
            }
            self.heap[at] = self.heap[child];
            self.place[self.heap[at].1 as usize] = at as u32;
            at = child;
        }
        self.heap[at] = item;
        self.place[item.1 as usize] = at as u32;
        self.best = self.heap[0].0.key();
    }
}
