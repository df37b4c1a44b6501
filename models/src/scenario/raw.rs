//! Raw scenario structs: the shape of a scenario file, before validation.
//!
//! Each table of the file has a struct here that rejects unknown keys
//! (`deny_unknown_fields`); the field list of each struct is also the list of
//! valid keys that error messages suggest from. Values are kept as
//! [`toml::Value`] so that validation can say exactly
//! what was expected and what was found, in capsim's words rather than serde's.
//! Every field documents its type, its valid range and its default: the
//! default is applied during validation, never here.

use serde::de::{self, Deserializer, Visitor};
use serde::Deserialize;
use toml::Value;

/// A whole scenario file. Every table is optional; a missing table takes the
/// defaults of all its keys.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    /// `[simulation]`: run length, warm-up, seed, replications.
    pub simulation: Option<RawSimulation>,
    /// `[workload]`: offered traffic. Required, because `rate` is.
    pub workload: Option<RawWorkload>,
    /// `[pods]`: the application fleet.
    pub pods: Option<RawPods>,
    /// `[pool]`: the per-pod connection pool.
    pub pool: Option<RawPool>,
    /// `[network]`: pod to Redis round trips.
    pub network: Option<RawNetwork>,
    /// `[redis]`: the Redis deployment.
    pub redis: Option<RawRedis>,
    /// `[l1]`: the in-process cache.
    pub l1: Option<RawL1>,
    /// `[database]`: the database behind Redis.
    pub database: Option<RawDatabase>,
    /// `[client]`: client behaviour around the pool.
    pub client: Option<RawClient>,
    /// `[[faults]]`: an array of [`RawFault`] tables, at most 1000. Default
    /// `[]` (no fault).
    pub faults: Option<Value>,
    /// `[sweep]`: parameter grid; read by the sweep runner, ignored by the
    /// scenario parser.
    pub sweep: Option<Value>,
    /// `[slo]`: service-level objectives; read by the sweep runner, ignored by
    /// the scenario parser.
    pub slo: Option<Value>,
    /// `[forecast]`: the peak expected; read by the sweep's verdict, ignored
    /// by the scenario parser.
    pub forecast: Option<Value>,
}

/// `[simulation]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSimulation {
    /// Measured window after the warm-up: a duration > 0. Default `"60s"`.
    pub duration: Option<Value>,
    /// Simulated before measuring, not counted: a duration. Default `"5s"`.
    pub warmup: Option<Value>,
    /// Seed of every random stream: a whole number >= 0. Default `1`.
    pub seed: Option<Value>,
    /// Independent replications: a whole number, 1 to 10000. Default `1`.
    pub replications: Option<Value>,
    /// Width of time-series buckets: a duration > 0, at most `duration`, and
    /// with at most 2000 buckets in `duration`. Default `"1s"`.
    pub bucket: Option<Value>,
}

/// `[workload]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWorkload {
    /// Requests per second over all pods, before the profile's scaling: a
    /// finite number > 0. Required, no default.
    pub rate: Option<Value>,
    /// Cache reads per request, one after another: a whole number, 1 to 1000.
    /// Default `1`.
    pub reads_per_request: Option<Value>,
    /// Scaling of `rate` over time: an array of [`RawProfilePoint`] tables,
    /// sorted by `at`, not overlapping, at most 10000 of them. Default `[]`
    /// (constant rate).
    pub profile: Option<Value>,
    /// The key universe: how many distinct keys reads draw from, a whole
    /// number from 1 to 4000000000. No default: without it reads carry no key
    /// (and `l1.policy` cannot be used).
    pub keys: Option<Value>,
    /// How reads pick a key: `"uniform"`, or `{ dist = "zipf", alpha = 0.8 }`
    /// (rank `k` with probability proportional to `k^-alpha`, alpha a number
    /// from 0 to 10). Default `"uniform"`; needs `keys`.
    pub key_popularity: Option<Value>,
    /// Recorded arrival times replayed instead of Poisson arrivals:
    /// `{ file = "arrivals.txt", unit = "s", speed = 1.0 }` (one time per
    /// line, a path relative to the scenario file; `unit` one of `ns`, `us`,
    /// `ms`, `s`; `speed` > 0 divides the times). Exclusive with `rate` and
    /// `profile`. No default.
    pub arrivals: Option<Value>,
}

