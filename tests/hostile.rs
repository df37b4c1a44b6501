//! A corpus of hostile input: malformed flags, `--set` and `--axis` values,
//! shard files and checkpoints, corrupt results, unusable paths. Every case
//! must end within its time limit with the expected exit status, never a
//! panic or an abort, and with the exact error text in
//! `tests/hostile/expected.txt` (one line per case: `name: status: stderr`,
//! with the case's temporary folder written as `{T}`).
//!
//! After a deliberate change of wording, regenerate the file with
//! `CAPSIM_BLESS=1 cargo test --release --test hostile` and review its diff.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Longest a case may take: every one is refused before any simulation.
const LIMIT: Duration = Duration::from_secs(20);

/// One hostile input: files to create in the case's folder, then the
/// arguments (`{T}` is the folder, `{S}` a valid sweep scenario).
struct Case {
    name: String,
    files: Vec<(String, Vec<u8>)>,
    /// Sparse files of a given size (zeros), too large to hold in memory.
    sparse: Vec<(String, u64)>,
    args: Vec<String>,
}

fn case(name: &str, args: &[&str]) -> Case {
    Case {
        name: name.into(),
        files: Vec::new(),
        sparse: Vec::new(),
        args: args.iter().map(|s| s.to_string()).collect(),
    }
}

fn with_file(mut c: Case, path: &str, bytes: impl Into<Vec<u8>>) -> Case {
    c.files.push((path.into(), bytes.into()));
    c
}

const SWEEP: &str = r#"[simulation]
duration = "1s"
warmup = "0s"
seed = 3
[workload]
rate = 2000
[pool]
max_total = 4
acquire_timeout = "10ms"
[sweep]
x = "workload.rate"
"workload.rate" = [1000, 2000]
"pool.max_total" = [2, 4]
[slo]
"pool.timeout_ratio" = "< 0.01"
"#;

fn flag_cases() -> Vec<Case> {
    let mut out = Vec::new();
    for (i, v) in [
        "-1",
        "9223372036854775808",
        "18446744073709551615",
        "99999999999999999999",
        "abc",
        "1e3",
        "",
        "1.5",
        " 7x",
    ]
    .iter()
    .enumerate()
    {
        out.push(case(
            &format!("flag-seed-{i}"),
            &["run", "{S}", "--seed", v],
        ));
    }
    for (i, v) in ["0", "10001", "-1", "x", "1e2", "4294967296"]
        .iter()
        .enumerate()
    {
        out.push(case(
            &format!("flag-replications-{i}"),
            &["run", "{S}", "--replications", v],
        ));
    }
    for (i, v) in [
        "nan", "NaN", "inf", "-inf", "infinity", "0", "-1", "1e19", "abc", "1e", "0x10", "",
    ]
    .iter()
    .enumerate()
    {
        out.push(case(
            &format!("flag-max-events-run-{i}"),
            &["run", "{S}", "--max-events", v],
        ));
    }
    out.push(case(
        "flag-max-events-check",
        &["check", "{S}", "--max-events", "nan"],
    ));
    out.push(case(
        "flag-max-events-sweep",
        &["sweep", "{S}", "--max-events", "inf"],
    ));
    for (i, v) in ["0", "100000", "-1", "1.5", "abc", "1025", ""]
        .iter()
        .enumerate()
    {
        out.push(case(
            &format!("flag-threads-{i}"),
            &["sweep", "{S}", "--threads", v, "--out", "{T}/o"],
        ));
    }
    for (i, v) in [
        "0/3", "4/3", "x", "1/0", "1/100001", "/", "1/2/3", "-1/2", "",
    ]
    .iter()
    .enumerate()
    {
        out.push(case(
            &format!("flag-shard-{i}"),
            &["sweep", "{S}", "--shard", v, "--out", "{T}/o"],
        ));
    }
    out.push(case("flag-format", &["run", "{S}", "--format", "xml"]));
    out.push(case("flag-unknown", &["run", "{S}", "--nosuch"]));
    out.push(case("flag-no-command", &["nosuch"]));
    for cmd in ["run", "check", "sweep", "report", "merge"] {
        out.push(case(&format!("flag-missing-arg-{cmd}"), &[cmd]));
    }
    out.push(case(
        "flag-refine-with-grid",
        &["sweep", "{S}", "--refine", "--grid", "--out", "{T}/o"],
    ));
    out.push(case(
        "flag-validate-reps",
        &["validate", "--replications", "1"],
    ));
    out.push(case("flag-validate-seed", &["validate", "--seed", "-5"]));
    out
}

