//! `workload.arrivals = { file = "...", unit = "s", speed = 1.0 }`: a
//! recorded capture of arrival times (see [`crate::scenario::replay`]).
//!
//! One time per line, a plain decimal number in `unit` (default seconds),
//! `#` starting a comment. Times are read exactly (epoch seconds with
//! microseconds keep every digit), sorted, and shifted so the first is 0.
//! The file is bounded ([`MAX_BYTES`], [`MAX_ARRIVALS`]); a problem in it is
//! reported at `workload.arrivals.file` with the file and its line.

use super::values::{choice, number, Range};
use super::Problem;
use crate::scenario::replay::Replay;
use crate::scenario::units::quote;
use sim::time::SimTime;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use toml::Value;

/// Largest capture read, in bytes (256 MiB).
const MAX_BYTES: u64 = 256 << 20;
/// Most arrivals a capture may hold.
const MAX_ARRIVALS: usize = 20_000_000;
/// Units of the capture's numbers, with their length in nanoseconds.
const UNITS: [(&str, u128); 4] = [
    ("ns", 1),
    ("us", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
];
/// The keys of the table.
const KEYS: [&str; 3] = ["file", "unit", "speed"];

/// Reads the capture named at `workload.arrivals`; `dir` is the scenario
/// file's directory.
pub(super) fn read(v: &Value, dir: &Path) -> Result<Arc<Replay>, Problem> {
    let key = "workload.arrivals";
    let Value::Table(t) = v else {
        return Err(Problem::expected(
            key,
            "a table like { file = \"arrivals.txt\", unit = \"s\" }",
            v,
        ));
    };
    if let Some(k) = t.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(Problem::unknown(
            format!("{key}.{k}"),
            format!(
                "unknown key {} in {key}; expected one of file, unit, speed",
                quote(k)
            ),
        ));
    }
    let file_key = format!("{key}.file");
    let file = super::data::file_path(
        t,
        &file_key,
        "data/arrivals.txt",
        "a file of arrival times, one per line, relative to the scenario file",
    )?;
    let names: Vec<&str> = UNITS.iter().map(|u| u.0).collect();
    let unit = choice(t.get("unit"), &format!("{key}.unit"), &names, "s")?;
    let per_unit = UNITS.iter().find(|u| u.0 == unit).map_or(1, |u| u.1);
    let speed = match t.get("speed") {
        None => 1.0,
        v => number(v, &format!("{key}.speed"), None, Range::Positive)?,
    };
    if speed > 1e6 {
        return Err(Problem::value(
            format!("{key}.speed"),
            format!("expected at most 1000000, found {speed}"),
        ));
    }
    let path = dir.join(file);
    let shown = path.display().to_string();
    let mut source = format!("{{ file = {}", Value::String(file.to_string()));
    if t.contains_key("unit") {
        source.push_str(&format!(", unit = \"{unit}\""));
    }
    if t.contains_key("speed") {
        source.push_str(&format!(", speed = {speed:?}"));
    }
    source.push_str(" }");
    // A sweep validates its scenario once per point: the points share the
    // capture read for the first, while the file is unchanged.
    let cached_as = std::fs::metadata(&path).ok().map(|m| CacheKey {
        path: std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone()),
        len: m.len(),
        modified: m.modified().ok(),
        source: source.clone(),
        dir: dir.to_path_buf(),
    });
    if let (Some(want), Ok(last)) = (&cached_as, LAST.lock()) {
        if let Some((k, replay)) = last.as_ref() {
            if k == want {
                return Ok(replay.clone());
            }
        }
    }
    let text = super::data::read_bounded(&path, MAX_BYTES)
        .map_err(|e| Problem::value(&file_key, format!("cannot read {shown}: {e}")))?;
    let mut times = parse(&text, per_unit)
        .map_err(|(n, m)| Problem::value(&file_key, format!("{shown}:{n}: {m}")))?;
    times.sort_unstable();
    let first = times.first().copied().unwrap_or(0);
    let offsets: Vec<SimTime> = times
        .iter()
        .map(|&t| SimTime(((t - first) as f64 / speed).round() as u64))
        .collect();
    let span = offsets.last().copied().unwrap_or(SimTime::ZERO);
    if offsets.len() < 2 || span == SimTime::ZERO {
        return Err(Problem::value(
            file_key,
            format!(
                "{shown} holds {} arrival time(s) over no time; a capture needs at least two different times",
                offsets.len()
            ),
        ));
    }
    if span.as_secs_f64() > 1e6 {
        return Err(Problem::value(
            file_key,
            format!("{shown} spans {span}, more than 1000000s; are the times in the right unit (unit = \"{unit}\")?"),
        ));
    }
    let replay = Arc::new(Replay::new(source, offsets));
    if let (Some(k), Ok(mut last)) = (cached_as, LAST.lock()) {
        *last = Some((k, replay.clone()));
    }
    Ok(replay)
}

