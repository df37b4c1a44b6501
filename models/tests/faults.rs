//! Faults and dead-peer detection: the blackhole incident with Lettuce's
//! defaults and Linux's TCP defaults, its fix, a pool under the same fault,
//! restarts, slow shards, and the presets' values.

use models::engine::collect::Collector;
use models::engine::{run, run_replication};
use models::scenario::{parse, Scenario, Transport};
use sim::time::SimTime;

/// One pod, Poisson arrivals at `rate`, a primary that vanishes 60 s into
/// the measured window; `extra` adds or overrides keys.
fn blackhole(preset: &str, rate: f64, extra: &str) -> Scenario {
    let text = format!(
        r#"[simulation]
duration = "1100s"
warmup = "1s"
bucket = "5s"

[workload]
rate = {rate}

[pool]
preset = "{preset}"

[network]
rtt = "500us"
{extra}

[redis]
service_time = "50us"

[l1]
lookup_time = "0s"

[[faults]]
at = "60s"
kind = "blackhole"
"#
    );
    parse(&text, "b.toml", "b", &[]).unwrap()
}

/// The start (in seconds from the window's start) of the buckets with
/// failed requests.
fn failing_buckets(c: &Collector) -> Vec<f64> {
    let width = c.series.failed.width().as_secs_f64();
    c.series
        .failed
        .sums()
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0.0)
        .map(|(i, _)| i as f64 * width)
        .collect()
}

#[test]
fn lettuce_with_linux_defaults_fails_until_the_kernel_gives_up() {
    // Linux gives up on the first lost write after 924.6 s (tcp_retries2 =
    // 15); meanwhile every command waits out Lettuce's 60 s timeout. The
    // first write after the fault comes within a few interarrival times
    // (50/s: far under 1 s), so the death is 924.6 s to 925.6 s after it.
    let sc = blackhole("lettuce", 50.0, "");
    assert_eq!(sc.client.transport, Transport::Multiplexed);
    let c = run_replication(&sc, 0).unwrap();
    assert_eq!(c.detected, 1);
    let detect = c.detect_sum.as_secs_f64();
    assert!((924.6..925.6).contains(&detect), "{detect}");
    assert_eq!(c.reconnects, 1);
    let buckets = failing_buckets(&c);
    // From the first timeouts (60 s after the fault, at 120 s) until the
    // reconnect (about 60 + 924.6 = 984.6 s), and no later.
    assert_eq!(buckets.first().copied(), Some(120.0));
    let last = buckets.last().copied().unwrap();
    assert!((980.0..=985.0).contains(&last), "{last}");
    let failed: u64 = c.failed.iter().sum();
    // Every request issued in the 864.6 s from the fault to 60 s before the
    // death fails (about 50/s of them); none other does.
    let expected = 50.0 * (924.6 - 60.0);
    assert!(
        (failed as f64 - expected).abs() < 5.0 * expected.sqrt(),
        "{failed} failed, about {expected} expected"
    );
    assert_eq!(c.command_timeouts, failed);
    assert_eq!(c.overtaken, 0);
}

#[test]
fn a_tcp_user_timeout_of_30s_ends_the_outage_after_30s() {
    let sc = blackhole("lettuce", 50.0, "tcp_user_timeout = \"30s\"");
    let c = run_replication(&sc, 0).unwrap();
    let detect = c.detect_sum.as_secs_f64();
    assert!((30.0..31.0).contains(&detect), "{detect}");
    // Commands written meanwhile were still within their 60 s timeout:
    // re-sent after the reconnect, they succeed, up to 30 s late.
    assert_eq!(c.failed.iter().sum::<u64>(), 0);
    let max = c.latency.max_ms();
    assert!((30_000.0..31_000.0).contains(&max), "{max}");
    assert_eq!(c.ok, c.arrived);
}

#[test]
fn a_lower_tcp_retries2_shortens_the_outage_as_the_kernel_computes() {
    // tcp_retries2 = 5: 0.2 s x (2^6 - 1) = 12.6 s.
    let sc = blackhole("lettuce", 50.0, "tcp_retries2 = 5");
    let c = run_replication(&sc, 0).unwrap();
    let detect = c.detect_sum.as_secs_f64();
    assert!((12.6..13.6).contains(&detect), "{detect}");
    assert_eq!(c.failed.iter().sum::<u64>(), 0);
}

#[test]
fn ioredis_without_a_command_timeout_waits_for_the_kernel_and_loses_nothing() {
    // No command timeout: every command written after the fault waits for the
    // death and is re-sent after the reconnect (autoResendUnfulfilledCommands).
    let sc = blackhole("ioredis", 20.0, "");
    let c = run_replication(&sc, 0).unwrap();
    assert_eq!(c.failed.iter().sum::<u64>(), 0);
    let max = c.latency.max_ms() / 1000.0;
    assert!((924.0..926.0).contains(&max), "{max}");
}

