//! Validation: from a TOML table to a [`Scenario`] the engine can trust.
//!
//! Two passes. The first walks the table's shape (every table known, every
//! key known, tables where tables belong) and reports the problem that comes
//! first in the file. The second deserializes the [`raw`] structs, fills in
//! defaults and checks every value and every rule between values, in schema
//! order. Problems name a dotted key; [`super::parse`] turns the key into a
//! file position or a `--set` assignment.

use super::raw::{self, RawProfilePoint, RawScenario};
use super::units::{clip, describe, list, no_unit, parse_duration, quote, suggest};
use super::{
    Client, Database, Network, Order, Pods, Pool, ProfilePoint, Redis, Scenario, Simulation,
    WhenExhausted, Workload, L1,
};
use sim::dist::Latency;
use sim::time::SimTime;
use toml::{Table, Value};

/// Most time-series buckets in a run.
pub(crate) const MAX_BUCKETS: u64 = 2000;
/// Most points in a traffic profile.
const MAX_PROFILE_POINTS: usize = 10_000;

/// One thing wrong with a scenario, before it is located.
#[derive(Clone, Debug)]
pub(crate) struct Problem {
    /// Dotted key at fault (`pool.max_total`, `workload.profile[2].at`).
    pub key: String,
    /// What is wrong and what to do.
    pub message: String,
    /// The message already names the key (unknown-key messages).
    pub names_key: bool,
    /// Point at the key itself rather than at its value.
    pub at_key: bool,
    /// Where to point if `key` is not written anywhere (a default is at fault).
    pub near: Option<String>,
}

impl Problem {
    fn value(key: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            key: key.into(),
            message: message.into(),
            names_key: false,
            at_key: false,
            near: None,
        }
    }
    /// Points at `key` when the problem's own key is not written.
    fn near(mut self, key: &str) -> Self {
        self.near = Some(key.to_string());
        self
    }
    fn unknown(key: String, message: String) -> Self {
        Problem {
            key,
            message,
            names_key: true,
            at_key: true,
            near: None,
        }
    }
}

/// Every problem with the shape of `doc`: unknown tables and keys, and values
/// that should be tables. Unordered; the caller picks the first in the file.
pub(crate) fn check_shape(doc: &Table) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (name, value) in doc {
        if raw::FOREIGN_TABLES.contains(&name.as_str()) {
            continue;
        }
        let Some(keys) = raw::table_keys(name) else {
            problems.push(unknown_top_level(name, value));
            continue;
        };
        let Value::Table(table) = value else {
            let msg = format!("expected a table, found {}", describe(value));
            problems.push(Problem {
                at_key: true,
                ..Problem::value(name.as_str(), msg)
            });
            continue;
        };
        check_keys(table, name, keys, &mut problems);
        if let (true, Some(Value::Array(points))) = (name == "workload", table.get("profile")) {
            for (i, point) in points.iter().enumerate() {
                if let Value::Table(t) = point {
                    let path = format!("workload.profile[{i}]");
                    check_keys(t, &path, raw::profile_keys(), &mut problems);
                }
            }
        }
    }
    problems
}

/// Unknown keys of `table` (at dotted `path`), given the valid ones.
fn check_keys(table: &Table, path: &str, valid: &[&str], out: &mut Vec<Problem>) {
    for key in table.keys().filter(|k| !valid.contains(&k.as_str())) {
        let place = super::error::key_display(path);
        let msg = match suggest(key, valid) {
            Some(s) => format!(
                "unknown key `{}` in {place}, did you mean `{s}`?",
                clip(key)
            ),
            None => format!(
                "unknown key `{}` in {place}; valid keys: {}",
                clip(key),
                list(valid, "`", "`")
            ),
        };
        out.push(Problem::unknown(format!("{path}.{key}"), msg));
    }
}

