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
//! With a command mix (`[[redis.commands]]`, see
//! [`crate::scenario::Command`]) a command's own time is drawn instead from
//! the mix: first which command (stream `redis.command`, by share), then its
//! time per key (stream `redis.service`), times its keys.
//!
//! With `redis.bandwidth`, each shard's replies then leave through its
//! outbound link, one after another: a reply of `keys` values of
//! `value_size` bytes (stream `redis.value_size`) occupies the link for its
//! bits over the bandwidth, from when both it and the link are ready
//! (Lindley's recursion again), and the command is done when its last byte
//! is sent. A PING's reply, a miss's (a nil), and the `+OK` of the SET that
//! fills Redis after a miss (its value comes in, on the other direction of
//! the full-duplex link), are a few bytes and skip it. A read's hit or miss
//! is then drawn when its command reaches the shard (the reply's size
//! depends on it); without a bandwidth it is drawn when the reply reaches
//! the client, as it always was, so stream `redis.hit`'s draws stay where
//! they were.
//!
//! With `redis.persistence` each shard forks every `every` (the first time
//! at a phase drawn uniformly in `[0, every)` from stream `redis.fork`), and
//! the fork blocks its event loop for the stall like a command queued at
//! that moment: the commands behind it wait, and the stall counts as busy
//! time (not as a command).
//!
//! With `redis.reply_batching` the replies of one pass of the event loop
//! leave together, at the end of the pass, as Redis writes them
//! (`beforeSleep`, before it waits for events again). A pass takes the
//! work that arrived before it began and runs it in order; work arriving
//! during a pass waits for the next, which begins when this one ends; the
//! first work to reach an idle loop begins a pass alone (work arriving at
//! that same instant waits for the next). A command's service start and
//! end are those of the FIFO queue above, so busy time and queue waits are
//! unchanged; only its reply waits for the end of its pass. The reply of a
//! command that begins a pass is known when it arrives ([`Done::At`]); one
//! that joins the next pass waits there ([`Done::InPass`]) until the model,
//! at the end of the running pass ([`Server::close_pass`]), learns when
//! that next pass ends. Fork stalls, accepts and idle PINGs are work of a
//! pass like commands (they lengthen it), with no reply. With a bandwidth
//! a pass's replies go out on the link in the pass's order at its end.
//!
//! With `redis.replicas = R` each shard has `R` replicas, each an event
//! loop of its own like a primary (same costs, its own connections,
//! `maxclients` and `connection_scaling`), numbered after the primaries:
//! replica `j` of shard `s` is event loop `shards + s x R + j`. Every write
//! (the SET after a miss) costs each replica of its shard one command's loop
//! time when the primary is done with it (the model's `Replicate` event):
//! the replication stream. Replicas serve reads with `read_from = "replica"`
//! (the routing is [`super::cluster`]'s); they do not fork. Their busy time
//! and waits go to the replicas' own books, not the shards'.
//!
//! The server records its own measurements (busy time, commands, queue waits;
//! over all shards, and per shard when there are several) in the
//! replication's [`Collector`].

use super::collect::Collector;
use crate::scenario::{Redis, Size};
use rand::Rng;
use sim::dist::Latency;
use sim::rng::{StreamRng, Streams};
use sim::time::SimTime;

/// What a command is, for its costs: a PING (its own `ping_time`, a reply
/// of a few bytes), a read (a command of the mix, its reply carrying its
/// values out; a miss's reply is a nil) or the SET that fills Redis after a
/// miss (a command of the mix, its value carried in, a short reply out).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// A PING.
    Ping,
    /// A read's command.
    Read,
    /// A read's command that Redis is known to miss (drawn at the shard,
    /// with a bandwidth): served as a read, its reply is a few bytes.
    Miss,
    /// The SET after a Redis miss.
    Fill,
}

