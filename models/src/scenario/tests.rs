//! Tests of scenario loading as a whole: a full valid file, the defaults,
//! overrides against the same values written in the file, and properties
//! that no input makes parsing panic.

use super::resolve;
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
min_idle = 5
max_idle = 40
max_lifetime = "30m"
idle_timeout = "10m"
checkout_check = "peek"
test_on_borrow = true
test_while_idle = true
eviction_interval = "30s"
min_evictable_idle = "1m"
tests_per_eviction_run = -2

[network]
rtt = { dist = "uniform", low = "200us", high = "0.3ms" }
idle_timeout = "350s"
on_idle = "reset"

[redis]
shards = 3
service_time = { dist = "exponential", mean = "20us" }
hit_ratio = 0.95
maxclients = 20000
timeout = "300s"
tcp_keepalive = 0
accept_cost = { dist = "lognormal", median = "20us", p99 = "100us" }

[l1]
hit_ratio = 0.5
lookup_time = "2us"

[database]
latency = { dist = "quantiles", p50 = "1ms", p90 = "3ms", p99 = "10ms", p999 = "40ms" }

[client]
hold_during_fallback = false
connect_round_trips = 3
tls = true
connect_timeout = "1s"
socket_timeout = "none"
tcp_keepalive = "60s"
retries = 2
backoff = { base = "5ms", cap = "200ms", jitter = "equal" }
retry_on = ["socket_timeout", "pool_timeout"]
retry_budget = 0.1

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
            keys: None,
            replay: None,
        },
        pods: Pods { count: 12 },
        pool: Pool {
            max_total: 50,
            when_exhausted: WhenExhausted::Block,
            acquire_timeout: Some(ms(5)),
            order: Order::Fifo,
            life: PoolLife {
                min_idle: 5,
                max_idle: 40,
                max_lifetime: Some(SimTime::from_secs(1800)),
                idle_timeout: Some(SimTime::from_secs(600)),
                checkout_check: CheckoutCheck::Peek,
                test_on_borrow: true,
                test_while_idle: true,
                eviction_interval: Some(SimTime::from_secs(30)),
                min_evictable_idle: Some(SimTime::from_secs(60)),
                tests_per_eviction_run: -2,
                keep_failed: false,
            },
        },
        network: Network {
            rtt: Latency::uniform(SimTime::from_micros(200), SimTime::from_micros(300)).unwrap(),
            idle_timeout: Some(SimTime::from_secs(350)),
            on_idle: OnIdle::Reset,
            tcp_user_timeout: None,
            tcp_retries2: 15,
        },
        redis: Redis {
            shards: 3,
            service_time: Latency::exponential(SimTime::from_micros(20)).unwrap(),
            hit_ratio: 0.95,
            maxclients: 20_000,
            timeout: Some(SimTime::from_secs(300)),
            tcp_keepalive: None,
            accept_cost: Latency::lognormal(SimTime::from_micros(20), SimTime::from_micros(100))
                .unwrap(),
            ..redis_defaults()
        },
        l1: L1 {
            hit_ratio: 0.5,
            lookup_time: Latency::Constant(SimTime::from_micros(2)),
            cache: None,
            invalidation_rate: 0.0,
        },
        database: Database {
            latency: Latency::quantiles([1, 3, 10, 40].map(ms)).unwrap(),
            concurrency: None,
            queue_timeout: None,
        },
        client: Client {
            hold_during_fallback: false,
            connect_round_trips: 3,
            tls: true,
            connect_timeout: Some(SimTime::from_secs(1)),
            socket_timeout: None,
            tcp_keepalive: Some(SimTime::from_secs(60)),
            retries: 2,
            backoff: Backoff {
                base: ms(5),
                cap: ms(200),
                jitter: Jitter::Equal,
            },
            retry_on: vec![ErrorCause::PoolTimeout, ErrorCause::SocketTimeout],
            retry_budget: Some(0.1),
            timer_resolution: SimTime::ZERO,
            transport: Transport::Pooled,
            connections: 1,
            max_queued: None,
            checkout_delay: Latency::Constant(SimTime::ZERO),
        },
        faults: Vec::new(),
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
    assert_eq!(s.pool, pool_defaults(8));
    assert_eq!(s.network.rtt, Latency::exponential(ms(1)).unwrap());
    assert_eq!(s.redis, redis_defaults());
    assert_eq!(
        s.l1,
        L1 {
            hit_ratio: 0.0,
            lookup_time: Latency::Constant(SimTime(1_500)),
            cache: None,
            invalidation_rate: 0.0,
        }
    );
    assert_eq!(
        s.database.latency,
        Latency::lognormal(ms(2), ms(20)).unwrap()
    );
    assert_eq!(s.client, client_defaults(true));
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
        "pool.min_idle=5",
        "pool.max_idle=40",
        "pool.max_lifetime=30m",
        "pool.idle_timeout=10m",
        "pool.checkout_check=peek",
        "pool.test_on_borrow=true",
        "pool.test_while_idle=true",
        "pool.eviction_interval=30s",
        "pool.min_evictable_idle=1m",
        "pool.tests_per_eviction_run=-2",
        "network.rtt={ dist = \"uniform\", low = \"200us\", high = \"0.3ms\" }",
        "network.idle_timeout=350s",
        "network.on_idle=reset",
        "redis.shards=3",
        "redis.service_time={ dist = \"exponential\", mean = \"20us\" }",
        "redis.hit_ratio=0.95",
        "redis.maxclients=20000",
        "redis.timeout=300s",
        "redis.tcp_keepalive=0",
        "redis.accept_cost={ dist = \"lognormal\", median = \"20us\", p99 = \"100us\" }",
        "l1.hit_ratio=0.5",
        "l1.lookup_time=2us",
        "database.latency={ dist = \"quantiles\", p50 = \"1ms\", p90 = \"3ms\", p99 = \"10ms\", p999 = \"40ms\" }",
        "client.hold_during_fallback=false",
        "client.connect_round_trips=3",
        "client.tls=true",
        "client.connect_timeout=1s",
        "client.socket_timeout=none",
        "client.tcp_keepalive=60s",
        "client.retries=2",
        "client.backoff.base=5ms",
        "client.backoff.cap=200ms",
        "client.backoff.jitter=equal",
        "client.retry_on=[\"socket_timeout\", \"pool_timeout\"]",
        "client.retry_budget=0.1",
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

