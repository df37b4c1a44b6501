//! The transport between a request and Redis: each pod's connection pool
//! (one per node in cluster mode), the connections' life and health, and the
//! network's round trips.
//!
//! Bookkeeping and decisions only: the transport answers "which connection
//! does this checkout get?", "is this connection still alive?", "what does
//! opening one cost?" and "who gets a returned connection?"; the model
//! schedules the events that follow and never hands control back here
//! midway. [`Pooled`] is the pooled transport (exclusive checkout: one
//! request per connection until it is returned); its per-pod books are a
//! [`Pool`]. A request's own part of the transport's state is its [`Lease`]
//! and its [`Exchange`]. A transport that shares one connection among many
//! requests (replies kept in TCP order) is a second type beside [`Pooled`],
//! with the model's transport field becoming an enum of the two.
//!
//! # Dead connections
//! A connection's death is computed when it is next used, not by a timer: the
//! server closes it (FIN) `redis.timeout` after its last command, and a
//! middlebox forgets it `network.idle_timeout` after its last packet unless a
//! TCP keepalive shorter than that timeout refreshes it. Whichever comes first
//! decides what the client sees: EOF at once (FIN; noticed at checkout by a
//! peeking pool), a reset after a round trip, or silence until the socket
//! timeout (a drop).

use super::client::on_tick;
use super::collect::Collector;
use super::pool::{Checkout, ConnId, Pool, Waiter};
use super::reshard::Answer;
use crate::scenario::{CheckoutCheck, OnIdle, PoolLife, Scenario, WhenExhausted};
use sim::dist::Latency;
use sim::rng::{StreamRng, Streams};
use sim::time::SimTime;

/// No connection.
pub const NO_CONN: ConnId = ConnId::MAX;

/// How a connection looks when it is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    /// Usable.
    Alive,
    /// The server closed it (FIN already received).
    Closed,
    /// A middlebox forgot it and resets the next packet.
    Reset,
    /// A middlebox forgot it and drops packets silently.
    Dropped,
}

/// A request's hold on the pool: its connection and the times of its checkout.
#[derive(Clone, Copy, Debug)]
pub struct Lease {
    /// The connection held or being opened ([`NO_CONN`] if none).
    pub conn: ConnId,
    /// The request holds an acquired connection (not one still opening).
    pub holding: bool,
    /// The outstanding command is a test-on-borrow PING.
    pub pinging: bool,
    /// The current checkout has queued at least once.
    pub queued: bool,
    /// When the current checkout started (for the acquire wait).
    pub checkout_started: SimTime,
    /// When the connection was acquired (for the hold time).
    pub acquired_at: SimTime,
    /// When the current connect attempt started.
    pub connect_started: SimTime,
    /// The rest of the connect after the accept: remaining round trips.
    pub connect_rest: SimTime,
}

impl Lease {
    /// No connection, no checkout yet (times at `now`).
    pub const fn new(now: SimTime) -> Self {
        Lease {
            conn: NO_CONN,
            holding: false,
            pinging: false,
            queued: false,
            checkout_started: now,
            acquired_at: now,
            connect_started: now,
            connect_rest: SimTime::ZERO,
        }
    }
}

/// A request's command in flight.
#[derive(Clone, Copy, Debug)]
pub struct Exchange {
    /// The shard it goes to.
    pub shard: u32,
    /// The reply's way back: the second half of the round trip.
    pub return_half: SimTime,
    /// When the client gives up on it.
    pub deadline: SimTime,
    /// The shared connection it was written on (multiplexed transport).
    pub conn: u32,
    /// Its sequence number on that connection (multiplexed transport).
    pub seq: u64,
    /// The connection's generation when it was written (multiplexed).
    pub generation: u32,
    /// Tells this command from earlier ones of the same request slot
    /// (multiplexed: its timeout event carries it).
    pub token: u32,
    /// It waits on its connection with no event of its own but its timeout
    /// (lost in a dead connection, or buffered while it reconnects).
    pub held: bool,
    /// A read's hit or miss in Redis, when drawn at the shard (with a
    /// bandwidth); `None`: drawn when the reply arrives.
    pub found: Option<bool>,
    /// The node's answer was a redirect (resharding), not the command's.
    pub redirect: Answer,
}

impl Exchange {
    /// No command sent yet.
    pub const NONE: Exchange = Exchange {
        shard: 0,
        return_half: SimTime::ZERO,
        deadline: SimTime::MAX,
        conn: 0,
        seq: 0,
        generation: 0,
        token: 0,
        held: false,
        found: None,
        redirect: Answer::Serve,
    };
}