/// An unknown top-level table or key.
fn unknown_top_level(name: &str, value: &Value) -> Problem {
    let tables: Vec<&str> = raw::table_names().to_vec();
    let what = if value.is_table() {
        "table"
    } else {
        "top-level key"
    };
    let shown = if value.is_table() {
        format!("[{}]", clip(name))
    } else {
        format!("`{}`", clip(name))
    };
    let home = tables
        .iter()
        .find(|t| raw::table_keys(t).is_some_and(|k| k.contains(&name)));
    let msg = match (home, suggest(name, &tables)) {
        (Some(home), _) if !value.is_table() => {
            format!("unknown {what} {shown}; it belongs in [{home}]")
        }
        (_, Some(s)) => format!("unknown {what} {shown}, did you mean [{s}]?"),
        _ => format!(
            "unknown {what} {shown}; valid tables: {}",
            list(&tables, "[", "]")
        ),
    };
    Problem::unknown(name.to_string(), msg)
}

/// Builds the scenario from a table whose shape [`check_shape`] accepted.
pub(crate) fn build(doc: &Table, name: &str) -> Result<Scenario, Problem> {
    let raw: RawScenario = Value::Table(doc.clone())
        .try_into()
        .map_err(|e: toml::de::Error| Problem::value("", e.message().to_string()))?;
    let simulation = simulation(raw.simulation.unwrap_or_default())?;
    let workload = workload(raw.workload.unwrap_or_default())?;
    let pods = raw.pods.unwrap_or_default();
    let pods = Pods {
        count: whole(pods.count.as_ref(), "pods.count", 1, 1, 10_000)? as u32,
    };
    let pool = pool(raw.pool.unwrap_or_default())?;
    let network = raw.network.unwrap_or_default();
    let default_rtt = Latency::Exponential { mean: 1e-3 };
    let network = Network {
        rtt: latency(network.rtt.as_ref(), "network.rtt", default_rtt)?,
        idle_timeout: None,
        on_idle: super::OnIdle::Drop,
    };
    let r = raw.redis.unwrap_or_default();
    let redis = Redis {
        shards: whole(r.shards.as_ref(), "redis.shards", 1, 1, 1024)? as u32,
        service_time: latency(
            r.service_time.as_ref(),
            "redis.service_time",
            Latency::Constant(SimTime::ZERO),
        )?,
        hit_ratio: number(
            r.hit_ratio.as_ref(),
            "redis.hit_ratio",
            Some(1.0),
            Range::Ratio,
        )?,
        maxclients: 10_000,
        timeout: None,
        tcp_keepalive: Some(SimTime::from_secs(300)),
        accept_cost: Latency::Constant(SimTime::from_micros(20)),
    };
    let l = raw.l1.unwrap_or_default();
    let l1 = L1 {
        hit_ratio: number(
            l.hit_ratio.as_ref(),
            "l1.hit_ratio",
            Some(0.0),
            Range::Ratio,
        )?,
        lookup_time: latency(
            l.lookup_time.as_ref(),
            "l1.lookup_time",
            Latency::Constant(SimTime(1_500)),
        )?,
    };
    let db = raw.database.unwrap_or_default();
    let default_db = Latency::lognormal(SimTime::from_millis(2), SimTime::from_millis(20))
        .expect("the default database latency is valid");
    let database = Database {
        latency: latency(db.latency.as_ref(), "database.latency", default_db)?,
    };
    let c = raw.client.unwrap_or_default();
    let client = Client::defaults(boolean(
        c.hold_during_fallback.as_ref(),
        "client.hold_during_fallback",
        true,
    )?);
    Ok(Scenario {
        name: name.to_string(),
        simulation,
        workload,
        pods,
        pool,
        network,
        redis,
        l1,
        database,
        client,
    })
}

