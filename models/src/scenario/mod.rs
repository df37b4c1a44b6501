//! Scenarios: what to simulate.
//!
//! A scenario file is parsed in two steps, parse then validate: the TOML
//! table's shape is checked against the schema
//! ([`spec`]: every table and key known), then each value is read, checked
//! and converted into the [`Scenario`] below.
//! The engine trusts a `Scenario` without checking it again: every invariant
//! documented on a field holds.

/// Implements `Debug` as `#[derive(Debug)]` would, but leaves out the
/// settings added after a table's first ones while they keep the values that
/// mean "unused", so a scenario that does not use them formats exactly as
/// before they existed: a run's and a sweep's `scenario_hash` is a hash of
/// this text, and must not change for existing scenarios.
///
/// `Type |v| { always; if COND => fields; if let PAT = EXPR => fields; }`:
/// the fields always written, then each group written only when its
/// condition (on `v`, the value) holds. A field is written `name` (the
/// value's field) or `name = EXPR` (an expression of the condition's
/// bindings, as the content of an `Option` that is `Some`).
macro_rules! debug_leaving_out {
    ($ty:ident |$v:ident| { $($always:ident),+ ; $($groups:tt)* }) => {
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                let $v = self;
                let mut d = f.debug_struct(stringify!($ty));
                $(d.field(stringify!($always), &$v.$always);)+
                debug_leaving_out!(@groups d $v $($groups)*);
                d.finish()
            }
        }
    };
    (@groups $d:ident $v:ident) => {};
    (@groups $d:ident $v:ident
        if let $p:pat = $e:expr => $($name:ident $(= $val:expr)?),+ ; $($rest:tt)*) => {
        if let $p = $e {
            $(debug_leaving_out!(@field $d $v $name $($val)?);)+
        }
        debug_leaving_out!(@groups $d $v $($rest)*);
    };
    (@groups $d:ident $v:ident
        if $c:expr => $($name:ident $(= $val:expr)?),+ ; $($rest:tt)*) => {
        if $c {
            $(debug_leaving_out!(@field $d $v $name $($val)?);)+
        }
        debug_leaving_out!(@groups $d $v $($rest)*);
    };
    (@field $d:ident $v:ident $name:ident) => {
        $d.field(stringify!($name), &$v.$name);
    };
    (@field $d:ident $v:ident $name:ident $val:expr) => {
        $d.field(stringify!($name), &$val);
    };
}

pub mod derived;
pub mod presets;
mod redis;
pub mod replay;
pub mod spec;
pub mod wire;

pub use crate::cache::Policy;
pub use redis::{Command, Persistence, ReadFrom, Redis, RedisMode};
use replay::Replay;
use sim::dist::Latency;
use sim::time::SimTime;
pub use sim::zipf::Popularity;
pub use wire::Size;

/// A validated scenario. Build one with [`load`] or [`parse`].
#[derive(Clone, PartialEq)]
pub struct Scenario {
    /// Short name, from the file name without `.toml` (used for output folders).
    pub name: String,
    /// Run length, warm-up, seed and replications.
    pub simulation: Simulation,
    /// Offered traffic.
    pub workload: Workload,
    /// The application fleet.
    pub pods: Pods,
    /// The per-pod connection pool.
    pub pool: Pool,
    /// The network between pods and Redis.
    pub network: Network,
    /// The Redis deployment.
    pub redis: Redis,
    /// The in-process cache in front of Redis.
    pub l1: L1,
    /// The database behind Redis, asked on a Redis miss.
    pub database: Database,
    /// Client behaviour around the pool.
    pub client: Client,
    /// Faults injected during the run, sorted by `at`.
    pub faults: Vec<Fault>,
}

// `Debug` leaves out the faults when there are none.
debug_leaving_out! {
    Scenario |s| {
        name, simulation, workload, pods, pool, network, redis, l1, database, client;
        if !s.faults.is_empty() => faults;
    }
}

/// One `[[faults]]` entry.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Fault {
    /// When, from the end of the warm-up.
    pub at: SimTime,
    /// What happens.
    pub kind: FaultKind,
    /// The shard it happens to (< `redis.shards`).
    pub shard: u32,
}

