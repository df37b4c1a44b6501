//! `capsim recommend`: the cheapest settings that meet a scenario's `[slo]`
//! at its forecast peak, with the evidence a design review needs.
//!
//! The question is answered in four steps:
//! 1. **The target** ([`Target`]): the scenario with `--set` applied, its
//!    objectives, and its traffic scaled so that the profile's peak is the
//!    forecast (`[forecast] peak_rate`, else the scenario's own peak).
//! 2. **A closed-form start** ([`estimate`]): the smallest pool that theory
//!    says meets each objective (Erlang B for a fail-fast pool, Erlang C for
//!    one that waits forever, M/M/n+D for one with an acquire timeout), from
//!    the scenario's first-order offered load. It is only a starting point.
//! 3. **Confirmation by simulation** ([`search`]): every candidate is run
//!    with the scenario's seed and replications (common random numbers: two
//!    candidates differ by their setting, not by their noise) and judged by
//!    its confidence intervals: a candidate *holds* only when every
//!    objective's 95% interval clears its limit. The answer is the smallest
//!    value that holds while the value below it does not (it fails, or it is
//!    too close to call, which the output says). Larger values are then
//!    probed on a doubling ladder, because a bigger pool is not always safer
//!    (the death spiral): values that fail above the answer are reported as a
//!    non-monotone region, located by bisection, instead of being assumed
//!    away.
//! 4. **The evidence** ([`Recommendation`]): the margin to each objective,
//!    the headroom (the highest multiple of the forecast that still holds,
//!    bracketed by bisection), what breaks first beyond it, the next-smaller
//!    value's failure, lifecycle advice from the scenario's own environment
//!    ([`advice`]) and the settings as each client library spells them
//!    ([`snippets`]).
//!
//! Several `--for` keys are searched one after another (coordinate search):
//! each key's smallest holding value is found with the keys before it at
//! their recommended values and the keys after it at the scenario's values.

pub mod advice;
pub mod estimate;
pub mod render;
pub mod search;
pub mod snippets;

use crate::engine;
use crate::scenario::{derived, Scenario, ScenarioError, Transport};
use crate::sweep::plan::{Input, Plan};
use crate::sweep::results::{verdict_of, Measured, Verdict};
use crate::sweep::run::unfinished;
use crate::sweep::spec::{Clause, Op};

/// A setting `recommend` can search, with what "cheaper" means for it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Knob {
    /// The scenario key, e.g. `pool.max_total`.
    pub key: &'static str,
    /// What its values are.
    pub kind: KnobKind,
    /// Smallest value searched.
    pub min: f64,
    /// Largest value searched.
    pub max: f64,
    /// Why the smallest value is the cheapest, for the output.
    pub why: &'static str,
}

/// The kind of values a [`Knob`] takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KnobKind {
    /// Whole numbers.
    Integer,
    /// Durations, searched in milliseconds to a relative precision.
    Millis,
}

/// The settings `--for` accepts.
pub const KNOBS: [Knob; 5] = [
    Knob {
        key: "pool.max_total",
        kind: KnobKind::Integer,
        min: 1.0,
        max: 100_000.0,
        why: "fewest connections per pod (Redis memory, maxclients, reconnect storms)",
    },
    Knob {
        key: "pods.count",
        kind: KnobKind::Integer,
        min: 1.0,
        max: 100_000.0,
        why: "fewest pods",
    },
    Knob {
        key: "pool.acquire_timeout",
        kind: KnobKind::Millis,
        min: 1.0,
        max: 600_000.0,
        why: "shortest wait for a connection (fails fast, bounds the latency tail)",
    },
    Knob {
        key: "l1.capacity",
        kind: KnobKind::Integer,
        min: 1.0,
        max: 1e9,
        why: "smallest L1 cache per pod (memory)",
    },
    Knob {
        key: "client.connections",
        kind: KnobKind::Integer,
        min: 1.0,
        max: 1000.0,
        why: "fewest shared connections per pod (multiplexed clients)",
    },
];

/// The key searched when `--for` names none: the pool's size, or for a
/// multiplexed client the shared connections per pod.
pub fn default_key(s: &Scenario) -> &'static str {
    match s.client.transport {
        Transport::Pooled => "pool.max_total",
        Transport::Multiplexed => "client.connections",
    }
}

