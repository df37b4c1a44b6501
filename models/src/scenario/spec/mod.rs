//! The scenario schema, one entry per key: the one place a key is defined.
//!
//! Each table of a scenario file is a [`TableSpec`] of [`KeySpec`]s in file
//! order. An entry gives the key's name, its [`Kind`] (the type and the
//! allowed range, which the validators' readers take from it), what a key
//! not written takes ([`Missing`]: a default written as TOML, read by the
//! same reader as a written value), and its one-paragraph documentation.
//! From these tables come:
//!
//! - the known keys that unknown keys are refused against and suggested
//!   from ([`table_keys`], [`keys_of`], [`table_names`]);
//! - the defaults and ranges of the validators (`validate::section`'s
//!   readers look the key up here);
//! - the keys `capsim check` prints, in this order (`resolve.rs`);
//! - the key tables of `book/src/reference/scenario.md`
//!   ([`reference_table`]), which `models/tests/reference_page.rs` checks
//!   equal to the page (and rewrites with `CAPSIM_BLESS=1`).
//!
//! The preset values stay in [`super::presets`], one TOML text per library:
//! the page's presets column is derived from them.

mod pool;
mod redis;
mod traffic;

use super::{presets, Scenario};
use std::fmt::Write as _;

/// One key of a table.
#[derive(Clone, Copy, Debug)]
pub struct KeySpec {
    /// The key's name, a public contract (`max_total`).
    pub name: &'static str,
    /// Its type and allowed range.
    pub kind: Kind,
    /// What the key takes when it is not written.
    pub missing: Missing,
    /// What it means, as the reference page says it (Markdown).
    pub doc: &'static str,
    /// The reference page's type text where [`Kind::text`] says too little.
    ty: Option<&'static str>,
    /// The value's TOML text in a scenario, as `capsim check` prints it
    /// (model tables only).
    show: Option<fn(&Scenario) -> String>,
    /// When `capsim check` leaves the key out (a setting of a part the
    /// scenario does not have, so scenarios without it print as before).
    omit: Option<fn(&Scenario) -> bool>,
}

/// A key's type, and the range its reader allows.
#[derive(Clone, Copy, Debug)]
pub enum Kind {
    /// A whole number from `.0` to `.1`.
    Whole(i128, i128),
    /// A number in a [`Range`].
    Number(Range),
    /// A duration, `"0s"` allowed.
    Duration,
    /// A duration > 0.
    PositiveDuration,
    /// A duration or `"none"`; what a zero means.
    OptDuration(Zero),
    /// A latency: a duration or a distribution table.
    Latency,
    /// One of these words.
    Choice(&'static [&'static str]),
    /// `true` or `false`.
    Bool,
    /// Read by its own code; the text is the reference page's type.
    Other(&'static str),
}

/// Which numbers a [`Kind::Number`] accepts.
#[derive(Clone, Copy, Debug)]
pub enum Range {
    /// `> 0`.
    Positive,
    /// `>= 0`.
    NonNegative,
    /// From 0 to 1.
    Ratio,
}

/// What a zero duration means for a [`Kind::OptDuration`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zero {
    /// Zero is refused: write `"none"` to turn the setting off.
    Refused,
    /// Zero means `None`, as in redis.conf (`timeout 0`, `tcp-keepalive 0`).
    MeansNone,
    /// Zero is a duration like any other (an acquire timeout of zero fails
    /// at once); `example` is shown in the error.
    Allowed {
        /// A duration shown in the message.
        example: &'static str,
    },
}

