//! The resolved scenario: every key with its value and where the value came
//! from, printed as TOML that parses back to the same [`Scenario`].
//!
//! `capsim check` prints it so that a reviewer sees every default filled in.
//! Each line carries its origin as a comment: `max_total = 20  # file line 12`,
//! `# preset jedis`, `# --set pool.max_total=20` or `# default`.
//!
//! Printing is exact, so the text round-trips (a property test checks it):
//! durations print with [`SimTime`]'s exact `Display`; floats with Rust's
//! shortest round-trip form (in exponent form from 1e16, where plain digits
//! would read as a TOML integer); latencies as the table a user writes. A
//! distribution stores derived `f64`s (a log-normal keeps `mu` and `sigma`,
//! not the median and p99 written), so the printer inverts them, rounds to
//! the nanosecond, and then checks the candidates within 2 ns for the one
//! that rebuilds the same `f64`s bit for bit. The inversions are accurate to
//! a few ulps, far inside half a nanosecond for any latency under a day, so
//! the search always finds the written figures there.

use super::spec;
use super::units::format_float;
use super::{
    CheckoutCheck, Fault, FaultKind, Jitter, OnIdle, Order, Popularity, ReadFrom, RedisMode,
    Scenario, Transport, WhenExhausted,
};
use sim::dist::{Latency, Z_QUANTILES};
use sim::time::SimTime;
use std::collections::BTreeMap;
use std::fmt;

/// A validated scenario and the origin of each of its values.
#[derive(Clone, Debug, PartialEq)]
pub struct Resolved {
    /// The scenario.
    pub scenario: Scenario,
    /// The `pool.preset` in effect, if any.
    pub preset: Option<&'static str>,
    /// Where each dotted key's value came from, for every key of
    /// [`resolved_keys`] (`pool.max_total`, `client.backoff.cap`).
    pub origins: BTreeMap<String, Origin>,
}

/// Where a value came from, in order of precedence.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Origin {
    /// A `--set KEY=VALUE` assignment (or a sweep axis), given in full.
    Set(String),
    /// Written in the file, at this 1-based line.
    File {
        /// The line of the key.
        line: usize,
    },
    /// Filled in by `pool.preset`.
    Preset(&'static str),
    /// The schema default.
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Set(a) => write!(f, "--set {a}"),
            Origin::File { line } => write!(f, "file line {line}"),
            Origin::Preset(name) => write!(f, "preset {name}"),
            Origin::Default => f.write_str("default"),
        }
    }
}

/// Whether `table.key` is left out of the resolved scenario: the keyed
/// settings when reads carry no key or the cache is the fixed coin, and the
/// finite database's settings when the database is unlimited (so a scenario
/// without them prints as it always did), and the fixed `l1.hit_ratio` when
/// a keyed cache replaces it (the two are exclusive), and the invalidation
/// rate while it is 0, and the command mix, value size, bandwidth,
/// persistence, reply batching, replicas and the client's checkout delay
/// while they keep their defaults.
fn omitted(s: &Scenario, table: &str, key: &str) -> bool {
    match (table, key) {
        ("workload", "keys" | "key_popularity") => s.workload.keys.is_none(),
        ("workload", "rate" | "profile") => s.workload.replay.is_some(),
        ("workload", "arrivals") => s.workload.replay.is_none(),
        ("l1", "hit_ratio") => s.l1.cache.is_some(),
        ("l1", "policy" | "capacity" | "ttl" | "coalesce" | "prewarm") => s.l1.cache.is_none(),
        ("l1", "ttl_jitter") => s.l1.cache.as_ref().is_none_or(|c| c.ttl.is_none()),
        ("l1", "invalidation_rate") => s.l1.invalidation_rate == 0.0,
        ("database", "concurrency" | "queue_timeout") => s.database.concurrency.is_none(),
        ("redis", "commands") => s.redis.commands.is_empty(),
        ("redis", "value_size") => s.redis.value_size.is_zero(),
        ("redis", "bandwidth") => s.redis.bandwidth.is_none(),
        ("redis", "persistence") => s.redis.persistence.is_none(),
        ("redis", "reply_batching") => !s.redis.reply_batching,
        ("client", "checkout_delay") => s.client.checkout_delay.is_zero(),
        ("redis", "replicas" | "read_from") => s.redis.replicas == 0,
        _ => false,
    }
}

