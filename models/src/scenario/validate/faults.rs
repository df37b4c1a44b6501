//! Validation of `[[faults]]`: events that break a shard during the run.

use super::section::Section;
use super::values::{number, tables, whole, Range};
use super::Problem;
use crate::scenario::{Fault, FaultKind, Redis, RedisMode};
use crate::slots::{SlotMap, SLOTS};
use sim::time::SimTime;
use toml::Value;

/// Most faults in one scenario.
pub const MAX_FAULTS: usize = 1000;

/// The faults of `v` (the `faults` array), checked against `redis`'s
/// shards; sorted by `at` (stable, so faults at the same instant keep the
/// file's order).
pub(super) fn faults(v: Option<&Value>, redis: &Redis, pods: u32) -> Result<Vec<Fault>, Problem> {
    let shards = redis.shards;
    let key = "faults";
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    let items = tables(
        v,
        key,
        (MAX_FAULTS, "faults"),
        "[[faults]] tables like at = \"1m\", kind = \"blackhole\", shard = 0;",
        "{ at = \"1m\", kind = \"blackhole\", shard = 0 }",
    )?;
    let mut out = Vec::with_capacity(items.len());
    for (path, entry) in items {
        let fault = Section::new(path.clone(), "faults", Some(entry));
        let at = fault.required_span(
            "at",
            "when the fault happens, from the end of the warm-up, e.g. at = \"1m\"",
        )?;
        fault.required(
            "kind",
            "\"blackhole\", \"restart\", \"slow\", \"rolling_restart\" or \"reshard\"",
        )?;
        let kind = fault.choice("kind")?;
        if kind == "rolling_restart" && fault.get("shard").is_some() {
            return Err(Problem::value(
                format!("{path}.shard"),
                "a \"rolling_restart\" restarts pods, not a shard: remove `shard`",
            ));
        }
        let shard = whole(
            fault.get("shard"),
            &format!("{path}.shard"),
            0,
            0,
            i128::from(shards) - 1,
        )? as u32;
        let slow_only = |v: Option<&Value>, name: &str| -> Result<(), Problem> {
            if v.is_some() && kind != "slow" {
                return Err(Problem::value(
                    format!("{path}.{name}"),
                    format!("only a \"slow\" fault has a {name}; this one is \"{kind}\""),
                ));
            }
            Ok(())
        };
        if fault.get("duration").is_some() && kind != "slow" && kind != "reshard" {
            return Err(Problem::value(
                format!("{path}.duration"),
                format!(
                    "only a \"slow\" or a \"reshard\" fault has a duration; this one is \"{kind}\""
                ),
            ));
        }
        slow_only(fault.get("factor"), "factor")?;
        for (v, name) in [(fault.get("to"), "to"), (fault.get("slots"), "slots")] {
            if v.is_some() && kind != "reshard" {
                return Err(Problem::value(
                    format!("{path}.{name}"),
                    format!("only a \"reshard\" fault has {name}; this one is \"{kind}\""),
                ));
            }
        }
        for (v, name) in [
            (fault.get("pods"), "pods"),
            (fault.get("interval"), "interval"),
        ] {
            if v.is_some() && kind != "rolling_restart" {
                return Err(Problem::value(
                    format!("{path}.{name}"),
                    format!("only a \"rolling_restart\" fault has {name}; this one is \"{kind}\""),
                ));
            }
        }
        let kind = match kind {
            "restart" => FaultKind::Restart,
            "slow" => {
                let duration = fault.required_span(
                    "duration",
                    "how long the shard stays slow, e.g. duration = \"30s\"",
                )?;
                let f = fault.required(
                    "factor",
                    "the multiplier of the service time, e.g. factor = 10",
                )?;
                let factor = number(Some(f), &format!("{path}.factor"), None, Range::Positive)?;
                if factor > 1e6 {
                    return Err(Problem::expected(
                        format!("{path}.factor"),
                        "a factor up to 1000000",
                        f,
                    ));
                }
                FaultKind::Slow { duration, factor }
            }
            "rolling_restart" => {
                let batch = whole(
                    fault.get("pods"),
                    &format!("{path}.pods"),
                    1,
                    1,
                    i128::from(pods),
                )? as u32;
                let interval = fault.required_span(
                    "interval",
                    "the time between two batches of pods, e.g. interval = \"30s\"",
                )?;
                let batches = u64::from(pods.div_ceil(batch));
                if interval.0.checked_mul(batches).is_none() {
                    return Err(Problem::value(
                        format!("{path}.interval"),
                        "the rollout's last batch would come after the end of time",
                    ));
                }
                FaultKind::RollingRestart { batch, interval }
            }
            "reshard" => reshard(&fault, &path, redis, shard)?,
            _ => FaultKind::Blackhole,
        };
        out.push((Fault { at, kind, shard }, path));
    }
    out.sort_by_key(|(f, _)| f.at);
    let (faults, paths): (Vec<Fault>, Vec<String>) = out.into_iter().unzip();
    reshard_plan(&faults, &paths, shards)?;
    Ok(faults)
}

