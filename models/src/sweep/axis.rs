//! Sweep axes: one scenario key and the values it takes, expanded from a list
//! or a range.
//!
//! - A list takes its values as written: numbers, durations (`"5ms"`),
//!   choices (`"fifo"`, `true`) or whole tables (`{ dist = ..., mean = ... }`).
//! - A range `{ from, to, steps, scale = "linear" | "log" }` has `steps`
//!   values from `from` to `to` inclusive, evenly spaced (linear) or in a
//!   constant ratio (log). Between integers the values are rounded to the
//!   nearest integer and repeats are dropped; between floats they are rounded
//!   to 6 significant digits so that tables stay readable; between durations
//!   they are rounded to whole nanoseconds. `from` and `to` are kept exactly.

use super::spec::{describe, number};
use toml::{Table, Value};

/// Most values on one axis.
pub const MAX_STEPS: i64 = 100_000;

/// What an axis's values are, which decides how they are positioned along
/// the threshold axis and how refinement writes new ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Whole numbers; positions are the numbers.
    Integer,
    /// Numbers; positions are the numbers.
    Float,
    /// Duration strings; positions are milliseconds.
    Duration,
    /// Anything else (choices, tables); no position.
    Choice,
}

/// One axis of a sweep.
#[derive(Clone, Debug, PartialEq)]
pub struct Axis {
    /// Dotted scenario key, e.g. `pool.max_total`.
    pub key: String,
    /// What the values are.
    pub kind: Kind,
    /// The values, in the order points take them.
    pub values: Vec<Value>,
    /// The list or range table the values were expanded from, as written.
    pub source: Value,
}

impl Axis {
    /// Expands a list or a range table for `key`. Errors are messages about
    /// the axis's value.
    pub fn expand(key: &str, v: &Value) -> Result<Axis, String> {
        let values = match v {
            Value::Array(items) if items.is_empty() => return Err("the list of values is empty".into()),
            Value::Array(items) => items.clone(),
            Value::Table(t) => range(t)?,
            other => {
                return Err(format!(
                    "expected a list like [10, 20, 50] or a range like {{ from = 1000, to = 50000, steps = 25 }}, found {}",
                    describe(other)
                ))
            }
        };
        let kind = kind_of(&values);
        Ok(Axis {
            key: key.to_string(),
            kind,
            values,
            source: v.clone(),
        })
    }

    /// Position of value `i` along the axis (milliseconds for durations).
    pub fn position(&self, i: usize) -> Option<f64> {
        position(self.kind, &self.values[i])
    }

    /// The value at a position, for refinement (integers are rounded down).
    pub fn value_at(&self, x: f64) -> Value {
        match self.kind {
            Kind::Integer => Value::Integer(x.floor() as i64),
            Kind::Duration => Value::String(format_duration((x * 1e6).round())),
            _ => Value::Float(x),
        }
    }
}

/// Position of a value of an axis of `kind`.
pub fn position(kind: Kind, v: &Value) -> Option<f64> {
    match (kind, v) {
        (Kind::Integer | Kind::Float, v) => number(v),
        (Kind::Duration, Value::String(s)) => parse_duration_ns(s).map(|ns| ns / 1e6),
        _ => None,
    }
}

fn kind_of(values: &[Value]) -> Kind {
    if values.iter().all(|v| matches!(v, Value::Integer(_))) {
        Kind::Integer
    } else if values
        .iter()
        .all(|v| matches!(v, Value::Integer(_) | Value::Float(_)))
    {
        Kind::Float
    } else if values
        .iter()
        .all(|v| matches!(v, Value::String(s) if parse_duration_ns(s).is_some()))
    {
        Kind::Duration
    } else {
        Kind::Choice
    }
}

