//! The request path as a discrete-event model: routes events between the
//! engine's components.
//!
//! One [`Model`] is one replication: it owns its scheduler, its components and
//! its statistics, and shares nothing with other replications. Each component
//! keeps its own state and random streams and answers the model's questions
//! without calling back: [`Arrivals`] (when requests come, to which pod),
//! [`L1`] (the in-process cache), [`Pooled`] (the transport: pools,
//! connections, round trips), [`Server`] (Redis's event loops), [`Database`]
//! and [`ClientPolicy`] (timeouts, retries, budget). The model turns their
//! answers into events and measurements.
//!
//! # A read, event by event
//! `Arrival` -> L1 lookup (`L1Done`) -> checkout (after the client's own
//! delay, `AtPool`, with `client.checkout_delay`), which may wait
//! (`AcquireTimeout`) or open a connection (`AcceptAtRedis`, `Connected`) ->
//! an optional PING (test on borrow) -> the command: half a round trip ->
//! `AtRedis` (FIFO on the shard's event loop; with reply batching the reply
//! may wait for the `PassEnd` of the running pass to learn when its own
//! pass ends) -> the other half -> `Reply` ->
//! on a Redis miss the database (`DbDone`, or `DbTimeout` from its queue) and
//! a SET round trip -> release. Requests live in a
//! [`Requests`] slab; events carry their indices.

use super::arrivals::{Arrivals, RateFunction};
use super::client::ClientPolicy;
use super::cluster::Cluster;
use super::collect::Collector;
use super::database::Database;
use super::l1::L1;
use super::multiplexed::Multiplexed;
use super::requests::{Phase, Request, Requests};
use super::reshard::Answer;
use super::server::{Done, Kind, Server};
use super::tcp::DeadPeer;
use super::transport::{Exchange, Health, Pooled, NO_CONN};
use crate::scenario::{ErrorCause, Scenario, Transport};
use sim::rng::Streams;
use sim::scheduler::Scheduler;
use sim::stats::Window;
use sim::time::SimTime;

mod cluster;
mod evict;
mod fallback;
mod faults;
mod keyed;
mod mux;
mod pooled;

/// Requests in flight above which a run is stopped as a runaway overload.
pub const MAX_IN_FLIGHT: usize = 4_000_000;

/// Simulated time past which a run is stopped (2^62 ns, about 146 years): its
/// requests are not draining, because of absurd latencies or timeouts. Time
/// sums saturate at `SimTime::MAX` (about 584 years) instead of wrapping, so
/// such a run reaches this limit rather than going back in time.
pub const TIME_LIMIT: SimTime = SimTime(1 << 62);

/// The model's events.
#[derive(Clone, Copy, Debug)]
enum Event {
    /// The next fleet-wide arrival.
    Arrival,
    /// A request's L1 lookup finished.
    L1Done(u32),
    /// A request's new connection reached its shard's accept queue.
    AcceptAtRedis(u32),
    /// A request's new connection is ready.
    Connected(u32),
    /// A request's command (or PING) reached its shard.
    AtRedis(u32),
    /// A request's reply reached its pod.
    Reply(u32),
    /// A request's attempt failed on its connection or while connecting.
    Failed(u32, ErrorCause),
    /// The database answered a request.
    DbDone(u32),
    /// The database's queue timer.
    DbTimeout,
    /// A request's backoff before a retry ended.
    Retry(u32),
    /// A pool's acquire timer (in the pool's timer slot of the scheduler).
    AcquireTimeout { pool: u32 },
    /// A pool's evictor run.
    Evict(u32),
    /// The fault of this index in the scenario happens.
    Fault(u16),
    /// Pods `first` to `first + count - 1` restart (a rolling restart's batch).
    PodRestart { first: u32, count: u32 },
    /// A write invalidates a key in every pod's keyed L1.
    Invalidate,
    /// A shard forks for persistence (`redis.persistence`).
    Fork(u16),
    /// A write the shard's primary is done with reaches its replicas.
    Replicate(u16),
    /// A shared connection's death timer (keepalive, retransmissions, reset).
    MuxDeath { pod: u16, conn: u16, stamp: u32 },
    /// A shared connection finished reconnecting.
    MuxReconnected { pod: u16, conn: u16, stamp: u32 },
    /// The timeout of a command waiting on its shared connection, with its token.
    MuxExpire(u32, u32),
    /// A request's checkout reaches its pool after the client's own delay
    /// (`client.checkout_delay`).
    AtPool(u32),
    /// A shard's event-loop pass ends (reply batching): the replies of the
    /// next pass's commands become known.
    PassEnd(u16),
}

