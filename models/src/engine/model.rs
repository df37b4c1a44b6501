//! The request path as a discrete-event model (DESIGN.md section 3).
//!
//! One [`Model`] is one replication: it owns its scheduler, its random streams
//! and its statistics, and shares nothing with other replications.
//!
//! A read flows through these events:
//! `Arrival` -> L1 lookup (`L1Done`) -> checkout (maybe waiting, `AcquireTimeout`)
//! -> half a round trip -> `AtRedis` (FIFO on the shard's event loop) -> the
//! other half -> `Reply` -> on a Redis miss `DbDone` and a SET round trip ->
//! release. Requests live in a slab indexed by `u32`; events carry indices.
//!
//! The shard's event loop is a FIFO single server. Commands are handled in the
//! order they reach it, so its completion time follows Lindley's recursion
//! (`finish = max(arrival, busy_until) + service`) at the arrival event, with
//! no separate completion event.

use super::arrivals::RateFunction;
use super::collect::{Cause, Collector};
use super::pool::{Checkout, ConnId, Pool, Waiter};
use crate::scenario::{Scenario, WhenExhausted};
use rand::Rng;
use sim::rng::{StreamRng, Streams};
use sim::scheduler::Scheduler;
use sim::stats::Window;
use sim::time::SimTime;

/// Requests in flight above which a run is stopped as a runaway overload.
pub const MAX_IN_FLIGHT: usize = 4_000_000;

/// The model's events.
#[derive(Clone, Copy, Debug)]
enum Event {
    /// The next fleet-wide arrival.
    Arrival,
    /// A request's L1 lookup finished.
    L1Done(u32),
    /// A request's command reached its shard.
    AtRedis(u32),
    /// A request's reply reached its pod.
    Reply(u32),
    /// The database answered a request.
    DbDone(u32),
    /// A pool's acquire timer, with the pool's generation stamp.
    AcquireTimeout { pod: u32, stamp: u32 },
}

/// Where a request is in its current read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    Get,
    Set,
}

const NO_CONN: ConnId = ConnId::MAX;

#[derive(Clone, Copy, Debug)]
struct Request {
    arrived: SimTime,
    pod: u32,
    reads_left: u32,
    conn: ConnId,
    checked_out_at: SimTime,
    return_half: SimTime,
    shard: u32,
    phase: Phase,
    l1_hit: bool,
    measured: bool,
}

struct Streams9 {
    arrivals: StreamRng,
    pods: StreamRng,
    l1: StreamRng,
    lookup: StreamRng,
    rtt: StreamRng,
    shard: StreamRng,
    service: StreamRng,
    redis_hit: StreamRng,
    database: StreamRng,
}

struct Shard {
    busy_until: SimTime,
}

/// One replication of a scenario.
pub struct Model<'a> {
    sc: &'a Scenario,
    sched: Scheduler<Event>,
    rng: Streams9,
    rate: RateFunction,
    arrivals_end: SimTime,
    requests: Vec<Request>,
    free: Vec<u32>,
    in_flight: usize,
    pools: Vec<Pool>,
    shards: Vec<Shard>,
    service_is_zero: bool,
    lookup_is_constant: bool,
    stats: Collector,
}

/// The scheduler lane for L1 lookups of constant duration (see
/// [`sim::scheduler`]: fixed delays arrive in order and skip the heap).
const LOOKUP_LANE: usize = 0;
/// The scheduler lane for arrivals, which are generated in time order.
const ARRIVAL_LANE: usize = 1;

impl<'a> Model<'a> {
    /// A model of `scenario` for replication `replication`.
    pub fn new(sc: &'a Scenario, replication: u32) -> Self {
        let streams = Streams::new(sc.simulation.seed, replication as u64);
        let start = sc.simulation.warmup;
        let window = Window { start, end: start + sc.simulation.duration };
        let pods = sc.pods.count as usize;
        Model {
            sc,
            sched: Scheduler::with_lanes(2),
            rng: Streams9 {
                arrivals: streams.stream("arrivals"),
                pods: streams.stream("pods"),
                l1: streams.stream("l1"),
                lookup: streams.stream("l1.lookup"),
                rtt: streams.stream("network.rtt"),
                shard: streams.stream("redis.shard"),
                service: streams.stream("redis.service"),
                redis_hit: streams.stream("redis.hit"),
                database: streams.stream("database"),
            },
            rate: RateFunction::new(sc.workload.rate, &sc.workload.profile, start),
            arrivals_end: window.end,
            requests: Vec::new(),
            free: Vec::new(),
            in_flight: 0,
            pools: (0..pods).map(|_| Pool::new(&sc.pool)).collect(),
            shards: (0..sc.redis.shards).map(|_| Shard { busy_until: SimTime::ZERO }).collect(),
            service_is_zero: sc.redis.service_time.is_zero(),
            lookup_is_constant: matches!(sc.l1.lookup_time, sim::dist::Latency::Constant(_)),
            stats: Collector::new(window, pods, sc.simulation.bucket),
        }
    }

