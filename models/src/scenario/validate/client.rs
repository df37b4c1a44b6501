//! Validation of `[client]`: connect cost, timeouts, retries, their backoff
//! and the retry budget.

use super::section::Section;
use super::values::choice;
use super::Problem;
use crate::scenario::{Backoff, Client, ErrorCause, Jitter, Transport};
use sim::time::SimTime;
use std::path::Path;
use toml::Value;

pub(super) fn client(c: &Section, dir: &Path) -> Result<Client, Problem> {
    Ok(Client {
        hold_during_fallback: c.boolean("hold_during_fallback")?,
        connect_round_trips: c.whole("connect_round_trips")? as u32,
        tls: c.boolean("tls")?,
        connect_timeout: c.optional_span("connect_timeout")?,
        socket_timeout: c.optional_span("socket_timeout")?,
        tcp_keepalive: c.optional_span("tcp_keepalive")?,
        retries: c.whole("retries")? as u32,
        backoff: backoff(c)?,
        retry_on: retry_on(c)?,
        retry_budget: match c.get("retry_budget") {
            None => None,
            Some(Value::String(s)) if s == "none" => None,
            Some(v @ (Value::Integer(_) | Value::Float(_))) => {
                Some(c.number_of(Some(v), "retry_budget")?)
            }
            Some(v) => {
                return Err(Problem::expected(
                    c.key("retry_budget"),
                    "a ratio from 0 to 1 or \"none\"",
                    v,
                ))
            }
        },
        timer_resolution: {
            let t = c.span("timer_resolution")?;
            if t > SimTime::from_secs(1) {
                return Err(Problem::value(
                    c.key("timer_resolution"),
                    format!("expected a duration from \"0s\" to \"1s\", found \"{t}\""),
                ));
            }
            t
        },
        transport: match c.choice("transport")? {
            "multiplexed" => Transport::Multiplexed,
            _ => Transport::Pooled,
        },
        connections: c.whole("connections")? as u32,
        max_queued: match c.get("max_queued") {
            None => None,
            Some(Value::String(s)) if s == "none" => None,
            Some(v @ Value::Integer(_)) => Some(c.whole_of(v, "max_queued")? as u32),
            Some(v) => {
                let (min, max) = c.range("max_queued");
                return Err(Problem::expected(
                    c.key("max_queued"),
                    &format!("a whole number from {min} to {max} or \"none\""),
                    v,
                ));
            }
        },
        checkout_delay: c.latency("checkout_delay", dir)?,
    })
}

/// `client.backoff`: its spec default, a table like it, or a table of its
/// fields, each field defaulting alone.
fn backoff(c: &Section) -> Result<Backoff, Problem> {
    let key = c.key("backoff");
    let default = c.default("backoff");
    let b = match c.get("backoff").or(default.as_ref()) {
        Some(Value::Table(t)) => Section::new(key, "client.backoff", Some(t)),
        v => {
            return Err(Problem::expected(
                key,
                "a table like { base = \"10ms\", cap = \"1s\", jitter = \"full\" }",
                v.expect("a default"),
            ))
        }
    };
    let base = b.span("base")?;
    let cap = b.span("cap")?;
    if cap < base {
        return Err(Problem::value(
            b.key("cap"),
            format!("cap ({cap}) is below base ({base}); the cap must be at least the first sleep"),
        )
        .near(b.path()));
    }
    let jitter = match b.choice("jitter")? {
        "equal" => Jitter::Equal,
        "none" => Jitter::None,
        _ => Jitter::Full,
    };
    Ok(Backoff { base, cap, jitter })
}

fn retry_on(c: &Section) -> Result<Vec<ErrorCause>, Problem> {
    let key = &c.key("retry_on");
    let names: Vec<&str> = ErrorCause::REDIS.iter().map(|c| c.name()).collect();
    let default = c.default("retry_on");
    let items = match c.get("retry_on").or(default.as_ref()) {
        None => unreachable!("retry_on has a default"),
        Some(Value::Array(items)) => items,
        Some(v) => {
            return Err(Problem::expected(
                key,
                "an array of error names like [\"socket_timeout\"]",
                v,
            ))
        }
    };
    let mut causes = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("{key}[{i}]");
        let name = choice(Some(item), &path, &names, "")?;
        let cause = *ErrorCause::REDIS
            .iter()
            .find(|c| c.name() == name)
            .expect("choice returns one of the names");
        if causes.contains(&cause) {
            return Err(Problem::value(path, format!("\"{name}\" is listed twice")));
        }
        causes.push(cause);
    }
    causes.sort();
    Ok(causes)
}