fn simulation(s: raw::RawSimulation) -> Result<Simulation, Problem> {
    let duration = span(
        s.duration.as_ref(),
        "simulation.duration",
        SimTime::from_secs(60),
    )?;
    positive_span(duration, s.duration.as_ref(), "simulation.duration")?;
    let warmup = span(
        s.warmup.as_ref(),
        "simulation.warmup",
        SimTime::from_secs(5),
    )?;
    if duration.0.checked_add(warmup.0).is_none() {
        return Err(Problem::value(
            "simulation.warmup",
            "warmup plus duration exceed the longest simulated time (about 584 years)",
        ));
    }
    let seed = whole(s.seed.as_ref(), "simulation.seed", 1, 0, u64::MAX.into())?;
    let replications = whole(
        s.replications.as_ref(),
        "simulation.replications",
        1,
        1,
        10_000,
    )? as u32;
    let bucket = span(
        s.bucket.as_ref(),
        "simulation.bucket",
        SimTime::from_secs(1),
    )?;
    positive_span(bucket, s.bucket.as_ref(), "simulation.bucket")?;
    if bucket > duration {
        return Err(Problem::value(
            "simulation.bucket",
            format!("bucket ({bucket}) is longer than the duration ({duration})"),
        )
        .near("simulation.duration"));
    }
    let buckets = duration.0.div_ceil(bucket.0);
    if buckets > MAX_BUCKETS {
        return Err(Problem::value(
            "simulation.bucket",
            format!(
                "a duration of {duration} in {bucket} buckets makes {buckets} buckets, more than \
                 {MAX_BUCKETS}; set bucket = \"{}\" or more",
                nice_bucket(duration)
            ),
        )
        .near("simulation.duration"));
    }
    Ok(Simulation {
        duration,
        warmup,
        seed,
        replications,
        bucket,
    })
}

/// The smallest 1-2-5 bucket width that splits `duration` into at most
/// [`MAX_BUCKETS`] buckets.
fn nice_bucket(duration: SimTime) -> SimTime {
    let need = duration.0.div_ceil(MAX_BUCKETS);
    let mut base = 1u64;
    loop {
        for m in [1, 2, 5] {
            match base.checked_mul(m) {
                Some(w) if w >= need => return SimTime(w),
                None => return SimTime(need),
                _ => {}
            }
        }
        base = match base.checked_mul(10) {
            Some(b) => b,
            None => return SimTime(need),
        };
    }
}

fn workload(w: raw::RawWorkload) -> Result<Workload, Problem> {
    let rate = number(w.rate.as_ref(), "workload.rate", None, Range::Positive)?;
    let reads = whole(
        w.reads_per_request.as_ref(),
        "workload.reads_per_request",
        1,
        1,
        1000,
    )?;
    let profile = match &w.profile {
        None => Vec::new(),
        Some(v) => profile(v)?,
    };
    Ok(Workload {
        rate,
        reads_per_request: reads as u32,
        profile,
    })
}

fn profile(v: &Value) -> Result<Vec<ProfilePoint>, Problem> {
    let key = "workload.profile";
    let Value::Array(items) = v else {
        return Err(Problem::value(
            key,
            format!(
                "expected an array like [{{ at = \"1m\", scale = 2.0 }}], found {}",
                describe(v)
            ),
        ));
    };
    if items.len() > MAX_PROFILE_POINTS {
        return Err(Problem::value(
            key,
            format!("at most {MAX_PROFILE_POINTS} points, found {}", items.len()),
        ));
    }
    let mut points: Vec<ProfilePoint> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("{key}[{i}]");
        let raw: RawProfilePoint = match item {
            Value::Table(_) => item
                .clone()
                .try_into()
                .map_err(|e: toml::de::Error| Problem::value(&path, e.message().to_string()))?,
            _ => {
                return Err(Problem::value(
                    &path,
                    format!(
                        "expected a table like {{ at = \"1m\", scale = 2.0 }}, found {}",
                        describe(item)
                    ),
                ))
            }
        };
        let at_key = format!("{path}.at");
        let at = required(
            raw.at.as_ref(),
            &path,
            "at",
            "when the change starts, e.g. at = \"1m\"",
        )?;
        let at = span(Some(at), &at_key, SimTime::ZERO)?;
        let scale = required(
            raw.scale.as_ref(),
            &path,
            "scale",
            "the multiplier of rate, e.g. scale = 2.0",
        )?;
        let scale = number(
            Some(scale),
            &format!("{path}.scale"),
            None,
            Range::NonNegative,
        )?;
        let ramp = span(raw.ramp.as_ref(), &format!("{path}.ramp"), SimTime::ZERO)?;
        if at.0.checked_add(ramp.0).is_none() {
            return Err(Problem::value(
                format!("{path}.ramp"),
                "at + ramp is too long",
            ));
        }
        if let Some(prev) = points.last() {
            let j = i - 1;
            if at < prev.at {
                return Err(Problem::value(
                    at_key,
                    format!(
                        "points must be sorted by `at`: {at} is before profile[{j}].at = {}",
                        prev.at
                    ),
                ));
            }
            let end = prev.at + prev.ramp;
            if at < end {
                return Err(Problem::value(
                    at_key,
                    format!(
                        "starts at {at}, before profile[{j}] ends at {end} (its at {} + ramp {})",
                        prev.at, prev.ramp
                    ),
                ));
            }
        }
        points.push(ProfilePoint { at, scale, ramp });
    }
    Ok(points)
}

