//! The results files round-trip: what a simulation writes (`results.json`,
//! `capsim run --format json`) reads back through the same types
//! ([`models::results`]) to the same values, passes the reader's checks, and
//! is laid out as documented (keys sorted, NaN as `null`).

use models::engine;
use models::results::{metric_value, to_text, RunResults, SweepResults};
use models::scenario::parse;
use models::sweep::plan::{Input, Plan};
use models::sweep::results::{results_json, sweep_results, thresholds, Row};
use models::sweep::run::{run_points, unfinished, Control};
use std::sync::atomic::AtomicBool;

/// The keys of the top-level object of `text` (a pretty-printed document),
/// in the order written.
fn top_keys(text: &str) -> Vec<String> {
    text.lines()
        .filter(|l| l.starts_with("  \"") && !l.starts_with("   "))
        .map(|l| l.trim_start()[1..].split('"').next().unwrap().to_string())
        .collect()
}

#[test]
fn a_run_reads_back_to_the_values_it_measured() {
    let sc = parse(
        r#"
[simulation]
duration = "2s"
warmup = "0.5s"
replications = 2
[workload]
rate = 3000
[pool]
max_total = 4
acquire_timeout = "1ms"
[network]
rtt = { dist = "exponential", mean = "1ms" }
"#,
        "r.toml",
        "r",
        &[],
    )
    .unwrap();
    let r = engine::run_with(&sc, false).unwrap();
    let written = RunResults::measured(&sc, &r);
    let text = to_text(&written);
    let read: RunResults = serde_json::from_str(&text).unwrap();
    assert_eq!(read.check(), Ok(()));
    assert_eq!(read, written);
    // Every metric the scenario reports, as measured (NaN as null), with
    // its half-width: the values themselves, not a rounding of them.
    let names = models::metrics::names_for(&sc);
    assert_eq!(read.metrics.len(), names.len());
    for n in names {
        assert_eq!(read.metrics[n], metric_value(r.metrics[n]), "{n}");
        assert_eq!(read.ci95[n], metric_value(r.ci95[n]), "{n}");
    }
    assert!(read.metrics["requests.arrived"].is_some_and(|v| v > 0.0));
    // The layout of `capsim run --format json`: these keys, sorted, and no
    // report field.
    assert_eq!(
        top_keys(&text),
        [
            "capsim_version",
            "ci95",
            "metrics",
            "replications",
            "scenario",
            "scenario_hash",
            "schema_version",
            "seed"
        ]
    );
    // With one replication there is no `ci95`.
    let one = "[simulation]\nduration = \"1s\"\nreplications = 1\n[workload]\nrate = 1000\n";
    let one = parse(one, "o.toml", "o", &[]).unwrap();
    let r = engine::run_with(&one, false).unwrap();
    let text = to_text(&RunResults::measured(&one, &r));
    assert!(!top_keys(&text).contains(&"ci95".to_string()), "{text}");
}

#[test]
fn a_sweep_reads_back_to_its_rows_and_thresholds() {
    let text = r#"
[simulation]
duration = "2s"
warmup = "0.5s"
replications = 2
[workload]
rate = 4000
[pool]
max_total = 10
when_exhausted = "fail"
[network]
rtt = { dist = "exponential", mean = "1ms" }
[redis]
service_time = "0us"
[sweep]
x = "workload.rate"
"workload.rate" = [3000, 6000]
"pool.max_total" = [8, 10]
[slo]
"pool.timeout_ratio" = "< 0.01"
"#;
    let plan = Plan::new(Input::from_text("s", text)).unwrap();
    let stop = AtomicBool::new(false);
    let progress = |_: bool| {};
    let all: Vec<usize> = (0..plan.len()).collect();
    let mut rows: Vec<Row> = run_points(&plan, &all, &Control::new(&stop, &progress)).unwrap();
    // A point that could not finish keeps its reason, with null metrics.
    rows.push(Row {
        point: None,
        measured: unfinished("the clock limit".into()),
        ..rows[0].clone()
    });
    let ts = thresholds(&plan, &rows);
    let json = results_json(&plan, &rows, &ts, None);
    let read: SweepResults = serde_json::from_str(&json).unwrap();
    assert_eq!(read.check(), Ok(()));
    assert_eq!(read, sweep_results(&plan, &rows, &ts, None));
    assert_eq!(read.points.len(), rows.len());
    for (p, r) in read.points.iter().zip(&rows) {
        assert_eq!((p.point, p.line), (r.point, r.line));
        assert_eq!(p.unfinished, r.measured.unfinished);
        for n in plan.metric_names() {
            assert_eq!(p.metrics[n], metric_value(r.measured.metrics[n]), "{n}");
            assert_eq!(p.ci95[n], metric_value(r.measured.ci95[n]), "{n}");
        }
    }
    let last = read.points.last().unwrap();
    assert_eq!(last.unfinished.as_deref(), Some("the clock limit"));
    assert!(last.metrics.values().all(Option::is_none));
    assert_eq!(read.thresholds.len(), ts.len());
    for (a, t) in read.thresholds.iter().zip(&ts) {
        assert_eq!(a.line, t.line);
        assert_eq!(a.status, t.status.name());
        assert_eq!(
            (a.threshold, a.holds_at, a.fails_at),
            (t.x, t.holds_at, t.fails_at)
        );
        assert_eq!(a.broke_first, t.broke_first);
    }
    assert_eq!(read.x.as_deref(), Some("workload.rate"));
    assert_eq!(read.axes.len(), 2);
    // Keys sorted, every documented one written (`null` when empty), and
    // no `story` (the reports take it from scenario.toml).
    assert_eq!(
        top_keys(&json),
        [
            "axes",
            "capsim_version",
            "command",
            "forecast",
            "holds_below",
            "points",
            "precision",
            "replications",
            "scenario",
            "scenario_hash",
            "schema_version",
            "seed",
            "slo",
            "thresholds",
            "x"
        ]
    );
}