fn with_pool(pool: &str) -> Scenario {
    let text = format!("[workload]\nrate = 1000\n\n[pool]\n{pool}\n");
    parse(&text, "p.toml", "p", &[]).unwrap()
}

#[test]
fn jedis_preset_is_jedis_pool_config() {
    let s = with_pool("preset = \"jedis\"");
    assert_eq!(
        s.pool,
        Pool {
            life: PoolLife {
                test_while_idle: true,
                eviction_interval: Some(SimTime::from_secs(30)),
                min_evictable_idle: Some(SimTime::from_secs(60)),
                tests_per_eviction_run: -1,
                ..pool_life_defaults(8)
            },
            ..pool_defaults(8)
        }
    );
    assert_eq!(s.client, client_defaults(true));
}

#[test]
fn a_key_written_in_the_file_overrides_the_preset() {
    // JedisPoolConfig with maxTotal raised keeps maxIdle 8: the churn trap.
    let s = with_pool("preset = \"jedis\"\nmax_total = 20");
    assert_eq!((s.pool.max_total, s.pool.life.max_idle), (20, 8));
    assert!(s.pool.life.test_while_idle);
    // Below 8, the preset's max_idle is lowered to max_total.
    let s = with_pool("preset = \"jedis\"\nmax_total = 4");
    assert_eq!(s.pool.life.max_idle, 4);
    // Failing at once drops the preset's wait.
    let s = with_pool("preset = \"r2d2\"\nwhen_exhausted = \"fail\"");
    assert_eq!(s.pool.acquire_timeout, None);
    // A --set counts like the file.
    let text = "[workload]\nrate = 1\n[pool]\npreset = \"bb8\"\n";
    let s = parse(text, "p.toml", "p", &["pool.order=lifo".into()]).unwrap();
    assert_eq!(s.pool.order, Order::Lifo);
    // A partial backoff table keeps the preset's other fields.
    let text = "[workload]\nrate = 1\n[pool]\npreset = \"go-redis-9.7\"\n[client]\nbackoff = { jitter = \"none\" }\n";
    let s = parse(text, "p.toml", "p", &[]).unwrap();
    assert_eq!(
        s.client.backoff,
        Backoff {
            base: ms(8),
            cap: ms(512),
            jitter: Jitter::None
        }
    );
}

