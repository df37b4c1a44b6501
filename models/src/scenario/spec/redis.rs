//! The keys of `[redis]`, its `[[redis.commands]]` entries, and `[[faults]]`.

use super::Kind::*;
use super::Missing::*;
use super::Range::*;
use super::{KeySpec, Zero};
use crate::scenario::resolve::{commands, float, latency, opt, q, word};
use crate::scenario::{ReadFrom, RedisMode};

/// `[redis]`.
pub(super) const REDIS: &[KeySpec] = &[
    KeySpec::new(
        "shards",
        Whole(1, 1024),
        Value("1"),
        "Single-threaded event loops; keys spread evenly.",
    )
    .show(|s| s.redis.shards.to_string()),
    KeySpec::new(
        "service_time",
        Latency,
        Value("\"0s\""),
        "Time a command occupies its shard's event loop.",
    )
    .show(|s| latency(&s.redis.service_time)),
    KeySpec::new(
        "hit_ratio",
        Number(Ratio),
        Value("1.0"),
        "Fraction of Redis reads that find the key; a miss goes to the database, then \
         SETs the value.",
    )
    .show(|s| float(s.redis.hit_ratio)),
    KeySpec::new(
        "maxclients",
        Whole(1, 10_000_000),
        Value("10000"),
        "Connections accepted at once over all shards; more are refused with `-ERR max \
         number of clients reached` (`errors.max_clients`).",
    )
    .show(|s| s.redis.maxclients.to_string()),
    KeySpec::new(
        "timeout",
        OptDuration(Zero::MeansNone),
        Value("\"none\""),
        "The server closes clients idle this long (redis.conf `timeout`, default 0 = \
         never); the client reads EOF on next use.",
    )
    .show(|s| opt(s.redis.timeout)),
    KeySpec::new(
        "tcp_keepalive",
        OptDuration(Zero::MeansNone),
        Value("\"5m\""),
        "Server TCP keepalive (redis.conf `tcp-keepalive 300`): keeps middlebox state \
         fresh only where the middlebox's idle timeout is longer.",
    )
    .ty("duration, or `\"none\"`, `\"0s\"` or `0` for off")
    .show(|s| opt(s.redis.tcp_keepalive)),
    KeySpec::new(
        "accept_cost",
        Latency,
        Value("\"20us\""),
        "Event-loop time to accept a connection and run its handshake commands.",
    )
    .show(|s| latency(&s.redis.accept_cost)),
    KeySpec::new(
        "command_overhead",
        Latency,
        Value("\"0s\""),
        "Event-loop time of every command and PING on top of its own (`service_time`, \
         `ping_time`): reading the request, parsing, writing the reply, the wake-up. \
         `INFO commandstats` does not count it; `capsim calibrate` measures it from the \
         main thread's CPU time.",
    )
    .show(|s| latency(&s.redis.command_overhead)),
    KeySpec::new(
        "ping_time",
        Other("latency, or `\"service_time\"`"),
        Value("\"service_time\""),
        "A PING's own event-loop time (test on borrow, the evictor's idle test); \
         `\"service_time\"`: the same as a command's. A PING costs about a microsecond \
         where a command may cost much more.",
    )
    .show(|s| match &s.redis.ping_time {
            None => word("service_time"),
            Some(l) => latency(l),
        }),
    KeySpec::new(
        "mode",
        Choice(&["proxy", "cluster"]),
        Value("\"proxy\""),
        "How clients reach the shards. `\"proxy\"`: through a proxy (Envoy, twemproxy) \
         or a client that spreads commands: one pool per pod, each command to a shard \
         drawn at random. `\"cluster\"`: Redis Cluster: a read's key (named \
         `key:<rank>`) hashes to one of 16384 slots (CRC16), the slots are split over \
         the `shards` nodes in contiguous ranges, and each pod keeps one pool per node, \
         with `[pool]`'s limits (`max_total`, `min_idle`, `max_idle`) applying per \
         node, as JedisCluster and go-redis ClusterClient do: open connections reach \
         pods × nodes × pool. Needs `workload.keys`.",
    )
    .show(|s| word(match s.redis.mode {
            RedisMode::Proxy => "proxy",
            RedisMode::Cluster => "cluster",
        })),
    KeySpec::new(
        "connection_scaling",
        Whole(1, 100_000_000),
        Value("\"none\""),
        "How a command's event-loop time grows with the connections open on its shard: \
         multiplied by `1 + open / connection_scaling`, so it doubles at that many open \
         connections. Every client costs the one thread something (its buffers and its \
         file descriptor in each `epoll` pass): redis.io's benchmarks report that \
         30,000 clients get about half the throughput of 100, which is `29800`. \
         `\"none\"`: connections cost nothing while open. The redis-benchmark figure \
         keeps every client busy; idle pooled connections cost an `epoll` loop less, so \
         for a fleet whose connections are mostly idle this is an upper bound.",
    )
    .ty("whole number, or `\"none\"`")
    .show(|s| s
            .redis
            .connection_scaling
            .map_or_else(|| word("none"), |n| n.to_string())),
    KeySpec::new(
        "commands",
        Other("array of `{ name, share, service_time, keys }` tables"),
        Value("[]"),
        "The command mix (written as `[[redis.commands]]` tables). Each command a read \
         sends (its first, and the SET after a Redis miss) is drawn by `share` from the \
         mix (its own random stream, so other numbers do not move), and its own \
         event-loop time is `keys` times one draw of its `service_time`; \
         `command_overhead` and `connection_scaling` apply on top. `name`: required, 1 \
         to 64 letters, digits, `_`, `-`, `.` or `:`, each name once (`\"GET\"`, \
         `\"MGET\"`, `\"EVAL\"` or a name of your own; capsim knows none of them, the \
         times say what they cost). `share`: required, a number > 0 and at most 1; the \
         shares add up to 1. `service_time`: a latency, default `redis.service_time`. \
         `keys`: a whole number, 1 to 1000000, default `1` (an `MGET` of 10 keys: `keys \
         = 10` and the time per key). `[]`: every command takes `service_time`. A PING \
         keeps `ping_time`. `capsim check` prints the mix and the mean and second \
         moment of the event-loop time it gives.",
    )
    .show(commands)
    .omit_when(|s| s.redis.commands.is_empty()),
    KeySpec::new(
        "value_size",
        Other("size (`\"512B\"`, `\"4KB\"`, `\"1MiB\"`: B, KB, MB, GB, TB are powers of 1000, KiB, MiB, GiB of 1024), or `{ dist = \"exponential\", mean = SIZE }` or `{ dist = \"lognormal\", median = SIZE, p99 = SIZE }`"),
        Value("\"0B\""),
        "Bytes of one value in a read's reply (a command with `keys = n` replies `n` \
         values). Counts only against `bandwidth`.",
    )
    .show(|s| crate::scenario::wire::size_law_text(&s.redis.value_size))
    .omit_when(|s| s.redis.value_size.is_zero()),
    KeySpec::new(
        "bandwidth",
        Other("rate (`\"1Gbit\"`, `\"10Gbit\"`, `\"100Mbit\"`, `\"125MB/s\"`), or `\"none\"`"),
        Value("\"none\""),
        "Each shard's outbound network link. A read's reply leaves through it after the \
         event loop, one reply after another (FIFO), taking its bits over the \
         bandwidth; the read is done when its last byte is sent \
         (`redis.bandwidth.utilization`, `redis.bandwidth.wait.mean_ms`). A PING's \
         reply, a miss's (a nil) and the `+OK` of the SET after a miss are a few bytes \
         and skip it. Needs `value_size` above 0. `\"none\"`: replies leave at once.",
    )
    .show(|s| s
            .redis
            .bandwidth
            .map_or_else(|| word("none"), crate::scenario::wire::rate_text))
    .omit_when(|s| s.redis.bandwidth.is_none()),
    KeySpec::new(
        "persistence",
        Other("`{ every = DURATION, stall_per_gb = DURATION, dataset = SIZE }`, or `\"none\"`"),
        Value("\"none\""),
        "Periodic fork stalls of RDB snapshots (BGSAVE) or AOF rewrites: each shard \
         forks every `every` (the first time at a random phase), and the fork blocks \
         its event loop for `stall_per_gb` per GB (10^9 bytes) of `dataset` while the \
         kernel copies the page tables, like a command queued at that moment; commands \
         behind it wait, and `redis.utilization` counts the stall as busy. redis.io's \
         latency page (\"Diagnosing latency issues\", fork) lists 9 to 23 ms per GB on \
         physical hosts, VMware, KVM and HVM EC2 instances, and 239 ms per GB on old \
         Xen EC2 instances. The stall must be shorter than `every`.",
    )
    .show(|s| match &s.redis.persistence {
            None => word("none"),
            Some(p) => format!(
                "{{ every = {}, stall_per_gb = {}, dataset = {} }}",
                q(p.every),
                q(p.stall_per_gb),
                crate::scenario::wire::size_text(p.dataset)
            ),
        })
    .omit_when(|s| s.redis.persistence.is_none()),
    KeySpec::new(
        "reply_batching",
        Bool,
        Value("false"),
        "Replies of one pass of the event loop leave together, at the end of the pass, \
         as Redis without io-threads writes them (`beforeSleep`, before it waits for \
         events again). A pass takes the work that arrived before it began and runs it \
         in order; work arriving during a pass waits for the next, which begins when \
         this one ends; a command reaching an idle loop begins a pass alone. Service \
         starts and ends are unchanged (so `redis.utilization` and \
         `redis.queue_wait.*`), but a command's reply waits for the rest of its pass: \
         with pools of a few connections or more at high load, holds and latencies \
         grow. Fork stalls, accepts and idle PINGs are work of a pass like commands. \
         With `bandwidth` a pass's replies go out on the link in order at its end. \
         `capsim calibrate` writes `true`. Pooled clients only (refused with \
         `client.transport = \"multiplexed\"`).",
    )
    .show(|s| s.redis.reply_batching.to_string())
    .omit_when(|s| !s.redis.reply_batching),
    KeySpec::new(
        "replicas",
        Whole(0, 15),
        Value("0"),
        "Replicas of each shard (cluster mode only), each its own single-threaded event \
         loop with the primary's costs (`service_time`, `command_overhead`, \
         `connection_scaling`, `maxclients`). Every write (the SET that fills Redis \
         after a miss) costs each replica of its shard one command's loop time when the \
         primary is done with it: the replication stream. Replicas do not fork. \
         `redis.replica.*` metrics report them; `redis.utilization.max` becomes the \
         busiest event loop of all, primary or replica.",
    )
    .show(|s| s.redis.replicas.to_string())
    .omit_when(|s| s.redis.replicas == 0),
    KeySpec::new(
        "read_from",
        Choice(&["primary", "replica", "any"]),
        Value("\"primary\""),
        "Where a cluster client sends reads. `\"primary\"`: the node's primary \
         (master). `\"replica\"`: one of the node's `replicas`, drawn uniformly per \
         read, as go-redis's ClusterClient does with `ReadOnly` (Lettuce's \
         `ReadFrom.REPLICA` also reads from replicas only). `\"any\"`: the primary or \
         one of its replicas, uniformly, as go-redis's `RouteRandomly`. The SET after a \
         miss still goes to the primary (a connection held through the fallback goes \
         back to the replica's pool first). The client keeps a pool per primary and per \
         replica, so open connections reach pods × nodes × (1 + replicas) × pool. \
         `\"replica\"` and `\"any\"` need `replicas` of 1 or more.",
    )
    .show(|s| word(match s.redis.read_from {
            ReadFrom::Primary => "primary",
            ReadFrom::Replica => "replica",
            ReadFrom::Any => "any",
        }))
    .omit_when(|s| s.redis.replicas == 0),
];

