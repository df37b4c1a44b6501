//! The keys of `[pool]`, `[client]` and `client.backoff`.

use super::Kind::*;
use super::Missing::*;
use super::Range::*;
use super::{KeySpec, Zero};
use crate::scenario::resolve::{float, latency, opt, q, word};
use crate::scenario::{CheckoutCheck, Jitter, Order, Transport, WhenExhausted};

/// `[pool]`.
pub(super) const POOL: &[KeySpec] = &[
    KeySpec::new(
        "preset",
        Other("`\"none\"` or a preset name (below)"),
        Value("\"none\""),
        "A client library whose defaults fill every `[pool]` and `[client]` key not \
         written.",
    )
    .show(|_| word("none")),
    KeySpec::new(
        "max_total",
        Whole(1, 1_000_000),
        Value("8"),
        "Most connections open at once per pod (`maxTotal`, `max_connections`, \
         `PoolSize`, `max_size`).",
    )
    .show(|s| s.pool.max_total.to_string()),
    KeySpec::new(
        "when_exhausted",
        Choice(&["block", "fail"]),
        Value("\"block\""),
        "With every connection in use: wait up to `acquire_timeout` (`\"block\"`), or \
         fail at once (`\"fail\"`, `errors.pool_exhausted`: a loss system).",
    )
    .show(|s| {
        word(match s.pool.when_exhausted {
            WhenExhausted::Block => "block",
            WhenExhausted::Fail => "fail",
        })
    }),
    KeySpec::new(
        "acquire_timeout",
        OptDuration(Zero::Allowed { example: "5ms" }),
        Value("\"none\""),
        "Longest wait for a connection (`errors.pool_timeout`); `\"none\"` waits \
         forever (`maxWait = -1`). `\"0s\"` is allowed. Refused together with \
         `when_exhausted = \"fail\"`, except that a preset's value is dropped when the \
         file sets `\"fail\"`.",
    )
    .show(|s| opt(s.pool.acquire_timeout)),
    KeySpec::new(
        "order",
        Choice(&["lifo", "fifo"]),
        Value("\"lifo\""),
        "Which idle connection a checkout takes: the most recently returned (LIFO) or \
         the least (FIFO).",
    )
    .show(|s| {
        word(match s.pool.order {
            Order::Lifo => "lifo",
            Order::Fifo => "fifo",
        })
    }),
    KeySpec::new(
        "min_idle",
        Whole(0, 1_000_000),
        Value("0"),
        "Idle connections kept open in the background (`minIdle`).",
    )
    .ty("whole number, 0 to `max_idle`")
    .show(|s| s.pool.life.min_idle.to_string()),
    KeySpec::new(
        "max_idle",
        Whole(0, 1_000_000),
        Computed("`8` (follows `max_total`)"),
        "A returned connection is closed when this many are already idle (`maxIdle`). \
         The default is `max_total`. A preset's value above the file's `max_total` is \
         lowered to it; below it, it stays (JedisPoolConfig with `maxTotal = 50` keeps \
         `maxIdle = 8` and churns connections).",
    )
    .ty("whole number, 0 to `max_total`")
    .show(|s| s.pool.life.max_idle.to_string()),
    KeySpec::new(
        "max_lifetime",
        OptDuration(Zero::Refused),
        Value("\"none\""),
        "Connections older than this are closed instead of reused.",
    )
    .show(|s| opt(s.pool.life.max_lifetime)),
    KeySpec::new(
        "idle_timeout",
        OptDuration(Zero::Refused),
        Value("\"none\""),
        "Connections idle longer than this are closed when a checkout or the evictor \
         sees them (go-redis `ConnMaxIdleTime`, r2d2/bb8 `idle_timeout`).",
    )
    .show(|s| opt(s.pool.life.idle_timeout)),
    KeySpec::new(
        "checkout_check",
        Choice(&["none", "peek"]),
        Value("\"none\""),
        "`\"peek\"`: a non-blocking read at checkout notices a close (FIN) or reset \
         (RST) already received and replaces the connection silently (go-redis, \
         redis-py); it does not notice a silent drop.",
    )
    .show(|s| {
        word(match s.pool.life.checkout_check {
            CheckoutCheck::None => "none",
            CheckoutCheck::Peek => "peek",
        })
    }),
    KeySpec::new(
        "test_on_borrow",
        Bool,
        Value("false"),
        "PING every connection before handing it out (`testOnBorrow`, r2d2/bb8 test on \
         check-out, deadpool recycle).",
    )
    .show(|s| s.pool.life.test_on_borrow.to_string()),
    KeySpec::new(
        "test_while_idle",
        Bool,
        Value("false"),
        "The evictor PINGs the idle connections it does not evict (`testWhileIdle`).",
    )
    .show(|s| s.pool.life.test_while_idle.to_string()),
    KeySpec::new(
        "eviction_interval",
        OptDuration(Zero::Refused),
        Value("\"none\""),
        "How often the evictor runs (`timeBetweenEvictionRuns`); `\"none\"`: no \
         evictor.",
    )
    .show(|s| opt(s.pool.life.eviction_interval)),
    KeySpec::new(
        "min_evictable_idle",
        OptDuration(Zero::Refused),
        Value("\"30m\""),
        "The evictor closes connections idle longer than this (`minEvictableIdleTime`).",
    )
    .show(|s| opt(s.pool.life.min_evictable_idle)),
    KeySpec::new(
        "tests_per_eviction_run",
        Whole(-1_000_000, 1_000_000),
        Value("3"),
        "Idle connections the evictor examines per run, oldest first; a negative `n` \
         means `ceil(idle / abs(n))`, so `-1` is all of them \
         (`numTestsPerEvictionRun`).",
    )
    .ty("whole number other than 0, -1000000 to 1000000")
    .show(|s| s.pool.life.tests_per_eviction_run.to_string()),
    KeySpec::new(
        "keep_failed",
        Bool,
        Value("false"),
        "A connection whose command failed (EOF, reset, socket timeout) goes back to \
         the pool as it is instead of being closed, and fails again when next used \
         unless a test on borrow replaces it. bb8-redis's `has_broken()` always answers \
         \"not broken\" (bb8 `redis/src/lib.rs`); deadpool returns every object and \
         leaves it to the recycle PING (deadpool `redis/src/lib.rs`).",
    )
    .show(|s| s.pool.life.keep_failed.to_string()),
];

