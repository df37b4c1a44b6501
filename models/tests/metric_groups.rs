//! The optional metric groups (`metrics::GROUPS`): what a run reports is
//! exactly what the presence rules say, and a sweep reports and checks every
//! group that its base scenario or an axis value has.

use models::engine::run;
use models::metrics::{names_for, GROUPS, NAMES};
use models::scenario::parse;

mod common;
use common::{plan, run_points};

const BASE: &str = r#"[simulation]
duration = "1s"
warmup = "100ms"
[workload]
rate = 2000
"#;

/// Each combination of the four optional parts (a multiplexed client, a
/// keyed L1, a finite database, a shard bandwidth): a run reports `NAMES`
/// and the names of exactly the groups the scenario has, as `names_for`
/// lists them.
#[test]
fn a_run_reports_exactly_the_groups_its_scenario_has() {
    for mask in 0..16u32 {
        let (mux, keyed, finite) = (mask & 1 != 0, mask & 2 != 0, mask & 4 != 0);
        let link = mask & 8 != 0;
        let mut text = BASE.to_string();
        if keyed {
            text += "keys = 1000\n[l1]\npolicy = \"lru\"\ncapacity = 100\n";
        }
        if mux {
            text += "[client]\ntransport = \"multiplexed\"\nconnections = 1\n";
        }
        if finite {
            text += "[database]\nconcurrency = 50\n";
        }
        if link {
            text += "[redis]\nvalue_size = \"1KB\"\nbandwidth = \"1Gbit\"\n";
        }
        let sc = parse(&text, "t.toml", "t", &[]).expect("valid");
        let present: Vec<bool> = GROUPS.iter().map(|g| (g.present)(&sc)).collect();
        let expected = vec![mux, keyed, finite, false, link, false, false];
        assert_eq!(present, expected, "mask {mask}:\n{text}");
        let report = run(&sc).expect("runs");
        let mut reported: Vec<&str> = report.metrics.keys().map(String::as_str).collect();
        reported.sort_unstable();
        let mut listed = names_for(&sc);
        assert!(NAMES.iter().all(|n| listed.contains(n)));
        listed.sort_unstable();
        assert_eq!(reported, listed, "mask {mask}");
        let ci: Vec<&str> = report.ci95.keys().map(String::as_str).collect();
        assert_eq!(ci.len(), listed.len(), "mask {mask}");
    }
}

/// Replicas (cluster mode, so not with the multiplexed client): the
/// replicas' group and nothing else.
#[test]
fn a_run_with_replicas_reports_their_group() {
    let text = format!(
        "{BASE}keys = 1000\n[redis]\nmode = \"cluster\"\nshards = 2\nreplicas = 1\n\
         read_from = \"replica\"\n"
    );
    reports_only_group(&text, 5, "redis.replica.utilization");
}

/// The scenario `text` has the optional group `g` and no other, and a run
/// of it reports exactly `NAMES` and that group's names, `name` among them.
fn reports_only_group(text: &str, g: usize, name: &str) {
    let sc = parse(text, "t.toml", "t", &[]).expect("valid");
    let present: Vec<bool> = GROUPS.iter().map(|gr| (gr.present)(&sc)).collect();
    let expected: Vec<bool> = (0..GROUPS.len()).map(|i| i == g).collect();
    assert_eq!(present, expected);
    let report = run(&sc).expect("runs");
    let mut reported: Vec<&str> = report.metrics.keys().map(String::as_str).collect();
    reported.sort_unstable();
    let mut listed = names_for(&sc);
    listed.sort_unstable();
    assert_eq!(reported, listed);
    assert!(listed.contains(&name));
}

/// A resharding: the redirects' group and nothing else (a reshard is not
/// a fault of a shard's connections).
#[test]
fn a_run_with_a_reshard_reports_its_redirects() {
    let text = format!(
        "{BASE}keys = 1000\n[redis]\nmode = \"cluster\"\nshards = 2\n\
         [[faults]]\nat = \"0s\"\nkind = \"reshard\"\nshard = 0\nto = 1\nslots = 10\n\
         duration = \"0s\"\n"
    );
    reports_only_group(&text, 6, "redis.redirects.moved");
}

#[test]
fn a_sweep_reports_and_checks_a_keyed_l1s_metrics() {
    // `keys` goes in [workload]: the base text ends inside that table. A
    // 2 s warm-up reads each of the 1000 keys about 4 times.
    let base = BASE.replace("warmup = \"100ms\"", "warmup = \"2s\"");
    let text = format!(
        "{base}keys = 1000\n[l1]\npolicy = \"lru\"\ncapacity = 10\n\
         [sweep]\n\"l1.capacity\" = [10, 1000]\n[slo]\n\"l1.misses\" = \"< 100\"\n"
    );
    let p = plan(&text).expect("the plan is valid");
    assert!(p.metric_names().contains(&"l1.misses"));
    let (rows, header) = run_points(&p, &[0, 1]);
    assert!(header.contains(",l1.misses,l1.misses.ci95,"), "{header}");
    // 10 entries for 1000 keys miss almost every read; 1000 entries hold
    // every key after its first read, which for all but about e^-4 of the
    // keys came in the warm-up.
    let misses = |i: usize| rows[i].measured.metrics["l1.misses"];
    assert!(misses(0) > 1000.0, "{}", misses(0));
    assert!(!rows[0].holds(&p.spec.slo), "{}", misses(0));
    assert!(rows[1].holds(&p.spec.slo), "{}", misses(1));
}

#[test]
fn a_sweep_checks_transport_metrics_only_where_some_point_measures_them() {
    let slo = "[slo]\n\"client.command_timeouts\" = \"< 1\"\n";
    let mux = format!(
        "{BASE}[client]\ntransport = \"multiplexed\"\n[sweep]\n\"workload.rate\" = [1000, 2000]\n{slo}"
    );
    let p = plan(&mux).expect("a multiplexed sweep may name a transport metric");
    assert!(p.metric_names().contains(&"client.command_timeouts"));

    // An axis value that turns the transport on is enough.
    let by_axis = format!(
        "{BASE}[sweep]\nx = \"workload.rate\"\n\"client.transport\" = [\"pooled\", \"multiplexed\"]\n\
         \"workload.rate\" = [1000, 2000]\n{slo}"
    );
    let p = plan(&by_axis).expect("an axis value turns the group on");
    assert!(p.metric_names().contains(&"connections.queued.mean"));

    // A pooled sweep without faults measures none: refused, naming what it needs.
    let pooled = format!("{BASE}[sweep]\n\"workload.rate\" = [1000, 2000]\n{slo}");
    let err = plan(&pooled).unwrap_err();
    assert!(err.starts_with("t.toml:"), "{err}");
    assert!(
        err.contains("`client.command_timeouts` is measured only with a multiplexed client"),
        "{err}"
    );
}
