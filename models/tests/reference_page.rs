//! Keeps `book/src/reference/scenario.md` in step with the code: every key of
//! the raw structs has a row in its table's section, the default column
//! starts with the value `capsim check` prints for a scenario that writes
//! nothing else, the presets column lists exactly the presets that set the
//! key, and no row names a key the schema does not have.

use models::scenario::resolve::value_text;
use models::scenario::{parse, presets, raw};
use std::collections::BTreeSet;

fn page() -> String {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../book/src/reference/scenario.md"
    );
    std::fs::read_to_string(path).expect("the reference page exists")
}

/// The rows of the table under `## [table]`: (key, cells).
fn rows(page: &str, table: &str) -> Vec<(String, Vec<String>)> {
    let heading = format!("## [{table}]");
    let start = page
        .find(&format!("{heading}\n"))
        .unwrap_or_else(|| panic!("no section {heading}"));
    let section = &page[start + heading.len()..];
    let section = &section[..section.find("\n## ").unwrap_or(section.len())];
    section
        .lines()
        .filter(|l| l.starts_with("| `"))
        .map(|l| {
            let cells: Vec<String> = l
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect();
            (cells[0].trim_matches('`').to_string(), cells)
        })
        .collect()
}

/// The first `code` span of a cell.
fn first_code(cell: &str) -> Option<&str> {
    let open = cell.find('`')?;
    let rest = &cell[open + 1..];
    Some(&rest[..rest.find('`')?])
}

/// The presets that set `table.key` (any field of it, for `client.backoff`).
fn presets_setting(table: &str, key: &str) -> Vec<&'static str> {
    let dotted = format!("{table}.{key}");
    presets::NAMES
        .into_iter()
        .filter(|p| {
            presets::keys(p)
                .iter()
                .any(|k| *k == dotted || k.starts_with(&format!("{dotted}.")))
        })
        .collect()
}

#[test]
fn every_key_is_documented_with_its_default_and_presets() {
    let page = page();
    let defaults = parse("[workload]\nrate = 1\n", "d.toml", "d", &[]).unwrap();
    let mut problems = Vec::new();
    for table in raw::table_names()
        .iter()
        .filter(|t| raw::table_keys(t).is_some())
    {
        let keys = raw::table_keys(table).unwrap();
        let rows = rows(&page, table);
        let documented: BTreeSet<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        for extra in documented.iter().filter(|k| !keys.contains(k)) {
            problems.push(format!(
                "[{table}] {extra}: documented but not in the schema"
            ));
        }
        for key in keys {
            let Some((_, cells)) = rows.iter().find(|r| r.0 == *key) else {
                problems.push(format!("[{table}] {key}: no row"));
                continue;
            };
            assert_eq!(cells.len(), 5, "[{table}] {key}: expected 5 columns");
            let want = if (*table, *key) == ("workload", "rate") {
                None
            } else {
                Some(value_text(&defaults, table, key))
            };
            let got = first_code(&cells[2]);
            match &want {
                Some(w) if got != Some(w.as_str()) => problems.push(format!(
                    "[{table}] {key}: default documented as {:?}, the code uses `{w}`",
                    cells[2]
                )),
                None if cells[2] != "required" => {
                    problems.push(format!("[{table}] {key}: should say required"))
                }
                _ => {}
            }
            let setting = presets_setting(table, key);
            let listed: Vec<&str> = match cells[3].as_str() {
                "none" => Vec::new(),
                c => c.split(", ").collect(),
            };
            if listed != setting {
                problems.push(format!(
                    "[{table}] {key}: presets listed {listed:?}, set by {setting:?}"
                ));
            }
        }
    }
    for name in presets::NAMES {
        if !page.contains(&format!("| `{name}` |")) {
            problems.push(format!("preset {name}: no row in the presets table"));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}
