//! `recommend` on multiplexed clients (Lettuce, ioredis): the keys that mean
//! something are searched, the pool's keys are refused with the reason, and
//! the dead-peer rule advises a bound on how long a blackholed connection
//! lives, with its simulated effect.
//!
//! The detection times are the kernel's rule ([`models::engine::tcp`]): with
//! `tcp_retries2 = 15` and no `TCP_USER_TIMEOUT`, a connection dies 924.6 s
//! after its oldest unacknowledged write; with `TCP_USER_TIMEOUT` it dies
//! exactly that long after it. At 200 requests/s over 4 pods each pod writes
//! within milliseconds of the blackhole, so the simulated mean detection
//! time lies within a second above each bound.

use models::recommend::{advice, search, Target, KNOBS};
use models::sweep::plan::{Input, Plan};
use std::sync::atomic::AtomicBool;

fn target(preset: &str) -> Target {
    let text = format!(
        r#"[simulation]
duration = "60s"
warmup = "5s"
replications = 2
seed = 3

[workload]
rate = 200

[pods]
count = 4

[pool]
preset = "{preset}"

[network]
rtt = "500us"

[redis]
service_time = "50us"

[l1]
lookup_time = "0s"

[slo]
"latency.p99_ms" = "< 5"
"#
    );
    let plan = Plan::new(Input::from_text("mux", text)).expect("the scenario is valid");
    Target::from_plan(plan, 2e9).expect("a multiplexed scenario is accepted")
}

fn knob(key: &str) -> models::recommend::Knob {
    *KNOBS.iter().find(|k| k.key == key).unwrap()
}

#[test]
fn pool_keys_are_refused_and_connections_are_searched() {
    let t = target("lettuce");
    let e = knob("pool.max_total").applies(&t.base).unwrap_err();
    assert!(
        e.contains("has no pool") && e.contains("client.connections"),
        "{e}"
    );
    assert!(knob("pool.acquire_timeout").applies(&t.base).is_err());
    assert!(knob("pods.count").applies(&t.base).is_ok());
    assert_eq!(
        models::recommend::default_key(&t.base),
        "client.connections"
    );
    // At 1% utilisation one shared connection per pod meets the objective:
    // the knob's minimum holds, so there is nothing smaller to show.
    let stop = AtomicBool::new(false);
    let a = search::smallest(&t, knob("client.connections"), &[], &stop, &|_| {}).unwrap();
    assert_eq!(a.recommended, Some(1.0), "{:?}", a.probes);
    assert!(a.below.is_none());
}

#[test]
fn lettuce_gets_a_tcp_user_timeout_that_ends_the_outage() {
    let t = target("lettuce");
    let stop = AtomicBool::new(false);
    let advice = advice::advise(&t, &[], &stop).unwrap();
    assert_eq!(advice.len(), 1, "{advice:?}");
    let a = &advice[0];
    assert_eq!(a.rule, "dead-peer");
    // Half of Lettuce's 60 s command timeout.
    assert_eq!(a.settings, vec!["network.tcp_user_timeout=30s".to_string()]);
    assert!(a.finding.contains("924600ms"), "{}", a.finding);
    let detect = a
        .effects
        .iter()
        .find(|e| e.metric == "connections.detect.mean_ms")
        .expect("detection simulated");
    eprintln!("{advice:?}");
    assert!(
        (924_600.0..925_600.0).contains(&detect.before.0),
        "{detect:?}"
    );
    assert!((30_000.0..31_000.0).contains(&detect.after.0), "{detect:?}");
    let failed = a
        .effects
        .iter()
        .find(|e| e.metric == "requests.failed_ratio")
        .expect("failures simulated");
    // Without the advice every command on the dead shard's connections
    // fails for a quarter of an hour; with it the commands still waiting
    // are re-sent on the new connection before their 60 s timeout.
    assert!(
        failed.after.0 + failed.after.1 < failed.before.0 - failed.before.1,
        "{failed:?}"
    );
}

#[test]
fn ioredis_gets_a_tcp_retries2_it_can_set() {
    let t = target("ioredis");
    let s = &t.base;
    // ioredis has no command timeout: the bound is 30 s, and tcp_retries2 = 6
    // gives up after 0.2 s x (2^7 - 1) = 25.4 s (7 would take 51 s).
    assert_eq!(
        advice::advised_user_timeout(s),
        sim::time::SimTime::from_secs(30)
    );
    let stop = AtomicBool::new(false);
    let advice = advice::advise(&t, &[], &stop).unwrap();
    let a = &advice[0];
    assert_eq!(a.settings, vec!["network.tcp_retries2=6".to_string()]);
    let detect = a
        .effects
        .iter()
        .find(|e| e.metric == "connections.detect.mean_ms")
        .unwrap();
    assert!((25_400.0..26_400.0).contains(&detect.after.0), "{detect:?}");
}