/// One entry of `workload.profile`, e.g. `{ at = "2m", scale = 2.0, ramp = "1m" }`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawProfilePoint {
    /// When the change starts, counted from the end of the warm-up: a
    /// duration. Required. Not before the previous point's `at + ramp`.
    pub at: Option<Value>,
    /// The multiplier of `rate` reached at `at + ramp`: a finite number >= 0.
    /// Required.
    pub scale: Option<Value>,
    /// How long the change takes: a duration. Default `"0s"` (a step).
    pub ramp: Option<Value>,
}

/// `[pods]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPods {
    /// Application pods, each with its own pool: a whole number, 1 to 10000.
    /// Default `1`.
    pub count: Option<Value>,
}

/// `[pool]`. Defaults are those of Apache commons-pool2 (Jedis's pool).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPool {
    /// A client library whose defaults fill every `[pool]` and `[client]`
    /// key the file does not write: one of the names of
    /// [`super::presets::NAMES`], or `"none"`. Default `"none"`.
    pub preset: Option<Value>,
    /// Most connections open at once per pod: a whole number, 1 to 1000000.
    /// Default `8` (commons-pool2 `maxTotal`).
    pub max_total: Option<Value>,
    /// `"block"` (wait up to `acquire_timeout`) or `"fail"` (fail at once).
    /// Default `"block"` (commons-pool2 `blockWhenExhausted = true`).
    pub when_exhausted: Option<Value>,
    /// Longest wait for a connection: a duration, or `"none"` to wait
    /// forever. Default `"none"` (commons-pool2 `maxWait = -1`). A duration
    /// together with `when_exhausted = "fail"` is refused as inconsistent.
    pub acquire_timeout: Option<Value>,
    /// Which idle connection a checkout takes: `"lifo"` or `"fifo"`. Default
    /// `"lifo"` (commons-pool2 `lifo = true`).
    pub order: Option<Value>,
    /// Idle connections kept open in the background: a whole number from 0
    /// to `max_idle`. Default `0` (commons-pool2 `minIdle`).
    pub min_idle: Option<Value>,
    /// A returned connection is closed when this many are already idle: a
    /// whole number from 0 to `max_total`. Default `max_total`. A preset's
    /// value above `max_total` is lowered to it.
    pub max_idle: Option<Value>,
    /// Connections older than this are closed instead of reused: a duration
    /// > 0 or `"none"`. Default `"none"`.
    pub max_lifetime: Option<Value>,
    /// Connections idle longer than this are closed when a checkout or the
    /// evictor sees them: a duration > 0 or `"none"`. Default `"none"`.
    pub idle_timeout: Option<Value>,
    /// What a checkout checks on an idle connection: `"none"` or `"peek"` (a
    /// non-blocking read that notices a close or reset). Default `"none"`.
    pub checkout_check: Option<Value>,
    /// PING every connection before handing it out: `true` or `false`.
    /// Default `false` (commons-pool2 `testOnBorrow`).
    pub test_on_borrow: Option<Value>,
    /// The evictor PINGs the idle connections it does not evict: `true` or
    /// `false`. Default `false` (commons-pool2 `testWhileIdle`).
    pub test_while_idle: Option<Value>,
    /// How often the evictor runs: a duration > 0 or `"none"` (no evictor).
    /// Default `"none"` (commons-pool2 `timeBetweenEvictionRuns = -1`).
    pub eviction_interval: Option<Value>,
    /// The evictor closes connections idle longer than this: a duration > 0
    /// or `"none"`. Default `"30m"` (commons-pool2 `minEvictableIdleTime`).
    pub min_evictable_idle: Option<Value>,
    /// Idle connections the evictor examines per run: a whole number other
    /// than 0, from -1000000 to 1000000; a negative `n` means
    /// `ceil(idle / |n|)`. Default `3` (commons-pool2 `numTestsPerEvictionRun`).
    pub tests_per_eviction_run: Option<Value>,
    /// A connection whose command failed goes back to the pool instead of
    /// being closed, and fails again when next used (bb8 with bb8-redis,
    /// whose broken-connection check always answers "not broken"): a boolean.
    /// Default `false`.
    pub keep_failed: Option<Value>,
}

