//! The request path as a discrete-event model.
//!
//! One [`Model`] is one replication: it owns its scheduler, its random streams
//! and its statistics, and shares nothing with other replications.
//!
//! # A read, event by event
//! `Arrival` -> L1 lookup (`L1Done`) -> checkout, which may wait
//! (`AcquireTimeout`) or open a connection (`AcceptAtRedis`, `Connected`) ->
//! an optional PING (test on borrow) -> the command: half a round trip ->
//! `AtRedis` (FIFO on the shard's event loop) -> the other half -> `Reply` ->
//! on a Redis miss `DbDone` and a SET round trip -> release. Requests live in a
//! slab indexed by `u32`; events carry indices. A request has at most one
//! pending event of its own at any time, so a slot is never reused while an
//! event still points at it.
//!
//! # The event loop
//! A shard is a FIFO single server. Commands are handled in the order they
//! reach it, so its completion time follows Lindley's recursion
//! (`finish = max(arrival, busy_until) + service`) at the arrival event, with
//! no separate completion event. A command whose client gave up (socket
//! timeout) still runs: wasted work, as on a real server.
//!
//! # Dead connections
//! A connection's death is computed when it is next used, not by a timer: the
//! server closes it (FIN) `redis.timeout` after its last command, and a
//! middlebox forgets it `network.idle_timeout` after its last packet unless a
//! TCP keepalive shorter than that timeout refreshes it. Whichever comes first
//! decides what the client sees: EOF at once (FIN; noticed at checkout by a
//! peeking pool), a reset after a round trip, or silence until the socket
//! timeout (a drop).

use super::arrivals::RateFunction;
use super::collect::Collector;
use super::pool::{Checkout, ConnId, Pool, Waiter};
use crate::scenario::{CheckoutCheck, ErrorCause, Jitter, OnIdle, Scenario, WhenExhausted};
use rand::Rng;
use sim::rng::{StreamRng, Streams};
use sim::scheduler::Scheduler;
use sim::stats::Window;
use sim::time::SimTime;

/// Requests in flight above which a run is stopped as a runaway overload.
pub const MAX_IN_FLIGHT: usize = 4_000_000;

/// Simulated time past which a run is stopped (2^62 ns, about 146 years): its
/// requests are not draining, because of absurd latencies or timeouts. Time
/// sums saturate at `SimTime::MAX` (about 584 years) instead of wrapping, so
/// such a run reaches this limit rather than going back in time.
pub const TIME_LIMIT: SimTime = SimTime(1 << 62);

/// How long Linux retransmits into a silent drop before giving up
/// (`tcp_retries2 = 15`, about 924.6 s): the wait on a dropped connection when
/// no socket timeout is set.
pub const TCP_GIVE_UP: SimTime = SimTime::from_millis(924_600);

/// Most tokens a retry budget holds (each request adds `retry_budget` tokens,
/// each retry spends one), so a long quiet period cannot bank a retry storm.
pub const RETRY_BUDGET_CAP: f64 = 100.0;

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
    /// A request's backoff before a retry ended.
    Retry(u32),
    /// A pool's acquire timer, with the pool's generation stamp.
    AcquireTimeout { pod: u16, stamp: u32 },
    /// A pool's evictor run.
    Evict(u16),
}

/// Which command a read is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Get,
    Set,
}

/// How a connection looks when it is used.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Health {
    Alive,
    /// The server closed it (FIN already received).
    Closed,
    /// A middlebox forgot it and resets the next packet.
    Reset,
    /// A middlebox forgot it and drops packets silently.
    Dropped,
}

const NO_CONN: ConnId = ConnId::MAX;

#[derive(Clone, Copy, Debug)]
struct Request {
    arrived: SimTime,
    pod: u32,
    reads_left: u32,
    retries_left: u32,
    /// Attempts of the current command (its first checkout and retries).
    attempt: u32,
    /// The current checkout has queued at least once.
    queued: bool,
    conn: ConnId,
    /// When the current checkout started (for the acquire wait).
    checkout_started: SimTime,
    /// When the connection was acquired (for the hold time).
    acquired_at: SimTime,
    /// When the current connect attempt started.
    connect_started: SimTime,
    /// The rest of the connect after the accept: remaining round trips.
    connect_rest: SimTime,
    return_half: SimTime,
    /// When the client gives up on the outstanding command.
    deadline: SimTime,
    shard: u32,
    phase: Phase,
    /// The outstanding command is a test-on-borrow PING.
    pinging: bool,
    /// The request holds an acquired connection (not one still opening).
    holding: bool,
    l1_hit: bool,
    measured: bool,
}

