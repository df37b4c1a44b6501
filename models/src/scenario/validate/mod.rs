//! Validation: from a TOML table to a [`Scenario`] the engine can trust.
//!
//! Two passes. The first walks the table's shape (every table known, every
//! key known, tables where tables belong, against [`spec`]) and reports the
//! problem that comes first in the file. The second fills in the keys of
//! the chosen preset ([`preset`]), then reads each table through a
//! [`Section`], whose readers ([`values`]) take each key's range and
//! default from the schema, and checks every rule between values, table by
//! table ([`sections`], [`keys`], [`pool`], [`database`], [`client`]), in
//! schema order.
//! Problems name a dotted key; [`super::parse`] turns the key into a file
//! position or a `--set` assignment.

mod arrivals;
mod client;
mod commands;
mod data;
mod database;
mod faults;
mod keys;
mod pool;
mod preset;
mod section;
mod sections;
mod values;
mod wire;

pub(crate) use preset::Applied;

use super::spec;
use super::units::{clip, describe, list, suggest};
use super::{Pods, Scenario, L1};
use preset::with_preset;
use section::Section;
use std::path::Path;
use toml::{Table, Value};

/// One thing wrong with a scenario, before it is located.
#[derive(Clone, Debug)]
pub(crate) struct Problem {
    /// Dotted key at fault (`pool.max_total`, `workload.profile[2].at`).
    pub key: String,
    /// What is wrong and what to do.
    pub message: String,
    /// The message already names the key (unknown-key messages).
    pub names_key: bool,
    /// Point at the key itself rather than at its value.
    pub at_key: bool,
    /// Where to point if `key` is not written anywhere (a default is at fault).
    pub near: Option<String>,
}

impl Problem {
    fn value(key: impl Into<String>, message: impl Into<String>) -> Self {
        Problem {
            key: key.into(),
            message: message.into(),
            names_key: false,
            at_key: false,
            near: None,
        }
    }
    /// "expected `what`, found" the value `v` at `key`.
    fn expected(key: impl Into<String>, what: &str, v: &Value) -> Self {
        Problem::value(key, format!("expected {what}, found {}", describe(v)))
    }
    /// An unknown `key` in the table at dotted `path`, whose keys are
    /// `valid`: the message names the closest valid key, or else lists them
    /// after `takes` ("valid keys: "); `note` follows the table's name.
    fn unknown_key(path: &str, key: &str, valid: &[&str], note: &str, takes: &str) -> Self {
        let place = super::error::key_display(path);
        let msg = match suggest(key, valid) {
            Some(s) => format!(
                "unknown key `{}` in {place}{note}, did you mean `{s}`?",
                clip(key)
            ),
            None => format!(
                "unknown key `{}` in {place}; {takes}{}",
                clip(key),
                list(valid, "`", "`")
            ),
        };
        Problem::unknown(format!("{path}.{key}"), msg)
    }
    /// Points at `key` when the problem's own key is not written.
    fn near(mut self, key: &str) -> Self {
        self.near = Some(key.to_string());
        self
    }
    fn unknown(key: String, message: String) -> Self {
        Problem {
            key,
            message,
            names_key: true,
            at_key: true,
            near: None,
        }
    }
}

/// Every problem with the shape of `doc`: unknown tables and keys, and values
/// that should be tables. Unordered; the caller picks the first in the file.
pub(crate) fn check_shape(doc: &Table) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (name, value) in doc {
        if spec::FOREIGN_TABLES.contains(&name.as_str()) {
            continue;
        }
        if name == "faults" {
            // An array of tables, each checked here; other shapes are
            // reported when the faults are read.
            if let Value::Array(items) = value {
                for (i, item) in items.iter().enumerate() {
                    if let Value::Table(t) = item {
                        let keys = spec::keys_of("faults");
                        check_keys(t, &format!("faults[{i}]"), &keys, &mut problems);
                    }
                }
            }
            continue;
        }
        let Some(keys) = spec::table_keys(name) else {
            problems.push(unknown_top_level(name, value));
            continue;
        };
        let Value::Table(table) = value else {
            problems.push(Problem {
                at_key: true,
                ..Problem::expected(name.as_str(), "a table", value)
            });
            continue;
        };
        check_keys(table, name, &keys, &mut problems);
        if let (true, Some(Value::Table(b))) = (name == "client", table.get("backoff")) {
            let keys = spec::keys_of("client.backoff");
            check_keys(b, "client.backoff", &keys, &mut problems);
        }
        if let (true, Some(Value::Array(items))) = (name == "redis", table.get("commands")) {
            for (i, item) in items.iter().enumerate() {
                if let Value::Table(t) = item {
                    let path = format!("redis.commands[{i}]");
                    check_keys(t, &path, &spec::keys_of("redis.commands"), &mut problems);
                }
            }
        }
        if let (true, Some(Value::Array(points))) = (name == "workload", table.get("profile")) {
            for (i, point) in points.iter().enumerate() {
                if let Value::Table(t) = point {
                    let path = format!("workload.profile[{i}]");
                    check_keys(t, &path, &spec::keys_of("workload.profile"), &mut problems);
                }
            }
        }
    }
    problems
}

