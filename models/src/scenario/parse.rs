//! Loading scenarios: reading the file, applying `--set` overrides, and
//! turning every problem into an error that says where it is.
//!
//! The text is parsed twice: once into toml's spanned tree, to remember where
//! each dotted key and its value start, and once into a [`toml::Table`] that
//! overrides edit and validation reads. A problem about a key is placed at
//! the `--set` assignment that last wrote the key (or a table above it), else
//! at the key's value in the file, else at the table that should hold it.

use super::error::ScenarioError;
use super::resolve::{resolved_keys, Origin, Resolved};
use super::validate::{build_applied, check_shape, Applied, Problem};
use super::Scenario;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;
use toml::de::{DeTable, DeValue};
use toml::{Spanned, Table, Value};

/// Largest scenario file read, in bytes (16 MiB).
const MAX_FILE_BYTES: u64 = 16 << 20;
/// Deepest nesting whose positions are recorded; scenarios need four levels.
const MAX_DEPTH: usize = 16;

/// Parses and validates the scenario file at `path`, after applying
/// `overrides` (`KEY=VALUE` strings from `--set` or sweep axes, with dotted
/// keys like `pool.max_total`). The scenario is named after the file stem.
pub fn load(path: &Path, overrides: &[String]) -> Result<Scenario, ScenarioError> {
    resolve(path, overrides).map(|r| r.scenario)
}

/// [`load`], also saying where each value came from (see [`Resolved`]).
pub fn resolve(path: &Path, overrides: &[String]) -> Result<Resolved, ScenarioError> {
    let file = read_scenario_file(path)?;
    resolve_text(&file.text, &file.origin, &file.name, overrides)
}

/// A scenario file's text with the names messages and outputs use.
#[derive(Clone, Debug)]
pub struct ScenarioFile {
    /// The path as given, for messages.
    pub origin: String,
    /// The scenario's name: the file stem.
    pub name: String,
    /// The file's text (at most 16 MiB).
    pub text: String,
}

/// Reads a scenario file (UTF-8, at most 16 MiB); the error
/// names the file, like every scenario error.
pub fn read_scenario_file(path: &Path) -> Result<ScenarioFile, ScenarioError> {
    let origin = path.display().to_string();
    let text = read(path).map_err(|e| {
        ScenarioError::new(
            &origin,
            None,
            format!("cannot read the scenario: {e}"),
            true,
        )
    })?;
    let name = path
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(ScenarioFile { origin, name, text })
}

/// Reads at most [`MAX_FILE_BYTES`] of UTF-8.
fn read(path: &Path) -> std::io::Result<String> {
    let mut text = String::new();
    let file = std::fs::File::open(path)?;
    file.take(MAX_FILE_BYTES + 1).read_to_string(&mut text)?;
    if text.len() as u64 > MAX_FILE_BYTES {
        return Err(std::io::Error::other(format!(
            "the file is larger than {} MiB",
            MAX_FILE_BYTES >> 20
        )));
    }
    Ok(text)
}

/// Parses and validates scenario text. `origin` is the file name used in
/// messages, `name` the scenario's name (usually the file stem), `overrides`
/// as for [`load`].
pub fn parse(
    text: &str,
    origin: &str,
    name: &str,
    overrides: &[String],
) -> Result<Scenario, ScenarioError> {
    resolve_text(text, origin, name, overrides).map(|r| r.scenario)
}

/// [`parse`], also saying where each value came from (see [`Resolved`]).
pub fn resolve_text(
    text: &str,
    origin: &str,
    name: &str,
    overrides: &[String],
) -> Result<Resolved, ScenarioError> {
    let tree = DeTable::parse(text).map_err(|e| syntax_error(origin, text, &e))?;
    let mut spans = BTreeMap::new();
    record_spans(tree.get_ref(), "", 0, &mut spans);
    let mut doc: Table = toml::from_str(text).map_err(|e| syntax_error(origin, text, &e))?;
    let mut locator = Locator {
        origin,
        text: Some(text),
        spans,
        overrides: Vec::new(),
    };
    for assignment in overrides {
        let key = apply(&mut doc, assignment)
            .map_err(|m| ScenarioError::new(origin, None, m, true).blame_assignment(assignment))?;
        locator.overrides.push((key, assignment.clone()));
    }
    let (scenario, applied) = validate(&doc, name, &locator)?;
    let origins = resolved_keys(&scenario)
        .into_iter()
        .map(|k| {
            let o = locator.origin(&k, &applied);
            (k, o)
        })
        .collect();
    Ok(Resolved {
        scenario,
        preset: applied.name,
        origins,
    })
}

