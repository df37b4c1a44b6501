//! Latencies read from data files: `{ dist = "samples", file = "..." }`, a
//! list of measured durations, and `{ dist = "prometheus", file = "..." }`, a
//! histogram in the Prometheus text exposition format.
//!
//! Paths are relative to the scenario file's directory. Files are bounded
//! ([`MAX_DATA_BYTES`], [`MAX_SAMPLES`], [`MAX_BUCKETS`]); a problem in a file
//! is reported at the scenario's `file` key, with the data file and its line
//! in the message. The law built ([`Empirical`]) keeps the table as written
//! (its `source`) and a fingerprint of the data, so a changed file changes
//! the scenario's hash.
//!
//! A Prometheus histogram is read from its cumulative `_bucket{le="..."}`
//! counts, bounds in seconds unless `unit` says otherwise. Several series of
//! one metric (pods, instances) are summed bucket by bucket, as
//! `sum by (le)` would; `labels = { ... }` keeps only the series that carry
//! those labels. Observations in the `+Inf` bucket beyond the last finite
//! bound are refused: their durations are unknown, and capping them at the
//! bound would understate exactly the tail a capacity plan is about.

use super::values::choice;
use super::Problem;
use crate::scenario::units::{clip, list, parse_duration, quote, suggest, toml_key};
use sim::dist::Latency;
use sim::empirical::Empirical;
use sim::time::SimTime;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;
use toml::{Table, Value};

/// Largest data file read, in bytes (8 MiB).
pub(super) const MAX_DATA_BYTES: u64 = 8 << 20;
/// Most samples a samples file may hold.
pub(super) const MAX_SAMPLES: usize = 1_000_000;
/// Most buckets a histogram may have.
pub(super) const MAX_BUCKETS: usize = 1_000;

/// Units a data file's bare numbers may be in.
const UNITS: [&str; 4] = ["ns", "us", "ms", "s"];

/// Builds the law of a `samples` or `prometheus` latency table at `key`;
/// `dir` is the scenario file's directory.
pub(super) fn read(t: &Table, key: &str, dist: &str, dir: &Path) -> Result<Latency, Problem> {
    let file_key = format!("{key}.file");
    let file = file_path(
        t,
        &file_key,
        "data/latency.txt",
        &format!("dist \"{dist}\" takes `file`, a path relative to the scenario file"),
    )?;
    let path = dir.join(file);
    let shown = path.display().to_string();
    let text = read_bounded(&path, MAX_DATA_BYTES)
        .map_err(|e| Problem::value(&file_key, format!("cannot read {shown}: {e}")))?;
    let at_line =
        |line: usize, msg: String| Problem::value(&file_key, format!("{shown}:{line}: {msg}"));
    let default_unit = if dist == "samples" { "" } else { "s" };
    let unit = match t.get("unit") {
        None => default_unit,
        v => choice(v, &format!("{key}.unit"), &UNITS, "s")?,
    };
    let mut source = format!("{{ dist = \"{dist}\", file = {}", toml_string(file));
    if t.contains_key("unit") {
        source.push_str(&format!(", unit = \"{unit}\""));
    }
    let law = if dist == "samples" {
        let samples = samples(&text, unit, key).map_err(|(line, m)| at_line(line, m))?;
        if samples.is_empty() {
            return Err(Problem::value(
                file_key,
                format!("{shown} holds no samples (one duration per line, e.g. 1.2ms)"),
            ));
        }
        source.push_str(" }");
        Empirical::samples(source, samples)
    } else {
        let selector = Selector::read(t, key)?;
        selector.describe(&mut source);
        source.push_str(" }");
        let buckets = prometheus(&text, &selector, unit, key, &shown)?;
        Empirical::histogram(source, &buckets)
            .map_err(|m| Problem::value(&file_key, format!("{shown}: {m}")))?
    };
    Ok(Latency::Empirical(Arc::new(law)))
}

/// `s` as a TOML basic string.
fn toml_string(s: &str) -> String {
    Value::String(s.to_string()).to_string()
}

/// The non-empty path string at `file_key` (`t`'s `file`): `example`
/// shows one in the error for a value of another type, `missing` says
/// what the key is when it is absent.
pub(super) fn file_path<'a>(
    t: &'a Table,
    file_key: &str,
    example: &str,
    missing: &str,
) -> Result<&'a str, Problem> {
    match t.get("file") {
        Some(Value::String(s)) if !s.is_empty() => Ok(s.as_str()),
        Some(v) => Err(Problem::expected(
            file_key,
            &format!("a file path like \"{example}\""),
            v,
        )),
        None => Err(Problem::value(
            file_key,
            format!("required but missing: {missing}"),
        )),
    }
}

