//! Conservation properties of the engine on random small scenarios.
//!
//! Every measured arrival ends exactly once, as a success or as one failure,
//! and the pool's counters agree with the request path: each read that misses
//! L1 checks out a connection, each retry checks out again, and each checkout
//! (an attempt) either gets a connection (and records its acquire wait) or
//! fails in the pool or while connecting. The engine also asserts in debug
//! builds that nothing is left in flight when a replication ends.

use models::engine::collect::Collector;
use models::engine::{combine, run_replication};
use models::scenario::ErrorCause;
use proptest::prelude::*;

/// The knobs of a random scenario.
#[derive(Clone, Debug)]
struct Knobs {
    seed: u64,
    duration_us: u64,
    warmup_us: u64,
    rate: f64,
    reads_per_request: u32,
    pods: u32,
    max_total: u32,
    fail_fast: bool,
    acquire_timeout_us: Option<u64>,
    fifo: bool,
    rtt_mean_us: u64,
    shards: u32,
    service_us: u64,
    redis_hit_ratio: f64,
    l1_hit_ratio: f64,
    db_us: u64,
    hold_during_fallback: bool,
    /// Retries per request, and whether pool failures are retried too.
    retries: u32,
    retry_pool_errors: bool,
    /// A socket timeout short enough to fire under load, or the default.
    socket_timeout_us: Option<u64>,
    /// A `maxclients` small enough to refuse connections, or the default.
    maxclients: Option<u32>,
    test_on_borrow: bool,
}

impl Knobs {
    fn toml(&self) -> String {
        let retry_on = if self.retry_pool_errors {
            r#"["pool_timeout", "pool_exhausted", "socket_timeout", "max_clients"]"#
        } else {
            r#"["socket_timeout", "max_clients"]"#
        };
        let socket_timeout = self
            .socket_timeout_us
            .map_or(String::new(), |us| format!("socket_timeout = \"{us}us\""));
        let maxclients = self
            .maxclients
            .map_or(String::new(), |n| format!("maxclients = {n}"));
        let timeout = match (self.fail_fast, self.acquire_timeout_us) {
            (true, _) => String::new(),
            (false, None) => "acquire_timeout = \"none\"".to_string(),
            (false, Some(us)) => format!("acquire_timeout = \"{us}us\""),
        };
        format!(
            r#"[simulation]
duration = "{duration}us"
warmup = "{warmup}us"
seed = {seed}
bucket = "{duration}us"

[workload]
rate = {rate}
reads_per_request = {reads}

[pods]
count = {pods}

[pool]
max_total = {max_total}
when_exhausted = "{exhausted}"
{timeout}
order = "{order}"
test_on_borrow = {tob}

[network]
rtt = {{ dist = "exponential", mean = "{rtt}us" }}

[redis]
shards = {shards}
service_time = {{ dist = "exponential", mean = "{service}us" }}
hit_ratio = {redis_hit}
{maxclients}

[l1]
hit_ratio = {l1_hit}

[database]
latency = {{ dist = "exponential", mean = "{db}us" }}

[client]
hold_during_fallback = {hold}
retries = {retries}
retry_on = {retry_on}
backoff = {{ base = "100us", cap = "1ms", jitter = "full" }}
{socket_timeout}
"#,
            duration = self.duration_us,
            warmup = self.warmup_us,
            seed = self.seed,
            rate = self.rate,
            reads = self.reads_per_request,
            pods = self.pods,
            max_total = self.max_total,
            exhausted = if self.fail_fast { "fail" } else { "block" },
            order = if self.fifo { "fifo" } else { "lifo" },
            rtt = self.rtt_mean_us,
            shards = self.shards,
            service = self.service_us,
            redis_hit = self.redis_hit_ratio,
            l1_hit = self.l1_hit_ratio,
            db = self.db_us,
            hold = self.hold_during_fallback,
            tob = self.test_on_borrow,
            retries = self.retries,
        )
    }
}

