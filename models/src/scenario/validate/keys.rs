//! Validation of keyed reads: `[workload] keys` and `key_popularity`, the
//! keyed L1 cache (`[l1] policy`, `capacity`, `ttl`, `ttl_jitter`,
//! `coalesce`, `prewarm`), and Redis Cluster routing (`[redis] mode =
//! "cluster"`), which routes each read by its key.
//!
//! The fixed `l1.hit_ratio` and a `policy` are exclusive: one states the hit
//! ratio, the other measures it. Every keyed-cache setting needs `policy`,
//! and `policy` needs `workload.keys`, so a setting that would be silently
//! ignored is an error instead.

use super::super::{KeyedL1, Policy, Popularity, ReadFrom, Redis, RedisMode, Transport};
use super::section::Section;
use super::values::{choice, number, Range};
use super::Problem;
use toml::Value;

/// Most cache entries over all pods (`min(capacity, keys) x pods`): about
/// 3 GB of entries at 32 bytes each.
const MAX_ENTRIES: u64 = 100_000_000;
/// Largest Zipf exponent (beyond it one key takes all reads anyway).
const MAX_ALPHA: f64 = 10.0;
/// Most pools over the fleet in cluster mode (`pods x shards`).
const MAX_POOLS: u64 = 100_000;

/// `workload.keys` and `workload.key_popularity`.
pub(super) fn popularity(w: &Section) -> Result<Option<Popularity>, Problem> {
    let Some(keys_value) = w.get("keys") else {
        if w.get("key_popularity").is_some() {
            return Err(Problem::value(
                w.key("key_popularity"),
                "needs `keys` (the number of distinct keys) in [workload]",
            ));
        }
        return Ok(None);
    };
    let n = w.whole_of(keys_value, "keys")?;
    let key = "workload.key_popularity";
    let zipf = "\"uniform\" or { dist = \"zipf\", alpha = 0.8 }";
    let pop = match w.get("key_popularity") {
        None => Popularity::uniform(n),
        Some(Value::String(s)) if s == "uniform" => Popularity::uniform(n),
        Some(Value::Table(t)) => {
            if let Some(k) = t.keys().find(|k| !["dist", "alpha"].contains(&k.as_str())) {
                return Err(Problem::value(
                    key,
                    format!("unknown key `{k}`; expected {zipf}"),
                ));
            }
            choice(t.get("dist"), &format!("{key}.dist"), &["zipf"], "")?;
            let path = format!("{key}.alpha");
            let Some(a) = t.get("alpha") else {
                return Err(Problem::value(
                    path,
                    "required but missing: the Zipf exponent, e.g. alpha = 0.8",
                ));
            };
            let alpha = number(Some(a), &path, None, Range::NonNegative)?;
            if alpha > MAX_ALPHA {
                return Err(Problem::value(
                    path,
                    format!("expected a number from 0 to {MAX_ALPHA}, found {alpha}"),
                ));
            }
            Popularity::zipf(n, alpha)
        }
        Some(v) => return Err(Problem::expected(key, zipf, v)),
    };
    pop.map(Some)
        .map_err(|e| Problem::value(key, e.to_string()))
}