fn set_cases() -> Vec<Case> {
    let big = "a".repeat(100_000);
    let sets: Vec<String> = vec![
        "nosuch.key=1".into(),
        "nosuch=1".into(),
        "pool.nosuch=1".into(),
        "pool.max_totl=1".into(),
        "pool.max_total=abc".into(),
        "pool.max_total=0".into(),
        "pool.max_total=-1".into(),
        "pool.max_total=1e10".into(),
        "pool.max_total=1.5".into(),
        "pool.max_total".into(),
        "=5".into(),
        ".=1".into(),
        "pool..max_total=1".into(),
        "pool.max_total[0]=1".into(),
        "workload.profile[99].at=1s".into(),
        "simulation.bucket=0.5ns".into(),
        "simulation.duration=0s".into(),
        "simulation.duration=-1s".into(),
        "simulation.duration=5sec".into(),
        "simulation.duration=1.2.3s".into(),
        "simulation.warmup=2000000h".into(),
        "simulation.duration=99999999999999999999999h".into(),
        "workload.rate=nan".into(),
        "workload.rate=inf".into(),
        "workload.rate=-1".into(),
        "workload.rate=0".into(),
        "l1.hit_ratio=2".into(),
        "l1.hit_ratio=nan".into(),
        "redis.hit_ratio=-0.1".into(),
        "network.rtt=5".into(),
        "network.rtt={dist=\"nosuch\"}".into(),
        "network.rtt={dist=\"lognormal\",median=\"1ms\",p99=\"0.5ms\"}".into(),
        "pool.when_exhausted=maybe".into(),
        "pool.order=random".into(),
        "simulation.seed=-1".into(),
        "simulation.replications=0".into(),
        "pods.count=0".into(),
        "redis.shards=0".into(),
        "pool.acquire_timeout=forever".into(),
        "clé.ü=1".into(),
        "pool.max_total=\u{7}".into(),
        format!("{big}=1"),
        format!("pool.max_total={big}"),
        format!("pool.{big}=1"),
    ];
    let mut out: Vec<Case> = sets
        .iter()
        .enumerate()
        .map(|(i, s)| case(&format!("set-run-{i:02}"), &["run", "{S}", "--set", s]))
        .collect();
    out.push(case(
        "set-run-evictor-1ns",
        &[
            "run",
            "{S}",
            "--set",
            "pool.eviction_interval=1ns",
            "--set",
            "simulation.duration=3s",
        ],
    ));
    out.push(case(
        "set-sweep-evictor-1ns",
        &[
            "sweep",
            "{S}",
            "--set",
            "pool.eviction_interval=1ns",
            "--set",
            "simulation.duration=3s",
            "--out",
            "{T}/o",
        ],
    ));
    for (i, s) in [
        "nosuch.key=1",
        "pool.max_total=0",
        "simulation.bucket=0.5ns",
    ]
    .iter()
    .enumerate()
    {
        out.push(case(
            &format!("set-check-{i}"),
            &["check", "{S}", "--set", s],
        ));
        out.push(case(
            &format!("set-sweep-{i}"),
            &["sweep", "{S}", "--set", s, "--out", "{T}/o"],
        ));
    }
    out
}

fn axis_cases() -> Vec<Case> {
    let axes = [
        "pool.max_total=[]",
        "pool.max_total=[0]",
        "pool.max_total=abc",
        "pool.max_total=[1,\"x\"]",
        "nosuch.key=[1,2]",
        "pool.nosuch=[1,2]",
        "workload.rate={from=1,to=0,steps=3}",
        "workload.rate={from=1000,to=2000,steps=0}",
        "workload.rate={from=1000,to=2000,steps=10000000}",
        "workload.rate={from=nan,to=2000,steps=3}",
        "workload.rate={from=1000,to=inf,steps=3}",
        "workload.rate={from=1000,to=2000}",
        "workload.rate={from=1000,to=2000,steps=3,nosuch=1}",
        "workload.rate={from=0,to=2000,steps=3,scale=\"log\"}",
        "workload.rate=[-1]",
        "workload.rate",
        "=[1]",
        "simulation.duration=[\"0.5ns\"]",
        "simulation.duration=[\"1s\",\"5sec\"]",
        "simulation.duration=[\"1s\",\"3000000h\"]",
        "pool.max_total=[1, 2",
        "pool.order=[\"lifo\",\"random\"]",
    ];
    let mut out: Vec<Case> = axes
        .iter()
        .enumerate()
        .map(|(i, a)| {
            case(
                &format!("axis-{i:02}"),
                &["sweep", "{S}", "--axis", a, "--out", "{T}/o"],
            )
        })
        .collect();
    out.push(case(
        "axis-grid-too-large",
        &[
            "sweep",
            "{S}",
            "--axis",
            "workload.rate={from=1000,to=2000,steps=2000}",
            "--axis",
            "pool.max_total={from=1,to=1000,steps=1000}",
            "--out",
            "{T}/o",
        ],
    ));
    out
}