#[test]
fn presets_carry_domain_md_values() {
    let s = with_pool("preset = \"redis-py-7\"");
    assert_eq!(s.pool.max_total, 1_000_000);
    assert_eq!(s.pool.when_exhausted, WhenExhausted::Fail);
    assert_eq!(s.pool.life.checkout_check, CheckoutCheck::Peek);
    assert_eq!(
        (s.client.socket_timeout, s.client.connect_timeout),
        (None, None)
    );
    assert_eq!(s.client.retries, 3);
    assert_eq!(
        (s.client.backoff.base, s.client.backoff.cap),
        (ms(1000), ms(10_000))
    );
    let s = with_pool("preset = \"redis-py-8\"");
    assert_eq!((s.pool.max_total, s.client.retries), (100, 10));
    assert_eq!(s.client.tcp_keepalive, Some(SimTime::from_secs(30)));
    let s = with_pool("preset = \"redis-py-blocking\"");
    assert_eq!(s.pool.acquire_timeout, Some(SimTime::from_secs(20)));
    assert_eq!(s.pool.max_total, 50);
    let s = with_pool("preset = \"go-redis-9.22\"");
    assert_eq!(s.pool.acquire_timeout, Some(SimTime::from_secs(6)));
    assert_eq!(s.client.socket_timeout, Some(SimTime::from_secs(5)));
    assert_eq!(s.pool.life.idle_timeout, Some(SimTime::from_secs(1800)));
    assert!(s.client.retry_on.contains(&ErrorCause::PoolTimeout));
    let s = with_pool("preset = \"bb8\"");
    assert_eq!(s.pool.order, Order::Fifo);
    assert_eq!(s.pool.life.max_lifetime, Some(SimTime::from_secs(1800)));
    assert!(s.pool.life.test_on_borrow);
    assert!(s.pool.life.keep_failed);
    assert_eq!(s.client.socket_timeout, Some(SimTime::from_millis(500)));
    assert_eq!(s.client.timer_resolution, SimTime::from_millis(1));
    let s = with_pool("preset = \"deadpool\"");
    assert_eq!((s.pool.max_total, s.pool.acquire_timeout), (4, None));
    assert!(s.pool.life.test_on_borrow && s.pool.life.keep_failed);
    let s = with_pool("preset = \"commons-pool2\"");
    assert_eq!(s.pool, with_pool("").pool);
}

