//! `capsim check FILE`: validate a scenario without running it, print it with
//! every default filled in and the origin of each value, then the figures a
//! reviewer works out by hand and the warnings for designs that cannot work.
//!
//! The whole output is TOML (figures and warnings are comments), so it can be
//! saved and run as it is.

use crate::Failure;
use models::scenario::derived::{self, Figures};
use models::scenario::{Resolved, Scenario};
use std::path::PathBuf;

/// Arguments of `capsim check`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The scenario file (TOML).
    pub file: PathBuf,
    /// Override any scenario key, checked like the file: `--set pool.max_total=20`.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
    /// Largest run, in simulated events, that passes (default 2e9).
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = crate::flags::max_events)]
    pub max_events: Option<f64>,
}

/// Runs the command: exit 0 for a valid scenario (even with warnings), 2 for
/// an invalid one or one too large to run.
pub fn run(args: Args) -> Result<(), Failure> {
    let resolved = models::scenario::resolve(&args.file, &args.set)
        .map_err(|e| Failure::Input(anyhow::anyhow!("{e}")))?;
    let limit = args.max_events.unwrap_or(derived::DEFAULT_MAX_EVENTS);
    print!(
        "{}",
        report(&args.file.display().to_string(), &resolved, limit)
    );
    derived::check_size(&resolved.scenario, limit)
        .map(|_| ())
        .map_err(|m| Failure::Input(anyhow::anyhow!("{}: {m}", args.file.display())))
}

/// The whole output of `capsim check`.
pub fn report(file: &str, r: &Resolved, max_events: f64) -> String {
    let s = &r.scenario;
    let mut out = format!(
        "# capsim check: {file} is valid.\n\
         # The resolved scenario: every key, with where its value came from\n\
         # (file line, preset, --set or default).\n"
    );
    out += &r.to_toml();
    out += &figures_text(s);
    if !s.redis.commands.is_empty() {
        out += &commands_text(s);
    }
    if let Some(bits) = s.redis.bandwidth {
        out += &bandwidth_text(s, bits);
    }
    if let Some(p) = &s.redis.persistence {
        let (stall, every) = (p.stall(), p.every);
        out += &format!(
            "\n# Fork stalls: each shard's loop is blocked {stall} every {every} ({} of the time); \
             a command arriving in a stall waits the rest of it ({} on average).\n",
            pct(stall.as_secs_f64() / every.as_secs_f64()),
            ms(stall.as_secs_f64() / 2.0),
        );
    }
    let events = derived::estimate_events(s);
    out += &format!(
        "\n# Run size: about {} simulated events ({} per request), limit {}.\n",
        count(events),
        fig(derived::events_per_request(s)),
        count(max_events)
    );
    let warnings = derived::warnings(s);
    if warnings.is_empty() {
        out += "# Warnings: none.\n";
    }
    for w in warnings {
        out += &format!("# warning: {w}\n");
    }
    out
}

/// One line of figures: label, value, how it is computed.
type Row<F> = (&'static str, fn(&F) -> String, &'static str);

/// Lines of figures: each label, its value at `workload.rate` and, with a
/// peak, at the peak, then how it is computed (when said).
fn rows_text<F>(rows: &[Row<F>], base: &F, top: Option<&F>) -> String {
    let mut out = String::new();
    for (name, value, how) in rows {
        let mut line = format!("#   {name:<28}{:>14}", value(base));
        if let Some(t) = top {
            line += &format!("{:>14}", value(t));
        }
        if !how.is_empty() {
            line += &format!("   {how}");
        }
        out += &line;
        out.push('\n');
    }
    out
}

