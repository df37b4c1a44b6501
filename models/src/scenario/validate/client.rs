//! Validation of `[client]`: connect cost, timeouts, retries, their backoff
//! and the retry budget.

use super::values::{boolean, choice, latency, number, optional_span, span, whole, Range, Zero};
use super::Problem;
use crate::scenario::raw;
use crate::scenario::units::describe;
use crate::scenario::{Backoff, Client, ErrorCause, Jitter, Transport};
use sim::time::SimTime;
use std::path::Path;
use toml::Value;

pub(super) fn client(c: raw::RawClient, dir: &Path) -> Result<Client, Problem> {
    let d = Client::defaults(true);
    Ok(Client {
        hold_during_fallback: boolean(
            c.hold_during_fallback.as_ref(),
            "client.hold_during_fallback",
            true,
        )?,
        connect_round_trips: whole(
            c.connect_round_trips.as_ref(),
            "client.connect_round_trips",
            u64::from(d.connect_round_trips),
            1,
            10,
        )? as u32,
        tls: boolean(c.tls.as_ref(), "client.tls", d.tls)?,
        connect_timeout: optional_span(
            c.connect_timeout.as_ref(),
            "client.connect_timeout",
            d.connect_timeout,
            Zero::Refused,
        )?,
        socket_timeout: optional_span(
            c.socket_timeout.as_ref(),
            "client.socket_timeout",
            d.socket_timeout,
            Zero::Refused,
        )?,
        tcp_keepalive: optional_span(
            c.tcp_keepalive.as_ref(),
            "client.tcp_keepalive",
            d.tcp_keepalive,
            Zero::Refused,
        )?,
        retries: whole(
            c.retries.as_ref(),
            "client.retries",
            u64::from(d.retries),
            0,
            100,
        )? as u32,
        backoff: backoff(c.backoff.as_ref(), d.backoff)?,
        retry_on: retry_on(c.retry_on.as_ref(), d.retry_on)?,
        retry_budget: match &c.retry_budget {
            None => d.retry_budget,
            Some(Value::String(s)) if s == "none" => None,
            Some(v @ (Value::Integer(_) | Value::Float(_))) => {
                Some(number(Some(v), "client.retry_budget", None, Range::Ratio)?)
            }
            Some(v) => {
                return Err(Problem::value(
                    "client.retry_budget",
                    format!(
                        "expected a ratio from 0 to 1 or \"none\", found {}",
                        describe(v)
                    ),
                ))
            }
        },
        timer_resolution: {
            let key = "client.timer_resolution";
            let t = span(c.timer_resolution.as_ref(), key, d.timer_resolution)?;
            if t > SimTime::from_secs(1) {
                return Err(Problem::value(
                    key,
                    format!("expected a duration from \"0s\" to \"1s\", found \"{t}\""),
                ));
            }
            t
        },
        transport: match choice(
            c.transport.as_ref(),
            "client.transport",
            &["pooled", "multiplexed"],
            "pooled",
        )? {
            "multiplexed" => Transport::Multiplexed,
            _ => Transport::Pooled,
        },
        connections: whole(
            c.connections.as_ref(),
            "client.connections",
            u64::from(d.connections),
            1,
            1000,
        )? as u32,
        max_queued: match &c.max_queued {
            None => d.max_queued,
            Some(Value::String(s)) if s == "none" => None,
            Some(v @ Value::Integer(_)) => {
                Some(whole(Some(v), "client.max_queued", 1, 1, 10_000_000)? as u32)
            }
            Some(v) => {
                return Err(Problem::value(
                    "client.max_queued",
                    format!(
                        "expected a whole number from 1 to 10000000 or \"none\", found {}",
                        describe(v)
                    ),
                ))
            }
        },
        checkout_delay: latency(
            c.checkout_delay.as_ref(),
            "client.checkout_delay",
            d.checkout_delay.clone(),
            dir,
        )?,
    })
}

fn backoff(v: Option<&Value>, default: Backoff) -> Result<Backoff, Problem> {
    let key = "client.backoff";
    let raw: raw::RawBackoff = match v {
        None => return Ok(default),
        Some(Value::Table(_)) => v
            .cloned()
            .expect("matched Some")
            .try_into()
            .map_err(|e: toml::de::Error| Problem::value(key, e.message().to_string()))?,
        Some(v) => {
            return Err(Problem::value(
                key,
                format!(
                    "expected a table like {{ base = \"10ms\", cap = \"1s\", jitter = \"full\" }}, found {}",
                    describe(v)
                ),
            ))
        }
    };
    let base = span(raw.base.as_ref(), "client.backoff.base", default.base)?;
    let cap = span(raw.cap.as_ref(), "client.backoff.cap", default.cap)?;
    if cap < base {
        return Err(Problem::value(
            "client.backoff.cap",
            format!("cap ({cap}) is below base ({base}); the cap must be at least the first sleep"),
        )
        .near("client.backoff"));
    }
    let jitter = match choice(
        raw.jitter.as_ref(),
        "client.backoff.jitter",
        &["full", "equal", "none"],
        "full",
    )? {
        "equal" => Jitter::Equal,
        "none" => Jitter::None,
        _ => Jitter::Full,
    };
    Ok(Backoff { base, cap, jitter })
}

fn retry_on(v: Option<&Value>, default: Vec<ErrorCause>) -> Result<Vec<ErrorCause>, Problem> {
    let key = "client.retry_on";
    let names: Vec<&str> = ErrorCause::REDIS.iter().map(|c| c.name()).collect();
    let items = match v {
        None => return Ok(default),
        Some(Value::Array(items)) => items,
        Some(v) => {
            return Err(Problem::value(
                key,
                format!(
                    "expected an array of error names like [\"socket_timeout\"], found {}",
                    describe(v)
                ),
            ))
        }
    };
    let mut causes = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let path = format!("{key}[{i}]");
        let name = choice(Some(item), &path, &names, "")?;
        let cause = ErrorCause::REDIS
            .into_iter()
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
