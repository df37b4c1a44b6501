//! The `[redis]` table ([`Redis`]) and its parts: the topology, where reads go,
//! how many pools a pod keeps, and the command mix (`[[redis.commands]]`):
//! which commands a read sends and what each costs the event loop.
//!
//! Without a mix every command's own event-loop time is `redis.service_time`.
//! With one, each command a read sends (its first command, and the SET that
//! fills Redis after a miss) is drawn from the mix by `share`, and its own
//! time is its entry's `service_time` times its `keys` (an `MGET` of 10 keys
//! with `service_time = "2us"` costs 20 us of one draw). `command_overhead`
//! and `connection_scaling` then apply as for any command.

use super::Size;
use sim::dist::Latency;
use sim::time::SimTime;

/// `[redis]`.
#[derive(Clone, PartialEq)]
pub struct Redis {
    /// Single-threaded event loops, keys spread evenly (>= 1).
    pub shards: u32,
    /// Time a command occupies its shard's event loop.
    pub service_time: Latency,
    /// Fraction of Redis reads that find the key (0..=1).
    pub hit_ratio: f64,
    /// Connections accepted at once over all shards; more are refused.
    pub maxclients: u32,
    /// Server closes clients idle this long (`timeout`; `None` = never).
    pub timeout: Option<SimTime>,
    /// Server TCP keepalive (`tcp-keepalive`; `None` = off).
    pub tcp_keepalive: Option<SimTime>,
    /// Event-loop time to accept a connection and run its handshake commands.
    pub accept_cost: Latency,
    /// Event-loop time of every command and PING on top of its own.
    pub command_overhead: Latency,
    /// A PING's own event-loop time; `None` = a command's (`service_time`).
    pub ping_time: Option<Latency>,
    /// How clients reach the shards. `Cluster` only with keyed reads
    /// (`Workload::keys` is set).
    pub mode: RedisMode,
    /// Each command's (and PING's) event-loop time is multiplied by
    /// `1 + open / connection_scaling`, `open` the connections open on its
    /// shard; `None`: connections cost nothing while open.
    pub connection_scaling: Option<u32>,
    /// The command mix (`[[redis.commands]]`); empty: every command's own
    /// time is `service_time` (also the default of an entry's).
    pub commands: Vec<Command>,
    /// Bytes of a value in a reply (a command's reply: `keys` values).
    pub value_size: Size,
    /// Each shard's outbound link, in bits per second; `None`: unlimited.
    pub bandwidth: Option<u64>,
    /// Periodic fork stalls (BGSAVE, AOF rewrite); `None`: no persistence.
    pub persistence: Option<Persistence>,
    /// Replies of one event-loop pass leave together at the pass's end.
    pub reply_batching: bool,
    /// Replicas of each shard (cluster mode): each an event loop of its own
    /// that applies every write, and serves reads with `ReadFrom::Replica`.
    pub replicas: u32,
    /// Where reads go.
    pub read_from: ReadFrom,
}

/// Where a cluster client sends reads (`redis.read_from`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ReadFrom {
    /// The shard's primary (master), as every client does by default.
    #[default]
    Primary,
    /// One of the shard's replicas, drawn uniformly per read (go-redis
    /// `ReadOnly`; Lettuce `ReadFrom.REPLICA` reads from replicas only);
    /// writes still go to the primary.
    Replica,
    /// The shard's primary or one of its replicas, drawn uniformly per read
    /// (go-redis `RouteRandomly`); writes go to the primary.
    Any,
}

/// How clients reach Redis's shards.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RedisMode {
    /// Through a proxy (Envoy, twemproxy) or a client that spreads commands:
    /// each pod has one pool, each command goes to a shard drawn at random.
    #[default]
    Proxy,
    /// Redis Cluster: a read's key picks its hash slot and the node that owns
    /// it (see [`crate::slots`]); each pod keeps one pool per node, and the
    /// pool's limits apply per node (JedisCluster, go-redis ClusterClient).
    Cluster,
}

/// One command of the mix.
#[derive(Clone, Debug, PartialEq)]
pub struct Command {
    /// Its name as the user wrote it (`"GET"`, `"MGET"`, `"my_script"`).
    pub name: String,
    /// The fraction of commands that are this one, in (0, 1]; the shares of
    /// a mix add up to 1.
    pub share: f64,
    /// Its own event-loop time per key.
    pub service_time: Latency,
    /// Keys it touches (>= 1): its own time is `keys` times a draw of
    /// `service_time`.
    pub keys: u32,
}

/// Periodic fork stalls (`redis.persistence`): every `every` each shard
/// forks for a BGSAVE or an AOF rewrite, and its event loop is blocked while
/// the kernel copies the page tables, about `stall_per_gb` per GB of
/// dataset.
#[derive(Clone, Debug, PartialEq)]
pub struct Persistence {
    /// Time between two forks of a shard (> 0).
    pub every: SimTime,
    /// Stall per GB (10^9 bytes) of dataset.
    pub stall_per_gb: SimTime,
    /// A shard's dataset, in bytes.
    pub dataset: u64,
}