/// The derived figures, at `workload.rate` and at the profile's peak.
fn figures_text(s: &Scenario) -> String {
    let peak = derived::peak_scale(s);
    let base = derived::figures(s, 1.0);
    let top = (peak != 1.0).then(|| derived::figures(s, peak));
    let mut out = String::from(
        "\n# Derived figures (steady state; holds leave out Redis queueing, connects and retries):\n",
    );
    let head = match &top {
        Some(_) => format!(
            "{:<32}{:>14}{:>14}",
            "#",
            "at rate",
            format!("at peak x{}", fig(peak))
        ),
        None => format!("{:<32}{:>14}", "#", "at rate"),
    };
    out += head.trim_end();
    out.push('\n');
    #[rustfmt::skip]
    let rows: [Row<Figures>; 11] = [
        ("requests/s, all pods", |f| fig(f.rate), ""),
        ("requests/s per pod", |f| fig(f.per_pod_rate), "rate / pods.count"),
        ("checkouts per request", |f| fig(f.checkouts_per_request), "reads x (1 - l1.hit_ratio)"),
        ("mean hold per checkout", |f| ms(f.hold_secs), "E[rtt] + E[service] (+ miss x fallback)"),
        ("Redis reads/s per shard", |f| fig(f.redis_reads_per_shard), ""),
        ("Redis utilisation per shard", |f| fig(f.redis_utilisation), "commands/s x E[service]"),
        ("offered load per pod", |f| format!("{} erlangs", fig(f.offered_load)), "checkouts/s per pod x mean hold"),
        ("connections in use per pod", |f| fig(f.in_use), "Little's law: carried load"),
        ("pool utilisation", |f| pct(f.pool_utilisation), "in use / (max_total x pools per pod)"),
        ("expected failed checkouts", |f| f.checkout_loss.map_or("n/a".into(), pct), "Erlang B / M/M/n+D / none"),
        ("Erlang C pool size", |f| f.erlang_c_size.map_or("n/a".into(), |n| n.to_string()), "fewer than 1% of checkouts wait"),
    ];
    out += &rows_text(&rows, &base, top.as_ref());
    if base.database.is_some() {
        out += &database_text(&base, top.as_ref());
    }
    if base.cluster.is_some() {
        out += &cluster_text(&base, top.as_ref());
    }
    out
}

/// The busiest node's figures (cluster mode only, so other scenarios'
/// output is unchanged): the rows above spread a pod's checkouts over its
/// pools, one per node; these are the pool and the event loop that break
/// first.
fn cluster_text(base: &Figures, top: Option<&Figures>) -> String {
    #[rustfmt::skip]
    let rows: [Row<derived::ClusterFigures>; 6] = [
        ("busiest node", |c| c.node.to_string(), "the node whose slots carry the most reads"),
        ("its share of reads", |c| pct(c.share), "popularity of the keys on its slots"),
        ("Redis utilisation, that node", |c| fig(c.redis_utilisation), "share x commands/s x E[service]"),
        ("load on a pod's pool for it", |c| format!("{} erlangs", fig(c.offered_load)), "share x checkouts/s per pod x hold"),
        ("failed checkouts there", |c| c.checkout_loss.map_or("n/a".into(), pct), "max_total per node: Erlang B / M/M/n+D"),
        ("Erlang C pool size per node", |c| c.erlang_c_size.map_or("n/a".into(), |n| n.to_string()), "for the busiest node's pools"),
    ];
    let mut out = String::new();
    let loops = base.cluster.as_ref().map_or(1, |c| c.loops);
    if loops > 1 {
        // Reads from replicas: each node's reads spread over its loops.
        out += &format!(
            "#   {:<28}{:>14}   reads spread uniformly over a node's replicas (read_from)\n",
            "event loops a node reads on", loops
        );
    }
    let rows = rows.map(|(name, value, how)| {
        let how = match (loops > 1, name) {
            (true, "Redis utilisation, that node") => {
                "busiest loop: share x (reads/s / loops + writes/s) x E[service]"
            }
            (true, "load on a pod's pool for it") => "share x checkouts/s per pod / loops x hold",
            _ => how,
        };
        (name, value, how)
    });
    let c = base.cluster.as_ref().expect("cluster mode");
    out += &rows_text(&rows, c, top.and_then(|t| t.cluster.as_ref()));
    out
}

/// The finite database's figures (only for a finite database, so the
/// output of a scenario without one is unchanged).
fn database_text(base: &Figures, top: Option<&Figures>) -> String {
    #[rustfmt::skip]
    let rows: [Row<derived::DatabaseFigures>; 4] = [
        ("database queries/s", |d| fig(d.queries), "rate x reads x L1 miss x Redis miss"),
        ("database utilisation", |d| pct(d.utilisation), "queries/s x E[latency] / concurrency"),
        ("database queue wait", |d| d.wait_secs.map_or("n/a".into(), ms), "M/M/c (Erlang C), or M/M/c+D"),
        ("database queries timing out", |d| d.timeout_share.map_or("n/a".into(), pct), "M/M/c+D with queue_timeout"),
    ];
    let d = base.database.as_ref().expect("a finite database");
    rows_text(&rows, d, top.and_then(|t| t.database.as_ref()))
}