/// What a fault does to its shard.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum FaultKind {
    /// The shard's existing connections go silent, with no reset (a primary
    /// that vanished in a failover): writes on them are never acknowledged.
    /// Connections opened afterwards reach the promoted replica.
    Blackhole,
    /// The shard's existing connections are reset (a restart): the client
    /// sees it within half a round trip.
    Restart,
    /// The shard's service time is multiplied by `factor` for `duration`.
    Slow {
        /// How long it lasts.
        duration: SimTime,
        /// The multiplier (> 0).
        factor: f64,
    },
    /// The pods restart in order, `batch` at a time, `interval` apart (the
    /// fault's shard is unused): each comes back with an empty L1 (warm
    /// again at once with `l1.prewarm`) and its pools' idle connections
    /// closed, reopened on demand and up to `min_idle`. Requests in flight
    /// finish on the connections they hold.
    RollingRestart {
        /// Pods per batch (>= 1).
        batch: u32,
        /// Between batches.
        interval: SimTime,
    },
    /// Cluster mode: `slots` hash slots move from the fault's node to node
    /// `to`, one after another over `duration` (`redis-cli --cluster
    /// reshard`): the source's lowest-numbered slots first. While a slot
    /// migrates its keys move one by one, and a command for a key already
    /// moved gets an ASK redirect; once the slot has moved, a client whose
    /// slot map is older gets a MOVED redirect and refreshes its map.
    Reshard {
        /// The node the slots move to (< `redis.shards`, not the source).
        to: u32,
        /// Slots moved (1..=16384, at most what the source owns then).
        slots: u32,
        /// How long the whole migration takes (`0s`: every slot at once).
        duration: SimTime,
    },
}

impl Scenario {
    /// True if the scenario uses the multiplexed transport or a fault of a
    /// shard's connections (a rolling restart of pods and a resharding are
    /// not ones), whose metrics
    /// ([`crate::metrics::TRANSPORT`]) `capsim run` then prints.
    pub fn uses_transport_metrics(&self) -> bool {
        self.client.transport == Transport::Multiplexed
            || self.faults.iter().any(|f| {
                !matches!(
                    f.kind,
                    FaultKind::RollingRestart { .. } | FaultKind::Reshard { .. }
                )
            })
    }

    /// True if a fault reshards the cluster (its redirect metrics are
    /// reported).
    pub fn reshards(&self) -> bool {
        self.faults
            .iter()
            .any(|f| matches!(f.kind, FaultKind::Reshard { .. }))
    }
}

/// `[simulation]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Simulation {
    /// Measured window after the warm-up (> 0).
    pub duration: SimTime,
    /// Simulated before measuring; nothing in it is counted.
    pub warmup: SimTime,
    /// Seed of every random stream.
    pub seed: u64,
    /// Independent replications (>= 1).
    pub replications: u32,
    /// Width of time-series buckets for charts (> 0).
    pub bucket: SimTime,
}

/// `[workload]`.
#[derive(Clone, PartialEq)]
pub struct Workload {
    /// Requests per second over all pods before the profile's scaling (> 0).
    pub rate: f64,
    /// Cache reads per request, one after another (>= 1).
    pub reads_per_request: u32,
    /// Scaling of `rate` over time; empty means constant.
    pub profile: Vec<ProfilePoint>,
    /// The key universe and how reads draw from it (`None`: reads carry no
    /// key).
    pub keys: Option<Popularity>,
    /// Recorded arrival times replayed from the end of the warm-up instead
    /// of Poisson arrivals (`rate` is then the capture's mean rate, used in
    /// the warm-up and by derived figures).
    pub replay: Option<std::sync::Arc<Replay>>,
}

/// One point of a traffic profile. From `at` (counted from the end of the
/// warm-up) the scale moves linearly from its previous value to `scale` over
/// `ramp`, then stays there. Points are sorted by `at` and do not overlap:
/// `at + ramp <= next.at`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProfilePoint {
    /// When the change starts, from the end of the warm-up.
    pub at: SimTime,
    /// The multiplier of `workload.rate` reached at `at + ramp` (>= 0).
    pub scale: f64,
    /// How long the change takes (0 = a step).
    pub ramp: SimTime,
}

/// `[pods]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Pods {
    /// Number of application pods (>= 1), each with its own pool.
    pub count: u32,
}

