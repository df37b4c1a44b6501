//! `capsim validate`: the simulator against queueing theory.
//!
//! Runs the built-in table of [`models::validate`] and prints, for each check,
//! the theory value, the simulated mean with its 95% interval, the half-width
//! of the Bonferroni-corrected interval that decides the verdict, and PASS or
//! FAIL. Exit status 1 if any check fails.

use crate::flags::Format;
use crate::Failure;
use anyhow::Context;
use models::validate::{
    cases, min_replications, run_table, t_quantile, table_level, Config, Outcome, TableReport,
    JOINT_LEVEL, MAX_T_INFLATION,
};

/// Arguments of `capsim validate`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Replications per case (at least 2).
    #[arg(long, default_value_t = Config::default().replications, allow_negative_numbers = true)]
    pub replications: u32,
    /// Seed of every case.
    #[arg(long, default_value_t = Config::default().seed, allow_negative_numbers = true, value_parser = crate::flags::seed)]
    pub seed: u64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
}

/// Runs the theory table.
pub fn run(args: Args) -> Result<(), Failure> {
    if !(2..=10_000).contains(&args.replications) {
        return Err(Failure::Input(anyhow::anyhow!(
            "--replications must be between 2 and 10000 (the criterion needs a spread), got {}",
            args.replications
        )));
    }
    let checks: usize = cases().iter().map(|c| c.checks.len()).sum();
    let floor = min_replications(checks);
    if args.replications < floor {
        let level = table_level(checks);
        return Err(Failure::Input(anyhow::anyhow!(
            "--replications {} is too few for this table: its criterion would use t = {:.1} (vs {:.2} with many replications), wide enough to pass a wrong simulator; use at least {floor} (t at most {MAX_T_INFLATION}x its large-sample value)",
            args.replications,
            t_quantile(level, args.replications as usize - 1),
            t_quantile(level, 1000),
        )));
    }
    let config = Config {
        replications: args.replications,
        seed: args.seed,
        ..Config::default()
    };
    let report = run_table(&cases(), &config).context("a validation case stopped")?;
    match args.format {
        Format::Text => print!("{}", text(&report)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&json(&report)).expect("JSON values serialize")
        ),
    }
    let failed = report.outcomes.iter().filter(|o| !o.pass).count();
    if failed > 0 {
        return Err(Failure::Verdict(format!(
            "validate: {failed} of {} checks failed",
            report.checks
        )));
    }
    Ok(())
}

/// The criterion in words.
fn criterion(r: &TableReport) -> String {
    format!(
        "|simulated - theory| <= t x s/sqrt({n}), t = {t:.3} (Student-t, {dof} dof, two-sided \
         {level:.4}% = {joint}% jointly over {k} checks by Bonferroni)",
        n = r.replications,
        t = r.t,
        dof = r.replications - 1,
        level = 100.0 * r.level,
        joint = 100.0 * JOINT_LEVEL,
        k = r.checks,
    )
}

/// The text table.
fn text(r: &TableReport) -> String {
    let mut out = format!(
        "capsim {} validate · seed {} · {} replications per case\ncriterion: {}\n\n",
        env!("CARGO_PKG_VERSION"),
        r.seed,
        r.replications,
        criterion(r)
    );
    let header = [
        "case",
        "metric",
        "theory",
        "simulated ± ci95",
        "criterion",
        "result",
    ];
    let mut rows = vec![header.map(String::from).to_vec()];
    let mut model = "";
    for o in &r.outcomes {
        if o.model != model {
            model = &o.model;
            rows.push(vec![format!("{}: {}", o.case, o.model)]);
        }
        rows.push(row(o));
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .filter(|r| r.len() > 1)
                .map(|r| r[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for cells in &rows {
        if cells.len() == 1 {
            out += &format!("{}\n", cells[0]);
            continue;
        }
        let line: Vec<String> = cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(i, (c, w))| {
                if (2..=4).contains(&i) {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        out += &format!("{}\n", line.join("  ").trim_end());
    }
    let failed = r.outcomes.iter().filter(|o| !o.pass).count();
    out += &format!("\n{} of {} checks passed\n", r.checks - failed, r.checks);
    out
}

/// One row of the table; values get at least four significant digits of the
/// theory value (or of the interval, when theory is 0).
fn row(o: &Outcome) -> Vec<String> {
    let scale = if o.theory != 0.0 {
        o.theory.abs()
    } else {
        o.criterion.abs()
    };
    let d = decimals(scale);
    vec![
        format!("  {}", o.quantity),
        format!("{} [{}]", o.measure.name(), o.unit),
        format!("{:.d$}", o.theory),
        format!("{:.d$} ± {:.d$}", o.mean, o.ci95),
        format!("± {:.d$}", o.criterion),
        if o.pass { "PASS" } else { "FAIL" }.to_string(),
    ]
}

/// Decimals that show `x` with four significant digits (2 to 9).
fn decimals(x: f64) -> usize {
    if x > 0.0 && x.is_finite() {
        (3 - x.log10().floor() as i64).clamp(2, 9) as usize
    } else {
        4
    }
}

/// The JSON document.
fn json(r: &TableReport) -> serde_json::Value {
    let checks: Vec<serde_json::Value> = r
        .outcomes
        .iter()
        .map(|o| {
            serde_json::json!({
                "case": o.case,
                "model": o.model,
                "quantity": o.quantity,
                "metric": o.measure.name(),
                "unit": o.unit,
                "theory": o.theory,
                "mean": o.mean,
                "ci95": o.ci95,
                "criterion": o.criterion,
                "pass": o.pass,
            })
        })
        .collect();
    serde_json::json!({
        "capsim_version": env!("CARGO_PKG_VERSION"),
        "seed": r.seed,
        "replications": r.replications,
        "joint_level": JOINT_LEVEL,
        "check_level": r.level,
        "t": r.t,
        "criterion": criterion(r),
        "checks": checks,
    })
}

#[cfg(test)]
mod tests {
    use super::decimals;

    #[test]
    fn four_significant_digits() {
        assert_eq!(decimals(0.1774), 4);
        assert_eq!(decimals(0.00045), 7);
        assert_eq!(decimals(4.9), 3);
        assert_eq!(decimals(120.0), 2);
    }
}
