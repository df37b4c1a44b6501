//! Validation of the `[simulation]`, `[workload]` (with its traffic
//! profile), `[network]` and `[redis]` tables.

use super::values::{
    boolean, choice, latency, number, optional_span, positive_span, required, span, tables, whole,
    Range, Zero,
};
use super::Problem;
use crate::scenario::raw::{self, RawProfilePoint};
use crate::scenario::{
    Network, OnIdle, ProfilePoint, ReadFrom, Redis, RedisMode, Simulation, Size, Workload,
};
use sim::dist::Latency;
use sim::time::SimTime;
use std::path::Path;
use toml::Value;

/// Most time-series buckets in a run.
const MAX_BUCKETS: u64 = 2000;
/// Most points in a traffic profile.
const MAX_PROFILE_POINTS: usize = 10_000;

pub(super) fn simulation(s: raw::RawSimulation) -> Result<Simulation, Problem> {
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

pub(super) fn workload(w: raw::RawWorkload, dir: &std::path::Path) -> Result<Workload, Problem> {
    let replay = match &w.arrivals {
        None => None,
        Some(v) => Some(super::arrivals::read(v, dir)?),
    };
    let rate = match &replay {
        None => number(w.rate.as_ref(), "workload.rate", None, Range::Positive)?,
        Some(r) => {
            for (v, key) in [(&w.rate, "workload.rate"), (&w.profile, "workload.profile")] {
                if v.is_some() {
                    return Err(Problem::value(
                        key,
                        "workload.arrivals replays recorded arrival times: give either it or rate and profile, not both (its speed scales the capture)",
                    ));
                }
            }
            r.mean_rate()
        }
    };
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
        keys: super::keys::popularity(&w)?,
        replay,
    })
}

fn profile(v: &Value) -> Result<Vec<ProfilePoint>, Problem> {
    let key = "workload.profile";
    let items: Vec<(String, RawProfilePoint)> = tables(
        v,
        key,
        (MAX_PROFILE_POINTS, "points"),
        "an array like [{ at = \"1m\", scale = 2.0 }],",
        "{ at = \"1m\", scale = 2.0 }",
    )?;
    let mut points: Vec<ProfilePoint> = Vec::with_capacity(items.len());
    for (i, (path, raw)) in items.into_iter().enumerate() {
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

pub(super) fn network(n: raw::RawNetwork, dir: &Path) -> Result<Network, Problem> {
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
        rtt: latency(n.rtt.as_ref(), "network.rtt", default_rtt, dir)?,
        idle_timeout: optional_span(
            n.idle_timeout.as_ref(),
            "network.idle_timeout",
            None,
            Zero::Refused,
        )?,
        on_idle,
        tcp_user_timeout: optional_span(
            n.tcp_user_timeout.as_ref(),
            "network.tcp_user_timeout",
            None,
            Zero::Refused,
        )?,
        tcp_retries2: whole(n.tcp_retries2.as_ref(), "network.tcp_retries2", 15, 1, 30)? as u32,
    })
}

pub(super) fn redis(r: raw::RawRedis, dir: &Path) -> Result<Redis, Problem> {
    let mut redis = Redis {
        shards: whole(r.shards.as_ref(), "redis.shards", 1, 1, 1024)? as u32,
        service_time: latency(
            r.service_time.as_ref(),
            "redis.service_time",
            Latency::Constant(SimTime::ZERO),
            dir,
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
            dir,
        )?,
        command_overhead: latency(
            r.command_overhead.as_ref(),
            "redis.command_overhead",
            Latency::Constant(SimTime::ZERO),
            dir,
        )?,
        ping_time: match &r.ping_time {
            None => None,
            Some(Value::String(s)) if s == PING_AS_COMMAND => None,
            Some(v) => Some(latency(
                Some(v),
                "redis.ping_time",
                Latency::Constant(SimTime::ZERO),
                dir,
            )?),
        },
        mode: match choice(
            r.mode.as_ref(),
            "redis.mode",
            &["proxy", "cluster"],
            "proxy",
        )? {
            "cluster" => RedisMode::Cluster,
            _ => RedisMode::Proxy,
        },
        connection_scaling: match &r.connection_scaling {
            None => None,
            Some(Value::String(s)) if s == "none" => None,
            Some(v) => Some(whole(Some(v), "redis.connection_scaling", 1, 1, 100_000_000)? as u32),
        },
        commands: Vec::new(),
        value_size: Size::Constant(0),
        bandwidth: None,
        persistence: None,
        reply_batching: boolean(r.reply_batching.as_ref(), "redis.reply_batching", false)?,
        replicas: whole(r.replicas.as_ref(), "redis.replicas", 0, 0, MAX_REPLICAS)? as u32,
        read_from: match choice(
            r.read_from.as_ref(),
            "redis.read_from",
            &["primary", "replica", "any"],
            "primary",
        )? {
            "replica" => ReadFrom::Replica,
            "any" => ReadFrom::Any,
            _ => ReadFrom::Primary,
        },
    };
    // Last, in schema order; an entry's time defaults to `service_time`.
    redis.commands = super::commands::commands(r.commands.as_ref(), &redis.service_time, dir)?;
    redis.value_size = super::wire::value_size(r.value_size.as_ref())?;
    redis.bandwidth = super::wire::bandwidth(r.bandwidth.as_ref(), &redis.value_size)?;
    redis.persistence = super::wire::persistence(r.persistence.as_ref())?;
    Ok(redis)
}

/// Most replicas of a shard (`redis.replicas`).
const MAX_REPLICAS: i128 = 15;

/// The `redis.ping_time` word for "the same as a command's `service_time`".
const PING_AS_COMMAND: &str = "service_time";

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
}
