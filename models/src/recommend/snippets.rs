//! The recommended settings as each client library spells them: exact option
//! names with their units, ready to paste.
//!
//! Each library's options are a table of (scenario key, option name, how the
//! value is written). The option names are the ones the presets cite
//! ([`crate::scenario::presets`]), and a test checks every snippet against
//! the preset table so that the two cannot drift. Durations are written in
//! each library's unit: `java.time.Duration` for Jedis/commons-pool2 (2.12+),
//! seconds as floats for redis-py, `time.Duration` for go-redis,
//! `std::time::Duration` for r2d2, bb8 and deadpool, `java.time.Duration` for
//! Lettuce, milliseconds for StackExchange.Redis and ioredis.
//!
//! The multiplexed clients have no pool: their snippets set the command
//! timeout, the connect timeout, keepalive, Lettuce's request queue and
//! `TCP_USER_TIMEOUT` (Lettuce 6.3+, `SocketOptions.TcpUserTimeoutOptions`,
//! which needs netty's epoll or io_uring transport). StackExchange.Redis's
//! option names are those of its configuration string
//! (`docs/Configuration.md`); the snippet sets the `ConfigurationOptions`
//! properties of the same names. A key a library has no option for (the
//! shared connections per pod: one `StatefulRedisConnection`, one
//! `ConnectionMultiplexer`, one `Redis` object each) is left to the code
//! that creates the clients, and the snippet says so in a comment.

use crate::scenario::{Order, Scenario, WhenExhausted};
use sim::time::SimTime;

/// A client library a snippet is written for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Library {
    /// Jedis's `JedisPoolConfig` (commons-pool2 underneath).
    Jedis,
    /// redis-py's `ConnectionPool` (fails at once when full).
    RedisPy,
    /// redis-py's `BlockingConnectionPool`.
    RedisPyBlocking,
    /// go-redis `redis.Options`.
    GoRedis,
    /// r2d2's `Pool::builder()`.
    R2d2,
    /// bb8's `Pool::builder()`.
    Bb8,
    /// deadpool-redis's `PoolConfig`.
    Deadpool,
    /// Lettuce's `RedisURI`, `SocketOptions` and `ClientOptions` (multiplexed).
    Lettuce,
    /// StackExchange.Redis's `ConfigurationOptions` (multiplexed).
    StackExchangeRedis,
    /// ioredis's `RedisOptions` (multiplexed).
    Ioredis,
}

/// Every multiplexed client library, in output order.
pub const MULTIPLEXED_LIBRARIES: [Library; 3] = [
    Library::Lettuce,
    Library::StackExchangeRedis,
    Library::Ioredis,
];

/// Every pooled client library, in output order.
pub const LIBRARIES: [Library; 7] = [
    Library::Jedis,
    Library::RedisPy,
    Library::RedisPyBlocking,
    Library::GoRedis,
    Library::R2d2,
    Library::Bb8,
    Library::Deadpool,
];

impl Library {
    /// The library a preset describes.
    pub fn of_preset(preset: &str) -> Option<Library> {
        Some(match preset {
            "jedis" | "commons-pool2" => Library::Jedis,
            "redis-py-7" | "redis-py-8" => Library::RedisPy,
            "redis-py-blocking" => Library::RedisPyBlocking,
            "go-redis-9.7" | "go-redis-9.22" => Library::GoRedis,
            "r2d2" => Library::R2d2,
            "bb8" => Library::Bb8,
            "deadpool" => Library::Deadpool,
            "lettuce" => Library::Lettuce,
            "stackexchange-redis" => Library::StackExchangeRedis,
            "ioredis" => Library::Ioredis,
            _ => return None,
        })
    }

