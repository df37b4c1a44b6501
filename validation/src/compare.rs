//! Measured against predicted: the grid of points, the idle-eviction
//! incident, and the table printed for both.

use crate::drive::{checkout_delay, drive, measure, poisson, Load, Measured, PoolKind};
use crate::predict::{loop_time, predict, scenario, Predicted};
use crate::server::RedisServer;
use std::time::Duration;

/// One point of the grid.
#[derive(Clone, Copy, Debug)]
pub struct Point {
    /// The pool crate.
    pub pool: PoolKind,
    /// Its size.
    pub size: u32,
    /// Offered load as a fraction of Redis's capacity.
    pub load: f64,
    /// Acquire timeout (`None`: the crate's default).
    pub acquire_timeout: Option<Duration>,
}

/// A point's runs and capsim's prediction.
#[derive(Clone, Debug)]
pub struct Row {
    /// The point.
    pub point: Point,
    /// Requests per second offered.
    pub rate: f64,
    /// One entry per measured run.
    pub runs: Vec<Measured>,
    /// capsim's figures.
    pub predicted: Predicted,
    /// The client's checkout delay from the unloaded probe, passed to capsim
    /// as `client.checkout_delay`.
    pub delay: Duration,
    /// The same delay measured in the runs themselves (mean over runs).
    pub delay_in_runs: Duration,
}

/// Mean and sample standard deviation.
pub fn mean_sd(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = if xs.len() > 1 {
        xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)
    } else {
        0.0
    };
    (mean, var.sqrt())
}

/// The `--set` overrides that make the calibrated scenario this pool.
fn pool_sets(pool: PoolKind, size: u32, timeout: Option<Duration>) -> Vec<String> {
    let mut sets = vec![format!("pool.max_total={size}"), "pods.count=1".to_string()];
    match pool {
        PoolKind::Bb8 { test_on_check_out } => {
            sets.push("pool.preset=\"bb8\"".into());
            sets.push(format!("pool.test_on_borrow={test_on_check_out}"));
        }
        PoolKind::Deadpool => sets.push("pool.preset=\"deadpool\"".into()),
    }
    if let Some(t) = timeout {
        sets.push(format!("pool.acquire_timeout=\"{}us\"", t.as_micros()));
    }
    sets
}

/// The grid the harness measures: bb8 without its PING on checkout and
/// deadpool, pools of 2 and 4, 60% and 80% load, a 2.5 ms acquire timeout.
pub fn grid() -> Vec<Point> {
    let mut points = Vec::new();
    let pools = [
        PoolKind::Bb8 {
            test_on_check_out: false,
        },
        PoolKind::Deadpool,
    ];
    for pool in pools {
        for size in [2, 4] {
            for load in [0.6, 0.8] {
                points.push(Point {
                    pool,
                    size,
                    load,
                    acquire_timeout: Some(Duration::from_micros(2500)),
                });
            }
        }
    }
    points
}

/// capsim's prediction of `point` from the calibrated scenario (with
/// `extra` overrides after the point's own): the offered rate and the
/// figures.
pub fn prediction(
    calibrated: &str,
    point: Point,
    extra: &[String],
) -> Result<(f64, Predicted), String> {
    let base = scenario(calibrated, &[])?;
    let rate = point.load / loop_time(&base);
    let mut sets = pool_sets(point.pool, point.size, point.acquire_timeout);
    sets.push(format!("workload.rate={rate}"));
    sets.extend(
        [
            "simulation.duration=\"30s\"",
            "simulation.warmup=\"1s\"",
            "simulation.replications=4",
        ]
        .map(String::from),
    );
    sets.extend_from_slice(extra);
    let sc = scenario(calibrated, &sets)?;
    Ok((rate, predict(&sc)?))
}

/// The override passing a measured checkout delay to capsim.
pub fn delay_set(delay: Duration) -> String {
    format!(
        "client.checkout_delay=\"{:.1}us\"",
        delay.as_secs_f64() * 1e6
    )
}

