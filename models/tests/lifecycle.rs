//! Connection-lifecycle mechanisms, each isolated and checked against a
//! hand-computed expectation.
//!
//! The scenarios use constant round trips, zero service time and traffic
//! profiles with long silences, so the expected values follow from the
//! settings alone.

use models::engine;
use models::scenario::{CheckoutCheck, ErrorCause, Jitter, OnIdle};
use sim::time::SimTime;

mod common;
use common::{gap_scenario, m, run};

#[test]
fn a_connection_dropped_by_a_middlebox_fails_once_after_the_socket_timeout() {
    let mut sc = gap_scenario();
    sc.network.idle_timeout = Some(SimTime::from_secs(350));
    sc.network.on_idle = OnIdle::Drop;
    // Redis's default 300 s keepalive would keep the 350 s middlebox state
    // alive (see the next test): this fleet has it off.
    sc.redis.tcp_keepalive = None;
    sc.client.socket_timeout = Some(SimTime::from_secs(1));
    // One retry, at once, so the request's latency shows the timeout; a
    // fail-fast pool, so requests arriving meanwhile fail at once instead of
    // queueing ahead of the retry.
    sc.pool.when_exhausted = models::scenario::WhenExhausted::Fail;
    sc.client.retries = 1;
    sc.client.backoff.base = SimTime::ZERO;
    sc.client.backoff.jitter = Jitter::None;
    let r = run(&sc);
    assert_eq!(m(&r, "errors.socket_timeout"), 1.0);
    assert_eq!(m(&r, "requests.retries"), 1.0);
    assert_eq!(m(&r, "requests.failed"), m(&r, "errors.pool_exhausted"));
    // The unlucky request: 1 s socket timeout, then a new connection (2 round
    // trips + 20 us accept) and its command (1 round trip).
    let want_ms = 1000.0 + 2.0 + 0.020 + 1.0;
    let max = m(&r, "latency.max_ms");
    assert!(
        (max - want_ms).abs() <= want_ms * 1e-3,
        "max latency {max} ms, want {want_ms}"
    );
}

#[test]
fn keepalive_shorter_than_the_middlebox_timeout_keeps_connections_alive() {
    let mut sc = gap_scenario();
    sc.network.idle_timeout = Some(SimTime::from_secs(350));
    sc.redis.tcp_keepalive = Some(SimTime::from_secs(300));
    let alive = run(&sc);
    assert_eq!(m(&alive, "errors.socket_timeout"), 0.0);
    sc.redis.tcp_keepalive = Some(SimTime::from_secs(400));
    let dead = run(&sc);
    assert_eq!(m(&dead, "errors.socket_timeout"), 1.0);
}

#[test]
fn a_reset_fails_after_one_round_trip_and_peeking_does_not_help() {
    let mut sc = gap_scenario();
    sc.redis.tcp_keepalive = None;
    sc.network.idle_timeout = Some(SimTime::from_secs(350));
    sc.network.on_idle = OnIdle::Reset;
    sc.pool.life.checkout_check = CheckoutCheck::Peek;
    let r = run(&sc);
    assert_eq!(m(&r, "errors.stale_connection"), 1.0);
    assert_eq!(m(&r, "requests.failed"), 1.0);
}

#[test]
fn a_server_idle_timeout_gives_eof_unless_the_pool_peeks() {
    let mut sc = gap_scenario();
    sc.redis.timeout = Some(SimTime::from_secs(60));
    let eof = run(&sc);
    assert_eq!(m(&eof, "errors.stale_connection"), 1.0);
    sc.pool.life.checkout_check = CheckoutCheck::Peek;
    let peek = run(&sc);
    assert_eq!(m(&peek, "errors.stale_connection"), 0.0);
    assert_eq!(m(&peek, "requests.failed"), 0.0);
    // The closed connection was replaced: two created, one closed.
    assert_eq!(m(&peek, "connections.created"), 2.0);
    assert_eq!(m(&peek, "connections.closed"), 1.0);
}

