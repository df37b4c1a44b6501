//! Shards: a sweep split over machines, and the merge that rebuilds the
//! unsharded outputs.
//!
//! Shard `K/N` runs the points `i` with `i % N == K - 1` (round-robin, so
//! that cheap and expensive regions of the grid spread evenly) and writes
//! `shard-K-of-N.json`: the plan's input (the scenario text, `--set` and
//! `--axis`), its hash, and the measured metrics of its points, each float
//! written as its shortest round-trip decimal string so that it reads back
//! bit for bit; a point that could not finish carries its reason
//! (`unfinished`). [`merge`] checks that the files belong together (same capsim
//! version, same plan hash, every shard exactly once, every point present)
//! and returns the plan and the rows in point order: exactly what the
//! unsharded sweep would have measured, so every output built from them is
//! byte-identical.
//!
//! Refinement needs every point of a line, so it does not combine with
//! shards: run `--refine` unsharded.

use super::checkpoint::{exact, read_back};
use super::plan::{Input, Plan, MAX_POINTS};
use super::results::{line_of_points, Measured, Row};
use super::run::unfinished;
use super::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Most shards in a sweep.
pub const MAX_SHARDS: usize = 100_000;
/// Longest reason for a point not finishing that a shard file may give, in
/// bytes (the engine's are one line of about 200).
pub const MAX_REASON_BYTES: usize = 4096;
/// The `format` field of a shard file.
pub const FORMAT: &str = "capsim-sweep-shard";

/// One share of a sweep: `k` of `n`, counted from 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// This shard, 1..=n.
    pub k: usize,
    /// Number of shards.
    pub n: usize,
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad =
            || format!("expected K/N with 1 <= K <= N <= {MAX_SHARDS}, e.g. 2/8, found `{s}`");
        let (k, n) = s.split_once('/').ok_or_else(bad)?;
        let (k, n): (usize, usize) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if k == 0 || k > n || n > MAX_SHARDS {
            return Err(bad());
        }
        Ok(Shard { k, n })
    }
}

impl Shard {
    /// The points of this shard among `total`, in point order.
    pub fn indices(&self, total: usize) -> Vec<usize> {
        (self.k - 1..total).step_by(self.n).collect()
    }

    /// The file a shard writes: `shard-K-of-N.json`.
    pub fn file_name(&self) -> String {
        format!("shard-{}-of-{}.json", self.k, self.n)
    }
}

#[derive(Serialize, Deserialize)]
struct ShardFile {
    format: String,
    capsim_version: String,
    scenario_hash: String,
    shard: usize,
    shards: usize,
    points_total: usize,
    #[serde(deserialize_with = "bounded::input")]
    input: Input,
    #[serde(deserialize_with = "bounded::points")]
    points: Vec<ShardPoint>,
}

#[derive(Serialize, Deserialize)]
struct ShardPoint {
    point: usize,
    /// Why the point could not finish, when it could not (its metrics are
    /// then NaN); absent otherwise, so other shard files keep their bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    unfinished: Option<String>,
    #[serde(deserialize_with = "bounded::metrics")]
    metrics: BTreeMap<String, String>,
    #[serde(deserialize_with = "bounded::metrics")]
    ci95: BTreeMap<String, String>,
}

/// Readers of a shard file's lists and maps that refuse more entries than a
/// capsim shard can hold while reading, so that a file of millions of tiny
/// entries is refused before they are all held: its size alone is bounded
/// by the caller, but an empty string costs more memory held than read.
mod bounded {
    use super::{ShardPoint, MAX_POINTS};
    use serde::de::{Deserializer, Error, MapAccess, SeqAccess, Visitor};
    use serde::Deserialize;
    use std::collections::BTreeMap;
    use std::marker::PhantomData;

    /// Most metrics (or half-widths) of one point.
    const MAX_METRICS: usize = 1000;
    /// Most `--set` or `--axis` arguments.
    const MAX_ARGUMENTS: usize = 10_000;

