//! Resharding (`[[faults]] kind = "reshard"`): hash slots that move from one
//! node to another during the run, and the redirects clients get meanwhile,
//! as Redis Cluster answers them.
//!
//! A reshard of `slots` slots over `duration` migrates them one after
//! another, each for `duration / slots` (what `redis-cli --cluster reshard`
//! does: `CLUSTER SETSLOT .. MIGRATING/IMPORTING`, `MIGRATE` of the slot's
//! keys, `CLUSTER SETSLOT .. NODE`). While slot `s` migrates, each of its
//! keys moves at its own instant in the slot's window (the key's place in
//! it is a hash of its rank, so keys spread evenly and every run agrees).
//! The server's answer to a command for a key of a slot:
//!
//! - at the slot's owner, not migrating: served;
//! - at the source of a migrating slot: served if the key has not moved
//!   yet, else `-ASK` to the target; the client sends `ASKING` and the
//!   command to the target (go-redis and Lettuce pipeline the two; one
//!   round trip), and keeps its slot map;
//! - at the target of a migrating slot, after `ASKING`: served;
//! - anywhere else: `-MOVED` to the owner; the client refreshes its whole
//!   slot map (JedisCluster's `renewSlotCache`, go-redis's lazy reload) and
//!   sends the command there.
//!
//! A redirect costs the node that sends it a PING's event-loop time (a
//! reply with no work behind it), `ASKING` likewise. A pod's slot map is as
//! of its last MOVED (the run's start before any): a slot whose migration
//! ended before then is on its new node. The refresh itself (`CLUSTER
//! SLOTS`) is not charged.

use crate::scenario::{FaultKind, Scenario};
use crate::slots::{rank_slot, SlotMap};
use sim::time::SimTime;

/// A slot's move.
#[derive(Clone, Copy, Debug)]
struct Move {
    from: u16,
    to: u16,
    start: SimTime,
    end: SimTime,
}

/// A server's answer to a command for a key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Answer {
    /// The node serves it.
    Serve,
    /// `-ASK node`: the key has moved to `node` (its slot still migrating).
    Ask(u16),
    /// `-MOVED node`: the slot is `node`'s.
    Moved(u16),
}

/// The slots that move, and what each pod's client knows of it.
pub struct Reshard {
    base: SlotMap,
    /// Each slot's moves, in time order: `moves[first[s]..first[s + 1]]`.
    moves: Vec<Move>,
    first: Vec<u32>,
    /// When each pod last refreshed its slot map (`None`: never).
    refreshed: Vec<Option<SimTime>>,
}

impl Reshard {
    /// The reshards of `sc` (faults' `at` counted from `warmup_end`), or
    /// `None` if it has none.
    pub fn new(sc: &Scenario, base: &SlotMap, warmup_end: SimTime) -> Option<Self> {
        let faults: Vec<_> = sc
            .faults
            .iter()
            .filter_map(|f| match f.kind {
                FaultKind::Reshard {
                    to,
                    slots,
                    duration,
                } => Some((
                    f.shard,
                    to,
                    slots,
                    SimTime(warmup_end.0.saturating_add(f.at.0)),
                    duration,
                )),
                _ => None,
            })
            .collect();
        if faults.is_empty() {
            return None;
        }
        let plan = base
            .plan(&faults.iter().map(|f| (f.0, f.1, f.2)).collect::<Vec<_>>())
            .expect("validation checks that every reshard's source owns its slots");
        let mut by_slot: Vec<(u16, Move)> = Vec::new();
        for (&(from, to, count, at, duration), slots) in faults.iter().zip(&plan) {
            let window = |i: u64| {
                let offset = u128::from(duration.0) * u128::from(i) / u128::from(count);
                SimTime(at.0.saturating_add(offset as u64))
            };
            for (i, &slot) in slots.iter().enumerate() {
                let i = i as u64;
                by_slot.push((
                    slot,
                    Move {
                        from: from as u16,
                        to: to as u16,
                        start: window(i),
                        end: window(i + 1),
                    },
                ));
            }
        }
        Some(Reshard::of(base.clone(), by_slot, sc.pods.count as usize))
    }

    /// The moves `by_slot` (`(slot, move)`, each slot's in time order) over
    /// `base`, for `pods` pods that know nothing of them yet.
    fn of(base: SlotMap, mut by_slot: Vec<(u16, Move)>, pods: usize) -> Self {
        // Stable: a slot's moves stay in time order.
        by_slot.sort_by_key(|&(slot, _)| slot);
        let mut first = vec![0u32; crate::slots::SLOTS as usize + 1];
        for &(slot, _) in &by_slot {
            first[slot as usize + 1] += 1;
        }
        for s in 0..crate::slots::SLOTS as usize {
            first[s + 1] += first[s];
        }
        Reshard {
            base,
            moves: by_slot.into_iter().map(|(_, m)| m).collect(),
            first,
            refreshed: vec![None; pods],
        }
    }

