//! Scenarios: what to simulate.
//!
//! A scenario file is parsed in two steps (see `STYLE.md`, "parse, then
//! validate"): TOML deserializes into raw structs that reject unknown keys
//! ([`raw`]), which are then checked and converted into the [`Scenario`] below.
//! The engine trusts a `Scenario` without checking it again: every invariant
//! documented on a field holds.

pub mod raw;

use sim::dist::Latency;
use sim::time::SimTime;

/// A validated scenario. Build one with [`load`] or [`parse`].
#[derive(Clone, Debug, PartialEq)]
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
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// Requests per second over all pods before the profile's scaling (> 0).
    pub rate: f64,
    /// Cache reads per request, one after another (>= 1).
    pub reads_per_request: u32,
    /// Scaling of `rate` over time; empty means constant.
    pub profile: Vec<ProfilePoint>,
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
}

/// `[network]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Network {
    /// Round trip between a pod and Redis; a command leaves after half of it and
    /// the reply returns the other half after Redis has served it.
    pub rtt: Latency,
}

/// `[redis]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Redis {
    /// Single-threaded event loops, keys spread evenly (>= 1).
    pub shards: u32,
    /// Time a command occupies its shard's event loop.
    pub service_time: Latency,
    /// Fraction of Redis reads that find the key (0..=1).
    pub hit_ratio: f64,
}

/// `[l1]`.
#[derive(Clone, Debug, PartialEq)]
pub struct L1 {
    /// Fraction of reads answered by the in-process cache (0..=1).
    pub hit_ratio: f64,
    /// Time of one lookup, hit or miss.
    pub lookup_time: Latency,
}

/// `[database]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Database {
    /// Time the database takes to answer a read that missed Redis.
    pub latency: Latency,
}

/// `[client]`.
#[derive(Clone, Debug, PartialEq)]
pub struct Client {
    /// Keep the connection while the database answers a Redis miss, then SET on
    /// it (true), or release it and check one out again for the SET (false).
    pub hold_during_fallback: bool,
}

mod error;
mod parse;
mod units;
mod validate;

pub use error::ScenarioError;
pub use parse::{apply_override, from_table, load, parse};

#[cfg(test)]
mod tests;