    /// At most `.0` entries, called `.1` in the message.
    struct List<T>(usize, &'static str, PhantomData<T>);

    impl<'de, T: Deserialize<'de>> Visitor<'de> for List<T> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "a list of at most {} {}", self.0, self.1)
        }
        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::new();
            while let Some(x) = seq.next_element()? {
                if out.len() == self.0 {
                    return Err(A::Error::custom(format!("more than {} {}", self.0, self.1)));
                }
                out.push(x);
            }
            Ok(out)
        }
    }

    /// At most `.0` entries, called `.1` in the message.
    struct Map(usize, &'static str);

    impl<'de> Visitor<'de> for Map {
        type Value = BTreeMap<String, String>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "a map of at most {} {}", self.0, self.1)
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut out = BTreeMap::new();
            while let Some((k, v)) = map.next_entry()? {
                if out.len() == self.0 {
                    return Err(A::Error::custom(format!("more than {} {}", self.0, self.1)));
                }
                out.insert(k, v);
            }
            Ok(out)
        }
    }

    pub(super) fn points<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<ShardPoint>, D::Error> {
        d.deserialize_seq(List(MAX_POINTS, "points", PhantomData))
    }

    pub(super) fn metrics<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<BTreeMap<String, String>, D::Error> {
        d.deserialize_map(Map(MAX_METRICS, "metrics in a point"))
    }

    fn arguments<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        d.deserialize_seq(List(
            MAX_ARGUMENTS,
            "--set or --axis arguments",
            PhantomData,
        ))
    }

    /// [`super::Input`] with its lists bounded (of the same name, for
    /// serde's messages).
    #[derive(Deserialize)]
    struct Input {
        origin: String,
        name: String,
        text: String,
        #[serde(deserialize_with = "arguments")]
        set: Vec<String>,
        #[serde(deserialize_with = "arguments")]
        axis: Vec<String>,
    }

    pub(super) fn input<'de, D: Deserializer<'de>>(d: D) -> Result<super::Input, D::Error> {
        let b = Input::deserialize(d)?;
        Ok(super::Input {
            origin: b.origin,
            name: b.name,
            text: b.text,
            set: b.set,
            axis: b.axis,
        })
    }
}

/// The shard file of `shard`, holding `rows` (the shard's points).
pub fn shard_json(plan: &Plan, shard: Shard, rows: &[Row]) -> String {
    let file = ShardFile {
        format: FORMAT.into(),
        capsim_version: env!("CARGO_PKG_VERSION").into(),
        scenario_hash: plan.hash(),
        shard: shard.k,
        shards: shard.n,
        points_total: plan.len(),
        input: plan.input.clone(),
        points: rows
            .iter()
            .map(|r| ShardPoint {
                point: r.point.expect("shards hold grid points"),
                unfinished: r.measured.unfinished.clone(),
                metrics: exact(&r.measured.metrics),
                ci95: exact(&r.measured.ci95),
            })
            .collect(),
    };
    serde_json::to_string_pretty(&file).expect("shard files serialize") + "\n"
}

/// A shard file read and checked on its own (format, version, counts),
/// ready for [`merge_parsed`].
pub struct Parsed {
    name: String,
    file: ShardFile,
}

/// Reads one shard file's text; `name` is used in messages. Counts are
/// checked against [`MAX_SHARDS`] and [`MAX_POINTS`] before anything is
/// sized by them.
pub fn parse(name: &str, text: &str) -> Result<Parsed, Error> {
    let bad = |msg: String| Error::Merge(format!("{name}: {msg}"));
    let f: ShardFile =
        serde_json::from_str(text).map_err(|e| bad(format!("not a capsim shard file: {e}")))?;
    if f.format != FORMAT {
        let format: String = f.format.chars().take(40).collect();
        return Err(bad(format!("not a capsim shard file (format {format:?})")));
    }
    if f.capsim_version != env!("CARGO_PKG_VERSION") {
        let version: String = f.capsim_version.chars().take(40).collect();
        return Err(bad(format!(
            "written by capsim {version}, this is {}; rerun the shard with this version",
            env!("CARGO_PKG_VERSION")
        )));
    }
    if f.shards == 0 || f.shards > MAX_SHARDS || f.shard == 0 || f.shard > f.shards {
        return Err(bad(format!(
            "shard {} of {} is out of range (1 <= K <= N <= {MAX_SHARDS})",
            f.shard, f.shards
        )));
    }
    if f.points_total == 0 || f.points_total > MAX_POINTS || f.points.len() > f.points_total {
        return Err(bad(format!(
            "{} points of {} is out of range (a sweep has 1 to {MAX_POINTS} points)",
            f.points.len(),
            f.points_total
        )));
    }
    Ok(Parsed {
        name: name.to_string(),
        file: f,
    })
}

/// Combines shard files, given as (name for messages, text).
pub fn merge(files: &[(String, String)]) -> Result<(Plan, Vec<Row>), Error> {
    let parsed = files
        .iter()
        .map(|(name, text)| parse(name, text))
        .collect::<Result<Vec<_>, _>>()?;
    merge_parsed(parsed)
}

