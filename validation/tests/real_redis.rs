//! The CI-sized validation against a real Redis: runs when
//! `CAPSIM_REAL_REDIS=1` (`.ci/run` sets it and installs `redis-server`);
//! otherwise each test says it was skipped.
//!
//! - One point of the grid (`cargo run -p capsim-validation --release`
//!   prints all eight, see the book's chapter "Does capsim match my
//!   Redis?"): bb8 without its PING on checkout, a pool of 2 at 80% load, a
//!   2.5 ms acquire timeout, against a `DEBUG SLEEP 0.0005` Redis calibrated
//!   by `capsim calibrate`. capsim must predict the mean latency and hold
//!   time within 25% and the mean acquire wait within 35% (the calibration
//!   issue's targets), each widened by twice the relative standard deviation
//!   of the three measured runs, so a noisy machine's spread is allowed for
//!   and not mistaken for a model error. On a quiet machine the errors were
//!   +2%, +3% and +0% with spreads of 2%, 1% and 4%.
//! - The idle-eviction incident (`timeout 2`, bursts 5 s apart): bb8 without
//!   test on checkout fails, with it and deadpool recover; capsim's presets
//!   predict both.
//!
//! The two run one after the other (a lock), since both load the machine.

use capsim_validation::compare::{incident, mean_sd, rel, row, Point};
use capsim_validation::drive::{Measured, PoolKind};
use capsim_validation::server::{installed, RedisServer};
use std::sync::Mutex;
use std::time::Duration;

/// Held by each test while it loads the machine.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

fn enabled() -> bool {
    if std::env::var_os("CAPSIM_REAL_REDIS").is_none() {
        eprintln!("skipped: set CAPSIM_REAL_REDIS=1 to run against a real redis-server");
        return false;
    }
    assert!(
        installed(),
        "redis-server is not installed (.ci/run installs it)"
    );
    true
}

#[test]
fn the_idle_eviction_incident_fails_bb8_without_test_and_capsim_predicts_it() {
    if !enabled() {
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let server = RedisServer::start(&["--timeout", "2"]).unwrap();
    let calibrated = capsim_validation::calibrate(&server).unwrap();
    let kinds = [
        (
            PoolKind::Bb8 {
                test_on_check_out: false,
            },
            true,
        ),
        (
            PoolKind::Bb8 {
                test_on_check_out: true,
            },
            false,
        ),
        (PoolKind::Deadpool, false),
    ];
    for (pool, fails) in kinds {
        let (m, p) = incident(&server, &calibrated, pool).unwrap();
        println!(
            "{}: failed {:.0}% of {} measured, {:.0}% predicted",
            pool.name(),
            m.failed_ratio * 100.0,
            m.requests,
            p.failed_ratio * 100.0
        );
        // Three bursts, the last two after the server closed every idle
        // connection: a pool that keeps the dead connections fails both
        // (about two thirds of the requests); one that tests them fails none.
        if fails {
            assert!(m.failed_ratio > 0.5, "{}: measured {m:?}", pool.name());
            assert!(p.failed_ratio > 0.5, "{}: predicted {p:?}", pool.name());
        } else {
            assert!(m.failed_ratio < 0.05, "{}: measured {m:?}", pool.name());
            assert!(p.failed_ratio < 0.05, "{}: predicted {p:?}", pool.name());
        }
    }
}

#[test]
fn bb8_pool_of_2_at_80_percent_load_is_predicted_within_the_targets() {
    if !enabled() {
        return;
    }
    let _one = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let server = RedisServer::start(&[]).unwrap();
    let calibrated = capsim_validation::calibrate(&server).unwrap();
    let point = Point {
        pool: PoolKind::Bb8 {
            test_on_check_out: false,
        },
        size: 2,
        load: 0.8,
        acquire_timeout: Some(Duration::from_micros(2500)),
    };
    let r = row(&server, &calibrated, point, 3, 4.0).unwrap();
    let runs = |of: fn(&Measured) -> f64| r.runs.iter().map(of).collect::<Vec<_>>();
    let figures = [
        (
            "mean latency",
            runs(|m| m.latency_ms),
            r.predicted.latency_ms,
            0.25,
        ),
        ("hold time", runs(|m| m.hold_ms), r.predicted.hold_ms, 0.25),
        (
            "acquire wait",
            runs(|m| m.wait_ms),
            r.predicted.wait_ms,
            0.35,
        ),
    ];
    for (name, measured, predicted, target) in figures {
        let (mean, sd) = mean_sd(&measured);
        let spread = sd / mean;
        let error = rel(predicted, mean);
        println!(
            "{name}: measured {mean:.3} ms (spread {:.0}%), capsim {predicted:.3} ms, \
             error {:+.0}% (allowed {:.0}%)",
            spread * 100.0,
            error * 100.0,
            (target + 2.0 * spread) * 100.0
        );
        assert!(
            error.abs() <= target + 2.0 * spread,
            "{name}: measured {mean:.3} ms (sd {sd:.3} over {} runs), capsim {predicted:.3} ms",
            r.runs.len()
        );
    }
}
