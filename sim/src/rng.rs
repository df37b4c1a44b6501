//! Named random-number streams.
//!
//! Every purpose (arrivals, round trips, hit/miss outcomes, ...) draws from its
//! own stream, so changing how often one purpose draws never shifts another:
//! sweep points see common random numbers. A stream is a ChaCha8 generator
//! (`rand_chacha`, portable and fixed across platforms and versions of this
//! crate) whose 256-bit key is derived from the scenario seed and the
//! replication index, and whose 64-bit stream id is the FNV-1a hash of the
//! stream's name. Nothing here depends on thread identity, the platform's
//! hasher, or the order in which streams are created.

use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// The generator behind every stream.
pub type StreamRng = ChaCha8Rng;

/// Derives named streams for one replication of one experiment.
#[derive(Clone, Copy, Debug)]
pub struct Streams {
    key: [u8; 32],
}

impl Streams {
    /// Streams for replication `replication` of the experiment seeded with `seed`.
    pub fn new(seed: u64, replication: u64) -> Self {
        let mut state = seed ^ 0x6a09_e667_f3bc_c908;
        let mut key = [0u8; 32];
        for (i, chunk) in key.chunks_exact_mut(8).enumerate() {
            let word = splitmix64(&mut state) ^ splitmix64_once(replication.wrapping_add(i as u64));
            chunk.copy_from_slice(&word.to_le_bytes());
        }
        Streams { key }
    }

    /// The stream named `name`. The same name always gives the same sequence.
    pub fn stream(&self, name: &str) -> StreamRng {
        let mut rng = ChaCha8Rng::from_seed(self.key);
        rng.set_stream(fnv1a64(name.as_bytes()));
        rng
    }
}

/// FNV-1a, 64-bit: a fixed, portable hash of a stream name.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= b as u64;
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    splitmix64_once(*state)
}

fn splitmix64_once(x: u64) -> u64 {
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::RngCore;

    #[test]
    fn streams_are_reproducible_and_distinct() {
        let a = Streams::new(1, 0);
        let b = Streams::new(1, 0);
        assert_eq!(
            a.stream("arrivals").next_u64(),
            b.stream("arrivals").next_u64()
        );
        assert_ne!(a.stream("arrivals").next_u64(), a.stream("rtt").next_u64());
        assert_ne!(
            a.stream("arrivals").next_u64(),
            Streams::new(1, 1).stream("arrivals").next_u64()
        );
        assert_ne!(
            a.stream("arrivals").next_u64(),
            Streams::new(2, 0).stream("arrivals").next_u64()
        );
    }

    /// FNV-1a 64 against the published test vectors (draft-eastlake-fnv,
    /// "A Few Test Vectors"; the same values as Landon Curt Noll's
    /// `test_fnv.c`). The value for "arrivals" was computed with a separate
    /// implementation of FNV-1a (a few lines of Python that reproduce the
    /// three published vectors), not with this one.
    #[test]
    fn fnv1a64_matches_the_reference() {
        assert_eq!(fnv1a64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a64(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(fnv1a64(b"arrivals"), 0xb10b_c22c_a203_cc53);
    }

    /// Regression pin, not an expected value from theory: the literal was
    /// recorded from this implementation, so that any change to the key
    /// derivation, to ChaCha8 (`rand_chacha`) or to the stream id is noticed.
    /// If this fails, every published result changes; update the literal
    /// only on purpose, and say so in the commit message.
    #[test]
    fn stream_values_are_pinned() {
        let first = Streams::new(1, 0).stream("arrivals").next_u64();
        assert_eq!(first, 0xf9e4_0b79_bbdd_99d4);
    }
}
