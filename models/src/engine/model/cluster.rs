//! The model's side of cluster mode: a read that goes to Redis is routed by
//! its key to a node and to its pod's pool for that node; the commands and
//! connections of that pool go to that node. In proxy mode a pod's one pool
//! takes every read, each command goes to a shard the server draws, and each
//! new connection to a shard drawn the same way.

use super::Model;

impl Model<'_> {
    /// Routes `r`'s current read, which missed the L1 and goes to Redis: in
    /// cluster mode, its key (drawn now for a fixed-ratio L1) picks the pool
    /// of its node; in proxy mode the read stays with its pod's pool.
    #[inline]
    pub(super) fn route(&mut self, r: u32) {
        let Some(cluster) = self.cluster.as_mut() else {
            return;
        };
        let req = &mut self.requests[r];
        req.key = cluster.key(req.key);
        req.pool = cluster.pool(req.pod, req.key);
    }

    /// The shard a command on a connection of `pool` goes to.
    #[inline]
    pub(super) fn command_shard(&mut self, pool: usize) -> u32 {
        match &self.cluster {
            Some(c) => c.node_of_pool(pool as u32),
            None => self.server.route_command(),
        }
    }

    /// The shard a new connection of `pool` goes to.
    #[inline]
    pub(super) fn connection_shard(&mut self, pool: usize) -> u32 {
        match &self.cluster {
            Some(c) => c.node_of_pool(pool as u32),
            None => self.server.route_connection(),
        }
    }
}