/// One replication of a scenario.
pub struct Model<'a> {
    sc: &'a Scenario,
    sched: Scheduler<Event, 2>,
    arrivals: Arrivals,
    l1: L1,
    transport: Pooled,
    /// The multiplexed transport, for a multiplexed client (the pooled one
    /// then only draws round trips).
    mux: Option<Multiplexed>,
    /// Routing by key to nodes and their pools, in cluster mode.
    cluster: Option<Cluster>,
    server: Server,
    database: Database,
    client: ClientPolicy,
    requests: Requests,
    /// The L1 lookup takes a constant time. The arrival event then fires
    /// when the first lookup ends, which saves an event per request and
    /// changes nothing else (see [`Model::on_arrival`]).
    lookup_is_constant: bool,
    /// Token of the next command on a shared connection, or waiting for
    /// its pass to end (reply batching).
    next_token: u32,
    /// Reply batching: the replies a pass's end made known (a buffer kept
    /// between passes).
    passed: Vec<((u32, u32), SimTime)>,
    stats: Collector,
}

/// The scheduler lane for arrivals, which are generated in time order (see
/// [`sim::scheduler`]: events in time order skip the heap).
const ARRIVAL_LANE: usize = 0;
/// The lane for the ends of later reads' L1 lookups when the lookup takes a
/// constant time: each is `now` plus that constant, so they come in time order.
const L1_LANE: usize = 1;

impl<'a> Model<'a> {
    /// A model of `scenario` for replication `replication`; `series` keeps
    /// the time series for charts (metrics are the same either way).
    pub fn new(sc: &'a Scenario, replication: u32, series: bool) -> Self {
        let streams = Streams::new(sc.simulation.seed, replication as u64);
        let start = sc.simulation.warmup;
        let window = Window {
            start,
            end: start + sc.simulation.duration,
        };
        let l1 = L1::new(sc, &streams);
        let constant_lookup = l1.constant_lookup();
        let arrival_lag = constant_lookup.unwrap_or(SimTime::ZERO);
        let rate = RateFunction::new(sc.workload.rate, &sc.workload.profile, start);
        Model {
            sc,
            sched: Scheduler::with_lanes(),
            arrivals: {
                let a = Arrivals::new(rate, window.end, arrival_lag, sc.pods.count, &streams);
                match &sc.workload.replay {
                    Some(r) => a.replaying(r.clone(), start),
                    None => a,
                }
            },
            l1,
            transport: Pooled::new(sc, &streams),
            mux: (sc.client.transport == Transport::Multiplexed).then(|| Multiplexed::new(sc)),
            cluster: Cluster::new(sc, &streams),
            server: Server::new(&sc.redis, &streams),
            database: Database::new(&sc.database, &streams),
            client: ClientPolicy::new(&sc.client, DeadPeer::of(sc).unacked, &streams),
            requests: Requests::default(),
            lookup_is_constant: constant_lookup.is_some(),
            next_token: 0,
            passed: Vec::new(),
            stats: Collector::new(window, sc.pods.count as usize, sc.simulation.bucket, series),
        }
    }

