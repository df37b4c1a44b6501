//! Latencies read from data files (`dist = "samples"` and `"prometheus"`)
//! against what the data says.
//!
//! - A samples file: draws reproduce the file's quantiles (within the
//!   binomial bounds on an order statistic), and through the whole engine a
//!   single Redis shard with that service time and Poisson arrivals is an
//!   M/G/1 queue: its utilization is `lambda E[S]` and its mean queue wait the
//!   Pollaczek-Khinchine `lambda E[S^2] / (2 (1 - rho))`, with `E[S]` and
//!   `E[S^2]` the samples' own. Both checks are the Student-t 95% interval
//!   over replications.
//! - A Prometheus histogram whose bucket counts are computed here from an
//!   exponential law: the law read back is exactly the bucket-interpolated
//!   CDF, within one bucket's probability of the exponential, and its draws
//!   follow it.
//! - The data's content is part of the scenario: a changed file changes the
//!   scenario's `Debug` text (and so its hash).

use models::engine::run;
use models::scenario::{load, parse};
use models::validate::{NO_L1, ONE_SHARD_ALWAYS_HITS, POOL_NEVER_BINDS};
use sim::dist::Latency;
use sim::rng::Streams;
use sim::summary::Estimate;
use std::path::{Path, PathBuf};

/// A fresh folder for one test's files.
fn folder(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("latency_data-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();
    dir
}

/// 2,000 service times in nanoseconds: mostly 40 to 160 us, every tenth
/// 500 to 870 us, a law far from exponential or constant.
fn service_times_ns() -> Vec<u64> {
    (0..2000u64)
        .map(|i| {
            if i % 10 == 0 {
                500_000 + 37_000 * (i % 11)
            } else {
                40_000 + 10_000 * (i % 13)
            }
        })
        .collect()
}

/// The samples written in mixed units, with comments and blank lines.
fn samples_text(ns: &[u64]) -> String {
    let mut out = String::from("# redis GET service time, measured\n\n");
    for (i, t) in ns.iter().enumerate() {
        match i % 3 {
            0 => out.push_str(&format!("{}us\n", t / 1000)),
            1 => out.push_str(&format!("{}ms  # in ms\n", *t as f64 / 1e6)),
            _ => out.push_str(&format!("{t}ns\n")),
        }
    }
    out
}

fn one_shard(rate: f64, service: &str) -> String {
    format!(
        r#"[simulation]
duration = "20s"
warmup = "1s"
replications = 10
seed = 29

[workload]
rate = {rate}

{POOL_NEVER_BINDS}{NO_L1}{ONE_SHARD_ALWAYS_HITS}service_time = {service}
"#
    )
}

fn service_time(path: &Path) -> Latency {
    load(path, &[]).unwrap().redis.service_time
}

#[test]
fn samples_are_the_empirical_law_and_make_an_mg1_shard() {
    let dir = folder("samples");
    let ns = service_times_ns();
    std::fs::write(dir.join("data/get.txt"), samples_text(&ns)).unwrap();
    let n = ns.len() as f64;
    let es = ns.iter().map(|&t| t as f64 * 1e-9).sum::<f64>() / n;
    let es2 = ns.iter().map(|&t| (t as f64 * 1e-9).powi(2)).sum::<f64>() / n;
    let rho = 0.7;
    let rate = rho / es;
    let file = dir.join("mg1.toml");
    let service = r#"{ dist = "samples", file = "data/get.txt" }"#;
    std::fs::write(&file, one_shard(rate, service)).unwrap();
    let law = service_time(&file);
    assert!((law.mean_secs() / es - 1.0).abs() < 1e-12);
    assert!((law.second_moment_secs() / es2 - 1.0).abs() < 1e-12);

    // Quantiles of 200,000 draws against the file's order statistics: the
    // p-quantile of the draws lies between the file's quantiles at
    // p -+ 4.4 sqrt(p (1 - p) / draws) (two-sided 1e-5 each).
    let mut sorted = ns.clone();
    sorted.sort_unstable();
    let mut rng = Streams::new(3, 0).stream("draws");
    let draws = 200_000;
    let mut v: Vec<u64> = (0..draws).map(|_| law.sample(&mut rng).0).collect();
    v.sort_unstable();
    for p in [0.1, 0.5, 0.9, 0.95, 0.99] {
        let got = v[(p * draws as f64) as usize];
        let half = 4.4 * (p * (1.0 - p) / draws as f64).sqrt();
        let at = |q: f64| sorted[((q * n) as usize).min(sorted.len() - 1)];
        let (lo, hi) = (at(p - half), at(p + half));
        assert!(lo <= got && got <= hi, "p{p}: {got} ns not in [{lo}, {hi}]");
    }

    // Through the engine: M/G/1 on one shard.
    let report = run(&load(&file, &[]).unwrap()).unwrap();
    let metric = |name: &str| {
        let xs: Vec<f64> = report.replications.iter().map(|m| m[name]).collect();
        Estimate::from_samples(&xs)
    };
    let util = metric("redis.utilization");
    assert!(util.contains(rho), "utilization {util:?}, theory {rho}");
    let lambda = rate;
    let pk_ms = lambda * es2 / (2.0 * (1.0 - rho)) * 1e3;
    let wait = metric("redis.queue_wait.mean_ms");
    assert!(
        wait.contains(pk_ms),
        "mean queue wait {:.5} ± {:.5} ms, Pollaczek-Khinchine {pk_ms:.5} ms",
        wait.mean,
        wait.ci95
    );
    // A constant service time of the same mean (M/D/1) waits less than half
    // as long: the check tells the law apart.
    let md1 = lambda * es * es / (2.0 * (1.0 - rho)) * 1e3;
    assert!(!wait.contains(md1));
}

/// Bucket bounds (seconds) of the exported histogram.
const LE: [f64; 9] = [
    0.00025, 0.0005, 0.001, 0.0015, 0.002, 0.004, 0.008, 0.016, 0.05,
];

#[test]
fn a_prometheus_histogram_is_read_as_its_interpolated_cdf() {
    let dir = folder("prometheus");
    // Exponential with mean 1 ms; 100,000 observations split over two pods.
    let mean = 0.001;
    let total = 100_000.0;
    let exp_cdf = |x: f64| 1.0 - (-x / mean).exp();
    let counts: Vec<f64> = LE.iter().map(|&le| (total * exp_cdf(le)).round()).collect();
    let mut text = String::from(
        "# HELP redis_command_duration_seconds Time Redis spends on a command.\n\
         # TYPE redis_command_duration_seconds histogram\n",
    );
    for pod in ["a", "b"] {
        // Pod a holds 60% of each cumulative count (rounded), pod b the rest.
        for (le, c) in LE.iter().zip(&counts) {
            let part = if pod == "a" {
                (c * 0.6).round()
            } else {
                c - (c * 0.6).round()
            };
            text.push_str(&format!(
                "redis_command_duration_seconds_bucket{{cmd=\"get\",pod=\"{pod}\",le=\"{le}\"}} {part}\n"
            ));
        }
        let all = if pod == "a" {
            (total * 0.6).round()
        } else {
            total - (total * 0.6).round()
        };
        text.push_str(&format!(
            "redis_command_duration_seconds_bucket{{cmd=\"get\",pod=\"{pod}\",le=\"+Inf\"}} {all}\n"
        ));
        text.push_str(&format!(
            "redis_command_duration_seconds_count{{cmd=\"get\",pod=\"{pod}\"}} {all}\n"
        ));
    }
    assert_eq!(
        *counts.last().unwrap(),
        total,
        "the last bucket holds everything"
    );
    std::fs::write(dir.join("data/redis.prom"), text).unwrap();
    let file = dir.join("h.toml");
    let service = r#"{ dist = "prometheus", file = "data/redis.prom" }"#;
    std::fs::write(&file, one_shard(100.0, service)).unwrap();
    let Latency::Empirical(law) = service_time(&file) else {
        panic!("not an empirical law")
    };
    assert!(law.is_histogram());
    // At the bounds, the CDF is the summed counts over the total.
    for (le, c) in LE.iter().zip(&counts) {
        assert!((law.cdf(*le) - c / total).abs() < 1e-12, "F({le})");
    }
    // Inside a bucket it is linear, and within the bucket's own probability
    // (plus the counts' rounding, 0.5 / total) of the exponential's CDF.
    let mut lo = (0.0, 0.0);
    for (le, c) in LE.iter().zip(&counts) {
        let x = (lo.0 + le) / 2.0;
        let want = (lo.1 + c / total) / 2.0;
        assert!((law.cdf(x) - want).abs() < 1e-12, "F({x})");
        assert!((law.cdf(x) - exp_cdf(x)).abs() <= c / total - lo.1 + 0.5 / total);
        lo = (*le, c / total);
    }
    // Draws follow the interpolated CDF: at each bucket midpoint the share
    // of draws below is within 4.4 binomial standard errors (1e-5 each).
    let mut rng = Streams::new(5, 0).stream("draws");
    let draws = 200_000;
    let xs: Vec<f64> = (0..draws)
        .map(|_| law.sample(&mut rng).as_secs_f64())
        .collect();
    let mut lo = 0.0;
    for le in LE {
        let x = (lo + le) / 2.0;
        let f = law.cdf(x);
        let share = xs.iter().filter(|&&d| d <= x).count() as f64 / draws as f64;
        let se = (f * (1.0 - f) / draws as f64).sqrt();
        assert!(
            (share - f).abs() <= 4.4 * se + 1e-9,
            "F({x}) = {f}, drawn {share}"
        );
        lo = le;
    }
    assert!(xs.iter().all(|&x| x <= 0.05));
    // The mean of the interpolated law is the buckets' midpoints weighted.
    let mut m = 0.0;
    let mut lo = (0.0, 0.0);
    for (le, c) in LE.iter().zip(&counts) {
        m += (c / total - lo.1) * (lo.0 + le) / 2.0;
        lo = (*le, c / total);
    }
    assert!((law.moment(1) / m - 1.0).abs() < 1e-12);
}

#[test]
fn a_changed_data_file_changes_the_scenario() {
    let dir = folder("hash");
    let file = dir.join("s.toml");
    let service = r#"{ dist = "samples", file = "data/s.txt" }"#;
    std::fs::write(&file, one_shard(100.0, service)).unwrap();
    std::fs::write(dir.join("data/s.txt"), "1ms\n2ms\n").unwrap();
    let a = load(&file, &[]).unwrap();
    std::fs::write(
        dir.join("data/s.txt"),
        "# a comment changes nothing\n1ms\n2ms\n",
    )
    .unwrap();
    let same = load(&file, &[]).unwrap();
    std::fs::write(dir.join("data/s.txt"), "1ms\n3ms\n").unwrap();
    let b = load(&file, &[]).unwrap();
    assert_eq!(format!("{a:?}"), format!("{same:?}"));
    assert_ne!(format!("{a:?}"), format!("{b:?}"));
    // The text without data files is untouched by the new variants.
    let plain = parse(&one_shard(100.0, "\"100us\""), "p.toml", "p", &[]).unwrap();
    assert!(!format!("{plain:?}").contains("Empirical"));
}
