//! The resolved scenario of a sweep: one TOML file with every `--set` and
//! `--axis` applied, written beside the results as `scenario.toml`, so that
//! `capsim sweep OUT/scenario.toml` runs the same points and writes the same
//! `results.csv` and `thresholds.csv`.
//!
//! The file keeps the original's leading comment (the story a report page
//! shows), says how it was made, then holds the scenario's tables with the
//! overrides applied, `[sweep]` with the axes in the order points take them
//! (each as its list or range was written), and `[slo]`.

use super::axis::inline;
use super::plan::Plan;
use crate::scenario::units::toml_key;
use sim::threshold::Precision;
use toml::Value;

/// The command line that made the plan: `capsim sweep FILE --set ... --axis ...`,
/// with arguments quoted for a POSIX shell where needed, and `extra` flags
/// (e.g. `--grid`) appended.
pub fn command(plan: &Plan, extra: &[&str]) -> String {
    let mut words = vec![
        "capsim".to_string(),
        "sweep".into(),
        quote(&plan.input.origin),
    ];
    for s in &plan.input.set {
        words.extend(["--set".into(), quote(s)]);
    }
    for a in &plan.input.axis {
        words.extend(["--axis".into(), quote(a)]);
    }
    words.extend(extra.iter().map(|e| e.to_string()));
    words.join(" ")
}

/// `s` as one shell word.
fn quote(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_./=:,@%+".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The leading comment of a scenario file: its first lines that are
/// comments or blank.
fn leading_comment(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        if !(t.is_empty() || t.starts_with('#')) {
            break;
        }
        out += line;
        out.push('\n');
    }
    out.trim_end().to_string()
}

/// An axis's list or range as one inline TOML value.
fn inline_value(v: &Value) -> String {
    match v {
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(inline_value).collect();
            format!("[{}]", parts.join(", "))
        }
        Value::Table(t) => {
            let parts: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{} = {}", toml_key(k), inline_value(v)))
                .collect();
            format!("{{ {} }}", parts.join(", "))
        }
        other => inline(other),
    }
}

/// Rewrites every data file a table names (`file` in a latency law or in
/// `workload.arrivals`), found relative to `dir`, as an absolute path, so the
/// resolved file, written in another folder, reads the same data.
fn absolute_data_files(t: &mut toml::Table, dir: &std::path::Path) {
    for (_, v) in t.iter_mut() {
        absolute_in(v, dir);
    }
}

/// [`absolute_data_files`] of one value: a table (a latency law, the
/// arrivals) or an array of them (`[[redis.commands]]`, an axis's values).
fn absolute_in(v: &mut Value, dir: &std::path::Path) {
    match v {
        Value::Table(inner) => {
            if let Some(Value::String(file)) = inner.get_mut("file") {
                let path = dir.join(&*file);
                let path = std::fs::canonicalize(&path).unwrap_or(path);
                if let Some(p) = path.to_str() {
                    *file = p.to_string();
                }
            }
            absolute_data_files(inner, dir);
        }
        Value::Array(items) => {
            for item in items {
                absolute_in(item, dir);
            }
        }
        _ => {}
    }
}

/// The resolved scenario file of `plan`.
pub fn scenario_toml(plan: &Plan) -> String {
    let mut out = String::new();
    let comment = leading_comment(&plan.input.text);
    if !comment.is_empty() {
        out += &comment;
        out += "\n#\n";
    }
    out += &format!(
        "# Resolved by capsim {} from `{}`: every --set and --axis is applied\n# below, so `capsim sweep` on this file runs the same points.\n\n",
        env!("CARGO_PKG_VERSION"),
        command(plan, &[])
    );
    let mut table = plan.table.clone();
    let dir = std::path::Path::new(&plan.input.origin)
        .parent()
        .unwrap_or(std::path::Path::new(""));
    absolute_data_files(&mut table, dir);
    out += &toml::to_string(&table).expect("a TOML table serializes");
    if !plan.spec.axes.is_empty() {
        out += "\n[sweep]\n";
        if let Some(x) = plan.spec.x {
            out += &format!("x = {}\n", Value::String(plan.spec.axes[x].key.clone()));
        }
        match plan.spec.precision {
            Some(Precision::Absolute(t)) => {
                out += &format!("tolerance = {}\n", inline(&Value::Float(t)))
            }
            Some(Precision::Relative(r)) => {
                out += &format!("precision = {}\n", inline(&Value::Float(r)))
            }
            None => {}
        }
        for a in &plan.spec.axes {
            let mut source = a.source.clone();
            absolute_in(&mut source, dir);
            out += &format!(
                "{} = {}\n",
                Value::String(a.key.clone()),
                inline_value(&source)
            );
        }
    }
    if let Some(f) = plan.spec.forecast {
        out += &format!("\n[forecast]\npeak_rate = {}\n", inline(&Value::Float(f)));
    }
    if !plan.spec.slo.is_empty() {
        out += "\n[slo]\n";
        for c in &plan.spec.slo {
            out += &format!(
                "{} = {}\n",
                Value::String(c.metric.clone()),
                Value::String(c.expression())
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sweep::plan::Input;

    #[test]
    fn the_resolved_file_plans_the_same_sweep() {
        let text = "# A story.\n\n[simulation]\nduration = \"1s\"\nwarmup = \"0s\"\n[workload]\nrate = 1000\n[sweep]\nx = \"workload.rate\"\n\"pool.max_total\" = [4, 8]\n\"workload.rate\" = { from = 600, to = 9600, steps = 5, scale = \"log\" }\n[slo]\n\"pool.timeout_ratio\" = \"< 0.001\"\n";
        let input = Input {
            origin: "a b.toml".into(),
            name: "a".into(),
            text: text.into(),
            set: vec!["pool.acquire_timeout=35ms".into()],
            axis: vec!["pool.max_total=6,12".into(), "l1.hit_ratio=[0.5]".into()],
        };
        let plan = Plan::new(input).unwrap();
        let resolved = scenario_toml(&plan);
        assert!(
            resolved.starts_with("# A story.\n#\n# Resolved by capsim"),
            "{resolved}"
        );
        assert!(resolved.contains("--set pool.acquire_timeout=35ms --axis pool.max_total=6,12 --axis 'l1.hit_ratio=[0.5]'"), "{resolved}");
        let again = Plan::new(Input {
            origin: "scenario.toml".into(),
            name: "a".into(),
            text: resolved.clone(),
            set: vec![],
            axis: vec![],
        })
        .unwrap();
        assert_eq!(again.base, plan.base, "{resolved}");
        assert_eq!(again.spec, plan.spec, "{resolved}");
        assert_eq!(again.hash(), plan.hash());
    }
}