    /// The library's name, as printed.
    pub fn name(self) -> &'static str {
        match self {
            Library::Jedis => "Jedis (JedisPoolConfig, Java)",
            Library::RedisPy => "redis-py (ConnectionPool)",
            Library::RedisPyBlocking => "redis-py (BlockingConnectionPool)",
            Library::GoRedis => "go-redis (redis.Options)",
            Library::R2d2 => "r2d2 (Rust)",
            Library::Bb8 => "bb8 (Rust)",
            Library::Deadpool => "deadpool-redis (Rust)",
            Library::Lettuce => "Lettuce (RedisURI, SocketOptions, ClientOptions, Java)",
            Library::StackExchangeRedis => "StackExchange.Redis (ConfigurationOptions, .NET)",
            Library::Ioredis => "ioredis (Node.js)",
        }
    }

    /// A short name for JSON keys.
    pub fn id(self) -> &'static str {
        match self {
            Library::Jedis => "jedis",
            Library::RedisPy => "redis-py",
            Library::RedisPyBlocking => "redis-py-blocking",
            Library::GoRedis => "go-redis",
            Library::R2d2 => "r2d2",
            Library::Bb8 => "bb8",
            Library::Deadpool => "deadpool",
            Library::Lettuce => "lettuce",
            Library::StackExchangeRedis => "stackexchange-redis",
            Library::Ioredis => "ioredis",
        }
    }
}

/// One option of a snippet.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The scenario key it sets.
    pub key: &'static str,
    /// The library's option name.
    pub option: &'static str,
    /// The line of code.
    pub line: String,
}

fn ms(t: Option<SimTime>) -> Option<f64> {
    t.map(|t| t.as_millis_f64())
}

fn java_duration(t: Option<SimTime>) -> String {
    match ms(t) {
        Some(v) => format!("Duration.ofMillis({})", v.round()),
        None => "Duration.ofMillis(-1)".to_string(),
    }
}

fn py_seconds(t: Option<SimTime>) -> String {
    match t {
        Some(t) => format!("{}", t.as_secs_f64()),
        None => "None".to_string(),
    }
}

fn go_duration(t: SimTime) -> String {
    format!("{} * time.Millisecond", t.as_millis_f64().round())
}

fn rust_duration(t: SimTime) -> String {
    format!("Duration::from_millis({})", t.as_millis_f64().round())
}

fn rust_option(t: Option<SimTime>) -> String {
    match t {
        Some(t) => format!("Some({})", rust_duration(t)),
        None => "None".to_string(),
    }
}

