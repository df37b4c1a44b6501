//! The keys a calibration against a real Redis needs, each isolated and
//! checked against a hand-computed expectation: the per-command event-loop
//! overhead, a PING's own cost, a pool that keeps a failed connection, and
//! the client's timer resolution.
//!
//! One pod with one connection serialises every command, so Redis never
//! queues and each hold time follows from the settings alone.

use sim::dist::Latency;
use sim::time::SimTime;

mod common;
use common::{gap_scenario, m, run};

fn us(n: u64) -> Latency {
    Latency::Constant(SimTime::from_micros(n))
}

#[test]
fn the_overhead_is_added_to_every_command_and_ping_and_a_ping_has_its_own_cost() {
    let mut sc = gap_scenario();
    sc.redis.service_time = us(100);
    sc.redis.command_overhead = us(30);
    sc.pool.life.test_on_borrow = true;
    // PING at a command's cost: (1 ms + 130 us) twice.
    let same = run(&sc);
    assert!((m(&same, "pool.hold.mean_ms") - 2.26).abs() < 1e-9);
    // PING at 5 us: 1 ms + 35 us, then the command's 1 ms + 130 us.
    sc.redis.ping_time = Some(us(5));
    let own = run(&sc);
    assert!((m(&own, "pool.hold.mean_ms") - 2.165).abs() < 1e-9);
    // Two event-loop commands per request, PINGs included, and the accept
    // of the one connection.
    assert_eq!(
        m(&own, "redis.commands"),
        2.0 * m(&own, "requests.arrived") + m(&own, "connections.created")
    );
    // Without overhead and test on borrow: the command alone.
    sc.redis.command_overhead = us(0);
    sc.pool.life.test_on_borrow = false;
    let bare = run(&sc);
    assert!((m(&bare, "pool.hold.mean_ms") - 1.1).abs() < 1e-9);
}

#[test]
fn a_pool_that_keeps_a_failed_connection_fails_every_request_after_the_server_closed_it() {
    let mut sc = gap_scenario();
    sc.redis.timeout = Some(SimTime::from_secs(60));
    // Closed and replaced: only the first request after the silence fails.
    let replaced = run(&sc);
    assert_eq!(m(&replaced, "errors.stale_connection"), 1.0);
    // Kept (bb8 with bb8-redis and no test on check-out): every request
    // after the silence gets the dead connection back.
    sc.pool.life.keep_failed = true;
    let kept = run(&sc);
    let after_gap = m(&kept, "requests.arrived") - m(&kept, "requests.ok");
    assert!(after_gap > 50.0, "{after_gap}");
    assert_eq!(m(&kept, "errors.stale_connection"), after_gap);
    assert_eq!(m(&kept, "requests.failed"), after_gap);
    assert_eq!(m(&kept, "connections.created"), 1.0);
    // With a PING on checkout the dead connection is closed and replaced.
    sc.pool.life.test_on_borrow = true;
    let tested = run(&sc);
    assert_eq!(m(&tested, "requests.failed"), 0.0);
    assert_eq!(m(&tested, "connections.created"), 2.0);
}

#[test]
fn an_acquire_timeout_fires_on_the_next_timer_tick() {
    // One connection held 10 ms per request (service time), 1000 requests/s:
    // the pool is overloaded and most waiters time out.
    let mut sc = gap_scenario();
    sc.workload.profile.clear();
    sc.simulation.duration = SimTime::from_secs(2);
    sc.workload.rate = 1000.0;
    sc.redis.service_time = Latency::Constant(SimTime::from_millis(10));
    sc.pool.acquire_timeout = Some(SimTime::from_micros(2500));
    // Exact timers: no successful wait is longer than the timeout (the
    // histogram keeps 3 significant digits).
    let exact = run(&sc);
    assert!(m(&exact, "errors.pool_timeout") > 100.0);
    assert!(m(&exact, "pool.acquire_wait.max_ms") <= 2.5 * 1.001);
    // 1 ms ticks: a timer set for 2.5 ms after a wait began fires on the
    // next whole millisecond, 2.5 to 3.5 ms after it; a connection freed
    // meanwhile still serves the waiter.
    sc.client.timer_resolution = SimTime::from_millis(1);
    let ticked = run(&sc);
    assert!(m(&ticked, "errors.pool_timeout") > 100.0);
    let max = m(&ticked, "pool.acquire_wait.max_ms");
    assert!(max > 2.6 && max <= 3.5 * 1.001, "{max}");
}
