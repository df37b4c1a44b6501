//! Metric names and the results of a run.
//!
//! One flat namespace of dotted names shared by
//! `capsim run --format json`, sweep CSV columns and SLO expressions. Counts and
//! ratios cover the measured window; times are milliseconds, named `_ms`.
//!
//! Requests and attempts are counted apart: `requests.failed*` counts
//! requests (each once, after its last attempt), `errors.<cause>` failed
//! attempts (retried or not), `requests.retries` the retries. `latency.*` is
//! the latency of successful requests; `latency_all.*` that of every request
//! that ended, a failed one at the time it failed.

use crate::scenario::Scenario;
use std::collections::BTreeMap;

/// Every stable metric name, in the order they are printed.
pub const NAMES: &[&str] = &[
    "requests.arrived",
    "requests.ok",
    "requests.failed",
    "requests.failed_ratio",
    "requests.attempts",
    "requests.retries",
    "latency.mean_ms",
    "latency.p50_ms",
    "latency.p90_ms",
    "latency.p99_ms",
    "latency.p999_ms",
    "latency.max_ms",
    "latency_all.mean_ms",
    "latency_all.p50_ms",
    "latency_all.p90_ms",
    "latency_all.p99_ms",
    "latency_all.p999_ms",
    "latency_all.max_ms",
    "l1.hit_ratio",
    "pool.checkouts",
    "pool.wait_ratio",
    "pool.timeout_ratio",
    "pool.acquire_wait.mean_ms",
    "pool.acquire_wait.p50_ms",
    "pool.acquire_wait.p99_ms",
    "pool.acquire_wait.p999_ms",
    "pool.acquire_wait.max_ms",
    "pool.hold.mean_ms",
    "pool.pings",
    "pool.in_use.mean",
    "pool.in_use.max",
    "pool.utilization",
    "pool.waiters.mean",
    "pool.waiters.max",
    "connections.open.mean",
    "connections.created",
    "connections.closed",
    "redis.utilization",
    "redis.utilization.max",
    "redis.queue_wait.mean_ms",
    "redis.queue_wait.p99_ms",
    "redis.queue_wait.max_p99_ms",
    "redis.commands",
    "errors.pool_timeout",
    "errors.pool_exhausted",
    "errors.stale_connection",
    "errors.socket_timeout",
    "errors.max_clients",
    "errors.connect_timeout",
];

/// A group of metrics that only some scenarios report, after [`NAMES`]: a
/// scenario without what the group measures reports none of them, so its
/// outputs keep their columns.
#[derive(Debug)]
pub struct MetricGroup {
    /// The group's metrics, in the order they are printed.
    pub names: &'static [&'static str],
    /// What a scenario needs to report them, for messages ("a keyed L1").
    pub needs: &'static str,
    /// True if a scenario reports them.
    pub present: fn(&Scenario) -> bool,
}

/// Metrics reported only by a scenario with a keyed L1 (`l1.policy`), after
/// [`NAMES`]; a scenario without one reports exactly [`NAMES`].
#[rustfmt::skip]
pub const KEYED: MetricGroup = MetricGroup {
    needs: "a keyed L1 (l1.policy)",
    present: |s| s.l1.cache.is_some(),
    names: &["l1.misses", "l1.coalesced", "l1.evictions", "l1.expirations", "database.queries"],
};

/// Metrics of the multiplexed transport, connection failures and faults, in
/// the order they are printed, after [`NAMES`]: reported only by a scenario
/// that uses them ([`crate::scenario::Scenario::uses_transport_metrics`]), so
/// a pooled scenario without faults reports exactly [`NAMES`]. Sweep results
/// leave them out, so files of pooled scenarios keep their columns.
#[rustfmt::skip]
pub const TRANSPORT: MetricGroup = MetricGroup {
    needs: "a multiplexed client or a fault of a shard (client.transport = \"multiplexed\")",
    present: Scenario::uses_transport_metrics,
    names: &["connections.queued.mean", "connections.queued.max", "client.command_timeouts",
             "connections.dead", "connections.detect.mean_ms", "connections.reconnects"],
};

/// Metrics reported only by a scenario with a finite database
/// (`database.concurrency`), after [`NAMES`] and [`KEYED`]
/// (`database.queries` once). `database.utilization` is the time-average of
/// busy workers over `concurrency`; the queue waits cover the queries a
/// worker took (waited or not), `database.timeouts` the queries that waited
/// the whole `database.queue_timeout` (`database.timeout_ratio`: their share
/// of the queries), all by the time the query reached the database. An
/// unlimited database has no workers to be busy and never queues: it reports
/// none of these, so its outputs keep their columns.
#[rustfmt::skip]
pub const DATABASE: MetricGroup = MetricGroup {
    needs: "a finite database (database.concurrency)",
    present: |s| s.database.concurrency.is_some(),
    names: &["database.queries", "database.utilization", "database.queue_wait.mean_ms",
             "database.queue_wait.p99_ms", "database.timeouts", "database.timeout_ratio",
             "errors.database_timeout"],
};