/// `[network]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    /// Round trip between a pod and Redis: a latency (a duration, or a table
    /// with `dist`). Default `{ dist = "exponential", mean = "1ms" }`.
    pub rtt: Option<Value>,
    /// A middlebox on the path (load balancer, NAT, firewall) forgets
    /// connections idle this long: a duration > 0 or `"none"` (no
    /// middlebox). Default `"none"`.
    pub idle_timeout: Option<Value>,
    /// What the middlebox does with the next packet of a connection it
    /// forgot: `"reset"` (fails in about one round trip) or `"drop"` (waits
    /// out the socket timeout). Default `"drop"`.
    pub on_idle: Option<Value>,
    /// The client sockets' `TCP_USER_TIMEOUT`: unacknowledged data older
    /// than this kills the connection: a duration > 0 or `"none"` (the
    /// `tcp_retries2` limit applies). Default `"none"`.
    pub tcp_user_timeout: Option<Value>,
    /// The clients' `net.ipv4.tcp_retries2`: a whole number, 1 to 30.
    /// Default `15` (Linux).
    pub tcp_retries2: Option<Value>,
}

/// `[redis]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRedis {
    /// Single-threaded event loops, keys spread evenly: a whole number, 1 to
    /// 1024. Default `1`.
    pub shards: Option<Value>,
    /// Time a command occupies its shard's event loop: a latency. Default
    /// `"0us"`.
    pub service_time: Option<Value>,
    /// Fraction of Redis reads that find the key: a number from 0 to 1.
    /// Default `1.0`.
    pub hit_ratio: Option<Value>,
    /// Connections accepted at once over all shards: a whole number, 1 to
    /// 10000000. Default `10000` (redis.conf `maxclients`).
    pub maxclients: Option<Value>,
    /// The server closes clients idle this long: a duration, with `"0s"`, `0`
    /// or `"none"` meaning never. Default `"none"` (redis.conf `timeout 0`).
    pub timeout: Option<Value>,
    /// Server TCP keepalive interval: a duration, with `"0s"`, `0` or
    /// `"none"` meaning off. Default `"300s"` (redis.conf `tcp-keepalive 300`).
    pub tcp_keepalive: Option<Value>,
    /// Event-loop time to accept a connection and run its handshake
    /// commands: a latency. Default `"20us"`.
    pub accept_cost: Option<Value>,
    /// Event-loop time of every command and PING besides its own time (reading,
    /// parsing, writing the reply; `INFO commandstats` leaves it out): a
    /// latency. Default `"0s"`.
    pub command_overhead: Option<Value>,
    /// A PING's own event-loop time: a latency, or `"service_time"` for the
    /// same as a command's. Default `"service_time"`.
    pub ping_time: Option<Value>,
    /// How clients reach the shards: `"proxy"` (each command to a random
    /// shard, one pool per pod) or `"cluster"` (Redis Cluster: the key's slot
    /// picks the node, one pool per node per pod). Default `"proxy"`.
    pub mode: Option<Value>,
    /// How a command's event-loop time grows with the connections open on
    /// its shard: the number of open connections at which it doubles, or
    /// `"none"`. Default `"none"`.
    pub connection_scaling: Option<Value>,
    /// The command mix: an array of [`RawCommand`] tables whose shares add
    /// up to 1, at most 1000 of them. Default `[]`: every command takes
    /// `service_time`.
    pub commands: Option<Value>,
    /// Bytes of one value in a reply (a command's reply carries `keys`
    /// values): a size (`"512B"`, `"4KB"`, `"1MiB"`; units B, KB, MB, GB,
    /// TB, KiB, MiB, GiB), or `{ dist = "exponential", mean = SIZE }` or
    /// `{ dist = "lognormal", median = SIZE, p99 = SIZE }`. Default `"0B"`.
    pub value_size: Option<Value>,
    /// Each shard's outbound network bandwidth: a rate (`"1Gbit"`,
    /// `"10Gbit"`, `"125MB/s"`), or `"none"` for unlimited. Replies queue
    /// for it in order; a miss's reply (a nil) skips it. Default `"none"`;
    /// needs a `value_size` above 0.
    pub bandwidth: Option<Value>,
    /// Periodic fork stalls of BGSAVE or AOF rewrites: a table `{ every =
    /// DURATION, stall_per_gb = DURATION, dataset = SIZE }` (each shard
    /// forks every `every`; its event loop is blocked `stall_per_gb` per GB
    /// of `dataset`, which must be shorter than `every`), or `"none"`.
    /// Default `"none"`.
    pub persistence: Option<Value>,
    /// Replies of one event-loop pass written together at its end, as
    /// Redis does (`beforeSleep`): a pass takes the commands that arrived
    /// before it began, and each reply leaves when the pass ends, not when
    /// its own command is done: `true` or `false`. Default `false`; pooled
    /// clients only.
    pub reply_batching: Option<Value>,
    /// Replicas of each shard, 0 to 15, each its own single-threaded event
    /// loop: every write (the SET after a miss) also costs each replica its
    /// loop time (the replication stream). Cluster mode only. Default `0`.
    pub replicas: Option<Value>,
    /// Where reads go: `"primary"` (the shard's master), `"replica"` (one
    /// of its replicas, drawn uniformly per read, as go-redis's `ReadOnly`;
    /// Lettuce's `ReadFrom.REPLICA` also reads from replicas only) or
    /// `"any"` (the primary or a replica, uniformly, as go-redis's
    /// `RouteRandomly`). The client keeps a pool per replica too. Writes go
    /// to the primary. `"replica"` and `"any"` need `replicas` of 1 or
    /// more. Default `"primary"`.
    pub read_from: Option<Value>,
}

