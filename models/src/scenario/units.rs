//! Reading values: durations with units, and the words used to describe
//! values and suggest keys in error messages.
//!
//! Durations are parsed exactly: `"0.3ms"` is 300000 ns, not whatever
//! `0.3 * 1e6` rounds to. Digits are read into integer nanoseconds and only a
//! fraction of a nanosecond is rounded, by [`SimTime::from_secs_f64`]'s rule
//! (nearest, halves away from zero).

use sim::time::SimTime;
use toml::Value;

/// Units a duration may carry, and their size in nanoseconds.
const UNITS: [(&str, u128); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("µs", 1_000),
    ("μs", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// Most decimal places a duration may have (after trailing zeros).
const MAX_DECIMALS: usize = 18;

/// Parses a duration string such as `"250us"`, `"1.5ms"`, `"2m"`.
pub(crate) fn parse_duration(s: &str) -> Result<SimTime, String> {
    let t = s.trim();
    if t.starts_with('-') {
        return Err(format!("duration {} is negative", quote(s)));
    }
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let unit = unit.trim_start();
    if number.is_empty() {
        return Err(format!(
            "expected a duration like \"5ms\", found {}",
            quote(s)
        ));
    }
    if unit.is_empty() {
        return Err(no_unit(number));
    }
    if unit.contains(|c: char| c.is_ascii_digit()) {
        return Err(format!(
            "duration {} must be one number and one unit, e.g. \"90s\"",
            quote(s)
        ));
    }
    let Some(&(_, unit_ns)) = UNITS.iter().find(|(u, _)| *u == unit) else {
        return Err(format!(
            "unknown unit `{}` in duration {}; use ns, us, ms, s, m or h",
            clip(unit),
            quote(s)
        ));
    };
    let (whole, frac) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() || (number.contains('.') && frac.is_empty()) || frac.contains('.') {
        return Err(format!(
            "malformed duration {}; write e.g. \"1.5ms\"",
            quote(s)
        ));
    }
    let too_long = || {
        format!(
            "duration {} is too long (at most about 584 years)",
            quote(s)
        )
    };
    let frac = frac.trim_end_matches('0');
    if frac.len() > MAX_DECIMALS {
        return Err(format!(
            "duration {} has more than {MAX_DECIMALS} decimal places",
            quote(s)
        ));
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > 30 {
        return Err(too_long());
    }
    // The clock counts whole nanoseconds: a finer duration is refused
    // rather than rounded to a value the user did not write.
    match exact_decimal(whole, frac, unit_ns) {
        Ok(ns) => Ok(SimTime(ns)),
        Err(Inexact::TooLarge) => Err(too_long()),
        Err(Inexact::Finer) => Err(format!(
            "duration {} is finer than the simulated clock's 1ns; write whole nanoseconds, e.g. \"1ns\"",
            quote(s)
        )),
    }
}

/// Why a decimal number is not a whole count of the base unit.
pub(crate) enum Inexact {
    /// It does not fit 64 bits.
    TooLarge,
    /// It has a fraction of the base unit.
    Finer,
}

/// `whole.frac` (decimal digits; `frac` without trailing zeros) times
/// `scale`, exactly, as a whole count of the base unit.
pub(crate) fn exact_decimal(whole: &str, frac: &str, scale: u128) -> Result<u64, Inexact> {
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| Inexact::TooLarge)?
    };
    let frac_part = if frac.is_empty() {
        0
    } else {
        let den = 10u128.pow(frac.len() as u32);
        let num = frac.parse::<u128>().map_err(|_| Inexact::TooLarge)? * scale;
        if !num.is_multiple_of(den) {
            return Err(Inexact::Finer);
        }
        num / den
    };
    whole
        .checked_mul(scale)
        .and_then(|w| w.checked_add(frac_part))
        .filter(|&n| n <= u128::from(u64::MAX))
        .map(|n| n as u64)
        .ok_or(Inexact::TooLarge)
}

/// A TOML key as a scenario writes it: bare when it can be, else quoted.
pub(crate) fn toml_key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        Value::String(k.to_string()).to_string()
    }
}

