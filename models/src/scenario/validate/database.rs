//! Validation of `[database]`: the query time, and an optional finite
//! database (a number of workers with a FIFO queue and a queue timeout).

use super::section::Section;
use super::Problem;
use crate::scenario::units::quote;
use crate::scenario::Database;
use std::path::Path;
use toml::Value;

/// The word for no limit on concurrent queries.
const UNLIMITED: &str = "unlimited";

pub(super) fn database(db: &Section, dir: &Path) -> Result<Database, Problem> {
    let concurrency = concurrency(db)?;
    // A duration (`"0s"` fails a query at once when every worker is busy)
    // or `"none"`.
    let queue_timeout = db.optional_span("queue_timeout")?;
    if let (None, Some(t)) = (concurrency, queue_timeout) {
        return Err(Problem::value(
            db.key("queue_timeout"),
            format!(
                "\"{t}\" has no effect with an unlimited database (no query ever waits); \
                 set database.concurrency, or remove it"
            ),
        ));
    }
    Ok(Database {
        latency: db.latency("latency", dir)?,
        concurrency,
        queue_timeout,
    })
}

/// `database.concurrency`: a whole number or `"unlimited"`.
fn concurrency(db: &Section) -> Result<Option<u32>, Problem> {
    let key = "concurrency";
    match db.get(key) {
        None => Ok(None),
        Some(Value::String(s)) if s == UNLIMITED => Ok(None),
        Some(Value::String(s)) => Err(Problem::value(
            db.key(key),
            format!(
                "expected a whole number like 20, or \"{UNLIMITED}\", found {}",
                quote(s)
            ),
        )),
        Some(v) => Ok(Some(db.whole_of(v, key)? as u32)),
    }
}