/// The options of `lib` for scenario `s`, in the order they are written.
pub fn entries(lib: Library, s: &Scenario) -> Vec<Entry> {
    let p = &s.pool;
    let l = &p.life;
    let c = &s.client;
    let e = |key, option, line: String| Entry { key, option, line };
    match lib {
        Library::Jedis => vec![
            e(
                "pool.max_total",
                "maxTotal",
                format!("config.setMaxTotal({});", p.max_total),
            ),
            e(
                "pool.max_idle",
                "maxIdle",
                format!("config.setMaxIdle({});", l.max_idle),
            ),
            e(
                "pool.min_idle",
                "minIdle",
                format!("config.setMinIdle({});", l.min_idle),
            ),
            e(
                "pool.when_exhausted",
                "blockWhenExhausted",
                format!(
                    "config.setBlockWhenExhausted({});",
                    p.when_exhausted == WhenExhausted::Block
                ),
            ),
            e(
                "pool.acquire_timeout",
                "maxWait",
                format!("config.setMaxWait({});", java_duration(p.acquire_timeout)),
            ),
            e(
                "pool.order",
                "lifo",
                format!("config.setLifo({});", p.order == Order::Lifo),
            ),
            e(
                "pool.test_on_borrow",
                "testOnBorrow",
                format!("config.setTestOnBorrow({});", l.test_on_borrow),
            ),
            e(
                "pool.test_while_idle",
                "testWhileIdle",
                format!("config.setTestWhileIdle({});", l.test_while_idle),
            ),
            e(
                "pool.eviction_interval",
                "timeBetweenEvictionRuns",
                format!(
                    "config.setTimeBetweenEvictionRuns({});",
                    java_duration(l.eviction_interval)
                ),
            ),
            e(
                "pool.min_evictable_idle",
                "minEvictableIdleTime",
                format!(
                    "config.setMinEvictableIdleTime({});",
                    java_duration(l.min_evictable_idle)
                ),
            ),
            e(
                "pool.tests_per_eviction_run",
                "numTestsPerEvictionRun",
                format!(
                    "config.setNumTestsPerEvictionRun({});",
                    l.tests_per_eviction_run
                ),
            ),
        ],
        Library::RedisPy | Library::RedisPyBlocking => {
            let mut v = vec![e(
                "pool.max_total",
                "max_connections",
                format!("max_connections={},", p.max_total),
            )];
            if lib == Library::RedisPyBlocking {
                v.push(e(
                    "pool.acquire_timeout",
                    "timeout",
                    format!("timeout={},", py_seconds(p.acquire_timeout)),
                ));
            }
            v.push(e(
                "client.socket_timeout",
                "socket_timeout",
                format!("socket_timeout={},", py_seconds(c.socket_timeout)),
            ));
            v.push(e(
                "client.connect_timeout",
                "socket_connect_timeout",
                format!("socket_connect_timeout={},", py_seconds(c.connect_timeout)),
            ));
            v.push(e(
                "client.tcp_keepalive",
                "socket_keepalive",
                format!(
                    "socket_keepalive={},",
                    if c.tcp_keepalive.is_some() {
                        "True"
                    } else {
                        "False"
                    }
                ),
            ));
            if let Some(t) = c.tcp_keepalive {
                v.push(e(
                    "client.tcp_keepalive",
                    "socket_keepalive_options",
                    format!(
                        "socket_keepalive_options={{socket.TCP_KEEPIDLE: {}}},",
                        t.as_secs_f64().round()
                    ),
                ));
            }
            v
        }
        Library::GoRedis => {
            let mut v = vec![
                e(
                    "pool.max_total",
                    "PoolSize",
                    format!("PoolSize: {},", p.max_total),
                ),
                e(
                    "pool.min_idle",
                    "MinIdleConns",
                    format!("MinIdleConns: {},", l.min_idle),
                ),
            ];
            if let Some(t) = p.acquire_timeout {
                v.push(e(
                    "pool.acquire_timeout",
                    "PoolTimeout",
                    format!("PoolTimeout: {},", go_duration(t)),
                ));
            }
            v.push(e(
                "pool.order",
                "PoolFIFO",
                format!("PoolFIFO: {},", p.order == Order::Fifo),
            ));
            if let Some(t) = l.idle_timeout {
                v.push(e(
                    "pool.idle_timeout",
                    "ConnMaxIdleTime",
                    format!("ConnMaxIdleTime: {},", go_duration(t)),
                ));
            }
            if let Some(t) = l.max_lifetime {
                v.push(e(
                    "pool.max_lifetime",
                    "ConnMaxLifetime",
                    format!("ConnMaxLifetime: {},", go_duration(t)),
                ));
            }
            if let Some(t) = c.socket_timeout {
                v.push(e(
                    "client.socket_timeout",
                    "ReadTimeout",
                    format!("ReadTimeout: {},", go_duration(t)),
                ));
            }
            v.push(e(
                "client.retries",
                "MaxRetries",
                format!("MaxRetries: {},", c.retries),
            ));
            v
        }
        Library::R2d2 | Library::Bb8 => {
            let mut v = vec![
                e(
                    "pool.max_total",
                    "max_size",
                    format!(".max_size({})", p.max_total),
                ),
                e(
                    "pool.min_idle",
                    "min_idle",
                    format!(".min_idle(Some({}))", l.min_idle),
                ),
            ];
            if let Some(t) = p.acquire_timeout {
                v.push(e(
                    "pool.acquire_timeout",
                    "connection_timeout",
                    format!(".connection_timeout({})", rust_duration(t)),
                ));
            }
            v.push(e(
                "pool.idle_timeout",
                "idle_timeout",
                format!(".idle_timeout({})", rust_option(l.idle_timeout)),
            ));
            v.push(e(
                "pool.max_lifetime",
                "max_lifetime",
                format!(".max_lifetime({})", rust_option(l.max_lifetime)),
            ));
            v.push(e(
                "pool.test_on_borrow",
                "test_on_check_out",
                format!(".test_on_check_out({})", l.test_on_borrow),
            ));
            v
        }
        Library::Deadpool => vec![
            e(
                "pool.max_total",
                "max_size",
                format!(
                    "let mut pool = deadpool_redis::PoolConfig::new({});",
                    p.max_total
                ),
            ),
            e(
                "pool.acquire_timeout",
                "timeouts.wait",
                format!("pool.timeouts.wait = {};", rust_option(p.acquire_timeout)),
            ),
        ],
        Library::Lettuce => lettuce(s),
        Library::StackExchangeRedis => {
            let mut v = Vec::new();
            if let Some(t) = ms(c.socket_timeout) {
                let t = t.round();
                v.push(e(
                    "client.socket_timeout",
                    "syncTimeout",
                    format!("options.SyncTimeout = {t};"),
                ));
                v.push(e(
                    "client.socket_timeout",
                    "asyncTimeout",
                    format!("options.AsyncTimeout = {t};"),
                ));
            }
            if let Some(t) = ms(c.connect_timeout) {
                v.push(e(
                    "client.connect_timeout",
                    "connectTimeout",
                    format!("options.ConnectTimeout = {};", t.round()),
                ));
            }
            v
        }
        Library::Ioredis => {
            let mut v = Vec::new();
            if let Some(t) = ms(c.socket_timeout) {
                v.push(e(
                    "client.socket_timeout",
                    "commandTimeout",
                    format!("commandTimeout: {},", t.round()),
                ));
            }
            if let Some(t) = ms(c.connect_timeout) {
                v.push(e(
                    "client.connect_timeout",
                    "connectTimeout",
                    format!("connectTimeout: {},", t.round()),
                ));
            }
            if let Some(t) = ms(c.tcp_keepalive) {
                // socket.setKeepAlive(true, keepAlive): the idle time, in ms.
                v.push(e(
                    "client.tcp_keepalive",
                    "keepAlive",
                    format!("keepAlive: {},", t.round()),
                ));
            }
            v
        }
    }
}

