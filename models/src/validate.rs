//! Validation: the simulator against queueing theory (the formulas are in the
//! book's "Theory and sources" chapter, `book/src/theory.md`).
//!
//! A built-in table of [`Case`]s, each a scenario whose answer theory knows:
//! Erlang B (a fail-fast pool), Erlang C (a pool that blocks forever), M/M/n+D
//! (a pool that blocks with an acquire timeout) at light load, at the knee and
//! in overload, M/M/1 and M/D/1 on one Redis shard (Pollaczek-Khinchine), and
//! Little's law for the pool. The scenario text of a case is generated from the
//! same numbers its theory value is computed from, so the two cannot drift.
//!
//! A pure M/M/n pool is a scenario with an exponential `network.rtt` (mean 1 ms,
//! so `mu = 1` per ms and a connection's hold time is one round trip) and
//! `redis.service_time = "0us"`. A shard sees Poisson arrivals when the pool
//! never binds and every delay before it is constant.
//!
//! # The pass criterion
//!
//! Each [`Check`] compares one measured quantity with its theory value. The
//! simulated value is the mean of `r` independent replications, with the
//! sample standard deviation `s` of the per-replication values. A check passes
//! when
//!
//! ```text
//! |mean - theory| <= t(1 - alpha / (2 k), r - 1) * s / sqrt(r),    alpha = 0.05
//! ```
//!
//! where `k` is the number of checks in the table: a Bonferroni correction, so
//! that the `k` intervals hold jointly with probability at least 95% when the
//! simulator is right. No tolerance is added to the interval. The plain 95%
//! half-width is reported beside it. With a fixed seed the verdict is
//! deterministic; it is still a confidence statement about that seed's sample.
//!
//! ```no_run
//! use models::validate::{cases, run_table, Config};
//!
//! let report = run_table(&cases(), &Config::default()).unwrap();
//! assert!(report.outcomes.iter().all(|o| o.pass));
//! ```

use crate::engine::{self, RunError};
use crate::metrics::Metrics;
use crate::scenario::Scenario;
use sim::queueing::{erlang_b, erlang_c, md1_mean_wait, mm1_mean_wait, mmn_d, mmn_mean_wait};
use sim::summary::Estimate;

/// Joint confidence level of the whole table (before the Bonferroni split).
pub const JOINT_LEVEL: f64 = 0.95;

/// How to run the table.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Config {
    /// Replications per case (>= 2: the criterion needs a spread).
    pub replications: u32,
    /// `simulation.seed` of every case.
    pub seed: u64,
    /// Multiplies every case's measured duration (1.0 = the built-in lengths;
    /// tests use less). The warm-up is not scaled.
    pub duration_scale: f64,
}

impl Default for Config {
    /// 30 replications, seed 1 (mixed per case by [`case_seed`]), full durations.
    fn default() -> Self {
        Config {
            replications: 30,
            seed: 1,
            duration_scale: 1.0,
        }
    }
}

/// What a check measures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    /// A metric of [`crate::metrics::NAMES`], per replication.
    Metric(&'static str),
    /// Little's law for the pool, per replication: `pool.in_use.mean` minus
    /// the throughput of successful checkouts per pod and per millisecond
    /// times `pool.hold.mean_ms`. Both sides are measured; theory says 0.
    LittleGap,
}

impl Measure {
    /// The name printed for this measure.
    pub fn name(&self) -> &'static str {
        match self {
            Measure::Metric(name) => name,
            Measure::LittleGap => "pool.in_use.mean - X * pool.hold.mean_ms",
        }
    }
}

/// One comparison of a measured quantity with theory.
#[derive(Clone, Debug, PartialEq)]
pub struct Check {
    /// What is measured.
    pub measure: Measure,
    /// What theory names it, e.g. `"P(wait)"`.
    pub quantity: &'static str,
    /// The theory value, in `unit`.
    pub theory: f64,
    /// Unit of `theory` and of the measure: `"ratio"`, `"ms"`, `"connections"`.
    pub unit: &'static str,
}