/// Reads at most `max` bytes of UTF-8 (a whole number of MiB): a larger
/// file is an error, read no further than that.
pub(super) fn read_bounded(path: &Path, max: u64) -> std::io::Result<String> {
    let mut text = String::new();
    std::fs::File::open(path)?
        .take(max + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > max {
        return Err(std::io::Error::other(format!(
            "the file is larger than {} MiB",
            max >> 20
        )));
    }
    Ok(text)
}

/// The non-empty lines of a data file, with their 1-based numbers,
/// trimmed, each without its `#` comment.
pub(super) fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, line)| (i + 1, line.split('#').next().unwrap_or("").trim()))
        .filter(|(_, token)| !token.is_empty())
}

/// One duration per line; `#` starts a comment. A bare number is in `unit`
/// (empty: not allowed). Errors carry the 1-based line.
fn samples(text: &str, unit: &str, key: &str) -> Result<Vec<SimTime>, (usize, String)> {
    let mut out = Vec::new();
    for (n, token) in lines(text) {
        if token.split_whitespace().nth(1).is_some() {
            return Err((
                n,
                format!("expected one duration per line, found {}", quote(token)),
            ));
        }
        let bare = token.ends_with(|c: char| c.is_ascii_digit() || c == '.');
        let t = match (bare, unit) {
            (true, "") => {
                let place = crate::scenario::error::key_display(key);
                return Err((
                    n,
                    format!(
                        "{} has no unit; write e.g. \"{token}ms\", or give the file's unit with unit = \"ms\" in {place}",
                        quote(token)
                    ),
                ));
            }
            (true, u) => parse_duration(&format!("{token}{u}")),
            (false, _) => parse_duration(token),
        }
        .map_err(|m| (n, m))?;
        if out.len() == MAX_SAMPLES {
            return Err((n, format!("more than {MAX_SAMPLES} samples")));
        }
        out.push(t);
    }
    Ok(out)
}

/// Which histogram of an export to read.
struct Selector {
    metric: Option<String>,
    labels: Vec<(String, String)>,
}

impl Selector {
    fn read(t: &Table, key: &str) -> Result<Self, Problem> {
        let metric = match t.get("metric") {
            None => None,
            Some(Value::String(s)) => Some(s.strip_suffix("_bucket").unwrap_or(s).to_string()),
            Some(v) => {
                return Err(Problem::expected(
                    format!("{key}.metric"),
                    "a metric name like \"redis_latency_seconds\"",
                    v,
                ))
            }
        };
        let mut labels = Vec::new();
        match t.get("labels") {
            None => {}
            Some(Value::Table(l)) => {
                for (k, v) in l {
                    let Value::String(v) = v else {
                        return Err(Problem::expected(
                            format!("{key}.labels.{k}"),
                            "a label value string",
                            v,
                        ));
                    };
                    labels.push((k.clone(), v.clone()));
                }
            }
            Some(v) => {
                return Err(Problem::expected(
                    format!("{key}.labels"),
                    "a table of labels like { instance = \"redis-1\" }",
                    v,
                ))
            }
        }
        Ok(Selector { metric, labels })
    }

    /// Appends `, metric = ..., labels = { ... }` as written.
    fn describe(&self, out: &mut String) {
        if let Some(m) = &self.metric {
            out.push_str(&format!(", metric = {}", toml_string(m)));
        }
        if !self.labels.is_empty() {
            let l: Vec<String> = self
                .labels
                .iter()
                .map(|(k, v)| format!("{} = {}", toml_key(k), toml_string(v)))
                .collect();
            out.push_str(&format!(", labels = {{ {} }}", l.join(", ")));
        }
    }
}

/// One `_bucket` sample: its labels other than `le`, its bound, its count, its line.
struct Bucket {
    labels: Vec<(String, String)>,
    le: f64,
    count: f64,
    line: usize,
}