#[test]
fn preset_values_in_a_conflict_say_so() {
    let text = "[workload]\nrate = 1\n[pool]\npreset = \"go-redis-9.7\"\n[client]\nbackoff = { base = \"1s\" }\n";
    let e = parse(text, "p.toml", "p", &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "p.toml:6:11: [client] backoff.cap: cap (512ms) is below base (1s); the cap must be at \
         least the first sleep (the value of preset \"go-redis-9.7\")"
    );
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

/// Prints the resolved scenario and parses it back.
fn round_trip(text: &str, sets: &[String]) -> (Scenario, Scenario, String) {
    let r = resolve_text(text, "r.toml", "r", sets).unwrap();
    let printed = r.to_toml();
    let back =
        parse(&printed, "printed.toml", "r", &[]).unwrap_or_else(|e| panic!("{e}\n{printed}"));
    (r.scenario, back, printed)
}

#[test]
fn the_resolved_text_parses_back_to_the_same_scenario() {
    let (a, b, _) = round_trip(FULL, &[]);
    assert_eq!(a, b);
    let (a, b, _) = round_trip("[workload]\nrate = 1\n", &[]);
    assert_eq!(a, b);
    for name in presets::NAMES {
        let text = format!("[workload]\nrate = 5\n[pool]\npreset = \"{name}\"\nmax_total = 4\n");
        let (a, b, printed) = round_trip(&text, &[]);
        assert_eq!(a, b, "{name}");
        assert!(
            printed.contains(&format!("preset = \"{name}\"")),
            "{printed}"
        );
    }
}

#[test]
fn the_resolved_text_says_where_each_value_came_from() {
    let text = "[workload]\nrate = 1000\n\n[pool]\npreset = \"jedis\"\nmax_total = 20\n";
    let sets = ["pool.order=fifo".to_string()];
    let r = resolve_text(text, "r.toml", "r", &sets).unwrap();
    let o = |k: &str| r.origins[k].to_string();
    assert_eq!(o("pool.max_total"), "file line 6");
    assert_eq!(o("pool.preset"), "file line 5");
    assert_eq!(o("pool.max_idle"), "preset jedis");
    assert_eq!(o("pool.test_while_idle"), "preset jedis");
    assert_eq!(o("pool.order"), "--set pool.order=fifo");
    assert_eq!(o("redis.maxclients"), "default");
    assert_eq!(o("client.socket_timeout"), "preset jedis");
    assert_eq!(o("client.backoff.base"), "default");
    let printed = r.to_toml();
    for line in [
        "max_total = 20                           # file line 6",
        "max_idle = 8                             # preset jedis",
        "order = \"fifo\"                           # --set pool.order=fifo",
        "min_evictable_idle = \"1m\"                # preset jedis",
        "maxclients = 10000                       # default",
    ] {
        assert!(printed.contains(line), "{line:?} not in\n{printed}");
    }
    // Every key of every table is printed.
    for k in resolve::resolved_keys(&r.scenario) {
        assert!(r.origins.contains_key(&k), "{k}");
    }
    let text = "[workload]\nrate = 1\n[network.rtt]\ndist = \"exponential\"\nmean = \"2ms\"\n";
    let r = resolve_text(text, "r.toml", "r", &[]).unwrap();
    // A latency written as a table names the table's header line.
    assert_eq!(r.origins["network.rtt"], Origin::File { line: 3 });
    let sets = ["network.rtt.mean=3ms".to_string()];
    let r = resolve_text(text, "r.toml", "r", &sets).unwrap();
    assert_eq!(
        r.origins["network.rtt"].to_string(),
        "--set network.rtt.mean=3ms"
    );
}

/// A duration of up to about a day, in whole nanoseconds.
fn span_ns() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..10_000,
        0u64..100_000_000_000_000,
        (0u64..100_000).prop_map(|n| n * 1_000_000),
    ]
}

fn dur(ns: u64) -> String {
    format!("\"{}\"", SimTime(ns))
}

/// A latency in any of its forms.
fn latency_text() -> impl Strategy<Value = String> {
    let pos = || 1u64..100_000_000_000_000;
    prop_oneof![
        span_ns().prop_map(dur),
        pos().prop_map(|m| format!("{{ dist = \"exponential\", mean = {} }}", dur(m))),
        (span_ns(), span_ns()).prop_map(|(a, b)| format!(
            "{{ dist = \"uniform\", low = {}, high = {} }}",
            dur(a.min(b)),
            dur(a.max(b))
        )),
        (pos(), 1u64..1_000_000_000_000).prop_map(|(m, d)| format!(
            "{{ dist = \"lognormal\", median = {}, p99 = {} }}",
            dur(m),
            dur(m + d)
        )),
        (
            pos(),
            1u64..1_000_000_000,
            1u64..1_000_000_000,
            1u64..1_000_000_000
        )
            .prop_map(|(a, b, c, d)| format!(
                "{{ dist = \"quantiles\", p50 = {}, p90 = {}, p99 = {}, p999 = {} }}",
                dur(a),
                dur(a + b),
                dur(a + b + c),
                dur(a + b + c + d)
            )),
    ]
}

/// A finite float of any magnitude in `[0, 1]` or `(0, max]`.
fn ratio() -> impl Strategy<Value = f64> {
    prop_oneof![
        0.0f64..=1.0,
        Just(0.0),
        Just(1.0),
        (0u32..=100).prop_map(|p| f64::from(p) / 100.0)
    ]
}

fn optional_dur() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"none\"".to_string()),
        (1u64..100_000_000_000_000).prop_map(dur)
    ]
}

