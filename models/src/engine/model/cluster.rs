//! The model's side of cluster mode: a read that goes to Redis is routed by
//! its key to a node and to its pod's pool for that node (or for one of its
//! replicas, with reads from replicas); the commands and connections of that
//! pool go to that node's event loop. The SET after a miss goes to the
//! node's primary: with reads from replicas, the connection the read held
//! through the fallback goes back to the replica's pool and the SET checks
//! out one of the primary's. In proxy mode a pod's one pool
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

    /// The pool `r`'s write (the SET after a miss) checks out from, if not
    /// the pool of its read: with reads from replicas, its node's primary's.
    #[inline]
    pub(super) fn write_pool(&self, r: u32) -> Option<u32> {
        let cluster = self.cluster.as_ref()?;
        let pool = self.requests[r].pool;
        let primary = cluster.primary_pool(pool);
        (primary != pool).then_some(primary)
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
