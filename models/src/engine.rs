//! The engine (being written). Public API:
//! `run(&Scenario) -> Result<RunReport, RunError>` runs `simulation.replications`
//! replications in parallel and combines them.

use crate::metrics::Metrics;
use crate::scenario::Scenario;

/// Results of all replications of one scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct RunReport {
    /// Mean over replications of every metric in [`crate::metrics::NAMES`].
    pub metrics: Metrics,
    /// Half-width of the 95% interval of each metric (0 with one replication).
    pub ci95: Metrics,
}

/// A run that could not complete.
#[derive(Clone, Debug, PartialEq)]
pub struct RunError(pub String);

/// Runs the scenario's replications in parallel and combines them.
pub fn run(_scenario: &Scenario) -> Result<RunReport, RunError> {
    Err(RunError("engine not written yet".into()))
}
