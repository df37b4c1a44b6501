//! Readers of single values: whole numbers, numbers in a range, booleans,
//! choices, durations, optional durations and latency distributions, each
//! with the message that explains a wrong value.

use super::Problem;
pub(super) use crate::scenario::spec::{Range, Zero};
use crate::scenario::units::{describe, no_unit, parse_duration, quote, suggest};
use sim::dist::Latency;
use sim::time::SimTime;
use std::path::Path;
use toml::{Table, Value};

/// A whole number, possibly negative, with `|n| <= max`.
pub(super) fn whole_signed(v: &Value, key: &str, max: i64) -> Result<i64, Problem> {
    let n = match v {
        Value::Integer(i) => *i,
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => *f as i64,
        _ => return Err(Problem::expected(key, "a whole number", v)),
    };
    if n.unsigned_abs() > max.unsigned_abs() {
        return Err(Problem::expected(
            key,
            &format!("a whole number from -{max} to {max}"),
            v,
        ));
    }
    Ok(n)
}

/// A duration or `"none"`.
pub(super) fn optional_span(
    v: Option<&Value>,
    key: &str,
    default: Option<SimTime>,
    zero: Zero,
) -> Result<Option<SimTime>, Problem> {
    let words = match zero {
        Zero::Refused => "a duration > 0 like \"30s\", or \"none\"".to_string(),
        Zero::MeansNone => {
            "a duration like \"300s\", or \"none\" (also \"0s\" or 0) for never".to_string()
        }
        Zero::Allowed { example } => format!("a duration like \"{example}\" or \"none\""),
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
                (false, _) | (true, Zero::Allowed { .. }) => Ok(Some(t)),
                (true, Zero::MeansNone) => Ok(None),
                (true, Zero::Refused) => Err(Problem::expected(key, &words, v)),
            }
        }
    }
}

/// The items of the array of tables `v` at `key`, at most `max` (`noun`
/// counts them in the error), each with its path (`key[i]`). `array` and
/// `table` show the expected shapes in errors (`array` with its
/// punctuation before "found").
pub(super) fn tables<'v>(
    v: &'v Value,
    key: &str,
    (max, noun): (usize, &str),
    array: &str,
    table: &str,
) -> Result<Vec<(String, &'v Table)>, Problem> {
    let Value::Array(items) = v else {
        return Err(Problem::value(
            key,
            format!("expected {array} found {}", describe(v)),
        ));
    };
    if items.len() > max {
        return Err(Problem::value(
            key,
            format!("at most {max} {noun}, found {}", items.len()),
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("{key}[{i}]");
        let Value::Table(t) = item else {
            return Err(Problem::expected(
                &path,
                &format!("a table like {table}"),
                item,
            ));
        };
        out.push((path, t));
    }
    Ok(out)
}

/// A whole number in `min..=max`. Floats with no fraction count as whole.
pub(super) fn whole(
    v: Option<&Value>,
    key: &str,
    default: u64,
    min: i128,
    max: i128,
) -> Result<u64, Problem> {
    let Some(v) = v else { return Ok(default) };
    let n = match v {
        Value::Integer(i) => i128::from(*i),
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e30 => *f as i128,
        _ => return Err(Problem::expected(key, "a whole number", v)),
    };
    if n < min {
        return Err(Problem::expected(
            key,
            &format!("a whole number >= {min}"),
            v,
        ));
    }
    if n > max {
        return Err(Problem::expected(
            key,
            &format!("a whole number <= {max}"),
            v,
        ));
    }
    Ok(n as u64)
}

pub(super) fn number(
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
        _ => return Err(Problem::expected(key, "a number", v)),
    };
    let (ok, want) = match range {
        Range::Positive => (x > 0.0, "a number > 0"),
        Range::NonNegative => (x >= 0.0, "a number >= 0"),
        Range::Ratio => ((0.0..=1.0).contains(&x), "a ratio from 0 to 1"),
    };
    if !x.is_finite() {
        return Err(Problem::expected(key, "a finite number", v));
    }
    if !ok {
        return Err(Problem::expected(key, want, v));
    }
    Ok(x)
}

pub(super) fn boolean(v: Option<&Value>, key: &str, default: bool) -> Result<bool, Problem> {
    match v {
        None => Ok(default),
        Some(Value::Boolean(b)) => Ok(*b),
        Some(v) => Err(Problem::expected(key, "true or false", v)),
    }
}

/// One of `options`, as a string.
pub(super) fn choice<'o>(
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
pub(super) fn span(v: Option<&Value>, key: &str, default: SimTime) -> Result<SimTime, Problem> {
    match v {
        None => Ok(default),
        Some(Value::String(s)) => parse_duration(s).map_err(|m| Problem::value(key, m)),
        Some(v @ (Value::Integer(_) | Value::Float(_))) => {
            Err(Problem::value(key, no_unit(&describe(v))))
        }
        Some(v) => Err(Problem::expected(key, "a duration like \"5ms\"", v)),
    }
}

pub(super) fn positive_span(t: SimTime, v: Option<&Value>, key: &str) -> Result<(), Problem> {
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
const DISTS: [(&str, &[&str]); 7] = [
    ("constant", &["value"]),
    ("exponential", &["mean"]),
    ("uniform", &["low", "high"]),
    ("lognormal", &["median", "p99"]),
    ("quantiles", &["p50", "p90", "p99", "p999"]),
    ("samples", &["file", "unit"]),
    ("prometheus", &["file", "metric", "labels", "unit"]),
];

/// A latency: a duration (constant) or a table with `dist`. Data files
/// (`dist = "samples"` or `"prometheus"`) are found relative to `dir`, the
/// scenario file's directory.
pub(super) fn latency(
    v: Option<&Value>,
    key: &str,
    default: Latency,
    dir: &Path,
) -> Result<Latency, Problem> {
    match v {
        None => Ok(default),
        Some(v @ (Value::String(_) | Value::Integer(_) | Value::Float(_))) => {
            span(Some(v), key, SimTime::ZERO).map(Latency::Constant)
        }
        Some(Value::Table(t)) => dist_table(t, key, dir),
        Some(v) => Err(Problem::expected(
            key,
            "a duration like \"1ms\" or a table like { dist = \"exponential\", mean = \"1ms\" }",
            v,
        )),
    }
}

fn dist_table(t: &Table, key: &str, dir: &Path) -> Result<Latency, Problem> {
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
        Some(v) => return Err(Problem::expected(dist_key, &valid, v)),
    };
    let Some(&(dist, params)) = DISTS.iter().find(|d| d.0 == dist) else {
        let mut msg = format!("unknown dist {}", quote(dist));
        match suggest(dist, &names) {
            Some(s) => msg.push_str(&format!(", did you mean \"{s}\"?")),
            None => msg.push_str(&format!("; expected {valid}")),
        }
        return Err(Problem::value(dist_key, msg));
    };
    if let Some(k) = t
        .keys()
        .find(|k| *k != "dist" && !params.contains(&k.as_str()))
    {
        return Err(Problem::unknown_key(
            key,
            k,
            params,
            &format!(" (dist \"{dist}\")"),
            &format!("dist \"{dist}\" takes "),
        ));
    }
    if matches!(dist, "samples" | "prometheus") {
        return super::data::read(t, key, dist, dir);
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
    fn alternatives_read_naturally() {
        assert_eq!(alternatives(&["a", "b"]), "\"a\" or \"b\"");
        assert_eq!(alternatives(&["a", "b", "c"]), "\"a\", \"b\" or \"c\"");
    }
}
