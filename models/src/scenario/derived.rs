//! Derived figures: what a reviewer works out by hand from a scenario before
//! running it, and the size of the run.
//!
//! The figures are first-order, steady-state estimates (`capsim check`
//! prints them beside the resolved scenario):
//! - checkouts per request: `reads_per_request x (1 - l1.hit_ratio)`, times
//!   `1 + (1 - redis.hit_ratio)` when the SET after a Redis miss checks out a
//!   connection of its own (`hold_during_fallback = false`);
//! - mean hold per checkout: `E[rtt] + E[service]`, plus
//!   `(1 - redis.hit_ratio) x (E[db] + E[rtt] + E[service])` when the
//!   connection is held through the database fallback. Queueing on the Redis
//!   event loop, connects and retries are left out, so this is a lower bound
//!   that is close while Redis utilisation is low;
//! - offered load per pod (erlangs) = checkout rate per pod x mean hold;
//! - connections in use (Little's law, `L = lambda W`) = the carried load:
//!   the offered load less the checkouts that fail (Erlang B for a fail-fast
//!   pool, M/M/n+D abandonment for a bounded wait, nothing for an unbounded
//!   wait, where in use cannot exceed `max_total`);
//! - the Erlang C pool size: the smallest pool with less than 1% of checkouts
//!   waiting (M/M/n; exponential holds assumed);
//! - Redis utilisation per shard = commands per second per shard x
//!   `E[service]` (a GET per read that misses L1, plus a SET per Redis miss);
//! - for a finite database ([`DatabaseFigures`]): queries per second (a read
//!   that misses L1 and Redis), its offered load in erlangs over
//!   `database.concurrency` workers, and M/M/c's mean queue wait (Erlang C,
//!   or M/M/c+D with its abandonment share under a `queue_timeout`),
//!   exponential query times assumed. The wait is added to the mean hold
//!   when the connection is held through the fallback.

use super::{Scenario, WhenExhausted};
use sim::queueing::{erlang_b, erlang_b_servers_for, erlang_c_servers_for, mmn_d, mmn_mean_wait};

/// Share of checkouts allowed to wait, for the Erlang C size.
pub const ERLANG_C_TARGET: f64 = 0.01;

/// Most simulated events a run may take without `--max-events`.
pub const DEFAULT_MAX_EVENTS: f64 = 2e9;

/// Estimated events ([`estimate_events`]) per second of wall time assumed when
/// telling how long a run would take on one core of a release build. The
/// throughput benchmark (`benches/RESULTS.md`) measures about 25 million for
/// both of its cases on the project's 2-core VM; this figure leaves room for
/// slower machines and costlier scenarios.
pub const EVENTS_PER_SECOND: f64 = 1.5e7;

/// Largest pool or load the queueing formulas are asked about; beyond it the
/// figure is left out (`sim::queueing` is accurate up to 100,000).
const FORMULA_LIMIT: f64 = 100_000.0;

/// Figures at one request rate.
#[derive(Clone, Debug, PartialEq)]
pub struct Figures {
    /// The profile scale these figures are for (1 = `workload.rate`).
    pub scale: f64,
    /// Requests per second over all pods.
    pub rate: f64,
    /// Requests per second per pod.
    pub per_pod_rate: f64,
    /// Connection checkouts per request.
    pub checkouts_per_request: f64,
    /// Connection checkouts per second per pod.
    pub checkouts_per_pod: f64,
    /// Mean time a checkout holds its connection, in seconds.
    pub hold_secs: f64,
    /// Redis reads (GETs) per second per shard.
    pub redis_reads_per_shard: f64,
    /// Redis commands (GETs and SETs) per second per shard.
    pub redis_commands_per_shard: f64,
    /// Busy fraction of each shard's event loop (may exceed 1: overload).
    pub redis_utilisation: f64,
    /// Offered load on each pod's pool, in erlangs.
    pub offered_load: f64,
    /// Share of checkouts expected to fail (time out or be refused).
    pub checkout_loss: Option<f64>,
    /// Connections in use per pod by Little's law (the carried load).
    pub in_use: f64,
    /// `in_use / max_total`.
    pub pool_utilisation: f64,
    /// Smallest pool with less than 1% of checkouts waiting (Erlang C).
    pub erlang_c_size: Option<u32>,
    /// Smallest fail-fast pool refusing less than 1% (Erlang B).
    pub erlang_b_size: Option<u32>,
    /// A finite database's figures (`None` for an unlimited one).
    pub database: Option<DatabaseFigures>,
    /// The busiest node's figures in cluster mode (`None` through a proxy).
    pub cluster: Option<ClusterFigures>,
}