/// One `[[redis.commands]]` entry, e.g. `{ name = "GET", share = 0.8,
/// service_time = "2us" }`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCommand {
    /// The command's name: a string of 1 to 64 characters, each a letter, a
    /// digit, `_`, `-`, `.` or `:` (`"GET"`, `"MGET"`, `"EVAL"`, or a name of
    /// your own), not used twice in the mix. Required.
    pub name: Option<Value>,
    /// The fraction of commands that are this one: a number > 0, at most 1.
    /// Required.
    pub share: Option<Value>,
    /// Its own event-loop time per key: a latency. Default
    /// `redis.service_time`.
    pub service_time: Option<Value>,
    /// Keys it touches (`MGET` with 10 keys: `keys = 10`), its time being
    /// `keys` times one draw of `service_time`: a whole number, 1 to
    /// 1000000. Default `1`.
    pub keys: Option<Value>,
}

/// `[l1]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawL1 {
    /// Fraction of reads answered by the in-process cache: a number from 0
    /// to 1. Default `0.0`.
    pub hit_ratio: Option<Value>,
    /// Time of one lookup, hit or miss: a latency. Default `"1.5us"`.
    pub lookup_time: Option<Value>,
    /// A per-pod cache that measures its hit ratio instead of a fixed
    /// `hit_ratio` (the two are exclusive): `"lru"` or `"w-tinylfu"`. No
    /// default; needs `workload.keys`.
    pub policy: Option<Value>,
    /// Entries each pod's cache holds: a whole number >= 1. Required with
    /// `policy`.
    pub capacity: Option<Value>,
    /// How long an entry is served after it is filled: a duration, or
    /// `"none"` (until evicted). Default `"none"`. Checked when read.
    pub ttl: Option<Value>,
    /// Spreads expiries: each fill lives `ttl x (1 - ttl_jitter x u)`, `u`
    /// uniform in [0, 1). A ratio from 0 to 1. Default `0`; needs `ttl`.
    pub ttl_jitter: Option<Value>,
    /// Concurrent misses of one key in one pod wait for a single load
    /// (request coalescing) instead of each going to Redis. Default `false`.
    pub coalesce: Option<Value>,
    /// Start every pod's cache holding the `capacity` most popular keys
    /// (a warm cache) instead of empty (a deploy). Default `false`.
    pub prewarm: Option<Value>,
    /// Writes per second over the fleet, each to a key drawn from
    /// `workload.key_popularity`, that remove the key from every pod's cache
    /// (an invalidation): a number >= 0. Default `0`; needs `policy`.
    pub invalidation_rate: Option<Value>,
}

/// `[database]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDatabase {
    /// Time the database takes to answer a read that missed Redis: a latency.
    /// Default `{ dist = "lognormal", median = "2ms", p99 = "20ms" }`.
    pub latency: Option<Value>,
    /// Queries served at once (the database's connection pool or worker
    /// limit): a whole number, 1 to 1,000,000, or `"unlimited"`. Default
    /// `"unlimited"`.
    pub concurrency: Option<Value>,
    /// Longest wait in the database's queue before the query fails: a
    /// duration or `"none"`. Default `"none"`; needs a `concurrency`.
    pub queue_timeout: Option<Value>,
}