/// The message for a number written without a unit.
pub(crate) fn no_unit(number: &str) -> String {
    format!("duration `{number}` has no unit; write e.g. \"{number}ms\"")
}

/// A short description of a value for "found ..." in messages.
pub(crate) fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => quote(s),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => format_float(*f),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => d.to_string(),
        Value::Array(_) => "an array".to_string(),
        Value::Table(_) => "a table".to_string(),
    }
}

/// A float as TOML would write it (`2.0`, not `2`).
pub(crate) fn format_float(f: f64) -> String {
    if f.is_nan() {
        "nan".to_string()
    } else if f.is_infinite() {
        if f > 0.0 { "inf" } else { "-inf" }.to_string()
    } else if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 {
        format!("{f:.1}")
    } else {
        f.to_string()
    }
}

/// A string in double quotes with escapes, cut short if long.
pub(crate) fn quote(s: &str) -> String {
    format!("{:?}", clip(s))
}

/// At most 40 characters of `s`, with an ellipsis when cut.
pub(crate) fn clip(s: &str) -> String {
    if s.chars().count() <= 40 {
        s.to_string()
    } else {
        s.chars().take(40).chain("...".chars()).collect()
    }
}

/// The candidate closest to `word`, if it is close enough to be a likely typo.
pub(crate) fn suggest<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let norm = |s: &str| s.to_lowercase().replace('-', "_");
    let w = norm(word);
    let mut best: Option<(usize, &'a str)> = None;
    for &c in candidates {
        let n = norm(c);
        let d = strsim::damerau_levenshtein(&w, &n);
        let close = d <= (n.chars().count() / 3).max(1)
            || strsim::jaro_winkler(&w, &n) >= 0.9
            || (w.len() >= 4 && n.contains(&w))
            || (w.len() >= 3 && n.starts_with(&w))
            || w.replace('_', "") == n.replace('_', "");
        if close && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// `` `a`, `b`, `c` ``.
pub(crate) fn list(items: &[&str], open: &str, close: &str) -> String {
    items
        .iter()
        .map(|i| format!("{open}{i}{close}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_are_exact() {
        let d = |s| parse_duration(s).unwrap().0;
        assert_eq!(d("250us"), 250_000);
        assert_eq!(d("1.5ms"), 1_500_000);
        assert_eq!(d("0.3ms"), 300_000);
        assert_eq!(d("0.1s"), 100_000_000);
        assert_eq!(d("2m"), 120_000_000_000);
        assert_eq!(d("1h"), 3_600_000_000_000);
        assert_eq!(d("1.5us"), 1_500);
        assert_eq!(d("3µs"), 3_000);
        assert_eq!(d("0us"), 0);
        assert_eq!(d("0.000000001s"), 1);
        assert_eq!(d("007ms"), 7_000_000);
        assert_eq!(d("18446744073.709551615s"), u64::MAX);
    }

    #[test]
    fn bad_durations_say_why() {
        let e = |s| parse_duration(s).unwrap_err();
        assert_eq!(e("5"), "duration `5` has no unit; write e.g. \"5ms\"");
        assert_eq!(e("-5ms"), "duration \"-5ms\" is negative");
        assert!(e("5sec").starts_with("unknown unit `sec`"));
        assert!(e("1.ms").starts_with("malformed"));
        assert!(e(".5ms").starts_with("malformed"));
        assert!(e("1.2.3ms").starts_with("malformed"));
        assert!(e("18446744073.709551616s").contains("too long"));
        assert!(e("99999999999999999999999999999999999999999h").contains("too long"));
        assert!(e("").starts_with("expected a duration"));
        assert!(e("0.5ns").contains("finer than the simulated clock's 1ns"));
        assert!(e("1.4ns").contains("finer than"));
        assert!(e("0.0000000005s").contains("finer than"));
    }

    #[test]
    fn suggestions_only_when_close() {
        let keys = ["max_total", "when_exhausted", "acquire_timeout", "order"];
        assert_eq!(suggest("max_totl", &keys), Some("max_total"));
        assert_eq!(suggest("maxTotal", &keys), Some("max_total"));
        assert_eq!(suggest("timeout", &keys), Some("acquire_timeout"));
        assert_eq!(suggest("colour", &keys), None);
    }
}