/// One scenario of the table and what theory says about it.
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    /// Short name, e.g. `"erlang-b"`.
    pub name: &'static str,
    /// The model and its parameters, e.g. `"M/M/n/n, n=10, a=5"`.
    pub model: String,
    /// The scenario, as TOML text, with its full measured duration.
    pub toml: String,
    /// The checks made on one run of the scenario.
    pub checks: Vec<Check>,
}

/// The result of one check.
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    /// The case's name.
    pub case: &'static str,
    /// The case's model line.
    pub model: String,
    /// What was measured.
    pub measure: Measure,
    /// What theory names it.
    pub quantity: &'static str,
    /// Unit of the values below.
    pub unit: &'static str,
    /// The theory value.
    pub theory: f64,
    /// Mean of the per-replication values.
    pub mean: f64,
    /// Half-width of the two-sided 95% Student-t interval of `mean`.
    pub ci95: f64,
    /// Half-width of the interval at the Bonferroni-corrected level: the
    /// largest `|mean - theory|` that passes.
    pub criterion: f64,
    /// `|mean - theory| <= criterion`.
    pub pass: bool,
}

/// The results of the whole table.
#[derive(Clone, Debug, PartialEq)]
pub struct TableReport {
    /// Replications per case.
    pub replications: u32,
    /// Seed of every case.
    pub seed: u64,
    /// Number of checks `k` the joint level is split over.
    pub checks: usize,
    /// Two-sided confidence level of each check's criterion,
    /// `1 - (1 - JOINT_LEVEL) / k`.
    pub level: f64,
    /// Student-t quantile of the criterion (`r - 1` degrees of freedom).
    pub t: f64,
    /// One outcome per check, in table order.
    pub outcomes: Vec<Outcome>,
}

/// No L1 (lookups cost nothing): the `[l1]` table of every case, and of the
/// tests that measure the pool or Redis alone.
pub const NO_L1: &str = r#"
[l1]
hit_ratio = 0.0
lookup_time = "0us"
"#;

/// One Redis shard that always hits, where accepting a connection costs the
/// event loop nothing: the `[redis]` table of every case, but for its
/// `service_time`, which the text adds after it.
pub const ONE_SHARD_ALWAYS_HITS: &str = r#"
[redis]
shards = 1
hit_ratio = 1.0
accept_cost = "0us"
"#;

/// A pool that never binds (10,000 connections at most, 200 open from time
/// 0, no acquire timeout) and constant 100 us round trips: the `[pool]` and
/// `[network]` tables of the cases (and tests) that measure one Redis shard
/// alone. With every delay before the shard constant, the shard sees Poisson
/// arrivals; more than 200 commands in flight at rho = 0.7 has probability
/// about 0.7^200.
pub const POOL_NEVER_BINDS: &str = r#"[pool]
max_total = 10000
min_idle = 200
when_exhausted = "block"
acquire_timeout = "none"

[network]
rtt = "100us"
"#;

/// Warm-up of every case: at least 20 relaxation times of the slowest case
/// (Erlang C at rho = 0.8 relaxes in about 1 / (n mu (1 - sqrt(rho))^2) = 9 ms).
const WARMUP: &str = "200ms";

/// A pure pool of `n` connections on one pod: Poisson arrivals at `a` per ms,
/// exponential holds of mean 1 ms (`mu = 1` per ms), Redis serving in no time.
/// `pool` is the rest of the `[pool]` table. The connections open at time 0
/// (`min_idle`), so no checkout ever waits for a connect and the measured
/// window sees exactly the queue theory describes.
fn pure_pool(n: u32, a: f64, duration_ms: u64, pool: &str) -> String {
    format!(
        r#"{head}
[pool]
max_total = {n}
min_idle = {n}
{pool}

[network]
rtt = {{ dist = "exponential", mean = "1ms" }}
{NO_L1}{ONE_SHARD_ALWAYS_HITS}service_time = "0us"
"#,
        head = head(duration_ms, a),
    )
}

