//! The finite database against queueing theory, through the whole engine.
//!
//! The scenario isolates the database: every read misses L1 and Redis, the
//! network and Redis take no time, and the pool is far larger than the
//! connections in use, so the only queue is the database's. Reads reach it
//! as the Poisson arrivals themselves, and it is M/M/n (Erlang C) with no
//! queue timeout, M/M/n+D with one.
//!
//! Each check is a Student-t 95% interval over replications, from the
//! engine's own `ci95` or from the per-replication values; the seed is
//! fixed, so a failure is deterministic and is a disagreement at that
//! confidence for that sample.

use models::engine::run;
use models::scenario::parse;
use sim::queueing::{erlang_c, mmn_d};
use sim::summary::Estimate;

/// Workers, query rate per second and mean query time in ms of the checks.
const WORKERS: u32 = 10;
const MEAN_MS: f64 = 10.0;

/// `rate` reads/s, all into a database of `WORKERS` workers with
/// exponential `MEAN_MS` queries, and `extra` lines in `[database]`.
fn scenario(rate: f64, extra: &str) -> models::scenario::Scenario {
    let text = format!(
        r#"[simulation]
duration = "200s"
warmup = "2s"
replications = 10
seed = 11

[workload]
rate = {rate}

[pool]
max_total = 1000
acquire_timeout = "none"

[network]
rtt = "0us"

[redis]
hit_ratio = 0.0
service_time = "0us"
accept_cost = "0us"

[l1]
hit_ratio = 0.0
lookup_time = "0us"

[database]
latency = {{ dist = "exponential", mean = "{MEAN_MS}ms" }}
concurrency = {WORKERS}
{extra}
"#
    );
    parse(&text, "database-theory.toml", "database-theory", &[]).expect("the scenario is valid")
}

/// Concurrency 10, exponential 10 ms queries, 800 misses/s: M/M/10 at 8
/// erlangs. Erlang C gives the probability that a query waits, and the mean
/// wait is `C / (n mu - lambda)` (about 2.05 ms).
#[test]
fn mean_queue_wait_is_erlang_c() {
    let lambda = 800.0;
    let mu = 1000.0 / MEAN_MS;
    let c = erlang_c(WORKERS, lambda / mu);
    let wait_ms = 1000.0 * c / (f64::from(WORKERS) * mu - lambda);
    let r = run(&scenario(lambda, "")).expect("the run completes");
    let (mean, ci) = (
        r.metrics["database.queue_wait.mean_ms"],
        r.ci95["database.queue_wait.mean_ms"],
    );
    eprintln!(
        "M/M/10: Erlang C {c:.4}, mean wait {wait_ms:.4} ms; simulated {mean:.4} ± {ci:.4} ms"
    );
    assert!(
        (2.0..2.1).contains(&wait_ms),
        "the case is the one described"
    );
    assert!(
        (mean - wait_ms).abs() <= ci,
        "queue wait {mean} ± {ci} ms, Erlang C {wait_ms} ms"
    );
    // Utilisation is the offered load per worker, 0.8.
    let (u, uci) = (
        r.metrics["database.utilization"],
        r.ci95["database.utilization"],
    );
    let rho = lambda / (f64::from(WORKERS) * mu);
    assert!((u - rho).abs() <= uci, "utilisation {u} ± {uci}, rho {rho}");
    // No queue timeout: nothing fails, every request succeeds.
    assert_eq!(r.metrics["database.timeouts"], 0.0);
    assert_eq!(r.metrics["requests.failed"], 0.0);
    // Only the database queues.
    assert_eq!(r.metrics["pool.wait_ratio"], 0.0);
}

/// With a queue timeout the database is M/M/n+D: 950 misses/s (9.5 erlangs
/// on 10 workers) and a 3 ms timeout. The share of queries that time out
/// is the abandonment probability, and the mean wait of the queries a
/// worker took is M/M/n+D's mean wait of the served.
#[test]
fn queue_timeout_is_mmn_d() {
    let (lambda, tau_ms) = (950.0, 3.0);
    let mu = 1000.0 / MEAN_MS;
    let theory = mmn_d(WORKERS, lambda, mu, tau_ms / 1000.0);
    let r = run(&scenario(
        lambda,
        &format!("queue_timeout = \"{tau_ms}ms\""),
    ))
    .unwrap();
    // The share of queries that timed out, per replication, and its
    // Student-t interval over them.
    let abandon = Estimate {
        mean: r.metrics["database.timeout_ratio"],
        ci95: r.ci95["database.timeout_ratio"],
    };
    let (wait, wci) = (
        r.metrics["database.queue_wait.mean_ms"],
        r.ci95["database.queue_wait.mean_ms"],
    );
    let served_ms = 1000.0 * theory.mean_wait_served;
    eprintln!(
        "M/M/10+D: P(abandon) {:.5}, simulated {:.5} ± {:.5}; mean wait of the served {served_ms:.4} ms, simulated {wait:.4} ± {wci:.4}",
        theory.p_abandon, abandon.mean, abandon.ci95
    );
    assert!(
        (abandon.mean - theory.p_abandon).abs() <= abandon.ci95,
        "timeouts {} ± {}, M/M/n+D {}",
        abandon.mean,
        abandon.ci95,
        theory.p_abandon
    );
    assert!(
        (wait - served_ms).abs() <= wci,
        "queue wait {wait} ± {wci} ms, M/M/n+D {served_ms} ms"
    );
    // Each timed-out query fails its request, and nothing else fails.
    assert_eq!(
        r.metrics["errors.database_timeout"],
        r.metrics["requests.failed"]
    );
    assert!(r.metrics["database.timeouts"] > 0.0);
}

/// An unlimited database (the default) reports none of the finite
/// database's metrics, and `database.queue_timeout` needs a concurrency.
#[test]
fn an_unlimited_database_reports_no_database_metrics() {
    let text = "[workload]\nrate = 100\n[redis]\nhit_ratio = 0.5\n";
    let sc = parse(text, "t.toml", "t", &[]).unwrap();
    assert_eq!(sc.database.concurrency, None);
    let m = run(&sc).unwrap().metrics;
    for name in models::metrics::DATABASE.names {
        assert!(!m.contains_key(*name), "{name}");
    }
    let bad = "[workload]\nrate = 100\n[database]\nqueue_timeout = \"5ms\"\n";
    let err = parse(bad, "t.toml", "t", &[]).unwrap_err().to_string();
    assert!(err.contains("t.toml:4"), "{err}");
    assert!(err.contains("queue_timeout"), "{err}");
}