    /// Runs to completion: arrivals stop at the end of the window, and requests
    /// still in flight are followed until they end, so every arrival ends
    /// exactly once.
    pub fn run(mut self) -> Result<Collector, String> {
        if let Some(t) = self.rate.next_arrival(SimTime::ZERO, &mut self.rng.arrivals) {
            if t < self.arrivals_end {
                self.sched.schedule_at_lane(ARRIVAL_LANE, t, Event::Arrival);
            }
        }
        while let Some((_, ev)) = self.sched.pop() {
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
            Event::AtRedis(r) => self.on_at_redis(r),
            Event::Reply(r) => self.on_reply(r),
            Event::DbDone(r) => self.on_db_done(r),
            Event::AcquireTimeout { pod, stamp } => self.on_acquire_timeout(pod, stamp),
        }
    }

    fn now(&self) -> SimTime {
        self.sched.now()
    }

    fn on_arrival(&mut self) {
        let now = self.now();
        if let Some(t) = self.rate.next_arrival(now, &mut self.rng.arrivals) {
            if t < self.arrivals_end {
                self.sched.schedule_at_lane(ARRIVAL_LANE, t, Event::Arrival);
            }
        }
        let pods = self.sc.pods.count;
        let pod = if pods == 1 { 0 } else { self.rng.pods.random_range(0..pods) };
        let measured = self.stats.window.contains(now);
        if measured {
            self.stats.arrived += 1;
        }
        self.stats.series.arrivals.add(now, 1.0);
        let req = Request {
            arrived: now,
            pod,
            reads_left: self.sc.workload.reads_per_request,
            conn: NO_CONN,
            checked_out_at: SimTime::ZERO,
            return_half: SimTime::ZERO,
            shard: 0,
            phase: Phase::Get,
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
        self.start_read(r);
    }

    fn start_read(&mut self, r: u32) {
        let ratio = self.sc.l1.hit_ratio;
        let hit = ratio >= 1.0 || (ratio > 0.0 && self.rng.l1.random::<f64>() < ratio);
        let req = &mut self.requests[r as usize];
        req.l1_hit = hit;
        req.phase = Phase::Get;
        if req.measured {
            self.stats.reads += 1;
            self.stats.l1_hits += hit as u64;
        }
        let lookup = self.sc.l1.lookup_time.sample(&mut self.rng.lookup);
        if lookup == SimTime::ZERO {
            self.on_l1_done(r);
        } else if self.lookup_is_constant {
            let at = self.now() + lookup;
            self.sched.schedule_at_lane(LOOKUP_LANE, at, Event::L1Done(r));
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

    fn checkout(&mut self, r: u32) {
        let now = self.now();
        let req = self.requests[r as usize];
        let pod = req.pod as usize;
        if req.measured {
            self.stats.checkouts += 1;
        }
        match self.pools[pod].checkout() {
            Checkout::Idle(c) => self.got_connection(r, c, SimTime::ZERO),
            Checkout::Open => {
                let c = self.pools[pod].add_connection();
                self.stats.open.add(now, 1);
                                if self.stats.window.contains(now) {
                    self.stats.created += 1;
                }
                self.got_connection(r, c, SimTime::ZERO);
            }
            Checkout::Full => match self.sc.pool.when_exhausted {
                WhenExhausted::Fail => self.fail(r, Cause::PoolExhausted),
                WhenExhausted::Block => {
                    if req.measured {
                        self.stats.waited += 1;
                    }
                    self.stats.pods[pod].waiters.add(now, 1);
                    self.stats.series.waiters.add(now, 1);
                    let arm = self.pools[pod].enqueue(Waiter { req: r, since: now });
                    if arm {
                        self.arm_acquire_timer(pod, now);
                    }
                }
            },
        }
    }

    fn arm_acquire_timer(&mut self, pod: usize, head_since: SimTime) {
        if let Some(timeout) = self.sc.pool.acquire_timeout {
            let stamp = self.pools[pod].timer_stamp();
            self.sched.schedule_at(head_since + timeout, Event::AcquireTimeout { pod: pod as u32, stamp });
        }
    }

    fn on_acquire_timeout(&mut self, pod: u32, stamp: u32) {
        let pod = pod as usize;
        if !self.pools[pod].timer_fired(stamp) {
            return;
        }
        let now = self.now();
        let timeout = self.sc.pool.acquire_timeout.expect("timer armed only with a timeout");
        let cutoff = SimTime(now.0 - timeout.0);
        while let Some(w) = self.pools[pod].pop_expired(cutoff) {
            self.waiter_left(pod, now);
            self.fail(w.req, Cause::PoolTimeout);
        }
        if let Some(since) = self.pools[pod].rearm() {
            self.arm_acquire_timer(pod, since);
        }
    }

    fn waiter_left(&mut self, pod: usize, now: SimTime) {
        self.stats.pods[pod].waiters.add(now, -1);
        self.stats.series.waiters.add(now, -1);
    }

    fn got_connection(&mut self, r: u32, c: ConnId, waited: SimTime) {
        let now = self.now();
        let req = &mut self.requests[r as usize];
        req.conn = c;
        req.checked_out_at = now;
        let (pod, measured) = (req.pod as usize, req.measured);
        if measured {
            if waited == SimTime::ZERO {
                self.stats.acquire_no_wait += 1;
            } else {
                self.stats.acquire_wait.record(waited);
            }
        }
        self.stats.pods[pod].in_use.add(now, 1);
        self.stats.series.in_use.add(now, 1);
        self.send_command(r);
    }

    fn release(&mut self, r: u32) {
        let now = self.now();
        let req = &mut self.requests[r as usize];
        let (pod, c) = (req.pod as usize, req.conn);
        req.conn = NO_CONN;
        if self.stats.window.contains(now) {
            self.stats.hold_sum += now - req.checked_out_at;
            self.stats.holds += 1;
        }
        self.stats.pods[pod].in_use.add(now, -1);
        self.stats.series.in_use.add(now, -1);
        match self.pools[pod].pop_waiter() {
            Some(w) => {
                self.waiter_left(pod, now);
                self.got_connection(w.req, c, now - w.since);
            }
            None => self.pools[pod].put_idle(c),
        }
    }

    fn send_command(&mut self, r: u32) {
        let rtt = self.sc.network.rtt.sample(&mut self.rng.rtt);
        let out = rtt.half();
        let shards = self.shards.len() as u32;
        let shard = if shards == 1 { 0 } else { self.rng.shard.random_range(0..shards) };
        let now = self.now();
        let req = &mut self.requests[r as usize];
        req.return_half = rtt - out;
        req.shard = shard;
        if self.service_is_zero {
            // A server with zero service time never queues: the command is
            // served on arrival and only the round trip remains.
            let at_redis = now + out;
            if self.stats.window.contains(at_redis) {
                self.stats.commands += 1;
                self.stats.queue_no_wait += 1;
            }
            self.sched.schedule_at(at_redis + req.return_half, Event::Reply(r));
        } else {
            self.sched.schedule_in(out, Event::AtRedis(r));
        }
    }

    fn on_at_redis(&mut self, r: u32) {
        let now = self.now();
        let req = self.requests[r as usize];
        let service = self.sc.redis.service_time.sample(&mut self.rng.service);
        let shard = &mut self.shards[req.shard as usize];
        let start = now.max(shard.busy_until);
        let finish = start + service;
        shard.busy_until = finish;
        let window = self.stats.window;
        self.stats.busy += window.overlap(start, finish);
        let share = 1.0 / self.shards.len() as f64;
        self.stats.series.redis_busy.add_interval(start, finish, share);
        if window.contains(now) {
            if start == now {
                self.stats.queue_no_wait += 1;
            } else {
                self.stats.queue_wait.record(start - now);
            }
        }
        if window.contains(start) {
            self.stats.commands += 1;
        }
        self.sched.schedule_at(finish + req.return_half, Event::Reply(r));
    }

    fn on_reply(&mut self, r: u32) {
        let req = self.requests[r as usize];
        match req.phase {
            Phase::Set => {
                self.release(r);
                self.read_done(r);
            }
            Phase::Get => {
                let ratio = self.sc.redis.hit_ratio;
                let hit = ratio >= 1.0 || (ratio > 0.0 && self.rng.redis_hit.random::<f64>() < ratio);
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
            self.checkout(r);
        } else {
            self.send_command(r);
        }
    }

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
        self.stats.series.ok.add(now, 1.0);
        self.finish(r);
    }

    fn fail(&mut self, r: u32, cause: Cause) {
        let now = self.now();
        let req = self.requests[r as usize];
        debug_assert_eq!(req.conn, NO_CONN, "failing request still holds a connection");
        if req.measured {
            self.stats.failed[cause as usize] += 1;
        }
        self.stats.series.failures[cause as usize].add(now, 1.0);
        self.finish(r);
    }

    fn finish(&mut self, r: u32) {
        self.in_flight -= 1;
        self.free.push(r);
    }
}
