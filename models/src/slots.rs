//! Redis Cluster's key space: key names, hash slots and the nodes that own
//! them.
//!
//! Redis Cluster splits its key space into 16384 hash slots. A key's slot is
//! the CRC16 of the key (the XMODEM variant: polynomial 0x1021, initial value
//! 0, no reflection) modulo 16384, so a cluster client computes it without
//! asking the server. A *hash tag* chooses the hashed part: if the key holds a
//! `{`, and a `}` follows it with at least one byte between them, only the
//! bytes between the first `{` and the first `}` after it are hashed, so
//! `{user1000}.following` and `{user1000}.followers` share a slot. A key with
//! no such pair (`foo{}{bar}`) is hashed whole.
//!
//! Each node owns a contiguous range of slots. [`SlotMap`] splits the slots
//! the way `redis-cli --cluster create` does for `n` masters: node `i` ends at
//! `round(i x 16384/n + 16384/n - 1)` in single-precision arithmetic, the last
//! node ends at 16383, so three nodes own 0-5460, 5461-10922 and 10923-16383.
//!
//! capsim's keys are popularity ranks (`1..=keys`, 1 the most popular). The
//! key of rank `r` is named `key:r` (decimal, no padding: `key:1`, `key:42`):
//! no braces, so no hash tag, and its slot is the real CRC16 of a name a real
//! application could use. Ranks that share a slot, and a hot rank's node,
//! are therefore what Redis would do with keys named that way.

/// Number of hash slots in a Redis Cluster.
pub const SLOTS: u16 = 16384;

