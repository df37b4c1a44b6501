//! Reports as a reviewer gets them: every SVG parses and renders to a
//! non-blank image, the page refers only to files that exist, and the report
//! of a small sweep matches its golden copy byte for byte.
//!
//! To accept a deliberate change of the golden files:
//! `UPDATE_GOLDEN=1 cargo test -p reports --test render`, then review the diff
//! (and the charts) before committing.

use reports::input::{Mark, NamedSeries, Objective, RunResults, RunSeries, Setting};
use std::path::{Path, PathBuf};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join(name)
}

/// A fresh folder under the target directory.
fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("reports-{name}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Copies the sweep fixture into a scratch folder.
fn sweep_dir(name: &str) -> PathBuf {
    let dir = scratch(name);
    for f in ["results.json", "scenario.toml"] {
        std::fs::copy(data("data/small-sweep").join(f), dir.join(f)).unwrap();
    }
    dir
}

/// Renders `svg` with resvg and checks that it draws something: many
/// pixels that are not the background, in more than two colours.
fn assert_renders(path: &Path) {
    let svg = std::fs::read_to_string(path).unwrap();
    let opt = resvg::usvg::Options::default();
    let tree = resvg::usvg::Tree::from_str(&svg, &opt)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let size = tree.size().to_int_size();
    assert!(
        size.width() >= 600 && size.height() >= 300,
        "{}: too small",
        path.display()
    );
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).unwrap();
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    let pixels = pixmap.pixels();
    let inked = pixels
        .iter()
        .filter(|p| (p.red(), p.green(), p.blue()) != (255, 255, 255) || p.alpha() < 255)
        .count();
    let mut colours: Vec<(u8, u8, u8)> = pixels
        .iter()
        .map(|p| (p.red(), p.green(), p.blue()))
        .collect();
    colours.sort();
    colours.dedup();
    assert!(
        inked > pixels.len() / 100,
        "{}: nearly blank ({inked} inked pixels)",
        path.display()
    );
    assert!(
        colours.len() > 3,
        "{}: only {} colours",
        path.display(),
        colours.len()
    );
    assert!(svg.contains("<text"), "{}: no text", path.display());
}

/// Every `src="..."` and `href="..."` of the page that is not an anchor.
fn references(html: &str) -> Vec<String> {
    let mut out = Vec::new();
    for attr in ["src=\"", "href=\""] {
        for part in html.split(attr).skip(1) {
            let target = part.split('"').next().unwrap_or_default();
            if !target.starts_with('#') {
                out.push(target.to_string());
            }
        }
    }
    out
}

fn assert_page_links(dir: &Path) {
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    let refs = references(&html);
    assert!(!refs.is_empty());
    for r in refs {
        assert!(
            !r.contains("://") && !r.starts_with('/'),
            "page refers outside its folder: {r}"
        );
        assert!(dir.join(&r).is_file(), "page refers to missing {r}");
    }
}

#[test]
fn sweep_report_renders_and_links() {
    let dir = sweep_dir("sweep");
    let written = reports::render(&dir).unwrap();
    assert_eq!(written.last().unwrap(), &dir.join("index.html"));
    let svgs: Vec<&PathBuf> = written
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
        .collect();
    assert!(svgs.len() >= 7, "{svgs:?}");
    for svg in svgs {
        assert_renders(svg);
    }
    assert_page_links(&dir);
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    for needle in [
        "small-sweep",
        "capsim sweep",
        "seed",
        "0.1.0",
        "Thresholds",
        "pass",
        "FAIL",
        "Question: how many",
    ] {
        assert!(html.contains(needle), "page lacks {needle:?}");
    }
}

#[test]
fn sweep_report_matches_golden() {
    let dir = sweep_dir("golden");
    let written = reports::render(&dir).unwrap();
    let golden = data("golden/small-sweep");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    if update {
        let _ = std::fs::remove_dir_all(&golden);
        std::fs::create_dir_all(&golden).unwrap();
    }
    let mut names: Vec<String> = written
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    for name in &names {
        let got = std::fs::read(dir.join(name)).unwrap();
        if update {
            std::fs::write(golden.join(name), &got).unwrap();
            continue;
        }
        let want = std::fs::read(golden.join(name))
            .unwrap_or_else(|_| panic!("no golden {name}; run with UPDATE_GOLDEN=1 and review"));
        assert!(
            got == want,
            "{name} differs from tests/golden/small-sweep/{name}; if intended, UPDATE_GOLDEN=1"
        );
    }
    let mut expected: Vec<String> = std::fs::read_dir(&golden)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    expected.sort();
    assert_eq!(names, expected, "the set of files changed");
}

#[test]
fn rerendering_gives_the_same_bytes() {
    let dir = sweep_dir("twice");
    let first = reports::render(&dir).unwrap();
    let bytes: Vec<Vec<u8>> = first.iter().map(|p| std::fs::read(p).unwrap()).collect();
    let second = reports::render(&dir).unwrap();
    assert_eq!(first, second);
    for (p, b) in second.iter().zip(bytes) {
        assert_eq!(std::fs::read(p).unwrap(), b, "{}", p.display());
    }
    // No temporary files are left behind.
    for e in std::fs::read_dir(&dir).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with('.'), "left over: {name}");
    }
}