/// Lettuce's options: the command timeout on the `RedisURI`, the socket's
/// options, and the client's request queue.
fn lettuce(s: &Scenario) -> Vec<Entry> {
    let c = &s.client;
    let e = |key, option, line: String| Entry { key, option, line };
    let mut v = Vec::new();
    if let Some(t) = c.socket_timeout {
        v.push(e(
            "client.socket_timeout",
            "timeout",
            format!(".withTimeout({})", java_duration(Some(t))),
        ));
    }
    if let Some(t) = c.connect_timeout {
        v.push(e(
            "client.connect_timeout",
            "connectTimeout",
            format!(".connectTimeout({})", java_duration(Some(t))),
        ));
    }
    match c.tcp_keepalive {
        None => v.push(e(
            "client.tcp_keepalive",
            "keepAlive",
            ".keepAlive(false)".to_string(),
        )),
        Some(t) => v.push(e(
            "client.tcp_keepalive",
            "KeepAliveOptions.idle",
            format!(".idle({})", java_duration(Some(t))),
        )),
    }
    if let Some(t) = s.network.tcp_user_timeout {
        v.push(e(
            "network.tcp_user_timeout",
            "TcpUserTimeoutOptions.tcpUserTimeout",
            format!(".tcpUserTimeout({})", java_duration(Some(t))),
        ));
    }
    v.push(e(
        "client.max_queued",
        "requestQueueSize",
        format!(
            ".requestQueueSize({})",
            c.max_queued
                .map_or("Integer.MAX_VALUE".to_string(), |n| n.to_string())
        ),
    ));
    v
}