/// The keyed cache of `[l1]`, if `policy` is set.
pub(super) fn keyed_l1(
    l: &Section,
    keys: Option<&Popularity>,
    pods: u32,
) -> Result<Option<KeyedL1>, Problem> {
    if l.get("policy").is_none() {
        let settings = [
            "capacity",
            "ttl",
            "ttl_jitter",
            "coalesce",
            "prewarm",
            "invalidation_rate",
        ];
        if let Some(name) = settings.iter().find(|k| l.get(k).is_some()) {
            return Err(Problem::value(
                l.key(name),
                "applies to a keyed cache: set `policy` (\"lru\" or \"w-tinylfu\") in [l1]",
            ));
        }
        return Ok(None);
    }
    let name = l.choice("policy")?;
    let policy = Policy::from_name(name).expect("a listed policy");
    if l.get("hit_ratio").is_some() {
        return Err(Problem::value(
            l.key("policy"),
            "`policy` and `hit_ratio` are exclusive: a keyed cache measures its hit ratio; \
             remove one of them",
        ));
    }
    let Some(keys) = keys else {
        return Err(Problem::value(
            l.key("policy"),
            "a keyed cache needs `keys` (the number of distinct keys) in [workload]",
        ));
    };
    let Some(cap_value) = l.get("capacity") else {
        return Err(Problem::value(
            l.key("capacity"),
            "required but missing: entries per pod, e.g. capacity = 10000",
        )
        .near("l1.policy"));
    };
    let capacity = l.whole_of(cap_value, "capacity")?;
    let entries = capacity.min(keys.n()).saturating_mul(pods as u64);
    if entries > MAX_ENTRIES {
        return Err(Problem::value(
            l.key("capacity"),
            format!(
                "{pods} pods x {} entries is more than {MAX_ENTRIES} cache entries in all; \
                 lower the capacity or the pod count",
                capacity.min(keys.n())
            ),
        ));
    }
    let ttl = l.optional_span("ttl")?;
    let ttl_jitter = l.number("ttl_jitter")?;
    if ttl.is_none() && l.get("ttl_jitter").is_some() {
        return Err(Problem::value(
            l.key("ttl_jitter"),
            "spreads expiries, so it needs a `ttl` in [l1]",
        ));
    }
    Ok(Some(KeyedL1 {
        policy,
        capacity: capacity as u32,
        ttl,
        ttl_jitter,
        coalesce: l.boolean("coalesce")?,
        prewarm: l.boolean("prewarm")?,
    }))
}

/// Cluster mode (`redis.mode = "cluster"`): each read's key picks its node,
/// so reads must carry keys; and each pod keeps a pool per node, so the pool
/// count is bounded. The multiplexed transport's per-node connections are
/// not modelled: refused rather than routed wrongly.
pub(super) fn cluster(
    redis: &Redis,
    keys: Option<&Popularity>,
    pods: u32,
    transport: Transport,
) -> Result<(), Problem> {
    if redis.mode != RedisMode::Cluster {
        return Ok(());
    }
    if transport == Transport::Multiplexed {
        return Err(Problem::value(
            "redis.mode",
            "cluster mode is modelled for pooled clients only (one pool per node per pod); \
             with client.transport = \"multiplexed\" use mode = \"proxy\"",
        ));
    }
    if keys.is_none() {
        return Err(Problem::value(
            "redis.mode",
            "cluster mode routes each read by its key's hash slot: set `keys` (the number of \
             distinct keys) in [workload]",
        ));
    }
    let pools = u64::from(pods) * u64::from(redis.pools_per_pod());
    if pools > MAX_POOLS {
        return Err(Problem::value(
            "redis.mode",
            format!(
                "cluster mode keeps one pool per node per pod: {pods} pods x {} nodes is more \
                 than {MAX_POOLS} pools; lower the pod count or the shard count",
                redis.pools_per_pod()
            ),
        ));
    }
    Ok(())
}

/// Replicas (`redis.replicas`, `redis.read_from`): modelled in cluster
/// mode, where the client routes each read itself; reads from replicas
/// need replicas.
pub(super) fn replicas(redis: &Redis) -> Result<(), Problem> {
    let replica_reads = redis.read_from != ReadFrom::Primary;
    if redis.mode == RedisMode::Proxy && (redis.replicas > 0 || replica_reads) {
        let key = if redis.replicas > 0 {
            "redis.replicas"
        } else {
            "redis.read_from"
        };
        return Err(Problem::value(
            key,
            "replicas are modelled in cluster mode only (redis.mode = \"cluster\", where the \
             client sends each read to a node itself); behind a proxy the proxy chooses, so \
             model its nodes as shards",
        ));
    }
    if replica_reads && redis.replicas == 0 {
        return Err(Problem::value(
            "redis.read_from",
            "read_from = \"replica\" or \"any\" needs replicas to read from: set \
             redis.replicas to 1 or more (replicas per shard)",
        ));
    }
    if redis.reply_batching && redis.replicas > 0 {
        return Err(Problem::value(
            "redis.reply_batching",
            "reply batching is not modelled together with replicas yet (a replica's event \
             loop applies the replication stream outside the passes): use one or the other",
        ));
    }
    Ok(())
}
