//! `capsim calibrate` against a real `redis-server` started by the test on a
//! loopback port: the scenario it writes is valid, carries measured values
//! with their comments, and the errors (unreachable, AUTH, DEBUG refused)
//! are one line with exit status 2.

mod common;

use common::redis_server::RedisServer;
use common::{capsim, scratch};

fn value<'a>(text: &'a str, key: &str) -> &'a str {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key} = ")))
        .unwrap_or_else(|| panic!("no `{key} = ` line in:\n{text}"))
}

/// A duration string like `"552.100us"` in seconds.
fn micros(v: &str) -> f64 {
    v.trim_matches('"')
        .strip_suffix("us")
        .and_then(|n| n.parse::<f64>().ok())
        .unwrap_or_else(|| panic!("not a duration in us: {v}"))
        * 1e-6
}

#[test]
fn calibrate_debug_sleep_writes_a_valid_measured_scenario() {
    let Some(server) = RedisServer::start(&["--enable-debug-command", "yes"]) else {
        return;
    };
    let dir = scratch("debug_sleep");
    let out = dir.join("calibrated.toml");
    let started = std::time::Instant::now();
    let run = capsim()
        .args(["calibrate", "--redis", &server.addr()])
        .args(["--command", "DEBUG SLEEP 0.0005", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        started.elapsed().as_secs() < 30,
        "calibrate took {:?}",
        started.elapsed()
    );
    let text = std::fs::read_to_string(&out).unwrap();
    // DEBUG SLEEP 0.0005 sleeps at least 500 us: the commandstats mean
    // (service_time's comment) and the written distribution's median are
    // above that, and well under 100 ms.
    let overhead = micros(value(&text, "command_overhead"));
    assert!(overhead > 0.0 && overhead < 1e-3, "overhead {overhead}");
    let ping = micros(value(&text, "ping_time"));
    assert!(ping < 1e-4, "ping {ping}");
    let svc = value(&text, "service_time");
    let p50 = svc
        .split("p50 = ")
        .nth(1)
        .map(|r| micros(r.split('"').nth(1).unwrap()))
        .unwrap_or_else(|| micros(svc));
    assert!((4.5e-4..0.1).contains(&p50), "service p50 {p50}: {svc}");
    assert!(text.contains("by the INFO cpu method"), "{text}");
    assert!(text.contains("Cross-check at saturation"), "{text}");
    assert_eq!(value(&text, "reply_batching"), "true", "{text}");
    // Valid as written, and with the placeholders completed by --set.
    let check = capsim()
        .arg("check")
        .arg(&out)
        .args(["--set", "workload.rate=900", "--set", "pool.max_total=2"])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn calibrate_refuses_with_one_line_and_status_2() {
    let dir = scratch("refusals");
    let out = dir.join("never.toml");
    let expect = |args: &[&str], needle: &str| {
        let run = capsim()
            .arg("calibrate")
            .args(args)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&run.stderr);
        assert_eq!(run.status.code(), Some(2), "{args:?}: {err}");
        let last = err.lines().last().unwrap_or_default();
        assert!(last.starts_with("capsim: error: "), "{err}");
        assert!(last.contains(needle), "{args:?}: {err}");
        assert!(!out.exists());
    };
    expect(&["--redis", "nowhere"], "HOST:PORT");
    let Some(plain) = RedisServer::start(&[]) else {
        return;
    };
    expect(
        &["--redis", &plain.addr(), "--command", "DEBUG SLEEP 0"],
        "enable-debug-command",
    );
    let Some(locked) = RedisServer::start(&["--requirepass", "secret"]) else {
        return;
    };
    expect(&["--redis", &locked.addr()], "requires AUTH");
    let port = plain.port;
    drop(plain);
    expect(
        &["--redis", &format!("127.0.0.1:{port}")],
        "cannot reach Redis",
    );
}
