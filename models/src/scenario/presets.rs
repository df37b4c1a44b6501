//! Client presets: the defaults of real client libraries, as scenario keys.
//!
//! `pool.preset = "jedis"` fills every `[pool]` and `[client]` key that the
//! file (or `--set`) does not write with the value below, so the precedence
//! is: key written > preset > schema default. Each preset is written as the
//! TOML a user would write, with the source of each value (the library files
//! are listed in the book's "Theory and sources" chapter); a library that
//! takes defaults from another (Jedis from commons-pool2, a later release
//! from an earlier one) writes only what it changes, over the other's text
//! ([`texts`]). A key a preset does
//! not set keeps the schema default: the library's sources say nothing about it
//! (the reference page lists them).
//!
//! Two preset values yield to keys the file writes, as the libraries
//! themselves behave: a preset's `max_idle` above the file's `max_total` is
//! lowered to it (commons-pool2 never keeps more idle than open), and a
//! preset's `acquire_timeout` is dropped when the file sets
//! `when_exhausted = "fail"`.
//!
//! The multiplexed presets (`lettuce`, `stackexchange-redis`, `ioredis`) set
//! only `[client]`: their clients have no pool, and `socket_timeout` is their
//! per-command timeout.
//!
//! Assumptions where a default depends on the machine: go-redis sizes its
//! pool 10 x GOMAXPROCS and deadpool 0.13 2 x logical CPUs; both presets assume a pod with
//! 2 CPUs (GOMAXPROCS = 2), so 20 and 4 connections. redis-py 7's
//! `max_connections = 2**31` is capped to the schema's largest `max_total`,
//! 1000000.

use toml::{Table, Value};

/// The preset names, in the order the reference page lists them.
pub const NAMES: [&str; 13] = [
    "jedis",
    "commons-pool2",
    "redis-py-7",
    "redis-py-8",
    "redis-py-blocking",
    "go-redis-9.7",
    "go-redis-9.22",
    "r2d2",
    "bb8",
    "deadpool",
    "lettuce",
    "stackexchange-redis",
    "ioredis",
];

/// The TOML texts a preset is made of, its own first. A later text holds
/// the defaults a library takes from another (Jedis's `JedisPoolConfig`
/// from commons-pool2) or shares with another (the redis-rs client of bb8
/// and deadpool): a key an earlier text sets wins over a later one. `None`
/// for an unknown name.
pub fn texts(name: &str) -> Option<&'static [&'static str]> {
    Some(match name {
        "jedis" => &[JEDIS_POOL_CONFIG, COMMONS_POOL2],
        "commons-pool2" => &[COMMONS_POOL2],
        "redis-py-7" => &[REDIS_PY_7],
        "redis-py-8" => &[REDIS_PY_8, REDIS_PY_7],
        "redis-py-blocking" => &[REDIS_PY_BLOCKING, REDIS_PY_8, REDIS_PY_7],
        "go-redis-9.7" => &[GO_REDIS_9_7],
        "go-redis-9.22" => &[GO_REDIS_9_22, GO_REDIS_9_7],
        "r2d2" => &[R2D2],
        "bb8" => &[BB8, REDIS_RS_ON_TOKIO],
        "deadpool" => &[DEADPOOL, REDIS_RS_ON_TOKIO],
        "lettuce" => &[LETTUCE],
        "stackexchange-redis" => &[STACKEXCHANGE_REDIS],
        "ioredis" => &[IOREDIS],
        _ => return None,
    })
}

/// The keys and values of a preset, as `[pool]` and `[client]` tables.
pub fn table(name: &str) -> Option<Table> {
    let mut out = Table::new();
    for text in texts(name)? {
        let layer = toml::from_str(text).expect("preset texts are valid TOML (tested)");
        fill(&mut out, &layer, "", &mut Vec::new());
    }
    Some(out)
}

/// The dotted keys a preset sets (`pool.max_total`, `client.backoff.base`):
/// those it fills into a file that writes none.
pub fn keys(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(t) = table(name) {
        fill(&mut Table::new(), &t, "", &mut out);
    }
    out
}

/// Copies into `doc` every leaf of `preset` that `doc` does not have,
/// recording the dotted keys copied. Tables merge key by key; a value of the
/// wrong type in `doc` is left alone for validation to report.
pub(crate) fn fill(doc: &mut Table, preset: &Table, prefix: &str, keys: &mut Vec<String>) {
    for (k, v) in preset {
        let path = super::key_path(prefix, k);
        match (doc.get_mut(k), v) {
            (None, Value::Table(sub)) => {
                let mut t = Table::new();
                fill(&mut t, sub, &path, keys);
                doc.insert(k.clone(), Value::Table(t));
            }
            (None, v) => {
                doc.insert(k.clone(), v.clone());
                keys.push(path);
            }
            (Some(Value::Table(mine)), Value::Table(sub)) => fill(mine, sub, &path, keys),
            (Some(_), _) => {}
        }
    }
}

