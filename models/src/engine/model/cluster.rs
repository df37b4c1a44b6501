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
use crate::engine::requests::Phase;
use crate::engine::reshard::Answer;
use crate::engine::server::Kind;

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
        let req = &self.requests[r];
        let primary = if cluster.reshards() {
            // Routed by the pod's slot map, as a cluster client routes every
            // command: not to the node an ASK sent the read to.
            cluster.map_pool(req.pod, req.key)
        } else {
            cluster.primary_pool(req.pool)
        };
        (primary != req.pool).then_some(primary)
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

    /// With a resharding: asks `r`'s node whether it serves `r`'s command
    /// now (an `ASKING` before it is charged a PING's time). On a redirect
    /// the node charges a PING's time, the reply carries the redirect, and
    /// this returns true.
    #[inline]
    pub(super) fn redirected_at_redis(&mut self, r: u32) -> bool {
        self.reshards() && self.answer_at_redis(r)
    }

    /// True if slots move during the run (a cheap test for the per-command
    /// path).
    #[inline]
    pub(super) fn reshards(&self) -> bool {
        self.cluster.as_ref().is_some_and(|c| c.reshards())
    }

    /// [`Model::redirected_at_redis`] once slots move.
    fn answer_at_redis(&mut self, r: u32) -> bool {
        let cluster = self.cluster.as_ref().expect("a resharding cluster");
        let now = self.now();
        let req = self.requests[r];
        let shard = req.exchange.shard;
        let answer = cluster.answer(req.pool, req.key, now, req.asking);
        if req.asking {
            self.requests[r].asking = false;
            self.server.command(shard, now, Kind::Ping, &mut self.stats);
        }
        if answer == Answer::Serve {
            return false;
        }
        let done = self.server.command(shard, now, Kind::Ping, &mut self.stats);
        self.requests[r].exchange.redirect = answer;
        self.schedule_reply(r, done + req.exchange.return_half);
        true
    }

    /// `r`'s reply was a redirect: it gives its connection back and sends
    /// the command again from its pod's pool for the node named, after
    /// `ASKING` for an ASK; a MOVED refreshes the pod's slot map. Not a
    /// retry: no backoff, no retry counted.
    pub(super) fn follow_redirect(&mut self, r: u32) {
        let now = self.now();
        let req = self.requests[r];
        let (node, ask) = match req.exchange.redirect {
            Answer::Ask(node) => (u32::from(node), true),
            Answer::Moved(node) => (u32::from(node), false),
            Answer::Serve => unreachable!("not a redirect"),
        };
        self.stats.redirect(now, ask);
        self.release(r);
        let cluster = self.cluster.as_mut().expect("redirects need a cluster");
        if !ask {
            cluster.refresh(req.pod, now);
        }
        let pool = cluster.pool_of_node(req.pod, node);
        let req = &mut self.requests[r];
        req.pool = pool;
        req.asking = ask;
        req.exchange.redirect = Answer::Serve;
        // The same attempt goes on: a redirect is no retry, and does not
        // give the request more of them.
        self.checkout_again(r, false);
    }

    /// With a resharding, a retry is routed afresh by the pod's slot map
    /// (not to the node an ASK sent the failed attempt to).
    pub(super) fn route_retry(&mut self, r: u32) {
        let Some(cluster) = self.cluster.as_mut().filter(|c| c.reshards()) else {
            return;
        };
        let req = &mut self.requests[r];
        req.asking = false;
        req.pool = match req.phase {
            Phase::Get => cluster.pool(req.pod, req.key),
            Phase::Set => cluster.map_pool(req.pod, req.key),
        };
    }

    /// A restarted pod starts with a fresh slot map.
    pub(super) fn restart_slot_map(&mut self, pod: u32) {
        let now = self.now();
        if let Some(c) = self.cluster.as_mut() {
            c.refresh(pod, now);
        }
    }
}
