//! Tests of scenario loading as a whole: a full valid file, the defaults,
//! overrides against the same values written in the file, and properties
//! that no input makes parsing panic.

use super::units::parse_duration;
use super::*;
use proptest::prelude::*;
use sim::dist::Latency;
use sim::time::SimTime;

/// Every key of the schema, none at its default.
const FULL: &str = r#"
[simulation]
duration = "2m"
warmup = "10s"
seed = 42
replications = 3
bucket = "500ms"

[workload]
rate = 20000
reads_per_request = 3
profile = [
  { at = "30s", scale = 2.5, ramp = "10s" },
  { at = "1m", scale = 1 },
]

[pods]
count = 12

[pool]
max_total = 50
when_exhausted = "block"
acquire_timeout = "5ms"
order = "fifo"

[network]
rtt = { dist = "uniform", low = "200us", high = "0.3ms" }

[redis]
shards = 3
service_time = { dist = "exponential", mean = "20us" }
hit_ratio = 0.95

[l1]
hit_ratio = 0.5
lookup_time = "2us"

[database]
latency = { dist = "quantiles", p50 = "1ms", p90 = "3ms", p99 = "10ms", p999 = "40ms" }

[client]
hold_during_fallback = false

[sweep]
"pool.max_total" = [10, 20, 50]

[slo]
"pool.timeout_ratio" = "< 0.001"
"#;

fn ms(n: u64) -> SimTime {
    SimTime::from_millis(n)
}

fn full_expected() -> Scenario {
    Scenario {
        name: "full".into(),
        simulation: Simulation {
            duration: SimTime::from_secs(120),
            warmup: SimTime::from_secs(10),
            seed: 42,
            replications: 3,
            bucket: ms(500),
        },
        workload: Workload {
            rate: 20000.0,
            reads_per_request: 3,
            profile: vec![
                ProfilePoint {
                    at: SimTime::from_secs(30),
                    scale: 2.5,
                    ramp: SimTime::from_secs(10),
                },
                ProfilePoint {
                    at: SimTime::from_secs(60),
                    scale: 1.0,
                    ramp: SimTime::ZERO,
                },
            ],
        },
        pods: Pods { count: 12 },
        pool: Pool {
            max_total: 50,
            when_exhausted: WhenExhausted::Block,
            acquire_timeout: Some(ms(5)),
            order: Order::Fifo,
            life: PoolLife::defaults(50),
        },
        network: Network {
            rtt: Latency::uniform(SimTime::from_micros(200), SimTime::from_micros(300)).unwrap(),
            idle_timeout: None,
            on_idle: OnIdle::Drop,
        },
        redis: Redis {
            shards: 3,
            service_time: Latency::exponential(SimTime::from_micros(20)).unwrap(),
            hit_ratio: 0.95,
            maxclients: 10_000,
            timeout: None,
            tcp_keepalive: Some(SimTime::from_secs(300)),
            accept_cost: Latency::Constant(SimTime::from_micros(20)),
        },
        l1: L1 {
            hit_ratio: 0.5,
            lookup_time: Latency::Constant(SimTime::from_micros(2)),
        },
        database: Database {
            latency: Latency::quantiles([1, 3, 10, 40].map(ms)).unwrap(),
        },
        client: Client::defaults(false),
    }
}

#[test]
fn a_full_file_reads_exactly() {
    assert_eq!(
        parse(FULL, "full.toml", "full", &[]).unwrap(),
        full_expected()
    );
}

#[test]
fn from_table_agrees_with_parse() {
    let doc: toml::Table = toml::from_str(FULL).unwrap();
    assert_eq!(
        from_table(&doc, "full.toml", "full").unwrap(),
        full_expected()
    );
}