/// Validates a table that overrides may already have changed. Errors name
/// `origin` and the dotted key, but carry no line numbers.
pub fn from_table(doc: &Table, origin: &str, name: &str) -> Result<Scenario, ScenarioError> {
    let locator = Locator {
        origin,
        text: None,
        spans: BTreeMap::new(),
        overrides: Vec::new(),
    };
    validate(doc, name, &locator).map(|(s, _)| s)
}

/// Applies one `KEY=VALUE` assignment to `doc`. `KEY` is dotted
/// (`pool.max_total`, `network.rtt.mean`, `workload.profile[1].scale`);
/// missing tables on the way are created. `VALUE` is read as a TOML value if
/// it is one (`50`, `0.5`, `true`, `{ dist = "exponential", mean = "1ms" }`,
/// `[1, 2]`, `"quoted"`) and as a plain string otherwise (`5ms`, `fifo`).
///
/// Errors name the assignment; their [`ScenarioError::file`] is empty.
pub fn apply_override(doc: &mut Table, assignment: &str) -> Result<(), ScenarioError> {
    apply(doc, assignment)
        .map(|_| ())
        .map_err(|m| ScenarioError::new("", None, m, true).blame_assignment(assignment))
}

/// One step of a dotted key.
enum Step<'a> {
    Key(&'a str),
    Index(usize),
}

/// [`apply_override`], returning the normalized dotted key or a message.
fn apply(doc: &mut Table, assignment: &str) -> Result<String, String> {
    let Some((key, value)) = assignment.split_once('=') else {
        return Err("expected KEY=VALUE, e.g. pool.max_total=50".to_string());
    };
    let steps = steps(key.trim())?;
    let value = value.trim();
    let value = value
        .parse::<Value>()
        .unwrap_or_else(|_| Value::String(value.to_string()));
    let dotted = dotted(&steps);
    let (last, path) = steps
        .split_last()
        .expect("steps() returns at least one step");
    let Step::Key(first) = steps[0] else {
        unreachable!("steps() starts with a key")
    };
    let mut here: &mut Value = doc
        .entry(first.to_string())
        .or_insert_with(|| Value::Table(Table::new()));
    if path.is_empty() {
        *here = value;
        return Ok(dotted);
    }
    let mut walked = first.to_string();
    for step in &path[1..] {
        here = descend(here, step, &walked)?;
        push_step(&mut walked, step);
    }
    match (last, here) {
        (Step::Key(k), Value::Table(t)) => {
            t.insert(k.to_string(), value);
        }
        (Step::Index(i), Value::Array(a)) if *i < a.len() => a[*i] = value,
        (Step::Index(i), Value::Array(a)) => {
            return Err(format!("`{walked}` has {}, no [{i}]", entries(a.len())));
        }
        (_, v) => return Err(not_a_container(&walked, last, v)),
    }
    Ok(dotted)
}

/// The value one step below `here`, creating missing tables.
fn descend<'v>(here: &'v mut Value, step: &Step, walked: &str) -> Result<&'v mut Value, String> {
    match (step, here) {
        (Step::Key(k), Value::Table(t)) => Ok(t
            .entry(k.to_string())
            .or_insert_with(|| Value::Table(Table::new()))),
        (Step::Index(i), Value::Array(a)) => {
            let n = a.len();
            a.get_mut(*i)
                .ok_or_else(|| format!("`{walked}` has {}, no [{i}]", entries(n)))
        }
        (step, v) => Err(not_a_container(walked, step, v)),
    }
}