#[test]
fn a_jedis_pool_under_the_same_fault_loses_one_command_per_dead_connection() {
    let sc = blackhole("jedis", 50.0, "");
    let c = run_replication(&sc, 0).unwrap();
    let failed: u64 = c.failed.iter().sum();
    // Each dead connection costs at most the one command that found it
    // (waiting out the 2 s socket timeout); the evictor closes idle ones.
    assert!(failed <= c.detected, "{failed} failed, {} dead", c.detected);
    assert!(c.detected >= 1 && c.detected <= 8, "{}", c.detected);
    let buckets = failing_buckets(&c);
    assert!(
        buckets.iter().all(|&t| (60.0..70.0).contains(&t)),
        "{buckets:?}"
    );
}

#[test]
fn a_restart_resets_shared_connections_at_once() {
    let text = r#"[simulation]
duration = "120s"
warmup = "1s"

[workload]
rate = 500

[pool]
preset = "lettuce"

[network]
rtt = "500us"

[l1]
lookup_time = "0s"

[[faults]]
at = "30s"
kind = "restart"
"#;
    let sc = parse(text, "r.toml", "r", &[]).unwrap();
    let c = run_replication(&sc, 0).unwrap();
    assert_eq!(c.detected, 1);
    assert_eq!(c.reconnects, 1);
    // Seen within half a round trip.
    assert!(
        c.detect_sum <= SimTime::from_micros(250),
        "{}",
        c.detect_sum
    );
    // Only commands in flight at the reset can fail; those written while
    // reconnecting wait for it.
    let failed: u64 = c.failed.iter().sum();
    assert!(failed <= 5, "{failed}");
    assert_eq!(c.ok + failed, c.arrived);
}

#[test]
fn a_slow_shard_delays_every_reply_behind_it() {
    let text = |fault: &str| {
        format!(
            r#"[simulation]
duration = "60s"
warmup = "1s"
replications = 4

[workload]
rate = 1000

[pool]
preset = "stackexchange-redis"

[network]
rtt = "500us"

[redis]
service_time = "100us"

[l1]
lookup_time = "0s"
{fault}
"#
        )
    };
    let calm = run(&parse(&text(""), "s.toml", "s", &[]).unwrap()).unwrap();
    let slow_fault = "[[faults]]\nat = \"20s\"\nkind = \"slow\"\nduration = \"10s\"\nfactor = 5\n";
    let slow = run(&parse(&text(slow_fault), "s.toml", "s", &[]).unwrap()).unwrap();
    // 10 s of 60 at five times the service time: utilization 0.1 -> 0.5 for
    // a sixth of the window, 0.1 + 0.4 / 6 on average.
    let (u0, u1) = (
        calm.metrics["redis.utilization"],
        slow.metrics["redis.utilization"],
    );
    assert!((u1 - (u0 + 0.4 / 6.0)).abs() < 0.01, "{u0} -> {u1}");
    assert!(slow.metrics["latency.mean_ms"] > calm.metrics["latency.mean_ms"]);
}

#[test]
fn the_multiplexed_presets_hold_their_clients_defaults() {
    let load = |p: &str| {
        let text = format!("[workload]\nrate = 1\n[pool]\npreset = \"{p}\"\n");
        parse(&text, "p.toml", "p", &[]).unwrap().client
    };
    let s = |n| Some(SimTime::from_secs(n));
    let lettuce = load("lettuce");
    assert_eq!(lettuce.transport, Transport::Multiplexed);
    assert_eq!(lettuce.connections, 1);
    assert_eq!(lettuce.socket_timeout, s(60)); // RedisURI.DEFAULT_TIMEOUT
    assert_eq!(lettuce.connect_timeout, s(10)); // SocketOptions.DEFAULT_CONNECT_TIMEOUT
    assert_eq!(lettuce.tcp_keepalive, None); // DEFAULT_SO_KEEPALIVE = false
    assert_eq!(lettuce.max_queued, None); // DEFAULT_REQUEST_QUEUE_SIZE = Integer.MAX_VALUE
    let se = load("stackexchange-redis");
    assert_eq!(se.transport, Transport::Multiplexed);
    assert_eq!(se.socket_timeout, s(5)); // syncTimeout = 5000
    assert_eq!(se.connect_timeout, s(5)); // connectTimeout = 5000
    let io = load("ioredis");
    assert_eq!(io.transport, Transport::Multiplexed);
    assert_eq!(io.socket_timeout, None); // commandTimeout: none
    assert_eq!(io.connect_timeout, s(10)); // connectTimeout = 10000
    assert_eq!(io.max_queued, None); // enableOfflineQueue
}

#[test]
fn faults_print_and_parse_back() {
    use models::scenario::resolve_text;
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../scenarios/blackhole-lettuce.toml"
    ))
    .unwrap();
    let r = resolve_text(&text, "b.toml", "b", &[]).unwrap();
    let printed = r.to_toml();
    assert!(printed.contains("[[faults]]"), "{printed}");
    let back = parse(&printed, "p.toml", "b", &[]).unwrap();
    assert_eq!(back, r.scenario);
    assert_eq!(back.faults.len(), 1);
}