/// What a key takes when the file does not write it.
#[derive(Clone, Copy, Debug)]
pub enum Missing {
    /// This value, as TOML; read like a written one.
    Value(&'static str),
    /// No value (`capsim check` prints `"none"`).
    Absent,
    /// Nothing: the key must be written. The text is the page's default
    /// cell (`required`, `required for "slow"`).
    Required(&'static str),
    /// A value its reader works out from other keys; the text is the page's
    /// default cell.
    Computed(&'static str),
}

impl KeySpec {
    /// A key.
    pub(crate) const fn new(
        name: &'static str,
        kind: Kind,
        missing: Missing,
        doc: &'static str,
    ) -> Self {
        KeySpec {
            name,
            kind,
            missing,
            doc,
            ty: None,
            show: None,
            omit: None,
        }
    }

    /// The same key with the page's type text written out.
    pub(crate) const fn ty(self, text: &'static str) -> Self {
        KeySpec {
            ty: Some(text),
            ..self
        }
    }

    /// The same key, printed by `capsim check` with `show`.
    pub(crate) const fn show(self, show: fn(&Scenario) -> String) -> Self {
        KeySpec {
            show: Some(show),
            ..self
        }
    }

    /// The same key, left out of `capsim check`'s output where `omit` holds.
    pub(crate) const fn omit_when(self, omit: fn(&Scenario) -> bool) -> Self {
        KeySpec {
            omit: Some(omit),
            ..self
        }
    }

    /// The key's value in `s` as TOML text (see [`mod@super::resolve`]).
    pub fn text(&self, s: &Scenario) -> String {
        let show = self
            .show
            .unwrap_or_else(|| panic!("{} is not printed on its own", self.name));
        show(s)
    }

    /// Whether `capsim check` leaves the key out for `s`.
    pub fn omitted(&self, s: &Scenario) -> bool {
        self.omit.is_some_and(|omit| omit(s))
    }

    /// The reference page's type cell.
    pub fn type_text(&self) -> String {
        self.ty.map_or_else(|| self.kind.text(), str::to_string)
    }

    /// The reference page's default cell.
    pub fn default_text(&self) -> String {
        match self.missing {
            Missing::Required(t) | Missing::Computed(t) => t.to_string(),
            _ => format!("`{}`", self.default_toml().expect("a default")),
        }
    }

    /// The default as `capsim check` prints it: the value's TOML text, or
    /// `"none"` for [`Missing::Absent`]; `None` when it is required or
    /// computed.
    pub fn default_toml(&self) -> Option<String> {
        match self.missing {
            Missing::Value(v) => Some(v.to_string()),
            Missing::Absent => Some("\"none\"".to_string()),
            Missing::Required(_) | Missing::Computed(_) => None,
        }
    }

    /// The default as a TOML value, for [`Missing::Value`].
    pub fn default_value(&self) -> Option<toml::Value> {
        let Missing::Value(text) = self.missing else {
            return None;
        };
        let mut t: toml::Table =
            toml::from_str(&format!("v = {text}")).expect("a spec default is TOML");
        t.remove("v")
    }
}

impl Kind {
    /// The type as the reference page says it.
    pub fn text(&self) -> String {
        match *self {
            Kind::Whole(min, max) if max == i128::from(u64::MAX) => {
                format!("whole number >= {min}")
            }
            Kind::Whole(min, max) => format!("whole number, {min} to {max}"),
            Kind::Number(Range::Positive) => "number > 0".into(),
            Kind::Number(Range::NonNegative) => "number >= 0".into(),
            Kind::Number(Range::Ratio) => "ratio".into(),
            Kind::Duration => "duration".into(),
            Kind::PositiveDuration => "duration > 0".into(),
            Kind::OptDuration(Zero::MeansNone) => {
                "duration, or `\"none\"`, `\"0s\"` or `0` for never".into()
            }
            Kind::OptDuration(_) => "duration or `\"none\"`".into(),
            Kind::Latency => "latency".into(),
            Kind::Choice(words) => {
                let quoted: Vec<String> = words.iter().map(|w| format!("`\"{w}\"`")).collect();
                match quoted.split_last() {
                    Some((last, rest)) if !rest.is_empty() => {
                        format!("{} or {last}", rest.join(", "))
                    }
                    _ => quoted.concat(),
                }
            }
            Kind::Bool => "`true` or `false`".into(),
            Kind::Other(text) => text.into(),
        }
    }
}

/// One table of the file: a top-level table (`pool`), the entries of an
/// array of tables (`faults`, `redis.commands`, `workload.profile`) or a
/// table inside a table (`client.backoff`).
#[derive(Debug)]
pub struct TableSpec {
    /// Its dotted name.
    pub name: &'static str,
    /// An array of tables: each entry has these keys.
    pub array: bool,
    /// Its keys, in file order (the order `capsim check` prints).
    pub keys: &'static [KeySpec],
}

/// Every table, top-level ones first in file order (the order of
/// [`table_names`]), then the tables inside them.
pub const TABLES: [TableSpec; 13] = [
    TableSpec::new("simulation", traffic::SIMULATION),
    TableSpec::new("workload", traffic::WORKLOAD),
    TableSpec::new("pods", traffic::PODS),
    TableSpec::new("pool", pool::POOL),
    TableSpec::new("network", traffic::NETWORK),
    TableSpec::new("redis", redis::REDIS),
    TableSpec::new("l1", traffic::L1),
    TableSpec::new("database", traffic::DATABASE),
    TableSpec::new("client", pool::CLIENT),
    TableSpec::new("faults", redis::FAULTS).entries(),
    TableSpec::new("workload.profile", traffic::WORKLOAD_PROFILE).entries(),
    TableSpec::new("redis.commands", redis::REDIS_COMMANDS).entries(),
    TableSpec::new("client.backoff", pool::CLIENT_BACKOFF),
];

impl TableSpec {
    /// A table with these keys.
    const fn new(name: &'static str, keys: &'static [KeySpec]) -> Self {
        TableSpec {
            name,
            array: false,
            keys,
        }
    }

    /// The same as an array of tables, each entry with these keys.
    const fn entries(self) -> Self {
        TableSpec {
            array: true,
            ..self
        }
    }
}

/// Top-level tables that belong to other parts of capsim: accepted and
/// ignored by the scenario parser.
pub const FOREIGN_TABLES: [&str; 3] = ["sweep", "slo", "forecast"];

/// The table named `name` (dotted for an inner one), if any.
pub fn table(name: &str) -> Option<&'static TableSpec> {
    TABLES.iter().find(|t| t.name == name)
}

/// The key `name` of `table`. Panics for a key the schema does not have:
/// code names keys, never users.
pub fn key(table: &str, name: &str) -> &'static KeySpec {
    self::table(table)
        .and_then(|t| t.keys.iter().find(|k| k.name == name))
        .unwrap_or_else(|| panic!("the schema has no key {table}.{name}"))
}

/// The keys of any table of [`TABLES`] (`client.backoff`, `faults`), in
/// order.
pub fn keys_of(table: &str) -> Vec<&'static str> {
    self::table(table).map_or_else(Vec::new, |t| t.keys.iter().map(|k| k.name).collect())
}