/// `[redis.commands]`.
pub(super) const REDIS_COMMANDS: &[KeySpec] = &[
    KeySpec::new(
        "name",
        Other(""),
        Required("required"),
        "The command's name: a string of 1 to 64 characters, each a letter, a digit, \
         `_`, `-`, `.` or `:` (`\"GET\"`, `\"MGET\"`, `\"EVAL\"`, or a name of your \
         own), not used twice in the mix. Required.",
    ),
    KeySpec::new(
        "share",
        Number(Ratio),
        Required("required"),
        "The fraction of commands that are this one: a number > 0, at most 1. Required.",
    ),
    KeySpec::new(
        "service_time",
        Latency,
        Computed("`redis.service_time`"),
        "Its own event-loop time per key: a latency. Default `redis.service_time`.",
    ),
    KeySpec::new(
        "keys",
        Whole(1, 1_000_000),
        Value("1"),
        "Keys it touches (`MGET` with 10 keys: `keys = 10`), its time being `keys` \
         times one draw of `service_time`: a whole number, 1 to 1000000. Default `1`.",
    ),
];

/// `[[faults]]`.
pub(super) const FAULTS: &[KeySpec] = &[
    KeySpec::new(
        "at",
        Duration,
        Required("required"),
        "When, from the end of the warm-up.",
    ),
    KeySpec::new(
        "kind",
        Choice(&["blackhole", "restart", "slow", "rolling_restart", "reshard"]),
        Required("required"),
        "`\"blackhole\"`: the shard's existing connections go silent with no reset, as \
         when a primary vanishes in a failover; every write on them is lost until TCP \
         declares them dead (`network.tcp_user_timeout`, `network.tcp_retries2`, \
         `client.tcp_keepalive`), and connections opened afterwards reach the promoted \
         replica. `\"restart\"`: the shard's existing connections are reset; the client \
         sees it within half a round trip. `\"slow\"`: the shard's service time is \
         multiplied by `factor` for `duration`. Commands in flight at the fault's \
         instant complete as if it came just after them. `\"rolling_restart\"`: a \
         deploy: the pods restart in order, `pods` at a time, `interval` apart, from \
         `at`; each comes back with an empty keyed L1 (warm at once with `l1.prewarm`) \
         and its pools' idle connections closed, reopened on demand and up to \
         `min_idle`. Requests in flight finish on the connections they hold; a \
         multiplexed client's shared connections stay open. `\"reshard\"` (`redis.mode \
         = \"cluster\"`, pooled clients, not with `redis.reply_batching`): `slots` hash \
         slots move from the node `shard` to the node `to`, the source's \
         lowest-numbered first, one after another over `duration` (as `redis-cli \
         --cluster reshard`); while a slot migrates, a read of a key already moved gets \
         `-ASK` and is sent again to the target after `ASKING`; once it has moved, a \
         pod whose slot map is older gets `-MOVED` and refreshes its map. Each redirect \
         costs its node a PING's time and the client a new checkout and round trip; \
         metrics `redis.redirects.moved` and `redis.redirects.ask`. One reshard at a \
         time.",
    ),
    KeySpec::new(
        "shard",
        Other("whole number below `redis.shards`"),
        Value("0"),
        "The shard it happens to; refused for a `\"rolling_restart\"`.",
    ),
    KeySpec::new(
        "duration",
        Duration,
        Required("required for `\"slow\"` and `\"reshard\"`"),
        "How long a slow fault lasts, or a reshard's migration takes (`\"0s\"`: every \
         slot at once); refused for the other kinds.",
    ),
    KeySpec::new(
        "factor",
        Other("number > 0, at most 1000000"),
        Required("required for `\"slow\"`"),
        "The multiplier of the service time; refused for the other kinds.",
    ),
    KeySpec::new(
        "pods",
        Other("whole number, 1 to `pods.count`"),
        Value("1"),
        "Pods restarted at a time by a `\"rolling_restart\"`; refused for the other \
         kinds.",
    ),
    KeySpec::new(
        "interval",
        Duration,
        Required("required for `\"rolling_restart\"`"),
        "Time between two batches of a `\"rolling_restart\"`; refused for the other \
         kinds.",
    ),
    KeySpec::new(
        "to",
        Other("whole number below `redis.shards`, not `shard`"),
        Required("required for `\"reshard\"`"),
        "The node a `\"reshard\"` moves slots to; refused for the other kinds.",
    ),
    KeySpec::new(
        "slots",
        Other("whole number, 1 to the slots the source owns when it starts"),
        Required("required for `\"reshard\"`"),
        "How many slots a `\"reshard\"` moves; refused for the other kinds.",
    ),
];