/// Every dotted key the resolved scenario prints, in schema order; the
/// fields of `client.backoff` count one by one.
pub fn resolved_keys(s: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    for table in spec::model_tables() {
        let table_name = table.name;
        for key in table.keys.iter().map(|k| k.name) {
            if omitted(s, table_name, key) {
                continue;
            }
            if (table_name, key) == ("client", "backoff") {
                out.extend(
                    spec::keys_of("client.backoff")
                        .iter()
                        .map(|k| format!("client.backoff.{k}")),
                );
            } else {
                out.push(format!("{table_name}.{key}"));
            }
        }
    }
    out
}

impl Resolved {
    /// The scenario as TOML, every key written, each with its origin.
    pub fn to_toml(&self) -> String {
        let s = &self.scenario;
        let mut out = String::new();
        for spec in spec::model_tables() {
            let table = spec.name;
            out.push_str(&format!("\n[{table}]\n"));
            for key in spec.keys.iter().map(|k| k.name) {
                if omitted(s, table, key) {
                    continue;
                }
                let value = match (table, key, self.preset) {
                    // Every value is written out, so the preset changes
                    // nothing when the text is read back; it is shown for
                    // the reader.
                    ("pool", "preset", Some(name)) => format!("\"{name}\""),
                    _ => value_text(s, table, key),
                };
                let origin = self.origin_text(table, key);
                let (first, rest) = value.split_once('\n').unwrap_or((&value, ""));
                let line = format!("{key} = {first}");
                out.push_str(&format!("{line:<40} # {origin}\n"));
                if !rest.is_empty() {
                    out.push_str(rest);
                    out.push('\n');
                }
            }
        }
        for f in &s.faults {
            out.push_str(&fault_text(f));
        }
        out
    }

