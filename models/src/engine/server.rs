//! The Redis server: one single-threaded event loop per shard.
//!
//! Bookkeeping only: the server says when a command, a PING or a connection's
//! accept is done, and whether a connection is refused over `maxclients`; the
//! model schedules what follows. A shard is a FIFO single server. Commands are
//! handled in the order they reach it, so its completion time follows
//! Lindley's recursion (`finish = max(arrival, busy_until) + service`) at the
//! arrival, with no separate completion event. A command whose client gave up
//! (socket timeout) still runs: wasted work, as on a real server.
//!
//! A command's event-loop time is its own time (`service_time`, or
//! `ping_time` for a PING) plus `command_overhead`: the reading, parsing and
//! reply writing that Redis's `commandstats` leaves out. With
//! `connection_scaling = K` it is multiplied by `1 + open / K`, `open` the
//! connections the shard holds: the cost of many clients to one event loop
//! (redis.io's benchmarks: 30,000 clients get about half the throughput of
//! 100, so K = 29,800).
//!
//! The server records its own measurements (busy time, commands, queue waits;
//! over all shards, and per shard when there are several) in the
//! replication's [`Collector`].

use super::collect::Collector;
use crate::scenario::Redis;
use rand::Rng;
use sim::dist::Latency;
use sim::rng::{StreamRng, Streams};
use sim::time::SimTime;

/// One shard's event loop.
struct Shard {
    busy_until: SimTime,
    /// Connections this shard has accepted and not yet seen closed.
    clients: u32,
}

/// How a connection's accept went.
#[derive(Clone, Copy, Debug)]
pub struct Accept {
    /// When the event loop is done with it.
    pub done: SimTime,
    /// Over `maxclients`: the server answers an error and closes it.
    pub refused: bool,
}

/// The Redis deployment: its shards and their random streams.
pub struct Server {
    shards: Vec<Shard>,
    service_time: Latency,
    /// Loop time of every command and PING besides its own.
    overhead: Latency,
    /// A PING's own time, if not a command's.
    ping_time: Option<Latency>,
    accept_cost: Latency,
    maxclients: u32,
    hit_ratio: f64,
    service_is_zero: bool,
    /// Service and accept times (stream `redis.service`).
    service: StreamRng,
    /// The shard of each command (stream `redis.shard`).
    route: StreamRng,
    /// The shard of each new connection (stream `connect`).
    connect: StreamRng,
    /// Hits and misses of reads (stream `redis.hit`).
    hits: StreamRng,
    /// Slow periods from `[[faults]]`: (shard, from, until, factor).
    slow: Vec<(u32, SimTime, SimTime, f64)>,
    /// Open connections at which loop times double (`redis.connection_scaling`).
    scaling: Option<u32>,
}

impl Server {
    /// The deployment of `cfg`, idle.
    pub fn new(cfg: &Redis, streams: &Streams) -> Self {
        Server {
            shards: (0..cfg.shards)
                .map(|_| Shard {
                    busy_until: SimTime::ZERO,
                    clients: 0,
                })
                .collect(),
            service_time: cfg.service_time.clone(),
            overhead: cfg.command_overhead.clone(),
            ping_time: cfg.ping_time.clone(),
            accept_cost: cfg.accept_cost.clone(),
            maxclients: cfg.maxclients,
            scaling: cfg.connection_scaling,
            hit_ratio: cfg.hit_ratio,
            service_is_zero: cfg.service_time.is_zero()
                && cfg.command_overhead.is_zero()
                && cfg.ping_time.as_ref().is_none_or(Latency::is_zero),
            service: streams.stream("redis.service"),
            route: streams.stream("redis.shard"),
            connect: streams.stream("connect"),
            hits: streams.stream("redis.hit"),
            slow: Vec::new(),
        }
    }

    /// From `from` until `until`, commands reaching `shard` take `factor`
    /// times their service time (a `"slow"` fault).
    pub fn slow_down(&mut self, shard: u32, from: SimTime, until: SimTime, factor: f64) {
        self.slow.push((shard, from, until, factor));
    }

    /// `service` scaled by the slow periods of `shard` at `now`.
    fn slowed(&self, shard: u32, now: SimTime, service: SimTime) -> SimTime {
        self.slow
            .iter()
            .filter(|&&(s, from, until, _)| s == shard && from <= now && now < until)
            .fold(service, |t, &(_, _, _, f)| {
                SimTime::from_secs_f64(t.as_secs_f64() * f)
            })
    }

    /// True if commands take no time: they never queue.
    #[inline]
    pub fn serves_instantly(&self) -> bool {
        self.service_is_zero
    }

    /// The shard a command goes to.
    #[inline]
    pub fn route_command(&mut self) -> u32 {
        let shards = self.shards.len() as u32;
        if shards == 1 {
            0
        } else {
            self.route.random_range(0..shards)
        }
    }