/// The busiest node of a Redis Cluster and its pools, at one request rate.
#[derive(Clone, Debug, PartialEq)]
pub struct ClusterFigures {
    /// The node whose slots carry the largest share of reads.
    pub node: u32,
    /// That share: the popularity of the keys on its slots (before the L1,
    /// which takes more of the hot keys' reads).
    pub share: f64,
    /// Event loops its reads spread over, uniformly: 1 (the primary), the
    /// replicas with `read_from = "replica"`, or the primary and the
    /// replicas with `"any"`.
    pub loops: u32,
    /// Its busiest event loop's busy fraction: share x (the fleet's
    /// reads/s / `loops` + its writes/s) x the mean service time; with one
    /// loop, share x commands/s x the mean service time. (A replica also
    /// applies every write; a primary serves them.)
    pub redis_utilisation: f64,
    /// Offered load on each pod's pool for one of those loops, in erlangs
    /// (the node's share of the checkouts over `loops`; the SETs after
    /// misses, which go to the primary, are spread with the reads).
    pub offered_load: f64,
    /// Share of that pool's checkouts expected to fail.
    pub checkout_loss: Option<f64>,
    /// Smallest pool per node with less than 1% of its checkouts waiting.
    pub erlang_c_size: Option<u32>,
}

/// Most keys whose shares `capsim check` adds up by node (one CRC16 each).
pub const MAX_KEYS_FOR_SHARES: u64 = 10_000_000;

/// The share of reads each node of a cluster of `nodes` receives when keys
/// are drawn from `keys` (key `rank` is named `key:<rank>`, its slot is its
/// CRC16), or `None` above [`MAX_KEYS_FOR_SHARES`] keys.
pub fn node_shares(keys: &sim::zipf::Popularity, nodes: u32) -> Option<Vec<f64>> {
    if keys.n() > MAX_KEYS_FOR_SHARES {
        return None;
    }
    let map = crate::slots::SlotMap::new(nodes);
    let mut shares = vec![0.0; nodes as usize];
    for (i, p) in keys.pmf().into_iter().enumerate() {
        shares[map.node_of_rank(i as u64 + 1) as usize] += p;
    }
    Some(shares)
}

/// What a finite database is offered, at one request rate.
#[derive(Clone, Debug, PartialEq)]
pub struct DatabaseFigures {
    /// Queries per second over the fleet.
    pub queries: f64,
    /// Offered load in erlangs: queries/s x mean query time.
    pub offered_load: f64,
    /// `offered_load / concurrency` (may exceed 1: overload).
    pub utilisation: f64,
    /// Mean queue wait of the queries served, in seconds (M/M/c, or
    /// M/M/c+D with a queue timeout); `None` when the queue has no steady
    /// state (no timeout and a load at or above the workers).
    pub wait_secs: Option<f64>,
    /// Share of queries that time out in the queue (M/M/c+D); `None`
    /// without a queue timeout.
    pub timeout_share: Option<f64>,
}