/// `JedisPoolConfig`: commons-pool2 with four defaults changed (Jedis
/// `JedisPoolConfig.java`), over [`COMMONS_POOL2`].
const JEDIS_POOL_CONFIG: &str = r#"
[pool]
test_while_idle = true          # JedisPoolConfig: testWhileIdle = true
eviction_interval = "30s"       # JedisPoolConfig: timeBetweenEvictionRuns = 30 s
min_evictable_idle = "60s"      # JedisPoolConfig: minEvictableIdleTime = 60 s
tests_per_eviction_run = -1     # JedisPoolConfig: numTestsPerEvictionRun = -1 (all idle)
"#;

/// A plain `new JedisPool(host, port)`: commons-pool2 2.13 defaults, no
/// evictor, no idle test, and Jedis's 2000 ms timeouts.
const COMMONS_POOL2: &str = r#"
[pool]
max_total = 8                   # maxTotal
max_idle = 8                    # maxIdle
min_idle = 0                    # minIdle
when_exhausted = "block"        # blockWhenExhausted = true
acquire_timeout = "none"        # maxWait = -1: block forever
order = "lifo"                  # lifo = true
checkout_check = "none"
test_on_borrow = false          # testOnBorrow
test_while_idle = false         # testWhileIdle
eviction_interval = "none"      # timeBetweenEvictionRuns = -1: no evictor
min_evictable_idle = "30m"      # minEvictableIdleTime
tests_per_eviction_run = 3      # numTestsPerEvictionRun

[client]
connect_timeout = "2s"          # Jedis: Protocol.DEFAULT_TIMEOUT = 2000 ms
socket_timeout = "2s"
"#;

/// redis-py 7.4 and older: `ConnectionPool`, a loss system that raises
/// "Too many connections" at once when full.
const REDIS_PY_7: &str = r#"
[pool]
max_total = 1000000             # max_connections = 2**31, capped to the schema's largest
when_exhausted = "fail"         # ConnectionError("Too many connections")
order = "lifo"
checkout_check = "peek"         # non-blocking socket poll on checkout

[client]
connect_timeout = "none"        # socket_connect_timeout = None
socket_timeout = "none"         # socket_timeout = None
tcp_keepalive = "none"          # socket_keepalive off
retries = 3
backoff = { base = "1s", cap = "10s" }
"#;

/// redis-py 8.0 and newer (2026): `ConnectionPool` with the new defaults,
/// over [`REDIS_PY_7`].
const REDIS_PY_8: &str = r#"
[pool]
max_total = 100                 # max_connections

[client]
connect_timeout = "5s"
socket_timeout = "5s"
tcp_keepalive = "30s"           # keepalive idle 30 s (interval 5 s, 3 probes)
retries = 10
backoff = { base = "10ms", cap = "1s" }
"#;

/// redis-py's `BlockingConnectionPool`: a `ConnectionPool` that waits, over
/// redis-py 8 (the current release, [`REDIS_PY_8`]).
const REDIS_PY_BLOCKING: &str = r#"
[pool]
max_total = 50                  # max_connections
when_exhausted = "block"
acquire_timeout = "20s"         # timeout: ConnectionError("No connection available.")
"#;

/// go-redis v9.7, on a pod with GOMAXPROCS = 2.
const GO_REDIS_9_7: &str = r#"
[pool]
max_total = 20                  # PoolSize = 10 x GOMAXPROCS, GOMAXPROCS = 2
when_exhausted = "block"
acquire_timeout = "4s"          # PoolTimeout: "redis: connection pool timeout"
order = "lifo"                  # PoolFIFO = false
idle_timeout = "30m"            # ConnMaxIdleTime
checkout_check = "peek"         # conn_check: catches FIN/RST, not a silent drop

[client]
socket_timeout = "3s"           # ReadTimeout
tcp_keepalive = "5m"
retries = 3                     # MaxRetries
backoff = { base = "8ms", cap = "512ms" }
retry_on = ["pool_timeout", "stale_connection", "socket_timeout", "max_clients", "connect_timeout"]
"#;

/// go-redis v9.22 (2026), on a pod with GOMAXPROCS = 2: the defaults it
/// changed, over [`GO_REDIS_9_7`].
const GO_REDIS_9_22: &str = r#"
[pool]
acquire_timeout = "6s"          # PoolTimeout