#[test]
fn the_evictor_closes_an_idle_connection_between_60_and_90_seconds() {
    let mut sc = gap_scenario();
    sc.pool.life.eviction_interval = Some(SimTime::from_secs(30));
    sc.pool.life.min_evictable_idle = Some(SimTime::from_secs(60));
    sc.pool.life.tests_per_eviction_run = -1;
    let r = run(&sc);
    // The connection is idle from about t = 5 s; runs at 30, 60, 90 s: it has
    // been idle over 60 s only at the run at 90 s.
    let open = &r.series.values.iter().find(|(n, _)| n == "open").unwrap().1;
    // Bucket 0 holds the first open; after it the connection stays open until evicted.
    let closed_at = open.iter().skip(1).position(|&v| v < 1.0).expect("closed") as f64 + 1.0;
    assert!(
        closed_at > 60.0 && closed_at <= 90.0,
        "closed in bucket {closed_at}"
    );
    assert!(open[60] > 0.99 && open[91] == 0.0, "{:?}", &open[55..95]);
    // Traffic at 405 s opens a new one.
    assert_eq!(m(&r, "connections.created"), 2.0);
}

#[test]
fn test_on_borrow_adds_exactly_one_ping_per_borrow() {
    let mut sc = gap_scenario();
    let plain = run(&sc);
    sc.pool.life.test_on_borrow = true;
    let tested = run(&sc);
    let borrows = m(&tested, "pool.checkouts");
    assert!(borrows > 100.0);
    assert_eq!(m(&tested, "pool.pings"), borrows);
    assert_eq!(
        m(&tested, "redis.commands"),
        m(&plain, "redis.commands") + borrows
    );
}

#[test]
fn maxclients_refuses_connections_over_the_limit() {
    let mut sc = gap_scenario();
    sc.pods.count = 4;
    sc.pool.max_total = 10;
    sc.workload.rate = 20_000.0;
    sc.workload.profile.clear();
    sc.simulation.duration = SimTime::from_secs(2);
    sc.redis.maxclients = 25;
    let r = run(&sc);
    assert!(m(&r, "errors.max_clients") > 0.0);
    // Never more than 25 accepted at once: the fleet's open connections can
    // exceed it only by those being refused.
    assert!(m(&r, "connections.open.mean") <= 40.0);
}

#[test]
fn full_jitter_stays_within_zero_and_the_cap() {
    let mut rng = sim::rng::Streams::new(1, 0).stream("t");
    let cap = SimTime::from_millis(100);
    let (mut lo, mut hi) = (u64::MAX, 0);
    for _ in 0..100_000 {
        let s = engine::client::jittered(cap, Jitter::Full, &mut rng).0;
        lo = lo.min(s);
        hi = hi.max(s);
        let e = engine::client::jittered(cap, Jitter::Equal, &mut rng).0;
        assert!(e >= cap.0 / 2 && e <= cap.0);
    }
    assert!(hi <= cap.0);
    // 100,000 uniform draws: the extremes are within 0.01% of the ends with
    // probability 1 - 2 e^-10.
    assert!(
        lo < cap.0 / 10_000 && hi > cap.0 - cap.0 / 10_000,
        "{lo} {hi}"
    );
    assert_eq!(engine::client::jittered(cap, Jitter::None, &mut rng), cap);
}

#[test]
fn retry_causes_are_respected() {
    let mut sc = gap_scenario();
    sc.redis.timeout = Some(SimTime::from_secs(60));
    sc.client.retries = 3;
    sc.client.retry_on = vec![ErrorCause::SocketTimeout];
    let r = run(&sc);
    assert_eq!(m(&r, "errors.stale_connection"), 1.0);
    assert_eq!(m(&r, "requests.retries"), 0.0);
    sc.client.retry_on = vec![ErrorCause::StaleConnection];
    let r = run(&sc);
    assert_eq!(m(&r, "requests.retries"), 1.0);
    assert_eq!(m(&r, "requests.failed"), 0.0);
}