struct RandomStreams {
    arrivals: StreamRng,
    pods: StreamRng,
    l1: StreamRng,
    lookup: StreamRng,
    rtt: StreamRng,
    shard: StreamRng,
    service: StreamRng,
    redis_hit: StreamRng,
    database: StreamRng,
    connect: StreamRng,
    backoff: StreamRng,
}

struct Shard {
    busy_until: SimTime,
    /// Connections this shard has accepted and not yet seen closed.
    clients: u32,
}

/// One replication of a scenario.
pub struct Model<'a> {
    sc: &'a Scenario,
    sched: Scheduler<Event>,
    rng: RandomStreams,
    rate: RateFunction,
    arrivals_end: SimTime,
    requests: Vec<Request>,
    free: Vec<u32>,
    in_flight: usize,
    pools: Vec<Pool>,
    shards: Vec<Shard>,
    service_is_zero: bool,
    lookup_is_constant: bool,
    /// The first L1 lookup's duration when it is constant (else zero): the
    /// arrival event then fires when that lookup ends, which saves an event
    /// per request and changes nothing else (see [`Model::on_arrival`]).
    arrival_lag: SimTime,
    /// When a middlebox forgets an idle connection, if it ever does.
    middlebox_forgets_after: Option<SimTime>,
    /// Idle connections can die (a server timeout or a forgetful middlebox).
    idle_death: bool,
    /// The pool retires connections by age or idle time.
    retires: bool,
    retry_tokens: f64,
    /// Keep the time series (for charts); sweeps need only the metrics.
    series: bool,
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
        let pods = sc.pods.count as usize;
        // Keepalive probes refresh middlebox state only if they come before it
        // forgets the connection (the book's "Theory and sources").
        let keepalive = [sc.redis.tcp_keepalive, sc.client.tcp_keepalive]
            .into_iter()
            .flatten()
            .min();
        let middlebox_forgets_after = sc
            .network
            .idle_timeout
            .filter(|&idle| keepalive.is_none_or(|k| k >= idle));
        Model {
            sc,
            sched: Scheduler::with_lanes(2),
            rng: RandomStreams {
                arrivals: streams.stream("arrivals"),
                pods: streams.stream("pods"),
                l1: streams.stream("l1"),
                lookup: streams.stream("l1.lookup"),
                rtt: streams.stream("network.rtt"),
                shard: streams.stream("redis.shard"),
                service: streams.stream("redis.service"),
                redis_hit: streams.stream("redis.hit"),
                database: streams.stream("database"),
                connect: streams.stream("connect"),
                backoff: streams.stream("client.backoff"),
            },
            rate: RateFunction::new(sc.workload.rate, &sc.workload.profile, start),
            arrivals_end: window.end,
            requests: Vec::new(),
            free: Vec::new(),
            in_flight: 0,
            pools: (0..pods).map(|_| Pool::new(&sc.pool)).collect(),
            shards: (0..sc.redis.shards)
                .map(|_| Shard {
                    busy_until: SimTime::ZERO,
                    clients: 0,
                })
                .collect(),
            service_is_zero: sc.redis.service_time.is_zero(),
            lookup_is_constant: matches!(sc.l1.lookup_time, sim::dist::Latency::Constant(_)),
            arrival_lag: match sc.l1.lookup_time {
                sim::dist::Latency::Constant(d) => d,
                _ => SimTime::ZERO,
            },
            middlebox_forgets_after,
            idle_death: sc.redis.timeout.is_some() || middlebox_forgets_after.is_some(),
            retires: sc.pool.life.max_lifetime.is_some() || sc.pool.life.idle_timeout.is_some(),
            retry_tokens: RETRY_BUDGET_CAP,
            series,
            stats: Collector::new(window, pods, sc.simulation.bucket, series),
        }
    }

    /// Runs to completion: arrivals stop at the end of the window, and requests
    /// still in flight are followed until they end, so every arrival ends
    /// exactly once.
    pub fn run(mut self) -> Result<Collector, String> {
        if let Some(t) = self
            .rate
            .next_arrival(SimTime::ZERO, &mut self.rng.arrivals)
        {
            if t < self.arrivals_end {
                let at = t + self.arrival_lag;
                self.sched
                    .schedule_at_lane(ARRIVAL_LANE, at, Event::Arrival);
            }
        }
        for pod in 0..self.pools.len() {
            self.ensure_min_idle(pod);
            if let Some(every) = self.sc.pool.life.eviction_interval {
                self.sched.schedule_at(every, Event::Evict(pod as u16));
            }
        }
        while let Some((at, ev)) = self.sched.pop() {
            if at >= TIME_LIMIT {
                return Err(format!(
                    "simulated time passed about 146 years with {} requests still in flight: \
                     they are not draining; look for latencies or timeouts far too long",
                    self.in_flight
                ));
            }
            self.dispatch(ev);
            if self.in_flight > MAX_IN_FLIGHT {
                return Err(format!(
                    "more than {MAX_IN_FLIGHT} requests in flight at {}: the design is overloaded \
                     without bound (waiting forever on an exhausted pool); set an acquire timeout \
                     or lower the rate",
                    self.sched.now()
                ));
            }
        }
        debug_assert_eq!(self.in_flight, 0);
        self.stats.finish();
        Ok(self.stats)
    }

    #[inline]
    fn dispatch(&mut self, ev: Event) {
        match ev {
            Event::Arrival => self.on_arrival(),
            Event::L1Done(r) => self.on_l1_done(r),
            Event::AcceptAtRedis(r) => self.on_accept(r),
            Event::Connected(r) => self.on_connected(r),
            Event::AtRedis(r) => self.on_at_redis(r),
            Event::Reply(r) => self.on_reply(r),
            Event::Failed(r, cause) => self.on_failed(r, cause),
            Event::DbDone(r) => self.on_db_done(r),
            Event::Retry(r) => self.checkout(r),
            Event::AcquireTimeout { pod, stamp } => self.on_acquire_timeout(pod as usize, stamp),
            Event::Evict(pod) => self.on_evict(pod as usize),
        }
    }

    #[inline]
    fn now(&self) -> SimTime {
        self.sched.now()
    }

    /// A request arrives. With a constant L1 lookup the event fires when the
    /// first lookup ends, `arrival_lag` after the arrival itself: nothing
    /// about the request is observable during its lookup, and the arrival
    /// time, the random draws (each stream in arrival order) and the counts
    /// are those of the arrival instant.
    fn on_arrival(&mut self) {
        let now = self.now();
        let arrived = SimTime(now.0 - self.arrival_lag.0);
        if let Some(t) = self.rate.next_arrival(arrived, &mut self.rng.arrivals) {
            if t < self.arrivals_end {
                let at = t + self.arrival_lag;
                self.sched
                    .schedule_at_lane(ARRIVAL_LANE, at, Event::Arrival);
            }
        }
        let pods = self.sc.pods.count;
        let pod = if pods == 1 {
            0
        } else {
            self.rng.pods.random_range(0..pods)
        };
        let measured = self.stats.window.contains(arrived);
        if measured {
            self.stats.arrived += 1;
        }
        if self.series {
            self.stats.series.arrivals.add(arrived, 1.0);
        }
        if let Some(budget) = self.sc.client.retry_budget {
            self.retry_tokens = (self.retry_tokens + budget).min(RETRY_BUDGET_CAP);
        }
        let req = Request {
            arrived,
            pod,
            reads_left: self.sc.workload.reads_per_request,
            retries_left: self.sc.client.retries,
            attempt: 0,
            queued: false,
            conn: NO_CONN,
            checkout_started: now,
            acquired_at: now,
            connect_started: now,
            connect_rest: SimTime::ZERO,
            return_half: SimTime::ZERO,
            deadline: SimTime::MAX,
            shard: 0,
            phase: Phase::Get,
            pinging: false,
            holding: false,
            l1_hit: false,
            measured,
        };
        let r = match self.free.pop() {
            Some(r) => {
                self.requests[r as usize] = req;
                r
            }
            None => {
                self.requests.push(req);
                (self.requests.len() - 1) as u32
            }
        };
        self.in_flight += 1;
        if self.lookup_is_constant {
            // The first lookup is over.
            self.begin_read(r);
            self.on_l1_done(r);
        } else {
            self.start_read(r);
        }
    }

    /// Starts a read: draws its L1 outcome and counts it.
    #[inline]
    fn begin_read(&mut self, r: u32) {
        let ratio = self.sc.l1.hit_ratio;
        let hit = ratio >= 1.0 || (ratio > 0.0 && self.rng.l1.random::<f64>() < ratio);
        let req = &mut self.requests[r as usize];
        req.l1_hit = hit;
        req.phase = Phase::Get;
        req.attempt = 0;
        if req.measured {
            self.stats.reads += 1;
            self.stats.l1_hits += hit as u64;
        }
    }

    /// Starts a read and its L1 lookup.
    fn start_read(&mut self, r: u32) {
        self.begin_read(r);
        let lookup = self.sc.l1.lookup_time.sample(&mut self.rng.lookup);
        if lookup == SimTime::ZERO {
            self.on_l1_done(r);
        } else if self.lookup_is_constant {
            let at = self.now() + lookup;
            self.sched.schedule_at_lane(L1_LANE, at, Event::L1Done(r));
        } else {
            self.sched.schedule_in(lookup, Event::L1Done(r));
        }
    }

    fn on_l1_done(&mut self, r: u32) {
        if self.requests[r as usize].l1_hit {
            self.read_done(r);
        } else {
            self.checkout(r);
        }
    }

    // ----- the pool -----

    fn checkout(&mut self, r: u32) {
        let now = self.now();
        let req = &mut self.requests[r as usize];
        req.checkout_started = now;
        req.queued = false;
        req.attempt += 1;
        if req.measured {
            self.stats.checkouts += 1;
            if req.attempt > 1 {
                self.stats.retries += 1;
            }
        }
        self.try_checkout(r);
    }

    /// Finds a connection for `r`: an idle one that passes the checks, a new
    /// one, or a place in the queue.
    fn try_checkout(&mut self, r: u32) {
        let now = self.now();
        let req = self.requests[r as usize];
        let pod = req.pod as usize;
        loop {
            match self.pools[pod].checkout() {
                Checkout::Idle(c) => {
                    if self.expired(pod, c, now) {
                        self.close_connection(pod, c);
                        continue;
                    }
                    let peek = self.sc.pool.life.checkout_check == CheckoutCheck::Peek;
                    if peek && self.health(pod, c, now) == Health::Closed {
                        self.close_connection(pod, c);
                        continue;
                    }
                    let waited = now - req.checkout_started;
                    self.acquired(r, c, waited);
                }
                Checkout::Open => self.open_for(r),
                Checkout::Full => match self.sc.pool.when_exhausted {
                    WhenExhausted::Fail => self.attempt_failed(r, ErrorCause::PoolExhausted),
                    WhenExhausted::Block => self.enqueue(r),
                },
            }
            return;
        }
    }

    /// True if the pool's own limits retire connection `c` now.
    #[inline]
    fn expired(&self, pod: usize, c: ConnId, now: SimTime) -> bool {
        if !self.retires {
            return false;
        }
        let life = &self.sc.pool.life;
        let conn = self.pools[pod].conn(c);
        life.max_lifetime.is_some_and(|l| now - conn.created >= l)
            || life
                .idle_timeout
                .is_some_and(|t| now - conn.idle_since >= t)
    }

    fn enqueue(&mut self, r: u32) {
        let now = self.now();
        let req = self.requests[r as usize];
        let pod = req.pod as usize;
        if req.measured && !req.queued {
            self.stats.waited += 1;
        }
        self.requests[r as usize].queued = true;
        self.stats.pods[pod].waiters.add(now, 1);
        if self.series {
            self.stats.series.waiters.add(now, 1);
        }
        // The wait is measured from now: a checkout that queues again (its
        // test-on-borrow PING found a dead connection) waits afresh, and the
        // queue's deadlines stay in FIFO order.
        if self.pools[pod].enqueue(Waiter { req: r, since: now }) {
            self.arm_acquire_timer(pod, now);
        }
    }

    fn arm_acquire_timer(&mut self, pod: usize, head_since: SimTime) {
        if let Some(timeout) = self.sc.pool.acquire_timeout {
            let stamp = self.pools[pod].timer_stamp();
            self.sched.schedule_at(
                head_since + timeout,
                Event::AcquireTimeout {
                    pod: pod as u16,
                    stamp,
                },
            );
        }
    }

    fn on_acquire_timeout(&mut self, pod: usize, stamp: u32) {
        if !self.pools[pod].timer_fired(stamp) {
            return;
        }
        let now = self.now();
        let timeout = self
            .sc
            .pool
            .acquire_timeout
            .expect("timer armed only with a timeout");
        let cutoff = SimTime(now.0 - timeout.0);
        while let Some(w) = self.pools[pod].pop_expired(cutoff) {
            self.waiter_left(pod, now);
            self.attempt_failed(w.req, ErrorCause::PoolTimeout);
        }
        if let Some(since) = self.pools[pod].rearm() {
            self.arm_acquire_timer(pod, since);
        }
    }

    #[inline]
    fn waiter_left(&mut self, pod: usize, now: SimTime) {
        self.stats.pods[pod].waiters.add(now, -1);
        if self.series {
            self.stats.series.waiters.add(now, -1);
        }
    }

    /// `r` holds connection `c` after waiting `waited`; test it on borrow or use it.
    fn acquired(&mut self, r: u32, c: ConnId, waited: SimTime) {
        let now = self.now();
        let req = &mut self.requests[r as usize];
        req.conn = c;
        req.acquired_at = now;
        req.holding = true;
        let (pod, measured) = (req.pod as usize, req.measured);
        self.stats.pods[pod].in_use.add(now, 1);
        if self.series {
            self.stats.series.in_use.add(now, 1);
        }
        if self.sc.pool.life.test_on_borrow {
            // The borrow completes when the PING comes back.
            self.requests[r as usize].pinging = true;
            if measured {
                self.stats.pings += 1;
            }
        } else {
            self.record_acquire_wait(measured, waited);
        }
        self.send_command(r);
    }

    #[inline]
    fn record_acquire_wait(&mut self, measured: bool, waited: SimTime) {
        if measured {
            if waited == SimTime::ZERO {
                self.stats.acquire_no_wait += 1;
            } else {
                self.stats.acquire_wait.record(waited);
            }
        }
    }

    /// Returns `r`'s healthy connection to its pool, or to the longest waiter.
    fn release(&mut self, r: u32) {
        let now = self.now();
        let req = &mut self.requests[r as usize];
        let (pod, c, acquired_at) = (req.pod as usize, req.conn, req.acquired_at);
        req.conn = NO_CONN;
        req.holding = false;
        self.record_hold(pod, now - acquired_at, now);
        self.pools[pod].conn_mut(c).last_traffic = now;
        match self.pools[pod].pop_waiter() {
            Some(w) => {
                self.waiter_left(pod, now);
                let started = self.requests[w.req as usize].checkout_started;
                self.acquired(w.req, c, now - started);
            }
            None => {
                let pool = &self.pools[pod];
                if pool.idle_count() >= self.sc.pool.life.max_idle as usize {
                    self.close_connection(pod, c);
                } else {
                    self.pools[pod].put_idle(c, now);
                }
            }
        }
    }

    #[inline]
    fn record_hold(&mut self, pod: usize, held: SimTime, now: SimTime) {
        if self.stats.window.contains(now) {
            self.stats.hold_sum += held;
            self.stats.holds += 1;
        }
        self.stats.pods[pod].in_use.add(now, -1);
        if self.series {
            self.stats.series.in_use.add(now, -1);
        }
    }

    /// Closes connection `c` (idle, or in use when `in_use`), and lets the
    /// longest waiter open a connection in the freed slot.
    fn close_connection(&mut self, pod: usize, c: ConnId) {
        let now = self.now();
        let shard = self.pools[pod].conn(c).shard as usize;
        self.shards[shard].clients -= 1;
        self.pools[pod].remove_connection(c);
        self.stats.open.add(now, -1);
        if self.stats.window.contains(now) {
            self.stats.closed += 1;
        }
        if let Some(w) = self.pools[pod].pop_waiter() {
            self.waiter_left(pod, now);
            self.open_for(w.req);
        }
    }

    /// Keeps `min_idle` connections idle, opening them in the background. A
    /// background open costs its handshake on the event loop but no request
    /// waits for it; it is idle at once.
    fn ensure_min_idle(&mut self, pod: usize) {
        let now = self.now();
        while (self.pools[pod].idle_count() as u32) < self.sc.pool.life.min_idle
            && self.pools[pod].has_room()
        {
            let shard = self.pick_shard_for_connect();
            if self.shards[shard as usize].clients >= self.sc.redis.maxclients {
                break;
            }
            let accept = self.sc.redis.accept_cost.sample(&mut self.rng.service);
            self.occupy_shard(shard as usize, now, accept);
            self.shards[shard as usize].clients += 1;
            let c = self.pools[pod].add_connection(now, shard);
            self.stats.open.add(now, 1);
            if self.stats.window.contains(now) {
                self.stats.created += 1;
            }
            self.pools[pod].put_idle(c, now);
        }
    }

    // ----- opening connections -----

    fn pick_shard_for_connect(&mut self) -> u32 {
        let shards = self.shards.len() as u32;
        if shards == 1 {
            0
        } else {
            self.rng.connect.random_range(0..shards)
        }
    }

    /// Opens a connection for `r` in a slot known to be free.
    fn open_for(&mut self, r: u32) {
        let now = self.now();
        let pod = self.requests[r as usize].pod as usize;
        let shard = self.pick_shard_for_connect();
        let c = self.pools[pod].add_connection(now, shard);
        self.stats.open.add(now, 1);
        if self.stats.window.contains(now) {
            self.stats.created += 1;
        }
        let trips = self.sc.client.connect_round_trips + self.sc.client.tls as u32;
        let first = self.sc.network.rtt.sample(&mut self.rng.rtt);
        let mut rest = SimTime::ZERO;
        for _ in 1..trips {
            rest += self.sc.network.rtt.sample(&mut self.rng.rtt);
        }
        let req = &mut self.requests[r as usize];
        req.conn = c;
        req.connect_started = now;
        req.connect_rest = rest;
        self.sched.schedule_at(now + first, Event::AcceptAtRedis(r));
    }

    /// The handshake reached the shard: the event loop accepts it (or refuses
    /// it over `maxclients`), then the remaining round trips follow.
    fn on_accept(&mut self, r: u32) {
        let now = self.now();
        let req = self.requests[r as usize];
        let pod = req.pod as usize;
        let shard = self.pools[pod].conn(req.conn).shard as usize;
        let accept = self.sc.redis.accept_cost.sample(&mut self.rng.service);
        let finish = self.occupy_shard(shard, now, accept);
        let give_up = self
            .sc
            .client
            .connect_timeout
            .map(|t| req.connect_started + t);
        if self.shards[shard].clients >= self.sc.redis.maxclients {
            // The server answers "-ERR max number of clients reached" and closes.
            let at = finish + req.connect_rest.half();
            let (at, cause) = match give_up {
                Some(g) if g < at => (g.max(now), ErrorCause::ConnectTimeout),
                _ => (at, ErrorCause::MaxClients),
            };
            self.shards[shard].clients += 1; // released by the failure like any close
            self.sched.schedule_at(at, Event::Failed(r, cause));
            return;
        }
        self.shards[shard].clients += 1;
        let ready = finish + req.connect_rest;
        match give_up {
            Some(g) if g < ready => self
                .sched
                .schedule_at(g.max(now), Event::Failed(r, ErrorCause::ConnectTimeout)),
            _ => self.sched.schedule_at(ready, Event::Connected(r)),
        }
    }

    fn on_connected(&mut self, r: u32) {
        let now = self.now();
        let req = self.requests[r as usize];
        let c = req.conn;
        let pod = req.pod as usize;
        self.pools[pod].conn_mut(c).last_traffic = now;
        self.pools[pod].conn_mut(c).idle_since = now;
        self.acquired(r, c, now - req.checkout_started);
    }

    // ----- commands -----

    /// Occupies shard `shard` for `service` from the first free moment at or
    /// after `now`, and returns when it is done.
    fn occupy_shard(&mut self, shard: usize, now: SimTime, service: SimTime) -> SimTime {
        let s = &mut self.shards[shard];
        let start = now.max(s.busy_until);
        let finish = start + service;
        s.busy_until = finish;
        let window = self.stats.window;
        self.stats.busy += window.overlap(start, finish);
        if self.series {
            let share = 1.0 / self.shards.len() as f64;
            self.stats
                .series
                .redis_busy
                .add_interval(start, finish, share);
        }
        if window.contains(start) {
            self.stats.commands += 1;
        }
        finish
    }

    /// The health of connection `c` at `now`, from its last traffic.
    #[inline]
    fn health(&self, pod: usize, c: ConnId, now: SimTime) -> Health {
        if !self.idle_death {
            return Health::Alive;
        }
        let last = self.pools[pod].conn(c).last_traffic;
        let server = self.sc.redis.timeout.map(|t| last + t);
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
                } else if self.sc.network.on_idle == OnIdle::Reset {
                    Health::Reset
                } else {
                    Health::Dropped
                }
            }
            _ => Health::Alive,
        }
    }

    fn socket_give_up(&self) -> SimTime {
        self.sc.client.socket_timeout.unwrap_or(TCP_GIVE_UP)
    }

    /// Sends `r`'s current command (or PING) on its connection.
    fn send_command(&mut self, r: u32) {
        let now = self.now();
        let req = self.requests[r as usize];
        let pod = req.pod as usize;
        let health = self.health(pod, req.conn, now);
        let rtt = self.sc.network.rtt.sample(&mut self.rng.rtt);
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
                let at = now + self.socket_give_up();
                self.sched
                    .schedule_at(at, Event::Failed(r, ErrorCause::SocketTimeout));
                return;
            }
        }
        self.pools[pod].conn_mut(req.conn).last_traffic = now;
        let out = rtt.half();
        let shards = self.shards.len() as u32;
        let shard = if shards == 1 {
            0
        } else {
            self.rng.shard.random_range(0..shards)
        };
        let deadline = self
            .sc
            .client
            .socket_timeout
            .map_or(SimTime::MAX, |t| now + t);
        let req = &mut self.requests[r as usize];
        req.return_half = rtt - out;
        req.shard = shard;
        req.deadline = deadline;
        if self.service_is_zero {
            // A server with zero service time never queues: the command is
            // served on arrival and only the round trip remains.
            let at_redis = now + out;
            if self.stats.window.contains(at_redis) {
                self.stats.commands += 1;
                self.stats.queue_no_wait += 1;
            }
            let back = req.return_half;
            self.schedule_reply(r, at_redis + back);
        } else {
            self.sched.schedule_in(out, Event::AtRedis(r));
        }
    }

    /// Schedules the reply at `at`, or the socket timeout if that comes first.
    #[inline]
    fn schedule_reply(&mut self, r: u32, at: SimTime) {
        let deadline = self.requests[r as usize].deadline;
        if at > deadline {
            let when = deadline.max(self.now());
            self.sched
                .schedule_at(when, Event::Failed(r, ErrorCause::SocketTimeout));
        } else {
            self.sched.schedule_at(at, Event::Reply(r));
        }
    }

    fn on_at_redis(&mut self, r: u32) {
        let now = self.now();
        let req = self.requests[r as usize];
        let service = self.sc.redis.service_time.sample(&mut self.rng.service);
        let start = now.max(self.shards[req.shard as usize].busy_until);
        let finish = self.occupy_shard(req.shard as usize, now, service);
        if self.stats.window.contains(now) {
            if start == now {
                self.stats.queue_no_wait += 1;
            } else {
                self.stats.queue_wait.record(start - now);
            }
        }
        self.schedule_reply(r, finish + req.return_half);
    }

    fn on_reply(&mut self, r: u32) {
        let now = self.now();
        let req = self.requests[r as usize];
        self.pools[req.pod as usize].conn_mut(req.conn).last_traffic = now;
        if req.pinging {
            self.requests[r as usize].pinging = false;
            self.record_acquire_wait(req.measured, now - req.checkout_started);
            self.send_command(r);
            return;
        }
        match req.phase {
            Phase::Set => {
                self.release(r);
                self.read_done(r);
            }
            Phase::Get => {
                let ratio = self.sc.redis.hit_ratio;
                let hit =
                    ratio >= 1.0 || (ratio > 0.0 && self.rng.redis_hit.random::<f64>() < ratio);
                if hit {
                    self.release(r);
                    self.read_done(r);
                } else {
                    if !self.sc.client.hold_during_fallback {
                        self.release(r);
                    }
                    let db = self.sc.database.latency.sample(&mut self.rng.database);
                    self.sched.schedule_in(db, Event::DbDone(r));
                }
            }
        }
    }

    fn on_db_done(&mut self, r: u32) {
        let req = &mut self.requests[r as usize];
        req.phase = Phase::Set;
        if req.conn == NO_CONN {
            req.attempt = 0;
            self.checkout(r);
        } else {
            // The SET's first attempt, on the connection the GET held.
            req.attempt = 1;
            self.send_command(r);
        }
    }

    /// An attempt failed on its connection (or while opening it): the
    /// connection is closed; a failed test-on-borrow PING tries the next
    /// connection instead of failing the request.
    fn on_failed(&mut self, r: u32, cause: ErrorCause) {
        let now = self.now();
        let req = self.requests[r as usize];
        let pod = req.pod as usize;
        if req.holding {
            self.record_hold(pod, now - req.acquired_at, now);
        }
        let retry_checkout = req.pinging && req.holding;
        let r_mut = &mut self.requests[r as usize];
        r_mut.conn = NO_CONN;
        r_mut.holding = false;
        r_mut.pinging = false;
        self.close_connection(pod, req.conn);
        if retry_checkout {
            self.try_checkout(r);
        } else {
            self.attempt_failed(r, cause);
        }
    }

    // ----- ends of reads and requests -----

    #[inline]
    fn read_done(&mut self, r: u32) {
        let now = self.now();
        let req = &mut self.requests[r as usize];
        req.reads_left -= 1;
        if req.reads_left > 0 {
            self.start_read(r);
            return;
        }
        if req.measured {
            self.stats.ok += 1;
            self.stats.latency.record(now - req.arrived);
        }
        if self.series {
            self.stats.series.latency.record(now, now - req.arrived);
            self.stats.series.ok.add(now, 1.0);
        }
        self.finish(r);
    }

    /// An attempt of `r` failed with `cause` (it holds no connection): retry
    /// after a backoff if allowed, or fail the request.
    fn attempt_failed(&mut self, r: u32, cause: ErrorCause) {
        let now = self.now();
        let req = self.requests[r as usize];
        debug_assert_eq!(req.conn, NO_CONN, "failed attempt still holds a connection");
        if req.measured {
            self.stats.errors[cause as usize] += 1;
        }
        if self.series {
            self.stats.series.failures[cause as usize].add(now, 1.0);
        }
        let client = &self.sc.client;
        if req.retries_left > 0 && client.retry_on.contains(&cause) && self.retry_tokens >= 1.0 {
            if client.retry_budget.is_some() {
                self.retry_tokens -= 1.0;
            }
            self.requests[r as usize].retries_left -= 1;
            let sleep = self.backoff(req.attempt);
            self.sched.schedule_in(sleep, Event::Retry(r));
            return;
        }
        if req.measured {
            self.stats.failed[cause as usize] += 1;
        }
        if self.series {
            self.stats.series.failed.add(now, 1.0);
        }
        self.finish(r);
    }

    /// The sleep before the retry that follows attempt `attempt` (1-based).
    fn backoff(&mut self, attempt: u32) -> SimTime {
        let b = self.sc.client.backoff;
        let exp = attempt.saturating_sub(1).min(62);
        let full = SimTime(b.base.0.saturating_mul(1u64 << exp)).min(b.cap);
        jittered(full, b.jitter, &mut self.rng.backoff)
    }

    #[inline]
    fn finish(&mut self, r: u32) {
        self.in_flight -= 1;
        self.free.push(r);
    }

    // ----- the evictor -----

    /// One evictor run on `pod`, as commons-pool2 does it: examine up to
    /// `tests_per_eviction_run` idle connections, oldest first; close those idle
    /// too long (or past the pool's own limits); with `test_while_idle`, PING
    /// the rest and close those that fail. A PING of an idle connection costs
    /// its command on the event loop and refreshes the connection's traffic;
    /// the connection stays available meanwhile.
    fn on_evict(&mut self, pod: usize) {
        let now = self.now();
        let life = self.sc.pool.life.clone();
        let idle = self.pools[pod].idle_count();
        let n = if life.tests_per_eviction_run > 0 {
            (life.tests_per_eviction_run as usize).min(idle)
        } else {
            idle.div_ceil(life.tests_per_eviction_run.unsigned_abs() as usize)
        };
        let mut kept = Vec::with_capacity(n);
        for _ in 0..n {
            let Some(c) = self.pools[pod].take_oldest_idle() else {
                break;
            };
            let idle_for = now - self.pools[pod].conn(c).idle_since;
            let evict =
                life.min_evictable_idle.is_some_and(|m| idle_for > m) || self.expired(pod, c, now);
            if evict {
                self.close_connection(pod, c);
                continue;
            }
            if life.test_while_idle {
                if self.stats.window.contains(now) {
                    self.stats.pings += 1;
                }
                if self.health(pod, c, now) != Health::Alive {
                    self.close_connection(pod, c);
                    continue;
                }
                let shard = self.pools[pod].conn(c).shard as usize;
                let service = self.sc.redis.service_time.sample(&mut self.rng.service);
                self.occupy_shard(shard, now, service);
                self.pools[pod].conn_mut(c).last_traffic = now;
            }
            kept.push(c);
        }
        self.pools[pod].restore_oldest_idle(&kept);
        self.ensure_min_idle(pod);
        if let Some(every) = life.eviction_interval {
            if now < self.arrivals_end || self.in_flight > 0 {
                self.sched.schedule_in(every, Event::Evict(pod as u16));
            }
        }
    }
}

/// Applies a jitter rule to a backoff of `full`.
pub fn jittered(full: SimTime, jitter: Jitter, rng: &mut StreamRng) -> SimTime {
    match jitter {
        Jitter::None => full,
        Jitter::Full => SimTime((full.0 as f64 * rng.random::<f64>()) as u64),
        Jitter::Equal => {
            let half = full.0 / 2;
            SimTime(half + ((full.0 - half) as f64 * rng.random::<f64>()) as u64)
        }
    }
}