/// Expands a range table.
fn range(t: &Table) -> Result<Vec<Value>, String> {
    for k in t.keys() {
        if !["from", "to", "steps", "scale"].contains(&k.as_str()) {
            return Err(format!(
                "unknown key `{k}` in a range; use from, to, steps and scale"
            ));
        }
    }
    let get = |k: &str| {
        t.get(k).ok_or_else(|| {
            format!("a range needs `{k}`, e.g. {{ from = 1000, to = 50000, steps = 25 }}")
        })
    };
    let (from, to) = (get("from")?, get("to")?);
    let steps = match get("steps")? {
        Value::Integer(n) if (1..=MAX_STEPS).contains(n) => *n as usize,
        v => {
            return Err(format!(
                "`steps` must be a whole number from 1 to {MAX_STEPS}, found {}",
                describe(v)
            ))
        }
    };
    let log = match t.get("scale") {
        None => false,
        Some(Value::String(s)) if s == "linear" => false,
        Some(Value::String(s)) if s == "log" => true,
        Some(v) => {
            return Err(format!(
                "`scale` must be \"linear\" or \"log\", found {}",
                describe(v)
            ))
        }
    };
    let (kind, a, b) = match (from, to) {
        (Value::Integer(a), Value::Integer(b)) => (Kind::Integer, *a as f64, *b as f64),
        (Value::String(a), Value::String(b)) => {
            match (parse_duration_ns(a), parse_duration_ns(b)) {
                (Some(a), Some(b)) => (Kind::Duration, a, b),
                _ => {
                    return Err(format!(
                    "`from` and `to` must both be numbers or both durations, found {a:?} and {b:?}"
                ))
                }
            }
        }
        (a, b) => match (number(a), number(b)) {
            (Some(a), Some(b)) if a.is_finite() && b.is_finite() => (Kind::Float, a, b),
            _ => {
                return Err(format!(
                    "`from` and `to` must both be numbers or both durations, found {} and {}",
                    describe(a),
                    describe(b)
                ))
            }
        },
    };
    if log && (a <= 0.0 || b <= 0.0) {
        return Err("a log range needs `from` and `to` > 0".into());
    }
    let mut out: Vec<Value> = Vec::with_capacity(steps);
    for i in 0..steps {
        let x = if i == 0 {
            a
        } else if i + 1 == steps {
            b
        } else {
            let f = i as f64 / (steps - 1) as f64;
            if log {
                a * (b / a).powf(f)
            } else {
                a + (b - a) * f
            }
        };
        let v = match kind {
            Kind::Integer => Value::Integer(x.round() as i64),
            Kind::Duration => Value::String(format_duration(x.round())),
            _ if i == 0 => from.clone(),
            _ if i + 1 == steps => to.clone(),
            _ => Value::Float(round6(x)),
        };
        if out.last() != Some(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

/// `x` rounded to 6 significant digits.
fn round6(x: f64) -> f64 {
    format!("{x:.5e}").parse().unwrap_or(x)
}

/// Parses `"250us"`, `"1.5ms"`, `"2s"`, `"5m"`, `"1h"` to nanoseconds, as
/// a scenario's durations are parsed (`scenario::units`); `None`
/// if it is not a duration a scenario accepts.
pub fn parse_duration_ns(s: &str) -> Option<f64> {
    crate::scenario::units::parse_duration(s)
        .ok()
        .map(|t| t.as_nanos() as f64)
}

/// Whole nanoseconds in the largest unit that divides them exactly.
pub fn format_duration(ns: f64) -> String {
    let ns = ns.max(0.0) as u64;
    for (unit, size) in [
        ("h", 3_600_000_000_000u64),
        ("m", 60_000_000_000),
        ("s", 1_000_000_000),
        ("ms", 1_000_000),
        ("us", 1_000),
    ] {
        if ns != 0 && (ns / size) * size == ns {
            return format!("{}{unit}", ns / size);
        }
    }
    format!("{ns}ns")
}

/// A value as an override's right-hand side and as TOML text: inline, and
/// parsed back to the same value.
pub fn inline(v: &Value) -> String {
    match v {
        Value::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.1}"),
        Value::Float(f) => format!("{f}"),
        _ => v.to_string(),
    }
}

/// A value as a CSV cell or a label: strings without quotes, numbers in
/// shortest round-trip form.
pub fn label(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => format!("{f}"),
        Value::Boolean(b) => b.to_string(),
        other => inline(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expand(text: &str) -> Axis {
        let v: Table = format!("v = {text}").parse().unwrap();
        Axis::expand("k", &v["v"]).unwrap()
    }

    #[test]
    fn ranges_expand_by_kind() {
        let a = expand("{ from = 1, to = 64, steps = 7, scale = \"log\" }");
        assert_eq!(a.kind, Kind::Integer);
        assert_eq!(
            a.values.iter().map(label).collect::<Vec<_>>(),
            ["1", "2", "4", "8", "16", "32", "64"]
        );
        let a = expand("{ from = 1000.0, to = 2000, steps = 4 }");
        assert_eq!(
            a.values.iter().map(label).collect::<Vec<_>>(),
            ["1000", "1333.33", "1666.67", "2000"]
        );
        let a = expand("{ from = \"1ms\", to = \"2ms\", steps = 3 }");
        assert_eq!(a.kind, Kind::Duration);
        assert_eq!(
            a.values.iter().map(label).collect::<Vec<_>>(),
            ["1ms", "1500us", "2ms"]
        );
        assert_eq!(a.position(1), Some(1.5));
        let a = expand("[\"lifo\", \"fifo\"]");
        assert_eq!(a.kind, Kind::Choice);
        assert_eq!(a.position(0), None);
    }

    #[test]
    fn bad_ranges_say_why() {
        let err = |text: &str| {
            let v: Table = format!("v = {text}").parse().unwrap();
            Axis::expand("k", &v["v"]).unwrap_err()
        };
        assert!(err("{ from = 1, to = 2 }").contains("needs `steps`"));
        assert!(err("{ from = 0, to = 2, steps = 3, scale = \"log\" }").contains("> 0"));
        assert!(err("{ from = 1, to = 2, steps = 3, step = 1 }").contains("unknown key `step`"));
        assert!(err("5").contains("expected a list"));
    }

    #[test]
    fn inline_values_read_back() {
        for text in [
            "1",
            "1.0",
            "0.25",
            "\"5ms\"",
            "{ dist = \"exponential\", mean = \"1ms\" }",
        ] {
            let v: Table = format!("v = {text}").parse().unwrap();
            let back: Table = format!("v = {}", inline(&v["v"])).parse().unwrap();
            assert_eq!(back["v"], v["v"], "{text}");
        }
    }
}