/// The knob named `key`, or a message listing the ones there are.
pub fn knob(key: &str) -> Result<Knob, String> {
    KNOBS.iter().copied().find(|k| k.key == key).ok_or_else(|| {
        let names: Vec<&str> = KNOBS.iter().map(|k| k.key).collect();
        format!(
            "--for {key}: not a setting recommend can search; use one of {}",
            names.join(", ")
        )
    })
}

impl Knob {
    /// The `--set` text of value `v`.
    pub fn assignment(&self, v: f64) -> String {
        format!("{}={}", self.key, self.label(v))
    }

    /// The `--set` assignments that give this knob value `v` on scenario
    /// `s`: the knob's own last, after whatever keeps `s` valid (a pool
    /// smaller than the file's `max_idle` or `min_idle` lowers them to its
    /// size, as commons-pool2 never keeps more idle than open).
    pub fn assignments(&self, v: f64, s: &Scenario) -> Vec<String> {
        let mut out = Vec::new();
        if self.key == "pool.max_total" {
            let n = v.round() as u32;
            if s.pool.life.max_idle > n {
                out.push(format!("pool.max_idle={n}"));
            }
            if s.pool.life.min_idle > n {
                out.push(format!("pool.min_idle={n}"));
            }
        }
        out.push(self.assignment(v));
        out
    }

    /// `v` as written in a scenario: `12`, `35ms`, `1.5ms`.
    pub fn label(&self, v: f64) -> String {
        match self.kind {
            KnobKind::Integer => format!("{}", v.round() as u64),
            KnobKind::Millis => {
                let us = (v * 1000.0).round();
                if us % 1000.0 == 0.0 {
                    format!("{}ms", us / 1000.0)
                } else {
                    format!("{us}us")
                }
            }
        }
    }

    /// The scenario's current value of this knob, when it has one.
    pub fn current(&self, s: &Scenario) -> Option<f64> {
        match self.key {
            "pool.max_total" => Some(f64::from(s.pool.max_total)),
            "pods.count" => Some(f64::from(s.pods.count)),
            "pool.acquire_timeout" => s.pool.acquire_timeout.map(|t| t.as_millis_f64()),
            "client.connections" => Some(f64::from(s.client.connections)),
            _ => None,
        }
    }

    /// Whether this knob means anything for scenario `s`, or why not: a
    /// multiplexed client has no pool, and a pool has no shared connections.
    pub fn applies(&self, s: &Scenario) -> Result<(), String> {
        let pool_key = self.key.starts_with("pool.");
        match (s.client.transport, pool_key, self.key) {
            (Transport::Multiplexed, true, _) => Err(format!(
                "--for {}: client.transport = \"multiplexed\" has no pool (its commands share \
                 client.connections connections per pod); search client.connections or \
                 pods.count instead",
                self.key
            )),
            (Transport::Pooled, _, "client.connections") => Err(
                "--for client.connections: applies to client.transport = \"multiplexed\" only; \
                 this scenario's client uses a pool: search pool.max_total instead"
                    .to_string(),
            ),
            _ => Ok(()),
        }
    }
}

/// Why a recommendation could not be made.
#[derive(Debug)]
pub enum Error {
    /// The scenario, a `--set` or a `--for` cannot be used.
    Input(ScenarioError),
    /// The scenario has no `[slo]`, or is not one recommend can size.
    NoSlo(String),
    /// A candidate is too large to simulate.
    TooLarge(String),
    /// Stopped by a signal.
    Interrupted,
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Input(e) => write!(f, "{e}"),
            Error::NoSlo(m) | Error::TooLarge(m) => f.write_str(m),
            Error::Interrupted => f.write_str("interrupted"),
        }
    }
}

impl std::error::Error for Error {}

/// The scenario a recommendation is for: the file with `--set` applied, its
/// objectives, and its traffic scaled to the forecast.
#[derive(Clone, Debug)]
pub struct Target {
    /// The file and `--set` overrides as given.
    pub input: Input,
    /// The objectives.
    pub slo: Vec<Clause>,
    /// The forecast peak, requests/s over the fleet.
    pub peak_rate: f64,
    /// True when `[forecast] peak_rate` states it (else the scenario's own
    /// peak: `workload.rate` times the profile's highest scale).
    pub stated: bool,
    /// The profile's highest scale.
    pub peak_factor: f64,
    /// The scenario as given (with `--set`), at its own rate.
    pub base: Scenario,
    /// Largest run, in estimated events, that may be simulated.
    pub max_events: f64,
    /// `pool.preset`, when the scenario names one (it decides the client
    /// library of the snippets and the advice's spelling).
    pub preset: Option<String>,
}