/// `[client]`.
pub(super) const CLIENT: &[KeySpec] = &[
    KeySpec::new(
        "hold_during_fallback",
        Bool,
        Value("true"),
        "Keep the connection while the database answers a Redis miss, then SET on it \
         (`true`); or release it and check one out again for the SET (`false`).",
    )
    .show(|s| s.client.hold_during_fallback.to_string()),
    KeySpec::new(
        "connect_round_trips",
        Whole(1, 10),
        Value("2"),
        "Round trips to open a connection (TCP, AUTH/HELLO), before TLS.",
    )
    .show(|s| s.client.connect_round_trips.to_string()),
    KeySpec::new(
        "tls",
        Bool,
        Value("false"),
        "TLS adds one round trip (TLS 1.3) to every connect.",
    )
    .show(|s| s.client.tls.to_string()),
    KeySpec::new(
        "connect_timeout",
        OptDuration(Zero::Refused),
        Value("\"2s\""),
        "Longest time to open a connection (`errors.connect_timeout`). The default is \
         Jedis's 2000 ms.",
    )
    .show(|s| opt(s.client.connect_timeout)),
    KeySpec::new(
        "socket_timeout",
        OptDuration(Zero::Refused),
        Value("\"2s\""),
        "Longest wait for a reply (`errors.socket_timeout`); a pooled connection is \
         then closed, a shared one stays open. The default is Jedis's 2000 ms. A \
         connection whose peer vanished fails its command after this or after the \
         kernel gives up (`network.tcp_user_timeout`, `network.tcp_retries2`), \
         whichever comes first.",
    )
    .show(|s| opt(s.client.socket_timeout)),
    KeySpec::new(
        "tcp_keepalive",
        OptDuration(Zero::Refused),
        Value("\"none\""),
        "Client TCP keepalive idle time; `\"none\"`: off. An idle shared connection \
         whose peer vanished is declared dead after this plus Linux's 9 probes 75 s \
         apart.",
    )
    .show(|s| opt(s.client.tcp_keepalive)),
    KeySpec::new(
        "retries",
        Whole(0, 100),
        Value("0"),
        "Retries of a failed read.",
    )
    .show(|s| s.client.retries.to_string()),
    KeySpec::new(
        "backoff",
        Other("table `{ base, cap, jitter }`"),
        Value("{ base = \"10ms\", cap = \"1s\", jitter = \"full\" }"),
        "Before retry `k` sleep `min(cap, base x 2^(k-1))`, jittered: `\"full\"` \
         uniform in `[0, sleep]`, `\"equal\"` half plus uniform in the other half, \
         `\"none\"`. `base` and `cap` are durations, `cap >= base`. Fields not written \
         keep the preset's or the default.",
    )
    .show(|s| {
        format!(
            "{{ base = {}, cap = {}, jitter = {} }}",
            q(s.client.backoff.base),
            q(s.client.backoff.cap),
            word(match s.client.backoff.jitter {
                Jitter::Full => "full",
                Jitter::Equal => "equal",
                Jitter::None => "none",
            })
        )
    }),
    KeySpec::new(
        "retry_on",
        Other("array of error names, no repeats"),
        Value("[\"stale_connection\", \"socket_timeout\", \"max_clients\", \"connect_timeout\"]"),
        "Which errors are retried: `\"pool_timeout\"`, `\"pool_exhausted\"`, \
         `\"stale_connection\"`, `\"socket_timeout\"`, `\"max_clients\"`, \
         `\"connect_timeout\"`.",
    )
    .show(|s| {
        let names: Vec<String> = s.client.retry_on.iter().map(|e| word(e.name())).collect();
        format!("[{}]", names.join(", "))
    }),
    KeySpec::new(
        "retry_budget",
        Number(Ratio),
        Value("\"none\""),
        "At most this fraction of requests may be retries; `\"none\"`: no budget.",
    )
    .ty("ratio or `\"none\"`")
    .show(|s| s.client.retry_budget.map_or_else(|| word("none"), float)),
    KeySpec::new(
        "timer_resolution",
        Duration,
        Value("\"0s\""),
        "Granularity of the client's timers: an acquire, socket or connect timeout \
         fires at the first multiple of it at or after its deadline (tokio's timer \
         wheel: `\"1ms\"`, so a 2.5 ms acquire timeout fires after 2.5 to 3.5 ms). \
         `\"0s\"`: exact.",
    )
    .ty("duration, `\"0s\"` to `\"1s\"`")
    .show(|s| q(s.client.timer_resolution)),
    KeySpec::new(
        "transport",
        Choice(&["pooled", "multiplexed"]),
        Value("\"pooled\""),
        "How requests reach Redis. `\"pooled\"`: each command checks out a connection \
         of its own (Jedis, redis-py, go-redis, r2d2, bb8, deadpool). \
         `\"multiplexed\"`: every command of a pod is written at once on one of \
         `connections` shared connections, and each connection answers in the order it \
         was written, so a slow reply delays every reply behind it (Lettuce, \
         StackExchange.Redis, ioredis). The `[pool]` table is not used by a multiplexed \
         client; `socket_timeout` is then the per-command timeout, and a timed-out \
         command leaves its connection open.",
    )
    .show(|s| {
        word(match s.client.transport {
            Transport::Pooled => "pooled",
            Transport::Multiplexed => "multiplexed",
        })
    }),
    KeySpec::new(
        "connections",
        Whole(1, 1000),
        Value("1"),
        "Shared connections per pod (multiplexed only; commands take them in turn).",
    )
    .show(|s| s.client.connections.to_string()),
    KeySpec::new(
        "max_queued",
        Whole(1, 10_000_000),
        Value("\"none\""),
        "Most commands queued on one shared connection, sent and not yet answered \
         (multiplexed only); a command over the bound is rejected at once \
         (`errors.pool_exhausted`), as Lettuce's `requestQueueSize` does. `\"none\"`: \
         unbounded.",
    )
    .ty("whole number, 1 to 10000000, or `\"none\"`")
    .show(|s| {
        s.client
            .max_queued
            .map_or_else(|| word("none"), |n| n.to_string())
    }),
    KeySpec::new(
        "checkout_delay",
        Latency,
        Value("\"0s\""),
        "The client's own time from a request's arrival (or a retry) to its checkout \
         reaching the pool: the runtime running the request's task (a spawn onto a busy \
         runtime, a wake-up of a parked worker), the pool's bookkeeping. Counted in \
         `pool.acquire_wait.*` (from the checkout's start, as the pool's caller sees \
         it) and the latency, not in the hold; the acquire timeout starts after it. On \
         tokio with one worker the validation harness measured 0.1 to 0.35 ms (see \
         \"Does capsim match my Redis?\"). Pooled clients only.",
    )
    .show(|s| latency(&s.client.checkout_delay))
    .omit_when(|s| s.client.checkout_delay.is_zero()),
];

/// `[client.backoff]`.
pub(super) const CLIENT_BACKOFF: &[KeySpec] = &[
    KeySpec::new(
        "base",
        Duration,
        Value("\"10ms\""),
        "First sleep: a duration. Default `\"10ms\"`.",
    ),
    KeySpec::new(
        "cap",
        Duration,
        Value("\"1s\""),
        "Longest sleep: a duration, at least `base`. Default `\"1s\"`.",
    ),
    KeySpec::new(
        "jitter",
        Choice(&["full", "equal", "none"]),
        Value("\"full\""),
        "`\"full\"` (uniform in `[0, sleep]`), `\"equal\"` (half plus uniform in the \
         other half) or `\"none\"`. Default `\"full\"`.",
    ),
];
