//! The real load: an open-loop arrival process driving a real pool crate
//! (bb8 with bb8-redis, or deadpool-redis) on tokio against a real Redis.
//!
//! Arrivals come from a plain thread that sleeps until each arrival time
//! (`std::thread::sleep`, precise to tens of microseconds, where tokio's
//! timer would round to whole milliseconds) and spawns the request on the
//! runtime. A request's latency counts from its scheduled arrival, so a late
//! spawn is charged to the system, as in the model. Every loop is bounded:
//! the schedule is finite and the run waits at most [`DRAIN`] after it.

use bb8_redis::redis;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Longest wait for requests still in flight after the last arrival.
pub const DRAIN: Duration = Duration::from_secs(10);

/// The pool crate and its setting.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    /// bb8 0.9 with bb8-redis 0.26; `test_on_check_out` (PING on checkout,
    /// bb8's default `true`).
    Bb8 {
        /// PING every connection at checkout.
        test_on_check_out: bool,
    },
    /// deadpool-redis 0.23 (recycles with UNWATCH + PING on every get).
    Deadpool,
}

impl PoolKind {
    /// A short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            PoolKind::Bb8 {
                test_on_check_out: true,
            } => "bb8",
            PoolKind::Bb8 {
                test_on_check_out: false,
            } => "bb8 (no test)",
            PoolKind::Deadpool => "deadpool",
        }
    }
}

/// One run's set-up.
#[derive(Clone, Debug)]
pub struct Load {
    /// The pool crate.
    pub pool: PoolKind,
    /// Most connections.
    pub size: u32,
    /// Longest wait for a connection (`None`: the crate's default).
    pub acquire_timeout: Option<Duration>,
    /// The command each request sends, as words.
    pub command: Vec<String>,
    /// Arrival times from the start.
    pub arrivals: Vec<Duration>,
    /// Requests arriving before this are not counted.
    pub warmup: Duration,
}

/// How one request went.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// Replied.
    Ok,
    /// The pool's acquire timeout.
    PoolTimeout,
    /// Any other error (a broken connection, a failed connect).
    Error,
}

/// One request's times, from its scheduled arrival.
#[derive(Clone, Copy, Debug)]
pub struct Sample {
    /// Scheduled arrival, from the start.
    pub arrived: Duration,
    /// When its task first ran (the spawn's lateness), from the arrival.
    pub started: Duration,
    /// When the pool handed out a connection, from the arrival.
    pub acquired: Option<Duration>,
    /// When the reply (or the error) came, from the arrival.
    pub done: Duration,
    /// How it went.
    pub outcome: Outcome,
}

/// Poisson arrivals at `rate` per second in `[from, to)`, seeded.
pub fn poisson(rate: f64, from: Duration, to: Duration, seed: u64) -> Vec<Duration> {
    use rand::SeedableRng;
    use rand_distr::{Distribution, Exp};
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let exp = Exp::new(rate).expect("rate > 0");
    let mut t = from.as_secs_f64();
    let mut out = Vec::new();
    loop {
        t += exp.sample(&mut rng);
        if t >= to.as_secs_f64() || out.len() >= 10_000_000 {
            return out;
        }
        out.push(Duration::from_secs_f64(t));
    }
}

enum Pool {
    Bb8(bb8::Pool<bb8_redis::RedisConnectionManager>),
    Deadpool(deadpool_redis::Pool),
}

async fn build(load: &Load, url: &str) -> Result<Pool, String> {
    match load.pool {
        PoolKind::Bb8 { test_on_check_out } => {
            let manager = bb8_redis::RedisConnectionManager::new(url).map_err(|e| e.to_string())?;
            let mut b = bb8::Pool::builder()
                .max_size(load.size)
                .test_on_check_out(test_on_check_out)
                .retry_connection(false);
            if let Some(t) = load.acquire_timeout {
                b = b.connection_timeout(t);
            }
            b.build(manager)
                .await
                .map(Pool::Bb8)
                .map_err(|e| e.to_string())
        }
        PoolKind::Deadpool => {
            let mut cfg = deadpool_redis::Config::from_url(url);
            let mut pc = deadpool_redis::PoolConfig::new(load.size as usize);
            pc.timeouts.wait = load.acquire_timeout;
            cfg.pool = Some(pc);
            cfg.create_pool(Some(deadpool_redis::Runtime::Tokio1))
                .map(Pool::Deadpool)
                .map_err(|e| e.to_string())
        }
    }
}

async fn request(pool: &Pool, cmd: &redis::Cmd, arrival: Instant) -> (Option<Duration>, Outcome) {
    match pool {
        Pool::Bb8(p) => match p.get().await {
            Ok(mut conn) => {
                let acquired = arrival.elapsed();
                let r: redis::RedisResult<redis::Value> = cmd.query_async(&mut *conn).await;
                (
                    Some(acquired),
                    if r.is_ok() {
                        Outcome::Ok
                    } else {
                        Outcome::Error
                    },
                )
            }
            Err(bb8::RunError::TimedOut) => (None, Outcome::PoolTimeout),
            Err(_) => (None, Outcome::Error),
        },
        Pool::Deadpool(p) => match p.get().await {
            Ok(mut conn) => {
                let acquired = arrival.elapsed();
                let r: redis::RedisResult<redis::Value> = cmd.query_async(&mut conn).await;
                (
                    Some(acquired),
                    if r.is_ok() {
                        Outcome::Ok
                    } else {
                        Outcome::Error
                    },
                )
            }
            Err(deadpool_redis::PoolError::Timeout(_)) => (None, Outcome::PoolTimeout),
            Err(_) => (None, Outcome::Error),
        },
    }
}