/// When a command's reply leaves the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Done {
    /// At this time (a read's reply sent, with a bandwidth).
    At(SimTime),
    /// At the end of the next pass (reply batching): the server keeps the
    /// command's tag until [`Server::close_pass`] says when. `earliest` is
    /// when its own service ends, before which its reply cannot leave;
    /// `close`, if set, is when the running pass ends, and the model must
    /// then call [`Server::close_pass`] (set for the first command to join
    /// the next pass).
    InPass {
        /// When the command's own service ends.
        earliest: SimTime,
        /// When to close the running pass, if no close is due yet.
        close: Option<SimTime>,
    },
}

/// The model's tag for a command waiting for its pass to end (the server
/// never reads it): a request and a token.
pub type Tag = (u32, u32);

/// A command of the next pass, waiting for it to end.
#[derive(Clone, Copy, Debug)]
struct Waiting {
    tag: Tag,
    kind: Kind,
    keys: u32,
}

/// One shard's event loop.
struct Shard {
    busy_until: SimTime,
    /// Reply batching: when the running pass ends.
    pass_end: SimTime,
    /// Reply batching: the commands of the next pass.
    next: Vec<Waiting>,
    /// Reply batching: commands whose pass has begun, with when their
    /// replies leave, until the model closes the pass.
    closed: Vec<(Tag, SimTime)>,
    /// When its outbound link is done with the replies before.
    link_until: SimTime,
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
    /// The primaries' event loops, then the replicas'.
    shards: Vec<Shard>,
    /// Number of primaries (`redis.shards`).
    primaries: u32,
    /// Replicas per primary.
    replicas: u32,
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
    /// The command mix, empty without one: (cumulative share, time per key,
    /// keys) of each command.
    mix: Vec<(f64, Latency, u32)>,
    /// Which command of the mix each command is (stream `redis.command`).
    pick: StreamRng,
    /// A value's bytes and each shard's link in bits per second
    /// (`redis.bandwidth`; `None`: replies leave at once).
    wire: Option<(Size, f64)>,
    /// Value sizes (stream `redis.value_size`).
    sizes: StreamRng,
    /// Fork stalls: (every, stall); `None` without persistence.
    forks: Option<(SimTime, SimTime)>,
    /// The phase of each shard's first fork (stream `redis.fork`).
    fork_phase: StreamRng,
    /// Replies of a pass leave together at its end (`redis.reply_batching`).
    batching: bool,
}