/// Measures `point` `reps` times for `secs` seconds each (after a 0.5 s
/// warm-up) and predicts it.
pub fn row(
    server: &RedisServer,
    calibrated: &str,
    point: Point,
    reps: u32,
    secs: f64,
) -> Result<Row, String> {
    let command: Vec<String> = crate::COMMAND.split(' ').map(String::from).collect();
    let rate = point.load / loop_time(&scenario(calibrated, &[])?);
    let delay = checkout_delay(point.pool, &server.url(), &command, rate)?;
    let (_, predicted) = prediction(calibrated, point, &[delay_set(delay)])?;
    let warmup = Duration::from_millis(500);
    let mut runs = Vec::new();
    let mut in_runs = Duration::ZERO;
    for k in 0..reps {
        let load = Load {
            pool: point.pool,
            size: point.size,
            acquire_timeout: point.acquire_timeout,
            command: command.clone(),
            arrivals: poisson(
                rate,
                Duration::ZERO,
                warmup + Duration::from_secs_f64(secs),
                1 + u64::from(k),
            ),
            warmup,
        };
        let samples = drive(&load, &server.url())?;
        let n = samples.len().max(1) as u32;
        in_runs += samples.iter().map(|s| s.started).sum::<Duration>() / n / reps.max(1);
        runs.push(measure(&samples));
    }
    Ok(Row {
        point,
        rate,
        runs,
        predicted,
        delay,
        delay_in_runs: in_runs,
    })
}

/// Relative error of `predicted` against `measured`.
pub fn rel(predicted: f64, measured: f64) -> f64 {
    (predicted - measured) / measured
}

/// The table of `rows`: each figure measured (mean ± sd over runs),
/// predicted, and the relative error.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| pool | size | load | timeout | rate/s | checkout delay ms: probe | in runs | latency ms: measured | capsim | error | hold ms: measured | capsim | error | acquire wait ms: measured | capsim | error | timeouts: measured | capsim |\n\
         |---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n",
    );
    for r in rows {
        let f = |get: fn(&Measured) -> f64| mean_sd(&r.runs.iter().map(get).collect::<Vec<_>>());
        let (lat, lat_sd) = f(|m| m.latency_ms);
        let (hold, hold_sd) = f(|m| m.hold_ms);
        let (wait, wait_sd) = f(|m| m.wait_ms);
        let (to, to_sd) = f(|m| m.timeout_ratio);
        let p = &r.predicted;
        let timeout = r.point.acquire_timeout.map_or("default".to_string(), |t| {
            format!("{} ms", t.as_secs_f64() * 1e3)
        });
        out += &format!(
            "| {} | {} | {:.0}% | {} | {:.0} | {:.3} | {:.3} | {:.3} ± {:.3} | {:.3} | {:+.0}% | {:.3} ± {:.3} | {:.3} | {:+.0}% | {:.3} ± {:.3} | {:.3} | {:+.0}% | {:.3} ± {:.3} | {:.3} |\n",
            r.point.pool.name(),
            r.point.size,
            r.point.load * 100.0,
            timeout,
            r.rate,
            r.delay.as_secs_f64() * 1e3,
            r.delay_in_runs.as_secs_f64() * 1e3,
            lat,
            lat_sd,
            p.latency_ms,
            rel(p.latency_ms, lat) * 100.0,
            hold,
            hold_sd,
            p.hold_ms,
            rel(p.hold_ms, hold) * 100.0,
            wait,
            wait_sd,
            p.wait_ms,
            rel(p.wait_ms, wait) * 100.0,
            to,
            to_sd,
            p.timeout_ratio,
        );
    }
    out
}

/// The idle-eviction incident: Redis closes clients idle 2 s (`timeout 2`,
/// the server must be started with it); three bursts of 0.25 s at 200
/// requests/s, 5 s apart, on a pool of 4. Returns the measured and
/// predicted failed fractions.
pub fn incident(
    server: &RedisServer,
    calibrated: &str,
    pool: PoolKind,
) -> Result<(Measured, Predicted), String> {
    let burst = Duration::from_millis(250);
    let rate = 200.0;
    let mut arrivals = Vec::new();
    for (k, start) in [0u64, 5, 10].into_iter().enumerate() {
        let from = Duration::from_secs(start);
        arrivals.extend(poisson(rate, from, from + burst, 100 + k as u64));
    }
    let load = Load {
        pool,
        size: 4,
        acquire_timeout: None,
        command: crate::COMMAND.split(' ').map(String::from).collect(),
        arrivals,
        warmup: Duration::ZERO,
    };
    let measured = measure(&drive(&load, &server.url())?);
    let mut sets = pool_sets(pool, 4, None);
    sets.extend(
        [
            format!("workload.rate={rate}"),
            "workload.profile=[{ at = \"0.25s\", scale = 0.0 }, { at = \"5s\", scale = 1.0 }, \
             { at = \"5.25s\", scale = 0.0 }, { at = \"10s\", scale = 1.0 }, { at = \"10.25s\", scale = 0.0 }]"
                .to_string(),
            "redis.timeout=\"2s\"".to_string(),
            "simulation.duration=\"11s\"".to_string(),
            "simulation.warmup=\"0s\"".to_string(),
            "simulation.replications=4".to_string(),
        ],
    );
    let predicted = predict(&scenario(calibrated, &sets)?)?;
    Ok((measured, predicted))
}