/// One Redis shard fed by a pool that never binds ([`POOL_NEVER_BINDS`]):
/// Poisson arrivals at `lambda` per ms, service `service` (a TOML latency).
fn one_shard(lambda: f64, service: &str, duration_ms: u64) -> String {
    format!(
        r#"{head}
{POOL_NEVER_BINDS}{NO_L1}{ONE_SHARD_ALWAYS_HITS}service_time = {service}
"#,
        head = head(duration_ms, lambda),
    )
}

/// The `[simulation]` and `[workload]` tables of every case: `duration_ms`
/// measured after [`WARMUP`], Poisson arrivals at `per_ms` per ms.
fn head(duration_ms: u64, per_ms: f64) -> String {
    format!(
        r#"[simulation]
duration = "{duration_ms}ms"
warmup = "{WARMUP}"

[workload]
rate = {rate}
"#,
        rate = per_ms * 1000.0,
    )
}

fn metric(name: &'static str, quantity: &'static str, theory: f64, unit: &'static str) -> Check {
    Check {
        measure: Measure::Metric(name),
        quantity,
        theory,
        unit,
    }
}

fn little() -> Check {
    Check {
        measure: Measure::LittleGap,
        quantity: "L - lambda W = 0",
        theory: 0.0,
        unit: "connections",
    }
}

/// An M/M/n+D case: `n` connections, load `a`, acquire timeout `tau_ms`
/// (mean holds, as `mu = 1` per ms).
fn mmn_d_case(
    name: &'static str,
    load: &str,
    n: u32,
    a: f64,
    tau_ms: f64,
    duration_ms: u64,
) -> Case {
    let theory = mmn_d(n, a, 1.0, tau_ms);
    let pool = format!(
        "when_exhausted = \"block\"\nacquire_timeout = \"{}us\"",
        tau_ms * 1000.0
    );
    let mut checks = vec![
        metric(
            "pool.timeout_ratio",
            "P(abandon)",
            theory.p_abandon,
            "ratio",
        ),
        metric("pool.wait_ratio", "P(wait)", theory.p_wait, "ratio"),
    ];
    if a >= f64::from(n) - 1.0 {
        checks.push(metric(
            "pool.acquire_wait.mean_ms",
            "E[W | served]",
            theory.mean_wait_served,
            "ms",
        ));
    }
    Case {
        name,
        model: format!("M/M/n+D {load}: n={n}, a={a}, tau={tau_ms} mean hold"),
        toml: pure_pool(n, a, duration_ms, &pool),
        checks,
    }
}