/// Lettuce's snippet: the entries in their builders.
fn lettuce_snippet(s: &Scenario) -> String {
    let entries = lettuce(s);
    let line = |key: &str| -> Vec<String> {
        entries
            .iter()
            .filter(|e| e.key == key)
            .map(|e| e.line.clone())
            .collect()
    };
    let mut out = String::from("RedisURI uri = RedisURI.builder()\n    .withHost(host)\n");
    for l in line("client.socket_timeout") {
        out.push_str(&format!("    {l}\n"));
    }
    out.push_str("    .build();\nSocketOptions.Builder socket = SocketOptions.builder();\n");
    for l in line("client.connect_timeout") {
        out.push_str(&format!("socket{l};\n"));
    }
    for l in line("client.tcp_keepalive") {
        if l.starts_with(".idle(") {
            out.push_str(&format!(
                "socket.keepAlive(SocketOptions.KeepAliveOptions.builder().enable()\n    {l}\n    .build());\n"
            ));
        } else {
            out.push_str(&format!("socket{l};\n"));
        }
    }
    for l in line("network.tcp_user_timeout") {
        out.push_str(&format!(
            "// TCP_USER_TIMEOUT: Lettuce 6.3+, with netty's epoll or io_uring transport\n\
             socket.tcpUserTimeout(SocketOptions.TcpUserTimeoutOptions.builder().enable()\n    {l}\n    .build());\n"
        ));
    }
    out.push_str(
        "ClientOptions options = ClientOptions.builder()\n    .socketOptions(socket.build())\n",
    );
    for l in line("client.max_queued") {
        out.push_str(&format!("    {l}\n"));
    }
    out.push_str("    .build();\n");
    out.push_str(&connections_comment(s, "StatefulRedisConnection", "//"));
    out
}

/// What to do about `client.connections`, which no multiplexed library has
/// an option for.
fn connections_comment(s: &Scenario, object: &str, comment: &str) -> String {
    match s.client.connections {
        1 => format!("{comment} one shared {object} per pod (client.connections = 1)"),
        n => format!(
            "{comment} client.connections = {n}: open {n} {object}s per pod and spread the commands over them"
        ),
    }
}

/// The snippet of `lib` for scenario `s`, as code.
pub fn snippet(lib: Library, s: &Scenario) -> String {
    let lines: Vec<String> = entries(lib, s).into_iter().map(|e| e.line).collect();
    let body = |indent: &str| {
        lines
            .iter()
            .map(|l| format!("{indent}{l}"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    match lib {
        Library::Jedis => format!(
            "JedisPoolConfig config = new JedisPoolConfig();\n{}\nJedisPool pool = new JedisPool(config, host, port, {});",
            body(""),
            ms(s.client.socket_timeout).map_or("0".into(), |v| format!("{}", v.round()))
        ),
        Library::RedisPy => format!("pool = redis.ConnectionPool(\n{}\n)", body("    ")),
        Library::RedisPyBlocking => {
            format!("pool = redis.BlockingConnectionPool(\n{}\n)", body("    "))
        }
        Library::GoRedis => format!("rdb := redis.NewClient(&redis.Options{{\n{}\n}})", body("\t")),
        Library::R2d2 => format!("let pool = r2d2::Pool::builder()\n{}\n    .build(manager)?;", body("    ")),
        Library::Bb8 => format!("let pool = bb8::Pool::builder()\n{}\n    .build(manager).await?;", body("    ")),
        Library::Deadpool => format!("{}\ncfg.pool = Some(pool);", body("")),
        Library::Lettuce => lettuce_snippet(s),
        Library::StackExchangeRedis => format!(
            "var options = ConfigurationOptions.Parse(\"redis:6379\");\n{}\n{}\nvar redis = ConnectionMultiplexer.Connect(options);",
            body(""),
            connections_comment(s, "ConnectionMultiplexer", "//")
        ),
        Library::Ioredis => format!(
            "{}\nconst redis = new Redis({{\n{}\n}});",
            connections_comment(s, "Redis object", "//"),
            body("  ")
        ),
    }
}