/// Random knobs; `test_on_borrow` only if `pings` (see
/// `with_test_on_borrow_every_arrival_ends_once`).
fn knobs(pings: bool) -> impl Strategy<Value = Knobs> {
    let ratio = prop_oneof![Just(0.0), Just(1.0), 0.0..1.0f64];
    (
        (
            any::<u64>(),
            1_000..200_000u64,
            0..50_000u64,
            100.0..30_000.0f64,
        ),
        (1..4u32, 1..4u32, 1..9u32, any::<bool>()),
        (
            prop::option::of(0..3_000u64),
            any::<bool>(),
            1..3_000u64,
            1..4u32,
        ),
        (1..200u64, ratio.clone(), ratio, 1..5_000u64, any::<bool>()),
        (
            0..3u32,
            any::<bool>(),
            prop::option::of(500..5_000u64),
            prop::option::of(1..6u32),
            any::<bool>().prop_map(move |b| b && pings),
        ),
    )
        .prop_map(
            |(
                (seed, duration_us, warmup_us, rate),
                (reads_per_request, pods, max_total, fail_fast),
                (acquire_timeout_us, fifo, rtt_mean_us, shards),
                (service_us, redis_hit_ratio, l1_hit_ratio, db_us, hold_during_fallback),
                (retries, retry_pool_errors, socket_timeout_us, maxclients, test_on_borrow),
            )| Knobs {
                seed: seed >> 1,
                duration_us,
                warmup_us,
                rate,
                reads_per_request,
                pods,
                max_total,
                fail_fast,
                // A zero timeout is a valid duration: waiters give up at once.
                acquire_timeout_us,
                fifo,
                rtt_mean_us,
                shards,
                service_us,
                redis_hit_ratio,
                l1_hit_ratio,
                db_us,
                hold_during_fallback,
                retries,
                retry_pool_errors,
                socket_timeout_us,
                maxclients,
                test_on_borrow,
            },
        )
}

/// Runs the scenario of `k` once.
fn run(k: &Knobs) -> Result<(models::scenario::Scenario, Collector), TestCaseError> {
    let toml = k.toml();
    let sc = models::scenario::parse(&toml, "random.toml", "random", &[])
        .map_err(|e| TestCaseError::fail(format!("{e}\n{toml}")))?;
    let c = run_replication(&sc, 0).map_err(|e| TestCaseError::fail(e.to_string()))?;
    Ok((sc, c))
}

fn count(xs: &[u64; ErrorCause::ALL.len()], cause: ErrorCause) -> u64 {
    xs[cause as usize]
}