    /// Runs to completion: arrivals stop at the end of the window, and requests
    /// still in flight are followed until they end, so every arrival ends
    /// exactly once.
    pub fn run(mut self) -> Result<Collector, String> {
        if self.l1.is_keyed() {
            self.stats.keyed_l1();
            if self.sc.l1.invalidation_rate > 0.0 {
                self.stats.invalidating();
            }
        }
        self.stats.per_shard(self.sc.redis.shards);
        if self.sc.reshards() {
            self.stats.resharding();
        }
        if self.sc.redis.replicas > 0 {
            self.stats
                .replicas(self.sc.redis.shards * self.sc.redis.replicas);
        }
        if let Some(workers) = self.sc.database.concurrency {
            self.stats.finite_database(workers);
        }
        if self.sc.redis.bandwidth.is_some() {
            self.stats.links();
        }
        if let Some(at) = self.arrivals.next_event(SimTime::ZERO) {
            self.sched
                .schedule_at_lane(ARRIVAL_LANE, at, Event::Arrival);
        }
        if self.mux.is_some() {
            self.mux_open_all();
        }
        self.schedule_invalidation();
        self.schedule_forks();
        for (i, f) in self.sc.faults.iter().enumerate() {
            let at = self.sc.simulation.warmup + f.at;
            self.sched.schedule_at(at, Event::Fault(i as u16));
        }
        for pool in 0..self.transport.pools() {
            if self.mux.is_some() {
                break;
            }
            self.ensure_min_idle(pool);
            if let Some(every) = self.transport.eviction_interval() {
                self.sched.schedule_at(every, Event::Evict(pool as u32));
            }
        }
        while let Some((at, ev)) = self.sched.pop() {
            if at >= TIME_LIMIT {
                return Err(format!(
                    "simulated time passed about 146 years with {} requests still in flight: \
                     they are not draining; look for latencies or timeouts far too long",
                    self.requests.in_flight()
                ));
            }
            self.dispatch(ev);
            if self.requests.in_flight() > MAX_IN_FLIGHT {
                return Err(format!(
                    "more than {MAX_IN_FLIGHT} requests in flight at {}: the design is overloaded \
                     without bound (waiting forever on an exhausted pool); set an acquire timeout \
                     or lower the rate",
                    self.sched.now()
                ));
            }
        }
        debug_assert_eq!(self.requests.in_flight(), 0);
        if let Some(k) = self.l1.keyed() {
            self.stats.keyed_counts(k.counted);
        }
        self.stats.finish();
        Ok(self.stats)
    }

    #[inline(always)]
    fn dispatch(&mut self, ev: Event) {
        // The two events of nearly every request first, as plain branches.
        // One `match` over all events compiles to a jump table whose one
        // indirect jump alternated between these two and was mispredicted
        // about once per request (about 4% of case (a)'s time); the jump
        // table below sees the rarer events only.
        if let Event::Arrival = ev {
            return self.on_arrival();
        }
        if let Event::Reply(r) = ev {
            return self.on_reply(r);
        }
        self.dispatch_other(ev);
    }

    #[inline(always)]
    fn dispatch_other(&mut self, ev: Event) {
        match ev {
            Event::Arrival => self.on_arrival(),
            Event::L1Done(r) => self.on_l1_done(r),
            Event::AcceptAtRedis(r) => self.on_accept(r),
            Event::Connected(r) => self.on_connected(r),
            Event::AtRedis(r) => self.on_at_redis(r),
            Event::Reply(r) => self.on_reply(r),
            Event::Failed(r, cause) => self.on_failed(r, cause),
            Event::DbDone(r) => self.on_db_done(r),
            Event::DbTimeout => self.on_db_timeout(),
            Event::Retry(r) => {
                self.route_retry(r);
                self.checkout(r);
            }
            Event::AcquireTimeout { pool } => self.on_acquire_timeout(pool as usize),
            Event::Evict(pool) => self.on_evict(pool as usize),
            Event::Fault(i) => self.on_fault(i as usize),
            Event::PodRestart { first, count } => self.on_pod_restart(first, count),
            Event::Invalidate => self.on_invalidate(),
            Event::Fork(shard) => self.on_fork(shard),
            Event::Replicate(shard) => {
                let now = self.now();
                self.server
                    .replicate(u32::from(shard), now, &mut self.stats);
            }
            Event::MuxDeath { pod, conn, stamp } => self.on_mux_death(pod, conn, stamp),
            Event::MuxReconnected { pod, conn, stamp } => self.on_mux_reconnected(pod, conn, stamp),
            Event::MuxExpire(r, token) => self.on_mux_expire(r, token),
            Event::PassEnd(shard) => self.on_pass_end(shard),
            Event::AtPool(r) => self.try_checkout(r),
        }
    }

    #[inline(always)]
    fn now(&self) -> SimTime {
        self.sched.now()
    }

