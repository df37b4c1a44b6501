//! The CI-sized validation against a real Redis: runs when
//! `CAPSIM_REAL_REDIS=1` (`.ci/run` sets it and installs `redis-server`);
//! otherwise each test says it was skipped.
//!
//! The grid of pools and loads (measured against predicted latency, hold
//! time and acquire wait) is not asserted here: on a shared two-core machine
//! its run-to-run spread reaches 30%, and its acquire-wait figures are not
//! within the targets (see the book's chapter "Does capsim match my
//! Redis?"); `cargo run -p capsim-validation --release` prints it.
//!
//! - The idle-eviction incident (`timeout 2`, bursts 5 s apart): bb8 without
//!   test on checkout fails, with it and deadpool recover; capsim's presets
//!   predict both.

use capsim_validation::compare::incident;
use capsim_validation::drive::PoolKind;
use capsim_validation::server::{installed, RedisServer};

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