/// The built-in table.
pub fn cases() -> Vec<Case> {
    let (n, a_b, a_c) = (10, 5.0, 8.0);
    let b = erlang_b(n, a_b);
    let shard_lambda = 7.0; // per ms: rho = 0.7 with a 0.1 ms mean service
    let shard_mu = 10.0;
    vec![
        Case {
            name: "erlang-b",
            model: format!("M/M/n/n, fail-fast pool: n={n}, a={a_b}"),
            toml: pure_pool(n, a_b, 60_000, "when_exhausted = \"fail\""),
            checks: vec![
                metric("pool.timeout_ratio", "B(n, a)", b, "ratio"),
                metric(
                    "pool.in_use.mean",
                    "a (1 - B)",
                    a_b * (1.0 - b),
                    "connections",
                ),
            ],
        },
        Case {
            name: "erlang-c",
            model: format!("M/M/n, block forever: n={n}, a={a_c}"),
            toml: pure_pool(
                n,
                a_c,
                60_000,
                "when_exhausted = \"block\"\nacquire_timeout = \"none\"",
            ),
            checks: vec![
                metric("pool.wait_ratio", "C(n, a)", erlang_c(n, a_c), "ratio"),
                metric(
                    "pool.acquire_wait.mean_ms",
                    "E[W]",
                    mmn_mean_wait(n, a_c, 1.0),
                    "ms",
                ),
                little(),
            ],
        },
        mmn_d_case("mmn-d-light", "light load", n, 5.0, 1.0, 60_000),
        {
            let mut c = mmn_d_case("mmn-d-knee", "at the knee", n, 10.0, 1.0, 60_000);
            c.checks.push(little());
            c
        },
        mmn_d_case("mmn-d-overload", "overload", n, 12.0, 1.0, 30_000),
        Case {
            name: "mm1-shard",
            model: format!(
                "M/M/1 shard (P-K): lambda={shard_lambda}/ms, exponential service 0.1 ms"
            ),
            toml: one_shard(
                shard_lambda,
                r#"{ dist = "exponential", mean = "100us" }"#,
                60_000,
            ),
            checks: vec![
                metric(
                    "redis.queue_wait.mean_ms",
                    "E[Wq]",
                    mm1_mean_wait(shard_lambda, shard_mu),
                    "ms",
                ),
                metric("redis.utilization", "rho", shard_lambda / shard_mu, "ratio"),
            ],
        },
        Case {
            name: "md1-shard",
            model: format!("M/D/1 shard (P-K): lambda={shard_lambda}/ms, constant service 0.1 ms"),
            toml: one_shard(shard_lambda, r#""100us""#, 60_000),
            checks: vec![metric(
                "redis.queue_wait.mean_ms",
                "E[Wq]",
                md1_mean_wait(shard_lambda, shard_mu),
                "ms",
            )],
        },
    ]
}

/// How much wider than its large-sample value the Student-t factor of the
/// criterion may be. With few replications the factor explodes (about 216
/// for 2 replications at a table's Bonferroni level, against 3.2 with many):
/// the interval then covers almost any simulator, right or wrong, and a pass
/// says nothing. [`min_replications`] is the floor this bound sets.
pub const MAX_T_INFLATION: f64 = 1.5;

/// The Bonferroni level of a table of `checks` checks.
pub fn table_level(checks: usize) -> f64 {
    1.0 - (1.0 - JOINT_LEVEL) / checks.max(1) as f64
}

/// The fewest replications whose Student-t factor at the level of a table of
/// `checks` checks is at most [`MAX_T_INFLATION`] times its large-sample
/// value (taken at 1,000 degrees of freedom, within 0.1% of the normal).
pub fn min_replications(checks: usize) -> u32 {
    let level = table_level(checks);
    let z = t_quantile(level, 1000);
    (2u32..1000)
        .find(|&r| t_quantile(level, r as usize - 1) <= MAX_T_INFLATION * z)
        .unwrap_or(1000)
}

/// Runs every case of `table` and judges each check at the Bonferroni level.
///
/// # Panics
/// If `config.replications < 2` or a case's scenario does not parse (a bug in
/// the table).
pub fn run_table(table: &[Case], config: &Config) -> Result<TableReport, RunError> {
    let k: usize = table.iter().map(|c| c.checks.len()).sum();
    let level = table_level(k);
    let t = t_quantile(level, config.replications as usize - 1);
    let mut outcomes = Vec::with_capacity(k);
    for case in table {
        outcomes.extend(run_case(case, config, t)?);
    }
    Ok(TableReport {
        replications: config.replications,
        seed: config.seed,
        checks: k,
        level,
        t,
        outcomes,
    })
}

/// Runs one case and judges each of its checks: a check passes when
/// `|mean - theory| <= t * s / sqrt(r)` (see the module docs; `t` is the
/// Student-t quantile at the level the caller chose).
///
/// # Panics
/// As [`run_table`].
pub fn run_case(case: &Case, config: &Config, t: f64) -> Result<Vec<Outcome>, RunError> {
    let scenario = scenario_of(case, config);
    let report = engine::run_with(&scenario, false)?;
    let reps = report.replications.len() as f64;
    Ok(case
        .checks
        .iter()
        .map(|check| {
            let xs: Vec<f64> = report
                .replications
                .iter()
                .map(|m| measure(check.measure, &scenario, m))
                .collect();
            let e = Estimate::from_samples(&xs);
            let sd = sample_sd(&xs, e.mean);
            let criterion = t * sd / reps.sqrt();
            Outcome {
                case: case.name,
                model: case.model.clone(),
                measure: check.measure,
                quantity: check.quantity,
                unit: check.unit,
                theory: check.theory,
                mean: e.mean,
                ci95: e.ci95,
                criterion,
                pass: (e.mean - check.theory).abs() <= criterion,
            }
        })
        .collect())
}

/// The seed of one case: the table's seed mixed with the case's name, so the
/// cases draw independent random numbers and the Bonferroni bound over the
/// table holds as stated (with one shared seed, every pool case would reuse
/// the same arrivals, and one unlucky arrival stream would move them all).
/// Kept to 63 bits: a TOML integer is an `i64`.
pub fn case_seed(seed: u64, case: &str) -> u64 {
    (seed ^ sim::rng::fnv1a64(case.as_bytes())) & i64::MAX as u64
}

/// The scenario of `case` with the seed, replications and duration of `config`.
fn scenario_of(case: &Case, config: &Config) -> Scenario {
    assert!(
        config.replications >= 2,
        "validation needs at least 2 replications"
    );
    let mut overrides = vec![
        format!("simulation.seed={}", case_seed(config.seed, case.name)),
        format!("simulation.replications={}", config.replications),
    ];
    if config.duration_scale != 1.0 {
        let ms = duration_ms(&case.toml);
        let scaled = ((ms as f64 * config.duration_scale).round() as u64).max(1);
        overrides.push(format!("simulation.duration=\"{scaled}ms\""));
    }
    crate::scenario::parse(&case.toml, case.name, case.name, &overrides)
        .unwrap_or_else(|e| panic!("built-in validation case {} does not parse: {e}", case.name))
}

/// The `duration = "<n>ms"` of a generated case.
fn duration_ms(toml: &str) -> u64 {
    toml.lines()
        .find_map(|l| {
            l.strip_prefix("duration = \"")?
                .strip_suffix("ms\"")?
                .parse()
                .ok()
        })
        .expect("generated cases state their duration in ms")
}

/// The value of `measure` in one replication's metrics `m` of scenario `sc`.
fn measure(measure: Measure, sc: &Scenario, m: &Metrics) -> f64 {
    match measure {
        Measure::Metric(name) => m[name],
        Measure::LittleGap => {
            // Throughput X: checkouts that got a connection, per pod and per ms
            // of the measured window. Checkouts are counted by arrival in the
            // window and holds by release in it; in steady state the edges
            // cancel in expectation, which is what the check tests.
            let served = m["pool.checkouts"] * (1.0 - m["pool.timeout_ratio"]);
            let per_ms = served / sc.simulation.duration.as_millis_f64() / f64::from(sc.pods.count);
            m["pool.in_use.mean"] - per_ms * m["pool.hold.mean_ms"]
        }
    }
}

fn sample_sd(xs: &[f64], mean: f64) -> f64 {
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
    var.sqrt()
}

/// Two-sided Student-t quantile: the `t > 0` with `P(|T| <= t) = level` for
/// `dof` degrees of freedom (so `level = 0.95` gives [`sim::summary::t95`]).
///
/// `P(|T| <= t)` is evaluated exactly for integer `dof` by the finite series of
/// Abramowitz and Stegun 26.7.3 and 26.7.4 (with `theta = atan(t / sqrt(dof))`),
/// and inverted by bisection to full `f64` precision.
///
/// # Panics
/// If `dof` is 0 or `level` is not in `(0, 1)`.
pub fn t_quantile(level: f64, dof: usize) -> f64 {
    assert!(dof >= 1, "Student-t needs at least one degree of freedom");
    assert!(
        level > 0.0 && level < 1.0,
        "confidence level must be in (0, 1), got {level}"
    );
    let mut hi = 1.0;
    while t_central(hi, dof) < level {
        hi *= 2.0;
    }
    let mut lo = 0.0;
    for _ in 0..200 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if t_central(mid, dof) < level {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

/// `P(|T| <= t)` for Student's t with integer `dof` (A&S 26.7.3-4): a sum of
/// positive terms, so it is accurate to a few ulps.
fn t_central(t: f64, dof: usize) -> f64 {
    let theta = (t / (dof as f64).sqrt()).atan();
    let (s, c) = theta.sin_cos();
    let c2 = c * c;
    if dof % 2 == 1 {
        // (2/pi) (theta + sin cos (1 + 2/3 cos^2 + 2*4/(3*5) cos^4 + ...)), to cos^(dof-2).
        let mut sum = 0.0;
        let mut term = c;
        let mut k = 1;
        while 2 * k < dof {
            sum += term;
            term *= c2 * (2 * k) as f64 / (2 * k + 1) as f64;
            k += 1;
        }
        std::f64::consts::FRAC_2_PI * (theta + s * sum)
    } else {
        // sin (1 + 1/2 cos^2 + 1*3/(2*4) cos^4 + ...), to cos^(dof-2).
        let mut sum = 0.0;
        let mut term = 1.0;
        let mut k = 1;
        while 2 * k <= dof {
            sum += term;
            term *= c2 * (2 * k - 1) as f64 / (2 * k) as f64;
            k += 1;
        }
        s * sum
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_replication_floor_bounds_the_t_factor() {
        let k: usize = cases().iter().map(|c| c.checks.len()).sum();
        let r = min_replications(k);
        let level = table_level(k);
        let z = t_quantile(level, 1000);
        assert!(t_quantile(level, r as usize - 1) <= MAX_T_INFLATION * z);
        assert!(t_quantile(level, r as usize - 2) > MAX_T_INFLATION * z);
        assert!(r > 2 && r <= Config::default().replications, "{r}");
    }

    #[test]
    fn t_quantile_matches_t95_and_tables() {
        for dof in [1, 2, 3, 4, 5, 9, 10, 19, 30, 100, 1000] {
            let (ours, theirs) = (t_quantile(0.95, dof), sim::summary::t95(dof));
            assert!(
                (ours - theirs).abs() < 1e-6 * theirs,
                "dof {dof}: {ours} vs {theirs}"
            );
        }
        // Two-sided 99.8% (one-sided 0.999) from printed tables.
        assert!((t_quantile(0.998, 9) - 4.297).abs() < 1e-3);
        assert!((t_quantile(0.998, 19) - 3.579).abs() < 1e-3);
        // Closed forms: dof 1 is Cauchy, dof 2 has t = sqrt(2 p^2 / (1 - p^2)).
        let p: f64 = 0.99;
        assert!((t_quantile(p, 1) - (std::f64::consts::FRAC_PI_2 * p).tan()).abs() < 1e-9);
        assert!((t_quantile(p, 2) - (2.0 * p * p / (1.0 - p * p)).sqrt()).abs() < 1e-9);
    }

    #[test]
    fn every_case_parses_and_names_real_metrics() {
        for case in cases() {
            let sc = crate::scenario::parse(&case.toml, case.name, case.name, &[]);
            assert!(sc.is_ok(), "{}: {:?}", case.name, sc.err());
            for check in &case.checks {
                if let Measure::Metric(name) = check.measure {
                    assert!(crate::metrics::is_metric(name), "{name}");
                }
                assert!(check.theory.is_finite());
            }
        }
    }

    #[test]
    fn overload_case_has_domain_check_value() {
        let table = cases();
        let over = table.iter().find(|c| c.name == "mmn-d-overload").unwrap();
        assert!((over.checks[0].theory - 0.1774).abs() < 5e-5);
    }
}
