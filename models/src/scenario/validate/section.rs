//! One table of the file as the validators read it: its values, and its
//! keys' [`spec`] entries, from which every reader here takes the dotted
//! key it names in errors, the allowed range and the default. A key not
//! written takes its spec default (`Missing::Value`), read by the same
//! reader as a written value.

use super::values;
use super::Problem;
use crate::scenario::spec::{self, KeySpec, Kind};
use sim::dist::Latency;
use sim::time::SimTime;
use std::borrow::Cow;
use std::path::Path;
use toml::{Table, Value};

/// A table of the file (`pool`, `faults[2]`) and its schema.
pub(super) struct Section<'a> {
    /// The dotted path of the table (`client.backoff`, `faults[2]`).
    path: String,
    /// Its schema.
    spec: &'static spec::TableSpec,
    /// Its values; `None` when the file does not write the table.
    values: Option<&'a Table>,
}

impl<'a> Section<'a> {
    /// The top-level table `name` of `doc`, written or not.
    pub(super) fn top(doc: &'a Table, name: &str) -> Self {
        Section::new(
            name.to_string(),
            name,
            doc.get(name).and_then(Value::as_table),
        )
    }

    /// A table at `path` whose keys are those of the schema's `table`
    /// (`faults[2]` of `faults`, `client.backoff`).
    pub(super) fn new(path: String, table: &str, values: Option<&'a Table>) -> Self {
        let spec = spec::table(table).unwrap_or_else(|| panic!("the schema has no table {table}"));
        Section { path, spec, values }
    }

    /// The dotted path of the table.
    pub(super) fn path(&self) -> &str {
        &self.path
    }

    /// The schema entry of `key`.
    fn spec(&self, key: &str) -> &'static KeySpec {
        spec::key(self.spec.name, key)
    }

    /// The dotted key of `key` (`pool.max_total`, `faults[2].at`).
    pub(super) fn key(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    /// The value written for `key`, if any. Panics for a key the schema
    /// does not have, so a validator cannot read a key no file may write.
    pub(super) fn get(&self, key: &str) -> Option<&'a Value> {
        let _known = self.spec(key);
        self.values.and_then(|t| t.get(key))
    }

    /// The value written for `key`, or a problem saying it is required
    /// but missing and what it takes (`what`).
    pub(super) fn required(&self, key: &str, what: &str) -> Result<&'a Value, Problem> {
        self.get(key)
            .ok_or_else(|| Problem::value(self.key(key), format!("required but missing: {what}")))
    }

    /// The duration written for `key`, or a problem saying it is required
    /// (as [`Section::required`]).
    pub(super) fn required_span(&self, key: &str, what: &str) -> Result<SimTime, Problem> {
        self.span_of(Some(self.required(key, what)?), key)
    }

    /// The value written for `key`, or else its spec default.
    fn value(&self, key: &str) -> Option<Cow<'a, Value>> {
        match self.get(key) {
            Some(v) => Some(Cow::Borrowed(v)),
            None => self.spec(key).default_value().map(Cow::Owned),
        }
    }

    /// The spec default of `key`, for readers of their own.
    pub(super) fn default(&self, key: &str) -> Option<Value> {
        self.spec(key).default_value()
    }

    /// The range of a [`Kind::Whole`] key.
    pub(super) fn range(&self, key: &str) -> (i128, i128) {
        match self.spec(key).kind {
            Kind::Whole(min, max) => (min, max),
            k => panic!("{} is {k:?}, not a whole number", self.key(key)),
        }
    }

    /// A whole number in the key's range, `default` if neither written nor
    /// given a default by the schema.
    pub(super) fn whole_or(&self, key: &str, default: u64) -> Result<u64, Problem> {
        let (min, max) = self.range(key);
        values::whole(
            self.value(key).as_deref(),
            &self.key(key),
            default,
            min,
            max,
        )
    }

    /// A whole number in the key's range.
    pub(super) fn whole(&self, key: &str) -> Result<u64, Problem> {
        self.whole_or(key, 0)
    }

    /// A whole number, possibly negative, at most the key's largest in
    /// size.
    pub(super) fn whole_signed(&self, key: &str) -> Result<i64, Problem> {
        let v = self.value(key).expect("written or a default");
        values::whole_signed(&v, &self.key(key), self.range(key).1 as i64)
    }

    /// `v` read as a whole number in the key's range.
    pub(super) fn whole_of(&self, v: &Value, key: &str) -> Result<u64, Problem> {
        let (min, max) = self.range(key);
        values::whole(Some(v), &self.key(key), 0, min, max)
    }

    /// A number in the key's range; missing and required, the message of
    /// `workload.rate`.
    pub(super) fn number(&self, key: &str) -> Result<f64, Problem> {
        self.number_of(self.value(key).as_deref(), key)
    }

    /// `v` read as a number in the key's range.
    pub(super) fn number_of(&self, v: Option<&Value>, key: &str) -> Result<f64, Problem> {
        let Kind::Number(range) = self.spec(key).kind else {
            panic!("{} is not a number", self.key(key));
        };
        values::number(v, &self.key(key), None, range)
    }

    /// A duration (> 0 for a [`Kind::PositiveDuration`]).
    pub(super) fn span(&self, key: &str) -> Result<SimTime, Problem> {
        self.span_of(self.value(key).as_deref(), key)
    }

    /// `v` read as the key's duration.
    pub(super) fn span_of(&self, v: Option<&Value>, key: &str) -> Result<SimTime, Problem> {
        let t = values::span(v, &self.key(key), SimTime::ZERO)?;
        if let Kind::PositiveDuration = self.spec(key).kind {
            values::positive_span(t, self.get(key), &self.key(key))?;
        }
        Ok(t)
    }

    /// A duration or `"none"`, zero meaning what the spec says.
    pub(super) fn optional_span(&self, key: &str) -> Result<Option<SimTime>, Problem> {
        let Kind::OptDuration(zero) = self.spec(key).kind else {
            panic!("{} is not an optional duration", self.key(key));
        };
        values::optional_span(self.value(key).as_deref(), &self.key(key), None, zero)
    }

    /// A latency; data files are found relative to `dir`.
    pub(super) fn latency(&self, key: &str, dir: &Path) -> Result<Latency, Problem> {
        self.latency_or(key, Latency::Constant(SimTime::ZERO), dir)
    }

    /// A latency, `default` if neither written nor given a default by the
    /// schema.
    pub(super) fn latency_or(
        &self,
        key: &str,
        default: Latency,
        dir: &Path,
    ) -> Result<Latency, Problem> {
        values::latency(self.value(key).as_deref(), &self.key(key), default, dir)
    }

    /// One of the key's words.
    pub(super) fn choice(&self, key: &str) -> Result<&'static str, Problem> {
        let Kind::Choice(words) = self.spec(key).kind else {
            panic!("{} is not a choice", self.key(key));
        };
        values::choice(self.value(key).as_deref(), &self.key(key), words, "")
    }

    /// `true` or `false`.
    pub(super) fn boolean(&self, key: &str) -> Result<bool, Problem> {
        values::boolean(self.value(key).as_deref(), &self.key(key), false)
    }
}