prop_compose! {
    fn scenario_text()(
        rate in prop_oneof![1e-3f64..1e7, 1e-300f64..1e300, (1u32..100_000).prop_map(f64::from)],
        reads in 1u32..=1000,
        points in prop::collection::vec((span_ns(), 0.0f64..1e6, span_ns()), 0..4),
        pods in 1u32..=10_000,
        preset in prop::sample::select(["none", "jedis", "redis-py-7", "go-redis-9.22", "bb8", "deadpool"].to_vec()),
        max_total in 1u32..=1_000_000,
        idle in (0.0f64..=1.0, 0.0f64..=1.0),
        block in any::<bool>(),
        acquire in optional_dur(),
        lifetimes in (optional_dur(), optional_dur(), optional_dur(), optional_dur()),
        tests in prop_oneof![1i32..1000, -1000i32..=-1],
        lat in (latency_text(), latency_text(), latency_text(), latency_text(), latency_text()),
        ratios in (ratio(), ratio(), prop::option::of(ratio())),
        redis_nums in (1u32..=1024, 1u32..=10_000_000, prop::option::of(span_ns()), prop::option::of(span_ns())),
        client in (any::<bool>(), 1u32..=10, any::<bool>(), 0u32..=100, span_ns(), span_ns()),
        timeouts in (optional_dur(), optional_dur(), optional_dur()),
        retry_on in prop::sample::subsequence(ErrorCause::REDIS.to_vec(), 0..=6),
        network in (optional_dur(), any::<bool>()),
    ) -> String {
        let mut at = 0u64;
        let mut profile = Vec::new();
        for (gap, scale, ramp) in points {
            at += gap;
            profile.push(format!("{{ at = {}, scale = {scale:?}, ramp = {} }}", dur(at), dur(ramp)));
            at += ramp;
        }
        let max_idle = (f64::from(max_total) * idle.0) as u32;
        let min_idle = (f64::from(max_idle) * idle.1) as u32;
        let when = if block { "block" } else { "fail" };
        let acquire = if block { acquire } else { "\"none\"".to_string() };
        let opt_ns = |n: Option<u64>| n.map_or_else(|| "\"none\"".to_string(), dur);
        let (base, cap) = (client.4.min(client.5), client.4.max(client.5));
        let causes: Vec<String> = retry_on.iter().map(|c| format!("\"{}\"", c.name())).collect();
        format!(
            "[simulation]\nseed = 7\n\n[workload]\nrate = {rate:?}\nreads_per_request = {reads}\n\
             profile = [{}]\n\n[pods]\ncount = {pods}\n\n[pool]\npreset = \"{preset}\"\n\
             max_total = {max_total}\nmax_idle = {max_idle}\nmin_idle = {min_idle}\n\
             when_exhausted = \"{when}\"\nacquire_timeout = {acquire}\nmax_lifetime = {}\n\
             idle_timeout = {}\neviction_interval = {}\nmin_evictable_idle = {}\n\
             tests_per_eviction_run = {tests}\n\n[network]\nrtt = {}\nidle_timeout = {}\n\
             on_idle = \"{}\"\n\n[redis]\nshards = {}\nservice_time = {}\nhit_ratio = {:?}\n\
             maxclients = {}\ntimeout = {}\ntcp_keepalive = {}\naccept_cost = {}\n\n\
             [l1]\nhit_ratio = {:?}\nlookup_time = {}\n\n[database]\nlatency = {}\n\n\
             [client]\nhold_during_fallback = {}\nconnect_round_trips = {}\ntls = {}\n\
             retries = {}\nbackoff = {{ base = {}, cap = {} }}\nconnect_timeout = {}\n\
             socket_timeout = {}\ntcp_keepalive = {}\nretry_on = [{}]\nretry_budget = {}\n",
            profile.join(", "),
            lifetimes.0, lifetimes.1, lifetimes.2, lifetimes.3,
            lat.0, network.0, if network.1 { "reset" } else { "drop" },
            redis_nums.0, lat.1, ratios.0, redis_nums.1,
            opt_ns(redis_nums.2), opt_ns(redis_nums.3), lat.2,
            ratios.1, lat.3, lat.4,
            client.0, client.1, client.2, client.3, dur(base), dur(cap),
            timeouts.0, timeouts.1, timeouts.2, causes.join(", "),
            ratios.2.map_or_else(|| "\"none\"".to_string(), |r| format!("{r:?}")),
        )
    }
}