/// Every conservation property, on one run of `k`.
fn check(k: &Knobs) -> Result<(), TestCaseError> {
    let (sc, c) = run(k)?;
    let failed: u64 = c.failed.iter().sum();
    let errors: u64 = c.errors.iter().sum();
    use ErrorCause::*;

    // Every measured arrival ends once: as a success or as one failure,
    // by the cause of its last attempt.
    prop_assert_eq!(c.arrived, c.ok + failed);
    prop_assert_eq!(c.latency.count(), c.ok);
    for cause in ErrorCause::ALL {
        prop_assert!(count(&c.failed, cause) <= count(&c.errors, cause));
    }
    // Every failed attempt is either retried or ends its request.
    prop_assert!(errors >= failed);
    if k.retries == 0 {
        prop_assert_eq!(errors, failed);
        prop_assert_eq!(c.failed, c.errors);
    }

    let m = &combine(&sc, std::slice::from_ref(&c)).metrics;

    // Each request starts at least one read; a successful one does all of them.
    let rpr = u64::from(k.reads_per_request);
    prop_assert!(c.reads >= c.arrived);
    prop_assert!(c.reads <= c.arrived * rpr);
    prop_assert!(c.reads >= c.ok * rpr + failed);
    prop_assert!(c.l1_hits <= c.reads);

    // Checkouts (attempts): one per L1 miss, one per retry, and one per SET
    // after a Redis miss when the connection was released for the database.
    let misses = c.reads - c.l1_hits;
    let retried = errors - failed;
    if k.hold_during_fallback || k.redis_hit_ratio == 1.0 {
        prop_assert_eq!(c.checkouts, misses + retried);
    } else {
        prop_assert!(c.checkouts >= misses + retried);
        prop_assert!(c.checkouts <= 2 * misses + retried);
    }
    if k.l1_hit_ratio == 1.0 {
        prop_assert_eq!(c.checkouts, 0);
    }

    // Each attempt gets a connection (its wait is recorded once), or fails
    // in the pool or while opening a connection.
    let no_connection = count(&c.errors, PoolTimeout)
        + count(&c.errors, PoolExhausted)
        + count(&c.errors, MaxClients)
        + count(&c.errors, ConnectTimeout);
    prop_assert_eq!(c.acquire_wait.count(), c.checkouts - no_connection);
    // A checkout is counted as waiting once, even if it queues again.
    prop_assert!(c.waited <= c.checkouts);
    prop_assert!((0.0..=1.0).contains(&m["pool.wait_ratio"]));
    if k.fail_fast {
        prop_assert_eq!(c.waited, 0);
        prop_assert_eq!(count(&c.errors, PoolTimeout), 0);
    } else {
        prop_assert_eq!(count(&c.errors, PoolExhausted), 0);
        // Only a checkout that waited can time out.
        prop_assert!(count(&c.errors, PoolTimeout) <= c.waited);
        if k.acquire_timeout_us.is_none() {
            prop_assert_eq!(count(&c.errors, PoolTimeout), 0);
        }
    }
    if k.maxclients.is_none() {
        prop_assert_eq!(count(&c.errors, MaxClients), 0);
    }

    // The metrics say the same as the counters.
    prop_assert_eq!(m["requests.arrived"], c.arrived as f64);
    prop_assert_eq!(
        m["requests.ok"] + m["requests.failed"],
        m["requests.arrived"]
    );
    // `errors.database_timeout` only with a finite database; these
    // scenarios have an unlimited one, which never times out.
    prop_assert_eq!(count(&c.errors, DatabaseTimeout), 0);
    prop_assert!(!m.contains_key("errors.database_timeout"));
    let by_cause: f64 = ErrorCause::REDIS
        .iter()
        .map(|e| m[&format!("errors.{}", e.name())])
        .sum();
    prop_assert_eq!(by_cause, errors as f64);
    if k.retries == 0 {
        prop_assert_eq!(m["requests.failed"], by_cause);
    }
    prop_assert!(m["pool.in_use.max"] <= f64::from(k.max_total));
    prop_assert!(m["pool.utilization"] <= 1.0 + 1e-12);
    prop_assert!((0.0..=1.0).contains(&m["pool.timeout_ratio"]));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_arrival_ends_once_and_counters_agree(k in knobs(false)) {
        check(&k)?;
    }

    /// The same with `test_on_borrow`. Ignored until two engine bugs are fixed
    /// (both reported): a PING that fails sends its checkout back through
    /// `Model::try_checkout`, which (1) may arm the acquire timer at
    /// `checkout_started + acquire_timeout`, already in the past, so the
    /// scheduler panics ("event scheduled in the past"), and (2) counts
    /// `waited` again when the checkout queues a second time, so
    /// `pool.wait_ratio` can exceed 1.
    #[test]
    fn with_test_on_borrow_every_arrival_ends_once(k in knobs(true)) {
        check(&k)?;
    }

    /// `requests.retries` counts retries: the failed attempts that were tried
    /// again. Ignored until the engine stops counting a request's second read
    /// (and its SET checkout after a Redis miss) as a retry: `Model::checkout`
    /// counts a retry whenever the request's attempt counter passes 1, and the
    /// counter is per request, not per read. With `reads_per_request = 3` and
    /// `retries = 0`, a run reports two retries per request.
    #[test]
    fn retries_count_only_retried_attempts(k in knobs(false)) {
        let (_, c) = run(&k)?;
        let retried = c.errors.iter().sum::<u64>() - c.failed.iter().sum::<u64>();
        prop_assert_eq!(c.retries, retried);
    }
}
