//! Reply batching and the client's checkout delay through the `capsim`
//! binary: byte-identical JSON on one and two threads, with a pool that
//! binds, a fork stall and a slow fault in play.

use std::process::Output;

mod common;

use common::{capsim, scratch};

fn run_json(path: &std::path::Path, threads: &str) -> Output {
    capsim()
        .env("RAYON_NUM_THREADS", threads)
        .args(["run", "--format", "json"])
        .arg(path)
        .output()
        .unwrap()
}

#[test]
fn batched_runs_are_byte_identical_across_thread_counts() {
    let dir = scratch("reply-batching-threads");
    let path = dir.join("s.toml");
    std::fs::write(
        &path,
        r#"[simulation]
duration = "5s"
warmup = "1s"
seed = 3
replications = 4

[workload]
rate = 1300

[pool]
preset = "bb8"
max_total = 4
test_on_borrow = false
acquire_timeout = "2500us"

[network]
rtt = { dist = "exponential", mean = "30us" }

[redis]
service_time = { dist = "exponential", mean = "580us" }
command_overhead = "15us"
ping_time = "0.1us"
reply_batching = true
persistence = { every = "2s", stall_per_gb = "10ms", dataset = "1GB" }

[client]
checkout_delay = { dist = "exponential", mean = "150us" }

[[faults]]
at = "2s"
kind = "slow"
duration = "500ms"
factor = 2.0
"#,
    )
    .unwrap();
    let one = run_json(&path, "1");
    let two = run_json(&path, "2");
    assert!(
        one.status.success(),
        "{}",
        String::from_utf8_lossy(&one.stderr)
    );
    assert!(one.stdout == two.stdout, "1 vs 2 threads differ");
    let text = String::from_utf8(one.stdout).unwrap();
    assert!(text.contains("\"pool.acquire_wait.mean_ms\""));
}