/// What a checkout found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Take {
    /// An idle connection that passed the checks.
    Ready(ConnId),
    /// An idle connection that is retired or closed: close it and try again.
    Stale(ConnId),
    /// None idle, but room to open one.
    Open,
    /// Full: wait or fail, as the pool's policy says.
    Full(WhenExhausted),
}

/// What the evictor does with an idle connection it examined.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Examined {
    /// Close it.
    Close,
    /// Keep it.
    Keep,
    /// Keep it after a PING to its shard (the reply is not waited for).
    Ping(u32),
}

/// The pooled transport: one pool per pod (per node and pod in cluster
/// mode), exclusive checkout.
///
/// Pools are numbered: in cluster mode pool `pod x nodes + node` holds
/// `pod`'s connections to `node`, and `[pool]`'s limits apply to each; in
/// proxy mode pool `pod` is the pod's one pool. The per-pod gauges of the
/// [`Collector`] add up a pod's pools.
pub struct Pooled {
    pools: Vec<Pool>,
    /// Pools per pod (the node count in cluster mode, else 1).
    nodes: usize,
    life: PoolLife,
    when_exhausted: WhenExhausted,
    acquire_timeout: Option<SimTime>,
    /// The client's timer granularity (the acquire timer fires on a tick).
    timer_resolution: SimTime,
    peek: bool,
    /// Round trips of a connect (the TCP handshake, the commands after it, TLS).
    connect_trips: u32,
    rtt: Latency,
    /// Round trips (stream `network.rtt`).
    rtt_rng: StreamRng,
    server_timeout: Option<SimTime>,
    /// When a middlebox forgets an idle connection, if it ever does.
    middlebox_forgets_after: Option<SimTime>,
    on_idle: OnIdle,
    /// Idle connections can die (a server timeout or a forgetful middlebox).
    idle_death: bool,
    /// The pool retires connections by age or idle time.
    retires: bool,
    /// Per shard, when its connections last went silent (a blackhole
    /// fault); `SimTime::MAX` if never.
    silent_since: Vec<SimTime>,
    /// Per shard, when its connections were last reset (a restart fault).
    reset_at: Vec<SimTime>,
    /// A fault has happened: connections opened before it may be dead.
    faulted: bool,
}

impl Pooled {
    /// Empty pools, one per pod of `sc`.
    pub fn new(sc: &Scenario, streams: &Streams) -> Self {
        let event_loops = (sc.redis.shards * (1 + sc.redis.replicas)) as usize;
        // Keepalive probes refresh middlebox state only if they come before it
        // forgets the connection.
        let keepalive = [sc.redis.tcp_keepalive, sc.client.tcp_keepalive]
            .into_iter()
            .flatten()
            .min();
        let middlebox_forgets_after = sc
            .network
            .idle_timeout
            .filter(|&idle| keepalive.is_none_or(|k| k >= idle));
        let life = sc.pool.life.clone();
        Pooled {
            pools: (0..sc.pods.count * sc.redis.pools_per_pod())
                .map(|_| Pool::new(&sc.pool))
                .collect(),
            nodes: sc.redis.pools_per_pod() as usize,
            retires: life.max_lifetime.is_some() || life.idle_timeout.is_some(),
            peek: life.checkout_check == CheckoutCheck::Peek,
            life,
            when_exhausted: sc.pool.when_exhausted,
            acquire_timeout: sc.pool.acquire_timeout,
            timer_resolution: sc.client.timer_resolution,
            connect_trips: sc.client.connect_round_trips + sc.client.tls as u32,
            rtt: sc.network.rtt.clone(),
            rtt_rng: streams.stream("network.rtt"),
            server_timeout: sc.redis.timeout,
            middlebox_forgets_after,
            on_idle: sc.network.on_idle,
            idle_death: sc.redis.timeout.is_some() || middlebox_forgets_after.is_some(),
            // One entry per event loop, replicas' included (faults strike
            // primaries only, so the replicas' stay at MAX).
            silent_since: vec![SimTime::MAX; event_loops],
            reset_at: vec![SimTime::MAX; event_loops],
            faulted: false,
        }
    }

    /// The connections to `shard` opened before `now` go silent (a
    /// blackhole fault): their writes are never acknowledged.
    pub fn blackhole(&mut self, shard: u32, now: SimTime) {
        self.silent_since[shard as usize] = now;
        self.faulted = true;
    }

