//! Validation of `[[faults]]`: events that break a shard during the run.

use super::values::{choice, number, required, span, tables, whole, Range};
use super::Problem;
use crate::scenario::raw::RawFault;
use crate::scenario::units::describe;
use crate::scenario::{Fault, FaultKind};
use sim::time::SimTime;
use toml::Value;

/// Most faults in one scenario.
pub const MAX_FAULTS: usize = 1000;

/// The faults of `v` (the `faults` array), checked against `shards`; sorted
/// by `at` (stable, so faults at the same instant keep the file's order).
pub(super) fn faults(v: Option<&Value>, shards: u32, pods: u32) -> Result<Vec<Fault>, Problem> {
    let key = "faults";
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    let items: Vec<(String, RawFault)> = tables(
        v,
        key,
        (MAX_FAULTS, "faults"),
        "[[faults]] tables like at = \"1m\", kind = \"blackhole\", shard = 0;",
        "{ at = \"1m\", kind = \"blackhole\", shard = 0 }",
    )?;
    let mut out = Vec::with_capacity(items.len());
    for (path, raw) in items {
        let at = required(
            raw.at.as_ref(),
            &path,
            "at",
            "when the fault happens, from the end of the warm-up, e.g. at = \"1m\"",
        )?;
        let at = span(Some(at), &format!("{path}.at"), SimTime::ZERO)?;
        let kind_v = required(
            raw.kind.as_ref(),
            &path,
            "kind",
            "\"blackhole\", \"restart\", \"slow\" or \"rolling_restart\"",
        )?;
        let kind = choice(
            Some(kind_v),
            &format!("{path}.kind"),
            &["blackhole", "restart", "slow", "rolling_restart"],
            "blackhole",
        )?;
        if kind == "rolling_restart" && raw.shard.is_some() {
            return Err(Problem::value(
                format!("{path}.shard"),
                "a \"rolling_restart\" restarts pods, not a shard: remove `shard`",
            ));
        }
        let shard = whole(
            raw.shard.as_ref(),
            &format!("{path}.shard"),
            0,
            0,
            i128::from(shards) - 1,
        )? as u32;
        let slow_only = |v: &Option<Value>, name: &str| -> Result<(), Problem> {
            if v.is_some() && kind != "slow" {
                return Err(Problem::value(
                    format!("{path}.{name}"),
                    format!("only a \"slow\" fault has a {name}; this one is \"{kind}\""),
                ));
            }
            Ok(())
        };
        slow_only(&raw.duration, "duration")?;
        slow_only(&raw.factor, "factor")?;
        for (v, name) in [(&raw.pods, "pods"), (&raw.interval, "interval")] {
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
                let d = required(
                    raw.duration.as_ref(),
                    &path,
                    "duration",
                    "how long the shard stays slow, e.g. duration = \"30s\"",
                )?;
                let duration = span(Some(d), &format!("{path}.duration"), SimTime::ZERO)?;
                let f = required(
                    raw.factor.as_ref(),
                    &path,
                    "factor",
                    "the multiplier of the service time, e.g. factor = 10",
                )?;
                let factor = number(Some(f), &format!("{path}.factor"), None, Range::Positive)?;
                if factor > 1e6 {
                    return Err(Problem::value(
                        format!("{path}.factor"),
                        format!("expected a factor up to 1000000, found {}", describe(f)),
                    ));
                }
                FaultKind::Slow { duration, factor }
            }
            "rolling_restart" => {
                let batch = whole(
                    raw.pods.as_ref(),
                    &format!("{path}.pods"),
                    1,
                    1,
                    i128::from(pods),
                )? as u32;
                let i = required(
                    raw.interval.as_ref(),
                    &path,
                    "interval",
                    "the time between two batches of pods, e.g. interval = \"30s\"",
                )?;
                let interval = span(Some(i), &format!("{path}.interval"), SimTime::ZERO)?;
                let batches = u64::from(pods.div_ceil(batch));
                if interval.0.checked_mul(batches).is_none() {
                    return Err(Problem::value(
                        format!("{path}.interval"),
                        "the rollout's last batch would come after the end of time",
                    ));
                }
                FaultKind::RollingRestart { batch, interval }
            }
            _ => FaultKind::Blackhole,
        };
        out.push(Fault { at, kind, shard });
    }
    out.sort_by_key(|f| f.at);
    Ok(out)
}