/// One simulated candidate.
#[derive(Clone, Debug)]
pub struct Probe {
    /// The `--set` assignments that made it (beyond the target's).
    pub settings: Vec<String>,
    /// Multiple of the forecast it ran at (1 = the forecast).
    pub load: f64,
    /// What it measured (NaN everywhere when it could not finish).
    pub measured: Measured,
    /// Its verdict over the confidence intervals.
    pub verdict: Verdict,
    /// Why it could not finish, when it could not.
    pub unfinished: Option<String>,
}

impl Target {
    /// Reads `path`, applies `set` and finds the objectives and the forecast.
    pub fn load(path: &std::path::Path, set: &[String], max_events: f64) -> Result<Target, Error> {
        let plan = Plan::load(path, set, &[]).map_err(Error::Input)?;
        Target::from_plan(plan, max_events)
    }

    /// The target of a checked plan (its axes are ignored).
    pub fn from_plan(plan: Plan, max_events: f64) -> Result<Target, Error> {
        if plan.spec.slo.is_empty() {
            return Err(Error::NoSlo(format!(
                "{}: no [slo] table: recommend needs objectives to meet, e.g. \
                 [slo] \"latency.p99_ms\" = \"< 5\"",
                plan.input.origin
            )));
        }
        if plan.base.workload.replay.is_some() {
            return Err(Error::NoSlo(format!(
                "{}: workload.arrivals replays a recorded capture, and recommend sizes by \
                 scaling workload.rate to the forecast and beyond it; give rate and profile \
                 instead, or sweep the pool over the capture with capsim sweep",
                plan.input.origin
            )));
        }
        let peak_factor = derived::peak_scale(&plan.base);
        let own = plan.base.workload.rate * peak_factor;
        let (peak_rate, stated) = match plan.spec.forecast {
            Some(f) => (f, true),
            None => (own, false),
        };
        let preset = plan
            .table
            .get("pool")
            .and_then(|p| p.get("preset"))
            .and_then(|p| p.as_str())
            .map(str::to_string);
        Ok(Target {
            preset,
            slo: plan.spec.slo.clone(),
            peak_rate,
            stated,
            peak_factor,
            base: plan.base,
            input: plan.input,
            max_events,
        })
    }

    /// The `workload.rate` at which the profile's peak is `load` times the
    /// forecast.
    pub fn rate_at(&self, load: f64) -> f64 {
        self.peak_rate * load / self.peak_factor
    }

    /// The scenario with `settings` applied, at `load` times the forecast.
    pub fn scenario(&self, settings: &[String], load: f64) -> Result<Scenario, Error> {
        let mut set = self.input.set.clone();
        set.extend(settings.iter().cloned());
        set.push(format!("workload.rate={}", self.rate_at(load)));
        let plan = Plan::new(Input {
            set,
            axis: Vec::new(),
            ..self.input.clone()
        })
        .map_err(Error::Input)?;
        derived::check_size(&plan.base, self.max_events).map_err(|m| {
            Error::TooLarge(format!(
                "{} with {}: {m}",
                self.input.origin,
                settings.join(", ")
            ))
        })?;
        Ok(plan.base)
    }

    /// Simulates the scenario with `settings` at `load` times the forecast.
    pub fn probe(
        &self,
        settings: &[String],
        load: f64,
        stop: &std::sync::atomic::AtomicBool,
    ) -> Result<Probe, Error> {
        if stop.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Error::Interrupted);
        }
        let sc = self.scenario(settings, load)?;
        let (measured, why) = match engine::run_with(&sc, false) {
            Ok(r) => (
                Measured {
                    metrics: r.metrics,
                    ci95: r.ci95,
                    unfinished: None,
                },
                None,
            ),
            Err(e) => (unfinished(e.to_string()), Some(e.to_string())),
        };
        Ok(Probe {
            settings: settings.to_vec(),
            load,
            verdict: verdict_of(&measured, &self.slo),
            measured,
            unfinished: why,
        })
    }
}