impl Server {
    /// The deployment of `cfg`, idle.
    pub fn new(cfg: &Redis, streams: &Streams) -> Self {
        Server {
            shards: (0..cfg.shards * (1 + cfg.replicas))
                .map(|_| Shard {
                    busy_until: SimTime::ZERO,
                    pass_end: SimTime::ZERO,
                    next: Vec::new(),
                    closed: Vec::new(),
                    link_until: SimTime::ZERO,
                    clients: 0,
                })
                .collect(),
            primaries: cfg.shards,
            replicas: cfg.replicas,
            service_time: cfg.service_time.clone(),
            overhead: cfg.command_overhead.clone(),
            ping_time: cfg.ping_time.clone(),
            accept_cost: cfg.accept_cost.clone(),
            maxclients: cfg.maxclients,
            scaling: cfg.connection_scaling,
            hit_ratio: cfg.hit_ratio,
            service_is_zero: cfg.service_time.is_zero()
                && cfg.command_overhead.is_zero()
                && cfg.ping_time.as_ref().is_none_or(Latency::is_zero)
                && cfg.commands.iter().all(|c| c.service_time.is_zero())
                && cfg.bandwidth.is_none()
                && cfg.persistence.is_none()
                && cfg.replicas == 0,
            service: streams.stream("redis.service"),
            route: streams.stream("redis.shard"),
            connect: streams.stream("connect"),
            hits: streams.stream("redis.hit"),
            slow: Vec::new(),
            mix: cfg
                .commands
                .iter()
                .scan(0.0, |cum, c| {
                    *cum += c.share;
                    Some((*cum, c.service_time.clone(), c.keys))
                })
                .collect(),
            pick: streams.stream("redis.command"),
            wire: cfg
                .bandwidth
                .map(|bits| (cfg.value_size.clone(), bits as f64)),
            sizes: streams.stream("redis.value_size"),
            forks: cfg.persistence.as_ref().map(|p| (p.every, p.stall())),
            fork_phase: streams.stream("redis.fork"),
            batching: cfg.reply_batching,
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

    /// Replicas per shard.
    #[inline]
    pub fn replicas(&self) -> u32 {
        self.replicas
    }

    /// The shard a command goes to.
    #[inline]
    pub fn route_command(&mut self) -> u32 {
        let shards = self.primaries;
        if shards == 1 {
            0
        } else {
            self.route.random_range(0..shards)
        }
    }

    /// The shard a new connection goes to.
    pub fn route_connection(&mut self) -> u32 {
        let shards = self.primaries;
        if shards == 1 {
            0
        } else {
            self.connect.random_range(0..shards)
        }
    }

    /// Occupies `shard` for `service` from the first free moment at or after
    /// `now` with a command, and returns when it is done.
    fn occupy(
        &mut self,
        shard: u32,
        now: SimTime,
        service: SimTime,
        stats: &mut Collector,
    ) -> SimTime {
        let (start, finish) = self.block(shard, now, service, stats);
        if stats.window.contains(start) {
            stats.commands += 1;
        }
        finish
    }

    /// Blocks `shard`'s loop for `service` from the first free moment at or
    /// after `now`; returns when that starts and ends.
    fn block(
        &mut self,
        shard: u32,
        now: SimTime,
        service: SimTime,
        stats: &mut Collector,
    ) -> (SimTime, SimTime) {
        if self.batching {
            self.roll(shard, now, stats);
        }
        let s = &mut self.shards[shard as usize];
        let start = now.max(s.busy_until);
        let finish = start + service;
        if self.batching && start == now {
            // An idle loop: this work begins a pass alone.
            s.pass_end = finish;
        }
        s.busy_until = finish;
        if shard >= self.primaries {
            stats.replica_busy(shard - self.primaries, start, finish);
            return (start, finish);
        }
        let window = stats.window;
        stats.busy += window.overlap(start, finish);
        if stats.keep_series {
            let share = 1.0 / f64::from(self.primaries);
            stats.series.redis_busy.add_interval(start, finish, share);
        }
        stats.shard_busy(shard, start, finish);
        (start, finish)
    }

    /// When the first fork of the next shard comes (called once per shard,
    /// in shard order); `None` without persistence.
    pub fn first_fork(&mut self) -> Option<SimTime> {
        let (every, _) = self.forks?;
        Some(SimTime(self.fork_phase.random_range(0..every.0)))
    }

    /// `shard` forks at `now`: its loop is blocked for the stall, behind
    /// the work before. Returns when it forks next.
    pub fn fork(&mut self, shard: u32, now: SimTime, stats: &mut Collector) -> SimTime {
        let (every, stall) = self.forks.expect("forks need persistence");
        self.block(shard, now, stall, stats);
        now + every
    }

    /// The event-loop time of a command (or of a PING, `ping`) on `shard`:
    /// its own time, then the per-command overhead (drawn in that order; a
    /// constant draws nothing), scaled by the shard's open connections with
    /// `redis.connection_scaling`.
    /// Returns it with the command's keys (1 without a mix).
    #[inline]
    fn loop_time(&mut self, shard: u32, ping: bool) -> (SimTime, u32) {
        let (own, keys) = match (&self.ping_time, ping) {
            (Some(p), true) => (p.sample(&mut self.service), 1),
            (_, false) if !self.mix.is_empty() => self.mix_time(),
            _ => (self.service_time.sample(&mut self.service), 1),
        };
        let t = own + self.overhead.sample(&mut self.service);
        let t = match self.scaling {
            None => t,
            Some(k) => {
                let open = u128::from(self.shards[shard as usize].clients);
                let scaled = u128::from(t.0) * (u128::from(k) + open) / u128::from(k);
                SimTime(u64::try_from(scaled).unwrap_or(u64::MAX))
            }
        };
        (t, keys)
    }

    /// A command's own time drawn from the mix: which command, then its
    /// time per key, times its keys.
    fn mix_time(&mut self) -> (SimTime, u32) {
        let u: f64 = self.pick.random();
        // The last command takes what rounding leaves of the shares.
        let last = self.mix.len() - 1;
        let i = self.mix[..last].partition_point(|&(cum, _, _)| cum <= u);
        let (_, time, keys) = &self.mix[i];
        let t = time.sample(&mut self.service);
        (SimTime(t.0.saturating_mul(u64::from(*keys))), *keys)
    }

    /// The reply of `keys` values, ready on `shard` at `ready`, goes out
    /// through the shard's link; returns when its last byte is sent.
    fn send(&mut self, shard: u32, ready: SimTime, keys: u32, stats: &mut Collector) -> SimTime {
        let Some((size, bits)) = &self.wire else {
            return ready;
        };
        let bytes = f64::from(keys) * size.sample(&mut self.sizes);
        let took = SimTime::from_secs_f64(bytes * 8.0 / bits);
        let s = &mut self.shards[shard as usize];
        let start = ready.max(s.link_until);
        s.link_until = start + took;
        stats.link_send(ready, start, s.link_until);
        s.link_until
    }

    /// A command of `kind` reaches `shard` at `now`: it queues behind the
    /// loop's work and is served; returns when it is done (a read's reply
    /// sent, with a bandwidth). Without reply batching; with it, see
    /// [`Server::command_in_pass`].
    #[inline]
    pub fn command(
        &mut self,
        shard: u32,
        now: SimTime,
        kind: Kind,
        stats: &mut Collector,
    ) -> SimTime {
        debug_assert!(!self.batching, "reply batching: use command_in_pass");
        let (_, finish, keys) = self.serve(shard, now, kind, stats);
        match kind {
            Kind::Read => self.send(shard, finish, keys, stats),
            Kind::Ping | Kind::Miss | Kind::Fill => finish,
        }
    }

    /// A command of `kind`, tagged `tag`, reaches `shard` at `now` with
    /// reply batching: it is served as by [`Server::command`], and its reply
    /// leaves at the end of its pass: known now if it begins a pass, else
    /// when the running pass ends (see [`Done`]).
    pub fn command_in_pass(
        &mut self,
        shard: u32,
        now: SimTime,
        kind: Kind,
        tag: Tag,
        stats: &mut Collector,
    ) -> Done {
        debug_assert!(self.batching, "without reply batching: use command");
        let (start, finish, keys) = self.serve(shard, now, kind, stats);
        if start == now {
            // The loop was idle: the command began a pass alone.
            return Done::At(match kind {
                Kind::Read => self.send(shard, finish, keys, stats),
                Kind::Ping | Kind::Miss | Kind::Fill => finish,
            });
        }
        let s = &mut self.shards[shard as usize];
        let close = s.next.is_empty().then_some(s.pass_end);
        s.next.push(Waiting { tag, kind, keys });
        Done::InPass {
            earliest: finish,
            close,
        }
    }

    /// Serves a command of `kind` reaching `shard` at `now`: queues it
    /// behind the loop's work and records its wait; returns when its service
    /// starts and ends, and its keys.
    #[inline]
    fn serve(
        &mut self,
        shard: u32,
        now: SimTime,
        kind: Kind,
        stats: &mut Collector,
    ) -> (SimTime, SimTime, u32) {
        let (mut service, keys) = self.loop_time(shard, kind == Kind::Ping);
        if !self.slow.is_empty() {
            service = self.slowed(shard, now, service);
        }
        let (start, finish) = self.block(shard, now, service, stats);
        if stats.window.contains(start) {
            stats.commands += 1;
        }
        if stats.window.contains(now) {
            if start == now {
                stats.queue_no_wait += 1;
            } else {
                stats.queue_wait.record(start - now);
            }
            if shard < self.primaries {
                stats.shard_wait(shard, start - now);
            } else {
                stats.replica_wait(start - now);
            }
        }
        (start, finish, keys)
    }

    /// Reply batching: the next pass of `shard` has begun by `now` if the
    /// running one has ended and the next has work; it becomes the running
    /// pass, and the replies of its commands are due at its end (kept for
    /// [`Server::close_pass`]).
    fn roll(&mut self, shard: u32, now: SimTime, stats: &mut Collector) {
        let s = &mut self.shards[shard as usize];
        if now < s.pass_end || (s.busy_until == s.pass_end && s.next.is_empty()) {
            return;
        }
        s.pass_end = s.busy_until;
        let end = s.pass_end;
        let next = std::mem::take(&mut s.next);
        for w in &next {
            let done = match w.kind {
                Kind::Read => self.send(shard, end, w.keys, stats),
                Kind::Ping | Kind::Miss | Kind::Fill => end,
            };
            self.shards[shard as usize].closed.push((w.tag, done));
        }
        // Keep the buffer's room for the next pass.
        let s = &mut self.shards[shard as usize];
        s.next = next;
        s.next.clear();
    }

    /// Reply batching: the running pass of `shard` ends at `now` (the time
    /// a [`Done::InPass`] gave as `close`), and the next begins. Appends to
    /// `out` the tags of the commands whose replies are now known, each with
    /// when it leaves (at the end of the pass just begun), in their order.
    pub fn close_pass(
        &mut self,
        shard: u32,
        now: SimTime,
        out: &mut Vec<(Tag, SimTime)>,
        stats: &mut Collector,
    ) {
        self.roll(shard, now, stats);
        out.append(&mut self.shards[shard as usize].closed);
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

    /// A write that `shard`'s primary finished at `now` reaches its
    /// replicas (the replication stream): each applies it, at one command's
    /// loop time, behind its own work.
    pub fn replicate(&mut self, shard: u32, now: SimTime, stats: &mut Collector) {
        let first = self.primaries + shard * self.replicas;
        for replica in first..first + self.replicas {
            let (service, _) = self.loop_time(replica, false);
            self.block(replica, now, service, stats);
            stats.replica_write(now);
        }
    }

    /// A PING of an idle connection on `shard` at `now` (its reply is not waited for).
    pub fn ping(&mut self, shard: u32, now: SimTime, stats: &mut Collector) {
        let (service, _) = self.loop_time(shard, true);
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

    /// True if a read's hit or miss is drawn when its command reaches the
    /// shard (a bandwidth: a miss's reply skips the link), false if when
    /// its reply reaches the client.
    #[inline]
    pub fn hits_at_shard(&self) -> bool {
        self.wire.is_some()
    }

    /// The kind of a read's command reaching a shard, and its hit if drawn
    /// now (see [`Server::hits_at_shard`]).
    #[inline]
    pub fn read_kind(&mut self) -> (Kind, Option<bool>) {
        if !self.hits_at_shard() {
            return (Kind::Read, None);
        }
        let hit = self.read_hits();
        (if hit { Kind::Read } else { Kind::Miss }, Some(hit))
    }

    /// True if a read finds its key in Redis.
    #[inline]
    pub fn read_hits(&mut self) -> bool {
        let ratio = self.hit_ratio;
        ratio >= 1.0 || (ratio > 0.0 && self.hits.random::<f64>() < ratio)
    }
}

#[cfg(test)]
mod tests;