    /// A request arrives. With a constant L1 lookup the event fires when the
    /// first lookup ends, that constant after the arrival itself: nothing
    /// about the request is observable during its lookup, and the arrival
    /// time, the random draws (each stream in arrival order) and the counts
    /// are those of the arrival instant.
    fn on_arrival(&mut self) {
        let now = self.now();
        let arrived = self.arrivals.arrived(now);
        if let Some(at) = self.arrivals.next_event(arrived) {
            self.sched
                .schedule_at_lane(ARRIVAL_LANE, at, Event::Arrival);
        }
        let pod = self.arrivals.pick_pod();
        let measured = self.stats.window.contains(arrived);
        self.stats.arrival(arrived, measured);
        let reads_left = self.sc.workload.reads_per_request;
        let attempts = self.client.arrival();
        let r = self.requests.vacant();
        let req = &mut self.requests[r];
        req.start(arrived, now, pod, reads_left, measured, attempts);
        if self.lookup_is_constant {
            // The first lookup is over.
            let hit = begin_read(&mut self.l1, &mut self.stats, req, now);
            self.lookup_done(r, hit);
        } else {
            self.start_read(r);
        }
    }

    // ----- reads: the L1 cache -----

    /// Starts a read and its L1 lookup.
    fn start_read(&mut self, r: u32) {
        let now = self.now();
        begin_read(&mut self.l1, &mut self.stats, &mut self.requests[r], now);
        let lookup = self.l1.lookup_time();
        if lookup == SimTime::ZERO {
            self.on_l1_done(r);
        } else if self.lookup_is_constant {
            let at = self.now() + lookup;
            self.sched.schedule_at_lane(L1_LANE, at, Event::L1Done(r));
        } else {
            self.sched.schedule_in(lookup, Event::L1Done(r));
        }
    }

    #[inline(always)]
    fn on_l1_done(&mut self, r: u32) {
        let hit = self.requests[r].l1_hit;
        self.lookup_done(r, hit);
    }

    /// `r`'s L1 lookup ended (`hit`: a hit of the unkeyed L1).
    #[inline(always)]
    fn lookup_done(&mut self, r: u32, hit: bool) {
        if self.l1.is_keyed() {
            self.keyed_lookup(r);
        } else if hit {
            self.read_done(r);
        } else {
            self.route(r);
            self.checkout(r);
        }
    }

    /// A read ended with its value.
    #[inline(always)]
    fn read_done_one(&mut self, r: u32) {
        let now = self.now();
        let more = read_ended(&mut self.stats, &mut self.requests[r], now);
        self.after_read(r, more);
    }

    /// `r`'s read ended: the next read starts if `more` remain, or the
    /// request ends.
    #[inline(always)]
    fn after_read(&mut self, r: u32, more: bool) {
        if more {
            self.start_read(r);
        } else {
            self.finish(r);
        }
    }

    #[inline(always)]
    fn finish(&mut self, r: u32) {
        self.requests.remove(r);
    }

    // ----- commands: the server and the database -----

    /// Sends `r`'s current command (or PING) on its connection.
    #[inline(always)]
    fn send_command(&mut self, r: u32) {
        let now = self.now();
        let (pool, conn) = {
            let req = &self.requests[r];
            (req.pool as usize, req.lease.conn)
        };
        let health = self.transport.health(pool, conn, now);
        let rtt = self.transport.round_trip();
        match health {
            Health::Alive => {}
            Health::Closed => {
                // FIN already received: the read returns EOF at once.
                self.sched
                    .schedule_at(now, Event::Failed(r, ErrorCause::StaleConnection));
                return;
            }
            Health::Reset => {
                self.sched
                    .schedule_at(now + rtt, Event::Failed(r, ErrorCause::StaleConnection));
                return;
            }
            Health::Dropped => {
                let at = now + self.client.silence_give_up();
                self.sched
                    .schedule_at(at, Event::Failed(r, ErrorCause::SocketTimeout));
                return;
            }
        }
        self.transport.touch(pool, conn, now);
        let out = rtt.half();
        let exchange = Exchange {
            shard: self.command_shard(pool),
            return_half: rtt - out,
            deadline: self.client.command_deadline(now),
            ..Exchange::NONE
        };
        self.requests[r].exchange = exchange;
        if self.server.serves_instantly() && !self.reshards() {
            // A server with zero service time never queues: the command is
            // served on arrival and only the round trip remains.
            let at_redis = now + out;
            self.server.command_at_once(at_redis, &mut self.stats);
            self.schedule_reply(r, at_redis + exchange.return_half);
        } else {
            self.sched.schedule_in(out, Event::AtRedis(r));
        }
    }