/// The selected histogram's (bound in seconds, cumulative count), summed
/// over its series.
fn prometheus(
    text: &str,
    sel: &Selector,
    unit: &str,
    key: &str,
    shown: &str,
) -> Result<Vec<(f64, f64)>, Problem> {
    let file_key = format!("{key}.file");
    let at = |line: usize, msg: String| Problem::value(&file_key, format!("{shown}:{line}: {msg}"));
    let mut metrics: BTreeMap<String, Vec<Bucket>> = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line_no = i + 1;
        let l = line.trim();
        if l.is_empty() || l.starts_with('#') {
            continue;
        }
        let name_end = l.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':'));
        let name = &l[..name_end.unwrap_or(l.len())];
        let Some(metric) = name.strip_suffix("_bucket") else {
            continue;
        };
        let b = bucket(&l[name.len()..]).map_err(|m| at(line_no, m))?;
        let b = Bucket { line: line_no, ..b };
        metrics.entry(metric.to_string()).or_default().push(b);
    }
    let names: Vec<&str> = metrics.keys().map(String::as_str).collect();
    let metric = match &sel.metric {
        Some(m) if metrics.contains_key(m) => m.clone(),
        Some(m) => {
            let mut msg = format!("{shown} has no histogram {}", quote(m));
            match (suggest(m, &names), names.is_empty()) {
                (Some(s), _) => msg.push_str(&format!(", did you mean \"{s}\"?")),
                (None, false) => msg.push_str(&format!("; it has {}", list(&names, "\"", "\""))),
                (None, true) => msg.push_str("; it has no `_bucket` lines"),
            }
            return Err(Problem::value(format!("{key}.metric"), msg));
        }
        None => match names.as_slice() {
            [one] => one.to_string(),
            [] => {
                return Err(Problem::value(
                    &file_key,
                    format!("{shown} has no histogram (no `_bucket{{le=\"...\"}}` lines)"),
                ))
            }
            many => {
                return Err(Problem::value(
                    format!("{key}.metric"),
                    format!(
                    "required: {shown} has {} histograms ({}); choose one with metric = \"...\"",
                    many.len(),
                    list(many, "\"", "\"")
                ),
                ))
            }
        },
    };
    let scale = match unit {
        "ns" => 1e-9,
        "us" => 1e-6,
        "ms" => 1e-3,
        _ => 1.0,
    };
    // Series of the metric that carry the selected labels, by their labels.
    let mut series: BTreeMap<Vec<(String, String)>, Vec<&Bucket>> = BTreeMap::new();
    for b in &metrics[&metric] {
        if sel.labels.iter().all(|l| b.labels.contains(l)) {
            series.entry(b.labels.clone()).or_default().push(b);
        }
    }
    if series.is_empty() {
        return Err(Problem::value(
            format!("{key}.labels"),
            format!(
                "no series of {} in {shown} has these labels",
                quote(&metric)
            ),
        ));
    }
    let mut sum: Option<Vec<(f64, f64)>> = None;
    let mut first_line = 0;
    for buckets in series.values() {
        let one = one_series(buckets, shown).map_err(|(line, m)| at(line, m))?;
        sum = Some(match sum {
            None => {
                first_line = buckets[0].line;
                one
            }
            Some(s) => {
                let same = s.len() == one.len() && s.iter().zip(&one).all(|(a, b)| a.0 == b.0);
                if !same {
                    return Err(at(
                        buckets[0].line,
                        format!(
                            "this series of {} has other bucket bounds than the series at line {first_line}; select one with labels = {{ ... }}",
                            quote(&metric)
                        ),
                    ));
                }
                s.iter().zip(&one).map(|(a, b)| (a.0, a.1 + b.1)).collect()
            }
        });
    }
    let sum = sum.expect("at least one series");
    Ok(sum.into_iter().map(|(le, c)| (le * scale, c)).collect())
}