impl Persistence {
    /// How long a fork blocks the event loop: `stall_per_gb` x `dataset` /
    /// 10^9, in whole nanoseconds (rounded down); below `every`.
    pub fn stall(&self) -> SimTime {
        let ns = u128::from(self.stall_per_gb.0) * u128::from(self.dataset) / 1_000_000_000;
        SimTime(u64::try_from(ns).unwrap_or(u64::MAX))
    }
}

impl Command {
    /// The mean of its own time, in seconds.
    pub fn mean_secs(&self) -> f64 {
        f64::from(self.keys) * self.service_time.mean_secs()
    }

    /// `E[X^2]` of its own time, in seconds squared.
    pub fn second_moment_secs(&self) -> f64 {
        f64::from(self.keys).powi(2) * self.service_time.second_moment_secs()
    }
}

impl Redis {
    /// Pools per pod: one per node in cluster mode (with reads from
    /// replicas, one per primary and one per replica), else one.
    pub fn pools_per_pod(&self) -> u32 {
        match self.mode {
            RedisMode::Proxy => 1,
            RedisMode::Cluster => self.shards * (1 + self.read_replicas()),
        }
    }

    /// Replicas per shard that serve reads: `replicas` with reads from
    /// replicas (or from any node), else 0.
    pub fn read_replicas(&self) -> u32 {
        match self.read_from {
            ReadFrom::Primary => 0,
            ReadFrom::Replica | ReadFrom::Any => self.replicas,
        }
    }

    /// The mean own event-loop time of a read's command (the mix's, or
    /// `service_time`'s), in seconds; `command_overhead` not included.
    pub fn command_mean_secs(&self) -> f64 {
        if self.commands.is_empty() {
            return self.service_time.mean_secs();
        }
        self.commands.iter().map(|c| c.share * c.mean_secs()).sum()
    }

    /// `E[X^2]` of a read's command's own event-loop time, in seconds
    /// squared; `command_overhead` not included.
    pub fn command_second_moment_secs(&self) -> f64 {
        if self.commands.is_empty() {
            return self.service_time.second_moment_secs();
        }
        self.commands
            .iter()
            .map(|c| c.share * c.second_moment_secs())
            .sum()
    }

    /// The mean keys of a read's command (1 without a mix).
    pub fn keys_mean(&self) -> f64 {
        if self.commands.is_empty() {
            return 1.0;
        }
        self.commands
            .iter()
            .map(|c| c.share * f64::from(c.keys))
            .sum()
    }

    /// The mean time a read's reply takes on its shard's outbound link, in
    /// seconds (`keys` values of `value_size` bytes over `bandwidth`); 0
    /// without a bandwidth.
    pub fn reply_secs_mean(&self) -> f64 {
        match self.bandwidth {
            None => 0.0,
            Some(bits) => self.keys_mean() * self.value_size.mean() * 8.0 / bits as f64,
        }
    }

    /// The mean time a read takes on its shard's outbound link, in seconds:
    /// a hit's reply ([`Redis::reply_secs_mean`]) `hit_ratio` of the time,
    /// a miss's (a nil, a few bytes) skips the link.
    pub fn link_secs_per_read(&self) -> f64 {
        self.hit_ratio * self.reply_secs_mean()
    }

    /// The mean and `E[S^2]` (seconds, seconds squared) of a command's whole
    /// event-loop time `S`: its own time plus the independent
    /// `command_overhead`, before `connection_scaling`.
    pub fn loop_time_moments(&self) -> (f64, f64) {
        let (m, m2) = (self.command_mean_secs(), self.command_second_moment_secs());
        let (o, o2) = (
            self.command_overhead.mean_secs(),
            self.command_overhead.second_moment_secs(),
        );
        (m + o, m2 + 2.0 * m * o + o2)
    }
}

// `Debug` leaves out the mode while it is the default proxy, and the later
// keys while they keep their defaults.
debug_leaving_out! {
    Redis |r| {
        shards, service_time, hit_ratio, maxclients, timeout, tcp_keepalive, accept_cost,
        command_overhead, ping_time;
        if r.mode != RedisMode::Proxy => mode;
        if let Some(n) = r.connection_scaling => connection_scaling = n;
        if !r.commands.is_empty() => commands;
        if !r.value_size.is_zero() => value_size;
        if let Some(b) = r.bandwidth => bandwidth = b;
        if let Some(p) = &r.persistence => persistence = p;
        if r.reply_batching => reply_batching;
        if r.replicas > 0 => replicas, read_from;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sim::time::SimTime;

    #[test]
    fn moments_of_a_mix_of_constants() {
        let c = |name: &str, share, us, keys| Command {
            name: name.into(),
            share,
            service_time: Latency::Constant(SimTime::from_micros(us)),
            keys,
        };
        let get = c("GET", 0.75, 100, 1);
        let mget = c("MGET", 0.25, 50, 10);
        assert!((mget.mean_secs() - 500e-6).abs() < 1e-15);
        let mean = 0.75 * 100e-6 + 0.25 * 500e-6;
        let m2 = 0.75 * 100e-6f64.powi(2) + 0.25 * 500e-6f64.powi(2);
        let mix = [get, mget];
        let got: f64 = mix.iter().map(|c| c.share * c.mean_secs()).sum();
        let got2: f64 = mix.iter().map(|c| c.share * c.second_moment_secs()).sum();
        assert!((got - mean).abs() < 1e-15);
        assert!((got2 - m2).abs() < 1e-18);
    }
}
