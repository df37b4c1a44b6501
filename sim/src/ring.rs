//! A double-ended queue of small `Copy` values whose every operation but
//! growing inlines: a ring over a power-of-two buffer.
//!
//! It is the structure of `std`'s `VecDeque`, which a model could use as
//! well; but `VecDeque::push_back` calls an out-of-line function, and in a
//! pool's waiter queue and idle set, on the request path, that call was
//! about 2% of benchmark case (a)'s instructions. Here only growing
//! (a few times per run) is out of line.

/// A FIFO/LIFO of `T`s: push and pop at both ends.
#[derive(Clone, Debug, Default)]
pub struct Ring<T: Copy + Default> {
    /// The slots: empty, or a power of two long.
    buf: Vec<T>,
    /// The slot of the front value.
    head: usize,
    len: usize,
}

impl<T: Copy + Default> Ring<T> {
    /// An empty ring (it allocates on its first push).
    pub const fn new() -> Self {
        Ring {
            buf: Vec::new(),
            head: 0,
            len: 0,
        }
    }

    /// Number of values.
    #[inline(always)]
    pub fn len(&self) -> usize {
        self.len
    }

    /// True if there is no value.
    #[inline(always)]
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The slot `k` places after the front (`buf` must not be empty).
    #[inline(always)]
    fn slot(&self, k: usize) -> usize {
        (self.head + k) & (self.buf.len() - 1)
    }

    /// Adds `v` at the back.
    #[inline(always)]
    pub fn push_back(&mut self, v: T) {
        if self.len == self.buf.len() {
            self.grow();
        }
        let i = self.slot(self.len);
        self.buf[i] = v;
        self.len += 1;
    }

    /// Adds `v` at the front.
    #[inline(always)]
    pub fn push_front(&mut self, v: T) {
        if self.len == self.buf.len() {
            self.grow();
        }
        // One place before the front: `buf.len() - 1` places after it.
        self.head = self.slot(self.buf.len() - 1);
        self.buf[self.head] = v;
        self.len += 1;
    }

    /// The front value, if any.
    #[inline(always)]
    pub fn front(&self) -> Option<&T> {
        if self.len == 0 {
            return None;
        }
        Some(&self.buf[self.head])
    }

    /// Takes the front value, if any.
    #[inline(always)]
    pub fn pop_front(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        let v = self.buf[self.head];
        self.head = self.slot(1);
        self.len -= 1;
        Some(v)
    }

    /// Takes the back value, if any.
    #[inline(always)]
    pub fn pop_back(&mut self) -> Option<T> {
        if self.len == 0 {
            return None;
        }
        self.len -= 1;
        Some(self.buf[self.slot(self.len)])
    }

    /// Doubles the slots (at least 4), moving the values to the start in order.
    #[cold]
    #[inline(never)]
    fn grow(&mut self) {
        let size = (self.buf.len() * 2).max(4);
        let mut buf = Vec::with_capacity(size);
        buf.extend((0..self.len).map(|k| self.buf[self.slot(k)]));
        buf.resize(size, T::default());
        self.buf = buf;
        self.head = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::VecDeque;

    proptest! {
        /// Any sequence of operations gives what `VecDeque` gives.
        #[test]
        fn behaves_as_vecdeque(ops in prop::collection::vec((0u8..5, any::<u32>()), 0..400)) {
            let mut ring = Ring::new();
            let mut model = VecDeque::new();
            for (op, v) in ops {
                match op {
                    0 => { ring.push_back(v); model.push_back(v); }
                    1 => { ring.push_front(v); model.push_front(v); }
                    2 => prop_assert_eq!(ring.pop_front(), model.pop_front()),
                    3 => prop_assert_eq!(ring.pop_back(), model.pop_back()),
                    _ => prop_assert_eq!(ring.front(), model.front()),
                }
                prop_assert_eq!(ring.len(), model.len());
                prop_assert_eq!(ring.is_empty(), model.is_empty());
            }
        }
    }
}