/// The finite database's figures for `queries` per second.
fn database_figures(s: &Scenario, queries: f64) -> Option<DatabaseFigures> {
    let n = s.database.concurrency?;
    let mean = s.database.latency.mean_secs();
    let offered_load = queries * mean;
    let fits = offered_load.is_finite()
        && offered_load <= FORMULA_LIMIT
        && f64::from(n) <= FORMULA_LIMIT
        && mean > 0.0;
    let (wait_secs, timeout_share) = match s.database.queue_timeout {
        _ if !fits => (None, None),
        Some(tau) => {
            let d = mmn_d(n, queries, 1.0 / mean, tau.as_secs_f64());
            (Some(d.mean_wait_served), Some(d.p_abandon))
        }
        None if offered_load < f64::from(n) => (Some(mmn_mean_wait(n, queries, 1.0 / mean)), None),
        None => (None, None),
    };
    Some(DatabaseFigures {
        queries,
        offered_load,
        utilisation: offered_load / f64::from(n),
        wait_secs,
        timeout_share,
    })
}

/// The figures at `workload.rate` scaled by `scale`.
pub fn figures(s: &Scenario, scale: f64) -> Figures {
    let rate = s.workload.rate * scale;
    let per_pod_rate = rate / f64::from(s.pods.count);
    let reads = f64::from(s.workload.reads_per_request) * (1.0 - s.l1.hit_ratio);
    let redis_miss = 1.0 - s.redis.hit_ratio;
    let command = s.network.rtt.mean_secs() + s.redis.command_mean_secs();
    let database = database_figures(s, rate * reads * redis_miss);
    let db_wait = database.as_ref().and_then(|d| d.wait_secs).unwrap_or(0.0);
    let (checkouts_per_request, hold_secs) = if s.client.hold_during_fallback {
        let fallback = s.database.latency.mean_secs() + db_wait + command;
        (reads, command + redis_miss * fallback)
    } else {
        (reads * (1.0 + redis_miss), command)
    };
    let checkouts_per_pod = per_pod_rate * checkouts_per_request;
    let redis_reads_per_shard = rate * reads / f64::from(s.redis.shards);
    let redis_commands_per_shard = redis_reads_per_shard * (1.0 + redis_miss);
    let offered_load = checkouts_per_pod * hold_secs;
    let n = s.pool.max_total;
    let checkout_loss = loss(s, checkouts_per_pod, hold_secs);
    let in_use = match checkout_loss {
        Some(p) => offered_load * (1.0 - p),
        None => offered_load,
    }
    .min(f64::from(n));
    let sizable = offered_load.is_finite() && offered_load <= FORMULA_LIMIT;
    let cluster = cluster_figures(s, rate * reads, checkouts_per_pod, hold_secs, redis_miss);
    Figures {
        scale,
        rate,
        per_pod_rate,
        checkouts_per_request,
        checkouts_per_pod,
        hold_secs,
        redis_reads_per_shard,
        redis_commands_per_shard,
        redis_utilisation: redis_commands_per_shard * s.redis.command_mean_secs(),
        offered_load,
        checkout_loss,
        in_use,
        pool_utilisation: in_use / (f64::from(n) * f64::from(s.redis.pools_per_pod())),
        erlang_c_size: sizable.then(|| erlang_c_servers_for(offered_load, ERLANG_C_TARGET)),
        erlang_b_size: sizable.then(|| erlang_b_servers_for(offered_load, ERLANG_C_TARGET)),
        database,
        cluster,
    }
}

/// The busiest node's figures in cluster mode: its share of the reads
/// (`reads` per second over the fleet) and of each pod's `checkouts`,
/// each held `hold` seconds, by a pool of `max_total` per node.
fn cluster_figures(
    s: &Scenario,
    reads: f64,
    checkouts: f64,
    hold: f64,
    redis_miss: f64,
) -> Option<ClusterFigures> {
    if s.redis.mode != super::RedisMode::Cluster {
        return None;
    }
    let shares = node_shares(s.workload.keys.as_ref()?, s.redis.shards)?;
    let (node, share) =
        shares.iter().copied().enumerate().fold(
            (0, 0.0),
            |best, (i, x)| if x > best.1 { (i, x) } else { best },
        );
    let loops = match s.redis.read_from {
        super::ReadFrom::Primary => 1,
        super::ReadFrom::Replica => s.redis.replicas,
        super::ReadFrom::Any => 1 + s.redis.replicas,
    };
    let k = f64::from(loops);
    let lambda = checkouts * share / k;
    let offered_load = lambda * hold;
    let sizable = offered_load.is_finite() && offered_load <= FORMULA_LIMIT;
    Some(ClusterFigures {
        node: node as u32,
        share,
        loops,
        redis_utilisation: share * reads * (1.0 / k + redis_miss) * s.redis.command_mean_secs(),
        offered_load,
        checkout_loss: loss(s, lambda, hold),
        erlang_c_size: sizable.then(|| erlang_c_servers_for(offered_load, ERLANG_C_TARGET)),
    })
}