/// The printed scenario parses back to the same scenario. Run on a thread
/// with a large stack: the generator's strategy tree is deep.
#[test]
fn resolved_scenarios_parse_back_the_same() {
    let run = || {
        let config = ProptestConfig {
            cases: 500,
            ..ProptestConfig::default()
        };
        let mut runner = proptest::test_runner::TestRunner::new(config);
        let result = runner.run(&scenario_text(), |text| {
            let first = resolve_text(&text, "g.toml", "g", &[]);
            let r = first.unwrap_or_else(|e| panic!("generated an invalid scenario: {e}\n{text}"));
            let printed = r.to_toml();
            let back = parse(&printed, "printed.toml", "g", &[])
                .unwrap_or_else(|e| panic!("{e}\n{printed}"));
            prop_assert_eq!(&r.scenario, &back, "{}", printed);
            Ok(())
        });
        if let Err(e) = result {
            panic!("{e}");
        }
    };
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(run)
        .unwrap()
        .join()
        .unwrap();
}

/// `[redis]`'s defaults: one proxy shard serving in no time and hitting
/// every read, Redis's own `maxclients` 10000, no idle timeout and a 300 s
/// keepalive, 20 us per accepted connection, and none of the later settings.
fn redis_defaults() -> Redis {
    Redis {
        shards: 1,
        service_time: Latency::Constant(SimTime::ZERO),
        hit_ratio: 1.0,
        maxclients: 10_000,
        timeout: None,
        tcp_keepalive: Some(SimTime::from_secs(300)),
        accept_cost: Latency::Constant(SimTime::from_micros(20)),
        command_overhead: Latency::Constant(SimTime::ZERO),
        ping_time: None,
        mode: RedisMode::Proxy,
        connection_scaling: None,
        commands: Vec::new(),
        value_size: Size::Constant(0),
        bandwidth: None,
        persistence: None,
        reply_batching: false,
        replicas: 0,
        read_from: ReadFrom::Primary,
    }
}

/// The documented defaults of a pool of `max_total`: commons-pool2's, block
/// forever, LIFO.
fn pool_defaults(max_total: u32) -> Pool {
    Pool {
        max_total,
        when_exhausted: WhenExhausted::Block,
        acquire_timeout: None,
        order: Order::Lifo,
        life: pool_life_defaults(max_total),
    }
}

/// The documented defaults of a pool of `max_total` (commons-pool2's,
/// without evictor).
fn pool_life_defaults(max_total: u32) -> PoolLife {
    PoolLife {
        min_idle: 0,
        max_idle: max_total,
        max_lifetime: None,
        idle_timeout: None,
        checkout_check: CheckoutCheck::None,
        test_on_borrow: false,
        test_while_idle: false,
        eviction_interval: None,
        min_evictable_idle: Some(SimTime::from_secs(30 * 60)),
        tests_per_eviction_run: 3,
        keep_failed: false,
    }
}

/// Lifecycle defaults (`hold_during_fallback` aside): 2 connect round
/// trips, no TLS, Jedis's 2 s connect and socket timeouts, no keepalive, no
/// retries (backoff 10 ms to 1 s with full jitter when enabled), retrying
/// connection errors but not pool timeouts, no budget.
fn client_defaults(hold_during_fallback: bool) -> Client {
    Client {
        hold_during_fallback,
        connect_round_trips: 2,
        tls: false,
        connect_timeout: Some(SimTime::from_secs(2)),
        socket_timeout: Some(SimTime::from_secs(2)),
        tcp_keepalive: None,
        retries: 0,
        backoff: Backoff {
            base: SimTime::from_millis(10),
            cap: SimTime::from_secs(1),
            jitter: Jitter::Full,
        },
        retry_on: vec![
            ErrorCause::StaleConnection,
            ErrorCause::SocketTimeout,
            ErrorCause::MaxClients,
            ErrorCause::ConnectTimeout,
        ],
        retry_budget: None,
        timer_resolution: SimTime::ZERO,
        transport: Transport::Pooled,
        connections: 1,
        max_queued: None,
        checkout_delay: Latency::Constant(SimTime::ZERO),
    }
}