fn pool(p: raw::RawPool) -> Result<Pool, Problem> {
    let max_total = whole(p.max_total.as_ref(), "pool.max_total", 8, 1, 1_000_000)? as u32;
    let when_exhausted = match choice(
        p.when_exhausted.as_ref(),
        "pool.when_exhausted",
        &["block", "fail"],
        "block",
    )? {
        "fail" => WhenExhausted::Fail,
        _ => WhenExhausted::Block,
    };
    let acquire_timeout = acquire_timeout(p.acquire_timeout.as_ref())?;
    if let (WhenExhausted::Fail, Some(t)) = (when_exhausted, acquire_timeout) {
        return Err(Problem::value(
            "pool.acquire_timeout",
            format!(
                "\"{t}\" has no effect with when_exhausted = \"fail\"; \
                 remove it, or set when_exhausted = \"block\""
            ),
        ));
    }
    let order = match choice(p.order.as_ref(), "pool.order", &["lifo", "fifo"], "lifo")? {
        "fifo" => Order::Fifo,
        _ => Order::Lifo,
    };
    Ok(Pool {
        max_total,
        when_exhausted,
        acquire_timeout,
        order,
        life: super::PoolLife::defaults(max_total),
    })
}

fn acquire_timeout(v: Option<&Value>) -> Result<Option<SimTime>, Problem> {
    let key = "pool.acquire_timeout";
    match v {
        None => Ok(None),
        Some(Value::String(s)) if s == "none" => Ok(None),
        Some(Value::String(s)) if !s.chars().any(|c| c.is_ascii_digit()) => Err(Problem::value(
            key,
            format!(
                "expected a duration like \"5ms\" or \"none\", found {}",
                quote(s)
            ),
        )),
        Some(v) => span(Some(v), key, SimTime::ZERO).map(Some),
    }
}

/// A present value, or a problem naming the missing key.
fn required<'v>(
    v: Option<&'v Value>,
    table: &str,
    key: &str,
    what: &str,
) -> Result<&'v Value, Problem> {
    v.ok_or_else(|| {
        Problem::value(
            format!("{table}.{key}"),
            format!("required but missing: {what}"),
        )
    })
}

/// A whole number in `min..=max`. Floats with no fraction count as whole.
fn whole(v: Option<&Value>, key: &str, default: u64, min: i128, max: i128) -> Result<u64, Problem> {
    let Some(v) = v else { return Ok(default) };
    let n = match v {
        Value::Integer(i) => i128::from(*i),
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e30 => *f as i128,
        _ => {
            return Err(Problem::value(
                key,
                format!("expected a whole number, found {}", describe(v)),
            ))
        }
    };
    if n < min {
        return Err(Problem::value(
            key,
            format!("expected a whole number >= {min}, found {}", describe(v)),
        ));
    }
    if n > max {
        return Err(Problem::value(
            key,
            format!("expected a whole number <= {max}, found {}", describe(v)),
        ));
    }
    Ok(n as u64)
}