#[path = "hostile/merge.rs"]
mod merge;
use merge::{merge_cases, HASH, REAL};

fn report_cases() -> Vec<Case> {
    let r = |name: &str, file: &str, bytes: &[u8]| {
        with_file(
            case(name, &["report", "{T}/r"]),
            &format!("r/{file}"),
            bytes.to_vec(),
        )
    };
    vec![
        case("report-no-folder", &["report", "{T}/nosuch"]),
        case("report-empty-folder", &["report", "{T}"]),
        r("report-results-garbage", "results.json", b"x"),
        r("report-results-not-utf8", "results.json", &[0xff, 0xfe]),
        r("report-results-empty", "results.json", b""),
        r("report-run-garbage", "run.json", b"{{{"),
        r(
            "report-results-deep",
            "results.json",
            "[".repeat(100_000).as_bytes(),
        ),
        r("report-results-empty-object", "results.json", b"{}"),
        r("report-results-empty-array", "results.json", b"[]"),
        r(
            "report-results-x-names-no-axis",
            "results.json",
            sweep_results()
                .replace(r#""x": "workload.rate""#, r#""x": "nosuch.key""#)
                .as_bytes(),
        ),
        r(
            "report-results-unfinished-not-text",
            "results.json",
            sweep_results()
                .replacen(r#""point": 0"#, r#""point": 0, "unfinished": 7"#, 1)
                .as_bytes(),
        ),
        r(
            "report-results-schema-99",
            "results.json",
            sweep_results()
                .replace(r#""schema_version": 2"#, r#""schema_version": 99"#)
                .as_bytes(),
        ),
    ]
}

/// A well-formed sweep results file (the reports crate's test data), for
/// cases that corrupt one field of it.
fn sweep_results() -> String {
    let path = common::root().join("reports/tests/data/small-sweep/results.json");
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn path_cases() -> Vec<Case> {
    vec![
        with_file(
            case("path-out-is-file", &["sweep", "{S}", "--out", "{T}/f"]),
            "f",
            b"x".to_vec(),
        ),
        case(
            "path-out-in-proc",
            &["sweep", "{S}", "--out", "/proc/capsim-out"],
        ),
        case(
            "path-out-in-sys",
            &["sweep", "{S}", "--out", "/sys/capsim/out"],
        ),
        case("path-out-dot", &["sweep", "{S}", "--out", "."]),
        case("path-out-root", &["sweep", "{S}", "--out", "/"]),
        case("path-out-empty", &["sweep", "{S}", "--out", ""]),
        case("path-out-dotdot", &["sweep", "{S}", "--out", ".."]),
        with_file(
            case("path-report-is-file", &["run", "{S}", "--report", "{T}/f"]),
            "f",
            b"x".to_vec(),
        ),
        case(
            "path-report-in-proc",
            &["run", "{S}", "--report", "/proc/capsim-x"],
        ),
        case("path-scenario-is-folder", &["run", "{T}"]),
        case("path-scenario-missing", &["run", "{T}/nosuch.toml"]),
        case("path-scenario-dev-null", &["run", "/dev/null"]),
        with_file(
            case("path-scenario-binary", &["run", "{T}/b.toml"]),
            "b.toml",
            vec![0u8, 159, 146, 150, 255],
        ),
        with_file(
            case("path-scenario-too-large", &["check", "{T}/big.toml"]),
            "big.toml",
            vec![b'#'; (16 << 20) + 10],
        ),
        with_file(
            case(
                "path-merge-out-is-file",
                &["merge", "{T}/a.json", "--out", "{T}/a.json"],
            ),
            "a.json",
            REAL.get().expect("set before the cases are built").clone(),
        ),
    ]
}

/// A checkpoint left in the output folder: `--resume` must refuse it.
fn checkpoint_cases() -> Vec<Case> {
    let c = |name: &str, bytes: &[u8]| {
        with_file(
            case(name, &["sweep", "{S}", "--out", "{T}/o", "--resume", "-q"]),
            "o/checkpoint.jsonl",
            bytes.to_vec(),
        )
    };
    let header = |version: &str, hash: &str| {
        format!(
            "{{\"format\":\"capsim-sweep-checkpoint\",\"capsim_version\":\"{version}\",\"scenario_hash\":\"{hash}\",\"shard\":null}}\n"
        )
    };
    vec![
        c("checkpoint-garbage", b"x\n"),
        c("checkpoint-other-format", b"{\"format\":\"other\",\"capsim_version\":\"1\",\"scenario_hash\":\"1\",\"shard\":null}\n"),
        c("checkpoint-other-version", header("0.0.1", "0").as_bytes()),
        c(
            "checkpoint-other-sweep",
            header(env!("CARGO_PKG_VERSION"), "0123456789abcdef").as_bytes(),
        ),
        c("checkpoint-line-too-long", &vec![b'x'; (1 << 20) + 10]),
        c("checkpoint-not-utf8", &[0xff, 0xfe, b'\n']),
    ]
}

fn all_cases() -> Vec<Case> {
    let mut v = flag_cases();
    v.extend(set_cases());
    v.extend(axis_cases());
    v.extend(merge_cases());
    v.extend(report_cases());
    v.extend(path_cases());
    v.extend(checkpoint_cases());
    v
}

/// Runs a case; returns its status and stderr with `{T}` for its folder.
fn run(c: &Case, root: &Path, scenario: &Path) -> (i32, String) {
    let dir = root.join(&c.name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (path, bytes) in &c.files {
        let p = dir.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, bytes).unwrap();
    }
    for (path, len) in &c.sparse {
        let f = std::fs::File::create(dir.join(path)).unwrap();
        f.set_len(*len).unwrap();
    }
    let t = dir.display().to_string();
    let args: Vec<String> = c
        .args
        .iter()
        .map(|a| {
            a.replace("{T}", &t)
                .replace("{S}", &scenario.display().to_string())
        })
        .collect();
    let mut child = Command::new(env!("CARGO_BIN_EXE_capsim"))
        .args(&args)
        .current_dir(&dir)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        if started.elapsed() > LIMIT {
            let _ = child.kill();
            panic!("{}: still running after {LIMIT:?} (a hang)", c.name);
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    let code = status.code().unwrap_or_else(|| {
        panic!(
            "{}: ended by a signal ({status:?}), an abort: {err}",
            c.name
        )
    });
    let err = err
        .replace(&t, "{T}")
        .replace(&scenario.display().to_string(), "{S}");
    (code, err)
}

#[test]
fn hostile_inputs_are_refused_with_a_clear_line() {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("hostile");
    let _ = std::fs::remove_dir_all(&root);
    std::fs::create_dir_all(&root).unwrap();
    let scenario = root.join("s.toml");
    std::fs::write(&scenario, SWEEP).unwrap();
    let shard = root.join("shard");
    let ok = Command::new(env!("CARGO_BIN_EXE_capsim"))
        .args(["sweep", "--shard", "1/1", "-q", "--out"])
        .arg(&shard)
        .arg(&scenario)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(ok.success());
    let bytes = std::fs::read(shard.join("shard-1-of-1.json")).unwrap();
    let real: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
    HASH.get_or_init(|| real["scenario_hash"].as_str().unwrap().to_string());
    REAL.get_or_init(|| bytes);
    let cases = all_cases();
    assert!(cases.len() >= 150, "{} cases", cases.len());
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), cases.len(), "case names are unique");
    let mut got = String::new();
    for c in &cases {
        let (code, err) = run(c, &root, &scenario);
        assert!(!err.contains("panicked"), "{}: a panic: {err}", c.name);
        assert!(
            matches!(code, 1 | 2),
            "{}: exit status {code}, expected a refusal: {err}",
            c.name
        );
        let line = err.trim_end();
        assert!(!line.is_empty(), "{}: no message", c.name);
        assert!(
            !line.contains('\n'),
            "{}: the error takes more than one line: {err}",
            c.name
        );
        assert!(
            line.len() < 1000,
            "{}: a {}-byte message",
            c.name,
            line.len()
        );
        got += &format!("{}: {code}: {line}\n", c.name);
    }
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/hostile/expected.txt");
    if std::env::var_os("CAPSIM_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, &got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_default();
    for (g, w) in got.lines().zip(want.lines()) {
        assert_eq!(g, w, "error text changed (see the file's doc to update it)");
    }
    assert_eq!(got.lines().count(), want.lines().count());
}
