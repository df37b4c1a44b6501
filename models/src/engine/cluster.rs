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
//! In proxy mode there is nothing to route: a pod has one pool, numbered as
//! the pod, and the server draws each command's shard.

use crate::scenario::{Popularity, RedisMode, Scenario};
use crate::slots::SlotMap;
use sim::rng::{StreamRng, Streams};

/// The cluster's slot map and the key draws of a fixed-ratio L1.
pub struct Cluster {
    map: SlotMap,
    /// The key popularity, when no keyed L1 draws the keys.
    keys: Option<Popularity>,
    /// Keys of reads that missed a fixed-ratio L1 (stream `redis.key`).
    rng: StreamRng,
}

impl Cluster {
    /// The routing of `sc`, or `None` in proxy mode.
    pub fn new(sc: &Scenario, streams: &Streams) -> Option<Self> {
        if sc.redis.mode != RedisMode::Cluster {
            return None;
        }
        let keys = sc.workload.keys.filter(|_| sc.l1.cache.is_none());
        Some(Cluster {
            map: SlotMap::new(sc.redis.shards),
            keys,
            rng: streams.stream("redis.key"),
        })
    }

    /// Number of nodes, hence of pools per pod.
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

    /// The pool of `pod` whose node owns `key`.
    #[inline]
    pub fn pool(&self, pod: u32, key: u64) -> u32 {
        pod * self.nodes() + self.map.node_of_rank(key)
    }

    /// The node of pool `pool`.
    #[inline]
    pub fn node_of_pool(&self, pool: u32) -> u32 {
        pool % self.nodes()
    }
}
