//! Short probes of the client's own costs against a throwaway Redis (each
//! a few seconds), to explain what the model leaves out:
//!
//! - the harness's checkout-delay probe (see `drive::checkout_delay`);
//! - **unloaded** (a pool of 4 at 50 requests/s, so a connection is always
//!   idle): how late each request's task first runs after its scheduled
//!   arrival (the arrival thread's sleep and the spawn), how long `get()`
//!   takes with an idle connection, and the hold;
//! - **contended** (a pool of 2 at 80% of Redis's capacity): for each
//!   checkout that was already waiting when another request's connection
//!   came back, the time from that return to the checkout's `get()`
//!   returning: the hand-off, which the model counts as zero.
//!
//! ```text
//! cargo run -p capsim-validation --release --bin probe
//! ```

use capsim_validation::compare::mean_sd;
use capsim_validation::drive::{checkout_delay, drive, poisson, Load, PoolKind, Sample};
use capsim_validation::server::RedisServer;
use std::time::Duration;

fn main() {
    if let Err(e) = run() {
        eprintln!("probe: {e}");
        std::process::exit(1);
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn mean(xs: &[f64]) -> String {
    let (m, sd) = mean_sd(xs);
    format!("{m:.3} ms (sd {sd:.3}, n {})", xs.len())
}

/// The hand-offs: for each checkout that got a connection, the latest
/// return of another request's connection before it, if the checkout was
/// already waiting then; the time from that return to the checkout.
fn handoffs(samples: &[Sample]) -> Vec<f64> {
    let mut returns: Vec<Duration> = samples.iter().map(|s| s.arrived + s.done).collect();
    returns.sort();
    let mut out = Vec::new();
    for s in samples {
        let Some(acq) = s.acquired else { continue };
        let (started, acquired) = (s.arrived + s.started, s.arrived + acq);
        let i = returns.partition_point(|&r| r < acquired);
        if i == 0 {
            continue;
        }
        let last = returns[i - 1];
        if last > started {
            out.push(ms(acquired - last));
        }
    }
    out
}

fn run() -> Result<(), String> {
    let server = RedisServer::start(&[])?;
    let command: Vec<String> = capsim_validation::COMMAND
        .split(' ')
        .map(String::from)
        .collect();
    let warmup = Duration::from_millis(500);
    for pool in [
        PoolKind::Bb8 {
            test_on_check_out: false,
        },
        PoolKind::Deadpool,
    ] {
        let load = |size: u32, rate: f64, secs: f64| Load {
            pool,
            size,
            acquire_timeout: Some(Duration::from_micros(2500)),
            command: command.clone(),
            arrivals: poisson(
                rate,
                Duration::ZERO,
                warmup + Duration::from_secs_f64(secs),
                7,
            ),
            warmup,
        };
        let s = drive(&load(4, 50.0, 4.0), &server.url())?;
        let late: Vec<f64> = s.iter().map(|s| ms(s.started)).collect();
        let get: Vec<f64> = s
            .iter()
            .filter_map(|s| s.acquired.map(|a| ms(a) - ms(s.started)))
            .collect();
        let hold: Vec<f64> = s
            .iter()
            .filter_map(|s| s.acquired.map(|a| ms(s.done) - ms(a)))
            .collect();
        for rate in [1016.0, 1355.0] {
            let delay = checkout_delay(pool, &server.url(), &command, rate)?;
            println!(
                "{}: the harness's checkout-delay probe at {rate}/s: {:.3} ms",
                pool.name(),
                delay.as_secs_f64() * 1e3
            );
        }
        println!("{} unloaded (pool 4, 50/s):", pool.name());
        println!("  task start after arrival {}", mean(&late));
        println!("  get() with an idle connection {}", mean(&get));
        println!("  hold {}", mean(&hold));
        let s = drive(&load(2, 1355.0, 5.0), &server.url())?;
        let late: Vec<f64> = s.iter().map(|s| ms(s.started)).collect();
        let wait: Vec<f64> = s.iter().filter_map(|s| s.acquired.map(ms)).collect();
        println!("{} contended (pool 2, 1355/s):", pool.name());
        println!("  task start after arrival {}", mean(&late));
        println!("  acquire wait {}", mean(&wait));
        println!("  hand-off after a return {}", mean(&handoffs(&s)));
    }
    Ok(())
}