/// A run with a spike in the middle: the pool saturates and times out.
fn spike_run() -> RunResults {
    let n = 60;
    let t: Vec<f64> = (0..n).map(|i| i as f64).collect();
    let shape = |i: usize| if (20..35).contains(&i) { 3.0 } else { 1.0 };
    let series = |name: &str, f: &dyn Fn(usize) -> f64| NamedSeries {
        name: name.into(),
        values: (0..n).map(|i| Some(f(i))).collect(),
    };
    RunResults {
        schema_version: reports::input::RUN_SCHEMA_VERSION,
        capsim_version: "0.1.0".into(),
        scenario: "spike".into(),
        scenario_hash: "0123456789abcdef".into(),
        seed: 3,
        replications: 1,
        command: Some("capsim run spike.toml --report out/spike".into()),
        story: Some("A spike to 3x for 15 s.".into()),
        settings: vec![Setting {
            key: "pool.max_total".into(),
            value: "20 connections per pod".into(),
        }],
        pool_capacity: Some(20.0),
        database_capacity: None,
        marks: vec![Mark {
            at_secs: 20.0,
            label: "restart of shard 0 at 20s".into(),
        }],
        slo: vec![Objective {
            metric: "pool.timeout_ratio".into(),
            expression: "< 0.001".into(),
        }],
        metrics: [
            ("pool.timeout_ratio".to_string(), Some(0.02)),
            ("latency.p99_ms".to_string(), None),
        ]
        .into_iter()
        .collect(),
        ci95: Default::default(),
        series: RunSeries {
            bucket_secs: 1.0,
            t_secs: t,
            series: vec![
                series("arrivals_per_s", &|i| 5000.0 * shape(i)),
                series("ok_per_s", &|i| 5000.0 * shape(i).min(2.5)),
                series("in_use", &|i| (6.0 * shape(i)).min(20.0)),
                series("open", &|i| (8.0 * shape(i)).min(20.0)),
                series("waiters", &|i| if shape(i) > 1.0 { 40.0 } else { 0.0 }),
                series("redis_utilization", &|i| 0.1 * shape(i)),
                series("failures_per_s.pool_timeout", &|i| {
                    if shape(i) > 1.0 {
                        2500.0
                    } else {
                        0.0
                    }
                }),
                series("failures_per_s.socket_timeout", &|_| 0.0),
            ],
        },
        spike_secs: Some([20.0, 35.0]),
    }
}

#[test]
fn run_report_renders_and_links() {
    let dir = scratch("run");
    let written = reports::run::write_and_render(&dir, &spike_run()).unwrap();
    assert!(dir.join("run.json").is_file());
    for p in written
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
    {
        assert_renders(p);
    }
    assert_page_links(&dir);
    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert!(html.contains("FAIL") && html.contains("capsim run spike.toml"));
    // The fault is named on every time series.
    let traffic = std::fs::read_to_string(dir.join("traffic.svg")).unwrap();
    assert!(
        traffic.contains("Dotted: restart of shard 0") && traffic.contains("at 20s."),
        "no mark"
    );
    // `capsim report DIR` goes through `render`, which finds run.json.
    assert_eq!(reports::render(&dir).unwrap(), written);
}

#[test]
fn a_hot_shard_gets_its_own_charts() {
    let single = reports::run::charts(&spike_run());
    assert!(!single.iter().any(|c| c.0.starts_with("shard")));
    // Ten shards, shard 7 three times as busy as the others.
    let mut r = spike_run();
    for i in 0..10 {
        let level = if i == 7 { 0.9 } else { 0.3 };
        r.series.series.push(NamedSeries {
            name: format!("shard_utilization.{i}"),
            values: vec![Some(level); 60],
        });
    }
    let charts = reports::run::charts(&r);
    let find = |f: &str| charts.iter().find(|c| c.0 == f).map(|c| &c.1);
    let over_time = find("shards.svg").expect("shards.svg");
    assert_eq!(over_time.lines.len(), 8, "the 8 busiest shards are drawn");
    assert_eq!(over_time.lines[0].label, "shard 7", "the hottest first");
    assert!(
        over_time.note.contains("8 busiest of 10"),
        "{}",
        over_time.note
    );
    let load = find("shard-load.svg").expect("shard-load.svg");
    let points = &load.lines[0].points;
    assert_eq!(points.len(), 10);
    assert!((points[7].1 - 90.0).abs() < 1e-9 && (points[0].1 - 30.0).abs() < 1e-9);
    assert!(
        (load.references[0].value - 36.0).abs() < 1e-9,
        "mean of all shards"
    );
    let dir = scratch("run-shards");
    let written = reports::run::write_and_render(&dir, &r).unwrap();
    for p in written
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "svg"))
    {
        assert_renders(p);
    }
    assert_page_links(&dir);
}

#[test]
fn missing_or_bad_results_say_what_to_do() {
    let dir = scratch("empty");
    let e = reports::render(&dir).unwrap_err().to_string();
    assert!(
        e.contains("holds no results.json") && e.contains("recommendation.json"),
        "{e}"
    );
    std::fs::write(dir.join("results.json"), "{\"points\": 3}").unwrap();
    let e = reports::render(&dir).unwrap_err().to_string();
    assert!(e.contains("results.json") && e.contains("line 1"), "{e}");
}