/// Runs `load` against the Redis at `url`; returns the counted samples.
pub fn drive(load: &Load, url: &str) -> Result<Vec<Sample>, String> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    let pool = Arc::new(rt.block_on(build(load, url))?);
    let mut cmd = redis::cmd(&load.command[0]);
    for w in &load.command[1..] {
        cmd.arg(w);
    }
    let cmd = Arc::new(cmd);
    let samples = Arc::new(Mutex::new(Vec::with_capacity(load.arrivals.len())));
    let start = Instant::now();
    let mut handles = Vec::with_capacity(load.arrivals.len());
    for &at in &load.arrivals {
        let when = start + at;
        let now = Instant::now();
        if when > now {
            std::thread::sleep(when - now);
        }
        let (pool, cmd, samples) = (pool.clone(), cmd.clone(), samples.clone());
        handles.push(rt.spawn(async move {
            let started = when.elapsed();
            let (acquired, outcome) = request(&pool, &cmd, when).await;
            let s = Sample {
                arrived: at,
                started,
                acquired,
                done: when.elapsed(),
                outcome,
            };
            samples.lock().expect("not poisoned").push(s);
        }));
    }
    rt.block_on(async {
        let all = async {
            for h in handles {
                let _ = h.await;
            }
        };
        tokio::time::timeout(DRAIN, all).await
    })
    .map_err(|_| {
        format!(
            "requests still in flight {} s after the last arrival",
            DRAIN.as_secs()
        )
    })?;
    rt.shutdown_timeout(Duration::from_secs(1));
    let mut out = std::mem::take(&mut *samples.lock().expect("not poisoned"));
    out.retain(|s| s.arrived >= load.warmup);
    out.sort_by_key(|s| s.arrived);
    Ok(out)
}

/// What a run measured.
#[derive(Clone, Copy, Debug, Default)]
pub struct Measured {
    /// Requests counted.
    pub requests: usize,
    /// Mean latency of requests that got a reply (ms).
    pub latency_ms: f64,
    /// Mean time a connection was held, checkout to return (ms).
    pub hold_ms: f64,
    /// Mean wait of the checkouts that got a connection (ms).
    pub wait_ms: f64,
    /// Fraction of requests that hit the acquire timeout.
    pub timeout_ratio: f64,
    /// Fraction of requests that failed (any cause).
    pub failed_ratio: f64,
}

/// The figures of a run's samples.
pub fn measure(samples: &[Sample]) -> Measured {
    let mean = |xs: Vec<f64>| {
        if xs.is_empty() {
            f64::NAN
        } else {
            xs.iter().sum::<f64>() / xs.len() as f64
        }
    };
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let ok: Vec<&Sample> = samples
        .iter()
        .filter(|s| s.outcome == Outcome::Ok)
        .collect();
    let n = samples.len().max(1) as f64;
    Measured {
        requests: samples.len(),
        latency_ms: mean(ok.iter().map(|s| ms(s.done)).collect()),
        hold_ms: mean(
            samples
                .iter()
                .filter_map(|s| s.acquired.map(|a| ms(s.done) - ms(a)))
                .collect(),
        ),
        wait_ms: mean(samples.iter().filter_map(|s| s.acquired.map(ms)).collect()),
        timeout_ratio: samples
            .iter()
            .filter(|s| s.outcome == Outcome::PoolTimeout)
            .count() as f64
            / n,
        failed_ratio: samples.iter().filter(|s| s.outcome != Outcome::Ok).count() as f64 / n,
    }
}

/// The client's own time before a checkout reaches the pool, for
/// `client.checkout_delay`: a probe of `pool` against `url` at `rate`
/// requests/s for 2 s (after a 0.5 s warm-up) with a pool of 16, too many
/// to bind, so no request waits for a connection: the mean time from each
/// request's scheduled arrival to its task first running (the arrival
/// thread's wake-up and the spawn onto the runtime). It depends on how busy
/// the runtime is: at a few requests a second its one worker parks between
/// requests and each wake-up costs more, so the probe runs at the rate of
/// the point it serves. The pool's own `get()` with an idle connection is
/// left out: a few microseconds for bb8, and deadpool's is its recycle
/// PING, which the model has.
pub fn checkout_delay(
    pool: PoolKind,
    url: &str,
    command: &[String],
    rate: f64,
) -> Result<Duration, String> {
    let warmup = Duration::from_millis(500);
    let load = Load {
        pool,
        size: 16,
        acquire_timeout: None,
        command: command.to_vec(),
        arrivals: poisson(rate, Duration::ZERO, warmup + Duration::from_secs(2), 99),
        warmup,
    };
    let samples = drive(&load, url)?;
    if samples.is_empty() {
        return Err("the checkout-delay probe counted no request".into());
    }
    let total: Duration = samples.iter().map(|s| s.started).sum();
    Ok(total / samples.len() as u32)
}
