//! Validation of `[database]`: the query time, and an optional finite
//! database (a number of workers with a FIFO queue and a queue timeout).

use super::values::{latency, optional_span, whole, Zero};
use super::Problem;
use crate::scenario::raw::RawDatabase;
use crate::scenario::units::quote;
use crate::scenario::Database;
use sim::dist::Latency;
use sim::time::SimTime;
use std::path::Path;
use toml::Value;

/// The word for no limit on concurrent queries.
const UNLIMITED: &str = "unlimited";

pub(super) fn database(db: RawDatabase, dir: &Path) -> Result<Database, Problem> {
    let default_latency = Latency::lognormal(SimTime::from_millis(2), SimTime::from_millis(20))
        .expect("the default database latency is valid");
    let concurrency = concurrency(db.concurrency.as_ref())?;
    // A duration (`"0s"` fails a query at once when every worker is busy)
    // or `"none"`.
    let queue_timeout = optional_span(
        db.queue_timeout.as_ref(),
        "database.queue_timeout",
        None,
        Zero::Allowed { example: "50ms" },
    )?;
    if let (None, Some(t)) = (concurrency, queue_timeout) {
        return Err(Problem::value(
            "database.queue_timeout",
            format!(
                "\"{t}\" has no effect with an unlimited database (no query ever waits); \
                 set database.concurrency, or remove it"
            ),
        ));
    }
    Ok(Database {
        latency: latency(
            db.latency.as_ref(),
            "database.latency",
            default_latency,
            dir,
        )?,
        concurrency,
        queue_timeout,
    })
}

/// `database.concurrency`: a whole number or `"unlimited"`.
fn concurrency(v: Option<&Value>) -> Result<Option<u32>, Problem> {
    let key = "database.concurrency";
    match v {
        None => Ok(None),
        Some(Value::String(s)) if s == UNLIMITED => Ok(None),
        Some(Value::String(s)) => Err(Problem::value(
            key,
            format!(
                "expected a whole number like 20, or \"{UNLIMITED}\", found {}",
                quote(s)
            ),
        )),
        Some(v) => Ok(Some(whole(Some(v), key, 1, 1, 1_000_000)? as u32)),
    }
}
