//! Validation: from a TOML table to a [`Scenario`] the engine can trust.
//!
//! Two passes. The first walks the table's shape (every table known, every
//! key known, tables where tables belong) and reports the problem that comes
//! first in the file. The second deserializes the [`raw`] structs, fills in
//! defaults and checks every value and every rule between values, in schema
//! order. Problems name a dotted key; [`super::parse`] turns the key into a
//! file position or a `--set` assignment.

use super::presets;
use super::raw::{self, RawProfilePoint, RawScenario};
use super::units::{clip, describe, list, no_unit, parse_duration, quote, suggest};
use super::{
    Backoff, CheckoutCheck, Client, Database, ErrorCause, Jitter, Network, OnIdle, Order, Pods,
    Pool, PoolLife, ProfilePoint, Redis, Scenario, Simulation, WhenExhausted, Workload, L1,
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
        if let (true, Some(Value::Table(b))) = (name == "client", table.get("backoff")) {
            check_keys(b, "client.backoff", raw::backoff_keys(), &mut problems);
        }
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

/// What a preset filled in: its name and the dotted keys it supplied.
#[derive(Clone, Debug, Default)]
pub(crate) struct Applied {
    /// The preset named by `pool.preset`, if any.
    pub name: Option<&'static str>,
    /// Dotted keys whose value came from the preset (`client.backoff.base`).
    pub keys: Vec<String>,
}

impl Applied {
    fn supplied(&self, key: &str) -> bool {
        self.keys.iter().any(|k| k == key)
    }

    /// Says so in a problem about a value the preset supplied.
    fn blame(&self, mut p: Problem) -> Problem {
        if let (Some(name), true) = (self.name, self.supplied(&p.key)) {
            p.message
                .push_str(&format!(" (the value of preset \"{name}\")"));
        }
        p
    }
}

/// Builds the scenario from a table whose shape [`check_shape`] accepted,
/// also saying what the preset filled in.
pub(crate) fn build_applied(doc: &Table, name: &str) -> Result<(Scenario, Applied), Problem> {
    let (doc, applied) = with_preset(doc)?;
    match build_merged(&doc, name, &applied) {
        Ok(s) => Ok((s, applied)),
        Err(p) => Err(applied.blame(p)),
    }
}

/// `doc` with the keys of its `pool.preset` filled in where not written.
fn with_preset(doc: &Table) -> Result<(Table, Applied), Problem> {
    let written = doc
        .get("pool")
        .and_then(Value::as_table)
        .and_then(|p| p.get("preset"));
    let mut options = vec!["none"];
    options.extend(presets::NAMES);
    let chosen = choice(written, "pool.preset", &options, "none")?;
    let Some(preset) = presets::table(chosen) else {
        return Ok((doc.clone(), Applied::default()));
    };
    let mut merged = doc.clone();
    let mut keys = Vec::new();
    fill(&mut merged, &preset, "", &mut keys);
    Ok((
        merged,
        Applied {
            name: Some(chosen),
            keys,
        },
    ))
}

/// Copies into `doc` every leaf of `preset` that `doc` does not have,
/// recording the dotted keys copied. Tables merge key by key; a value of the
/// wrong type in `doc` is left alone for validation to report.
fn fill(doc: &mut Table, preset: &Table, prefix: &str, keys: &mut Vec<String>) {
    for (k, v) in preset {
        let path = if prefix.is_empty() {
            k.clone()
        } else {
            format!("{prefix}.{k}")
        };
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

fn build_merged(doc: &Table, name: &str, applied: &Applied) -> Result<Scenario, Problem> {
    let raw: RawScenario = Value::Table(doc.clone())
        .try_into()
        .map_err(|e: toml::de::Error| Problem::value("", e.message().to_string()))?;
    let simulation = simulation(raw.simulation.unwrap_or_default())?;
    let workload = workload(raw.workload.unwrap_or_default())?;
    let pods = raw.pods.unwrap_or_default();
    let pods = Pods {
        count: whole(pods.count.as_ref(), "pods.count", 1, 1, 10_000)? as u32,
    };
    let pool = pool(raw.pool.unwrap_or_default(), applied)?;
    let network = network(raw.network.unwrap_or_default())?;
    let redis = redis(raw.redis.unwrap_or_default())?;
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
    let client = client(raw.client.unwrap_or_default())?;
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

fn network(n: raw::RawNetwork) -> Result<Network, Problem> {
    let default_rtt = Latency::Exponential { mean: 1e-3 };
    let on_idle = match choice(
        n.on_idle.as_ref(),
        "network.on_idle",
        &["reset", "drop"],
        "drop",
    )? {
        "reset" => OnIdle::Reset,
        _ => OnIdle::Drop,
    };
    Ok(Network {
        rtt: latency(n.rtt.as_ref(), "network.rtt", default_rtt)?,
        idle_timeout: optional_span(
            n.idle_timeout.as_ref(),
            "network.idle_timeout",
            None,
            Zero::Refused,
        )?,
        on_idle,
    })
}

fn redis(r: raw::RawRedis) -> Result<Redis, Problem> {
    Ok(Redis {
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
        maxclients: whole(
            r.maxclients.as_ref(),
            "redis.maxclients",
            10_000,
            1,
            10_000_000,
        )? as u32,
        timeout: optional_span(r.timeout.as_ref(), "redis.timeout", None, Zero::MeansNone)?,
        tcp_keepalive: optional_span(
            r.tcp_keepalive.as_ref(),
            "redis.tcp_keepalive",
            Some(SimTime::from_secs(300)),
            Zero::MeansNone,
        )?,
        accept_cost: latency(
            r.accept_cost.as_ref(),
            "redis.accept_cost",
            Latency::Constant(SimTime::from_micros(20)),
        )?,
    })
}

fn client(c: raw::RawClient) -> Result<Client, Problem> {
    let d = Client::defaults(true);
    Ok(Client {
        hold_during_fallback: boolean(
            c.hold_during_fallback.as_ref(),
            "client.hold_during_fallback",
            true,
        )?,
        connect_round_trips: whole(
            c.connect_round_trips.as_ref(),
            "client.connect_round_trips",
            u64::from(d.connect_round_trips),
            1,
            10,
        )? as u32,
        tls: boolean(c.tls.as_ref(), "client.tls", d.tls)?,
        connect_timeout: optional_span(
            c.connect_timeout.as_ref(),
            "client.connect_timeout",
            d.connect_timeout,
            Zero::Refused,
        )?,
        socket_timeout: optional_span(
            c.socket_timeout.as_ref(),
            "client.socket_timeout",
            d.socket_timeout,
            Zero::Refused,
        )?,
        tcp_keepalive: optional_span(
            c.tcp_keepalive.as_ref(),
            "client.tcp_keepalive",
            d.tcp_keepalive,
            Zero::Refused,
        )?,
        retries: whole(
            c.retries.as_ref(),
            "client.retries",
            u64::from(d.retries),
            0,
            100,
        )? as u32,
        backoff: backoff(c.backoff.as_ref(), d.backoff)?,
        retry_on: retry_on(c.retry_on.as_ref(), d.retry_on)?,
        retry_budget: match &c.retry_budget {
            None => d.retry_budget,
            Some(Value::String(s)) if s == "none" => None,
            Some(v @ (Value::Integer(_) | Value::Float(_))) => {
                Some(number(Some(v), "client.retry_budget", None, Range::Ratio)?)
            }
            Some(v) => {
                return Err(Problem::value(
                    "client.retry_budget",
                    format!(
                        "expected a ratio from 0 to 1 or \"none\", found {}",
                        describe(v)
                    ),
                ))
            }
        },
    })
}

fn backoff(v: Option<&Value>, default: Backoff) -> Result<Backoff, Problem> {
    let key = "client.backoff";
    let raw: raw::RawBackoff = match v {
        None => return Ok(default),
        Some(Value::Table(_)) => v
            .cloned()
            .expect("matched Some")
            .try_into()
            .map_err(|e: toml::de::Error| Problem::value(key, e.message().to_string()))?,
        Some(v) => {
            return Err(Problem::value(
                key,
                format!(
                    "expected a table like {{ base = \"10ms\", cap = \"1s\", jitter = \"full\" }}, found {}",
                    describe(v)
                ),
            ))
        }
    };
    let base = span(raw.base.as_ref(), "client.backoff.base", default.base)?;
    let cap = span(raw.cap.as_ref(), "client.backoff.cap", default.cap)?;
    if cap < base {
        return Err(Problem::value(
            "client.backoff.cap",
            format!("cap ({cap}) is below base ({base}); the cap must be at least the first sleep"),
        )
        .near("client.backoff"));
    }
    let jitter = match choice(
        raw.jitter.as_ref(),
        "client.backoff.jitter",
        &["full", "equal", "none"],
        "full",
    )? {
        "equal" => Jitter::Equal,
        "none" => Jitter::None,
        _ => Jitter::Full,
    };
    Ok(Backoff { base, cap, jitter })
}

fn retry_on(v: Option<&Value>, default: Vec<ErrorCause>) -> Result<Vec<ErrorCause>, Problem> {
    let key = "client.retry_on";
    let names: Vec<&str> = ErrorCause::ALL.iter().map(|c| c.name()).collect();
    let items = match v {
        None => return Ok(default),
        Some(Value::Array(items)) => items,
        Some(v) => {
            return Err(Problem::value(
                key,
                format!(
                    "expected an array of error names like [\"socket_timeout\"], found {}",
                    describe(v)
                ),
            ))
        }
    };
    let mut causes = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("{key}[{i}]");
        let name = choice(Some(item), &path, &names, "")?;
        let cause = ErrorCause::ALL
            .into_iter()
            .find(|c| c.name() == name)
            .expect("choice returns one of the names");
        if causes.contains(&cause) {
            return Err(Problem::value(path, format!("\"{name}\" is listed twice")));
        }
        causes.push(cause);
    }
    causes.sort();
    Ok(causes)
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
    let limit = crate::engine::model::TIME_LIMIT;
    if duration
        .0
        .checked_add(warmup.0)
        .is_none_or(|end| end >= limit.0)
    {
        return Err(Problem::value(
            "simulation.warmup",
            format!(
                "warm-up ({warmup}) plus duration ({duration}) reach the simulated clock's limit \
                 of about 146 years; shorten them"
            ),
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

fn pool(p: raw::RawPool, applied: &Applied) -> Result<Pool, Problem> {
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
    let mut acquire_timeout = acquire_timeout(p.acquire_timeout.as_ref())?;
    if when_exhausted == WhenExhausted::Fail && applied.supplied("pool.acquire_timeout") {
        // The file chose to fail at once: the preset's wait does not apply.
        acquire_timeout = None;
    }
    if let (WhenExhausted::Fail, Some(t)) = (when_exhausted, acquire_timeout) {
        let from = match applied.name {
            Some(name) if applied.supplied("pool.when_exhausted") => {
                format!(" (from preset \"{name}\")")
            }
            _ => String::new(),
        };
        return Err(Problem::value(
            "pool.acquire_timeout",
            format!(
                "\"{t}\" has no effect with when_exhausted = \"fail\"{from}; \
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
        life: pool_life(&p, max_total, applied)?,
    })
}

fn pool_life(p: &raw::RawPool, max_total: u32, applied: &Applied) -> Result<PoolLife, Problem> {
    let d = PoolLife::defaults(max_total);
    let mut max_idle = whole(
        p.max_idle.as_ref(),
        "pool.max_idle",
        u64::from(d.max_idle),
        0,
        1_000_000,
    )? as u32;
    if applied.supplied("pool.max_idle") {
        // commons-pool2 never keeps more idle than open.
        max_idle = max_idle.min(max_total);
    }
    if max_idle > max_total {
        return Err(Problem::value(
            "pool.max_idle",
            format!(
                "max_idle ({max_idle}) is above max_total ({max_total}); lower it, or raise max_total"
            ),
        ));
    }
    let min_idle = whole(
        p.min_idle.as_ref(),
        "pool.min_idle",
        u64::from(d.min_idle),
        0,
        1_000_000,
    )? as u32;
    if min_idle > max_idle {
        return Err(Problem::value(
            "pool.min_idle",
            format!(
                "min_idle ({min_idle}) is above max_idle ({max_idle}); lower it, or raise max_idle"
            ),
        ));
    }
    let checkout_check = match choice(
        p.checkout_check.as_ref(),
        "pool.checkout_check",
        &["none", "peek"],
        "none",
    )? {
        "peek" => CheckoutCheck::Peek,
        _ => CheckoutCheck::None,
    };
    let tests = match &p.tests_per_eviction_run {
        None => d.tests_per_eviction_run,
        Some(v) => {
            let key = "pool.tests_per_eviction_run";
            let n = whole_signed(v, key, 1_000_000)?;
            if n == 0 {
                return Err(Problem::value(
                    key,
                    "expected a whole number other than 0 (a negative n examines ceil(idle / |n|)), found 0",
                ));
            }
            n as i32
        }
    };
    Ok(PoolLife {
        min_idle,
        max_idle,
        max_lifetime: optional_span(
            p.max_lifetime.as_ref(),
            "pool.max_lifetime",
            d.max_lifetime,
            Zero::Refused,
        )?,
        idle_timeout: optional_span(
            p.idle_timeout.as_ref(),
            "pool.idle_timeout",
            d.idle_timeout,
            Zero::Refused,
        )?,
        checkout_check,
        test_on_borrow: boolean(
            p.test_on_borrow.as_ref(),
            "pool.test_on_borrow",
            d.test_on_borrow,
        )?,
        test_while_idle: boolean(
            p.test_while_idle.as_ref(),
            "pool.test_while_idle",
            d.test_while_idle,
        )?,
        eviction_interval: optional_span(
            p.eviction_interval.as_ref(),
            "pool.eviction_interval",
            d.eviction_interval,
            Zero::Refused,
        )?,
        min_evictable_idle: optional_span(
            p.min_evictable_idle.as_ref(),
            "pool.min_evictable_idle",
            d.min_evictable_idle,
            Zero::Refused,
        )?,
        tests_per_eviction_run: tests,
    })
}

/// A whole number, possibly negative, with `|n| <= max`.
fn whole_signed(v: &Value, key: &str, max: i64) -> Result<i64, Problem> {
    let n = match v {
        Value::Integer(i) => *i,
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => *f as i64,
        _ => {
            return Err(Problem::value(
                key,
                format!("expected a whole number, found {}", describe(v)),
            ))
        }
    };
    if n.unsigned_abs() > max.unsigned_abs() {
        return Err(Problem::value(
            key,
            format!(
                "expected a whole number from -{max} to {max}, found {}",
                describe(v)
            ),
        ));
    }
    Ok(n)
}

/// What a zero duration means for an optional duration.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Zero {
    /// Zero is refused: write `"none"` to turn the setting off.
    Refused,
    /// Zero means `None`, as in redis.conf (`timeout 0`, `tcp-keepalive 0`).
    MeansNone,
}

/// A duration or `"none"`.
fn optional_span(
    v: Option<&Value>,
    key: &str,
    default: Option<SimTime>,
    zero: Zero,
) -> Result<Option<SimTime>, Problem> {
    let words = match zero {
        Zero::Refused => "a duration > 0 like \"30s\", or \"none\"",
        Zero::MeansNone => "a duration like \"300s\", or \"none\" (also \"0s\" or 0) for never",
    };
    match v {
        None => Ok(default),
        Some(Value::String(s)) if s == "none" => Ok(None),
        Some(Value::Integer(0)) if zero == Zero::MeansNone => Ok(None),
        Some(Value::String(s)) if !s.chars().any(|c| c.is_ascii_digit()) => Err(Problem::value(
            key,
            format!("expected {words}, found {}", quote(s)),
        )),
        Some(v) => {
            let t = span(Some(v), key, SimTime::ZERO)?;
            match (t == SimTime::ZERO, zero) {
                (false, _) => Ok(Some(t)),
                (true, Zero::MeansNone) => Ok(None),
                (true, Zero::Refused) => Err(Problem::value(
                    key,
                    format!("expected {words}, found {}", describe(v)),
                )),
            }
        }
    }
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
