//! The model's side of a keyed L1: a read's key is drawn when its lookup
//! ends, and the read is served, loads its key through Redis (and the
//! database), or waits for the load of the same key already in flight in its
//! pod (coalescing). A load's end fills the pod's cache and ends the reads
//! that waited for it, with its value or with its failure.

use super::super::requests::Request;
use super::{read_ended, Model};
use crate::cache::fleet::Lookup;
use crate::scenario::ErrorCause;

impl Model<'_> {
    /// A keyed L1's lookup ended: draw the read's key and serve it, load it
    /// (a miss), or wait for the load in flight (a coalesced miss).
    pub(super) fn keyed_lookup(&mut self, r: u32) {
        let now = self.now();
        let counted = self.stats.window.contains(now);
        let req = &mut self.requests[r];
        let keyed = self.l1.keyed().expect("a keyed L1");
        let (key, outcome) = keyed.lookup(req.pod, now, counted);
        keyed.fleet.prefetch(self.arrivals.peek_pod());
        req.key = key;
        if req.measured {
            self.stats.keyed_read(outcome);
        }
        self.stats.l1_series(now, outcome == Lookup::Hit);
        match outcome {
            Lookup::Hit => self.read_done(r),
            Lookup::Load => {
                self.requests[r].loading = true;
                self.route(r);
                self.checkout(r);
            }
            Lookup::Join => keyed.fleet.wait(req.pod, key, r),
        }
    }

    /// The load of `r`'s key ended with its value: fill the pod's cache;
    /// returns the reads that waited for it.
    fn loaded(&mut self, r: u32) -> Vec<u32> {
        let now = self.now();
        let counted = self.stats.window.contains(now);
        let req = &mut self.requests[r];
        req.loading = false;
        let keyed = self.l1.keyed().expect("only keyed reads load");
        keyed.fill(req.pod, req.key, now, counted)
    }

    /// A read ended with its value; so did the reads that waited for its load.
    #[inline(always)]
    pub(super) fn read_done(&mut self, r: u32) {
        let now = self.now();
        let req = &mut self.requests[r];
        if !req.loading {
            let more = read_ended(&mut self.stats, req, now);
            return self.after_read(r, more);
        }
        let waiting = self.loaded(r);
        self.read_done_one(r);
        for w in waiting {
            self.read_done_one(w);
        }
    }

    /// The load of `req` (already ended) failed with `cause`: the reads that
    /// waited for it share its failure.
    pub(super) fn load_failed(&mut self, req: Request, cause: ErrorCause) {
        let now = self.now();
        let keyed = self.l1.keyed().expect("only keyed reads load");
        for w in keyed.fleet.failed(req.pod, req.key) {
            let waiter = self.requests[w];
            self.stats
                .request_failed(now, waiter.arrived, cause, waiter.measured);
            self.finish(w);
        }
    }
}