/// `1 entry`, `2 entries`.
fn entries(n: usize) -> String {
    match n {
        1 => "1 entry".to_string(),
        n => format!("{n} entries"),
    }
}

fn not_a_container(walked: &str, step: &Step, v: &Value) -> String {
    let want = match step {
        Step::Key(_) => "a table",
        Step::Index(_) => "an array",
    };
    format!("`{walked}` is {}, not {want}", super::units::describe(v))
}

/// Splits `pool.max_total` or `workload.profile[1].scale` into steps.
fn steps(key: &str) -> Result<Vec<Step<'_>>, String> {
    let bad = |why: &str| format!("bad key `{}`: {why}", super::units::clip(key));
    let mut steps = Vec::new();
    for part in key.split('.') {
        let (name, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        let valid = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '-';
        if name.is_empty() || !name.chars().all(valid) {
            return Err(bad("expected dotted names like pool.max_total"));
        }
        steps.push(Step::Key(name));
        while !rest.is_empty() {
            let close = rest.find(']').ok_or_else(|| bad("unclosed ["))?;
            let index = rest[1..close]
                .parse()
                .map_err(|_| bad("expected an index like [0]"))?;
            steps.push(Step::Index(index));
            rest = &rest[close + 1..];
            if !rest.is_empty() && !rest.starts_with('[') {
                return Err(bad("expected `.` after `]`"));
            }
        }
    }
    Ok(steps)
}

fn push_step(out: &mut String, step: &Step) {
    match step {
        Step::Key(k) => {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(k);
        }
        Step::Index(i) => out.push_str(&format!("[{i}]")),
    }
}

fn dotted(steps: &[Step]) -> String {
    let mut out = String::new();
    for s in steps {
        push_step(&mut out, s);
    }
    out
}

/// Checks shape, then values, and locates the first problem.
fn validate(
    doc: &Table,
    name: &str,
    locator: &Locator,
) -> Result<(Scenario, Applied), ScenarioError> {
    let mut shape = check_shape(doc);
    shape.sort_by_cached_key(|p| (locator.rank(p), p.key.clone()));
    if let Some(p) = shape.into_iter().next() {
        return Err(locator.error(p));
    }
    // Data files are relative to the scenario file's directory.
    let dir = Path::new(locator.origin).parent().unwrap_or(Path::new(""));
    build_applied(doc, name, dir).map_err(|p| locator.error(p))
}

/// Where each dotted key of a document is, and which were overridden.
struct Locator<'a> {
    origin: &'a str,
    text: Option<&'a str>,
    /// Dotted key -> (offset of the key, offset of its value).
    spans: BTreeMap<String, (usize, usize)>,
    /// (dotted key, assignment), in the order applied.
    overrides: Vec<(String, String)>,
}