    /// The origin comment of a key; the fields of `client.backoff` are
    /// named one by one when they differ.
    fn origin_text(&self, table: &str, key: &str) -> String {
        let get = |k: &str| {
            self.origins
                .get(k)
                .map(ToString::to_string)
                .unwrap_or_else(|| Origin::Default.to_string())
        };
        if (table, key) != ("client", "backoff") {
            return get(&format!("{table}.{key}"));
        }
        let parts: Vec<(&str, String)> = spec::keys_of("client.backoff")
            .into_iter()
            .map(|k| (k, get(&format!("client.backoff.{k}"))))
            .collect();
        if parts.iter().all(|p| p.1 == parts[0].1) {
            return parts[0].1.clone();
        }
        parts
            .iter()
            .map(|(k, o)| format!("{k}: {o}"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The TOML text of one key's value. Multi-line only for a traffic profile
/// and a command mix.
/// The scenario does not keep its preset (the engine needs only the values),
/// so `pool.preset` prints as `"none"`.
pub fn value_text(s: &Scenario, table: &str, key: &str) -> String {
    let q = |t: SimTime| format!("\"{t}\"");
    let opt = |t: Option<SimTime>| t.map_or_else(|| "\"none\"".to_string(), q);
    let word = |w: &str| format!("\"{w}\"");
    let (p, l, c) = (&s.pool, &s.pool.life, &s.client);
    match (table, key) {
        ("simulation", "duration") => q(s.simulation.duration),
        ("simulation", "warmup") => q(s.simulation.warmup),
        ("simulation", "seed") => s.simulation.seed.to_string(),
        ("simulation", "replications") => s.simulation.replications.to_string(),
        ("simulation", "bucket") => q(s.simulation.bucket),
        ("workload", "rate") => float(s.workload.rate),
        ("workload", "reads_per_request") => s.workload.reads_per_request.to_string(),
        ("workload", "profile") => profile(s),
        ("workload", "arrivals") => s
            .workload
            .replay
            .as_ref()
            .map_or_else(|| "\"none\"".to_string(), |r| r.source.clone()),
        ("pods", "count") => s.pods.count.to_string(),
        ("pool", "preset") => word("none"),
        ("pool", "max_total") => p.max_total.to_string(),
        ("pool", "when_exhausted") => word(match p.when_exhausted {
            WhenExhausted::Block => "block",
            WhenExhausted::Fail => "fail",
        }),
        ("pool", "acquire_timeout") => opt(p.acquire_timeout),
        ("pool", "order") => word(match p.order {
            Order::Lifo => "lifo",
            Order::Fifo => "fifo",
        }),
        ("pool", "min_idle") => l.min_idle.to_string(),
        ("pool", "max_idle") => l.max_idle.to_string(),
        ("pool", "max_lifetime") => opt(l.max_lifetime),
        ("pool", "idle_timeout") => opt(l.idle_timeout),
        ("pool", "checkout_check") => word(match l.checkout_check {
            CheckoutCheck::None => "none",
            CheckoutCheck::Peek => "peek",
        }),
        ("pool", "test_on_borrow") => l.test_on_borrow.to_string(),
        ("pool", "test_while_idle") => l.test_while_idle.to_string(),
        ("pool", "eviction_interval") => opt(l.eviction_interval),
        ("pool", "min_evictable_idle") => opt(l.min_evictable_idle),
        ("pool", "tests_per_eviction_run") => l.tests_per_eviction_run.to_string(),
        ("pool", "keep_failed") => l.keep_failed.to_string(),
        ("network", "rtt") => latency(&s.network.rtt),
        ("network", "idle_timeout") => opt(s.network.idle_timeout),
        ("network", "on_idle") => word(match s.network.on_idle {
            OnIdle::Reset => "reset",
            OnIdle::Drop => "drop",
        }),
        ("network", "tcp_user_timeout") => opt(s.network.tcp_user_timeout),
        ("network", "tcp_retries2") => s.network.tcp_retries2.to_string(),
        ("redis", "mode") => word(match s.redis.mode {
            RedisMode::Proxy => "proxy",
            RedisMode::Cluster => "cluster",
        }),
        ("redis", "shards") => s.redis.shards.to_string(),
        ("redis", "service_time") => latency(&s.redis.service_time),
        ("redis", "hit_ratio") => float(s.redis.hit_ratio),
        ("redis", "maxclients") => s.redis.maxclients.to_string(),
        ("redis", "timeout") => opt(s.redis.timeout),
        ("redis", "tcp_keepalive") => opt(s.redis.tcp_keepalive),
        ("redis", "accept_cost") => latency(&s.redis.accept_cost),
        ("redis", "command_overhead") => latency(&s.redis.command_overhead),
        ("redis", "ping_time") => match &s.redis.ping_time {
            None => word("service_time"),
            Some(l) => latency(l),
        },
        ("redis", "connection_scaling") => s
            .redis
            .connection_scaling
            .map_or_else(|| word("none"), |n| n.to_string()),
        ("redis", "commands") => commands(s),
        ("redis", "value_size") => super::wire::size_law_text(&s.redis.value_size),
        ("redis", "bandwidth") => s
            .redis
            .bandwidth
            .map_or_else(|| word("none"), super::wire::rate_text),
        ("redis", "persistence") => match &s.redis.persistence {
            None => word("none"),
            Some(p) => format!(
                "{{ every = {}, stall_per_gb = {}, dataset = {} }}",
                q(p.every),
                q(p.stall_per_gb),
                super::wire::size_text(p.dataset)
            ),
        },
        ("redis", "reply_batching") => s.redis.reply_batching.to_string(),
        ("redis", "replicas") => s.redis.replicas.to_string(),
        ("redis", "read_from") => word(match s.redis.read_from {
            ReadFrom::Primary => "primary",
            ReadFrom::Replica => "replica",
            ReadFrom::Any => "any",
        }),
        ("l1", "hit_ratio") => float(s.l1.hit_ratio),
        ("l1", "lookup_time") => latency(&s.l1.lookup_time),
        ("workload", "keys") => s
            .workload
            .keys
            .map_or_else(|| word("none"), |k| k.n().to_string()),
        ("workload", "key_popularity") => match s.workload.keys {
            Some(Popularity::Zipf(z)) => {
                format!("{{ dist = \"zipf\", alpha = {} }}", float(z.alpha()))
            }
            _ => word("uniform"),
        },
        ("l1", "policy" | "capacity" | "ttl" | "ttl_jitter" | "coalesce" | "prewarm") => {
            keyed_text(s.l1.cache.as_ref(), key)
        }
        ("l1", "invalidation_rate") => float(s.l1.invalidation_rate),
        ("database", "latency") => latency(&s.database.latency),
        ("database", "concurrency") => s
            .database
            .concurrency
            .map_or_else(|| word("unlimited"), |n| n.to_string()),
        ("database", "queue_timeout") => opt(s.database.queue_timeout),
        ("client", "hold_during_fallback") => c.hold_during_fallback.to_string(),
        ("client", "connect_round_trips") => c.connect_round_trips.to_string(),
        ("client", "tls") => c.tls.to_string(),
        ("client", "connect_timeout") => opt(c.connect_timeout),
        ("client", "socket_timeout") => opt(c.socket_timeout),
        ("client", "tcp_keepalive") => opt(c.tcp_keepalive),
        ("client", "retries") => c.retries.to_string(),
        ("client", "backoff") => format!(
            "{{ base = {}, cap = {}, jitter = {} }}",
            q(c.backoff.base),
            q(c.backoff.cap),
            word(match c.backoff.jitter {
                Jitter::Full => "full",
                Jitter::Equal => "equal",
                Jitter::None => "none",
            })
        ),
        ("client", "retry_on") => {
            let names: Vec<String> = c.retry_on.iter().map(|e| word(e.name())).collect();
            format!("[{}]", names.join(", "))
        }
        ("client", "retry_budget") => c.retry_budget.map_or_else(|| word("none"), float),
        ("client", "timer_resolution") => q(c.timer_resolution),
        ("client", "checkout_delay") => latency(&c.checkout_delay),
        ("client", "transport") => word(match c.transport {
            Transport::Pooled => "pooled",
            Transport::Multiplexed => "multiplexed",
        }),
        ("client", "connections") => c.connections.to_string(),
        ("client", "max_queued") => c.max_queued.map_or_else(|| word("none"), |n| n.to_string()),
        _ => unreachable!("resolve::value_text has no case for {table}.{key}"),
    }
}

/// A keyed-cache setting's text; without a keyed cache, the default (the
/// resolved scenario leaves these keys out then; the reference page shows
/// the defaults).
fn keyed_text(k: Option<&super::KeyedL1>, key: &str) -> String {
    let word = |w: &str| format!("\"{w}\"");
    let Some(k) = k else {
        return match key {
            "ttl_jitter" => float(0.0),
            "coalesce" | "prewarm" => "false".to_string(),
            _ => word("none"),
        };
    };
    match key {
        "policy" => word(k.policy.name()),
        "capacity" => k.capacity.to_string(),
        "ttl" => k.ttl.map_or_else(|| word("none"), |t| format!("\"{t}\"")),
        "ttl_jitter" => float(k.ttl_jitter),
        "coalesce" => k.coalesce.to_string(),
        _ => k.prewarm.to_string(),
    }
}

/// One `[[faults]]` entry as TOML (written in the file: faults have no
/// defaults to show).
fn fault_text(f: &Fault) -> String {
    let mut out = format!("\n[[faults]]\nat = \"{}\"\n", f.at);
    match f.kind {
        FaultKind::Blackhole => out.push_str("kind = \"blackhole\"\n"),
        FaultKind::Restart => out.push_str("kind = \"restart\"\n"),
        FaultKind::Slow { duration, factor } => out.push_str(&format!(
            "kind = \"slow\"\nduration = \"{duration}\"\nfactor = {}\n",
            float(factor)
        )),
        FaultKind::Reshard {
            to,
            slots,
            duration,
        } => out.push_str(&format!(
            "kind = \"reshard\"\nto = {to}\nslots = {slots}\nduration = \"{duration}\"\n"
        )),
        FaultKind::RollingRestart { batch, interval } => {
            out.push_str(&format!(
                "kind = \"rolling_restart\"\npods = {batch}\ninterval = \"{interval}\"\n"
            ));
            return out;
        }
    }
    out.push_str(&format!("shard = {}\n", f.shard));
    out
}

/// The command mix as an array of inline tables, one per line.
fn commands(s: &Scenario) -> String {
    if s.redis.commands.is_empty() {
        return "[]".to_string();
    }
    let items: Vec<String> = s
        .redis
        .commands
        .iter()
        .map(|c| {
            format!(
                "  {{ name = \"{}\", share = {}, service_time = {}, keys = {} }},",
                c.name,
                float(c.share),
                latency(&c.service_time),
                c.keys
            )
        })
        .collect();
    format!("[\n{}\n]", items.join("\n"))
}

/// A float TOML reads back bit for bit.
fn float(x: f64) -> String {
    if x.abs() >= 1e16 {
        format!("{x:e}")
    } else {
        format_float(x)
    }
}

fn profile(s: &Scenario) -> String {
    if s.workload.profile.is_empty() {
        return "[]".to_string();
    }
    let mut out = "[".to_string();
    for p in &s.workload.profile {
        out.push_str(&format!(
            "\n  {{ at = \"{}\", scale = {}, ramp = \"{}\" }},",
            p.at,
            float(p.scale),
            p.ramp
        ));
    }
    out.push_str("\n]");
    out
}

/// A latency as the user writes it.
pub fn latency(l: &Latency) -> String {
    match *l {
        // A data file's table as written, its path relative to the scenario.
        Latency::Empirical(ref e) => e.source.clone(),
        Latency::Constant(t) => format!("\"{t}\""),
        Latency::Exponential { mean } => {
            let m = recover_secs(mean);
            format!("{{ dist = \"exponential\", mean = \"{m}\" }}")
        }
        Latency::Uniform { low, high } => {
            let lo = recover_secs(low);
            let hi = recover_secs(high);
            format!("{{ dist = \"uniform\", low = \"{lo}\", high = \"{hi}\" }}")
        }
        Latency::LogNormal { mu, sigma } => {
            let median = recover_ln(mu);
            let target = mu + sigma * Z_QUANTILES[2];
            let guess = SimTime::from_secs_f64(target.exp());
            let p99 = near(guess, |t| {
                Latency::lognormal(median, t).ok() == Some(l.clone())
            })
            .unwrap_or(guess);
            format!("{{ dist = \"lognormal\", median = \"{median}\", p99 = \"{p99}\" }}")
        }
        Latency::Quantiles { ln_q } => {
            let q = ln_q.map(recover_ln);
            format!(
                "{{ dist = \"quantiles\", p50 = \"{}\", p90 = \"{}\", p99 = \"{}\", p999 = \"{}\" }}",
                q[0], q[1], q[2], q[3]
            )
        }
    }
}

/// The span whose `as_secs_f64()` is exactly `x`.
fn recover_secs(x: f64) -> SimTime {
    recover(x, x, |t| t.as_secs_f64())
}

/// The span whose `as_secs_f64().ln()` is exactly `x`.
fn recover_ln(x: f64) -> SimTime {
    recover(x.exp(), x, |t| t.as_secs_f64().ln())
}

/// The span within 2 ns of `secs` whose image under `f` is exactly `x`, or
/// `secs` rounded if there is none.
fn recover(secs: f64, x: f64, f: impl Fn(SimTime) -> f64) -> SimTime {
    let guess = SimTime::from_secs_f64(secs);
    near(guess, |t| f(t) == x).unwrap_or(guess)
}

/// The first span within 2 ns of `guess` (nearest first) that `ok` accepts.
fn near(guess: SimTime, ok: impl Fn(SimTime) -> bool) -> Option<SimTime> {
    [0i64, -1, 1, -2, 2]
        .into_iter()
        .filter_map(|d| guess.0.checked_add_signed(d).map(SimTime))
        .find(|t| ok(*t))
}