/// Expected share of checkouts that fail, when a formula applies.
fn loss(s: &Scenario, lambda: f64, hold: f64) -> Option<f64> {
    let n = s.pool.max_total;
    let a = lambda * hold;
    if !(a.is_finite() && a <= FORMULA_LIMIT && f64::from(n) <= FORMULA_LIMIT) {
        return None;
    }
    match (s.pool.when_exhausted, s.pool.acquire_timeout) {
        (WhenExhausted::Fail, _) => Some(erlang_b(n, a)),
        (WhenExhausted::Block, None) => Some(0.0),
        (WhenExhausted::Block, Some(tau)) if hold > 0.0 && lambda > 0.0 => {
            Some(mmn_d(n, lambda, 1.0 / hold, tau.as_secs_f64()).p_abandon)
        }
        (WhenExhausted::Block, Some(_)) => Some(0.0),
    }
}

/// The highest scale of the traffic profile (at least 1, the starting scale).
pub fn peak_scale(s: &Scenario) -> f64 {
    s.workload
        .profile
        .iter()
        .map(|p| p.scale)
        .fold(1.0, f64::max)
}

/// `integral of scale(t) dt` over the measured window, in seconds: the
/// profile starts at scale 1 and moves linearly over each ramp.
pub fn scale_integral(s: &Scenario) -> f64 {
    let end = s.simulation.duration.as_secs_f64();
    let (mut t, mut scale, mut total) = (0.0f64, 1.0f64, 0.0f64);
    for p in &s.workload.profile {
        let at = p.at.as_secs_f64().min(end);
        total += scale * (at - t);
        let ramp_end = (p.at.as_secs_f64() + p.ramp.as_secs_f64()).min(end);
        if ramp_end > at {
            let ramp = p.ramp.as_secs_f64();
            // Linear from `scale` to `p.scale`, cut at the end of the window.
            let reached = scale + (p.scale - scale) * (ramp_end - at) / ramp;
            total += (scale + reached) / 2.0 * (ramp_end - at);
        }
        t = ramp_end.max(at);
        scale = p.scale;
    }
    total + scale * (end - t).max(0.0)
}

/// Events simulated per request, roughly: the arrival, then per read the L1
/// lookup, and for a read that misses L1 the command's arrival at Redis and
/// its reply; for a Redis miss, the database's answer and the SET's two.
pub fn events_per_request(s: &Scenario) -> f64 {
    let l1_miss = 1.0 - s.l1.hit_ratio;
    let redis_miss = 1.0 - s.redis.hit_ratio;
    1.0 + f64::from(s.workload.reads_per_request) * (1.0 + l1_miss * (2.0 + redis_miss * 3.0))
}

/// One source of simulated events in a run, with the estimate over all
/// replications and the scenario key that drives it.
#[derive(Clone, Debug, PartialEq)]
pub struct EventSource {
    /// What the events are, e.g. `evictor runs`.
    pub what: &'static str,
    /// The key to change to make them fewer, e.g. `pool.eviction_interval`.
    pub key: &'static str,
    /// About how many events, over all replications.
    pub events: f64,
}

