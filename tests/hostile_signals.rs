//! Sweeps that are stopped: SIGTERM partway then `--resume` gives the bytes
//! of an uninterrupted run, and SIGKILL at random moments never leaves a
//! mixed or partial output set or a temporary file in the output folder.

#![cfg(unix)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn capsim() -> Command {
    Command::new(env!("CARGO_BIN_EXE_capsim"))
}

fn tmp(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// A sweep of `points` rates x 2 pools, each point `secs` simulated seconds.
fn scenario(dir: &Path, secs: u32, points: u32) -> PathBuf {
    let p = dir.join("s.toml");
    std::fs::write(
        &p,
        format!(
            r#"[simulation]
duration = "{secs}s"
warmup = "0s"
seed = 5
[workload]
rate = 4000
[pool]
max_total = 8
acquire_timeout = "10ms"
[network]
rtt = {{ dist = "exponential", mean = "1ms" }}
[sweep]
x = "workload.rate"
"workload.rate" = {{ from = 1000, to = 8000, steps = {points} }}
"pool.max_total" = [6, 12]
[slo]
"pool.timeout_ratio" = "< 0.001"
"#
        ),
    )
    .unwrap();
    p
}

/// Every file of `dir` (not folders) with its bytes.
fn files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries {
            let e = e.unwrap();
            if e.path().is_file() {
                out.insert(
                    e.file_name().to_string_lossy().into_owned(),
                    std::fs::read(e.path()).unwrap(),
                );
            }
        }
    }
    out
}

fn signal(child: &Child, sig: &str) {
    let ok = Command::new("kill")
        .args([sig, &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    // The process may have ended on its own just before.
    let _ = ok;
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[test]
fn sigterm_then_resume_gives_the_bytes_of_an_uninterrupted_sweep() {
    let dir = tmp("sigterm-resume");
    let s = scenario(&dir, 20, 10);
    let full = dir.join("full");
    let started = Instant::now();
    let status = capsim()
        .args([
            "sweep",
            s.to_str().unwrap(),
            "--threads",
            "1",
            "-q",
            "--out",
        ])
        .arg(&full)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    let full_secs = started.elapsed().as_secs_f64();
    assert!(status.success());
    let want = files(&full);
    assert!(want.contains_key("results.json") && !want.contains_key("checkpoint.jsonl"));

    let part = dir.join("part");
    let mut child = capsim()
        .args([
            "sweep",
            s.to_str().unwrap(),
            "--threads",
            "1",
            "-q",
            "--out",
        ])
        .arg(&part)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // SIGTERM once a few points are recorded (the header is line 1).
    let checkpoint = part.join("checkpoint.jsonl");
    while lines(&checkpoint) < 5 {
        assert!(child.try_wait().unwrap().is_none(), "the sweep ended first");
        std::thread::sleep(Duration::from_millis(10));
    }
    let signalled = Instant::now();
    signal(&child, "-TERM");
    let out = child.wait_with_output().unwrap();
    assert!(signalled.elapsed() < Duration::from_secs(5), "slow to stop");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(130), "{err}");
    assert!(err.contains("resume with: capsim sweep"), "{err}");
    assert!(err.trim_end().ends_with("--resume"), "{err}");
    let kept = lines(&checkpoint) - 1;
    assert!((4..20).contains(&kept), "{kept} points kept");
    // The interrupted run wrote no output file, only its checkpoint.
    assert_eq!(
        files(&part).keys().collect::<Vec<_>>(),
        ["checkpoint.jsonl"]
    );

    let started = Instant::now();
    let out = capsim()
        .args([
            "sweep",
            s.to_str().unwrap(),
            "--threads",
            "1",
            "-q",
            "--resume",
            "--out",
        ])
        .arg(&part)
        .stdout(Stdio::null())
        .output()
        .unwrap();
    let resume_secs = started.elapsed().as_secs_f64();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(
        err.contains(&format!("resuming: {kept} points recorded")),
        "{err}"
    );
    let got = files(&part);
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &want {
        assert!(
            got[name] == *bytes,
            "{name} differs from the uninterrupted run"
        );
    }
    // Reported, not asserted (timings belong to benchmarks): the resume
    // simulated only the points the checkpoint lacked.
    eprintln!(
        "full sweep {full_secs:.2} s; resume of {} of 20 points {resume_secs:.2} s",
        20 - kept
    );
}

/// Kills a sweep with SIGKILL at `KILLS` pseudo-random moments (a fixed
/// generator, so a failure replays). The output folder starts with a
/// complete set of another seed; after every kill it must hold exactly that
/// old set or exactly the new one (besides the checkpoint), never a mix, a
/// part, or a temporary file. A staging folder may be left beside it; the
/// next run must remove it.
#[test]
fn sigkill_never_leaves_a_mixed_or_partial_set() {
    const KILLS: usize = 100;
    let dir = tmp("sigkill");
    let s = scenario(&dir, 1, 3);
    let run = |out: &Path, seed: u32, resume: bool| {
        let mut c = capsim();
        c.args(["sweep", s.to_str().unwrap(), "--threads", "1", "-q"])
            .arg("--set")
            .arg(format!("simulation.seed={seed}"))
            .arg("--out")
            .arg(out)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if resume {
            c.arg("--resume");
        }
        c
    };
    let old_ref = dir.join("old");
    let new_ref = dir.join("new");
    let started = Instant::now();
    assert!(run(&old_ref, 1, false).status().unwrap().success());
    let one_run = started.elapsed();
    assert!(run(&new_ref, 2, false).status().unwrap().success());
    let (old, new) = (files(&old_ref), files(&new_ref));
    assert_ne!(old["results.csv"], new["results.csv"]);

    let out = dir.join("out");
    let staging = dir.join(".out.capsim-staging");
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let (mut saw_old, mut saw_new) = (0, 0);
    for i in 0..KILLS {
        if i % 10 == 0 {
            // Start again from the old set.
            let _ = std::fs::remove_dir_all(&out);
            assert!(run(&out, 1, false).status().unwrap().success());
        }
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let delay = one_run.mul_f64((state % 1000) as f64 / 1000.0 * 1.2);
        let mut child = run(&out, 2, true).spawn().unwrap();
        std::thread::sleep(delay);
        signal(&child, "-KILL");
        let _ = child.wait();
        let mut got = files(&out);
        got.remove("checkpoint.jsonl");
        assert!(
            got.keys()
                .all(|k| !k.contains("tmp") && !k.starts_with('.')),
            "kill {i}: a temporary file in {}: {:?}",
            out.display(),
            got.keys().collect::<Vec<_>>()
        );
        if got == old {
            saw_old += 1;
        } else if got == new {
            saw_new += 1;
        } else {
            panic!(
                "kill {i} after {delay:?}: {} holds neither the old nor the new set: {:?}",
                out.display(),
                got.keys().collect::<Vec<_>>()
            );
        }
    }
    // Both outcomes happen: the kills land before and after the swap.
    assert!(saw_old > 0 && saw_new > 0, "old {saw_old}, new {saw_new}");
    assert!(run(&out, 2, true).status().unwrap().success());
    assert!(!staging.exists(), "the next run removes the staging folder");
    let mut got = files(&out);
    assert!(got.remove("checkpoint.jsonl").is_none());
    assert!(got == new);
}