    /// Schedules the reply at `at`, or the socket timeout if that comes first.
    #[inline(always)]
    fn schedule_reply(&mut self, r: u32, at: SimTime) {
        let deadline = self.requests[r].exchange.deadline;
        if at > deadline {
            let when = deadline.max(self.now());
            self.sched
                .schedule_at(when, Event::Failed(r, ErrorCause::SocketTimeout));
        } else {
            self.sched.schedule_at(at, Event::Reply(r));
        }
    }

    fn on_at_redis(&mut self, r: u32) {
        if self.mux.is_some() {
            self.mux_at_redis(r);
            return;
        }
        let now = self.now();
        if !self.requests[r].lease.pinging && self.redirected_at_redis(r) {
            return;
        }
        let req = &self.requests[r];
        let kind = match (req.lease.pinging, req.phase) {
            (true, _) => Kind::Ping,
            (false, Phase::Get) => self.read_kind(r),
            (false, Phase::Set) => Kind::Fill,
        };
        let exchange = self.requests[r].exchange;
        if self.sc.redis.reply_batching {
            self.command_in_pass(r, kind);
            return;
        }
        let done = self
            .server
            .command(exchange.shard, now, kind, &mut self.stats);
        if kind == Kind::Fill && self.server.replicas() > 0 {
            // The replication stream: the write reaches the replicas when
            // the primary is done with it.
            self.sched
                .schedule_at(done, Event::Replicate(exchange.shard as u16));
        }
        self.schedule_reply(r, done + exchange.return_half);
    }

    /// Reply batching: `r`'s command of `kind` reached its shard; its reply
    /// leaves at the end of its pass. If that is not known yet, the request
    /// waits with a token (the pass's end finds it by that, see
    /// [`Model::on_pass_end`]), unless its socket timeout comes first
    /// whatever the pass: its own service ends too late.
    fn command_in_pass(&mut self, r: u32, kind: Kind) {
        let now = self.now();
        let exchange = self.requests[r].exchange;
        // Token 0 is never given: it marks a command no pass will answer.
        self.next_token = self.next_token.wrapping_add(1).max(1);
        let token = self.next_token;
        let shard = exchange.shard;
        let tag = (r, token);
        match self
            .server
            .command_in_pass(shard, now, kind, tag, &mut self.stats)
        {
            Done::At(done) => self.schedule_reply(r, done + exchange.return_half),
            Done::InPass { earliest, close } => {
                if let Some(at) = close {
                    self.sched.schedule_at(at, Event::PassEnd(shard as u16));
                }
                let ready = earliest + exchange.return_half;
                if ready > exchange.deadline {
                    self.schedule_reply(r, ready);
                } else {
                    self.requests[r].exchange.token = token;
                }
            }
        }
    }

    /// A pass of `shard` ended: the replies of the commands of the next
    /// pass, still awaited, are scheduled.
    fn on_pass_end(&mut self, shard: u16) {
        let now = self.now();
        let mut passed = std::mem::take(&mut self.passed);
        self.server
            .close_pass(u32::from(shard), now, &mut passed, &mut self.stats);
        for ((r, token), done) in passed.drain(..) {
            let ex = &mut self.requests[r].exchange;
            if ex.token != token {
                continue;
            }
            ex.token = 0;
            let ready = done + ex.return_half;
            self.schedule_reply(r, ready);
        }
        self.passed = passed;
    }

    #[inline(always)]
    fn on_reply(&mut self, r: u32) {
        if self.mux.is_some() {
            self.mux_reply(r);
            return;
        }
        let now = self.now();
        let req = &mut self.requests[r];
        self.transport.touch(req.pool as usize, req.lease.conn, now);
        if req.lease.pinging {
            req.lease.pinging = false;
            if req.measured {
                self.stats.acquire_wait(now - req.lease.checkout_started);
            }
            self.send_command(r);
            return;
        }
        if req.exchange.redirect != Answer::Serve {
            self.follow_redirect(r);
            return;
        }
        let (phase, found) = (req.phase, req.exchange.found);
        match phase {
            Phase::Set => {
                self.release(r);
                self.read_done(r);
            }
            Phase::Get => {
                if self.found_or_draw(found) {
                    self.release(r);
                    self.read_done(r);
                } else {
                    if !self.client.holds_during_fallback() {
                        self.release(r);
                    }
                    self.query_database(r);
                }
            }
        }
    }

