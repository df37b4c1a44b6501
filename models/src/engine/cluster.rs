//! Redis Cluster routing: which node a read's key lives on, and which of its
//! pod's pools the read checks out from.
//!
//! In cluster mode (`redis.mode = "cluster"`) a read's key, its popularity
//! rank named `key:<rank>`, hashes to one of 16384 slots, and the node that
//! owns the slot serves every command of the read (see [`crate::slots`]).
//! Each pod keeps one pool per node, as JedisCluster and go-redis's
//! ClusterClient do, so pools are numbered `pod x nodes + node` and a pool's
//! connections all go to its node. A keyed L1 draws each read's key; with the
//! fixed-ratio L1 a read that misses it draws its key here (stream
//! `redis.key`), from the scenario's key popularity, so the proxy mode's
//! streams are untouched.
//!
//! With reads from replicas (`redis.read_from = "replica"`, `replicas = R`)
//! a read goes to one of its node's `R` replicas, drawn uniformly (stream
//! `redis.replica`), as go-redis's `ReadOnly` picks a replica at random;
//! with `read_from = "any"` to the primary or one of its replicas,
//! uniformly, as go-redis's `RouteRandomly`. The SET that fills Redis after
//! a miss goes to the node's primary. The pod keeps a pool per primary and
//! per replica: `nodes x (1 + R)` pools, numbered `pod x per_pod + loop`, where
//! `loop` is the event loop the pool's connections reach: `node` for a
//! primary, `nodes + node x R + j` for replica `j` (the server's numbering).
//!
//! In proxy mode there is nothing to route: a pod has one pool, numbered as
//! the pod, and the server draws each command's shard.

use super::reshard::{Answer, Reshard};
use crate::scenario::{Popularity, ReadFrom, RedisMode, Scenario};
use crate::slots::SlotMap;
use rand::Rng;
use sim::rng::{StreamRng, Streams};
use sim::time::SimTime;

/// The cluster's slot map and the key draws of a fixed-ratio L1.
pub struct Cluster {
    map: SlotMap,
    /// The key popularity, when no keyed L1 draws the keys.
    keys: Option<Popularity>,
    /// Keys of reads that missed a fixed-ratio L1 (stream `redis.key`).
    rng: StreamRng,
    /// Replicas per node that serve reads (0: reads go to the primaries).
    replicas: u32,
    /// Reads go to the primary or a replica (`read_from = "any"`), not
    /// only to a replica.
    any: bool,
    /// Pools per pod: `nodes x (1 + replicas)`.
    per_pod: u32,
    /// Which replica a read goes to (stream `redis.replica`).
    pick: StreamRng,
    /// Slots that move during the run (`kind = "reshard"` faults).
    reshard: Option<Reshard>,
}

impl Cluster {
    /// The routing of `sc`, or `None` in proxy mode.
    pub fn new(sc: &Scenario, streams: &Streams) -> Option<Self> {
        if sc.redis.mode != RedisMode::Cluster {
            return None;
        }
        let keys = sc.workload.keys.filter(|_| sc.l1.cache.is_none());
        let map = SlotMap::new(sc.redis.shards);
        Some(Cluster {
            reshard: Reshard::new(sc, &map, sc.simulation.warmup),
            map,
            keys,
            rng: streams.stream("redis.key"),
            replicas: sc.redis.read_replicas(),
            any: sc.redis.read_from == ReadFrom::Any,
            per_pod: sc.redis.pools_per_pod(),
            pick: streams.stream("redis.replica"),
        })
    }

    /// Number of nodes (primaries).
    #[inline]
    pub fn nodes(&self) -> u32 {
        self.map.nodes()
    }

    /// The key of a read that missed the L1: drawn here for a fixed-ratio
    /// L1, `drawn` (the keyed L1's) otherwise.
    #[inline]
    pub fn key(&mut self, drawn: u64) -> u64 {
        match &self.keys {
            Some(p) => p.sample(&mut self.rng),
            None => drawn,
        }
    }

    /// The pool of `pod` a read of `key` checks out from: the pool of the
    /// primary that owns `key`, or with reads from replicas the pool of one
    /// of its replicas, drawn uniformly (with `"any"`, of the primary and
    /// its replicas).
    #[inline]
    pub fn pool(&mut self, pod: u32, key: u64) -> u32 {
        let node = self.map_node(pod, key);
        let base = pod * self.per_pod;
        let r = self.replicas;
        let replica = match (r, self.any) {
            (0, _) => return base + node,
            (_, true) => match self.pick.random_range(0..=r) {
                0 => return base + node,
                j => j - 1,
            },
            (1, false) => 0,
            (_, false) => self.pick.random_range(0..r),
        };
        base + self.nodes() + node * r + replica
    }

    /// The pool of the primary of `pool`'s node (the same pod's), where
    /// writes go.
    #[inline]
    pub fn primary_pool(&self, pool: u32) -> u32 {
        let (pod, event_loop) = (pool / self.per_pod, pool % self.per_pod);
        let nodes = self.nodes();
        let node = if event_loop < nodes {
            event_loop
        } else {
            (event_loop - nodes) / self.replicas
        };
        pod * self.per_pod + node
    }

    /// The pool of `pod` for `node`'s primary (where a redirect sends a
    /// command).
    #[inline]
    pub fn pool_of_node(&self, pod: u32, node: u32) -> u32 {
        pod * self.per_pod + node
    }

    /// The pool of `pod` for the primary that owns `key` in the pod's slot
    /// map (where its writes go).
    #[inline]
    pub fn map_pool(&self, pod: u32, key: u64) -> u32 {
        self.pool_of_node(pod, self.map_node(pod, key))
    }

    /// The node that owns `key` in `pod`'s slot map.
    #[inline]
    fn map_node(&self, pod: u32, key: u64) -> u32 {
        match &self.reshard {
            Some(r) => r.client_node(pod, key),
            None => self.map.node_of_rank(key),
        }
    }

    /// True if slots move during the run.
    #[inline]
    pub fn reshards(&self) -> bool {
        self.reshard.is_some()
    }

    /// The answer of the node that pool `pool`'s connections reach, at
    /// `now`, to a command for `key` (sent after `ASKING` if `asking`);
    /// always `Serve` when no slot moves.
    #[inline]
    pub fn answer(&self, pool: u32, key: u64, now: SimTime, asking: bool) -> Answer {
        let Some(r) = &self.reshard else {
            return Answer::Serve;
        };
        let node = self.primary_pool(pool) % self.per_pod;
        r.answer(node, key, now, asking)
    }

    /// `pod` got a MOVED at `now`: its slot map is refreshed.
    #[inline]
    pub fn refresh(&mut self, pod: u32, now: SimTime) {
        if let Some(r) = self.reshard.as_mut() {
            r.refresh(pod, now);
        }
    }

    /// The event loop (the server's shard or replica number) that the
    /// connections of pool `pool` reach.
    #[inline]
    pub fn node_of_pool(&self, pool: u32) -> u32 {
        pool % self.per_pod
    }
}
