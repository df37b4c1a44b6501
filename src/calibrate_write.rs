//! The scenario `capsim calibrate` writes: `[network]` and `[redis]` filled
//! from the measurements, each value with a comment saying how it was
//! measured and its spread, and placeholder `[workload]`, `[pods]` and
//! `[pool]` tables that `--set` completes.
//!
//! How the measurements become the model's keys:
//! - `redis.service_time`: the commands' own time per call from
//!   `commandstats` (a mean: Redis keeps no distribution of it);
//! - `redis.command_overhead`: the event-loop time per command outside
//!   `commandstats`, from the PING blocks (the `INFO cpu` method);
//! - `redis.ping_time`: PING's own time per call from `commandstats`;
//! - `network.rtt`: the client-timed PING round trips less PING's whole
//!   event-loop time (`ping_time + command_overhead`), as quantiles: what
//!   remains is the network, both kernels and the client library;
//! - `redis.reply_batching = true`: not measured but how Redis without
//!   io-threads writes replies (all of one event-loop pass at its end).

use crate::calibrate::{mean_sd, quantile, Calibration};

/// Quantile levels of the written `network.rtt`.
const LEVELS: [(f64, &str); 4] = [(0.5, "p50"), (0.9, "p90"), (0.99, "p99"), (0.999, "p999")];

/// A duration as the scenario files write it, in microseconds to the nanosecond.
pub fn us(secs: f64) -> String {
    format!("{:.3}us", (secs * 1e6).max(0.0))
}

fn us_short(secs: f64) -> String {
    format!("{:.1} us", secs * 1e6)
}

/// The figures the scenario is built from.
#[derive(Clone, Copy, Debug)]
pub struct Model {
    /// Mean own time of the commands by `commandstats` (s).
    pub service: f64,
    /// The commands' own time as quantiles (s), if the round trips give
    /// increasing positive ones: each command round trip less the median
    /// PING round trip plus PING's loop time.
    pub service_q: Option<[f64; 4]>,
    /// Event-loop overhead per command (s).
    pub overhead: f64,
    /// PING's own time (s).
    pub ping: f64,
    /// Network round-trip quantiles (s), strictly increasing.
    pub rtt: [f64; 4],
}

/// The model's figures from a calibration.
pub fn model(c: &Calibration) -> Model {
    let own =
        |b: &[crate::calibrate::Block]| mean_sd(&b.iter().map(|b| b.own).collect::<Vec<_>>()).0;
    let overhead = mean_sd(&c.ping_blocks.iter().map(|b| b.overhead).collect::<Vec<_>>()).0;
    let ping = own(&c.ping_blocks);
    let server = ping + overhead;
    let mut rtt = LEVELS.map(|(p, _)| (quantile(&c.ping_rtt, p) - server).max(1e-6));
    increasing(&mut rtt);
    let base = quantile(&c.ping_rtt, 0.5) - server;
    let mut q = LEVELS.map(|(p, _)| quantile(&c.command_rtt, p) - base - overhead);
    increasing(&mut q);
    Model {
        service: own(&c.command_blocks),
        service_q: (q[0] > 0.0).then_some(q),
        overhead,
        ping,
        rtt,
    }
}

/// Quantiles must increase: a tie (a coarse clock) moves up by 1 ns.
fn increasing(q: &mut [f64; 4]) {
    for i in 1..4 {
        if q[i] <= q[i - 1] {
            q[i] = q[i - 1] + 1e-9;
        }
    }
}

/// The `service_time` value and how it was made.
fn service_text(m: &Model) -> (String, String) {
    let constant = || {
        (
            format!("\"{}\"", us(m.service)),
            "the commandstats mean (quantiles of the round trips were unusable or\n\
             # their mean was more than 10% off)"
                .to_string(),
        )
    };
    let Some(q) = m.service_q else {
        return constant();
    };
    let lat = sim::dist::Latency::quantiles(q.map(sim::time::SimTime::from_secs_f64));
    match lat {
        // Quantiles extend their end segments' slopes; when that tail moves
        // the mean more than 10% from commandstats', the mean is safer.
        Ok(l) if (l.mean_secs() / m.service - 1.0).abs() <= 0.1 => (
            format!(
                "{{ dist = \"quantiles\", p50 = \"{}\", p90 = \"{}\", p99 = \"{}\", p999 = \"{}\" }}",
                us(q[0]),
                us(q[1]),
                us(q[2]),
                us(q[3])
            ),
            format!(
                "quantiles of each command round trip less the median PING round trip\n\
                 # and the overhead below (mean of this distribution: {}; commandstats: {})",
                us_short(l.mean_secs()),
                us_short(m.service)
            ),
        ),
        _ => constant(),
    }
}

