//! Validation of the `[simulation]`, `[workload]` (with its traffic
//! profile), `[network]` and `[redis]` tables.

use super::section::Section;
use super::values::tables;
use super::{values, Problem};
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

pub(super) fn simulation(s: &Section) -> Result<Simulation, Problem> {
    let duration = s.span("duration")?;
    let warmup = s.span("warmup")?;
    let limit = crate::engine::model::TIME_LIMIT;
    if duration
        .0
        .checked_add(warmup.0)
        .is_none_or(|end| end >= limit.0)
    {
        return Err(Problem::value(
            s.key("warmup"),
            format!(
                "warm-up ({warmup}) plus duration ({duration}) reach the simulated clock's limit \
                 of about 146 years; shorten them"
            ),
        ));
    }
    let seed = s.whole("seed")?;
    let replications = s.whole("replications")? as u32;
    let bucket = s.span("bucket")?;
    if bucket > duration {
        return Err(Problem::value(
            s.key("bucket"),
            format!("bucket ({bucket}) is longer than the duration ({duration})"),
        )
        .near(&s.key("duration")));
    }
    let buckets = duration.0.div_ceil(bucket.0);
    if buckets > MAX_BUCKETS {
        return Err(Problem::value(
            s.key("bucket"),
            format!(
                "a duration of {duration} in {bucket} buckets makes {buckets} buckets, more than \
                 {MAX_BUCKETS}; set bucket = \"{}\" or more",
                nice_bucket(duration)
            ),
        )
        .near(&s.key("duration")));
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

pub(super) fn workload(w: &Section, dir: &Path) -> Result<Workload, Problem> {
    let replay = match w.get("arrivals") {
        None => None,
        Some(v) => Some(super::arrivals::read(v, dir)?),
    };
    let rate = match &replay {
        None => w.number("rate")?,
        Some(r) => {
            for key in ["rate", "profile"] {
                if w.get(key).is_some() {
                    return Err(Problem::value(
                        w.key(key),
                        "workload.arrivals replays recorded arrival times: give either it or rate and profile, not both (its speed scales the capture)",
                    ));
                }
            }
            r.mean_rate()
        }
    };
    let reads = w.whole("reads_per_request")?;
    let profile = match w.get("profile") {
        None => Vec::new(),
        Some(v) => profile(v)?,
    };
    Ok(Workload {
        rate,
        reads_per_request: reads as u32,
        profile,
        keys: super::keys::popularity(w)?,
        replay,
    })
}

fn profile(v: &Value) -> Result<Vec<ProfilePoint>, Problem> {
    let key = "workload.profile";
    let items = tables(
        v,
        key,
        (MAX_PROFILE_POINTS, "points"),
        "an array like [{ at = \"1m\", scale = 2.0 }],",
        "{ at = \"1m\", scale = 2.0 }",
    )?;
    let mut points: Vec<ProfilePoint> = Vec::with_capacity(items.len());
    for (i, point) in items.into_iter().enumerate() {
        let point = Section::new(point.0, "workload.profile", Some(point.1));
        let path = point.path();
        let at_key = point.key("at");
        let at = point.required_span("at", "when the change starts, e.g. at = \"1m\"")?;
        let scale = point.required("scale", "the multiplier of rate, e.g. scale = 2.0")?;
        let scale = point.number_of(Some(scale), "scale")?;
        let ramp = point.span("ramp")?;
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

pub(super) fn network(n: &Section, dir: &Path) -> Result<Network, Problem> {
    Ok(Network {
        rtt: n.latency("rtt", dir)?,
        idle_timeout: n.optional_span("idle_timeout")?,
        on_idle: match n.choice("on_idle")? {
            "reset" => OnIdle::Reset,
            _ => OnIdle::Drop,
        },
        tcp_user_timeout: n.optional_span("tcp_user_timeout")?,
        tcp_retries2: n.whole("tcp_retries2")? as u32,
    })
}

pub(super) fn redis(r: &Section, dir: &Path) -> Result<Redis, Problem> {
    let mut redis = Redis {
        shards: r.whole("shards")? as u32,
        service_time: r.latency("service_time", dir)?,
        hit_ratio: r.number("hit_ratio")?,
        maxclients: r.whole("maxclients")? as u32,
        timeout: r.optional_span("timeout")?,
        tcp_keepalive: r.optional_span("tcp_keepalive")?,
        accept_cost: r.latency("accept_cost", dir)?,
        command_overhead: r.latency("command_overhead", dir)?,
        ping_time: match r.get("ping_time") {
            None => None,
            Some(Value::String(s)) if s == PING_AS_COMMAND => None,
            Some(v) => Some(values::latency(
                Some(v),
                &r.key("ping_time"),
                Latency::Constant(SimTime::ZERO),
                dir,
            )?),
        },
        mode: match r.choice("mode")? {
            "cluster" => RedisMode::Cluster,
            _ => RedisMode::Proxy,
        },
        connection_scaling: match r.get("connection_scaling") {
            None => None,
            Some(Value::String(s)) if s == "none" => None,
            Some(v) => Some(r.whole_of(v, "connection_scaling")? as u32),
        },
        commands: Vec::new(),
        value_size: Size::Constant(0),
        bandwidth: None,
        persistence: None,
        reply_batching: r.boolean("reply_batching")?,
        replicas: r.whole("replicas")? as u32,
        read_from: match r.choice("read_from")? {
            "replica" => ReadFrom::Replica,
            "any" => ReadFrom::Any,
            _ => ReadFrom::Primary,
        },
    };
    // Last, in schema order; an entry's time defaults to `service_time`.
    redis.commands = super::commands::commands(r.get("commands"), &redis.service_time, dir)?;
    redis.value_size = super::wire::value_size(r.get("value_size"))?;
    redis.bandwidth = super::wire::bandwidth(r.get("bandwidth"), &redis.value_size)?;
    redis.persistence = super::wire::persistence(r.get("persistence"))?;
    Ok(redis)
}

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