/// The model tables, top-level and not arrays, in file order.
pub fn model_tables() -> impl Iterator<Item = &'static TableSpec> {
    TABLES.iter().filter(|t| !t.array && !t.name.contains('.'))
}

/// The valid keys of a top-level model table, or `None` for an unknown
/// table (and for `faults` and the foreign tables, whose keys are checked
/// elsewhere or not here).
pub fn table_keys(table: &str) -> Option<Vec<&'static str>> {
    model_tables()
        .find(|t| t.name == table)
        .map(|t| t.keys.iter().map(|k| k.name).collect())
}

/// The names of all top-level tables, model tables first.
pub fn table_names() -> Vec<&'static str> {
    TABLES
        .iter()
        .filter(|t| !t.name.contains('.'))
        .map(|t| t.name)
        .chain(FOREIGN_TABLES)
        .collect()
}

/// The presets that set `table.key` (any field of it, for `client.backoff`).
pub fn presets_setting(table: &str, key: &str) -> Vec<&'static str> {
    let dotted = format!("{table}.{key}");
    presets::NAMES
        .into_iter()
        .filter(|p| {
            presets::keys(p)
                .iter()
                .any(|k| *k == dotted || k.starts_with(&format!("{dotted}.")))
        })
        .collect()
}

/// The reference page's table of `table`'s keys (Markdown, ending in a
/// newline): key, type, default, the presets that set it, meaning.
pub fn reference_table(table: &TableSpec) -> String {
    let mut out =
        String::from("| key | type | default | presets | meaning |\n|---|---|---|---|---|\n");
    for k in table.keys {
        let presets = presets_setting(table.name, k.name);
        let presets = if presets.is_empty() {
            "none".to_string()
        } else {
            presets.join(", ")
        };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {presets} | {} |",
            k.name,
            k.type_text(),
            k.default_text(),
            k.doc
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_lists_come_from_the_spec() {
        assert_eq!(
            &table_keys("pool").unwrap()[..5],
            [
                "preset",
                "max_total",
                "when_exhausted",
                "acquire_timeout",
                "order"
            ]
        );
        assert_eq!(keys_of("client.backoff"), ["base", "cap", "jitter"]);
        assert_eq!(keys_of("workload.profile"), ["at", "scale", "ramp"]);
        assert!(table_names().contains(&"sweep"));
        assert!(table_keys("sweep").is_none());
        assert!(table_keys("faults").is_none());
    }

    #[test]
    fn every_default_is_toml_and_every_key_once() {
        for t in &TABLES {
            for (i, k) in t.keys.iter().enumerate() {
                if let Missing::Value(_) = k.missing {
                    assert!(k.default_value().is_some(), "{}.{}", t.name, k.name);
                }
                assert!(
                    t.keys[..i].iter().all(|o| o.name != k.name),
                    "{}.{} twice",
                    t.name,
                    k.name
                );
            }
        }
    }
}
