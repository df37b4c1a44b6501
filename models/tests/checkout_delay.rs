//! The client's own time before a checkout (`client.checkout_delay`).
//!
//! A constant delay `d` before every checkout shifts every request's arrival
//! at the pool by `d` and changes nothing else: the pool, Redis and the
//! timeouts see the same arrivals `d` later. So with and without it, and
//! the same seed, the hold and the timeouts are equal, and the acquire wait
//! and the latency are `d` longer (the wait counts from the checkout's start,
//! as a pool's caller measures it).

use models::engine::run;
use models::scenario::{parse, Scenario};

/// A pool of 2 near its limit with a 2.5 ms acquire timeout.
fn scenario(delay: &str) -> Scenario {
    let text = format!(
        r#"[simulation]
duration = "20s"
warmup = "1s"
replications = 4
seed = 17

[workload]
rate = 1300

[pool]
max_total = 2
min_idle = 2
acquire_timeout = "2500us"

[network]
rtt = {{ dist = "exponential", mean = "30us" }}

[l1]
hit_ratio = 0.0
lookup_time = "0us"

[redis]
service_time = {{ dist = "exponential", mean = "590us" }}

[client]
checkout_delay = "{delay}"
"#
    );
    parse(&text, "delay.toml", "delay", &[]).expect("the scenario is valid")
}

#[test]
fn a_constant_delay_adds_itself_to_the_wait_and_the_latency_only() {
    let without = run(&scenario("0s")).unwrap();
    let with = run(&scenario("150us")).unwrap();
    // The same requests arrive; the window that measures Redis's side cuts
    // the shifted run `d` later, so a fraction d / duration (1e-5) of the
    // work and of the waits falls on the other side of its edges.
    assert_eq!(
        without.metrics["requests.arrived"],
        with.metrics["requests.arrived"]
    );
    let close = |k: &str| {
        let (a, b) = (without.metrics[k], with.metrics[k]);
        eprintln!("{k}: {a} without, {b} with");
        assert!((a - b).abs() <= 1e-4 * a, "{k}: {a} vs {b}");
    };
    for k in [
        "pool.timeout_ratio",
        "pool.hold.mean_ms",
        "redis.utilization",
        "redis.queue_wait.mean_ms",
    ] {
        close(k);
    }
    // The mean wait is over the checkouts that got a connection, the mean
    // latency over the requests that succeeded: the same ones either way.
    let wait =
        with.metrics["pool.acquire_wait.mean_ms"] - without.metrics["pool.acquire_wait.mean_ms"];
    let latency = with.metrics["latency.mean_ms"] - without.metrics["latency.mean_ms"];
    eprintln!("wait +{wait} ms, latency +{latency} ms");
    // The wait's mean comes from a histogram that keeps three significant
    // digits (2e-3 of the mean covers both runs' rounding).
    assert!(
        (wait - 0.150).abs() <= 2e-3 * with.metrics["pool.acquire_wait.mean_ms"],
        "wait +{wait}"
    );
    assert!((latency - 0.150).abs() < 1e-4, "latency +{latency}");
}

/// Refused with a multiplexed client, which checks nothing out.
#[test]
fn a_multiplexed_client_refuses_it() {
    let text = "[workload]\nrate = 100\n[client]\ntransport = \"multiplexed\"\ncheckout_delay = \"100us\"\n";
    let e = parse(text, "m.toml", "m", &[]).unwrap_err().to_string();
    assert!(e.contains("[client] checkout_delay"), "{e}");
}