/// What a checkout does when no connection is free and the pool is full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenExhausted {
    /// Wait in FIFO order, up to the acquire timeout.
    Block,
    /// Fail at once (`errors.pool_exhausted`).
    Fail,
}

/// Which idle connection a checkout takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// The most recently returned (commons-pool2, redis-py, go-redis, r2d2).
    Lifo,
    /// The least recently returned (bb8, deadpool, go-redis with PoolFIFO).
    Fifo,
}

/// `[pool]`, one per pod.
#[derive(Clone, Debug, PartialEq)]
pub struct Pool {
    /// Most connections open at once (>= 1).
    pub max_total: u32,
    /// Wait or fail when exhausted.
    pub when_exhausted: WhenExhausted,
    /// Longest wait for a connection; `None` waits forever. Always `None` when
    /// `when_exhausted` is `Fail`.
    pub acquire_timeout: Option<SimTime>,
    /// Idle connection order.
    pub order: Order,
    /// Connection lifecycle: idle limits, validation, eviction.
    pub life: PoolLife,
}

/// What a checkout checks on an idle connection before handing it out.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum CheckoutCheck {
    /// Nothing (Jedis, commons-pool2 without test-on-borrow).
    #[default]
    None,
    /// A non-blocking read that notices a close (FIN) or reset (RST) already
    /// received, and replaces the connection silently (go-redis, redis-py). It
    /// does not notice a silently dropped connection.
    Peek,
}

/// Connection lifecycle settings of `[pool]` (defaults and sources: the book's
/// "Theory and sources" chapter).
#[derive(Clone, Debug, PartialEq)]
pub struct PoolLife {
    /// Idle connections kept open in the background (<= max_idle).
    pub min_idle: u32,
    /// A returned connection is closed when this many are already idle
    /// (<= max_total).
    pub max_idle: u32,
    /// Connections older than this are closed instead of reused.
    pub max_lifetime: Option<SimTime>,
    /// Connections idle longer than this are closed when next seen by a
    /// checkout or the evictor (go-redis ConnMaxIdleTime, r2d2/bb8 idle_timeout).
    pub idle_timeout: Option<SimTime>,
    /// Check at checkout.
    pub checkout_check: CheckoutCheck,
    /// PING every connection before handing it out.
    pub test_on_borrow: bool,
    /// The evictor PINGs idle connections it does not evict.
    pub test_while_idle: bool,
    /// How often the evictor runs; `None` = no evictor.
    pub eviction_interval: Option<SimTime>,
    /// The evictor closes connections idle longer than this.
    pub min_evictable_idle: Option<SimTime>,
    /// Idle connections the evictor examines per run, oldest first; a negative
    /// `n` means `ceil(idle / |n|)` (commons-pool2). Never 0.
    pub tests_per_eviction_run: i32,
    /// A connection whose command failed is returned to the pool, still
    /// broken, instead of being closed.
    pub keep_failed: bool,
}

/// `[network]`.
#[derive(Clone, PartialEq)]
pub struct Network {
    /// Round trip between a pod and Redis; a command leaves after half of it and
    /// the reply returns the other half after Redis has served it.
    pub rtt: Latency,
    /// A middlebox (load balancer, NAT, firewall) on the path forgets
    /// connections idle this long; `None` = no middlebox.
    pub idle_timeout: Option<SimTime>,
    /// What the middlebox does to the next packet of a forgotten connection.
    pub on_idle: OnIdle,
    /// The client sockets' `TCP_USER_TIMEOUT` (`None`: the `tcp_retries2`
    /// limit applies).
    pub tcp_user_timeout: Option<SimTime>,
    /// The clients' `net.ipv4.tcp_retries2` (1..=30; Linux's default 15).
    pub tcp_retries2: u32,
}

// `Debug` leaves out the TCP settings while they keep their defaults.
debug_leaving_out! {
    Network |n| {
        rtt, idle_timeout, on_idle;
        if n.tcp_user_timeout.is_some() || n.tcp_retries2 != 15 => tcp_user_timeout, tcp_retries2;
    }
}

/// What a middlebox does with a connection it forgot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum OnIdle {
    /// Answers the next packet with a reset: the command fails after about
    /// one round trip (AWS NAT gateway).
    Reset,
    /// Drops it silently: the command waits out the socket timeout (AWS
    /// Network Firewall, Azure Load Balancer).
    #[default]
    Drop,
}

