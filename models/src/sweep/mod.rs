//! Sweeps: a scenario run over a grid of parameter values, the thresholds
//! where service-level objectives stop holding, and shards of a sweep run on
//! several machines.
//!
//! - [`spec`]: the `[sweep]` and `[slo]` tables, read with file positions;
//! - [`axis`]: axes and their values (lists, linear and log ranges);
//! - [`plan`]: a checked sweep and the scenario of every point;
//! - [`run`]: running points in parallel;
//! - [`refine`]: locating thresholds to a stated precision by bisection;
//! - [`checkpoint`]: finished points recorded as they finish, for a resume;
//! - [`results`]: rows, thresholds, and the CSV, JSON and text outputs;
//! - [`resolved`]: the resolved `scenario.toml` that reproduces a sweep;
//! - [`summary`]: the text summary printed after a sweep;
//! - [`verdict`]: the answer at the forecast peak: holds, headroom, what breaks first;
//! - [`shard`]: splitting a sweep and merging its shards.
//!
//! Determinism contract: points are numbered in row-major grid order, keep
//! the scenario's seed (common random numbers across points), and every
//! output is a pure function of the rows, which do not depend on the thread
//! count or on sharding.
//!
//! ```
//! use models::sweep::plan::{Input, Plan};
//! let text = r#"
//! [simulation]
//! duration = "1s"
//! warmup = "0s"
//! [workload]
//! rate = 1000
//! [sweep]
//! "pool.max_total" = [1, 2]
//! "workload.rate" = { from = 1000, to = 3000, steps = 3 }
//! x = "workload.rate"
//! [slo]
//! "pool.timeout_ratio" = "< 0.01"
//! "#;
//! let input = Input::from_text("doc", text);
//! let plan = Plan::new(input).unwrap();
//! assert_eq!(plan.len(), 6);
//! assert_eq!(plan.spec.axes[0].key, "pool.max_total");
//! ```

pub mod axis;
pub mod checkpoint;
pub mod plan;
pub mod refine;
pub mod resolved;
pub mod results;
pub mod run;
pub mod shard;
pub mod spec;
pub mod summary;
pub mod verdict;

use crate::scenario::ScenarioError;

/// Why a sweep or a merge stopped.
#[derive(Clone, Debug, PartialEq)]
pub enum Error {
    /// The scenario, an axis or an objective is invalid.
    Scenario(ScenarioError),
    /// A simulation could not complete.
    Run(String),
    /// The stop flag was set; nothing should be written.
    Interrupted,
    /// Shard files that cannot be merged.
    Merge(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Scenario(e) => write!(f, "{e}"),
            Error::Run(e) => write!(f, "simulation stopped: {e}"),
            Error::Interrupted => f.write_str("interrupted"),
            Error::Merge(e) => write!(f, "cannot merge: {e}"),
        }
    }
}

impl std::error::Error for Error {}