/// The CRC16 table of polynomial 0x1021 (XMODEM), built at compile time.
const TABLE: [u16; 256] = {
    let mut table = [0u16; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = (i as u16) << 8;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

/// CRC16-XMODEM of `bytes` (the checksum Redis Cluster hashes keys with).
#[inline]
pub fn crc16(bytes: &[u8]) -> u16 {
    bytes.iter().fold(0u16, |crc, &b| {
        (crc << 8) ^ TABLE[((crc >> 8) as u8 ^ b) as usize]
    })
}

/// The part of `key` that is hashed: the hash tag if the key has one, else
/// the whole key.
pub fn hashed_part(key: &[u8]) -> &[u8] {
    let Some(open) = key.iter().position(|&b| b == b'{') else {
        return key;
    };
    let rest = &key[open + 1..];
    match rest.iter().position(|&b| b == b'}') {
        Some(close) if close > 0 => &rest[..close],
        _ => key,
    }
}

/// The hash slot of `key` (`0..16384`), hash tags included.
#[inline]
pub fn key_slot(key: &[u8]) -> u16 {
    crc16(hashed_part(key)) % SLOTS
}

/// The name of the key of popularity rank `rank`: `key:` and the rank in
/// decimal, written into a buffer on the stack.
#[derive(Clone, Copy)]
pub struct KeyName {
    buf: [u8; 24],
    len: usize,
}

impl KeyName {
    /// The name of rank `rank`.
    pub fn of(rank: u64) -> Self {
        let mut digits = [0u8; 20];
        let mut n = rank;
        let mut d = digits.len();
        loop {
            d -= 1;
            digits[d] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let mut buf = [0u8; 24];
        buf[..4].copy_from_slice(b"key:");
        let len = 4 + digits.len() - d;
        buf[4..len].copy_from_slice(&digits[d..]);
        KeyName { buf, len }
    }

    /// The name's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

/// The hash slot of the key of rank `rank`.
#[inline]
pub fn rank_slot(rank: u64) -> u16 {
    key_slot(KeyName::of(rank).as_bytes())
}

/// Which node owns each slot: `nodes` contiguous ranges, as `redis-cli
/// --cluster create` assigns them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotMap {
    /// The last slot of each node, ascending; the last is 16383.
    last: Vec<u16>,
    /// The node of each slot.
    owner: Vec<u16>,
}

impl SlotMap {
    /// The slots split over `nodes` nodes (`1..=16384`).
    pub fn new(nodes: u32) -> Self {
        assert!(
            (1..=SLOTS as u32).contains(&nodes),
            "a cluster has 1 to 16384 nodes, not {nodes}"
        );
        // Single precision on purpose: the boundaries are those of
        // redis-cli, which computes them with a C `float`.
        let per_node = SLOTS as f32 / nodes as f32;
        let mut cursor = 0.0f32;
        let mut first = 0i64;
        let mut last = Vec::with_capacity(nodes as usize);
        for i in 0..nodes {
            let mut end = (cursor + per_node - 1.0).round() as i64;
            if end > SLOTS as i64 || i == nodes - 1 {
                end = SLOTS as i64 - 1;
            }
            end = end.max(first);
            last.push(end as u16);
            first = end + 1;
            cursor += per_node;
        }
        let mut owner = Vec::with_capacity(SLOTS as usize);
        for (node, &end) in last.iter().enumerate() {
            owner.resize(end as usize + 1, node as u16);
        }
        SlotMap { last, owner }
    }

    /// Number of nodes.
    pub fn nodes(&self) -> u32 {
        self.last.len() as u32
    }

    /// The slots of `node`, first and last included.
    pub fn range(&self, node: u32) -> (u16, u16) {
        let i = node as usize;
        let first = if i == 0 { 0 } else { self.last[i - 1] + 1 };
        (first, self.last[i])
    }

    /// The node that owns `slot`.
    #[inline]
    pub fn node_of_slot(&self, slot: u16) -> u32 {
        self.owner[slot as usize] as u32
    }

    /// The node that owns the key of rank `rank`.
    #[inline]
    pub fn node_of_rank(&self, rank: u64) -> u32 {
        self.node_of_slot(rank_slot(rank))
    }

    /// The slots each of `moves` (`(from, to, count)`, in the order they
    /// happen) takes, as `redis-cli --cluster reshard` picks them: the
    /// `count` lowest-numbered slots `from` owns once the moves before have
    /// happened. `Err((i, owned))` if move `i`'s source owns only `owned`
    /// slots by then.
    pub fn plan(&self, moves: &[(u32, u32, u32)]) -> Result<Vec<Vec<u16>>, (usize, u32)> {
        let mut owner = self.owner.clone();
        let mut out = Vec::with_capacity(moves.len());
        for (i, &(from, to, count)) in moves.iter().enumerate() {
            let taken: Vec<u16> = (0..SLOTS)
                .filter(|&s| u32::from(owner[s as usize]) == from)
                .take(count as usize)
                .collect();
            if taken.len() < count as usize {
                return Err((i, taken.len() as u32));
            }
            for &s in &taken {
                owner[s as usize] = to as u16;
            }
            out.push(taken);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc16_matches_the_published_check_value() {
        // The CRC catalogue's check value of CRC-16/XMODEM, quoted by the
        // Redis Cluster specification: "123456789" -> 0x31C3.
        assert_eq!(crc16(b"123456789"), 0x31C3);
        assert_eq!(key_slot(b"123456789"), 0x31C3);
        assert_eq!(crc16(b""), 0);
    }

    #[test]
    fn hash_tags_follow_the_cluster_specification() {
        // The specification's four examples.
        assert_eq!(hashed_part(b"{user1000}.following"), b"user1000");
        assert_eq!(hashed_part(b"{user1000}.followers"), b"user1000");
        assert_eq!(hashed_part(b"foo{}{bar}"), b"foo{}{bar}");
        assert_eq!(hashed_part(b"foo{{bar}}zap"), b"{bar");
        assert_eq!(hashed_part(b"foo{bar}{zap}"), b"bar");
        // No closing brace, or none after the first opening one.
        assert_eq!(hashed_part(b"foo{bar"), b"foo{bar");
        assert_eq!(hashed_part(b"foo}bar{"), b"foo}bar{");
        assert_eq!(
            key_slot(b"{user1000}.following"),
            key_slot(b"{user1000}.followers")
        );
    }

    #[test]
    fn a_reshard_plan_takes_the_sources_lowest_slots_in_turn() {
        let map = SlotMap::new(3); // 0-5460, 5461-10922, 10923-16383
        let plan = map.plan(&[(1, 0, 3), (0, 2, 5462)]).unwrap();
        assert_eq!(plan[0], vec![5461, 5462, 5463]);
        // Node 0 now owns 0-5460 and 5461-5463: 5464 slots, the lowest 5462
        // of them move.
        assert_eq!(plan[1].len(), 5462);
        assert_eq!(plan[1][..2], [0, 1]);
        assert_eq!(plan[1][5460..], [5460, 5461]);
        assert_eq!(map.plan(&[(2, 1, 5462)]), Err((0, 5461)));
    }

    #[test]
    fn slots_match_a_real_redis() {
        // `CLUSTER KEYSLOT` of redis-server 7.0.15 (cluster-enabled yes);
        // somekey and foo{hash_tag} are also the examples of its manual page.
        for (key, slot) in [
            ("123456789", 12739),
            ("somekey", 11058),
            ("foo{hash_tag}", 2515),
            ("{user1000}.following", 3443),
            ("{user1000}.followers", 3443),
            ("foo{}{bar}", 8363),
            ("foo{{bar}}zap", 4015),
            ("foo{bar}{zap}", 5061),
            ("foo", 12182),
            ("hello", 866),
            ("key:1", 6657),
            ("key:2", 10850),
            ("key:3", 14915),
            ("key:10", 5536),
            ("key:100", 5319),
            ("key:1000", 15018),
            ("key:1000000", 6943),
        ] {
            assert_eq!(key_slot(key.as_bytes()), slot, "{key}");
        }
    }

    #[test]
    fn key_names_are_decimal_ranks() {
        assert_eq!(KeyName::of(1).as_bytes(), b"key:1");
        assert_eq!(KeyName::of(42).as_bytes(), b"key:42");
        assert_eq!(KeyName::of(0).as_bytes(), b"key:0");
        assert_eq!(
            KeyName::of(u64::MAX).as_bytes(),
            format!("key:{}", u64::MAX).as_bytes()
        );
        assert_eq!(rank_slot(1), 6657);
    }

    #[test]
    fn slot_ranges_are_those_of_redis_cli() {
        // `redis-cli --cluster create` with three masters prints
        // 0 - 5460, 5461 - 10922, 10923 - 16383.
        let m = SlotMap::new(3);
        assert_eq!(m.range(0), (0, 5460));
        assert_eq!(m.range(1), (5461, 10922));
        assert_eq!(m.range(2), (10923, 16383));
        assert_eq!(m.node_of_slot(5460), 0);
        assert_eq!(m.node_of_slot(5461), 1);
        assert_eq!(m.node_of_rank(1), 1);
        assert_eq!(SlotMap::new(1).range(0), (0, 16383));
    }

    #[test]
    fn ranges_are_contiguous_and_cover_every_slot() {
        for nodes in [1, 2, 3, 5, 7, 10, 64, 100, 1000, 1024, 16384] {
            let m = SlotMap::new(nodes);
            let mut next = 0u32;
            for n in 0..nodes {
                let (a, b) = m.range(n);
                assert_eq!(a as u32, next, "{nodes} nodes: node {n} starts");
                assert!(b >= a);
                let size = (b - a + 1) as f64;
                let even = SLOTS as f64 / nodes as f64;
                assert!(
                    (size - even).abs() <= 1.0,
                    "{nodes} nodes: node {n} owns {size}"
                );
                for s in [a, b] {
                    assert_eq!(m.node_of_slot(s), n);
                }
                next = b as u32 + 1;
            }
            assert_eq!(next, SLOTS as u32);
        }
    }
}
