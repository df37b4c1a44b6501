//! The shard and merge cases of the hostile corpus (`tests/hostile.rs`):
//! shard files that lie about their counts, sizes and schema.

use super::{case, with_file, Case, SWEEP};

/// The scenario hash of [`SWEEP`]'s shard files, read from a real one.
pub(super) static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
/// A complete, valid shard file of [`SWEEP`] (shard 1 of 1).
pub(super) static REAL: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

/// A shard file of [`SWEEP`] with its fields replaced by `patch` (a JSON
/// object).
fn shard_text(patch: &str) -> Vec<u8> {
    let mut v: serde_json::Value = serde_json::json!({
        "format": "capsim-sweep-shard",
        "capsim_version": env!("CARGO_PKG_VERSION"),
        "scenario_hash": HASH.get().expect("set before the cases are built"),
        "shard": 1,
        "shards": 2,
        "points_total": 4,
        "input": {"origin": "s.toml", "name": "s", "text": SWEEP, "set": [], "axis": []},
        "points": []
    });
    let p: serde_json::Value = serde_json::from_str(patch).unwrap();
    for (k, x) in p.as_object().unwrap() {
        v[k] = x.clone();
    }
    serde_json::to_vec(&v).unwrap()
}

pub(super) fn merge_cases() -> Vec<Case> {
    let m = |name: &str, bytes: Vec<u8>| {
        with_file(
            case(name, &["merge", "{T}/shard-1-of-2.json", "--out", "{T}/o"]),
            "shard-1-of-2.json",
            bytes,
        )
    };
    let long = format!("{{\"format\": \"{}\"}}", "x".repeat(10 << 20));
    let deep = "[".repeat(100_000);
    vec![
        m("merge-empty-object", b"{}".to_vec()),
        m("merge-array", b"[]".to_vec()),
        m("merge-empty-file", Vec::new()),
        m("merge-garbage", b"x".to_vec()),
        m("merge-not-utf8", vec![0xff, 0xfe, 0x00, 0x81]),
        m("merge-deep-nesting", deep.into_bytes()),
        m("merge-huge-string", shard_text(&long)),
        m(
            "merge-ten-billion-shards",
            shard_text(r#"{"shards": 10000000000}"#),
        ),
        m(
            "merge-ten-million-shards",
            shard_text(r#"{"shards": 10000000}"#),
        ),
        m("merge-zero-shards", shard_text(r#"{"shards": 0}"#)),
        m("merge-shard-out-of-range", shard_text(r#"{"shard": 5}"#)),
        m("merge-shard-zero", shard_text(r#"{"shard": 0}"#)),
        m("merge-negative-shard", shard_text(r#"{"shard": -1}"#)),
        m(
            "merge-points-total-huge",
            shard_text(r#"{"points_total": 10000000000}"#),
        ),
        m(
            "merge-points-total-zero",
            shard_text(r#"{"points_total": 0}"#),
        ),
        m("merge-wrong-format", shard_text(r#"{"format": "other"}"#)),
        m(
            "merge-wrong-version",
            shard_text(r#"{"capsim_version": "0.0.1"}"#),
        ),
        m("merge-missing-field", shard_text(r#"{"input": null}"#)),
        m("merge-missing-shard-2", shard_text("{}")),
        m(
            "merge-bad-scenario-inside",
            shard_text(
                r#"{"shards": 1, "input": {"origin": "s.toml", "name": "s", "text": "[pool]\nmax_total = 0\n", "set": [], "axis": []}}"#,
            ),
        ),
        m(
            "merge-hash-mismatch",
            shard_text(r#"{"shards": 1, "scenario_hash": "ffffffffffffffff"}"#),
        ),
        m(
            "merge-point-not-a-number",
            shard_text(
                r#"{"shards": 1, "points": [{"point": 0, "metrics": {"requests.arrived": "x"}, "ci95": {}}, {"point": 1, "metrics": {}, "ci95": {}}, {"point": 2, "metrics": {}, "ci95": {}}, {"point": 3, "metrics": {}, "ci95": {}}]}"#,
            ),
        ),
        m(
            "merge-point-missing-metric",
            shard_text(
                r#"{"shards": 1, "points": [{"point": 0, "metrics": {}, "ci95": {}}, {"point": 1, "metrics": {}, "ci95": {}}, {"point": 2, "metrics": {}, "ci95": {}}, {"point": 3, "metrics": {}, "ci95": {}}]}"#,
            ),
        ),
        m(
            "merge-unfinished-reason-too-long",
            shard_text(&format!(
                r#"{{"shards": 1, "points": [{{"point": 0, "unfinished": "{}", "metrics": {{}}, "ci95": {{}}}}, {{"point": 1, "metrics": {{}}, "ci95": {{}}}}, {{"point": 2, "metrics": {{}}, "ci95": {{}}}}, {{"point": 3, "metrics": {{}}, "ci95": {{}}}}]}}"#,
                "x".repeat(1 << 20)
            )),
        ),
        m(
            "merge-metrics-too-many-keys",
            shard_text(&format!(
                r#"{{"shards": 1, "points": [{{"point": 0, "metrics": {{{}}}, "ci95": {{}}}}]}}"#,
                (0..1001)
                    .map(|i| format!(r#""k{i}": "1""#))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        ),
        m(
            "merge-input-too-many-sets",
            shard_text(&format!(
                r#"{{"input": {{"origin": "s.toml", "name": "s", "text": "", "set": [{}], "axis": []}}}}"#,
                [r#""""#; 10_001].join(",")
            )),
        ),
        m(
            "merge-unfinished-not-text",
            shard_text(
                r#"{"shards": 1, "points": [{"point": 0, "unfinished": 7, "metrics": {}, "ci95": {}}]}"#,
            ),
        ),
        m(
            "merge-unfinished-null",
            shard_text(
                r#"{"shards": 1, "points": [{"point": 0, "unfinished": null, "metrics": {}, "ci95": {}}, {"point": 1, "metrics": {}, "ci95": {}}, {"point": 2, "metrics": {}, "ci95": {}}, {"point": 3, "metrics": {}, "ci95": {}}]}"#,
            ),
        ),
        m(
            "merge-points-not-its-own",
            shard_text(r#"{"points": [{"point": 1, "metrics": {}, "ci95": {}}]}"#),
        ),
        m(
            "merge-points-total-wrong",
            shard_text(r#"{"shards": 1, "points_total": 7}"#),
        ),
        m(
            "merge-point-index-huge",
            shard_text(
                r#"{"shards": 1, "points": [{"point": 99999999999, "metrics": {}, "ci95": {}}]}"#,
            ),
        ),
        Case {
            sparse: vec![("shard-1-of-1.json".into(), 300 << 20)],
            ..case("merge-file-too-large", &["merge", "{T}/shard-1-of-1.json"])
        },
        case("merge-no-folder", &["merge", "{T}/nosuch"]),
        case("merge-empty-folder", &["merge", "{T}"]),
        with_file(
            case("merge-folder-of-junk", &["merge", "{T}/d"]),
            "d/notes.txt",
            b"hello".to_vec(),
        ),
        with_file(
            case("merge-shard-is-folder", &["merge", "{T}/d"]),
            "d/shard-1-of-1.json/x",
            b"".to_vec(),
        ),
        with_file(
            with_file(
                case(
                    "merge-duplicate-shard",
                    &["merge", "{T}/a.json", "{T}/b.json"],
                ),
                "a.json",
                shard_text(r#"{"shards": 2}"#),
            ),
            "b.json",
            shard_text(r#"{"shards": 2}"#),
        ),
        with_file(
            with_file(
                case("merge-two-sweeps", &["merge", "{T}/a.json", "{T}/b.json"]),
                "a.json",
                shard_text(r#"{"shards": 2}"#),
            ),
            "b.json",
            shard_text(r#"{"shards": 3, "shard": 2}"#),
        ),
    ]
}