/// A series' finite buckets in bound order; refuses repeated bounds,
/// decreasing counts and observations above the last finite bound.
fn one_series(buckets: &[&Bucket], shown: &str) -> Result<Vec<(f64, f64)>, (usize, String)> {
    let mut sorted: Vec<&Bucket> = buckets.to_vec();
    sorted.sort_by(|a, b| a.le.total_cmp(&b.le));
    if sorted.len() > MAX_BUCKETS + 1 {
        return Err((
            sorted[0].line,
            format!("more than {MAX_BUCKETS} buckets in one series"),
        ));
    }
    let mut out: Vec<(f64, f64)> = Vec::new();
    let mut last: Option<&Bucket> = None;
    for b in sorted {
        if let Some(p) = last {
            if p.le == b.le {
                return Err((b.line, format!("le=\"{}\" repeats line {}", b.le, p.line)));
            }
            if b.count < p.count {
                return Err((
                    b.line,
                    format!(
                        "cumulative count {} at le=\"{}\" is below {} at le=\"{}\" (line {}); `_bucket` counts must not decrease",
                        b.count, b.le, p.count, p.le, p.line
                    ),
                ));
            }
        }
        if b.le.is_infinite() {
            let below = last.map_or(0.0, |p| p.count);
            if b.count > below {
                let bound = last.map_or("0".to_string(), |p| format!("{}", p.le));
                return Err((
                    b.line,
                    format!(
                        "{} observations are above the last finite bound le=\"{bound}\" of {shown}; their durations are unknown, so the histogram is refused (export one whose last finite bucket holds every observation)",
                        b.count - below
                    ),
                ));
            }
        } else {
            out.push((b.le, b.count));
        }
        last = Some(b);
    }
    if out.is_empty() {
        let line = buckets[0].line;
        return Err((line, "the series has no finite bucket".to_string()));
    }
    Ok(out)
}

/// Parses `{labels} value [timestamp]` after a `_bucket` name.
fn bucket(rest: &str) -> Result<Bucket, String> {
    let mut labels = Vec::new();
    let mut le = None;
    let mut rest = rest.trim_start();
    if let Some(r) = rest.strip_prefix('{') {
        rest = r;
        loop {
            rest = rest.trim_start();
            if let Some(r) = rest.strip_prefix('}') {
                rest = r;
                break;
            }
            let eq = rest.find('=').ok_or("expected label=\"value\" in {...}")?;
            let name = rest[..eq].trim().to_string();
            let (value, r) = quoted(rest[eq + 1..].trim_start())?;
            rest = r.trim_start();
            rest = rest.strip_prefix(',').unwrap_or(rest);
            if name == "le" {
                let v = value.trim().parse::<f64>().ok().filter(|v| !v.is_nan());
                le = Some(v.ok_or_else(|| format!("le={} is not a number", quote(&value)))?);
            } else {
                labels.push((name, value));
            }
        }
    }
    labels.sort();
    let le = le.ok_or("a `_bucket` line without an le=\"...\" label")?;
    let value = rest
        .split_whitespace()
        .next()
        .ok_or("a `_bucket` line without a value")?;
    let count = value
        .parse::<f64>()
        .ok()
        .filter(|c| c.is_finite() && *c >= 0.0)
        .ok_or_else(|| format!("count {} is not a number >= 0", quote(clip(value).as_str())))?;
    Ok(Bucket {
        labels,
        le,
        count,
        line: 0,
    })
}

/// A `"..."` label value with `\\`, `\"` and `\n` escapes, and the rest.
fn quoted(s: &str) -> Result<(String, &str), String> {
    let body = s.strip_prefix('"').ok_or("expected a quoted label value")?;
    let mut out = String::new();
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Ok((out, &body[i + 1..])),
            '\\' => match chars.next() {
                Some((_, 'n')) => out.push('\n'),
                Some((_, c)) => out.push(c),
                None => break,
            },
            c => out.push(c),
        }
    }
    Err("unterminated label value".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_lines_parse_with_labels_escapes_and_timestamps() {
        let b = bucket(r#"{path="/a\"b",le="0.25"} 17 1700000000000"#).unwrap();
        assert_eq!(b.le, 0.25);
        assert_eq!(b.count, 17.0);
        assert_eq!(b.labels, vec![("path".to_string(), "/a\"b".to_string())]);
        assert!(bucket(r#"{le="+Inf"} 3"#).unwrap().le.is_infinite());
        assert!(bucket(r#"{le="x"} 3"#).is_err());
        assert!(bucket(r#"{le="1"} -3"#).is_err());
        assert!(bucket(r#" 3"#).is_err());
    }

    #[test]
    fn sample_lines_need_units() {
        let v = samples("# head\n1.5ms\n\n850us # note\n", "", "redis.service_time").unwrap();
        assert_eq!(v, vec![SimTime(1_500_000), SimTime(850_000)]);
        assert_eq!(
            samples("2\n0.5\n", "ms", "k").unwrap(),
            vec![SimTime(2_000_000), SimTime(500_000)]
        );
        let (line, msg) = samples("1ms\n2\n", "", "redis.service_time").unwrap_err();
        assert_eq!(line, 2);
        assert!(msg.contains("has no unit"), "{msg}");
        assert_eq!(samples("1ms 2ms\n", "", "k").unwrap_err().0, 1);
    }
}