/// The scenario text; `command_line` is how it was produced.
pub fn scenario(c: &Calibration, command_line: &str) -> String {
    let m = model(c);
    let s = &c.settings;
    let spread = |xs: Vec<f64>| {
        let (mean, sd) = mean_sd(&xs);
        format!("mean {}, sd {}", us_short(mean), us_short(sd))
    };
    let blocks = |b: &[crate::calibrate::Block], f: fn(&crate::calibrate::Block) -> f64| {
        spread(b.iter().map(f).collect())
    };
    let typed: Vec<String> = c.commands.iter().map(|w| w.join(" ")).collect();
    let (service_value, service_how) = service_text(&m);
    let loop_time = m.service + m.overhead;
    let capacity = 1.0 / loop_time;
    let placeholder_rate = (capacity * 0.5).max(1.0).round();
    let sat = c.saturation;
    let per_command_sat = 1.0 / sat.throughput;
    let q = |xs: &[f64]| {
        LEVELS
            .iter()
            .map(|&(p, name)| format!("{name} {}", us_short(quantile(xs, p))))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let cpu_source = if c.thread_cpu {
        "the main thread's CPU time (used_cpu_*_main_thread)"
    } else {
        "the process's CPU time (this Redis reports no main-thread time)"
    };
    let mut out = String::new();
    out += &format!(
        "# Calibrated against Redis {version} at {addr}, from this machine, with the\n\
         # `redis` crate's synchronous client:\n\
         #   {command_line}\n\
         # Measured: {cmds}; values of {size} bytes.\n\
         #\n\
         # [network] and [redis] are measured (how, beside each value). [workload],\n\
         # [pods] and [pool] are placeholders: set yours with --set, e.g.\n\
         #   capsim run FILE --set workload.rate=1200 --set pool.max_total=4\n\
         # Light load: one connection, one command at a time, {blocks} blocks of up to\n\
         # {per_block} round trips; spreads are over the blocks.\n",
        version = c.version,
        addr = s.addr,
        cmds = typed.join(", then "),
        size = s.value_size,
        blocks = c.ping_blocks.len(),
        per_block = c.ping_rtt.len().div_ceil(c.ping_blocks.len().max(1)),
    );
    out += &format!(
        "\n[workload]\n\
         # Placeholder: half the event loop's capacity (1 / {} per command = {:.0}/s).\n\
         rate = {placeholder_rate}\n",
        us_short(loop_time),
        capacity
    );
    out += "\n[pods]\ncount = 1                      # placeholder\n";
    out += "\n[pool]\nmax_total = 4                  # placeholder\n";
    out += &format!(
        "\n[network]\n\
         # PING round trips timed by the client (n = {n}): {raw};\n\
         # mean {mean}. Less PING's event-loop time ({server} = ping_time +\n\
         # command_overhead below), which the model adds on the server: what remains\n\
         # is the network, both kernels and the client library. The library's own\n\
         # encode and parse take {client} per command (timed in-process).\n\
         rtt = {{ dist = \"quantiles\", p50 = \"{p50}\", p90 = \"{p90}\", p99 = \"{p99}\", p999 = \"{p999}\" }}\n",
        n = c.ping_rtt.len(),
        raw = q(&c.ping_rtt),
        mean = us_short(mean_sd(&c.ping_rtt).0),
        server = us_short(m.ping + m.overhead),
        client = us_short(c.client_cost),
        p50 = us(m.rtt[0]),
        p90 = us(m.rtt[1]),
        p99 = us(m.rtt[2]),
        p999 = us(m.rtt[3]),
    );
    out += &format!(
        "\n[redis]\n\
         # The commands' own time per call (commandstats usec/calls, a wall time:\n\
         # a command that sleeps counts its sleep): {svc}. Their client-timed\n\
         # round trips (n = {n}): {raw}.\n\
         # Written: {service_how}.\n\
         service_time = {service_value}\n\
         # Event-loop time per command that commandstats does not show (reading,\n\
         # parsing, writing the reply, the wake-up), by the INFO cpu method: over\n\
         # each PING block, ({cpu_source} - the commands'\n\
         # commandstats time) / commands: {ovh}.\n\
         command_overhead = \"{overhead}\"\n\
         # PING's own time per call (commandstats): {ping_spread}.\n\
         ping_time = \"{ping}\"\n\
         hit_ratio = 1.0\n\
         # Redis (without io-threads) writes the replies of one pass of its event\n\
         # loop together, at the end of the pass (beforeSleep), so with several\n\
         # busy connections a reply waits for the commands after it in its pass.\n\
         reply_batching = true\n\
         # Cross-check at saturation: {conns} connections back to back for about\n\
         # 1.5 s: {tput:.0} commands/s, {per_sat} per command; the model's\n\
         # service_time + command_overhead = {loop_time}. The counters say the loop\n\
         # was {busy:.0}% busy: {verdict}.\n",
        svc = blocks(&c.command_blocks, |b| b.own),
        n = c.command_rtt.len(),
        raw = q(&c.command_rtt),
        ovh = blocks(&c.ping_blocks, |b| b.overhead),
        overhead = us(m.overhead),
        ping_spread = blocks(&c.ping_blocks, |b| b.own),
        ping = us(m.ping),
        conns = sat.connections,
        tput = sat.throughput,
        per_sat = us_short(per_command_sat),
        loop_time = us_short(loop_time),
        busy = sat.busy * 100.0,
        verdict = if sat.busy >= 0.9 {
            "saturated, so the two figures should agree"
        } else {
            "not saturated (the clients on this machine were the limit), so one over \
             the throughput is only an upper bound"
        },
    );
    out
}
