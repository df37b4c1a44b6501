//! Time series are optional output: a run without them gives exactly the same
//! metrics (sweeps and `capsim validate` skip them for speed).

use models::engine;
use models::scenario::parse;

#[test]
fn metrics_do_not_depend_on_collecting_series() {
    let sc = parse(
        r#"
[simulation]
duration = "5s"
warmup = "1s"
replications = 3
[workload]
rate = 8000
profile = [{ at = "2s", scale = 2.0, ramp = "1s" }]
[pods]
count = 3
[pool]
max_total = 5
acquire_timeout = "2ms"
[redis]
shards = 2
service_time = { dist = "exponential", mean = "30us" }
hit_ratio = 0.8
[l1]
hit_ratio = 0.3
[client]
socket_timeout = "20ms"
retries = 1
"#,
        "s.toml",
        "s",
        &[],
    )
    .unwrap();
    let with = engine::run_with(&sc, true).unwrap();
    let without = engine::run_with(&sc, false).unwrap();
    assert_eq!(with.metrics, without.metrics);
    assert_eq!(with.ci95, without.ci95);
    assert!(with.series.t_secs.len() == 5 && without.series.t_secs.len() == 1);
}
