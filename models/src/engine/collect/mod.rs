//! What one replication measures, and how it becomes metrics.
//!
//! The model and the components report what happened (an arrival, a
//! checkout, a failure, a command served); the [`Collector`] counts it.

use crate::metrics::Metrics;
use crate::scenario::ErrorCause;
use sim::stats::{LatencyHistogram, LatencySeries, TimeSeries, TimeWeighted, Window};
use sim::time::SimTime;

mod database;
mod keyed;
mod link;
mod replicas;
mod shards;
mod transport;

pub use database::DatabaseCounts;
pub use keyed::KeyedCounts;
pub use link::LinkCounts;
pub use replicas::ReplicaBooks;
pub use shards::ShardBooks;

/// Number of failure causes.
pub const CAUSES: usize = ErrorCause::ALL.len();

/// Per-pod gauges.
#[derive(Clone, Debug)]
pub struct PodGauges {
    /// Connections in use.
    pub in_use: TimeWeighted,
    /// Requests waiting for a connection.
    pub waiters: TimeWeighted,
}

/// Fleet-wide time series for charts, one value per bucket.
#[derive(Clone, Debug)]
pub struct Series {
    /// Arrivals per bucket.
    pub arrivals: TimeSeries,
    /// Successful requests per bucket.
    pub ok: TimeSeries,
    /// Failed requests per bucket (after their last attempt).
    pub failed: TimeSeries,
    /// Failures per bucket, by cause.
    pub failures: Vec<TimeSeries>,
    /// Connections in use over the fleet.
    pub in_use: TimeWeighted,
    /// Requests waiting over the fleet.
    pub waiters: TimeWeighted,
    /// Busy time of the event loops, divided by the shard count.
    pub redis_busy: TimeSeries,
    /// Latency of successful requests, by the bucket they ended in.
    pub latency: LatencySeries,
    /// Dead connections found per bucket.
    pub detected: TimeSeries,
    /// Commands queued on shared connections, sampled at each write (sum
    /// per bucket, with `writes`).
    pub queued: TimeSeries,
    /// Commands written on shared connections per bucket.
    pub writes: TimeSeries,
}