    /// The connections to `shard` opened before `now` are reset (a restart).
    pub fn restart(&mut self, shard: u32, now: SimTime) {
        self.reset_at[shard as usize] = now;
        self.faulted = true;
    }

    /// The fault that killed connection `c` of `pool` by `now`, if one did:
    /// when it happened, and true for a blackhole.
    fn killed_by(&self, pool: usize, c: ConnId, now: SimTime) -> Option<(SimTime, bool)> {
        let conn = self.pools[pool].conn(c);
        let s = conn.shard as usize;
        let hit = |t: SimTime| conn.created < t && t <= now;
        let (silent, reset) = (self.silent_since[s], self.reset_at[s]);
        match (hit(silent), hit(reset)) {
            (true, true) if reset < silent => Some((reset, false)),
            (true, _) => Some((silent, true)),
            (false, true) => Some((reset, false)),
            (false, false) => None,
        }
    }

    /// The pod whose pool `pool` is. Outside cluster mode pools are pods,
    /// and the division (tens of cycles) is skipped.
    #[inline(always)]
    fn pod_of(&self, pool: usize) -> usize {
        if self.nodes == 1 {
            pool
        } else {
            pool / self.nodes
        }
    }

    /// Number of pools: pods x nodes in cluster mode, else one per pod.
    pub fn pools(&self) -> usize {
        self.pools.len()
    }

    /// How often the evictor runs, if it does.
    pub fn eviction_interval(&self) -> Option<SimTime> {
        self.life.eviction_interval
    }

    /// True if a connection whose command failed goes back to the pool.
    #[inline(always)]
    pub fn keeps_failed(&self) -> bool {
        self.life.keep_failed
    }

    /// True if a borrowed connection is tested with a PING before use.
    #[inline(always)]
    pub fn tests_on_borrow(&self) -> bool {
        self.life.test_on_borrow
    }

    /// Draws one network round trip.
    #[inline(always)]
    pub fn round_trip(&mut self) -> SimTime {
        self.rtt.sample(&mut self.rtt_rng)
    }

    /// The shard connection `c` of `pool` is on.
    #[inline(always)]
    pub fn shard_of(&self, pool: usize, c: ConnId) -> u32 {
        self.pools[pool].conn(c).shard
    }

    /// A packet crossed connection `c` of `pool` at `now`.
    #[inline(always)]
    pub fn touch(&mut self, pool: usize, c: ConnId, now: SimTime) {
        // Only the idle-death check reads it.
        if self.idle_death {
            self.pools[pool].conn_mut(c).last_traffic = now;
        }
    }

    /// The health of connection `c` at `now`, from its last traffic.
    #[inline(always)]
    pub fn health(&self, pool: usize, c: ConnId, now: SimTime) -> Health {
        if self.faulted {
            match self.killed_by(pool, c, now) {
                Some((_, true)) => return Health::Dropped,
                Some((_, false)) => return Health::Reset,
                None => {}
            }
        }
        if !self.idle_death {
            return Health::Alive;
        }
        let last = self.pools[pool].conn(c).last_traffic;
        let server = self.server_timeout.map(|t| last + t);
        let middlebox = self.middlebox_forgets_after.map(|t| last + t);
        let first = match (server, middlebox) {
            (Some(s), Some(m)) if m < s => Some((m, false)),
            (Some(s), _) => Some((s, true)),
            (None, Some(m)) => Some((m, false)),
            (None, None) => None,
        };
        match first {
            Some((at, by_server)) if at <= now => {
                if by_server {
                    Health::Closed
                } else if self.on_idle == OnIdle::Reset {
                    Health::Reset
                } else {
                    Health::Dropped
                }
            }
            _ => Health::Alive,
        }
    }

    /// True if the pool's own limits retire connection `c` now.
    #[inline(always)]
    fn retired(&self, pool: usize, c: ConnId, now: SimTime) -> bool {
        if !self.retires {
            return false;
        }
        let life = &self.life;
        let conn = self.pools[pool].conn(c);
        life.max_lifetime.is_some_and(|l| now - conn.created >= l)
            || life
                .idle_timeout
                .is_some_and(|t| now - conn.idle_since >= t)
    }

    /// A checkout on `pool` at `now`.
    #[inline(always)]
    pub fn take(&mut self, pool: usize, now: SimTime) -> Take {
        match self.pools[pool].checkout() {
            Checkout::Idle(c) => {
                if self.retired(pool, c, now)
                    || (self.peek && self.health(pool, c, now) == Health::Closed)
                {
                    Take::Stale(c)
                } else {
                    Take::Ready(c)
                }
            }
            Checkout::Open => Take::Open,
            Checkout::Full => Take::Full(self.when_exhausted),
        }
    }

