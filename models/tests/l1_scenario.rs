//! Keyed-cache settings in scenario files: parsed, defaulted, printed in the
//! resolved scenario and read back to the same scenario; and a scenario
//! without them prints no trace of them.

use models::scenario::{parse, resolve_text, KeyedL1, Policy, Popularity};
use sim::time::SimTime;

const KEYED: &str = r#"
[workload]
rate = 1000
keys = 1000000
key_popularity = { dist = "zipf", alpha = 0.8 }

[pods]
count = 10

[l1]
policy = "w-tinylfu"
capacity = 10000
ttl = "60s"
ttl_jitter = 0.1
coalesce = true
"#;

#[test]
fn keyed_settings_parse_with_defaults() {
    let s = parse(KEYED, "k.toml", "k", &[]).unwrap();
    assert_eq!(
        s.workload.keys,
        Some(Popularity::zipf(1_000_000, 0.8).unwrap())
    );
    assert_eq!(
        s.l1.cache,
        Some(KeyedL1 {
            policy: Policy::WTinyLfu,
            capacity: 10_000,
            ttl: Some(SimTime::from_secs(60)),
            ttl_jitter: 0.1,
            coalesce: true,
            prewarm: false,
        })
    );
    let uniform = KEYED.replace("key_popularity = { dist = \"zipf\", alpha = 0.8 }", "");
    let s = parse(&uniform, "k.toml", "k", &[]).unwrap();
    assert_eq!(
        s.workload.keys,
        Some(Popularity::uniform(1_000_000).unwrap())
    );
}

#[test]
fn keyed_settings_print_and_parse_back() {
    let r = resolve_text(KEYED, "k.toml", "k", &[]).unwrap();
    let printed = r.to_toml();
    assert!(printed.contains("policy = \"w-tinylfu\""), "{printed}");
    assert!(printed.contains("key_popularity = { dist = \"zipf\", alpha = 0.8 }"));
    assert!(!printed.contains("hit_ratio = 0.0 "), "{printed}");
    let back = parse(&printed, "printed.toml", "k", &[]).unwrap();
    assert_eq!(back, r.scenario);
}

#[test]
fn a_scenario_without_keys_prints_none_of_them() {
    let plain = "[workload]\nrate = 1000\n";
    let printed = resolve_text(plain, "p.toml", "p", &[]).unwrap().to_toml();
    for key in [
        "keys",
        "key_popularity",
        "policy",
        "capacity",
        "ttl",
        "coalesce",
        "prewarm",
    ] {
        assert!(
            !printed.lines().any(|l| l.starts_with(&format!("{key} "))),
            "{key} in\n{printed}"
        );
    }
    assert!(printed.contains("hit_ratio = 0.0"));
}

#[test]
fn keyed_settings_can_be_set_from_the_command_line() {
    let s = parse(
        "[workload]\nrate = 1000\n",
        "p.toml",
        "p",
        &[
            "workload.keys=1000".to_string(),
            "l1.policy=lru".to_string(),
            "l1.capacity=10".to_string(),
        ],
    )
    .unwrap();
    assert_eq!(s.l1.cache.map(|c| c.policy), Some(Policy::Lru));
}