/// Everything one replication records.
#[derive(Clone, Debug)]
pub struct Collector {
    /// The measured window.
    pub window: Window,
    /// Requests that arrived in the window.
    pub arrived: u64,
    /// Of those, requests that completed every read.
    pub ok: u64,
    /// Of those, requests that failed, by the cause of their last attempt.
    pub failed: [u64; CAUSES],
    /// Failed attempts of measured requests by cause, retried or not.
    pub errors: [u64; CAUSES],
    /// Retries by measured requests.
    pub retries: u64,
    /// PINGs to validate connections (test on borrow, test while idle).
    pub pings: u64,
    /// Reads answered by L1 / all reads (measured requests).
    pub l1_hits: u64,
    /// All reads of measured requests.
    pub reads: u64,
    /// Checkout attempts by measured requests.
    pub checkouts: u64,
    /// Of those, the ones that had to wait.
    pub waited: u64,
    /// End-to-end latency of successful measured requests.
    pub latency: LatencyHistogram,
    /// Time from arrival to failure of failed measured requests (merged
    /// with `latency` for the `latency_all.*` metrics).
    pub latency_failed: LatencyHistogram,
    /// Acquire wait of checkouts that got a connection after waiting.
    pub acquire_wait: LatencyHistogram,
    /// Checkouts that got a connection at once (zero wait; kept out of the
    /// histogram on the hot path and added when the run ends).
    pub acquire_no_wait: u64,
    /// Sum of hold times of connections returned in the window, and their count.
    pub hold_sum: SimTime,
    /// Number of returns in the window.
    pub holds: u64,
    /// Per-pod gauges.
    pub pods: Vec<PodGauges>,
    /// Connections open over the fleet (with its time series).
    pub open: TimeWeighted,
    /// Connections created in the window.
    pub created: u64,
    /// Connections closed in the window.
    pub closed: u64,
    /// Commands that started service in the window.
    pub commands: u64,
    /// Busy time of all shards inside the window.
    pub busy: SimTime,
    /// Queue wait at the shard of commands that arrived in the window and waited.
    pub queue_wait: LatencyHistogram,
    /// Commands that arrived in the window and were served at once.
    pub queue_no_wait: u64,
    /// Each shard's own books, with two shards or more (empty with one).
    pub shards: Vec<ShardBooks>,
    /// Commands written on shared connections in the window (multiplexed).
    pub mux_writes: u64,
    /// Sum over those of the commands queued ahead on their connection.
    pub mux_queued_sum: u64,
    /// Most commands queued ahead of one written in the window.
    pub mux_queued_max: u64,
    /// Commands of measured requests whose reply did not come within the
    /// socket (command) timeout.
    pub command_timeouts: u64,
    /// Dead connections found and closed (or replaced) in the window.
    pub detected: u64,
    /// Sum over those of the time from the fault to their detection.
    pub detect_sum: SimTime,
    /// Shared connections reopened after one was found dead, in the window.
    pub reconnects: u64,
    /// Replies delivered on shared connections (not a metric: checks).
    pub delivered: u64,
    /// Replies that overtook an earlier command's on their shared connection
    /// (not a metric: checks; always 0).
    pub overtaken: u64,
    /// True if the time series are kept (for charts); sweeps need only the
    /// metrics, and skip their cost.
    pub keep_series: bool,
    /// Charts.
    pub series: Series,
    /// What a keyed L1 counted (`None` with the fixed-ratio L1).
    pub keyed: Option<KeyedCounts>,
    /// What a finite database counted (`None` with an unlimited one).
    pub database: Option<DatabaseCounts>,
    /// What the shards' outbound links counted (`None` without
    /// `redis.bandwidth`).
    pub link: Option<LinkCounts>,
    /// What the replicas counted (`None` without `redis.replicas`).
    pub replica: Option<ReplicaBooks>,
    /// Redirects in the window, `[MOVED, ASK]` (`None` without a
    /// resharding).
    pub redirects: Option<[u64; 2]>,
}

impl Collector {
    /// Starts counting redirects (a resharding).
    pub fn resharding(&mut self) {
        self.redirects = Some([0, 0]);
    }

    /// A client got a redirect at `at`: an ASK if `ask`, else a MOVED.
    #[inline(always)]
    pub fn redirect(&mut self, at: SimTime, ask: bool) {
        let window = self.window;
        if let Some(counts) = &mut self.redirects {
            if window.contains(at) {
                counts[usize::from(ask)] += 1;
            }
        }
    }

    /// An empty collector for `pods` pods and the given window; without
    /// `series`, the time series span a single bucket and stay empty.
    pub fn new(window: Window, pods: usize, bucket: SimTime, series: bool) -> Self {
        let bucket = if series {
            bucket
        } else {
            window.len().max(SimTime(1))
        };
        let ts = || TimeSeries::new(window, bucket);
        Collector {
            window,
            arrived: 0,
            ok: 0,
            failed: [0; CAUSES],
            errors: [0; CAUSES],
            retries: 0,
            pings: 0,
            l1_hits: 0,
            reads: 0,
            checkouts: 0,
            waited: 0,
            latency: LatencyHistogram::new(),
            latency_failed: LatencyHistogram::new(),
            acquire_wait: LatencyHistogram::new(),
            acquire_no_wait: 0,
            hold_sum: SimTime::ZERO,
            holds: 0,
            pods: (0..pods)
                .map(|_| PodGauges {
                    in_use: TimeWeighted::new(window),
                    waiters: TimeWeighted::new(window),
                })
                .collect(),
            open: TimeWeighted::with_series(window, bucket),
            created: 0,
            closed: 0,
            commands: 0,
            busy: SimTime::ZERO,
            queue_wait: LatencyHistogram::new(),
            queue_no_wait: 0,
            shards: Vec::new(),
            mux_writes: 0,
            mux_queued_sum: 0,
            mux_queued_max: 0,
            command_timeouts: 0,
            detected: 0,
            detect_sum: SimTime::ZERO,
            reconnects: 0,
            delivered: 0,
            overtaken: 0,
            keep_series: series,
            keyed: None,
            database: None,
            link: None,
            replica: None,
            redirects: None,
            series: Series {
                arrivals: ts(),
                ok: ts(),
                failed: ts(),
                failures: (0..CAUSES).map(|_| ts()).collect(),
                in_use: TimeWeighted::with_series(window, bucket),
                waiters: TimeWeighted::with_series(window, bucket),
                redis_busy: ts(),
                latency: LatencySeries::new(window, bucket),
                detected: ts(),
                queued: ts(),
                writes: ts(),
            },
        }
    }

