//! Golden tests of scenario errors: every `tests/bad_scenarios/NN-name.toml`
//! at the workspace root must fail to load with exactly the one-line message
//! in its sibling `NN-name.err`. Set `CAPSIM_BLESS=1` to write the `.err`
//! files from the current messages (then review the diff). Data files that
//! cases name (`dist = "samples"`, `"prometheus"`) are in `bad_scenarios/data/`.

use models::scenario::load;
use std::path::{Path, PathBuf};

/// The corpus folder, found from this crate's manifest so the test does not
/// depend on the working directory.
fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/bad_scenarios")
}

#[test]
fn every_bad_scenario_fails_with_its_message() {
    let dir = corpus();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/bad_scenarios exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 30, "only {} bad scenarios", files.len());
    let bless = std::env::var_os("CAPSIM_BLESS").is_some();
    let mut failures = Vec::new();
    for file in &files {
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        // Stable, relative names in messages: `bad_scenarios/NN-name.toml`,
        // and data files beside it as `bad_scenarios/data/...`. Data files
        // are found from the scenario's path, so both readers get the full one.
        let text = std::fs::read_to_string(file).unwrap();
        let overrides = overrides_of(&text);
        let full = file.display().to_string();
        let shorten = |m: String| m.replace(&dir.display().to_string(), "bad_scenarios");
        let got = match models::scenario::parse(&text, &full, &stem, &overrides) {
            Ok(_) => "(no error)".to_string(),
            Err(e) => shorten(e.to_string()),
        };
        // `load` must agree with `parse`.
        let loaded = load(file, &overrides).map_err(|e| shorten(e.to_string()));
        assert_eq!(
            loaded.err(),
            (got != "(no error)").then(|| got.clone()),
            "{stem}: load and parse disagree"
        );
        let err_file = file.with_extension("err");
        if bless {
            std::fs::write(&err_file, format!("{got}\n")).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&err_file).unwrap_or_default();
        if got != want.trim_end_matches('\n') {
            failures.push(format!(
                "{stem}:\n  want: {}\n  got:  {got}",
                want.trim_end()
            ));
        }
        assert!(!got.contains('\n'), "{stem}: message is not one line");
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `# set: KEY=VALUE` comment lines give `--set` overrides for a case.
fn overrides_of(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("# set: "))
        .map(|s| s.trim().to_string())
        .collect()
}