/// `[client]`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawClient {
    /// Keep the connection while the database answers a Redis miss, then SET
    /// on it: `true` or `false`. Default `true`.
    pub hold_during_fallback: Option<Value>,
    /// Round trips to open a connection (TCP, AUTH/HELLO), before TLS: a
    /// whole number, 1 to 10. Default `2`.
    pub connect_round_trips: Option<Value>,
    /// TLS adds one round trip to every connect: `true` or `false`. Default
    /// `false`.
    pub tls: Option<Value>,
    /// Longest time to open a connection: a duration > 0 or `"none"`.
    /// Default `"2s"` (Jedis).
    pub connect_timeout: Option<Value>,
    /// Longest wait for a reply; the connection is closed after a timeout: a
    /// duration > 0 or `"none"`. Default `"2s"` (Jedis).
    pub socket_timeout: Option<Value>,
    /// Client TCP keepalive idle time: a duration > 0 or `"none"` (off).
    /// Default `"none"`.
    pub tcp_keepalive: Option<Value>,
    /// Retries of a failed read: a whole number, 0 to 100. Default `0`.
    pub retries: Option<Value>,
    /// Sleep before each retry: a [`RawBackoff`] table. Default
    /// `{ base = "10ms", cap = "1s", jitter = "full" }`.
    pub backoff: Option<Value>,
    /// Which errors are retried: an array of cause names (`"pool_timeout"`,
    /// `"pool_exhausted"`, `"stale_connection"`, `"socket_timeout"`,
    /// `"max_clients"`, `"connect_timeout"`), no repeats. Default
    /// `["stale_connection", "socket_timeout", "max_clients", "connect_timeout"]`.
    pub retry_on: Option<Value>,
    /// At most this fraction of requests may be retries: a number from 0 to
    /// 1, or `"none"` (no budget). Default `"none"`.
    pub retry_budget: Option<Value>,
    /// Granularity of the client's timers (acquire, socket and connect
    /// timeouts): a deadline fires at the first multiple of it at or after
    /// the exact deadline; a duration up to `"1s"`, `"0s"` for exact timers.
    /// Default `"0s"`.
    pub timer_resolution: Option<Value>,
    /// How requests reach Redis: `"pooled"` (each command checks out a
    /// connection) or `"multiplexed"` (commands share a few pipelined
    /// connections per pod). Default `"pooled"`.
    pub transport: Option<Value>,
    /// Shared connections per pod, multiplexed only: a whole number, 1 to
    /// 1000. Default `1`.
    pub connections: Option<Value>,
    /// Most commands queued on one shared connection (multiplexed only); more
    /// are rejected at once (`errors.pool_exhausted`): a whole number, 1 to
    /// 10000000, or `"none"` (unbounded). Default `"none"`.
    pub max_queued: Option<Value>,
    /// The client's own time from a request's arrival (or a retry) to its
    /// checkout reaching the pool: the runtime running the request's task (a
    /// spawn, a wake-up), the pool's bookkeeping. A latency, counted in the
    /// acquire wait and the latency, not in the hold; the acquire timeout
    /// starts after it. Pooled clients only. Default `"0s"`.
    pub checkout_delay: Option<Value>,
}

/// One `[[faults]]` entry: something that breaks a shard during the run.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFault {
    /// When, from the end of the warm-up: a duration. Required.
    pub at: Option<Value>,
    /// `"blackhole"` (the shard's existing connections go silent, no reset;
    /// new connections reach a promoted replica), `"restart"` (its
    /// connections are reset), `"slow"` (its service time is multiplied
    /// for `duration`), `"rolling_restart"` (the pods restart, `pods` at a
    /// time, `interval` apart: each comes back with an empty L1 and its
    /// idle connections closed) or `"reshard"` (cluster mode: `slots` slots
    /// move from the node `shard` to the node `to` over `duration`, with
    /// ASK and MOVED redirects). Required.
    pub kind: Option<Value>,
    /// The shard: a whole number below `redis.shards`. Default `0`.
    pub shard: Option<Value>,
    /// How long a `"slow"` fault lasts, or a `"reshard"`'s migration takes:
    /// a duration. Required for `"slow"` and `"reshard"` only.
    pub duration: Option<Value>,
    /// The multiplier of the service time of a `"slow"` fault: a number > 0,
    /// at most 1000000. Required for `"slow"` only.
    pub factor: Option<Value>,
    /// Pods restarted at a time by a `"rolling_restart"`: a whole number
    /// from 1 to `pods.count`. Default `1`.
    pub pods: Option<Value>,
    /// Time between two batches of a `"rolling_restart"`: a duration.
    /// Required for `"rolling_restart"` only.
    pub interval: Option<Value>,
    /// The node a `"reshard"` moves slots to: a whole number below
    /// `redis.shards`, not `shard`. Required for `"reshard"` only.
    pub to: Option<Value>,
    /// How many slots a `"reshard"` moves: a whole number from 1 to the
    /// slots the source node owns when it starts. Required for `"reshard"`
    /// only.
    pub slots: Option<Value>,
}