    /// Opens a connection on `pool` to `shard` at `now` (a slot is known to be
    /// free); returns it with the connect's first round trip and the rest.
    pub fn open(
        &mut self,
        pool: usize,
        shard: u32,
        now: SimTime,
        stats: &mut Collector,
    ) -> (ConnId, SimTime, SimTime) {
        let c = self.pools[pool].add_connection(now, shard);
        Self::count_open(now, stats);
        let first = self.round_trip();
        let mut rest = SimTime::ZERO;
        for _ in 1..self.connect_trips {
            rest += self.round_trip();
        }
        (c, first, rest)
    }

    fn count_open(now: SimTime, stats: &mut Collector) {
        stats.open.add(now, 1);
        if stats.window.contains(now) {
            stats.created += 1;
        }
    }

    /// Connection `c` of `pool` finished its connect at `now`.
    pub fn connected(&mut self, pool: usize, c: ConnId, now: SimTime) {
        let conn = self.pools[pool].conn_mut(c);
        conn.last_traffic = now;
        conn.idle_since = now;
    }

    /// True if `pool` keeps fewer idle connections than `min_idle` and has room
    /// for another.
    pub fn wants_idle(&self, pool: usize) -> bool {
        (self.pools[pool].idle_count() as u32) < self.life.min_idle && self.pools[pool].has_room()
    }

    /// Adds a connection to `shard`, opened in the background, to `pool`'s idle set.
    pub fn add_idle(&mut self, pool: usize, shard: u32, now: SimTime, stats: &mut Collector) {
        let c = self.pools[pool].add_connection(now, shard);
        Self::count_open(now, stats);
        self.pools[pool].put_idle(c, now);
    }

    /// Forgets connection `c` of `pool`, closed at `now`; returns its shard.
    pub fn close(&mut self, pool: usize, c: ConnId, now: SimTime, stats: &mut Collector) -> u32 {
        if self.faulted {
            if let Some((since, _)) = self.killed_by(pool, c, now) {
                stats.dead_connection(now, since);
            }
        }
        let shard = self.pools[pool].conn(c).shard;
        self.pools[pool].remove_connection(c);
        stats.open.add(now, -1);
        if stats.window.contains(now) {
            stats.closed += 1;
        }
        shard
    }

    /// Connection `c` starts being held on `pool` at `now`.
    #[inline(always)]
    pub fn lend(&mut self, pool: usize, now: SimTime, stats: &mut Collector) {
        stats.pods[self.pod_of(pool)].in_use.add(now, 1);
        if stats.keep_series {
            stats.series.in_use.add(now, 1);
        }
    }

    /// A connection of `pool` held for `held` stops being held at `now`
    /// (its attempt failed). A release counts the hold with
    /// [`Pooled::hold_ended`] and leaves the gauge to the hand-back.
    #[inline(always)]
    pub fn end_hold(&mut self, pool: usize, held: SimTime, now: SimTime, stats: &mut Collector) {
        self.hold_ended(held, now, stats);
        self.unlend(pool, now, stats);
    }

    /// A hold of `held` ended at `now`: counts it, and leaves the gauge of
    /// connections in use to the caller ([`Pooled::unlend`]).
    #[inline(always)]
    pub fn hold_ended(&self, held: SimTime, now: SimTime, stats: &mut Collector) {
        if stats.window.contains(now) {
            stats.hold_sum += held;
            stats.holds += 1;
        }
    }

    /// One connection of `pool` fewer in use at `now`.
    #[inline(always)]
    pub fn unlend(&self, pool: usize, now: SimTime, stats: &mut Collector) {
        stats.pods[self.pod_of(pool)].in_use.add(now, -1);
        if stats.keep_series {
            stats.series.in_use.add(now, -1);
        }
    }

    /// A healthy connection `c` of `pool` comes back at `now` and no one
    /// waits for it: kept idle, or closed (returns false) if `max_idle` are.
    #[inline(always)]
    pub fn keep_idle(&mut self, pool: usize, c: ConnId, now: SimTime) -> bool {
        if self.pools[pool].idle_count() >= self.life.max_idle as usize {
            return false;
        }
        self.pools[pool].put_idle(c, now);
        true
    }