    /// The shard a new connection goes to.
    pub fn route_connection(&mut self) -> u32 {
        let shards = self.shards.len() as u32;
        if shards == 1 {
            0
        } else {
            self.connect.random_range(0..shards)
        }
    }

    /// Occupies `shard` for `service` from the first free moment at or after
    /// `now`, and returns when it is done.
    fn occupy(
        &mut self,
        shard: u32,
        now: SimTime,
        service: SimTime,
        stats: &mut Collector,
    ) -> SimTime {
        let s = &mut self.shards[shard as usize];
        let start = now.max(s.busy_until);
        let finish = start + service;
        s.busy_until = finish;
        let window = stats.window;
        stats.busy += window.overlap(start, finish);
        if stats.keep_series {
            let share = 1.0 / self.shards.len() as f64;
            stats.series.redis_busy.add_interval(start, finish, share);
        }
        stats.shard_busy(shard, start, finish);
        if window.contains(start) {
            stats.commands += 1;
        }
        finish
    }

    /// The event-loop time of a command (or of a PING, `ping`) on `shard`:
    /// its own time, then the per-command overhead (drawn in that order; a
    /// constant draws nothing), scaled by the shard's open connections with
    /// `redis.connection_scaling`.
    #[inline]
    fn loop_time(&mut self, shard: u32, ping: bool) -> SimTime {
        let own = match (&self.ping_time, ping) {
            (Some(p), true) => p.sample(&mut self.service),
            _ => self.service_time.sample(&mut self.service),
        };
        let t = own + self.overhead.sample(&mut self.service);
        match self.scaling {
            None => t,
            Some(k) => {
                let open = u128::from(self.shards[shard as usize].clients);
                let scaled = u128::from(t.0) * (u128::from(k) + open) / u128::from(k);
                SimTime(u64::try_from(scaled).unwrap_or(u64::MAX))
            }
        }
    }

    /// A command (or a PING, `ping`) reaches `shard` at `now`: it queues
    /// behind the loop's work and is served; returns when it is done.
    #[inline]
    pub fn command(
        &mut self,
        shard: u32,
        now: SimTime,
        ping: bool,
        stats: &mut Collector,
    ) -> SimTime {
        let mut service = self.loop_time(shard, ping);
        if !self.slow.is_empty() {
            service = self.slowed(shard, now, service);
        }
        let start = now.max(self.shards[shard as usize].busy_until);
        let finish = self.occupy(shard, now, service, stats);
        if stats.window.contains(now) {
            if start == now {
                stats.queue_no_wait += 1;
            } else {
                stats.queue_wait.record(start - now);
            }
            stats.shard_wait(shard, start - now);
        }
        finish
    }

    /// A command reaches a server whose commands take no time (see
    /// [`Server::serves_instantly`]) at `at`: it is served at once.
    #[inline]
    pub fn command_at_once(&self, at: SimTime, stats: &mut Collector) {
        if stats.window.contains(at) {
            stats.commands += 1;
            stats.queue_no_wait += 1;
        }
    }

    /// A PING of an idle connection on `shard` at `now` (its reply is not waited for).
    pub fn ping(&mut self, shard: u32, now: SimTime, stats: &mut Collector) {
        let service = self.loop_time(shard, true);
        self.occupy(shard, now, service, stats);
    }

    /// A connection's handshake reaches `shard` at `now`: the loop accepts it
    /// and counts it as a client, or refuses it over `maxclients` (a refused
    /// connection counts too until its close).
    pub fn accept(&mut self, shard: u32, now: SimTime, stats: &mut Collector) -> Accept {
        let cost = self.accept_cost.sample(&mut self.service);
        let done = self.occupy(shard, now, cost, stats);
        let refused = self.shards[shard as usize].clients >= self.maxclients;
        self.shards[shard as usize].clients += 1;
        Accept { done, refused }
    }

    /// A connection opened in the background (no one waits for it): accepted
    /// if `shard` has room, else not attempted. Returns true if accepted.
    pub fn accept_background(&mut self, shard: u32, now: SimTime, stats: &mut Collector) -> bool {
        if self.shards[shard as usize].clients >= self.maxclients {
            return false;
        }
        let cost = self.accept_cost.sample(&mut self.service);
        self.occupy(shard, now, cost, stats);
        self.shards[shard as usize].clients += 1;
        true
    }

    /// A connection to `shard` closed.
    #[inline]
    pub fn disconnect(&mut self, shard: u32) {
        self.shards[shard as usize].clients -= 1;
    }

    /// True if a read finds its key in Redis.
    #[inline]
    pub fn read_hits(&mut self) -> bool {
        let ratio = self.hit_ratio;
        ratio >= 1.0 || (ratio > 0.0 && self.hits.random::<f64>() < ratio)
    }
}