/// Entries a keyed L1's invalidations removed, over all pods: reported only
/// with `l1.invalidation_rate` above 0.
#[rustfmt::skip]
pub const INVALIDATIONS: MetricGroup = MetricGroup {
    needs: "invalidations (l1.invalidation_rate > 0)",
    present: |s| s.l1.invalidation_rate > 0.0,
    names: &["l1.invalidations"],
};

/// Metrics of the shards' outbound links, reported only with
/// `redis.bandwidth`: the share of time a shard's link is sending (mean over
/// shards), and the mean wait of a reply for its link, over the replies
/// ready in the window.
#[rustfmt::skip]
pub const BANDWIDTH: MetricGroup = MetricGroup {
    needs: "a shard bandwidth (redis.bandwidth)",
    present: |s| s.redis.bandwidth.is_some(),
    names: &["redis.bandwidth.utilization", "redis.bandwidth.wait.mean_ms"],
};

/// Metrics of the shards' replicas, reported only with `redis.replicas`
/// above 0: the replicas' utilisation (mean over all replicas, and the
/// busiest one's), the mean queue wait of the commands clients sent to
/// replicas (reads with `redis.read_from = "replica"`), and the writes the
/// replicas applied from the replication stream (each write once per
/// replica). With replicas, `redis.utilization.max` is the busiest event
/// loop of all, primary or replica, and `redis.utilization` stays the
/// primaries' mean.
#[rustfmt::skip]
pub const REPLICAS: MetricGroup = MetricGroup {
    needs: "replicas (redis.replicas > 0)",
    present: |s| s.redis.replicas > 0,
    names: &["redis.replica.utilization", "redis.replica.utilization.max",
             "redis.replica.queue_wait.mean_ms", "redis.replica.writes"],
};

/// The metrics of a resharding (`[[faults]] kind = "reshard"`): the
/// redirects clients got in the window.
#[rustfmt::skip]
pub const REDIRECTS: MetricGroup = MetricGroup {
    needs: "a resharding ([[faults]] kind = \"reshard\")",
    present: Scenario::reshards,
    names: &["redis.redirects.moved", "redis.redirects.ask"],
};

/// The optional groups, in the order they are printed: the transport's,
/// a keyed L1's, a finite database's, invalidations', the links', the
/// replicas', a resharding's.
pub const GROUPS: [MetricGroup; 7] = [
    TRANSPORT,
    KEYED,
    DATABASE,
    INVALIDATIONS,
    BANDWIDTH,
    REPLICAS,
    REDIRECTS,
];

/// The metrics of runs of scenarios in which the groups `present` (one
/// flag per [`GROUPS`] entry) are reported: [`NAMES`], then each present
/// group's names not listed before.
pub fn names_with(present: [bool; GROUPS.len()]) -> Vec<&'static str> {
    let mut names = NAMES.to_vec();
    for (g, _) in GROUPS.iter().zip(present).filter(|(_, p)| *p) {
        for n in g.names {
            if !names.contains(n) {
                names.push(n);
            }
        }
    }
    names
}

/// The metrics a run of `scenario` reports, in the order they are printed.
pub fn names_for(scenario: &Scenario) -> Vec<&'static str> {
    names_with(GROUPS.each_ref().map(|g| (g.present)(scenario)))
}

/// Every metric capsim can report, each once.
pub fn all_names() -> Vec<&'static str> {
    names_with([true; GROUPS.len()])
}

/// True if `name` is a metric capsim reports for some scenario, and so may
/// be named in `[slo]`.
pub fn is_metric(name: &str) -> bool {
    all_names().contains(&name)
}

/// The group `name` belongs to, if it is an optional metric.
pub fn group_of(name: &str) -> Option<&'static MetricGroup> {
    if NAMES.contains(&name) {
        return None;
    }
    GROUPS.iter().find(|g| g.names.contains(&name))
}

/// Fills in the metrics of `names` that `m` lacks, as NaN, so that every
/// point of a sweep has the same names whatever its scenario.
pub fn with_names(mut m: Metrics, names: &[&str]) -> Metrics {
    for n in names {
        m.entry(n.to_string()).or_insert(f64::NAN);
    }
    m
}

/// Metric values by name, ordered by name (a `BTreeMap`, so output is stable).
pub type Metrics = BTreeMap<String, f64>;
