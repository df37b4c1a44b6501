//! The book cannot rot: every file it includes exists, every scenario it
//! includes parses and runs (shortened), the sweep of every scenario that has
//! one plans and runs its first and last points, every image it links exists
//! and is an SVG, and every book-only scenario is used by a chapter.

use models::engine;
use models::scenario;
use models::sweep::plan::Plan;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.md` file under `book/src`, sorted.
fn chapters() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "md") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    walk(&root().join("book/src"), &mut out);
    out.sort();
    assert!(out.len() >= 10, "book/src has only {} pages", out.len());
    out
}

/// The targets of `{{#include PATH}}` in `text`, as written. mdBook's
/// `PATH:anchor` and `PATH:start:end` forms are cut at the first `:`.
fn includes(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("{{#include ") {
        rest = &rest[i + "{{#include ".len()..];
        let end = rest.find("}}").expect("an {{#include}} is closed");
        let target = rest[..end].trim();
        let path = target.split(':').next().unwrap_or(target);
        out.push(path.to_string());
        rest = &rest[end..];
    }
    out
}

/// The targets of Markdown images `![alt](PATH)` in `text`.
fn images(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("![") {
        rest = &rest[i + 2..];
        let Some(close) = rest.find("](") else { break };
        rest = &rest[close + 2..];
        let end = rest.find(')').expect("an image link is closed");
        out.push(rest[..end].trim().to_string());
        rest = &rest[end..];
    }
    out
}

/// Every file the book includes, resolved, with the chapter that includes it.
fn included_files() -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    for ch in chapters() {
        let text = std::fs::read_to_string(&ch).unwrap();
        for inc in includes(&text) {
            let path = ch.parent().unwrap().join(&inc);
            out.push((ch.clone(), path));
        }
    }
    out
}

/// Scenario files the book includes, canonical and deduplicated.
fn scenarios() -> Vec<PathBuf> {
    let set: BTreeSet<PathBuf> = included_files()
        .into_iter()
        .filter(|(_, p)| p.extension().is_some_and(|e| e == "toml"))
        .map(|(_, p)| p.canonicalize().unwrap())
        .collect();
    set.into_iter().collect()
}

/// Overrides that make any scenario a short run: the point is that it starts
/// and finishes, not what it measures. Profile points beyond the shortened
/// duration are allowed and simply not reached.
fn short() -> Vec<String> {
    [
        "simulation.duration=2s",
        "simulation.warmup=0s",
        "simulation.bucket=1s",
        "simulation.replications=1",
    ]
    .map(String::from)
    .to_vec()
}

fn rel(p: &Path) -> String {
    let root = root().canonicalize().unwrap();
    p.strip_prefix(&root).unwrap_or(p).display().to_string()
}

#[test]
fn every_include_exists() {
    let files = included_files();
    assert!(files.len() >= 20, "only {} includes", files.len());
    for (ch, path) in &files {
        assert!(
            path.is_file(),
            "{} includes {}, which does not exist (book/figures.sh writes figures/)",
            rel(ch),
            path.display()
        );
    }
}

#[test]
fn every_included_scenario_parses() {
    let files = scenarios();
    assert!(
        files.len() >= 10,
        "the book includes {} scenarios",
        files.len()
    );
    for f in &files {
        if let Err(e) = scenario::load(f, &[]) {
            panic!("{} does not parse: {e}", rel(f));
        }
    }
}

#[test]
fn every_included_scenario_runs_shortened() {
    for f in scenarios() {
        let s = scenario::load(&f, &short()).unwrap_or_else(|e| panic!("{}: {e}", rel(&f)));
        let report = engine::run(&s).unwrap_or_else(|e| panic!("{} does not run: {e}", rel(&f)));
        let _ = report;
    }
}

#[test]
fn every_included_sweep_plans_and_runs_its_corners() {
    let mut sweeps = 0;
    for f in scenarios() {
        let text = std::fs::read_to_string(&f).unwrap();
        if !text.lines().any(|l| l.trim() == "[sweep]") {
            continue;
        }
        sweeps += 1;
        let plan = Plan::load(&f, &short(), &[])
            .unwrap_or_else(|e| panic!("{}: the sweep does not plan: {e}", rel(&f)));
        let n = plan.len();
        assert!(n >= 2, "{}: a sweep of {n} point", rel(&f));
        let corners = plan
            .scenarios(&[0, n - 1])
            .unwrap_or_else(|e| panic!("{}: {e}", rel(&f)));
        for s in &corners {
            engine::run(s).unwrap_or_else(|e| panic!("{}: a corner does not run: {e}", rel(&f)));
        }
    }
    assert!(sweeps >= 5, "the book includes {sweeps} sweeps");
}

#[test]
fn every_image_exists_and_is_an_svg() {
    let mut count = 0;
    for ch in chapters() {
        let text = std::fs::read_to_string(&ch).unwrap();
        for img in images(&text) {
            count += 1;
            assert!(
                !img.starts_with("http"),
                "{}: {img} is remote; the book links only its own figures",
                rel(&ch)
            );
            let path = ch.parent().unwrap().join(&img);
            assert!(
                path.is_file(),
                "{} shows {img}, which does not exist (run book/figures.sh)",
                rel(&ch)
            );
            let head = std::fs::read_to_string(&path).unwrap();
            assert!(
                head.trim_start().starts_with("<svg"),
                "{}: {img} is not an SVG written by capsim",
                rel(&ch)
            );
        }
    }
    assert!(count >= 20, "the book shows only {count} figures");
}

#[test]
fn every_book_scenario_is_used_by_a_chapter() {
    let used: BTreeSet<PathBuf> = scenarios().into_iter().collect();
    for e in std::fs::read_dir(root().join("scenarios/book")).unwrap() {
        let p = e.unwrap().path().canonicalize().unwrap();
        if p.extension().is_some_and(|e| e == "toml") {
            assert!(
                used.contains(&p),
                "{} is in scenarios/book/ but no chapter includes it",
                rel(&p)
            );
        }
    }
}

#[test]
fn every_chapter_of_the_summary_exists() {
    let src = root().join("book/src");
    let summary = std::fs::read_to_string(src.join("SUMMARY.md")).unwrap();
    let mut count = 0;
    for line in summary.lines() {
        let Some(open) = line.find("](") else {
            continue;
        };
        let end = line[open..].find(')').unwrap() + open;
        let target = &line[open + 2..end];
        count += 1;
        assert!(
            src.join(target).is_file(),
            "SUMMARY.md lists {target}, which does not exist"
        );
    }
    assert!(count >= 14, "SUMMARY.md lists {count} pages");
}

#[test]
fn include_and_image_parsers() {
    let text =
        "a {{#include ../../x.toml}} b {{#include f.txt:3:5}}\n![alt](figures/a.svg) [link](b.md)";
    assert_eq!(includes(text), ["../../x.toml", "f.txt"]);
    assert_eq!(images(text), ["figures/a.svg"]);
}
