//! The answer a design review asks for first: at the forecast peak, does
//! each design (each line of the grid) hold, with what headroom, and which
//! resource breaks first.
//!
//! The forecast is `[forecast] peak_rate` when the scenario states it, else
//! the scenario's own peak: `workload.rate` times the traffic profile's
//! highest scale. Verdicts need the threshold axis to be `workload.rate`.
//! Headroom is the peak rate a line sustains over the forecast; its bracket
//! comes from the threshold's bracket, and the verdict from the bracket's
//! ends (clear answers over the confidence intervals): holds when even the
//! bracket's holding end is at or above the forecast, fails when its failing
//! end is at or below it, too close to call in between. A censored line
//! (holds at every point, or at none) whose grid does not reach the forecast
//! is `untested`: the sweep says nothing there.

use super::plan::Plan;
use super::results::{Status, Threshold};

/// The forecast peak a sweep's verdicts are judged at.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Forecast {
    /// Highest offered rate expected, requests/s over the fleet.
    pub peak_rate: f64,
    /// True if `[forecast] peak_rate` states it; false for the scenario's
    /// own peak.
    pub stated: bool,
    /// The traffic profile's highest scale: a threshold of `workload.rate`
    /// times this is the peak rate it sustains.
    pub peak_factor: f64,
}

/// The forecast of `plan`, when its threshold axis is `workload.rate`.
pub fn forecast(plan: &Plan) -> Option<Forecast> {
    let x = &plan.spec.axes[plan.spec.x?];
    if x.key != "workload.rate" || plan.spec.slo.is_empty() {
        return None;
    }
    let k = plan.peak_factor().unwrap_or(1.0);
    Some(match plan.spec.forecast {
        Some(f) => Forecast {
            peak_rate: f,
            stated: true,
            peak_factor: k,
        },
        None => Forecast {
            peak_rate: plan.base.workload.rate * k,
            stated: false,
            peak_factor: k,
        },
    })
}

/// One line's answer at the forecast peak.
#[derive(Clone, Debug, PartialEq)]
pub struct Outlook {
    /// `holds`, `fails`, `too_close` or `untested` (the grid does not reach
    /// the forecast).
    pub verdict: &'static str,
    /// Sustained peak over the forecast, when the line has a threshold.
    pub headroom: Option<f64>,
    /// Headroom at the bracket's holding and failing ends (either may be
    /// missing; a censored line has one).
    pub bracket: (Option<f64>, Option<f64>),
    /// The resource behind the objective that broke first.
    pub breaks_first: Option<String>,
}

/// The resource an objective's metric measures, in a reviewer's words.
pub fn resource(metric: &str) -> String {
    let what = match metric.split('.').next().unwrap_or("") {
        "pool" => "the connection pool",
        "redis" => "Redis",
        "database" => "the database",
        "connections" => "connections",
        "errors" | "requests" => "failed requests (timeouts and retries)",
        "latency" | "latency_all" => "latency",
        "l1" => "the L1 cache",
        _ => "",
    };
    if what.is_empty() {
        metric.to_string()
    } else {
        format!("{what} ({metric})")
    }
}

/// The outlook of one line at forecast `f`.
pub fn outlook(t: &Threshold, f: &Forecast) -> Outlook {
    let h = |v: Option<f64>| v.map(|v| v * f.peak_factor / f.peak_rate);
    let (lo, hi) = (h(t.holds_at), h(t.fails_at));
    let verdict = match t.status {
        // A line that holds at every point tested says nothing about a
        // forecast beyond its last point, nor one that fails everywhere
        // about a forecast before its first.
        Status::Everywhere if lo.is_some_and(|l| l < 1.0) => "untested",
        Status::Nowhere if hi.is_some_and(|u| u > 1.0) => "untested",
        Status::Everywhere => "holds",
        Status::Nowhere => "fails",
        _ if lo.is_some_and(|l| l >= 1.0) => "holds",
        _ if hi.is_some_and(|u| u <= 1.0) => "fails",
        _ => "too_close",
    };
    Outlook {
        verdict,
        headroom: h(t.x),
        bracket: (lo, hi),
        breaks_first: t.broke_first.as_deref().map(resource),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn threshold(x: f64, h: f64, f: f64) -> Threshold {
        Threshold {
            line: 0,
            others: vec![],
            status: Status::HoldsBelow,
            x: Some(x),
            holds_at: Some(h),
            fails_at: Some(f),
            broke_first: Some("pool.timeout_ratio".into()),
        }
    }

    #[test]
    fn verdicts_come_from_the_bracket_ends() {
        let f = Forecast {
            peak_rate: 10_000.0,
            stated: true,
            peak_factor: 5.0,
        };
        // Sustains 5 x 3194 = 15,970/s: 1.6x the forecast, clearly.
        let o = outlook(&threshold(3194.0, 3150.0, 3300.0), &f);
        assert_eq!(o.verdict, "holds");
        assert!((o.headroom.unwrap() - 1.597).abs() < 1e-9);
        assert_eq!(
            o.breaks_first.as_deref(),
            Some("the connection pool (pool.timeout_ratio)")
        );
        // The bracket straddles the forecast: too close to call.
        assert_eq!(
            outlook(&threshold(2000.0, 1900.0, 2100.0), &f).verdict,
            "too_close"
        );
        assert_eq!(
            outlook(&threshold(1223.0, 1035.0, 1373.0), &f).verdict,
            "fails"
        );
    }
}