    /// A request arrived at `arrived` (`measured`: inside the window).
    #[inline(always)]
    pub fn arrival(&mut self, arrived: SimTime, measured: bool) {
        if measured {
            self.arrived += 1;
        }
        if self.keep_series {
            self.series.arrivals.add(arrived, 1.0);
        }
    }

    /// A read of a measured request started; `hit`: L1 answered it.
    #[inline(always)]
    pub fn read(&mut self, hit: bool) {
        self.reads += 1;
        self.l1_hits += hit as u64;
    }

    /// A checkout of a measured request started; `retry`: not its command's first.
    #[inline(always)]
    pub fn checkout(&mut self, retry: bool) {
        self.checkouts += 1;
        if retry {
            self.retries += 1;
        }
    }

    /// A checkout of a measured request got its connection after `waited`.
    #[inline(always)]
    pub fn acquire_wait(&mut self, waited: SimTime) {
        if waited == SimTime::ZERO {
            self.acquire_no_wait += 1;
        } else {
            self.acquire_wait.record(waited);
        }
    }

    /// A request that arrived at `arrived` completed every read at `now`.
    #[inline(always)]
    pub fn request_ok(&mut self, now: SimTime, arrived: SimTime, measured: bool) {
        if measured {
            self.ok += 1;
            self.latency.record(now - arrived);
        }
        if self.keep_series {
            self.series.latency.record(now, now - arrived);
            self.series.ok.add(now, 1.0);
        }
    }

    /// An attempt failed with `cause` at `now`, retried or not.
    #[inline(always)]
    pub fn attempt_failed(&mut self, now: SimTime, cause: ErrorCause, measured: bool) {
        if measured {
            self.errors[cause as usize] += 1;
        }
        if self.keep_series {
            self.series.failures[cause as usize].add(now, 1.0);
        }
    }

    /// A request that arrived at `arrived` failed at `now`: its last
    /// attempt failed with `cause`.
    #[inline(always)]
    pub fn request_failed(
        &mut self,
        now: SimTime,
        arrived: SimTime,
        cause: ErrorCause,
        measured: bool,
    ) {
        if measured {
            self.failed[cause as usize] += 1;
            self.latency_failed.record(now - arrived);
        }
        if self.keep_series {
            self.series.failed.add(now, 1.0);
        }
    }

    /// Latency of every measured request that ended: successes at their
    /// completion, failures at their failure.
    pub fn latency_all(&self) -> LatencyHistogram {
        let mut all = self.latency.clone();
        all.merge(&self.latency_failed);
        all
    }