    fn moves_of(&self, slot: u16) -> &[Move] {
        let s = slot as usize;
        &self.moves[self.first[s] as usize..self.first[s + 1] as usize]
    }

    /// The node `pod`'s client sends a command for `rank`'s key to: the
    /// slot's owner in its slot map.
    pub fn client_node(&self, pod: u32, rank: u64) -> u32 {
        let slot = rank_slot(rank);
        let mut node = self.base.node_of_slot(slot);
        if let Some(known) = self.refreshed[pod as usize] {
            for m in self.moves_of(slot) {
                if m.end <= known {
                    node = u32::from(m.to);
                }
            }
        }
        node
    }

    /// `node`'s answer at `now` to a command for `rank`'s key, sent after
    /// `ASKING` if `asking`.
    pub fn answer(&self, node: u32, rank: u64, now: SimTime, asking: bool) -> Answer {
        let slot = rank_slot(rank);
        let mut owner = self.base.node_of_slot(slot) as u16;
        for m in self.moves_of(slot) {
            if now >= m.end {
                owner = m.to;
            } else if now >= m.start {
                return if node == u32::from(m.from) {
                    if now >= key_moves_at(m.start, m.end, rank) {
                        Answer::Ask(m.to)
                    } else {
                        Answer::Serve
                    }
                } else if node == u32::from(m.to) && asking {
                    Answer::Serve
                } else {
                    Answer::Moved(m.from)
                };
            } else {
                break;
            }
        }
        if node == u32::from(owner) {
            Answer::Serve
        } else {
            Answer::Moved(owner)
        }
    }

    /// `pod`'s client got a MOVED at `now`: it refreshes its slot map.
    pub fn refresh(&mut self, pod: u32, now: SimTime) {
        self.refreshed[pod as usize] = Some(now);
    }
}

/// When `rank`'s key moves in its slot's migration from `start` to `end`:
/// at a fraction of the window given by a hash of the rank (SplitMix64's
/// finalizer), so the keys of a slot move at evenly spread instants.
pub fn key_moves_at(start: SimTime, end: SimTime, rank: u64) -> SimTime {
    let mut z = rank.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^= z >> 31;
    let span = u128::from(end.0 - start.0);
    SimTime(start.0 + ((span * u128::from(z)) >> 64) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_follow_a_slots_migration() {
        // A key of node 0's range, its slot moving to node 2 over 10..20 s.
        let rank = (1..).find(|&r| rank_slot(r) < 5461).unwrap();
        let slot = rank_slot(rank);
        let s = SimTime::from_secs;
        let m = Move {
            from: 0,
            to: 2,
            start: s(10),
            end: s(20),
        };
        let mut r = Reshard::of(SlotMap::new(3), vec![(slot, m)], 2);
        let moves = key_moves_at(m.start, m.end, rank);
        assert!(moves >= s(10) && moves < s(20));
        // Before: node 0 serves, the others redirect there.
        assert_eq!(r.answer(0, rank, s(5), false), Answer::Serve);
        assert_eq!(r.answer(2, rank, s(5), false), Answer::Moved(0));
        // During, before and after the key's own move.
        assert_eq!(r.answer(0, rank, moves - SimTime(1), false), Answer::Serve);
        assert_eq!(r.answer(0, rank, moves, false), Answer::Ask(2));
        assert_eq!(r.answer(2, rank, moves, true), Answer::Serve);
        assert_eq!(r.answer(2, rank, moves, false), Answer::Moved(0));
        // After: node 2's, and a client learns it only from a MOVED.
        assert_eq!(r.answer(0, rank, s(20), false), Answer::Moved(2));
        assert_eq!(r.answer(2, rank, s(20), false), Answer::Serve);
        assert_eq!(r.client_node(0, rank), 0);
        r.refresh(0, s(15));
        assert_eq!(r.client_node(0, rank), 0, "refreshed mid-migration");
        r.refresh(0, s(21));
        assert_eq!(r.client_node(0, rank), 2);
        assert_eq!(r.client_node(1, rank), 0, "each pod has its own map");
    }

    #[test]
    fn a_redirect_adds_nothing_to_a_requests_size() {
        // The answer rides in every request's exchange: it must fit the
        // padding that was already there.
        assert_eq!(std::mem::size_of::<Answer>(), 4);
        assert_eq!(
            std::mem::size_of::<crate::engine::transport::Exchange>(),
            48
        );
    }

    #[test]
    fn keys_move_evenly_over_their_window() {
        // The fraction of keys moved halfway through is a half (binomial:
        // 100,000 keys, sd 0.0016; 4 sd).
        let n = 100_000u64;
        let end = SimTime::from_secs(1);
        let moved = (1..=n)
            .filter(|&r| key_moves_at(SimTime::ZERO, end, r) < SimTime::from_millis(500))
            .count() as f64
            / n as f64;
        let sd = (0.25 / n as f64).sqrt();
        assert!((moved - 0.5).abs() < 4.0 * sd, "{moved}");
    }
}
