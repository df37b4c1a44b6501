//! Running a sweep's points, in parallel.
//!
//! Points run through [`sim::experiment::run_ordered`] on the current rayon
//! pool (install one to choose the thread count); each point's replications
//! nest on the same pool. Results come back in point order whatever the
//! thread count. Thresholds are then located by [`super::refine`].

use super::checkpoint::Checkpoint;
use super::plan::Plan;
use super::results::{line_of_points, Measured, Row};
use super::Error;
use crate::engine;
use crate::metrics::{all_names, with_names};
use crate::scenario::Scenario;
use std::sync::atomic::{AtomicBool, Ordering};
use toml::Value;

/// How a running sweep reports progress and learns it must stop.
pub struct Control<'a> {
    /// Set (e.g. by a Ctrl-C handler) to stop: points not started are
    /// skipped and the run returns [`Error::Interrupted`].
    pub stop: &'a AtomicBool,
    /// Called after each point; the flag is true for refinement probes,
    /// whose number is not known in advance.
    pub progress: &'a (dyn Fn(bool) + Sync),
    /// Where finished points are recorded, and found again on a resume:
    /// a point recorded there is not simulated again.
    pub checkpoint: Option<&'a Checkpoint>,
}

impl<'a> Control<'a> {
    /// A control without a checkpoint.
    pub fn new(stop: &'a AtomicBool, progress: &'a (dyn Fn(bool) + Sync)) -> Self {
        Control {
            stop,
            progress,
            checkpoint: None,
        }
    }
}

/// The measurements of a point that could not finish (a runaway overload,
/// the clock limit) and `why`: every metric and half-width NaN, so no
/// objective holds there and the point counts as breaking the SLO.
pub fn unfinished(why: String) -> Measured {
    let nan = || {
        all_names()
            .into_iter()
            .map(|n| (n.to_string(), f64::NAN))
            .collect()
    };
    Measured {
        metrics: nan(),
        ci95: nan(),
        unfinished: Some(why),
    }
}

/// Simulates the point with axis `values` (scenario `sc`), or reads it from
/// the checkpoint; a point simulated here is recorded there. A point whose
/// simulation cannot finish is [`unfinished`], its reason kept with it and
/// in the checkpoint; the rest of the sweep goes on.
pub fn measure(values: &[Value], sc: &Scenario, ctl: &Control) -> Result<Measured, Error> {
    if let Some(recorded) = ctl.checkpoint.and_then(|c| c.get(values)) {
        return Ok(recorded.clone());
    }
    if ctl.stop.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    let measured = match engine::run_with(sc, false) {
        Ok(r) => Measured {
            metrics: with_names(r.metrics, &all_names()),
            ci95: with_names(r.ci95, &all_names()),
            unfinished: None,
        },
        Err(e) => unfinished(format!("{e}")),
    };
    if let Some(c) = ctl.checkpoint {
        // Losing the record costs only a rerun of this point on resume.
        let _ = c.record(values, &measured);
    }
    Ok(measured)
}

/// Runs the grid points `indices` (all checked first, so a bad combination
/// of values stops the sweep before anything runs) and returns their rows in
/// the order given.
pub fn run_points(plan: &Plan, indices: &[usize], ctl: &Control) -> Result<Vec<Row>, Error> {
    let scenarios = plan.scenarios(indices).map_err(Error::Scenario)?;
    let coords = plan.coordinates();
    let lines = line_of_points(plan);
    let measured = sim::experiment::run_ordered(indices.len(), |j| {
        let values = plan.values(&coords[indices[j]]);
        let m = measure(&values, &scenarios[j], ctl);
        (ctl.progress)(false);
        m.map(|m| (values, m))
    });
    let mut rows = Vec::with_capacity(indices.len());
    for (&i, m) in indices.iter().zip(measured) {
        let (values, measured) = m?;
        rows.push(Row {
            point: Some(i),
            line: lines[i],
            values,
            measured,
        });
    }
    if ctl.stop.load(Ordering::Relaxed) {
        return Err(Error::Interrupted);
    }
    Ok(rows)
}