/// Combines shard files read by [`parse`].
pub fn merge_parsed(parsed: Vec<Parsed>) -> Result<(Plan, Vec<Row>), Error> {
    let bad = |name: &str, msg: String| Error::Merge(format!("{name}: {msg}"));
    let parsed: Vec<(&String, &ShardFile)> = parsed.iter().map(|p| (&p.name, &p.file)).collect();
    let Some((first_name, first)) = parsed.first() else {
        return Err(Error::Merge(
            "no shard files (shard-K-of-N.json) found".into(),
        ));
    };
    let mut seen = vec![None; first.shards];
    for (name, f) in &parsed {
        if f.scenario_hash != first.scenario_hash
            || f.shards != first.shards
            || f.input != first.input
        {
            return Err(bad(name, format!("belongs to another sweep than {first_name} (scenario hash {} vs {}, {} vs {} shards)", f.scenario_hash, first.scenario_hash, f.shards, first.shards)));
        }
        if f.shard == 0 || f.shard > f.shards {
            return Err(bad(
                name,
                format!("shard {} of {} is out of range", f.shard, f.shards),
            ));
        }
        if let Some(other) = seen[f.shard - 1].replace(name) {
            return Err(bad(
                name,
                format!("shard {}/{} is also in {other}", f.shard, f.shards),
            ));
        }
    }
    let missing: Vec<String> = seen
        .iter()
        .enumerate()
        .filter(|(_, s)| s.is_none())
        .map(|(i, _)| format!("{}/{}", i + 1, first.shards))
        .collect();
    if !missing.is_empty() {
        let head: Vec<String> = missing.iter().take(8).cloned().collect();
        return Err(Error::Merge(format!(
            "missing shard{} {}{} (found {} shard file{}, the first {first_name})",
            if missing.len() == 1 { "" } else { "s" },
            head.join(", "),
            if missing.len() > 8 {
                format!(" and {} more", missing.len() - 8)
            } else {
                String::new()
            },
            parsed.len(),
            if parsed.len() == 1 { "" } else { "s" },
        )));
    }
    let plan = Plan::new(first.input.clone()).map_err(|e| {
        bad(
            first_name,
            format!("the scenario it carries is invalid: {e}"),
        )
    })?;
    if plan.hash() != first.scenario_hash || plan.len() != first.points_total {
        return Err(bad(
            first_name,
            "the sweep it describes does not rebuild identically; was it written by another build?"
                .into(),
        ));
    }
    let mut measured: Vec<Option<Measured>> = vec![None; plan.len()];
    for (name, f) in &parsed {
        let shard = Shard {
            k: f.shard,
            n: f.shards,
        };
        let expected = shard.indices(plan.len());
        let got: Vec<usize> = f.points.iter().map(|p| p.point).collect();
        if got != expected {
            return Err(bad(
                name,
                format!(
                    "holds points {} but shard {}/{} has {}",
                    list(&got),
                    f.shard,
                    f.shards,
                    list(&expected)
                ),
            ));
        }
        for p in &f.points {
            let what = format!("{name}: point {}", p.point);
            measured[p.point] = Some(match &p.unfinished {
                // As the unsharded sweep has it: NaN, with the reason.
                Some(why) if why.len() <= MAX_REASON_BYTES => unfinished(why.clone()),
                Some(why) => {
                    return Err(Error::Merge(format!(
                        "{what}: its reason for not finishing is {} bytes, more than {MAX_REASON_BYTES}",
                        why.len()
                    )))
                }
                None => Measured {
                    metrics: read_back(&p.metrics, &what).map_err(Error::Merge)?,
                    ci95: read_back(&p.ci95, &what).map_err(Error::Merge)?,
                    unfinished: None,
                },
            });
        }
    }
    let coords = plan.coordinates();
    let lines = line_of_points(&plan);
    let rows = measured
        .into_iter()
        .enumerate()
        .map(|(i, m)| Row {
            point: Some(i),
            line: lines[i],
            values: plan.values(&coords[i]),
            measured: m.expect("every shard's points were checked"),
        })
        .collect();
    Ok((plan, rows))
}

fn list(xs: &[usize]) -> String {
    let head: Vec<String> = xs.iter().take(8).map(|x| x.to_string()).collect();
    format!(
        "[{}{}]",
        head.join(", "),
        if xs.len() > 8 { ", ..." } else { "" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_split_round_robin() {
        let s: Shard = "2/3".parse().unwrap();
        assert_eq!(s.indices(8), vec![1, 4, 7]);
        assert_eq!(
            "3/3".parse::<Shard>().unwrap().indices(2),
            Vec::<usize>::new()
        );
        assert!("0/3".parse::<Shard>().is_err());
        assert!("4/3".parse::<Shard>().is_err());
        assert!("x".parse::<Shard>().is_err());
    }
}