impl Locator<'_> {
    /// The assignment that last wrote `key` or a table holding it.
    fn assignment(&self, key: &str) -> Option<&str> {
        self.overrides
            .iter()
            .rev()
            .find(|(k, _)| covers(k, key))
            .map(|(_, a)| a.as_str())
    }

    /// The assignment to blame for a problem: the one that wrote its key,
    /// or, if the key is not written at all, the one that wrote `near`.
    fn blame(&self, p: &Problem) -> Option<&str> {
        if let Some(a) = self.assignment(&p.key) {
            return Some(a);
        }
        if self.spans.contains_key(&p.key) {
            return None;
        }
        // A key the file does not write, created by an assignment to a key
        // below it (`--set nosuch.key=1` makes the table `[nosuch]`).
        let below = self
            .overrides
            .iter()
            .rev()
            .find(|(k, _)| covers(&p.key, k))
            .map(|(_, a)| a.as_str());
        below.or_else(|| p.near.as_deref().and_then(|near| self.assignment(near)))
    }

    /// Byte offset of the problem in the text, if there is a text.
    fn offset(&self, p: &Problem) -> Option<usize> {
        self.text?;
        if let Some(&(k, v)) = self.spans.get(&p.key) {
            return Some(if p.at_key { k } else { v });
        }
        if let Some(&(_, v)) = p.near.as_ref().and_then(|n| self.spans.get(n)) {
            return Some(v);
        }
        let mut key = p.key.as_str();
        while let Some(i) = key.rfind(['.', '[']) {
            key = &key[..i];
            if let Some(&(k, _)) = self.spans.get(key) {
                return Some(k);
            }
        }
        Some(0)
    }

    /// Orders problems: file positions first, then overrides.
    fn rank(&self, p: &Problem) -> (bool, usize) {
        match self.blame(p) {
            Some(_) => (true, 0),
            None => (false, self.offset(p).unwrap_or(0)),
        }
    }

    /// Where the value of dotted `key` came from: the last `--set` that
    /// wrote it (or a table above or a field below it), else the file line
    /// that writes it (or its first field), else the preset, else the default.
    fn origin(&self, key: &str, applied: &Applied) -> Origin {
        if let Some((_, a)) = self
            .overrides
            .iter()
            .rev()
            .find(|(k, _)| covers(k, key) || covers(key, k))
        {
            return Origin::Set(a.clone());
        }
        let written = self.spans.get(key).or_else(|| {
            self.spans
                .range(key.to_string()..)
                .take_while(|(k, _)| k.starts_with(key))
                .find(|(k, _)| covers(key, k))
                .map(|(_, span)| span)
        });
        if let (Some(&(k, _)), Some(text)) = (written, self.text) {
            return Origin::File {
                line: line_column(text, k).0,
            };
        }
        match applied.name {
            Some(name) if applied.keys.iter().any(|k| k == key) => Origin::Preset(name),
            _ => Origin::Default,
        }
    }

    fn error(&self, p: Problem) -> ScenarioError {
        let key = (!p.key.is_empty()).then(|| p.key.clone());
        let e = ScenarioError::new(self.origin, key, p.message.clone(), p.names_key);
        if let Some(a) = self.blame(&p) {
            return e.blame_assignment(a);
        }
        match (self.text, self.offset(&p)) {
            (Some(text), Some(offset)) => {
                let (line, column) = line_column(text, offset);
                e.at(line, column)
            }
            _ => e,
        }
    }
}

/// True if an assignment to `set` wrote `key`: the same key or a table above it.
fn covers(set: &str, key: &str) -> bool {
    key == set
        || (key.starts_with(set) && matches!(key.as_bytes().get(set.len()), Some(b'.' | b'[')))
}

