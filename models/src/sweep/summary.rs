//! The summary `capsim sweep` prints: per line of the grid, the threshold
//! with its bracket (or the bound a censored line gives), the peak rate when
//! a traffic profile scales the threshold axis, and the objective that broke
//! first.

use super::axis::{label, Kind};
use super::plan::Plan;
use super::results::{holds_below, precision_text, Row, Status, Threshold};
use sim::threshold::Precision;

/// `x` with 4 significant digits, without exponent.
pub fn short(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{x}");
    }
    let digits = (3 - x.abs().log10().floor() as i32).max(0) as usize;
    let s = format!("{x:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// A threshold as the summary shows it, scaled by `k`: `3190 [3150, 3210]`
/// (the threshold and its bracket, `?` for an unknown end), or for a
/// censored line the bound it gives (`> 9600`, `< 600`), placed by the
/// sweep's direction.
pub fn threshold_text(t: &Threshold, below: bool, k: f64) -> String {
    let end = |v: Option<f64>| v.map(|v| short(v * k)).unwrap_or_else(|| "?".into());
    let (lo, hi) = if below { ("<", ">") } else { (">", "<") };
    match t.status {
        Status::HoldsBelow | Status::HoldsAbove => {
            let (a, b) = match t.status {
                Status::HoldsBelow => (t.holds_at, t.fails_at),
                _ => (t.fails_at, t.holds_at),
            };
            format!("{} [{}, {}]", end(t.x), end(a), end(b))
        }
        Status::Everywhere => format!("{hi} {}", end(t.holds_at)),
        Status::Nowhere => format!("{lo} {}", end(t.fails_at)),
    }
}

/// The summary printed after a sweep: per line, the threshold and the
/// objective that broke first.
pub fn summary(plan: &Plan, rows: &[Row], ts: &[Threshold], refined: Option<Precision>) -> String {
    let s = &plan.base.simulation;
    let mut out = format!(
        "capsim {} · {} · {} points × {} replication{} · seed {} · scenario {}\n",
        env!("CARGO_PKG_VERSION"),
        plan.input.name,
        rows.len(),
        s.replications,
        if s.replications == 1 { "" } else { "s" },
        s.seed,
        plan.hash()
    );
    let Some(xi) = plan.spec.x.filter(|_| !plan.spec.slo.is_empty()) else {
        out += "no [slo] table (or no threshold axis): no thresholds computed\n";
        return out;
    };
    let x = &plan.spec.axes[xi];
    let slo: Vec<String> = plan
        .spec
        .slo
        .iter()
        .map(|c| format!("{} {}", c.metric, c.expression()))
        .collect();
    out += &format!("SLO: {}\n", slo.join(", "));
    let unit = if x.kind == Kind::Duration {
        " (ms)"
    } else {
        ""
    };
    out += &format!("threshold along {}{unit}", x.key);
    let peak = plan.peak_factor();
    if let Some(k) = peak {
        out += &format!(
            "; peak rate = {} × workload.rate (the profile's highest scale)",
            short(k)
        );
    }
    match refined {
        Some(p) => {
            out += &format!(
                "; located by bisection, each end of its bracket within {}\n\n",
                precision_text(p)
            )
        }
        None => out += "; interpolated between grid points (raw grid)\n\n",
    }
    out += &verdict_text(plan, ts);
    let mut header: Vec<String> = ts
        .first()
        .map(|t| t.others.iter().map(|(k, _)| k.clone()).collect())
        .unwrap_or_default();
    header.push("SLO holds".into());
    header.push(format!("{} threshold [bracket]", x.key));
    if peak.is_some() {
        header.push("highest peak rate".into());
    }
    header.push("broke first".into());
    let mut table = vec![header];
    let below = holds_below(plan, rows, ts);
    for t in ts {
        let mut cells: Vec<String> = t.others.iter().map(|(_, v)| label(v)).collect();
        cells.push(
            match t.status {
                Status::HoldsBelow => "below",
                Status::HoldsAbove => "above",
                Status::Everywhere => "everywhere",
                Status::Nowhere => "nowhere",
            }
            .into(),
        );
        cells.push(threshold_text(t, below, 1.0));
        if let Some(k) = peak {
            cells.push(threshold_text(t, below, k));
        }
        cells.push(t.broke_first.clone().unwrap_or_else(|| "-".into()));
        table.push(cells);
    }
    let widths: Vec<usize> = (0..table[0].len())
        .map(|c| {
            table
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for r in &table {
        let line: Vec<String> = r
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out += line.join("  ").trim_end();
        out.push('\n');
    }
    out
}

/// The verdict block: at the forecast peak, each line's answer, headroom
/// with its bracket, and what breaks first. Empty without a forecast.
pub fn verdict_text(plan: &Plan, ts: &[Threshold]) -> String {
    let Some(f) = super::verdict::forecast(plan) else {
        return String::new();
    };
    let mut out = format!(
        "Verdict at the forecast peak of {} requests/s ({}):\n",
        short(f.peak_rate),
        if f.stated {
            "[forecast] peak_rate".to_string()
        } else {
            format!(
                "the scenario's own peak, workload.rate × {}; state another with [forecast] peak_rate",
                short(f.peak_factor)
            )
        }
    );
    for t in ts {
        let o = super::verdict::outlook(t, &f);
        let design: Vec<String> = t
            .others
            .iter()
            .map(|(k, v)| format!("{k}={}", label(v)))
            .collect();
        let x = |v: Option<f64>| {
            v.map(|v| format!("{}x", short(v)))
                .unwrap_or_else(|| "?".into())
        };
        let headroom = match t.status {
            Status::Everywhere => format!("headroom > {}", x(o.bracket.0)),
            Status::Nowhere => format!("headroom < {}", x(o.bracket.1)),
            _ => format!(
                "headroom {} [{}, {}]",
                x(o.headroom),
                x(o.bracket.0),
                x(o.bracket.1)
            ),
        };
        let verdict = match o.verdict {
            "holds" => "HOLDS",
            "fails" => "FAILS",
            "untested" => "NOT TESTED (the grid does not reach the forecast)",
            _ => "TOO CLOSE TO CALL",
        };
        let design = if design.is_empty() {
            "the scenario".to_string()
        } else {
            design.join(", ")
        };
        out += &format!("  {design}: {verdict}, {headroom}");
        if let Some(b) = o.breaks_first {
            out += &format!("; breaks first: {b}");
        }
        out.push('\n');
    }
    out.push('\n');
    out
}