#[test]
fn defaults_are_the_documented_ones() {
    let s = parse("[workload]\nrate = 1000\n", "d.toml", "d", &[]).unwrap();
    assert_eq!(
        s.simulation,
        Simulation {
            duration: SimTime::from_secs(60),
            warmup: SimTime::from_secs(5),
            seed: 1,
            replications: 1,
            bucket: SimTime::from_secs(1),
        }
    );
    assert_eq!(s.workload.reads_per_request, 1);
    assert!(s.workload.profile.is_empty());
    assert_eq!(s.pods.count, 1);
    // commons-pool2: maxTotal 8, block forever, LIFO.
    assert_eq!(
        s.pool,
        Pool {
            max_total: 8,
            when_exhausted: WhenExhausted::Block,
            acquire_timeout: None,
            order: Order::Lifo,
            life: PoolLife::defaults(8),
        }
    );
    assert_eq!(s.network.rtt, Latency::exponential(ms(1)).unwrap());
    assert_eq!(
        s.redis,
        Redis {
            shards: 1,
            service_time: Latency::Constant(SimTime::ZERO),
            hit_ratio: 1.0,
            maxclients: 10_000,
            timeout: None,
            tcp_keepalive: Some(SimTime::from_secs(300)),
            accept_cost: Latency::Constant(SimTime::from_micros(20)),
        }
    );
    assert_eq!(
        s.l1,
        L1 {
            hit_ratio: 0.0,
            lookup_time: Latency::Constant(SimTime(1_500))
        }
    );
    assert_eq!(
        s.database.latency,
        Latency::lognormal(ms(2), ms(20)).unwrap()
    );
    assert!(s.client.hold_during_fallback);
}

#[test]
fn overrides_equal_the_same_values_written_in_the_file() {
    let sets: Vec<String> = [
        "simulation.duration=2m",
        "simulation.warmup=10s",
        "simulation.seed=42",
        "simulation.replications=3",
        "simulation.bucket=500ms",
        "workload.reads_per_request=3",
        "workload.profile=[{ at = \"30s\", scale = 2.5, ramp = \"10s\" }, { at = \"1m\", scale = 1 }]",
        "pods.count=12",
        "pool.max_total=50",
        "pool.acquire_timeout=5ms",
        "pool.order=fifo",
        "network.rtt={ dist = \"uniform\", low = \"200us\", high = \"0.3ms\" }",
        "redis.shards=3",
        "redis.service_time={ dist = \"exponential\", mean = \"20us\" }",
        "redis.hit_ratio=0.95",
        "l1.hit_ratio=0.5",
        "l1.lookup_time=2us",
        "database.latency={ dist = \"quantiles\", p50 = \"1ms\", p90 = \"3ms\", p99 = \"10ms\", p999 = \"40ms\" }",
        "client.hold_during_fallback=false",
    ]
    .map(String::from)
    .to_vec();
    let s = parse("[workload]\nrate = 20000\n", "o.toml", "full", &sets).unwrap();
    assert_eq!(s, full_expected());
    // The same through the public table API, as sweeps use it.
    let mut doc: toml::Table = toml::from_str("[workload]\nrate = 20000\n").unwrap();
    for a in &sets {
        apply_override(&mut doc, a).unwrap();
    }
    assert_eq!(from_table(&doc, "o.toml", "full").unwrap(), full_expected());
}

#[test]
fn overrides_reach_inside_tables_and_arrays() {
    let sets = [
        "network.rtt.high=1ms".to_string(),
        "workload.profile[1].scale=3".to_string(),
    ];
    let s = parse(FULL, "full.toml", "full", &sets).unwrap();
    assert_eq!(
        s.network.rtt,
        Latency::uniform(SimTime::from_micros(200), ms(1)).unwrap()
    );
    assert_eq!(s.workload.profile[1].scale, 3.0);
}

#[test]
fn errors_carry_file_line_column_and_key() {
    let text = "[workload]\nrate = 1000\n\n[pool]\nmax_total = 0\n";
    let e = parse(text, "scenarios/x.toml", "x", &[]).unwrap_err();
    assert_eq!(e.file(), "scenarios/x.toml");
    assert_eq!((e.line(), e.column()), (Some(5), Some(13)));
    assert_eq!(e.key(), Some("pool.max_total"));
    assert_eq!(e.message(), "expected a whole number >= 1, found 0");
    assert_eq!(e.assignment(), None);
    assert_eq!(
        e.to_string(),
        "scenarios/x.toml:5:13: [pool] max_total: expected a whole number >= 1, found 0"
    );
    let doc: toml::Table = toml::from_str(text).unwrap();
    let e = from_table(&doc, "scenarios/x.toml", "x").unwrap_err();
    assert_eq!(
        e.to_string(),
        "scenarios/x.toml: [pool] max_total: expected a whole number >= 1, found 0"
    );
    let e = parse(text, "x.toml", "x", &["pool.max_total=abc".into()]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "--set pool.max_total=abc: expected a whole number, found \"abc\""
    );
    assert_eq!(e.assignment(), Some("pool.max_total=abc"));
}

#[test]
fn the_first_unknown_key_in_the_file_is_reported() {
    let text = "[workload]\nrate = 1\nzzz = 1\n\n[pool]\naaa = 1\n";
    let e = parse(text, "x.toml", "x", &[]).unwrap_err();
    assert_eq!(e.key(), Some("workload.zzz"));
}