/// The dotted name of `key` inside the table named `prefix` (`pool` +
/// `max_total` = `pool.max_total`; an empty prefix is the top level).
pub(crate) fn key_path(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Records where every key and value of `table` starts.
fn record_spans(
    table: &toml::de::DeTable<'_>,
    prefix: &str,
    depth: usize,
    out: &mut BTreeMap<String, (usize, usize)>,
) {
    if depth > MAX_DEPTH {
        return;
    }
    for (k, v) in table {
        let path = key_path(prefix, k.get_ref());
        out.insert(path.clone(), (k.span().start, v.span().start));
        record_value(v, &path, depth, out);
    }
}

fn record_value(
    v: &Spanned<DeValue<'_>>,
    path: &str,
    depth: usize,
    out: &mut BTreeMap<String, (usize, usize)>,
) {
    match v.get_ref() {
        DeValue::Table(t) => record_spans(t, path, depth + 1, out),
        DeValue::Array(items) if depth <= MAX_DEPTH => {
            for (i, item) in items.iter().enumerate() {
                let p = format!("{path}[{i}]");
                out.insert(p.clone(), (item.span().start, item.span().start));
                record_value(item, &p, depth + 1, out);
            }
        }
        _ => {}
    }
}

/// A TOML syntax error, at its position.
fn syntax_error(origin: &str, text: &str, e: &toml::de::Error) -> ScenarioError {
    let mut message = e
        .message()
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    let Some(span) = e.span() else {
        return ScenarioError::new(origin, None, message, true);
    };
    let mut key = None;
    let written = text.get(span.clone()).unwrap_or("").trim();
    if message == "duplicate key" && !written.is_empty() && !written.contains('\n') {
        let written = written.trim_matches('"');
        let before = text.get(..span.start).unwrap_or("");
        let line_start = &before[before.rfind('\n').map_or(0, |i| i + 1)..];
        let clipped = super::units::clip(written);
        if line_start.trim_start().starts_with('[') {
            message = format!("duplicate table [{clipped}]");
            key = Some(written.to_string());
        } else if let Some(table) = enclosing_table(text, span.start) {
            message = format!(
                "duplicate key `{clipped}` in [{}]",
                super::units::clip(table)
            );
            key = Some(format!("{table}.{written}"));
        } else {
            message = format!("duplicate key `{clipped}`");
            key = Some(written.to_string());
        }
    }
    let (line, column) = line_column(text, span.start);
    ScenarioError::new(origin, key, message, true).at(line, column)
}

/// The name in the last `[table]` header before `offset`, if any.
fn enclosing_table(text: &str, offset: usize) -> Option<&str> {
    let before = text.get(..offset)?;
    let header = before
        .lines()
        .rev()
        .map(str::trim)
        .find(|l| l.starts_with('['))?;
    let name = header.trim_start_matches('[');
    let name = &name[..name.find(']')?];
    Some(name.trim())
}

/// 1-based line and column (in characters) of a byte offset: the one
/// position rule of every error about a file (scenarios, sweep tables).
pub(crate) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (
        before.matches('\n').count() + 1,
        before[line_start..].chars().count() + 1,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_parse_values_or_take_strings() {
        let mut doc = Table::new();
        for a in [
            "pool.max_total=50",
            "pool.acquire_timeout=5ms",
            "l1.hit_ratio = 0.5",
            "network.rtt={dist=\"exponential\", mean=\"2ms\"}",
            "client.hold_during_fallback=false",
        ] {
            apply_override(&mut doc, a).unwrap();
        }
        assert_eq!(doc["pool"]["max_total"], Value::Integer(50));
        assert_eq!(doc["pool"]["acquire_timeout"], Value::String("5ms".into()));
        assert_eq!(doc["l1"]["hit_ratio"], Value::Float(0.5));
        assert_eq!(doc["network"]["rtt"]["mean"], Value::String("2ms".into()));
        assert_eq!(doc["client"]["hold_during_fallback"], Value::Boolean(false));
    }

    #[test]
    fn override_errors_name_the_assignment() {
        let mut doc = Table::new();
        let e = |doc: &mut Table, a: &str| apply_override(doc, a).unwrap_err().to_string();
        assert_eq!(
            e(&mut doc, "pool"),
            "--set pool: expected KEY=VALUE, e.g. pool.max_total=50"
        );
        assert_eq!(
            e(&mut doc, "pool..x=1"),
            "--set pool..x=1: bad key `pool..x`: expected dotted names like pool.max_total"
        );
        apply_override(&mut doc, "pool.max_total=5").unwrap();
        assert_eq!(
            e(&mut doc, "pool.max_total.x=1"),
            "--set pool.max_total.x=1: `pool.max_total` is 5, not a table"
        );
        assert_eq!(
            e(&mut doc, "workload.profile[0].at=1m"),
            "--set workload.profile[0].at=1m: `workload.profile` is a table, not an array"
        );
    }

    #[test]
    fn line_columns_count_characters() {
        assert_eq!(line_column("ab\ncµd", 6), (2, 3));
        assert_eq!(line_column("ab\ncµd", 5), (2, 2));
        assert_eq!(line_column("", 9), (1, 1));
    }

    #[test]
    fn covers_whole_steps_only() {
        assert!(covers("pool", "pool.max_total"));
        assert!(covers("workload.profile", "workload.profile[1].at"));
        assert!(!covers("pool.max", "pool.max_total"));
    }
}
