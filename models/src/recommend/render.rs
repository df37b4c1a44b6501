//! A recommendation as text (for people) and JSON (for scripts: the
//! `"recommended"` object maps each searched key to its value).

use super::search::Region;
use super::snippets::{self, Library, LIBRARIES, MULTIPLEXED_LIBRARIES};
use super::{margins, KeyAnswer, KnobKind, Margin, Probe, Recommendation, Target};
use crate::scenario::{Transport, WhenExhausted};
use crate::sweep::results::{short, Verdict};
use serde_json::{json, Value as Json};

/// `mean ± half` of one objective, with its limit.
fn measured(m: &Margin) -> String {
    format!(
        "{} {} ± {} (objective {})",
        m.metric,
        short(m.mean),
        short(m.half),
        m.objective
    )
}

/// What a probe says, in one line.
pub fn probe_text(target: &Target, p: &Probe) -> String {
    if let Some(why) = &p.unfinished {
        return format!("could not finish ({why}): counts as failing");
    }
    let ms = margins(&target.slo, &p.measured);
    match p.verdict {
        Verdict::Holds => format!(
            "holds: {}",
            ms.iter()
                .map(|m| format!("{}, margin {}", measured(m), short(m.margin)))
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Verdict::Fails => format!(
            "fails: {}",
            ms.iter()
                .filter(|m| m.margin + 2.0 * m.half < 0.0 || m.mean.is_nan())
                .map(measured)
                .collect::<Vec<_>>()
                .join("; ")
        ),
        Verdict::TooClose => format!(
            "too close to call: {}",
            ms.iter()
                .filter(|m| m.margin < 0.0)
                .map(measured)
                .collect::<Vec<_>>()
                .join("; ")
        ),
    }
}

/// The forecast and objectives, in one line.
pub fn header(t: &Target) -> String {
    let slo: Vec<String> = t
        .slo
        .iter()
        .map(|c| format!("{} {}", c.metric, c.expression()))
        .collect();
    format!(
        "forecast: {} requests/s at the peak ({}); SLO: {}; {} replication{} per candidate",
        short(t.peak_rate),
        if t.stated {
            "[forecast] peak_rate"
        } else {
            "the scenario's own peak"
        },
        slo.join(" and "),
        t.base.simulation.replications,
        if t.base.simulation.replications == 1 {
            ""
        } else {
            "s"
        }
    )
}

fn region_text(a: &KeyAnswer, r: &Region) -> String {
    let k = a.knob;
    format!(
        "NOT MONOTONE: {} = {} holds but {} fails again (the region starts between them) and so \
         does {}{}; do not size into that region",
        k.key,
        k.label(r.holds_at),
        k.label(r.fails_from),
        k.label(r.up_to),
        r.why
            .as_ref()
            .map(|m| format!(" ({})", measured(m)))
            .unwrap_or_default()
    )
}

fn key_text(target: &Target, a: &KeyAnswer, out: &mut String) {
    let k = a.knob;
    let current = a
        .current
        .map(|c| format!(" (the scenario has {})", k.label(c)))
        .unwrap_or_default();
    match a.recommended {
        Some(v) => out.push_str(&format!(
            "RECOMMENDED: {} = {}{current}\n  the smallest that meets the SLO: {}\n",
            k.key,
            k.label(v),
            k.why
        )),
        None => out.push_str(&format!(
            "NO VALUE of {} up to {} meets the SLO{current}\n",
            k.key,
            k.label(k.max)
        )),
    }
    if let Some(e) = &a.estimate {
        out.push_str(&format!("  closed-form start: {}\n", e.formula));
    }
    if let (Some(v), Some(p)) = (a.recommended, &a.at) {
        out.push_str(&format!("  at {}: {}\n", k.label(v), probe_text(target, p)));
    }
    if let Some(p) = &a.below {
        let v = p
            .settings
            .last()
            .and_then(|s| s.split_once('='))
            .map(|(_, v)| v.to_string())
            .unwrap_or_default();
        let note = match (a.recommended, p.verdict, k.kind) {
            (Some(_), Verdict::TooClose, KnobKind::Integer) => {
                " (its interval does not clear the objective, so one more is recommended)"
            }
            _ => "",
        };
        out.push_str(&format!("  at {v}: {}{note}\n", probe_text(target, p)));
    }
    if let Some(r) = &a.non_monotone {
        out.push_str(&format!("  {}\n", region_text(a, r)));
    }
    let probes: Vec<String> = a
        .probes
        .iter()
        .map(|p| {
            let v = p
                .settings
                .last()
                .and_then(|s| s.split_once('='))
                .map(|(_, v)| v)
                .unwrap_or("");
            format!("{v} {}", p.verdict.name())
        })
        .collect();
    out.push_str(&format!("  simulated: {}\n", probes.join(", ")));
}

/// The libraries to write snippets for: the preset's, else every library
/// whose pool behaves as the scenario's when exhausted (redis-py's
/// `ConnectionPool` fails at once; the others can wait, and Jedis can do
/// both).
pub fn libraries(t: &Target) -> Vec<Library> {
    if let Some(l) = t.preset.as_deref().and_then(Library::of_preset) {
        return vec![l];
    }
    if t.base.client.transport == Transport::Multiplexed {
        return MULTIPLEXED_LIBRARIES.to_vec();
    }
    let fails = t.base.pool.when_exhausted == WhenExhausted::Fail;
    LIBRARIES
        .into_iter()
        .filter(|l| match l {
            Library::Jedis => true,
            Library::RedisPy => fails,
            _ => !fails,
        })
        .collect()
}

/// The recommendation as text.
pub fn text(r: &Recommendation) -> String {
    let t = &r.target;
    let mut out = format!("capsim recommend: {}\n{}\n", t.input.origin, header(t));
    if t.base.simulation.replications < 2 {
        out.push_str(
            "WARNING: one replication per candidate gives no confidence interval: every verdict \
             below compares a mean with its objective; set simulation.replications to 4 or more \
             (e.g. --set simulation.replications=4) for verdicts with confidence\n",
        );
    }
    out.push('\n');
    for a in &r.keys {
        key_text(t, a, &mut out);
    }
    if let Some(h) = &r.headroom {
        out.push_str(&format!(
            "\nheadroom: holds up to {}x the forecast ({} requests/s at the peak)",
            short(h.holds_at),
            short(h.holds_at * t.peak_rate)
        ));
        match (h.fails_at, &h.breaks_first) {
            (Some(f), Some(m)) => out.push_str(&format!(
                ", fails at {}x; breaks first: {}: {}\n",
                short(f),
                crate::sweep::verdict::resource(&m.metric),
                measured(m)
            )),
            (Some(f), None) => out.push_str(&format!(", fails at {}x\n", short(f))),
            (None, _) => out.push_str(&format!(
                " (no failure found up to {}x)\n",
                super::search::HEADROOM_MAX
            )),
        }
    }
    if !r.advice.is_empty() {
        out.push_str("\nlifecycle:\n");
        for a in &r.advice {
            out.push_str(&format!("  {}: {}\n", a.rule, a.finding));
            if !a.settings.is_empty() {
                out.push_str(&format!("    set: {}\n", a.settings.join(" ")));
            }
            for e in &a.effects {
                out.push_str(&format!(
                    "    simulated {}: {} {} ± {} without, {} ± {} with\n",
                    e.conditions.as_deref().unwrap_or("at the forecast"),
                    e.metric,
                    short(e.before.0),
                    short(e.before.1),
                    short(e.after.0),
                    short(e.after.1)
                ));
            }
        }
    }
    if r.keys.iter().all(|a| a.recommended.is_some()) {
        let with = t.scenario(&config_settings(r), 1.0).ok();
        if let Some(s) = with {
            for lib in libraries(t) {
                out.push_str(&format!("\n{}:\n", lib.name()));
                for line in snippets::snippet(lib, &s).lines() {
                    out.push_str(&format!("    {line}\n"));
                }
            }
        }
        out.push_str(&format!(
            "\nreproduce the recommended configuration: capsim run {} {}\n",
            t.input.origin,
            config_settings(r)
                .iter()
                .chain(t.input.set.iter())
                .map(|s| format!("--set {s}"))
                .collect::<Vec<_>>()
                .join(" ")
        ));
    }
    out
}

/// The recommended settings plus the advice's, as the snippets show them.
pub fn config_settings(r: &Recommendation) -> Vec<String> {
    let mut s = r.settings.clone();
    for a in &r.advice {
        for x in &a.settings {
            let key = x.split('=').next().unwrap_or("");
            // The search's own value wins over an advice on the same key.
            if !s.iter().any(|y| y.split('=').next() == Some(key)) {
                s.push(x.clone());
            }
        }
    }
    s
}

fn value_json(a: &KeyAnswer, v: f64) -> Json {
    match a.knob.kind {
        KnobKind::Integer => json!(v.round() as u64),
        KnobKind::Millis => json!(a.knob.label(v)),
    }
}

fn margins_json(t: &Target, p: &Probe) -> Json {
    json!({
        "settings": p.settings,
        "verdict": p.verdict.name(),
        "unfinished": p.unfinished,
        "objectives": margins(&t.slo, &p.measured).iter().map(|m| json!({
            "metric": m.metric,
            "objective": m.objective,
            "mean": finite(m.mean),
            "ci95": finite(m.half),
            "margin": finite(m.margin),
        })).collect::<Vec<_>>(),
    })
}

fn finite(x: f64) -> Json {
    if x.is_finite() {
        json!(x)
    } else {
        Json::Null
    }
}

/// The searched value of a probe (its last assignment), as a number:
/// milliseconds for durations.
fn probe_value(p: &Probe) -> Option<f64> {
    let v = p.settings.last()?.split_once('=')?.1;
    v.parse::<f64>()
        .ok()
        .or_else(|| crate::sweep::axis::parse_duration_ns(v).map(|ns| ns / 1e6))
}

/// The recommendation as JSON.
pub fn json(r: &Recommendation) -> Json {
    let t = &r.target;
    let mut recommended = serde_json::Map::new();
    for a in &r.keys {
        recommended.insert(
            a.knob.key.to_string(),
            a.recommended.map_or(Json::Null, |v| value_json(a, v)),
        );
    }
    let keys: Vec<Json> = r
        .keys
        .iter()
        .map(|a| {
            json!({
                "key": a.knob.key,
                "current": a.current.map(|v| value_json(a, v)),
                "recommended": a.recommended.map(|v| value_json(a, v)),
                "estimate": a.estimate.as_ref().map(|e| json!({
                    "value": e.value, "formula": e.formula, "erlangs": e.erlangs,
                })),
                "at": a.at.as_ref().map(|p| margins_json(t, p)),
                "below": a.below.as_ref().map(|p| margins_json(t, p)),
                "non_monotone": a.non_monotone.as_ref().map(|g| json!({
                    "holds_at": g.holds_at,
                    "fails_from": g.fails_from,
                    "up_to": g.up_to,
                    "metric": g.why.as_ref().map(|m| m.metric.clone()),
                })),
                "probes": a.probes.iter().map(|p| {
                    let mut j = margins_json(t, p);
                    j["value"] = probe_value(p).map_or(Json::Null, |v| json!(v));
                    j
                }).collect::<Vec<_>>(),
            })
        })
        .collect();
    let snippets: serde_json::Map<String, Json> = if r.keys.iter().all(|a| a.recommended.is_some())
    {
        match t.scenario(&config_settings(r), 1.0) {
            Ok(s) => libraries(t)
                .into_iter()
                .map(|l| (l.id().to_string(), json!(snippets::snippet(l, &s))))
                .collect(),
            Err(_) => serde_json::Map::new(),
        }
    } else {
        serde_json::Map::new()
    };
    json!({
        "scenario": t.input.origin,
        "forecast": { "peak_rate": t.peak_rate, "stated": t.stated },
        "slo": t.slo.iter().map(|c| json!({
            "metric": c.metric, "objective": c.expression(),
        })).collect::<Vec<_>>(),
        "recommended": recommended,
        "keys": keys,
        "headroom": r.headroom.as_ref().map(|h| json!({
            "holds_at": h.holds_at,
            "fails_at": h.fails_at,
            "breaks_first": h.breaks_first.as_ref().map(|m| json!({
                "metric": m.metric, "mean": finite(m.mean), "ci95": finite(m.half),
                "objective": m.objective,
            })),
        })),
        "advice": r.advice.iter().map(|a| json!({
            "rule": a.rule,
            "finding": a.finding,
            "settings": a.settings,
            "effect": a.effects.first().map(effect),
            "effects": a.effects.iter().map(effect).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "snippets": snippets,
        "summary": text(r),
    })
}

/// One simulated effect of a piece of advice, as JSON.
fn effect(e: &super::advice::Effect) -> serde_json::Value {
    let mut j = json!({
        "metric": e.metric,
        "before": {"mean": finite(e.before.0), "ci95": finite(e.before.1)},
        "after": {"mean": finite(e.after.0), "ci95": finite(e.after.1)},
    });
    if let Some(c) = &e.conditions {
        j["conditions"] = json!(c);
    }
    j
}