/// What identifies a capture already read: its file (and the file's size
/// and time of change) and the table as written.
#[derive(PartialEq)]
struct CacheKey {
    path: PathBuf,
    len: u64,
    modified: Option<std::time::SystemTime>,
    source: String,
    dir: PathBuf,
}

/// The capture read last.
static LAST: Mutex<Option<(CacheKey, Arc<Replay>)>> = Mutex::new(None);

/// The times of `text` in nanoseconds, `per_unit` nanoseconds a unit; errors
/// carry the 1-based line.
fn parse(text: &str, per_unit: u128) -> Result<Vec<u64>, (usize, String)> {
    let mut out = Vec::new();
    for (n, token) in super::data::lines(text) {
        let t = decimal(token, per_unit).ok_or_else(|| {
            (
                n,
                format!(
                    "expected one arrival time per line, a number like 1733150000.125, found {}",
                    quote(token)
                ),
            )
        })?;
        if out.len() == MAX_ARRIVALS {
            return Err((n, format!("more than {MAX_ARRIVALS} arrivals")));
        }
        out.push(t);
    }
    Ok(out)
}

/// `digits[.digits]` times `per_unit`, exactly, rounded to the nanosecond;
/// `None` if it is not such a number or does not fit 64 bits of nanoseconds
/// (about 584 years: epoch times fit).
fn decimal(token: &str, per_unit: u128) -> Option<u64> {
    let (whole, frac) = token.split_once('.').unwrap_or((token, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() && frac.is_empty() || !digits(whole) || !digits(frac) || whole.len() > 20 {
        return None;
    }
    let w: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    // The fraction's first 20 digits are more than a nanosecond needs.
    let frac = &frac[..frac.len().min(20)];
    let f: u128 = if frac.is_empty() {
        0
    } else {
        frac.parse().ok()?
    };
    let scale = 10u128.pow(frac.len() as u32);
    let total = w
        .checked_mul(per_unit)?
        .checked_add((f * per_unit + scale / 2) / scale)?;
    u64::try_from(total).ok()
}

#[cfg(test)]
mod tests {
    use super::decimal;

    #[test]
    fn decimals_are_read_exactly() {
        let s = 1_000_000_000;
        assert_eq!(
            decimal("1733150000.123456789", s),
            Some(1_733_150_000_123_456_789)
        );
        assert_eq!(decimal("0.5", s), Some(500_000_000));
        assert_eq!(decimal(".25", 1_000_000), Some(250_000));
        assert_eq!(decimal("3", 1), Some(3));
        assert_eq!(decimal("1.0000000004", s), Some(1_000_000_000));
        assert_eq!(decimal("1.0000000005", s), Some(1_000_000_001));
        for bad in [
            "",
            ".",
            "-1",
            "1e3",
            "1.2.3",
            "abc",
            "1,5",
            "99999999999999999999999",
        ] {
            assert_eq!(decimal(bad, s), None, "{bad}");
        }
    }
}