/// Unknown keys of `table` (at dotted `path`), given the valid ones.
fn check_keys(table: &Table, path: &str, valid: &[&str], out: &mut Vec<Problem>) {
    for key in table.keys().filter(|k| !valid.contains(&k.as_str())) {
        out.push(Problem::unknown_key(path, key, valid, "", "valid keys: "));
    }
}

/// An unknown top-level table or key.
fn unknown_top_level(name: &str, value: &Value) -> Problem {
    let tables = spec::table_names();
    let what = if value.is_table() {
        "table"
    } else {
        "top-level key"
    };
    let shown = if value.is_table() {
        format!("[{}]", clip(name))
    } else {
        format!("`{}`", clip(name))
    };
    let home = tables
        .iter()
        .find(|t| spec::table_keys(t).is_some_and(|k| k.contains(&name)));
    let msg = match (home, suggest(name, &tables)) {
        (Some(home), _) if !value.is_table() => {
            format!("unknown {what} {shown}; it belongs in [{home}]")
        }
        (_, Some(s)) => format!("unknown {what} {shown}, did you mean [{s}]?"),
        _ => format!(
            "unknown {what} {shown}; valid tables: {}",
            list(&tables, "[", "]")
        ),
    };
    Problem::unknown(name.to_string(), msg)
}

/// Builds the scenario from a table whose shape [`check_shape`] accepted,
/// also saying what the preset filled in.
/// Data files named by the scenario are found relative to `dir`.
pub(crate) fn build_applied(
    doc: &Table,
    name: &str,
    dir: &Path,
) -> Result<(Scenario, Applied), Problem> {
    let (doc, applied) = with_preset(doc)?;
    match build_merged(&doc, name, &applied, dir) {
        Ok(s) => Ok((s, applied)),
        Err(p) => Err(applied.blame(p)),
    }
}

fn build_merged(
    doc: &Table,
    name: &str,
    applied: &Applied,
    dir: &Path,
) -> Result<Scenario, Problem> {
    let simulation = sections::simulation(&Section::top(doc, "simulation"))?;
    let workload = sections::workload(&Section::top(doc, "workload"), dir)?;
    let pods = Section::top(doc, "pods");
    let pods = Pods {
        count: pods.whole("count")? as u32,
    };
    let pool = pool::pool(&Section::top(doc, "pool"), applied)?;
    let network = sections::network(&Section::top(doc, "network"), dir)?;
    let redis = sections::redis(&Section::top(doc, "redis"), dir)?;
    let l = Section::top(doc, "l1");
    let l1 = L1 {
        hit_ratio: l.number("hit_ratio")?,
        lookup_time: l.latency("lookup_time", dir)?,
        cache: keys::keyed_l1(&l, workload.keys.as_ref(), pods.count)?,
        invalidation_rate: l.number("invalidation_rate")?,
    };
    let database = database::database(&Section::top(doc, "database"), dir)?;
    let client = client::client(&Section::top(doc, "client"), dir)?;
    keys::replicas(&redis)?;
    keys::cluster(&redis, workload.keys.as_ref(), pods.count, client.transport)?;
    if !client.checkout_delay.is_zero()
        && client.transport == crate::scenario::Transport::Multiplexed
    {
        return Err(Problem::value(
            "client.checkout_delay",
            "a checkout delay is modelled for pooled clients only (a multiplexed client \
             checks nothing out); with client.transport = \"multiplexed\" leave it at \"0s\"",
        ));
    }
    if redis.reply_batching && client.transport == crate::scenario::Transport::Multiplexed {
        // A shared connection's replies come back in its order through the
        // multiplexed transport's own books, which take each reply's time
        // when its command reaches Redis: refused rather than modelled wrong.
        return Err(Problem::value(
            "redis.reply_batching",
            "reply batching is modelled for pooled clients only; with client.transport = \
             \"multiplexed\" leave redis.reply_batching = false",
        ));
    }
    let faults = faults::faults(doc.get("faults"), &redis, pods.count)?;
    Ok(Scenario {
        name: name.to_string(),
        simulation,
        workload,
        pods,
        pool,
        network,
        redis,
        l1,
        database,
        client,
        faults,
    })
}
