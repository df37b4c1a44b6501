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
//! (the reference page lists them). The texts live beside this file, one a
//! file, in `presets/*.toml`.
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
const JEDIS_POOL_CONFIG: &str = include_str!("presets/jedis-pool-config.toml");

/// A plain `new JedisPool(host, port)`: commons-pool2 2.13 defaults, no
/// evictor, no idle test, and Jedis's 2000 ms timeouts.
const COMMONS_POOL2: &str = include_str!("presets/commons-pool2.toml");

/// redis-py 7.4 and older: `ConnectionPool`, a loss system that raises
/// "Too many connections" at once when full.
const REDIS_PY_7: &str = include_str!("presets/redis-py-7.toml");

/// redis-py 8.0 and newer (2026): `ConnectionPool` with the new defaults,
/// over [`REDIS_PY_7`].
const REDIS_PY_8: &str = include_str!("presets/redis-py-8.toml");

/// redis-py's `BlockingConnectionPool`: a `ConnectionPool` that waits, over
/// redis-py 8 (the current release, [`REDIS_PY_8`]).
const REDIS_PY_BLOCKING: &str = include_str!("presets/redis-py-blocking.toml");

/// go-redis v9.7, on a pod with GOMAXPROCS = 2.
const GO_REDIS_9_7: &str = include_str!("presets/go-redis-9.7.toml");

/// go-redis v9.22 (2026), on a pod with GOMAXPROCS = 2: the defaults it
/// changed, over [`GO_REDIS_9_7`].
const GO_REDIS_9_22: &str = include_str!("presets/go-redis-9.22.toml");

/// r2d2 (`src/config.rs`).
const R2D2: &str = include_str!("presets/r2d2.toml");

/// bb8 (`bb8/src/api.rs`) with bb8-redis (`redis/src/lib.rs`) on tokio.
const BB8: &str = include_str!("presets/bb8.toml");

/// deadpool (`src/managed/config.rs`, `src/util.rs`) with deadpool-redis (`redis/src/lib.rs`)
/// on tokio, on a pod with 2 CPUs.
const DEADPOOL: &str = include_str!("presets/deadpool.toml");

/// The client of bb8 and deadpool: redis-rs 1.x on tokio.
const REDIS_RS_ON_TOKIO: &str = include_str!("presets/redis-rs-on-tokio.toml");

/// Lettuce 6 (Spring Boot's default client): one shared connection per
/// application (`RedisURI.java`, `ClientOptions.java`, `SocketOptions.java`).
const LETTUCE: &str = include_str!("presets/lettuce.toml");

/// StackExchange.Redis: one `ConnectionMultiplexer` (docs/Configuration.md).
const STACKEXCHANGE_REDIS: &str = include_str!("presets/stackexchange-redis.toml");

/// ioredis (`lib/redis/RedisOptions.ts`, `DEFAULT_REDIS_OPTIONS`).
const IOREDIS: &str = include_str!("presets/ioredis.toml");

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