/// Which numbers a key accepts.
#[derive(Clone, Copy)]
enum Range {
    Positive,
    NonNegative,
    Ratio,
}

fn number(
    v: Option<&Value>,
    key: &str,
    default: Option<f64>,
    range: Range,
) -> Result<f64, Problem> {
    let v = match (v, default) {
        (Some(v), _) => v,
        (None, Some(d)) => return Ok(d),
        (None, None) => {
            return Err(Problem::value(
                key,
                "required but missing: requests per second over all pods, e.g. rate = 1000",
            ))
        }
    };
    let x = match v {
        Value::Integer(i) => *i as f64,
        Value::Float(f) => *f,
        _ => {
            return Err(Problem::value(
                key,
                format!("expected a number, found {}", describe(v)),
            ))
        }
    };
    let (ok, want) = match range {
        Range::Positive => (x > 0.0, "a number > 0"),
        Range::NonNegative => (x >= 0.0, "a number >= 0"),
        Range::Ratio => ((0.0..=1.0).contains(&x), "a ratio from 0 to 1"),
    };
    if !x.is_finite() {
        return Err(Problem::value(
            key,
            format!("expected a finite number, found {}", describe(v)),
        ));
    }
    if !ok {
        return Err(Problem::value(
            key,
            format!("expected {want}, found {}", describe(v)),
        ));
    }
    Ok(x)
}

fn boolean(v: Option<&Value>, key: &str, default: bool) -> Result<bool, Problem> {
    match v {
        None => Ok(default),
        Some(Value::Boolean(b)) => Ok(*b),
        Some(v) => Err(Problem::value(
            key,
            format!("expected true or false, found {}", describe(v)),
        )),
    }
}

/// One of `options`, as a string.
fn choice<'o>(
    v: Option<&Value>,
    key: &str,
    options: &[&'o str],
    default: &'o str,
) -> Result<&'o str, Problem> {
    let Some(v) = v else { return Ok(default) };
    if let Value::String(s) = v {
        if let Some(o) = options.iter().find(|o| **o == s) {
            return Ok(o);
        }
    }
    let mut msg = format!("expected {}, found {}", alternatives(options), describe(v));
    if let Some(s) = v.as_str().and_then(|s| suggest(s, options)) {
        msg.push_str(&format!("; did you mean \"{s}\"?"));
    }
    Err(Problem::value(key, msg))
}

