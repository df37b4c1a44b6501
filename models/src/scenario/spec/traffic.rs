//! The keys of `[simulation]`, `[workload]` (with its profile points),
//! `[pods]`, `[network]`, `[l1]` and `[database]`.

use super::Kind::*;
use super::Missing::*;
use super::Range::*;
use super::{KeySpec, Zero};
use crate::scenario::resolve::{float, keyed_text, latency, opt, profile, q, word};
use crate::scenario::{OnIdle, Policy, Popularity};

/// `[simulation]`.
pub(super) const SIMULATION: &[KeySpec] = &[
    KeySpec::new(
        "duration",
        PositiveDuration,
        Value("\"1m\""),
        "Measured window, after the warm-up.",
    )
    .show(|s| q(s.simulation.duration)),
    KeySpec::new(
        "warmup",
        Duration,
        Value("\"5s\""),
        "Simulated before measuring; its events are not counted.",
    )
    .show(|s| q(s.simulation.warmup)),
    KeySpec::new(
        "seed",
        Whole(0, u64::MAX as i128),
        Value("1"),
        "Seed of every random stream.",
    )
    .show(|s| s.simulation.seed.to_string()),
    KeySpec::new(
        "replications",
        Whole(1, 10_000),
        Value("1"),
        "Independent replications; confidence intervals need 2 or more.",
    )
    .show(|s| s.simulation.replications.to_string()),
    KeySpec::new(
        "bucket",
        PositiveDuration,
        Value("\"1s\""),
        "Width of time-series buckets for charts.",
    )
    .ty("duration > 0, at most `duration`, at most 2000 buckets")
    .show(|s| q(s.simulation.bucket)),
];

/// `[workload]`.
pub(super) const WORKLOAD: &[KeySpec] = &[
    KeySpec::new(
        "rate",
        Number(Positive),
        Required("required"),
        "Requests per second over all pods, before the profile's scaling. Not given \
         with `arrivals`, which replaces it.",
    )
    .show(|s| float(s.workload.rate))
    .omit_when(|s| s.workload.replay.is_some()),
    KeySpec::new(
        "reads_per_request",
        Whole(1, 1000),
        Value("1"),
        "Cache reads per request, one after another.",
    )
    .show(|s| s.workload.reads_per_request.to_string()),
    KeySpec::new(
        "profile",
        Other("array of `{ at, scale, ramp }`"),
        Value("[]"),
        "Scaling of `rate` over time: from `at` (a duration counted from the end of the \
         warm-up) the scale moves linearly to `scale` (a number >= 0) over `ramp` (a \
         duration, default `\"0s\"`, a step). Sorted by `at`, not overlapping, at most \
         10000 points. The scale starts at 1.",
    )
    .show(profile)
    .omit_when(|s| s.workload.replay.is_some()),
    KeySpec::new(
        "keys",
        Whole(1, 4_000_000_000),
        Absent,
        "The key universe: each read draws one of this many keys (ranks 1 to `keys`). \
         Needed by `l1.policy`; without it reads carry no key.",
    )
    .show(|s| {
        s.workload
            .keys
            .map_or_else(|| word("none"), |k| k.n().to_string())
    })
    .omit_when(|s| s.workload.keys.is_none()),
    KeySpec::new(
        "key_popularity",
        Other("`\"uniform\"` or `{ dist = \"zipf\", alpha }`"),
        Value("\"uniform\""),
        "How reads pick a key: uniformly, or rank `k` with probability proportional to \
         `k^-alpha` (alpha from 0 to 10). Needs `keys`.",
    )
    .show(|s| match s.workload.keys {
        Some(Popularity::Zipf(z)) => {
            format!("{{ dist = \"zipf\", alpha = {} }}", float(z.alpha()))
        }
        _ => word("uniform"),
    })
    .omit_when(|s| s.workload.keys.is_none()),
    KeySpec::new(
        "arrivals",
        Other("`{ file, unit, speed }`"),
        Absent,
        "Recorded arrival times replayed instead of Poisson arrivals (a traffic \
         capture). `file`: one time per line, a plain decimal number (epoch seconds or \
         any origin; `#` starts a comment), relative to the scenario file, at most 256 \
         MiB and 20,000,000 arrival times; `unit`: `\"ns\"`, `\"us\"`, `\"ms\"` or \
         `\"s\"` (default); `speed`: a number > 0, at most 1000000 (default 1.0), that \
         divides the times (1.5: the same traffic 1.5 times faster). The times are \
         sorted and shifted so the first falls at the end of the warm-up; the warm-up \
         runs Poisson arrivals at the capture's mean rate (arrivals over the capture's \
         span), which `capsim check` and the derived figures also use. After the last \
         recorded arrival none come. Each arrival's pod and everything after it are \
         drawn as usual. Exclusive with `rate` and `profile`.",
    )
    .show(|s| {
        s.workload
            .replay
            .as_ref()
            .map_or_else(|| "\"none\"".to_string(), |r| r.source.clone())
    })
    .omit_when(|s| s.workload.replay.is_none()),
];