    /// The kind of `r`'s read command reaching its shard; its hit, if drawn
    /// now, is kept for the reply.
    #[inline(always)]
    fn read_kind(&mut self, r: u32) -> Kind {
        let (kind, found) = self.server.read_kind();
        self.requests[r].exchange.found = found;
        kind
    }

    /// True if a read found its key in Redis: `found` if drawn at the
    /// shard, else drawn now.
    #[inline(always)]
    pub(super) fn found_or_draw(&mut self, found: Option<bool>) -> bool {
        match found {
            Some(hit) => hit,
            None => self.server.read_hits(),
        }
    }

    // ----- failures: the client policy -----

    /// An attempt failed on its connection (or while opening it): the
    /// connection is closed (or, with `pool.keep_failed`, handed back to the
    /// pool as it is); a failed test-on-borrow PING closes it and tries the
    /// next connection instead of failing the request.
    fn on_failed(&mut self, r: u32, cause: ErrorCause) {
        if self.mux.is_some() {
            self.mux_failed(r, cause);
            return;
        }
        let now = self.now();
        let req = self.requests[r];
        let pool = req.pool as usize;
        if req.lease.holding {
            self.transport
                .end_hold(pool, now - req.lease.acquired_at, now, &mut self.stats);
        }
        let retry_checkout = req.lease.pinging && req.lease.holding;
        let lease = &mut self.requests[r].lease;
        lease.conn = NO_CONN;
        lease.holding = false;
        lease.pinging = false;
        if req.lease.holding && !retry_checkout && self.transport.keeps_failed() {
            // The pool takes the connection back as it is, broken.
            self.hand_back(pool, req.lease.conn, false);
        } else {
            self.close_connection(pool, req.lease.conn);
        }
        if retry_checkout {
            self.try_checkout(r);
        } else {
            self.attempt_failed(r, cause);
        }
    }

    /// An attempt of `r` failed with `cause` (it holds no connection): retry
    /// after a backoff if allowed, or fail the request.
    fn attempt_failed(&mut self, r: u32, cause: ErrorCause) {
        let now = self.now();
        let req = &mut self.requests[r];
        debug_assert_eq!(
            req.lease.conn, NO_CONN,
            "failed attempt still holds a connection"
        );
        let measured = req.measured;
        self.stats.attempt_failed(now, cause, measured);
        if let Some(sleep) = self.client.retry(&mut req.attempts, cause) {
            self.sched.schedule_in(sleep, Event::Retry(r));
            return;
        }
        let req = self.requests[r];
        self.stats.request_failed(now, req.arrived, cause, measured);
        self.finish(r);
        if req.loading {
            self.load_failed(req, cause);
        }
    }
}

/// Starts `req`'s read at `now`: looks it up in `l1` and counts it. Returns
/// whether an unkeyed L1 answered (a keyed one decides, and counts, when the
/// lookup ends). A function of the parts it touches, so a caller that holds
/// the request indexes the slab once.
#[inline(always)]
fn begin_read(l1: &mut L1, stats: &mut Collector, req: &mut Request, now: SimTime) -> bool {
    let hit = l1.lookup(req.pod, now);
    req.l1_hit = hit;
    req.phase = Phase::Get;
    req.attempts.new_command();
    if req.measured && !l1.is_keyed() {
        stats.read(hit);
    }
    hit
}

/// `req`'s current read ended with its value at `now`: counts the request
/// done if it was its last read. Returns whether more reads remain.
#[inline(always)]
fn read_ended(stats: &mut Collector, req: &mut Request, now: SimTime) -> bool {
    req.reads_left -= 1;
    if req.reads_left > 0 {
        return true;
    }
    stats.request_ok(now, req.arrived, req.measured);
    false
}