/// A `"reshard"` fault's own settings, at `path`, moving slots away from
/// node `from`.
fn reshard(fault: &Section, path: &str, redis: &Redis, from: u32) -> Result<FaultKind, Problem> {
    let kind_key = format!("{path}.kind");
    if redis.mode != RedisMode::Cluster {
        return Err(Problem::value(
            kind_key,
            "a \"reshard\" moves hash slots between the nodes of a Redis Cluster: set \
             redis.mode = \"cluster\"",
        ));
    }
    // Cluster mode is refused with a multiplexed client before this.
    if redis.reply_batching {
        return Err(Problem::value(
            kind_key,
            "a \"reshard\" is not modelled together with redis.reply_batching yet: use one \
             or the other",
        ));
    }
    let to = fault.required("to", "the node the slots move to, e.g. to = 1")?;
    let to_key = format!("{path}.to");
    let to = whole(Some(to), &to_key, 0, 0, i128::from(redis.shards) - 1)? as u32;
    if to == from {
        return Err(Problem::value(
            to_key,
            format!("the slots move from node {from} (`shard`) to node {to}: pick another node"),
        ));
    }
    let slots = fault.required("slots", "how many hash slots move, e.g. slots = 1000")?;
    let slots = whole(
        Some(slots),
        &format!("{path}.slots"),
        1,
        1,
        i128::from(SLOTS),
    )? as u32;
    let duration = fault.required_span(
        "duration",
        "how long the migration takes, e.g. duration = \"60s\" (\"0s\": every slot at once)",
    )?;
    Ok(FaultKind::Reshard {
        to,
        slots,
        duration,
    })
}

/// The reshards of `faults` (sorted by `at`; `paths` their tables' paths),
/// checked as a whole: one at a time, each source owning the slots it
/// moves when it starts.
fn reshard_plan(faults: &[Fault], paths: &[String], shards: u32) -> Result<(), Problem> {
    let mut moves = Vec::new();
    let mut which = Vec::new();
    let mut busy_until = None;
    for (f, path) in faults.iter().zip(paths) {
        let FaultKind::Reshard {
            to,
            slots,
            duration,
        } = f.kind
        else {
            continue;
        };
        if busy_until.is_some_and(|end| f.at < end) {
            return Err(Problem::value(
                format!("{path}.at"),
                "this \"reshard\" starts before the one before it has finished: a cluster \
                 migrates one resharding at a time",
            ));
        }
        let Some(end) = f.at.0.checked_add(duration.0) else {
            return Err(Problem::value(
                format!("{path}.duration"),
                "the migration would end after the end of time",
            ));
        };
        busy_until = Some(SimTime(end));
        moves.push((f.shard, to, slots));
        which.push(path);
    }
    if moves.is_empty() {
        return Ok(());
    }
    SlotMap::new(shards).plan(&moves).map_err(|(i, owned)| {
        Problem::value(
            format!("{}.slots", which[i]),
            format!(
                "node {} owns {owned} slots when this \"reshard\" starts, fewer than the {} it \
                 moves",
                moves[i].0, moves[i].2
            ),
        )
    })?;
    Ok(())
}
