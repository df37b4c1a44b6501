//! The client-library snippets of `recommend` against the preset table: for
//! every preset, each option of its library's snippet must carry the name
//! the preset cites for that key (when the preset's comment names one) and
//! the preset's value, read back from the line in the library's unit. So a
//! preset and its snippet cannot drift apart. When a key has several options
//! (StackExchange.Redis's `syncTimeout` and `asyncTimeout`), the one the
//! preset names must be among them. The multiplexed clients (Lettuce,
//! StackExchange.Redis, ioredis) are checked like the pooled ones.

use models::recommend::snippets::{entries, snippet, Library};
use models::scenario::presets;
use models::sweep::axis::parse_duration_ns;

/// A literal read back from a snippet line.
#[derive(Debug, PartialEq)]
enum Lit {
    Num(f64),
    Bool(bool),
    Nothing,
}

/// The value written on a snippet line, in the scenario's unit
/// (milliseconds for durations).
fn read_back(lib: Library, line: &str) -> Lit {
    let inner = line
        .trim_end_matches([',', ';', '}'])
        .rsplit(['(', '=', ':', ' '])
        .find(|t| !t.trim_end_matches(')').is_empty())
        .unwrap_or("")
        .trim_end_matches(')')
        .trim();
    match inner {
        "true" | "True" => return Lit::Bool(true),
        "false" | "False" => return Lit::Bool(false),
        // Java's largest int: Lettuce's unbounded request queue.
        "None" | "Integer.MAX_VALUE" => return Lit::Nothing,
        _ => {}
    }
    if line.contains("time.Millisecond") {
        let n = line.split(':').nth(1).unwrap().split('*').next().unwrap();
        return Lit::Num(n.trim().parse().unwrap());
    }
    let n: f64 = inner
        .parse()
        .unwrap_or_else(|_| panic!("no value on {line:?} ({inner:?})"));
    let duration =
        line.contains("Duration") || line.contains("timeout=") || line.contains("TCP_KEEPIDLE");
    match (lib, duration) {
        // Java's -1 means "no limit", as the scenario's "none".
        (Library::Jedis, true) if n < 0.0 => Lit::Nothing,
        (Library::RedisPy | Library::RedisPyBlocking, true) => Lit::Num(n * 1e3),
        _ => Lit::Num(n),
    }
}

/// The preset's value of `key` in the snippet's terms.
fn preset_value(lib: Library, option: &str, v: &toml::Value) -> Lit {
    if option == "socket_keepalive" || (lib == Library::Lettuce && option == "keepAlive") {
        // redis-py and Lettuce turn keepalive on or off; the idle time is an
        // option of its own.
        return Lit::Bool(v.as_str() != Some("none"));
    }
    match v {
        toml::Value::Integer(i) => Lit::Num(*i as f64),
        toml::Value::Boolean(b) => Lit::Bool(*b),
        toml::Value::String(s) => match s.as_str() {
            "none" => Lit::Nothing,
            "block" => Lit::Bool(true),
            "fail" => Lit::Bool(false),
            "lifo" => Lit::Bool(option == "lifo"),
            "fifo" => Lit::Bool(option == "PoolFIFO"),
            d => match parse_duration_ns(d) {
                Some(ns) => Lit::Num(ns / 1e6),
                None => panic!("{lib:?}: unexpected preset value {d:?}"),
            },
        },
        other => panic!("{lib:?}: unexpected preset value {other}"),
    }
}

/// The option a preset line's comment names, when it names one:
/// `max_total = 8  # maxTotal` names `maxTotal`. The line is the first text's
/// of the preset that sets the key (the one whose value the preset takes).
fn named_option(texts: &[&str], key: &str) -> Option<String> {
    let name = key.rsplit('.').next()?;
    let line = texts.iter().find_map(|t| {
        t.lines()
            .find(|l| l.split('=').next().map(str::trim) == Some(name))
    })?;
    let comment = line.split_once('#')?.1.trim();
    let comment = comment
        .strip_prefix("JedisPoolConfig:")
        .unwrap_or(comment)
        .trim();
    let token: String = comment
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '.')
        .collect();
    let rest = &comment[token.len()..];
    let names = !token.is_empty()
        && token
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && (rest.is_empty()
            || rest.starts_with(" =")
            || rest.starts_with(':')
            || rest.starts_with(" ("));
    names.then_some(token)
}

fn scenario_of(preset: &str) -> models::scenario::Scenario {
    let text = format!("[workload]\nrate = 1000\n\n[pool]\npreset = \"{preset}\"\n");
    models::scenario::parse(&text, "preset.toml", "preset", &[]).expect("a preset alone is valid")
}

#[test]
fn every_snippet_names_and_values_match_its_preset() {
    let mut checked = 0;
    for preset in presets::NAMES {
        let s = scenario_of(preset);
        let lib = Library::of_preset(preset).expect("every preset has a library");
        let texts = presets::texts(preset).unwrap();
        let table = presets::table(preset).unwrap();
        let code = snippet(lib, &s);
        let all = entries(lib, &s);
        for e in &all {
            assert!(
                code.contains(&e.line),
                "{preset}: {:?} not in\n{code}",
                e.line
            );
            if let Some(named) = named_option(texts, e.key) {
                assert!(
                    all.iter().any(|x| x.key == e.key && x.option == named),
                    "{preset}: {} is {named} in the preset, the snippet has {}",
                    e.key,
                    e.option
                );
            }
            let (section, name) = e.key.split_once('.').unwrap();
            let Some(v) = table.get(section).and_then(|t| t.get(name)) else {
                continue;
            };
            assert_eq!(
                read_back(lib, &e.line),
                preset_value(lib, e.option, v),
                "{preset}: {} = {v} written as {:?}",
                e.key,
                e.line
            );
            checked += 1;
        }
    }
    // Every preset contributes: a broken reader cannot pass by checking nothing.
    assert!(checked >= 50, "only {checked} options checked");
}