/// `"a" or "b"`, `"a", "b" or "c"`.
fn alternatives(options: &[&str]) -> String {
    let quoted: Vec<String> = options.iter().map(|o| format!("\"{o}\"")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

/// A duration string such as `"5ms"`.
fn span(v: Option<&Value>, key: &str, default: SimTime) -> Result<SimTime, Problem> {
    match v {
        None => Ok(default),
        Some(Value::String(s)) => parse_duration(s).map_err(|m| Problem::value(key, m)),
        Some(v @ (Value::Integer(_) | Value::Float(_))) => {
            Err(Problem::value(key, no_unit(&describe(v))))
        }
        Some(v) => Err(Problem::value(
            key,
            format!("expected a duration like \"5ms\", found {}", describe(v)),
        )),
    }
}

fn positive_span(t: SimTime, v: Option<&Value>, key: &str) -> Result<(), Problem> {
    if t == SimTime::ZERO {
        let found = v.map(describe).unwrap_or_else(|| "0s".to_string());
        return Err(Problem::value(
            key,
            format!("expected a duration > 0, found {found}"),
        ));
    }
    Ok(())
}

/// Distributions a latency table may name, and the keys each takes.
const DISTS: [(&str, &[&str]); 5] = [
    ("constant", &["value"]),
    ("exponential", &["mean"]),
    ("uniform", &["low", "high"]),
    ("lognormal", &["median", "p99"]),
    ("quantiles", &["p50", "p90", "p99", "p999"]),
];

/// A latency: a duration (constant) or a table with `dist`.
fn latency(v: Option<&Value>, key: &str, default: Latency) -> Result<Latency, Problem> {
    match v {
        None => Ok(default),
        Some(v @ (Value::String(_) | Value::Integer(_) | Value::Float(_))) => {
            span(Some(v), key, SimTime::ZERO).map(Latency::Constant)
        }
        Some(Value::Table(t)) => dist_table(t, key),
        Some(v) => Err(Problem::value(
            key,
            format!(
                "expected a duration like \"1ms\" or a table like {{ dist = \"exponential\", mean = \"1ms\" }}, found {}",
                describe(v)
            ),
        )),
    }
}

fn dist_table(t: &Table, key: &str) -> Result<Latency, Problem> {
    let names: Vec<&str> = DISTS.iter().map(|d| d.0).collect();
    let valid = alternatives(&names);
    let dist_key = format!("{key}.dist");
    let dist = match t.get("dist") {
        None => {
            return Err(Problem::value(
                key,
                format!("a latency table needs `dist`: {valid}"),
            ))
        }
        Some(Value::String(s)) => s,
        Some(v) => {
            return Err(Problem::value(
                dist_key,
                format!("expected {valid}, found {}", describe(v)),
            ))
        }
    };
    let Some(&(dist, params)) = DISTS.iter().find(|d| d.0 == dist) else {
        let mut msg = format!("unknown dist {}", quote(dist));
        match suggest(dist, &names) {
            Some(s) => msg.push_str(&format!(", did you mean \"{s}\"?")),
            None => msg.push_str(&format!("; expected {valid}")),
        }
        return Err(Problem::value(dist_key, msg));
    };
    let place = super::error::key_display(key);
    if let Some(k) = t
        .keys()
        .find(|k| *k != "dist" && !params.contains(&k.as_str()))
    {
        let msg = match suggest(k, params) {
            Some(s) => format!(
                "unknown key `{}` in {place} (dist \"{dist}\"), did you mean `{s}`?",
                clip(k)
            ),
            None => format!(
                "unknown key `{}` in {place}; dist \"{dist}\" takes {}",
                clip(k),
                list(params, "`", "`")
            ),
        };
        return Err(Problem::unknown(format!("{key}.{k}"), msg));
    }
    let mut spans = [SimTime::ZERO; 4];
    for (i, p) in params.iter().enumerate() {
        let v = t.get(*p).ok_or_else(|| {
            let takes = alternatives(params)
                .replace('"', "`")
                .replace(" or ", " and ");
            Problem::value(
                format!("{key}.{p}"),
                format!("required but missing: dist \"{dist}\" takes {takes}"),
            )
        })?;
        spans[i] = span(Some(v), &format!("{key}.{p}"), SimTime::ZERO)?;
    }
    let made = match dist {
        "constant" => Ok(Latency::Constant(spans[0])),
        "exponential" => Latency::exponential(spans[0]),
        "uniform" => Latency::uniform(spans[0], spans[1]),
        "lognormal" => Latency::lognormal(spans[0], spans[1]),
        _ => Latency::quantiles(spans),
    };
    made.map_err(|e| Problem::value(key, e.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_buckets() {
        assert_eq!(nice_bucket(SimTime::from_secs(3600)), SimTime::from_secs(2));
        assert_eq!(nice_bucket(SimTime::from_secs(2000)), SimTime::from_secs(1));
        assert_eq!(nice_bucket(SimTime::from_secs(2001)), SimTime::from_secs(2));
        assert_eq!(
            nice_bucket(SimTime::from_secs(86_400)),
            SimTime::from_secs(50)
        );
        assert_eq!(nice_bucket(SimTime::MAX), SimTime(10u64.pow(16)));
    }

    #[test]
    fn alternatives_read_naturally() {
        assert_eq!(alternatives(&["a", "b"]), "\"a\" or \"b\"");
        assert_eq!(alternatives(&["a", "b", "c"]), "\"a\", \"b\" or \"c\"");
    }
}
