//! Generation numbers for timers that are re-armed or cancelled often.
//!
//! The scheduler cannot remove an event once scheduled. A model that may need to
//! cancel one (an acquire timeout whose waiter was served, an idle check for a
//! connection that was borrowed) stamps the event with the current
//! [`Generation`] and bumps the generation to cancel: when the old event fires,
//! [`Generation::is_current`] says it is stale and the model ignores it.

/// A counter that invalidates previously issued timer stamps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Generation(u32);

impl Generation {
    /// The stamp to put in a newly scheduled event.
    #[inline]
    pub fn current(self) -> u32 {
        self.0
    }
    /// Makes every stamp issued so far stale.
    #[inline]
    pub fn cancel_all(&mut self) {
        self.0 = self.0.wrapping_add(1);
    }
    /// True if an event stamped with `stamp` is still live.
    #[inline]
    pub fn is_current(self, stamp: u32) -> bool {
        self.0 == stamp
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cancel_makes_old_stamps_stale() {
        let mut g = Generation::default();
        let a = g.current();
        assert!(g.is_current(a));
        g.cancel_all();
        assert!(!g.is_current(a));
        assert!(g.is_current(g.current()));
    }
}
