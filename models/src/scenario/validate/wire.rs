//! Validation of `redis.value_size` and `redis.bandwidth` (bytes on the
//! wire) and of `redis.persistence` (fork stalls, sized by the dataset).

use super::values::{positive_span, span};
use super::Problem;
use crate::scenario::error::key_display;
use crate::scenario::units::{clip, list, suggest};
use crate::scenario::wire::{parse_rate, parse_size, Size};
use crate::scenario::Persistence;
use sim::time::SimTime;
use toml::{Table, Value};

/// Distributions a size table may name, and the keys each takes.
const DISTS: [(&str, &[&str]); 3] = [
    ("constant", &["value"]),
    ("exponential", &["mean"]),
    ("lognormal", &["median", "p99"]),
];

/// `redis.value_size`: a size or a size table. Default `"0B"`.
pub(super) fn value_size(v: Option<&Value>) -> Result<Size, Problem> {
    let key = "redis.value_size";
    match v {
        None => Ok(Size::Constant(0)),
        Some(Value::Table(t)) => size_table(t, key),
        Some(v) => bytes(v, key).map(Size::Constant),
    }
}

/// A size in whole bytes.
fn bytes(v: &Value, key: &str) -> Result<u64, Problem> {
    match v {
        Value::String(s) => parse_size(s).map_err(|m| Problem::value(key, m)),
        _ => Err(Problem::expected(
            key,
            "a size like \"4KB\" or a table like { dist = \"exponential\", mean = \"4KB\" }",
            v,
        )),
    }
}

fn size_table(t: &Table, key: &str) -> Result<Size, Problem> {
    let names: Vec<&str> = DISTS.iter().map(|d| d.0).collect();
    let valid = list(&names, "\"", "\"");
    let dist = match t.get("dist") {
        Some(Value::String(s)) => s.as_str(),
        Some(v) => return Err(Problem::expected(format!("{key}.dist"), &valid, v)),
        None => {
            return Err(Problem::value(
                key,
                format!("a size table needs `dist`: {valid}"),
            ))
        }
    };
    let Some(&(dist, params)) = DISTS.iter().find(|d| d.0 == dist) else {
        let mut msg = format!("unknown size dist \"{}\"", clip(dist));
        match suggest(dist, &names) {
            Some(s) => msg.push_str(&format!(", did you mean \"{s}\"?")),
            None => msg.push_str(&format!("; expected {valid}")),
        }
        return Err(Problem::value(format!("{key}.dist"), msg));
    };
    if let Some(k) = t
        .keys()
        .find(|k| *k != "dist" && !params.contains(&k.as_str()))
    {
        return Err(Problem::unknown(
            format!("{key}.{k}"),
            format!(
                "unknown key `{}` in {} (dist \"{dist}\"); it takes {}",
                clip(k),
                key_display(key),
                list(params, "`", "`")
            ),
        ));
    }
    let mut got = [0u64; 2];
    for (i, p) in params.iter().enumerate() {
        let v = t.get(*p).ok_or_else(|| {
            Problem::value(
                format!("{key}.{p}"),
                format!(
                    "required but missing: dist \"{dist}\" takes {}",
                    list(params, "`", "`")
                ),
            )
        })?;
        got[i] = bytes(v, &format!("{key}.{p}"))?;
    }
    Ok(match dist {
        "constant" => Size::Constant(got[0]),
        // An empty mean is the empty constant (one way to write nothing).
        "exponential" if got[0] == 0 => Size::Constant(0),
        "exponential" => Size::Exponential(got[0]),
        _ => {
            let (median, p99) = (got[0], got[1]);
            if median == 0 || p99 <= median {
                return Err(Problem::value(
                    format!("{key}.p99"),
                    "a log-normal size needs 0 < median < p99",
                ));
            }
            Size::LogNormal { median, p99 }
        }
    })
}

/// `redis.bandwidth`: a rate > 0 in bits per second, or `"none"`. A rate
/// needs bytes to carry (`value_size` above 0).
pub(super) fn bandwidth(v: Option<&Value>, size: &Size) -> Result<Option<u64>, Problem> {
    let key = "redis.bandwidth";
    let bits = match v {
        None => return Ok(None),
        Some(Value::String(s)) if s == "none" => return Ok(None),
        Some(Value::String(s)) => parse_rate(s).map_err(|m| Problem::value(key, m))?,
        Some(v) => {
            return Err(Problem::expected(
                key,
                "a rate like \"1Gbit\" or \"125MB/s\", or \"none\"",
                v,
            ))
        }
    };
    if bits == 0 {
        return Err(Problem::value(
            key,
            "expected a rate > 0, or \"none\" for unlimited",
        ));
    }
    if size.is_zero() {
        return Err(Problem::value(
            key,
            "replies carry no bytes (redis.value_size is \"0B\"): set redis.value_size, \
             or remove redis.bandwidth",
        ));
    }
    Ok(Some(bits))
}

/// The keys of `redis.persistence`.
const PERSISTENCE_KEYS: [&str; 3] = ["every", "stall_per_gb", "dataset"];

/// `redis.persistence`: a table of `every`, `stall_per_gb` and `dataset`,
/// or `"none"`. The stall must be shorter than `every`.
pub(super) fn persistence(v: Option<&Value>) -> Result<Option<Persistence>, Problem> {
    let key = "redis.persistence";
    let t = match v {
        None => return Ok(None),
        Some(Value::String(s)) if s == "none" => return Ok(None),
        Some(Value::Table(t)) => t,
        Some(v) => {
            return Err(Problem::expected(
                key,
                "a table like { every = \"5m\", stall_per_gb = \"10ms\", dataset = \"4GB\" }, \
                 or \"none\"",
                v,
            ))
        }
    };
    if let Some(k) = t.keys().find(|k| !PERSISTENCE_KEYS.contains(&k.as_str())) {
        return Err(Problem::unknown_key(
            key,
            k,
            &PERSISTENCE_KEYS,
            "",
            "it takes ",
        ));
    }
    let get = |k: &str, what: &str| {
        t.get(k).ok_or_else(|| {
            Problem::value(
                format!("{key}.{k}"),
                format!("required but missing: {what}"),
            )
        })
    };
    let every_v = get(
        "every",
        "the time between two forks of a shard, e.g. every = \"5m\"",
    )?;
    let every = span(Some(every_v), &format!("{key}.every"), SimTime::ZERO)?;
    positive_span(every, Some(every_v), &format!("{key}.every"))?;
    let per_gb = get(
        "stall_per_gb",
        "the fork's stall per GB of dataset, e.g. stall_per_gb = \"10ms\"",
    )?;
    let stall_per_gb = span(Some(per_gb), &format!("{key}.stall_per_gb"), SimTime::ZERO)?;
    let dataset_v = get("dataset", "a shard's dataset, e.g. dataset = \"4GB\"")?;
    let dataset = bytes(dataset_v, &format!("{key}.dataset"))?;
    let p = Persistence {
        every,
        stall_per_gb,
        dataset,
    };
    if p.stall() >= every {
        return Err(Problem::value(
            format!("{key}.every"),
            format!(
                "a fork stalls the event loop {} ({} x {}), not shorter than every = \"{every}\": \
                 the loop would never run",
                p.stall(),
                stall_per_gb,
                crate::scenario::wire::size_text(dataset).trim_matches('"'),
            ),
        ));
    }
    Ok(Some(p))
}