/// One objective at one candidate: its measured mean and half-width, and the
/// margin of the interval's worse end to the limit.
#[derive(Clone, Debug, PartialEq)]
pub struct Margin {
    /// The metric.
    pub metric: String,
    /// `<`, `<=`, `>`, `>=` and the limit, as written.
    pub objective: String,
    /// The limit.
    pub limit: f64,
    /// Mean over replications.
    pub mean: f64,
    /// 95% half-width.
    pub half: f64,
    /// Distance from the interval's worse end to the limit, positive when
    /// the objective holds over the whole interval, in the metric's unit.
    pub margin: f64,
}

/// The margins of every objective at `m`.
pub fn margins(slo: &[Clause], m: &Measured) -> Vec<Margin> {
    slo.iter()
        .map(|c| {
            let mean = m.metrics[&c.metric];
            let half = m.ci95[&c.metric];
            let half = if half.is_finite() { half.abs() } else { 0.0 };
            let margin = if matches!(c.op, Op::Lt | Op::Le) {
                c.limit - (mean + half)
            } else {
                (mean - half) - c.limit
            };
            Margin {
                metric: c.metric.clone(),
                objective: c.expression(),
                limit: c.limit,
                mean,
                half,
                margin,
            }
        })
        .collect()
}

/// The objective that fails worst at `m` (the largest violation relative to
/// its limit), if any fails at its mean.
pub fn worst(slo: &[Clause], m: &Measured) -> Option<Margin> {
    margins(slo, m)
        .into_iter()
        .filter(|g| !g.margin.is_finite() || g.margin + g.half < 0.0 || g.mean.is_nan())
        .max_by(|a, b| {
            let rel = |g: &Margin| {
                let scale = Some(g.limit.abs()).filter(|l| *l > 0.0).unwrap_or(1.0);
                if g.margin.is_finite() {
                    -g.margin / scale
                } else {
                    f64::INFINITY
                }
            };
            rel(a).total_cmp(&rel(b))
        })
}

/// What `recommend` found for one key.
#[derive(Clone, Debug)]
pub struct KeyAnswer {
    /// The knob.
    pub knob: Knob,
    /// The scenario's own value, when it has one.
    pub current: Option<f64>,
    /// The closed-form starting value and the formula behind it.
    pub estimate: Option<estimate::Estimate>,
    /// The smallest value that holds, or `None` when none up to the knob's
    /// maximum does.
    pub recommended: Option<f64>,
    /// The probe at the recommended value.
    pub at: Option<Probe>,
    /// The probe at the next-smaller value (one less for whole numbers, the
    /// bracket's other end for durations), when there is one.
    pub below: Option<Probe>,
    /// Values above the recommendation that fail again, when found.
    pub non_monotone: Option<search::Region>,
    /// Every probe made, in order.
    pub probes: Vec<Probe>,
}

/// The whole answer.
#[derive(Clone, Debug)]
pub struct Recommendation {
    /// What it is for.
    pub target: Target,
    /// One answer per `--for` key, in order.
    pub keys: Vec<KeyAnswer>,
    /// The recommended settings together, as `--set` assignments.
    pub settings: Vec<String>,
    /// Headroom over the forecast with every recommended setting applied.
    pub headroom: Option<search::Headroom>,
    /// Lifecycle advice from the scenario's environment.
    pub advice: Vec<advice::Advice>,
}

/// Searches every knob of `keys` in order and gathers the evidence.
pub fn recommend(
    target: &Target,
    keys: &[Knob],
    stop: &std::sync::atomic::AtomicBool,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Recommendation, Error> {
    for k in keys {
        k.applies(&target.base).map_err(Error::NoSlo)?;
    }
    let mut settings: Vec<String> = Vec::new();
    let mut answers = Vec::new();
    for k in keys {
        progress(&format!("searching {}", k.key));
        let a = search::smallest(target, *k, &settings, stop, progress)?;
        if let Some(v) = a.recommended {
            settings.extend(k.assignments(v, &target.base));
        }
        answers.push(a);
    }
    let all_hold = answers.iter().all(|a| a.recommended.is_some());
    let headroom = if all_hold {
        progress("locating the headroom");
        Some(search::headroom(target, &settings, stop)?)
    } else {
        None
    };
    progress("checking lifecycle settings");
    let advice = advice::advise(target, &settings, stop)?;
    Ok(Recommendation {
        target: target.clone(),
        keys: answers,
        settings,
        headroom,
        advice,
    })
}