/// `[workload.profile]`.
pub(super) const WORKLOAD_PROFILE: &[KeySpec] = &[
    KeySpec::new(
        "at",
        Duration,
        Required("required"),
        "When the change starts, counted from the end of the warm-up: a duration. \
         Required. Not before the previous point's `at + ramp`.",
    ),
    KeySpec::new(
        "scale",
        Number(NonNegative),
        Required("required"),
        "The multiplier of `rate` reached at `at + ramp`: a finite number >= 0. \
         Required.",
    ),
    KeySpec::new(
        "ramp",
        Duration,
        Value("\"0s\""),
        "How long the change takes: a duration. Default `\"0s\"` (a step).",
    ),
];

/// `[pods]`.
pub(super) const PODS: &[KeySpec] = &[KeySpec::new(
    "count",
    Whole(1, 10_000),
    Value("1"),
    "Application pods, each with its own pool; `rate` is split evenly over them.",
)
.show(|s| s.pods.count.to_string())];

/// `[network]`.
pub(super) const NETWORK: &[KeySpec] = &[
    KeySpec::new(
        "rtt",
        Latency,
        Value("{ dist = \"exponential\", mean = \"1ms\" }"),
        "Round trip between a pod and Redis: a command leaves after half of it, the \
         reply returns the other half after Redis has served it.",
    )
    .show(|s| latency(&s.network.rtt)),
    KeySpec::new(
        "idle_timeout",
        OptDuration(Zero::Refused),
        Value("\"none\""),
        "A middlebox on the path (load balancer, NAT, firewall) forgets connections \
         idle this long; `\"none\"`: no middlebox. AWS NLB, NAT gateway and Network \
         Firewall: `\"350s\"`; Azure Load Balancer: `\"4m\"`; GCP Cloud NAT: \
         `\"1200s\"`.",
    )
    .show(|s| opt(s.network.idle_timeout)),
    KeySpec::new(
        "on_idle",
        Choice(&["reset", "drop"]),
        Value("\"drop\""),
        "What the middlebox does with the next packet of a connection it forgot: \
         `\"reset\"` fails the command in about one round trip (AWS NAT gateway); \
         `\"drop\"` leaves it to wait out the socket timeout (AWS Network Firewall, \
         Azure Load Balancer).",
    )
    .show(|s| {
        word(match s.network.on_idle {
            OnIdle::Reset => "reset",
            OnIdle::Drop => "drop",
        })
    }),
    KeySpec::new(
        "tcp_user_timeout",
        OptDuration(Zero::Refused),
        Value("\"none\""),
        "The client sockets' `TCP_USER_TIMEOUT`: a connection whose written data stays \
         unacknowledged this long is dead (Linux `tcp(7)`). `\"none\"`: the \
         `tcp_retries2` limit applies.",
    )
    .show(|s| opt(s.network.tcp_user_timeout)),
    KeySpec::new(
        "tcp_retries2",
        Whole(1, 30),
        Value("15"),
        "The clients' `net.ipv4.tcp_retries2`: unacknowledged data is retransmitted \
         with a timeout starting at 200 ms and doubling up to 120 s, and the connection \
         dies when the data is older than `tcp_retries2` such timeouts from 200 ms \
         would take: 924.6 s for 15, 12.6 s for 5 (Linux `ip-sysctl.rst`, \
         `tcp_timer.c`).",
    )
    .show(|s| s.network.tcp_retries2.to_string()),
];