    /// Queues request `r` on `pool` at `now`; returns when the acquire timer
    /// must fire, if one must be armed.
    #[inline(always)]
    pub fn enqueue(
        &mut self,
        pool: usize,
        r: u32,
        now: SimTime,
        stats: &mut Collector,
    ) -> Option<SimTime> {
        stats.pods[self.pod_of(pool)].waiters.add(now, 1);
        if stats.keep_series {
            stats.series.waiters.add(now, 1);
        }
        // The wait is measured from now: a checkout that queues again (its
        // test-on-borrow PING found a dead connection) waits afresh, and the
        // queue's deadlines stay in FIFO order.
        if self.pools[pool].enqueue(Waiter { req: r, since: now }) {
            self.timer_for(now)
        } else {
            None
        }
    }

    #[inline(always)]
    fn timer_for(&self, head_since: SimTime) -> Option<SimTime> {
        let timeout = self.acquire_timeout?;
        Some(on_tick(head_since + timeout, self.timer_resolution))
    }

    #[inline(always)]
    fn waiter_left(pod: usize, now: SimTime, stats: &mut Collector) {
        stats.pods[pod].waiters.add(now, -1);
        if stats.keep_series {
            stats.series.waiters.add(now, -1);
        }
    }

    /// Takes the longest waiter of `pool`, if any, and whether the pool's
    /// acquire timer must be disarmed (the queue emptied).
    #[inline(always)]
    pub fn next_waiter(
        &mut self,
        pool: usize,
        now: SimTime,
        stats: &mut Collector,
    ) -> Option<(u32, bool)> {
        let (w, disarm) = self.pools[pool].pop_waiter()?;
        Self::waiter_left(self.pod_of(pool), now, stats);
        Some((w.req, disarm))
    }

    /// The acquire timer of `pool` fired at `now`: returns the
    /// start-of-wait cutoff at or before which waiters time out.
    pub fn acquire_timer(&mut self, pool: usize, now: SimTime) -> SimTime {
        self.pools[pool].timer_fired();
        let timeout = self
            .acquire_timeout
            .expect("timer armed only with a timeout");
        SimTime(now.0 - timeout.0)
    }

    /// Takes the longest waiter of `pool` if it started waiting at or before `cutoff`.
    pub fn expired_waiter(
        &mut self,
        pool: usize,
        cutoff: SimTime,
        now: SimTime,
        stats: &mut Collector,
    ) -> Option<u32> {
        let w = self.pools[pool].pop_expired(cutoff)?;
        Self::waiter_left(self.pod_of(pool), now, stats);
        Some(w.req)
    }

    /// After expiry, the acquire timer to schedule for the new head waiter.
    pub fn rearm(&mut self, pool: usize) -> Option<SimTime> {
        let since = self.pools[pool].rearm()?;
        self.timer_for(since)
    }

    /// How many idle connections of `pool` the evictor examines this run.
    pub fn eviction_batch(&self, pool: usize) -> usize {
        let idle = self.pools[pool].idle_count();
        let per_run = self.life.tests_per_eviction_run;
        if per_run > 0 {
            (per_run as usize).min(idle)
        } else {
            idle.div_ceil(per_run.unsigned_abs() as usize)
        }
    }

    /// Takes the oldest idle connection of `pool` for the evictor.
    pub fn take_oldest_idle(&mut self, pool: usize) -> Option<ConnId> {
        self.pools[pool].take_oldest_idle()
    }

    /// The evictor examines idle connection `c` of `pool` at `now`: closes it
    /// if it is idle too long or past the pool's own limits; with
    /// `test_while_idle`, PINGs it (counted in `stats`) and closes it if dead.
    pub fn examine_idle(
        &self,
        pool: usize,
        c: ConnId,
        now: SimTime,
        stats: &mut Collector,
    ) -> Examined {
        let idle_for = now - self.pools[pool].conn(c).idle_since;
        if self.life.min_evictable_idle.is_some_and(|m| idle_for > m) || self.retired(pool, c, now)
        {
            return Examined::Close;
        }
        if !self.life.test_while_idle {
            return Examined::Keep;
        }
        if stats.window.contains(now) {
            stats.pings += 1;
        }
        if self.health(pool, c, now) != Health::Alive {
            return Examined::Close;
        }
        Examined::Ping(self.pools[pool].conn(c).shard)
    }

    /// Puts the connections the evictor kept back at the old end of the idle set.
    pub fn restore_oldest_idle(&mut self, pool: usize, kept: &[ConnId]) {
        self.pools[pool].restore_oldest_idle(kept);
    }
}