/// `client.backoff`: before retry `k` sleep `min(cap, base 2^(k-1))`, jittered.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBackoff {
    /// First sleep: a duration. Default `"10ms"`.
    pub base: Option<Value>,
    /// Longest sleep: a duration, at least `base`. Default `"1s"`.
    pub cap: Option<Value>,
    /// `"full"` (uniform in `[0, sleep]`), `"equal"` (half plus uniform in
    /// the other half) or `"none"`. Default `"full"`.
    pub jitter: Option<Value>,
}

/// Top-level tables that belong to other parts of capsim: accepted and
/// ignored by the scenario parser.
pub const FOREIGN_TABLES: [&str; 3] = ["sweep", "slo", "forecast"];

/// The valid keys of a top-level table, or `None` for an unknown table (and
/// for the foreign tables, whose keys are not checked here).
pub fn table_keys(table: &str) -> Option<&'static [&'static str]> {
    Some(match table {
        "simulation" => field_names::<RawSimulation>(),
        "workload" => field_names::<RawWorkload>(),
        "pods" => field_names::<RawPods>(),
        "pool" => field_names::<RawPool>(),
        "network" => field_names::<RawNetwork>(),
        "redis" => field_names::<RawRedis>(),
        "l1" => field_names::<RawL1>(),
        "database" => field_names::<RawDatabase>(),
        "client" => field_names::<RawClient>(),
        _ => return None,
    })
}

/// The names of all top-level tables, model tables first.
pub fn table_names() -> &'static [&'static str] {
    field_names::<RawScenario>()
}

/// The keys of a `workload.profile` entry.
pub fn profile_keys() -> &'static [&'static str] {
    field_names::<RawProfilePoint>()
}

/// The keys of a `[[faults]]` entry.
pub fn fault_keys() -> &'static [&'static str] {
    field_names::<RawFault>()
}

/// The keys of a `[[redis.commands]]` entry.
pub fn command_keys() -> &'static [&'static str] {
    field_names::<RawCommand>()
}

/// The keys of the `client.backoff` table.
pub fn backoff_keys() -> &'static [&'static str] {
    field_names::<RawBackoff>()
}

/// The field names serde derived for a struct, in declaration order: the one
/// list of valid keys, so messages cannot drift from the structs.
fn field_names<'de, T: Deserialize<'de>>() -> &'static [&'static str] {
    match T::deserialize(FieldProbe) {
        Err(Fields(f)) => f,
        Ok(_) => &[],
    }
}

/// A deserializer that only records the field list of the struct asked for.
struct FieldProbe;

/// The "error" a [`FieldProbe`] returns: the fields it saw.
#[derive(Debug)]
struct Fields(&'static [&'static str]);

impl std::fmt::Display for Fields {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "fields {:?}", self.0)
    }
}
impl std::error::Error for Fields {}
impl de::Error for Fields {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        Fields(&[])
    }
}

impl<'de> Deserializer<'de> for FieldProbe {
    type Error = Fields;
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Fields> {
        Err(Fields(&[]))
    }
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Fields> {
        Err(Fields(fields))
    }
    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_lists_come_from_the_structs() {
        assert_eq!(
            &table_keys("pool").unwrap()[..5],
            [
                "preset",
                "max_total",
                "when_exhausted",
                "acquire_timeout",
                "order"
            ]
        );
        assert_eq!(backoff_keys(), ["base", "cap", "jitter"]);
        assert_eq!(profile_keys(), ["at", "scale", "ramp"]);
        assert!(table_names().contains(&"sweep"));
        assert!(table_keys("sweep").is_none());
    }

    #[test]
    fn raw_structs_reject_unknown_keys() {
        let doc: toml::Table = toml::from_str("[pool]\nmax_totl = 3\n").unwrap();
        let err = toml::Value::Table(doc)
            .try_into::<RawScenario>()
            .unwrap_err();
        assert!(err.message().contains("unknown field `max_totl`"), "{err}");
    }
}
