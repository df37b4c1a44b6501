//! Validation of `[[redis.commands]]`: the command mix.

use super::section::Section;
use super::values::tables;
use super::Problem;
use crate::scenario::units::quote;
use crate::scenario::Command;
use sim::dist::Latency;
use std::path::Path;
use toml::Value;

/// Most commands in one mix.
pub const MAX_COMMANDS: usize = 1000;

/// How far the shares may add up from 1 (rounding of decimal shares).
const SHARE_SLACK: f64 = 1e-9;

/// The mix of `v` (the `redis.commands` array); an entry's `service_time`
/// defaults to `service_time` (`redis.service_time`). Absent: empty.
pub(super) fn commands(
    v: Option<&Value>,
    service_time: &Latency,
    dir: &Path,
) -> Result<Vec<Command>, Problem> {
    let key = "redis.commands";
    let Some(v) = v else {
        return Ok(Vec::new());
    };
    let items = tables(
        v,
        key,
        (MAX_COMMANDS, "commands"),
        "[[redis.commands]] tables like name = \"GET\", share = 0.8;",
        "{ name = \"GET\", share = 0.8 }",
    )?;
    if items.is_empty() {
        return Err(Problem::value(
            key,
            "an empty command mix: list commands, or remove redis.commands to give \
             every command redis.service_time",
        ));
    }
    let mut out: Vec<Command> = Vec::with_capacity(items.len());
    for (path, entry) in items {
        let cmd = Section::new(path.clone(), "redis.commands", Some(entry));
        let name_v = cmd.required("name", "the command's name, e.g. name = \"GET\"")?;
        let name = name(name_v, &format!("{path}.name"))?;
        if let Some(i) = out.iter().position(|c| c.name == name) {
            return Err(Problem::value(
                format!("{path}.name"),
                format!(
                    "{} is already in the mix (redis.commands[{i}])",
                    quote(&name)
                ),
            ));
        }
        let share_v = cmd.required(
            "share",
            "the fraction of commands that are this one, e.g. share = 0.8",
        )?;
        let share = cmd.number_of(Some(share_v), "share")?;
        if share == 0.0 {
            return Err(Problem::value(
                format!("{path}.share"),
                "expected a share > 0: remove the entry of a command never sent",
            ));
        }
        out.push(Command {
            service_time: cmd.latency_or("service_time", service_time.clone(), dir)?,
            keys: cmd.whole("keys")? as u32,
            name,
            share,
        });
    }
    let total: f64 = out.iter().map(|c| c.share).sum();
    if (total - 1.0).abs() > SHARE_SLACK {
        let shares: Vec<String> = out.iter().map(|c| format!("{}", c.share)).collect();
        return Err(Problem::value(
            key,
            format!(
                "the shares must add up to 1; {} add up to {total}",
                shares.join(" + ")
            ),
        ));
    }
    Ok(out)
}

/// A command name: 1 to 64 letters, digits, `_`, `-`, `.` or `:`.
fn name(v: &Value, key: &str) -> Result<String, Problem> {
    let Value::String(s) = v else {
        return Err(Problem::expected(key, "a command name like \"GET\"", v));
    };
    let ok = |c: char| c.is_ascii_alphanumeric() || "_-.:".contains(c);
    if s.is_empty() || s.chars().count() > 64 || !s.chars().all(ok) {
        return Err(Problem::expected(
            key,
            "a command name of 1 to 64 letters, digits, `_`, `-`, `.` or `:`",
            v,
        ));
    }
    Ok(s.clone())
}
