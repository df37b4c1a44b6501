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

/// One option as a library's table gives it: the scenario key, the
/// library's option name, and the value as written (`None`: the option is
/// left out for this scenario).
type Row = (&'static str, &'static str, Option<String>);

/// The options of `lib` for scenario `s`, in the order they are written.
pub fn entries(lib: Library, s: &Scenario) -> Vec<Entry> {
    rows(lib, s)
        .into_iter()
        .filter_map(|(key, option, value)| {
            value.map(|v| Entry {
                key,
                option,
                line: line(lib, option, v),
            })
        })
        .collect()
}

/// `name` with its first letter in upper case (`maxTotal`: `MaxTotal`).
fn upper_first(name: &str) -> String {
    let mut chars = name.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

/// The line of code that sets `option` to `value` in `lib`. Deadpool's and
/// Lettuce's options are spelled each its own way: their rows carry the
/// whole line.
fn line(lib: Library, option: &str, value: String) -> String {
    match lib {
        Library::Jedis => format!("config.set{}({value});", upper_first(option)),
        Library::RedisPy | Library::RedisPyBlocking => format!("{option}={value},"),
        Library::GoRedis | Library::Ioredis => format!("{option}: {value},"),
        Library::R2d2 | Library::Bb8 => format!(".{option}({value})"),
        Library::StackExchangeRedis => format!("options.{} = {value};", upper_first(option)),
        Library::Deadpool | Library::Lettuce => value,
    }
}

/// The options of `lib` for scenario `s` with their values, in the order
/// they are written.
fn rows(lib: Library, s: &Scenario) -> Vec<Row> {
    let p = &s.pool;
    let l = &p.life;
    let c = &s.client;
    let some = |v: &dyn ToString| Some(v.to_string());
    let ms_round = |t: Option<SimTime>| ms(t).map(|v| v.round().to_string());
    match lib {
        Library::Jedis => vec![
            ("pool.max_total", "maxTotal", some(&p.max_total)),
            ("pool.max_idle", "maxIdle", some(&l.max_idle)),
            ("pool.min_idle", "minIdle", some(&l.min_idle)),
            (
                "pool.when_exhausted",
                "blockWhenExhausted",
                some(&(p.when_exhausted == WhenExhausted::Block)),
            ),
            (
                "pool.acquire_timeout",
                "maxWait",
                Some(java_duration(p.acquire_timeout)),
            ),
            ("pool.order", "lifo", some(&(p.order == Order::Lifo))),
            (
                "pool.test_on_borrow",
                "testOnBorrow",
                some(&l.test_on_borrow),
            ),
            (
                "pool.test_while_idle",
                "testWhileIdle",
                some(&l.test_while_idle),
            ),
            (
                "pool.eviction_interval",
                "timeBetweenEvictionRuns",
                Some(java_duration(l.eviction_interval)),
            ),
            (
                "pool.min_evictable_idle",
                "minEvictableIdleTime",
                Some(java_duration(l.min_evictable_idle)),
            ),
            (
                "pool.tests_per_eviction_run",
                "numTestsPerEvictionRun",
                some(&l.tests_per_eviction_run),
            ),
        ],
        Library::RedisPy | Library::RedisPyBlocking => vec![
            ("pool.max_total", "max_connections", some(&p.max_total)),
            (
                "pool.acquire_timeout",
                "timeout",
                (lib == Library::RedisPyBlocking).then(|| py_seconds(p.acquire_timeout)),
            ),
            (
                "client.socket_timeout",
                "socket_timeout",
                Some(py_seconds(c.socket_timeout)),
            ),
            (
                "client.connect_timeout",
                "socket_connect_timeout",
                Some(py_seconds(c.connect_timeout)),
            ),
            (
                "client.tcp_keepalive",
                "socket_keepalive",
                some(&if c.tcp_keepalive.is_some() {
                    "True"
                } else {
                    "False"
                }),
            ),
            (
                "client.tcp_keepalive",
                "socket_keepalive_options",
                c.tcp_keepalive
                    .map(|t| format!("{{socket.TCP_KEEPIDLE: {}}}", t.as_secs_f64().round())),
            ),
        ],
        Library::GoRedis => vec![
            ("pool.max_total", "PoolSize", some(&p.max_total)),
            ("pool.min_idle", "MinIdleConns", some(&l.min_idle)),
            (
                "pool.acquire_timeout",
                "PoolTimeout",
                p.acquire_timeout.map(go_duration),
            ),
            ("pool.order", "PoolFIFO", some(&(p.order == Order::Fifo))),
            (
                "pool.idle_timeout",
                "ConnMaxIdleTime",
                l.idle_timeout.map(go_duration),
            ),
            (
                "pool.max_lifetime",
                "ConnMaxLifetime",
                l.max_lifetime.map(go_duration),
            ),
            (
                "client.socket_timeout",
                "ReadTimeout",
                c.socket_timeout.map(go_duration),
            ),
            ("client.retries", "MaxRetries", some(&c.retries)),
        ],
        Library::R2d2 | Library::Bb8 => vec![
            ("pool.max_total", "max_size", some(&p.max_total)),
            (
                "pool.min_idle",
                "min_idle",
                Some(format!("Some({})", l.min_idle)),
            ),
            (
                "pool.acquire_timeout",
                "connection_timeout",
                p.acquire_timeout.map(rust_duration),
            ),
            (
                "pool.idle_timeout",
                "idle_timeout",
                Some(rust_option(l.idle_timeout)),
            ),
            (
                "pool.max_lifetime",
                "max_lifetime",
                Some(rust_option(l.max_lifetime)),
            ),
            (
                "pool.test_on_borrow",
                "test_on_check_out",
                some(&l.test_on_borrow),
            ),
        ],
        Library::Deadpool => vec![
            (
                "pool.max_total",
                "max_size",
                Some(format!(
                    "let mut pool = deadpool_redis::PoolConfig::new({});",
                    p.max_total
                )),
            ),
            (
                "pool.acquire_timeout",
                "timeouts.wait",
                Some(format!(
                    "pool.timeouts.wait = {};",
                    rust_option(p.acquire_timeout)
                )),
            ),
        ],
        Library::Lettuce => lettuce(s),
        Library::StackExchangeRedis => vec![
            (
                "client.socket_timeout",
                "syncTimeout",
                ms_round(c.socket_timeout),
            ),
            (
                "client.socket_timeout",
                "asyncTimeout",
                ms_round(c.socket_timeout),
            ),
            (
                "client.connect_timeout",
                "connectTimeout",
                ms_round(c.connect_timeout),
            ),
        ],
        // socket.setKeepAlive(true, keepAlive): the idle time, in ms.
        Library::Ioredis => vec![
            (
                "client.socket_timeout",
                "commandTimeout",
                ms_round(c.socket_timeout),
            ),
            (
                "client.connect_timeout",
                "connectTimeout",
                ms_round(c.connect_timeout),
            ),
            (
                "client.tcp_keepalive",
                "keepAlive",
                ms_round(c.tcp_keepalive),
            ),
        ],
    }
}

/// Lettuce's options: the command timeout on the `RedisURI`, the socket's
/// options, and the client's request queue; each row's value is its whole
/// line.
fn lettuce(s: &Scenario) -> Vec<Row> {
    let c = &s.client;
    let java = |t: SimTime| java_duration(Some(t));
    let keepalive = match c.tcp_keepalive {
        None => ("keepAlive", ".keepAlive(false)".to_string()),
        Some(t) => ("KeepAliveOptions.idle", format!(".idle({})", java(t))),
    };
    vec![
        (
            "client.socket_timeout",
            "timeout",
            c.socket_timeout
                .map(|t| format!(".withTimeout({})", java(t))),
        ),
        (
            "client.connect_timeout",
            "connectTimeout",
            c.connect_timeout
                .map(|t| format!(".connectTimeout({})", java(t))),
        ),
        ("client.tcp_keepalive", keepalive.0, Some(keepalive.1)),
        (
            "network.tcp_user_timeout",
            "TcpUserTimeoutOptions.tcpUserTimeout",
            s.network
                .tcp_user_timeout
                .map(|t| format!(".tcpUserTimeout({})", java(t))),
        ),
        (
            "client.max_queued",
            "requestQueueSize",
            Some(format!(
                ".requestQueueSize({})",
                c.max_queued
                    .map_or("Integer.MAX_VALUE".to_string(), |n| n.to_string())
            )),
        ),
    ]
}

/// Lettuce's snippet: the entries in their builders.
fn lettuce_snippet(s: &Scenario) -> String {
    let entries = entries(Library::Lettuce, s);
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