/// The command mix and the moments of the event-loop time it gives (only
/// with a mix, so the output of a scenario without one is unchanged).
fn commands_text(s: &Scenario) -> String {
    let us = |secs: f64| format!("{} us", fig(secs * 1e6));
    let mut out = String::from(
        "\n# Command mix (each command drawn by share; its own time is keys x time per key):\n",
    );
    out += &format!("{:<32}{:>14}{:>14}\n", "#", "share", "mean own");
    for c in &s.redis.commands {
        let name = match c.keys {
            1 => c.name.clone(),
            k => format!("{} ({k} keys)", c.name),
        };
        out += &format!(
            "#   {name:<28}{:>14}{:>14}\n",
            pct(c.share),
            us(c.mean_secs())
        );
    }
    let (mean, m2) = s.redis.loop_time_moments();
    out += &format!(
        "#   {:<28}{:>14}   E[own] + E[command_overhead], before connection_scaling\n",
        "event-loop time, mean",
        us(mean)
    );
    out += &format!(
        "#   {:<28}{:>14}   E[S^2] of the same, for Pollaczek-Khinchine\n",
        "event-loop time, E[S^2]",
        format!("{} us^2", fig(m2 * 1e12))
    );
    out
}

/// The shards' outbound links at `workload.rate` (only with a bandwidth,
/// so the output of a scenario without one is unchanged).
fn bandwidth_text(s: &Scenario, bits: u64) -> String {
    let f = derived::figures(s, 1.0);
    let bytes = s.redis.keys_mean() * s.redis.value_size.mean();
    let rho = f.redis_reads_per_shard * s.redis.link_secs_per_read();
    // A miss's reply skips the link: only hits count.
    let replies = if s.redis.hit_ratio < 1.0 {
        "Redis reads/s per shard x redis.hit_ratio"
    } else {
        "Redis reads/s per shard"
    };
    format!(
        "\n# Outbound link per shard ({} Mbit/s):\n\
         #   {:<28}{:>14}   E[keys] x E[value_size]\n\
         #   {:<28}{:>14}   {replies} x bytes x 8 / bandwidth\n",
        fig(bits as f64 / 1e6),
        "mean reply",
        format!("{} B", fig(bytes)),
        "link utilisation at rate",
        pct(rho),
    )
}

/// A figure with about four significant digits, integers in full.
fn fig(x: f64) -> String {
    if !x.is_finite() {
        return x.to_string();
    }
    if x.fract() == 0.0 && x.abs() < 1e15 {
        return format!("{x:.0}");
    }
    let digits = if x.abs() >= 1000.0 {
        0
    } else if x.abs() >= 1.0 {
        3 - (x.abs().log10().floor() as usize).min(3)
    } else {
        4
    };
    let t = format!("{x:.digits$}");
    if t.contains('.') {
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        t
    }
}

fn ms(secs: f64) -> String {
    format!("{} ms", fig(secs * 1e3))
}

fn pct(x: f64) -> String {
    format!("{}%", fig(100.0 * x))
}

/// A count of events: in full below a million, else `2.6e6`.
fn count(x: f64) -> String {
    if x < 1e6 {
        format!("{x:.0}")
    } else {
        let digits = x.log10().floor() as i32;
        let mantissa = (x / 10f64.powi(digits) * 10.0).round() / 10.0;
        format!("{}e{digits}", fig(mantissa))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_naturally() {
        assert_eq!(fig(10.0), "10");
        assert_eq!(fig(0.5), "0.5");
        assert_eq!(fig(12.3456), "12.35");
        assert_eq!(fig(0.01234), "0.0123");
        assert_eq!(fig(12345.6), "12346");
        assert_eq!(count(2.6e6), "2.6e6");
        assert_eq!(count(2e9), "2e9");
        assert_eq!(count(65_000.0), "65000");
    }
}
