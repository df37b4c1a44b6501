//! Scenario text shared by the integration tests of one Redis shard.

/// A pool that never binds (10,000 connections at most, 200 open from time
/// 0, no acquire timeout), constant 100 us round trips and no L1: the
/// `[pool]`, `[network]` and `[l1]` tables of the tests that measure Redis
/// alone against queueing theory.
pub const POOL_NEVER_BINDS: &str = r#"[pool]
max_total = 10000
min_idle = 200
when_exhausted = "block"
acquire_timeout = "none"

[network]
rtt = "100us"

[l1]
hit_ratio = 0.0
lookup_time = "0us"
"#;