/// `[l1]`.
#[derive(Clone, PartialEq)]
pub struct L1 {
    /// Fraction of reads answered by the in-process cache (0..=1); 0 when
    /// `cache` is set (the cache measures its own).
    pub hit_ratio: f64,
    /// Time of one lookup, hit or miss.
    pub lookup_time: Latency,
    /// A per-pod keyed cache (`None`: the fixed `hit_ratio` coin). When set,
    /// `Workload::keys` is set too.
    pub cache: Option<KeyedL1>,
    /// Writes per second over the fleet that invalidate a key (drawn from the
    /// key popularity) in every pod's cache; 0 without a keyed cache.
    pub invalidation_rate: f64,
}

// `Debug` leaves out the keyed settings when they are unset.
debug_leaving_out! {
    Workload |w| {
        rate, reads_per_request, profile;
        if let Some(keys) = &w.keys => keys = keys;
        if let Some(replay) = &w.replay => replay = replay;
    }
}

debug_leaving_out! {
    L1 |l| {
        hit_ratio, lookup_time;
        if let Some(cache) = &l.cache => cache = cache;
        if l.invalidation_rate > 0.0 => invalidation_rate;
    }
}

debug_leaving_out! {
    Database |db| {
        latency;
        if let Some(n) = db.concurrency => concurrency = n, queue_timeout;
    }
}

/// A per-pod cache of keys: `[l1] policy`, `capacity`, `ttl`, ...
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KeyedL1 {
    /// The eviction policy.
    pub policy: Policy,
    /// Entries per pod (>= 1).
    pub capacity: u32,
    /// Life of an entry after its fill (`None`: until evicted).
    pub ttl: Option<SimTime>,
    /// Each fill lives `ttl x (1 - ttl_jitter x u)`, `u` uniform (0..=1;
    /// 0 without a TTL).
    pub ttl_jitter: f64,
    /// Concurrent misses of a key in a pod share one load.
    pub coalesce: bool,
    /// Caches start holding the `capacity` most popular keys.
    pub prewarm: bool,
}

/// `[database]`. Its `Debug` (hashed into `scenario_hash`) leaves out the
/// finite database's settings when the database is unlimited, so the hash
/// of a scenario without them is what it always was.
#[derive(Clone, PartialEq)]
pub struct Database {
    /// Time the database takes to answer a read that missed Redis (its
    /// service time once a worker takes it).
    pub latency: Latency,
    /// Queries served at once (the database's own connection pool or worker
    /// limit); `None`: unlimited, every query is served on arrival.
    pub concurrency: Option<u32>,
    /// Longest wait in the database's queue before the query fails with
    /// `database_timeout`; `None` waits forever. Only with a `concurrency`.
    pub queue_timeout: Option<SimTime>,
}

/// `[client]`.
#[derive(Clone, PartialEq)]
pub struct Client {
    /// Keep the connection while the database answers a Redis miss, then SET on
    /// it (true), or release it and check one out again for the SET (false).
    pub hold_during_fallback: bool,
    /// Round trips to open a connection (TCP, AUTH/HELLO), before TLS (>= 1).
    pub connect_round_trips: u32,
    /// TLS adds one round trip (TLS 1.3) to every connect.
    pub tls: bool,
    /// Longest time to open a connection.
    pub connect_timeout: Option<SimTime>,
    /// Longest wait for a reply; the connection is closed after a timeout.
    pub socket_timeout: Option<SimTime>,
    /// Client TCP keepalive idle time (`None` = off).
    pub tcp_keepalive: Option<SimTime>,
    /// Retries of a failed read (0 = none).
    pub retries: u32,
    /// Sleep before each retry.
    pub backoff: Backoff,
    /// Which errors are retried.
    pub retry_on: Vec<ErrorCause>,
    /// At most this fraction of requests may be retries (`None` = no budget).
    pub retry_budget: Option<f64>,
    /// Timer granularity: timeouts fire at the first multiple of it at or
    /// after their deadline (`ZERO` = exact).
    pub timer_resolution: SimTime,
    /// How requests reach Redis: a pool of exclusive connections, or a few
    /// shared pipelined connections.
    pub transport: Transport,
    /// Shared connections per pod (multiplexed only; >= 1).
    pub connections: u32,
    /// Most commands queued on one shared connection (sent and not yet
    /// answered, or buffered while it reconnects); a command over the bound
    /// is rejected at once. `None` = unbounded. Multiplexed only.
    pub max_queued: Option<u32>,
    /// The client's own time from a request's arrival (or a retry) to its
    /// checkout reaching the pool (pooled only).
    pub checkout_delay: Latency,
}