/// Every source of simulated events in a run of `s`, over all replications:
/// requests ([`events_per_request`] each, over the warm-up at scale 1 and the
/// measured window's profile integral); PINGs on checkout
/// (`pool.test_on_borrow`, two events per checkout); retries (the expected
/// share of failed checkouts, when a formula gives it, times
/// `client.retries` attempts of the request's events each); evictor runs
/// (`pool.eviction_interval`, one per pod per interval, plus two events for
/// each connection tested while idle); and reconnects at the end of a
/// connection's life (`pool.max_lifetime`, two events per connection per
/// lifetime); invalidations (`l1.invalidation_rate`, one event each); and
/// fork stalls (`redis.persistence`, one per shard per `every`).
/// Sources with no events are left out.
pub fn event_sources(s: &Scenario) -> Vec<EventSource> {
    let reps = f64::from(s.simulation.replications);
    // Simulated nanoseconds: integer ratios of clock times stay exact.
    let span = s.simulation.warmup.0 as f64 + s.simulation.duration.0 as f64;
    let requests = s.workload.rate * (s.simulation.warmup.as_secs_f64() + scale_integral(s));
    let reads = requests * f64::from(s.workload.reads_per_request);
    let checkouts = reads * (1.0 - s.l1.hit_ratio);
    // Pools, which run the evictor and hold the connections: one per node
    // and pod in cluster mode.
    let pods = f64::from(s.pods.count) * f64::from(s.redis.pools_per_pod());
    let life = &s.pool.life;
    let mut out = vec![EventSource {
        what: "requests",
        key: "workload.rate",
        events: requests * events_per_request(s) * reps,
    }];
    if life.test_on_borrow {
        out.push(EventSource {
            what: "PINGs on checkout",
            key: "pool.test_on_borrow",
            events: 2.0 * checkouts * reps,
        });
    }
    if s.client.retries > 0 {
        let f = figures(s, 1.0);
        let failed = f.checkout_loss.unwrap_or(0.0).clamp(0.0, 1.0);
        out.push(EventSource {
            what: "retries",
            key: "client.retries",
            events: failed * f64::from(s.client.retries) * requests * events_per_request(s) * reps,
        });
    }
    if let Some(every) = life.eviction_interval {
        let runs = pods * span / every.0.max(1) as f64;
        let tested = if life.test_while_idle {
            f64::from(life.tests_per_eviction_run.unsigned_abs()).min(f64::from(s.pool.max_total))
        } else {
            0.0
        };
        out.push(EventSource {
            what: "evictor runs",
            key: "pool.eviction_interval",
            events: runs * (1.0 + 2.0 * tested) * reps,
        });
    }
    if let Some(lifetime) = life.max_lifetime {
        let connections = pods * f64::from(s.pool.max_total);
        out.push(EventSource {
            what: "reconnects",
            key: "pool.max_lifetime",
            events: 2.0 * connections * span / lifetime.0.max(1) as f64 * reps,
        });
    }
    if s.l1.invalidation_rate > 0.0 {
        let writes = s.l1.invalidation_rate * span / 1e9;
        out.push(EventSource {
            what: "invalidations",
            key: "l1.invalidation_rate",
            events: writes * reps,
        });
    }
    if let Some(p) = &s.redis.persistence {
        out.push(EventSource {
            what: "fork stalls",
            key: "redis.persistence",
            events: f64::from(s.redis.shards) * span / p.every.0 as f64 * reps,
        });
    }
    out.retain(|e| e.events > 0.0);
    out
}

/// About how many events a run of `s` simulates, over all replications: the
/// sum of its [`event_sources`].
pub fn estimate_events(s: &Scenario) -> f64 {
    event_sources(s).iter().map(|e| e.events).sum()
}