/// `[l1]`.
pub(super) const L1: &[KeySpec] = &[
    KeySpec::new(
        "hit_ratio",
        Number(Ratio),
        Value("0.0"),
        "Fraction of reads answered by the in-process cache, without a connection.",
    )
    .show(|s| float(s.l1.hit_ratio))
    .omit_when(|s| s.l1.cache.is_some()),
    KeySpec::new(
        "lookup_time",
        Latency,
        Value("\"1.5us\""),
        "Time of one L1 lookup, hit or miss.",
    )
    .show(|s| latency(&s.l1.lookup_time)),
    KeySpec::new(
        "policy",
        Choice(&Policy::NAMES),
        Absent,
        "A cache per pod that measures its hit ratio, with this eviction policy, \
         instead of the fixed `hit_ratio` (the two are exclusive). Needs \
         `workload.keys`.",
    )
    .show(|s| keyed_text(s.l1.cache.as_ref(), "policy"))
    .omit_when(|s| s.l1.cache.is_none()),
    KeySpec::new(
        "capacity",
        Whole(1, u32::MAX as i128),
        Absent,
        "Entries each pod's cache holds. Required with `policy`.",
    )
    .ty("whole number >= 1")
    .show(|s| keyed_text(s.l1.cache.as_ref(), "capacity"))
    .omit_when(|s| s.l1.cache.is_none()),
    KeySpec::new(
        "ttl",
        OptDuration(Zero::Refused),
        Value("\"none\""),
        "How long an entry is served after its fill; expiry is checked when the entry \
         is read. `\"none\"`: until evicted.",
    )
    .show(|s| keyed_text(s.l1.cache.as_ref(), "ttl"))
    .omit_when(|s| s.l1.cache.is_none()),
    KeySpec::new(
        "ttl_jitter",
        Number(Ratio),
        Value("0.0"),
        "Each fill lives `ttl x (1 - ttl_jitter x u)`, `u` uniform in [0, 1), so \
         entries filled together do not expire together. Needs `ttl`.",
    )
    .show(|s| keyed_text(s.l1.cache.as_ref(), "ttl_jitter"))
    .omit_when(|s| s.l1.cache.as_ref().is_none_or(|c| c.ttl.is_none())),
    KeySpec::new(
        "coalesce",
        Bool,
        Value("false"),
        "Concurrent misses of one key in one pod wait for a single load (request \
         coalescing) instead of each reading Redis and the database.",
    )
    .show(|s| keyed_text(s.l1.cache.as_ref(), "coalesce"))
    .omit_when(|s| s.l1.cache.is_none()),
    KeySpec::new(
        "prewarm",
        Bool,
        Value("false"),
        "Start each pod's cache holding the `capacity` most popular keys (a warm cache, \
         each entry's remaining TTL drawn uniformly) instead of empty (a deploy).",
    )
    .show(|s| keyed_text(s.l1.cache.as_ref(), "prewarm"))
    .omit_when(|s| s.l1.cache.is_none()),
    KeySpec::new(
        "invalidation_rate",
        Number(NonNegative),
        Value("0.0"),
        "Writes per second over the fleet that each invalidate one key, drawn from \
         `workload.key_popularity` (writes follow reads), in every pod's cache, as a \
         cache-invalidation message (pub/sub, Redis client-side caching) does. A key \
         that a pod reads at rate r and the fleet writes at rate w stays cached for a \
         share r / (r + w) of its reads. A load already in flight for the key still \
         fills it with the old value (the race real caches have). Needs `policy`; \
         `l1.invalidations` counts the entries removed.",
    )
    .show(|s| float(s.l1.invalidation_rate))
    .omit_when(|s| s.l1.invalidation_rate == 0.0),
];

/// `[database]`.
pub(super) const DATABASE: &[KeySpec] = &[
    KeySpec::new(
        "latency",
        Latency,
        Value("{ dist = \"lognormal\", median = \"2ms\", p99 = \"20ms\" }"),
        "Time the database takes to answer a read that missed Redis (with a \
         `concurrency`: once a worker takes it).",
    )
    .show(|s| latency(&s.database.latency)),
    KeySpec::new(
        "concurrency",
        Whole(1, 1_000_000),
        Value("\"unlimited\""),
        "Queries the database serves at once: its own connection pool or worker limit \
         (a Postgres `max_connections` or PgBouncer pool, a HikariCP `maximumPoolSize` \
         in front of it). A query that finds every worker busy waits in one FIFO queue; \
         the time of a query is drawn when a worker takes it. `\"unlimited\"` serves \
         every query on arrival, and the run reports none of the `database.*` queue \
         metrics.",
    )
    .ty("whole number, 1 to 1,000,000, or `\"unlimited\"`")
    .show(|s| {
        s.database
            .concurrency
            .map_or_else(|| word("unlimited"), |n| n.to_string())
    })
    .omit_when(|s| s.database.concurrency.is_none()),
    KeySpec::new(
        "queue_timeout",
        OptDuration(Zero::Allowed { example: "50ms" }),
        Value("\"none\""),
        "Longest wait in the database's queue: a query that waits this long fails its \
         request with `database_timeout` (not retried: the client's retries are for \
         Redis errors), and the Redis connection held during the fallback goes back to \
         the pool. `\"0s\"` fails a query at once when every worker is busy. Needs a \
         `concurrency`.",
    )
    .show(|s| opt(s.database.queue_timeout))
    .omit_when(|s| s.database.concurrency.is_none()),
];
