//! Keeps `book/src/reference/scenario.md` in step with the code: the key
//! table of each section (`## [pool]`, `## [[faults]]`) is the text
//! `spec::reference_table` generates from the schema, so every key has a
//! row, with its type, its default, the presets that set it and its meaning,
//! and no row names a key the schema does not have. `CAPSIM_BLESS=1`
//! rewrites the tables from the schema. The defaults the schema states are
//! also checked against what `capsim check` prints for a scenario that
//! writes nothing else.

use models::scenario::resolve::value_text;
use models::scenario::spec::{self, Missing};
use models::scenario::{parse, presets};

const PAGE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../book/src/reference/scenario.md"
);

/// The page with each section's key table generated from the schema.
fn generated(page: &str) -> String {
    let mut out = page.to_string();
    for table in spec::TABLES.iter().filter(|t| !t.name.contains('.')) {
        let heading = match table.array {
            true => format!("## [[{}]]\n", table.name),
            false => format!("## [{}]\n", table.name),
        };
        let start = out
            .find(&heading)
            .unwrap_or_else(|| panic!("no section {heading}"));
        let head = "| key | type | default | presets | meaning |\n";
        let from = start
            + out[start..]
                .find(head)
                .unwrap_or_else(|| panic!("no key table under {heading}"));
        let len = out[from..].find("\n\n").map_or(out.len() - from, |n| n + 1);
        out.replace_range(from..from + len, &spec::reference_table(table));
    }
    out
}

#[test]
fn the_key_tables_are_generated_from_the_schema() {
    let page = std::fs::read_to_string(PAGE).expect("the reference page exists");
    let want = generated(&page);
    if std::env::var_os("CAPSIM_BLESS").is_some() {
        std::fs::write(PAGE, &want).expect("the reference page is writable");
        return;
    }
    if page != want {
        let line = page
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .map_or(0, |n| n + 1);
        panic!(
            "book/src/reference/scenario.md differs from the schema (models/src/scenario/spec/) \
             from line {line}; rerun with CAPSIM_BLESS=1 to regenerate its key tables"
        );
    }
}

#[test]
fn the_schema_defaults_are_what_check_prints() {
    let defaults = parse("[workload]\nrate = 1\n", "d.toml", "d", &[]).unwrap();
    let mut problems = Vec::new();
    for table in spec::model_tables() {
        for key in table.keys {
            let printed = value_text(&defaults, table.name, key.name);
            let stated = match key.missing {
                Missing::Computed(text) => text.split('`').nth(1).unwrap_or("").to_string(),
                Missing::Required(_) => continue,
                _ => key.default_toml().expect("a default"),
            };
            if printed != stated {
                problems.push(format!(
                    "{}.{}: the schema says {stated}, check prints {printed}",
                    table.name, key.name
                ));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn every_preset_has_a_row() {
    let page = std::fs::read_to_string(PAGE).expect("the reference page exists");
    for name in presets::NAMES {
        assert!(
            page.contains(&format!("| `{name}` |")),
            "preset {name}: no row in the presets table"
        );
    }
}