/// Refuses a run estimated above `max_events`, with a message that gives the
/// estimate, the time it would take, the flag that allows it, and the key
/// behind most of the events.
pub fn check_size(s: &Scenario, max_events: f64) -> Result<f64, String> {
    let sources = event_sources(s);
    let events: f64 = sources.iter().map(|e| e.events).sum();
    if events <= max_events {
        return Ok(events);
    }
    let minutes = events / EVENTS_PER_SECOND / 60.0;
    let allow = round_up_2(events);
    let top = sources
        .iter()
        .max_by(|a, b| a.events.total_cmp(&b.events))
        .filter(|t| t.key != "workload.rate");
    let advice = match top {
        Some(t) => format!(
            "most are {} ({}): change {}",
            t.what,
            short(t.events),
            t.key
        ),
        None => "shorten simulation.duration or lower workload.rate".to_string(),
    };
    Err(format!(
        "this run would simulate about {} events ({} on one core), more than the limit of {}; \
         use --max-events {allow:e} to allow it, or {advice}",
        short(events),
        duration_words(minutes),
        short(max_events),
    ))
}

/// `x` rounded up to two significant digits.
fn round_up_2(x: f64) -> f64 {
    if !x.is_finite() || x <= 0.0 {
        return x;
    }
    let unit = 10f64.powi(x.log10().floor() as i32 - 1);
    (x / unit).ceil() * unit
}

/// `2.3e10` as `2.3e10`, small counts in full.
fn short(x: f64) -> String {
    if x < 1e6 {
        format!("{x:.0}")
    } else {
        let r = round_up_2(x);
        format!("{r:e}")
    }
}

fn duration_words(minutes: f64) -> String {
    if !minutes.is_finite() {
        "forever".to_string()
    } else if minutes < 1.0 {
        "under a minute".to_string()
    } else if minutes < 120.0 {
        format!("~{minutes:.0} minutes")
    } else if minutes < 48.0 * 60.0 {
        format!("~{:.0} hours", minutes / 60.0)
    } else {
        format!("~{:.0} days", minutes / 1440.0)
    }
}

