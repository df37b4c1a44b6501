//! A minimal hand-written simulator of exactly benchmark case (a): the
//! machine's yardstick.
//!
//! capsim's speed target is set against "a minimal hand-written simulator
//! of exactly (a) with one generic event heap" (about 12 million simulated
//! requests per second on the machine where the target was set; the first
//! target, 6 million, was half of that; the current one is 0.75 of it). Machines differ, and this VM's speed drifts from day to day, so the
//! benchmark runs that simulator too, and capsim's case (a) divided by it is
//! the ratio that carries over between machines.
//!
//! It is what the words say and no more: M/M/10 with a deterministic patience
//! of 1 ms (Poisson arrivals at 9,000/s, exponential holds of mean 1 ms, FIFO
//! waiters), integer-nanosecond time, one `std` binary heap of
//! `(time, sequence, event)`, a ChaCha8 generator and `rand_distr`'s
//! exponential, and three counters. No pods, no L1, no connection state, no
//! histograms, no time-weighted gauges, no warm-up window.
//!
//! Two variants, which count exactly the same (checked by
//! `tests/reference_sim.rs`):
//! - [`run_eager`] schedules a timeout event for every waiting customer and
//!   ignores it when stale;
//! - [`run`] settles abandonment lazily: with equal patience and FIFO
//!   waiters, a customer whose patience ran out is counted when a server
//!   reaches it, so only arrivals and departures are events. It is the
//!   faster of the two (about 12 M/s on this VM on 2026-11-29, as
//!   expected), so it is the yardstick.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

const SERVERS: u32 = 10;
/// Arrivals per nanosecond (9,000/s).
const RATE: f64 = 9_000.0 / 1e9;
/// Mean hold in nanoseconds (1 ms).
const HOLD: f64 = 1e6;
/// Patience in nanoseconds (1 ms).
const PATIENCE: u64 = 1_000_000;

/// What one run counts. Customers still being served when arrivals stop are
/// served; customers still waiting are served or abandon as usual.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    pub arrived: u64,
    pub served: u64,
    pub abandoned: u64,
}

/// Case (a) with arrivals for `seconds` of simulated time, abandonment
/// settled lazily (the yardstick).
pub fn run(seconds: u64, seed: u64) -> Counts {
    let (mut rng, end, gap, hold) = setup(seconds, seed);
    // (time, sequence, is an arrival)
    let mut heap: BinaryHeap<Reverse<(u64, u64, bool)>> = BinaryHeap::new();
    let mut seq = 0u64;
    // Arrival times of waiting customers.
    let mut queue: VecDeque<u64> = VecDeque::new();
    let mut busy = 0u32;
    let mut counts = Counts::default();
    heap.push(Reverse((draw(&gap, &mut rng), 0, true)));
    while let Some(Reverse((now, _, arrival))) = heap.pop() {
        seq += 1;
        if arrival {
            counts.arrived += 1;
            let next = now + draw(&gap, &mut rng);
            if next < end {
                heap.push(Reverse((next, seq, true)));
            }
            if busy < SERVERS {
                busy += 1;
                heap.push(Reverse((now + draw(&hold, &mut rng), seq, false)));
            } else {
                queue.push_back(now);
            }
        } else {
            counts.served += 1;
            // A customer abandons at arrival + patience; a server freed at
            // that very instant is too late, as in `run_eager`'s tie order
            // (the earlier-scheduled timeout pops first).
            while queue.front().is_some_and(|&t| t + PATIENCE <= now) {
                queue.pop_front();
                counts.abandoned += 1;
            }
            if queue.pop_front().is_some() {
                heap.push(Reverse((now + draw(&hold, &mut rng), seq, false)));
            } else {
                busy -= 1;
            }
        }
    }
    counts
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Arrival,
    Departure,
    /// Waiting customer `id` runs out of patience (if still waiting).
    Timeout(u64),
}

/// Case (a) with a timeout event per waiting customer.
pub fn run_eager(seconds: u64, seed: u64) -> Counts {
    let (mut rng, end, gap, hold) = setup(seconds, seed);
    let mut heap: BinaryHeap<Reverse<(u64, u64, Event)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut push = |heap: &mut BinaryHeap<_>, t: u64, e: Event| {
        seq += 1;
        heap.push(Reverse((t, seq, e)));
    };
    // Ids of waiting customers, oldest first.
    let mut queue: VecDeque<u64> = VecDeque::new();
    let mut next_id = 0u64;
    let mut busy = 0u32;
    let mut counts = Counts::default();
    push(&mut heap, draw(&gap, &mut rng), Event::Arrival);
    while let Some(Reverse((now, _, ev))) = heap.pop() {
        match ev {
            Event::Arrival => {
                counts.arrived += 1;
                let next = now + draw(&gap, &mut rng);
                if next < end {
                    push(&mut heap, next, Event::Arrival);
                }
                if busy < SERVERS {
                    busy += 1;
                    push(&mut heap, now + draw(&hold, &mut rng), Event::Departure);
                } else {
                    queue.push_back(next_id);
                    push(&mut heap, now + PATIENCE, Event::Timeout(next_id));
                    next_id += 1;
                }
            }
            Event::Departure => {
                counts.served += 1;
                if queue.pop_front().is_some() {
                    push(&mut heap, now + draw(&hold, &mut rng), Event::Departure);
                } else {
                    busy -= 1;
                }
            }
            Event::Timeout(id) => {
                // Waiters leave in FIFO order with equal patience, so a live
                // timeout is always the head's; a stale one finds a later head.
                if queue.front() == Some(&id) {
                    queue.pop_front();
                    counts.abandoned += 1;
                }
            }
        }
    }
    counts
}

/// The generator, the end of arrivals in nanoseconds, and the gap and hold
/// distributions (in nanoseconds) of a run of `seconds`.
fn setup(seconds: u64, seed: u64) -> (ChaCha8Rng, u64, Exp<f64>, Exp<f64>) {
    let gap = Exp::new(RATE).expect("positive rate");
    let hold = Exp::new(1.0 / HOLD).expect("positive rate");
    (
        ChaCha8Rng::seed_from_u64(seed),
        seconds * 1_000_000_000,
        gap,
        hold,
    )
}

/// An exponential variate in whole nanoseconds.
fn draw(d: &Exp<f64>, rng: &mut impl Rng) -> u64 {
    d.sample(rng) as u64
}