// `Debug` leaves out the transport settings while they keep their defaults.
debug_leaving_out! {
    Client |c| {
        hold_during_fallback, connect_round_trips, tls, connect_timeout, socket_timeout,
        tcp_keepalive, retries, backoff, retry_on, retry_budget, timer_resolution;
        if c.transport != Transport::Pooled || c.connections != 1 || c.max_queued.is_some()
            => transport, connections, max_queued;
        if !c.checkout_delay.is_zero() => checkout_delay;
    }
}

/// How a pod's requests reach Redis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Transport {
    /// A pool: each command checks out a connection for itself (Jedis,
    /// redis-py, go-redis, r2d2, bb8, deadpool).
    #[default]
    Pooled,
    /// Commands of all requests share a few connections, written on arrival
    /// and answered in order on each (Lettuce, StackExchange.Redis, ioredis).
    Multiplexed,
}

/// Exponential backoff: before retry `k` (1-based) sleep `min(cap, base 2^(k-1))`,
/// jittered.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Backoff {
    /// First sleep.
    pub base: SimTime,
    /// Longest sleep.
    pub cap: SimTime,
    /// Jitter rule.
    pub jitter: Jitter,
}

/// Backoff jitter (AWS Architecture Blog, "Exponential Backoff And Jitter").
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jitter {
    /// Sleep exactly the backoff.
    None,
    /// Sleep uniformly in `[0, backoff]`.
    Full,
    /// Sleep `backoff/2` plus uniformly in `[0, backoff/2]`.
    Equal,
}

/// Why a read failed: the `errors.*` metrics, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorCause {
    /// Waited the whole acquire timeout.
    PoolTimeout,
    /// A fail-fast pool had nothing free.
    PoolExhausted,
    /// Used a connection the server closed or a middlebox reset.
    StaleConnection,
    /// No reply within the socket timeout.
    SocketTimeout,
    /// Redis refused a new connection over `maxclients`.
    MaxClients,
    /// A new connection took longer than the connect timeout.
    ConnectTimeout,
    /// A query waited the whole `database.queue_timeout` for a database
    /// worker. Not a Redis error: the client's retries do not cover it.
    DatabaseTimeout,
}

impl ErrorCause {
    /// Every cause, in metric order.
    pub const ALL: [ErrorCause; 7] = [
        ErrorCause::PoolTimeout,
        ErrorCause::PoolExhausted,
        ErrorCause::StaleConnection,
        ErrorCause::SocketTimeout,
        ErrorCause::MaxClients,
        ErrorCause::ConnectTimeout,
        ErrorCause::DatabaseTimeout,
    ];

    /// The causes of a failed Redis attempt, which `client.retry_on` may
    /// name: all but [`ErrorCause::DatabaseTimeout`], the last.
    pub const REDIS: &[ErrorCause] = match Self::ALL.split_last() {
        Some((ErrorCause::DatabaseTimeout, redis)) => redis,
        _ => panic!("DatabaseTimeout is the last cause"),
    };

    /// The name used in scenario files and after `errors.` in metrics.
    pub fn name(self) -> &'static str {
        match self {
            ErrorCause::PoolTimeout => "pool_timeout",
            ErrorCause::PoolExhausted => "pool_exhausted",
            ErrorCause::StaleConnection => "stale_connection",
            ErrorCause::SocketTimeout => "socket_timeout",
            ErrorCause::MaxClients => "max_clients",
            ErrorCause::ConnectTimeout => "connect_timeout",
            ErrorCause::DatabaseTimeout => "database_timeout",
        }
    }
}

mod error;
mod parse;
pub mod resolve;
pub(crate) mod units;
mod validate;

pub use error::ScenarioError;
pub use parse::{
    apply_override, from_table, load, parse, read_scenario_file, resolve, resolve_text,
    ScenarioFile,
};
pub use resolve::{Origin, Resolved};

pub(crate) use parse::{key_path, line_column};

#[cfg(test)]
mod tests;