[client]
socket_timeout = "5s"           # ReadTimeout
tcp_keepalive = "30s"           # idle 30 s, interval 5 s, 3 probes
backoff = { base = "10ms", cap = "1s" }
"#;

/// r2d2 (`src/config.rs`).
const R2D2: &str = r#"
[pool]
max_total = 10                  # max_size
when_exhausted = "block"
acquire_timeout = "30s"         # connection_timeout
order = "lifo"
idle_timeout = "10m"
max_lifetime = "30m"
test_on_borrow = true           # test_on_check_out
"#;

/// bb8 (`bb8/src/api.rs`) with bb8-redis (`redis/src/lib.rs`) on tokio.
const BB8: &str = r#"
[pool]
max_total = 10                  # max_size
when_exhausted = "block"
acquire_timeout = "30s"         # connection_timeout
order = "fifo"
idle_timeout = "10m"
max_lifetime = "30m"
test_on_borrow = true           # test_on_check_out (PING)
keep_failed = true              # bb8-redis: has_broken() is always false
"#;

/// deadpool (`src/managed/config.rs`, `src/util.rs`) with deadpool-redis (`redis/src/lib.rs`)
/// on tokio, on a pod with 2 CPUs.
const DEADPOOL: &str = r#"
[pool]
max_total = 4                   # max_size = 2 x logical CPUs (deadpool 0.13), 2 CPUs
when_exhausted = "block"
acquire_timeout = "none"        # timeouts.wait = None: wait forever
order = "fifo"
idle_timeout = "none"
max_lifetime = "none"
test_on_borrow = true           # recycle (UNWATCH + PING) on every get
keep_failed = true              # every object goes back; recycle sorts it out
"#;

/// The client of bb8 and deadpool: redis-rs 1.x on tokio.
const REDIS_RS_ON_TOKIO: &str = r#"
[client]
connect_timeout = "1s"          # redis-rs 1.x DEFAULT_CONNECTION_TIMEOUT
socket_timeout = "500ms"        # redis-rs 1.x DEFAULT_RESPONSE_TIMEOUT
timer_resolution = "1ms"        # tokio's timer wheel
"#;

/// Lettuce 6 (Spring Boot's default client): one shared connection per
/// application (`RedisURI.java`, `ClientOptions.java`, `SocketOptions.java`).
const LETTUCE: &str = r#"
[client]
transport = "multiplexed"       # one thread-safe StatefulRedisConnection, shared
connections = 1
socket_timeout = "60s"          # timeout: RedisURI.DEFAULT_TIMEOUT = 60 s, the command timeout
connect_timeout = "10s"         # connectTimeout: SocketOptions.DEFAULT_CONNECT_TIMEOUT = 10 s
tcp_keepalive = "none"          # keepAlive: SocketOptions.DEFAULT_SO_KEEPALIVE = false
max_queued = "none"             # requestQueueSize: ClientOptions.DEFAULT_REQUEST_QUEUE_SIZE = Integer.MAX_VALUE
retries = 0                     # a timed-out command is not retried
"#;

/// StackExchange.Redis: one `ConnectionMultiplexer` (docs/Configuration.md).
const STACKEXCHANGE_REDIS: &str = r#"
[client]
transport = "multiplexed"       # one ConnectionMultiplexer: one interactive connection per server
connections = 1
socket_timeout = "5s"           # syncTimeout = 5000 ms (asyncTimeout = syncTimeout)
connect_timeout = "5s"          # connectTimeout = 5000 ms
tcp_keepalive = "2h"            # tcpKeepAlive = true, the OS's idle time (Linux 7200 s)
retries = 0
"#;

/// ioredis (`lib/redis/RedisOptions.ts`, `DEFAULT_REDIS_OPTIONS`).
const IOREDIS: &str = r#"
[client]
transport = "multiplexed"       # one connection per Redis instance, pipelined
connections = 1
socket_timeout = "none"         # commandTimeout: no default, no timeout
connect_timeout = "10s"         # connectTimeout = 10000 ms
tcp_keepalive = "2h"            # keepAlive = 0: on, with the OS's idle time (Linux 7200 s)
max_queued = "none"             # enableOfflineQueue = true, unbounded
retries = 0
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_preset_is_valid_toml_with_known_keys() {
        for name in NAMES {
            let t = table(name).unwrap_or_else(|| panic!("{name} has no text"));
            for (table, v) in &t {
                let keys = super::super::spec::table_keys(table).unwrap();
                for k in v.as_table().unwrap().keys() {
                    assert!(keys.contains(&k.as_str()), "{name}: {table}.{k}");
                }
            }
            assert!(!keys(name).is_empty());
        }
        assert!(texts("jedis-cluster").is_none());
    }
}
