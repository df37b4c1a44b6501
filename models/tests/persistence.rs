//! Fork stalls (`redis.persistence`) through the whole engine.
//!
//! Commands take no event-loop time and reach one shard as Poisson arrivals
//! (a pool that never binds, constant round trips). The shard forks every
//! `every`, its first fork at a uniform phase, and each fork blocks its
//! loop for `stall`. Then the loop is busy a share `stall / every` of the
//! time, and by PASTA a command arrives in a stall with that probability
//! and waits the rest of it, `stall / 2` on average: the mean queue wait is
//! `(stall / every) x stall / 2`.
//!
//! Each check is the engine's Student-t 95% interval over replications; the
//! seed is fixed, so a failure is deterministic and is a disagreement at
//! that confidence for that sample.

use models::engine::run;
use models::scenario::parse;
use models::validate::{NO_L1, ONE_SHARD_ALWAYS_HITS, POOL_NEVER_BINDS};

#[test]
fn a_fork_blocks_the_loop_for_its_stall() {
    // 10 ms per GB of a 2 GB dataset: a 20 ms stall every second.
    let text = format!(
        r#"[simulation]
duration = "60s"
warmup = "1s"
replications = 20
seed = 9

[workload]
rate = 2000

{POOL_NEVER_BINDS}{NO_L1}{ONE_SHARD_ALWAYS_HITS}service_time = "0us"
persistence = {{ every = "1s", stall_per_gb = "10ms", dataset = "2GB" }}
"#
    );
    let s = parse(&text, "persistence.toml", "persistence", &[]).expect("the scenario is valid");
    let p = s.redis.persistence.as_ref().unwrap();
    let (stall_ms, every_ms) = (p.stall().as_millis_f64(), p.every.as_millis_f64());
    assert_eq!(stall_ms, 20.0);
    let share = stall_ms / every_ms;
    let wait = share * stall_ms / 2.0;
    let r = run(&s).expect("the run completes");
    let (u, uci) = (r.metrics["redis.utilization"], r.ci95["redis.utilization"]);
    let (w, wci) = (
        r.metrics["redis.queue_wait.mean_ms"],
        r.ci95["redis.queue_wait.mean_ms"],
    );
    eprintln!(
        "forks: busy share {share:.4}, simulated {u:.5} ± {uci:.5}; mean wait {wait:.4} ms, simulated {w:.5} ± {wci:.5}"
    );
    // The window is a whole number of periods (60 s, a fork every second),
    // so whatever the phase it holds exactly 60 stalls' worth of blocked
    // loop (the integral of a periodic function over whole periods), and
    // commands take no time: the busy share is exact, up to rounding.
    assert!((u - share).abs() < 1e-12, "busy {u}, stall/every {share}");
    assert!(
        (w - wait).abs() <= wci,
        "wait {w} ± {wci}, residual theory {wait}"
    );
    // Stalls are not commands.
    let plain = run(&parse(
        &text.replace("persistence = ", "# persistence = "),
        "plain.toml",
        "plain",
        &[],
    )
    .unwrap())
    .unwrap();
    assert_eq!(plain.metrics["redis.commands"], r.metrics["redis.commands"]);
}