    /// Moves the zero-wait counts into the histograms; called once at the end.
    pub fn finish(&mut self) {
        self.acquire_wait
            .record_zeros(std::mem::take(&mut self.acquire_no_wait));
        self.queue_wait
            .record_zeros(std::mem::take(&mut self.queue_no_wait));
        if let Some(d) = &mut self.database {
            d.queue_wait.record_zeros(std::mem::take(&mut d.no_wait));
            d.queue_wait.flush();
        }
        self.latency.flush();
        self.latency_failed.flush();
        self.acquire_wait.flush();
        self.queue_wait.flush();
        for s in &mut self.shards {
            let zeros = std::mem::take(&mut s.queue_no_wait);
            if let Some(h) = &mut s.queue_wait {
                h.record_zeros(zeros);
                h.flush();
            } else if zeros > 0 {
                let mut h = LatencyHistogram::new();
                h.record_zeros(zeros);
                h.flush();
                s.queue_wait = Some(Box::new(h));
            }
        }
    }

    /// The metrics of this replication. `max_total` (a pod's connections at
    /// most: over its pools in cluster mode) and `shards` scale the
    /// utilisations.
    pub fn metrics(&self, max_total: u32, shards: u32) -> Metrics {
        let secs = self.window.len().as_secs_f64();
        let pods = self.pods.len() as f64;
        let failed: u64 = self.failed.iter().sum();
        let ratio = |a: u64, b: u64| mean(a as f64, b);
        let in_use_mean = self.pods.iter().map(|p| p.in_use.mean()).sum::<f64>() / pods;
        let mut m = Metrics::new();
        let mut put = |k: &str, v: f64| {
            m.insert(k.to_string(), v);
        };
        put("requests.arrived", self.arrived as f64);
        put("requests.ok", self.ok as f64);
        put("requests.failed", failed as f64);
        put("requests.failed_ratio", ratio(failed, self.arrived));
        put("requests.attempts", (self.arrived + self.retries) as f64);
        put("requests.retries", self.retries as f64);
        put("latency.mean_ms", self.latency.mean_ms());
        put("latency.p50_ms", self.latency.quantile_ms(0.5));
        put("latency.p90_ms", self.latency.quantile_ms(0.9));
        put("latency.p99_ms", self.latency.quantile_ms(0.99));
        put("latency.p999_ms", self.latency.quantile_ms(0.999));
        put("latency.max_ms", self.latency.max_ms());
        let all = self.latency_all();
        put("latency_all.mean_ms", all.mean_ms());
        put("latency_all.p50_ms", all.quantile_ms(0.5));
        put("latency_all.p90_ms", all.quantile_ms(0.9));
        put("latency_all.p99_ms", all.quantile_ms(0.99));
        put("latency_all.p999_ms", all.quantile_ms(0.999));
        put("latency_all.max_ms", all.max_ms());
        put("l1.hit_ratio", ratio(self.l1_hits, self.reads));
        put("pool.checkouts", self.checkouts as f64);
        put("pool.wait_ratio", ratio(self.waited, self.checkouts));
        let timeouts = self.errors[ErrorCause::PoolTimeout as usize]
            + self.errors[ErrorCause::PoolExhausted as usize];
        put("pool.timeout_ratio", ratio(timeouts, self.checkouts));
        put("pool.acquire_wait.mean_ms", self.acquire_wait.mean_ms());
        put(
            "pool.acquire_wait.p50_ms",
            self.acquire_wait.quantile_ms(0.5),
        );
        put(
            "pool.acquire_wait.p99_ms",
            self.acquire_wait.quantile_ms(0.99),
        );
        put(
            "pool.acquire_wait.p999_ms",
            self.acquire_wait.quantile_ms(0.999),
        );
        put("pool.acquire_wait.max_ms", self.acquire_wait.max_ms());
        put(
            "pool.hold.mean_ms",
            mean(self.hold_sum.as_millis_f64(), self.holds),
        );
        put("pool.in_use.mean", in_use_mean);
        put(
            "pool.in_use.max",
            self.pods.iter().map(|p| p.in_use.max()).max().unwrap_or(0) as f64,
        );
        put("pool.utilization", in_use_mean / max_total as f64);
        put(
            "pool.waiters.mean",
            self.pods.iter().map(|p| p.waiters.mean()).sum::<f64>() / pods,
        );
        put(
            "pool.waiters.max",
            self.pods.iter().map(|p| p.waiters.max()).max().unwrap_or(0) as f64,
        );
        put("connections.open.mean", self.open.mean());
        put("connections.created", self.created as f64);
        put("connections.closed", self.closed as f64);
        put(
            "redis.utilization",
            self.busy.as_secs_f64() / secs / shards as f64,
        );
        // With replicas, the busiest event loop of all, primary or replica.
        let replicas = self.replica.as_ref().map(|b| b.utilization(secs));
        let hottest = match replicas {
            Some((_, max)) => self.utilization_max(shards).max(max),
            None => self.utilization_max(shards),
        };
        put("redis.utilization.max", hottest);
        put("redis.queue_wait.mean_ms", self.queue_wait.mean_ms());
        put("redis.queue_wait.p99_ms", self.queue_wait.quantile_ms(0.99));
        put("redis.queue_wait.max_p99_ms", self.queue_wait_max_p99_ms());
        put("redis.commands", self.commands as f64);
        put("pool.pings", self.pings as f64);
        for cause in ErrorCause::ALL {
            if cause == ErrorCause::DatabaseTimeout && self.database.is_none() {
                continue;
            }
            put(
                &format!("errors.{}", cause.name()),
                self.errors[cause as usize] as f64,
            );
        }
        if let Some(k) = &self.keyed {
            put("l1.misses", (self.reads - self.l1_hits) as f64);
            put("l1.coalesced", k.coalesced as f64);
            put("l1.evictions", k.evictions as f64);
            put("l1.expirations", k.expirations as f64);
            put("database.queries", k.database_queries as f64);
            if let Some(n) = k.invalidations {
                put("l1.invalidations", n as f64);
            }
        }
        if let Some(d) = &self.database {
            put("database.queries", d.queries as f64);
            put("database.utilization", d.busy.mean() / f64::from(d.workers));
            put("database.queue_wait.mean_ms", d.queue_wait.mean_ms());
            put("database.queue_wait.p99_ms", d.queue_wait.quantile_ms(0.99));
            put("database.timeouts", d.timeouts as f64);
            put("database.timeout_ratio", ratio(d.timeouts, d.queries));
        }
        if let (Some(b), Some((mean, max))) = (&self.replica, replicas) {
            put("redis.replica.utilization", mean);
            put("redis.replica.utilization.max", max);
            put("redis.replica.queue_wait.mean_ms", b.wait_mean_ms());
            put("redis.replica.writes", b.writes as f64);
        }
        if let Some([moved, ask]) = self.redirects {
            put("redis.redirects.moved", moved as f64);
            put("redis.redirects.ask", ask as f64);
        }
        if let Some(l) = &self.link {
            put(
                "redis.bandwidth.utilization",
                l.busy.as_secs_f64() / secs / shards as f64,
            );
            put(
                "redis.bandwidth.wait.mean_ms",
                mean(l.wait_sum.as_millis_f64(), l.replies),
            );
        }
        put(
            "connections.queued.mean",
            mean(self.mux_queued_sum as f64, self.mux_writes),
        );
        put("connections.queued.max", self.mux_queued_max as f64);
        put("client.command_timeouts", self.command_timeouts as f64);
        put("connections.reconnects", self.reconnects as f64);
        put("connections.dead", self.detected as f64);
        put(
            "connections.detect.mean_ms",
            mean(self.detect_sum.as_millis_f64(), self.detected),
        );
        m
    }
}

/// `sum / n`, or 0 when nothing was counted.
pub(super) fn mean(sum: f64, n: u64) -> f64 {
    if n == 0 {
        0.0
    } else {
        sum / n as f64
    }
}
