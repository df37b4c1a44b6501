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
use super::{Fault, FaultKind, Scenario};
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

/// Every dotted key the resolved scenario prints, in schema order; the
/// fields of `client.backoff` count one by one.
pub fn resolved_keys(s: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    for table in spec::model_tables() {
        let table_name = table.name;
        for key in table.keys.iter().map(|k| k.name) {
            if spec::key(table_name, key).omitted(s) {
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
                if spec::key(table, key).omitted(s) {
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

/// The TOML text of one key's value, as its [`spec`] entry prints it.
/// Multi-line only for a traffic profile and a command mix. The scenario
/// does not keep its preset (the engine needs only the values), so
/// `pool.preset` prints as `"none"`.
pub fn value_text(s: &Scenario, table: &str, key: &str) -> String {
    spec::key(table, key).text(s)
}

/// A duration, quoted.
pub(crate) fn q(t: SimTime) -> String {
    format!("\"{t}\"")
}

/// A duration or `"none"`.
pub(crate) fn opt(t: Option<SimTime>) -> String {
    t.map_or_else(|| word("none"), q)
}

/// A word, quoted.
pub(crate) fn word(w: &str) -> String {
    format!("\"{w}\"")
}

/// A keyed-cache setting's text; without a keyed cache, the schema's
/// default (the resolved scenario leaves these keys out then).
pub(crate) fn keyed_text(k: Option<&super::KeyedL1>, key: &str) -> String {
    let Some(k) = k else {
        return spec::key("l1", key)
            .default_toml()
            .expect("a keyed-cache setting has a default or none");
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
pub(crate) fn commands(s: &Scenario) -> String {
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
pub(crate) fn float(x: f64) -> String {
    if x.abs() >= 1e16 {
        format!("{x:e}")
    } else {
        format_float(x)
    }
}

/// The traffic profile as an array of inline tables, one per line.
pub(crate) fn profile(s: &Scenario) -> String {
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
