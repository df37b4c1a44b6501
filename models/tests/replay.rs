//! Recorded arrivals (`workload.arrivals`) replayed exactly: deterministic
//! captures whose queueing can be worked out by hand.
//!
//! The pool has one connection, round trips take exactly 1 ms, Redis and the
//! L1 take no time, so a request holds the connection exactly 1 ms. Waits
//! are read from the acquire-wait histogram, whose values keep three
//! significant digits: its mean is exact to 1 part in 1000.

use models::engine::run;
use models::scenario::load;
use std::path::{Path, PathBuf};

mod common;
use common::{scratch as dir, write_replay};

/// Writes `times` (seconds) as a capture, from an epoch-like origin with
/// microseconds, in shuffled order (the reader sorts), and a scenario
/// replaying it at `speed` after `warmup`.
fn scenario(d: &Path, times: &[f64], speed: f64, warmup: &str) -> PathBuf {
    let mut lines: Vec<String> = times
        .iter()
        .map(|t| format!("{:.6}", 1_733_150_000.0 + t))
        .collect();
    lines.reverse();
    write_replay(
        d,
        &lines,
        &format!(
            r#"[simulation]
duration = "20s"
warmup = "{warmup}"
[workload]
arrivals = {{ file = "capture.txt", speed = {speed:?} }}
[pool]
max_total = 1
[network]
rtt = {{ dist = "constant", value = "1ms" }}
[redis]
service_time = "0s"
accept_cost = "0s"
[l1]
lookup_time = "0s"
"#
        ),
    )
}

/// A lone request at 0, then `bursts` bursts of 5 requests at the same
/// instant, from 1 s, `gap` seconds apart.
fn bursts(bursts: usize, gap: f64) -> Vec<f64> {
    let mut t = vec![0.0];
    for b in 0..bursts {
        t.extend([1.0 + b as f64 * gap; 5]);
    }
    t
}

/// Five requests at one instant on one connection held 1 ms each wait 0,
/// 1, 2, 3 and 4 ms; the lone first request waits for its connection to
/// open: two round trips, 2 ms. Bursts 10 ms apart never overlap.
#[test]
fn bursts_on_one_connection_wait_as_worked_out_by_hand() {
    let b = 500;
    let d = dir("bursts");
    let sc = load(&scenario(&d, &bursts(b, 0.010), 1.0, "0s"), &[]).unwrap();
    let r = run(&sc).unwrap();
    let n = (1 + 5 * b) as f64;
    assert_eq!(r.metrics["requests.arrived"], n);
    let want = (2.0 + 10.0 * b as f64) / n;
    let got = r.metrics["pool.acquire_wait.mean_ms"];
    eprintln!("acquire wait mean {got} ms, by hand {want} ms");
    assert!((got - want).abs() <= want * 1e-3, "{got} vs {want}");
    let max = r.metrics["pool.acquire_wait.max_ms"];
    assert!((max - 4.0).abs() <= 4e-3, "max wait {max}");
}

/// `speed` divides the recorded times: at 1.5 the bursts come 6.7 ms apart,
/// still more than the 5 ms each needs, so every wait is the same; the
/// capture's mean rate, which the warm-up and `capsim check` use, is 1.5
/// times higher.
#[test]
fn speed_compresses_the_capture_and_keeps_its_shape() {
    let d = dir("speed");
    let times = bursts(300, 0.010);
    let slow = load(&scenario(&d, &times, 1.0, "0s"), &[]).unwrap();
    let fast = load(&scenario(&d, &times, 1.5, "0s"), &[]).unwrap();
    let span = 1.0 + 299.0 * 0.010;
    let n = times.len() as f64;
    assert!((slow.workload.rate - n / span).abs() < 1e-6 * n);
    assert!((fast.workload.rate - 1.5 * n / span).abs() < 1e-6 * n);
    let (a, b) = (run(&slow).unwrap(), run(&fast).unwrap());
    assert_eq!(a.metrics["requests.arrived"], n);
    assert_eq!(b.metrics["requests.arrived"], n);
    assert_eq!(
        a.metrics["pool.acquire_wait.mean_ms"],
        b.metrics["pool.acquire_wait.mean_ms"]
    );
}

/// With a warm-up, Poisson arrivals at the capture's mean rate warm the
/// pool, and the capture starts when measuring starts: exactly its requests
/// are counted, and the lone first one finds the connection open.
#[test]
fn the_capture_starts_after_the_warm_up() {
    let d = dir("warmup");
    let times: Vec<f64> = (0..400).map(|i| i as f64 * 0.020).collect();
    let sc = load(&scenario(&d, &times, 1.0, "2s"), &[]).unwrap();
    let r = run(&sc).unwrap();
    assert_eq!(r.metrics["requests.arrived"], 400.0);
    // Requests 20 ms apart, each holding 1 ms, never wait; the warm-up's
    // last requests are done long before (a wait would be one of them
    // overlapping the first recorded request by chance; 1 ms in 20 ms).
    assert!(r.metrics["pool.acquire_wait.max_ms"] <= 1.0);
    assert_eq!(r.metrics["connections.created"], 0.0);
}

/// The same capture gives the same bytes of metrics on every run.
#[test]
fn a_replay_is_deterministic() {
    let d = dir("determinism");
    let sc = load(&scenario(&d, &bursts(100, 0.013), 1.0, "1s"), &[]).unwrap();
    let (a, b) = (run(&sc).unwrap(), run(&sc).unwrap());
    assert_eq!(format!("{:?}", a.metrics), format!("{:?}", b.metrics));
}