/// Designs that cannot work, or that Redis will refuse, in plain words.
pub fn warnings(s: &Scenario) -> Vec<String> {
    let mut out = Vec::new();
    let peak = peak_scale(s);
    let f = figures(s, peak);
    let at = if peak > 1.0 {
        format!(" at the profile's peak ({} x rate)", peak)
    } else {
        String::new()
    };
    if f.redis_utilisation >= 1.0 {
        out.push(format!(
            "Redis utilisation per shard is {:.2}{at}: at or above 1 the event loop's queue grows \
             without bound; add shards or reduce redis.service_time",
            f.redis_utilisation
        ));
    }
    let link = f.redis_reads_per_shard * s.redis.link_secs_per_read();
    if link >= 1.0 {
        out.push(format!(
            "each shard's replies need {link:.2} of its redis.bandwidth{at}: at or above 1 they \
             queue for the link without bound; add shards, bandwidth or smaller values"
        ));
    }
    if let (Some(d), Some(workers)) = (&f.database, s.database.concurrency) {
        if d.utilisation >= 1.0 {
            let then = match s.database.queue_timeout {
                Some(t) => format!(
                    "queries beyond its capacity wait {t} and fail (errors.database_timeout)"
                ),
                None => "its queue grows for as long as it lasts".to_string(),
            };
            out.push(format!(
                "the database is offered {:.2} erlangs{at}, at or above database.concurrency = \
                 {workers}: {then}; raise the hit ratios or the database's concurrency",
                d.offered_load
            ));
        }
    }
    let n = s.pool.max_total;
    if f.offered_load >= f64::from(n) {
        let then = match (s.pool.when_exhausted, s.pool.acquire_timeout) {
            (WhenExhausted::Block, None) => {
                "checkouts wait forever and the queue of waiting requests grows for as long as \
                 it lasts"
            }
            (WhenExhausted::Block, Some(_)) => "a share of checkouts will time out",
            (WhenExhausted::Fail, _) => "a share of checkouts will be refused",
        };
        out.push(format!(
            "offered load per pod is {:.2} erlangs{at}, at or above max_total = {n}: the pool \
             cannot keep up and {then}; raise max_total to at least {}",
            f.offered_load,
            f.erlang_c_size
                .map_or_else(|| "the offered load".to_string(), |c| c.to_string())
        ));
    }
    let fleet = u64::from(s.pods.count) * u64::from(n);
    if fleet > u64::from(s.redis.maxclients) {
        out.push(format!(
            "pods x max_total = {fleet} connections exceeds redis.maxclients = {}: Redis refuses \
             connections beyond it (errors.max_clients)",
            s.redis.maxclients
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::parse;

    fn sc(text: &str) -> Scenario {
        parse(&format!("[workload]\n{text}"), "d.toml", "d", &[]).unwrap()
    }

    #[test]
    fn the_profile_integral_follows_ramps_and_steps() {
        let s = sc("rate = 1\nprofile = [{ at = \"10s\", scale = 3, ramp = \"10s\" }, { at = \"30s\", scale = 0 }]\n[simulation]\nduration = \"40s\"\n");
        // 10 s at 1, a 10 s ramp 1 -> 3 (20), 10 s at 3, 10 s at 0.
        assert!((scale_integral(&s) - (10.0 + 20.0 + 30.0)).abs() < 1e-9);
        assert_eq!(peak_scale(&s), 3.0);
        // Cut in the middle of the ramp: 10 + (1 + 2) / 2 x 5.
        let s = sc("rate = 1\nprofile = [{ at = \"10s\", scale = 3, ramp = \"10s\" }]\n[simulation]\nduration = \"15s\"\n");
        assert!((scale_integral(&s) - (10.0 + 7.5)).abs() < 1e-9);
    }

    #[test]
    fn the_estimate_counts_arrivals_and_events_per_request() {
        // 1000/s for 5 s warm-up + 60 s, one read, L1 misses, Redis hits:
        // 1 + 1 x (1 + 2) = 4 events per request.
        let s = sc("rate = 1000\n");
        assert_eq!(events_per_request(&s), 4.0);
        assert_eq!(estimate_events(&s), 65_000.0 * 4.0);
        assert!(check_size(&s, DEFAULT_MAX_EVENTS).is_ok());
        let e = check_size(
            &sc("rate = 1e7\n[simulation]\nduration = \"1h\"\nbucket = \"2s\"\n"),
            2e9,
        )
        .unwrap_err();
        assert_eq!(
            e,
            "this run would simulate about 1.5e11 events (~3 hours on one core), more than \
             the limit of 2e9; use --max-events 1.5e11 to allow it, or shorten \
             simulation.duration or lower workload.rate"
        );
    }

    #[test]
    fn the_size_guard_counts_evictor_runs() {
        // 1 pod, 65 s simulated (5 s warm-up + 60 s), an evictor every 1 ns:
        // 6.5e10 runs, far more than the requests' 2.6e5.
        let s = sc("rate = 1000\n[pool]\neviction_interval = \"1ns\"\n");
        let sources = event_sources(&s);
        let evictor = sources.iter().find(|e| e.key == "pool.eviction_interval");
        assert_eq!(evictor.map(|e| e.events), Some(6.5e10));
        let e = check_size(&s, DEFAULT_MAX_EVENTS).unwrap_err();
        assert!(
            e.ends_with(
                "use --max-events 6.6e10 to allow it, or most are evictor runs (6.5e10): \
                 change pool.eviction_interval"
            ),
            "{e}"
        );
    }

    #[test]
    fn figures_match_a_hand_calculation() {
        // 10,000/s on one pod, constant 1 ms round trips, no service time,
        // Redis always hits: 10,000 checkouts/s x 1 ms = 10 erlangs.
        let s = sc("rate = 10000\n[network]\nrtt = \"1ms\"\n[pool]\nmax_total = 20\n");
        let f = figures(&s, 1.0);
        assert_eq!(f.checkouts_per_request, 1.0);
        assert!((f.hold_secs - 1e-3).abs() < 1e-15);
        assert!((f.offered_load - 10.0).abs() < 1e-9);
        assert!((f.in_use - 10.0).abs() < 1e-9);
        // Erlang C(n, 10) < 1% first at n = 19 (C(18) = 1.59%, C(19) = 0.79%).
        assert_eq!(f.erlang_c_size, Some(19));
        assert!(warnings(&s).is_empty());
    }
}