#[test]
fn load_names_the_scenario_after_the_file() {
    let dir = std::env::temp_dir().join(format!("capsim-scenario-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("spike.toml");
    std::fs::write(&path, "[workload]\nrate = 10\n").unwrap();
    assert_eq!(load(&path, &[]).unwrap().name, "spike");
    let e = load(&dir.join("missing.toml"), &[]).unwrap_err();
    assert!(
        e.to_string()
            .contains("missing.toml: cannot read the scenario"),
        "{e}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Random edits of a valid file: insert, delete or replace a character.
fn mutated(text: &str, edits: &[(usize, u8, char)]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for &(pos, op, c) in edits {
        let i = pos % (chars.len() + 1);
        match op % 3 {
            0 => chars.insert(i, c),
            1 if i < chars.len() => {
                chars.remove(i);
            }
            _ if i < chars.len() => chars[i] = c,
            _ => {}
        }
    }
    chars.into_iter().collect()
}

/// Characters that matter to TOML and to capsim's values.
fn interesting_char() -> impl Strategy<Value = char> {
    prop_oneof![
        prop::sample::select(vec![
            '[', ']', '{', '}', '=', '"', '\'', ',', '.', '\n', ' ', '#', '-', '+', '0', '1', '9',
            'e', 'm', 's', 'u', 'h', 'µ', '_', 'x', '\\', '\r', '\t',
        ]),
        any::<char>(),
    ]
}

fn check_never_panics(text: &str, sets: &[String]) {
    if let Err(e) = parse(text, "p.toml", "p", sets) {
        let line = e.to_string();
        assert!(!line.contains('\n'), "multi-line error: {line:?}");
        assert!(!line.is_empty());
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in ".*") {
        check_never_panics(&text, &[]);
    }

    #[test]
    fn arbitrary_toml_like_text_never_panics(text in "[\\[\\]{}=\".,a-z0-9_ \n#-]{0,200}") {
        check_never_panics(&text, &[]);
    }

    #[test]
    fn mutated_valid_files_never_panic(
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), interesting_char()), 1..8)
    ) {
        check_never_panics(&mutated(FULL, &edits), &[]);
    }

    #[test]
    fn arbitrary_overrides_never_panic(
        key in "[a-z_.\\[\\]0-9]{0,30}",
        value in ".{0,40}",
    ) {
        check_never_panics(FULL, &[format!("{key}={value}")]);
        check_never_panics(FULL, &[format!("{key}{value}")]);
    }

    #[test]
    fn overrides_of_known_keys_never_panic(
        key in prop::sample::select(vec![
            "simulation.duration", "simulation.bucket", "simulation.seed", "workload.rate",
            "workload.profile", "workload.profile[0]", "workload.profile[1].at", "pool",
            "pool.max_total", "pool.acquire_timeout", "network.rtt", "network.rtt.low",
            "redis.hit_ratio", "database.latency.p99", "sweep", "l1",
        ]),
        value in prop_oneof![
            ".{0,30}",
            "-?[0-9]{1,25}(\\.[0-9]{0,25})?(ns|us|ms|s|m|h)?",
            Just("{ dist = \"lognormal\", median = \"2ms\", p99 = \"1ms\" }".to_string()),
            Just("[{ at = \"1m\", scale = 1e308 }]".to_string()),
        ],
    ) {
        check_never_panics(FULL, &[format!("{key}={value}")]);
    }

    #[test]
    fn durations_round_trip_through_display(ns in any::<u64>()) {
        let t = SimTime(ns);
        prop_assert_eq!(parse_duration(&t.to_string()), Ok(t));
    }

    #[test]
    fn decimal_durations_are_exact(whole in 0u64..1_000_000, frac in 0u64..1_000) {
        let text = format!("{whole}.{frac:03}ms");
        prop_assert_eq!(parse_duration(&text), Ok(SimTime(whole * 1_000_000 + frac * 1_000)));
    }
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    for depth in [100, 10_000, 200_000] {
        let text = format!("x = {}{}\n", "[".repeat(depth), "]".repeat(depth));
        check_never_panics(&text, &[]);
        let text = format!("x = {}1{}\n", "{a = ".repeat(depth), "}".repeat(depth));
        check_never_panics(&text, &[]);
        let sets = [format!("sweep={}{}", "[".repeat(depth), "]".repeat(depth))];
        check_never_panics("[workload]\nrate = 1\n", &sets);
    }
}
