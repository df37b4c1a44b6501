#!/usr/bin/env bash
# Regenerates every figure and every captured output that the book shows, by
# running capsim on scenario files of the repo:
#
#   book/figures.sh            # 2-4 minutes on two cores
#
# Charts are copied out of the report folders under stable names into
# book/src/figures/NAME.svg; command outputs go to book/src/figures/NAME.txt
# (the book includes them with {{#include}}). capsim is deterministic, so
# running this again on the same version writes the same bytes: a diff after
# a run means the simulator's results changed, and the book's text must be
# read again. The work folders are under target/book-figures/.
set -euo pipefail
cd "$(dirname "$0")/.."

# CAPSIM=/path/to/capsim uses that binary instead of building one.
if [ -z "${CAPSIM:-}" ]; then
  cargo build --release --locked --quiet
  CAPSIM=target/release/capsim
fi
WORK=target/book-figures
FIG=book/src/figures
rm -rf "$WORK"
mkdir -p "$WORK" "$FIG"

# capture NAME CMD...: run capsim, keep what it prints in figures/NAME.txt,
# with the work folder written the same way on every machine.
capture() {
  local name=$1
  shift
  echo "book/figures.sh: capsim $*" >&2
  "$CAPSIM" "$@" | grep -v '^written to ' >"$FIG/$name.txt"
}

# take DIR CHART NAME: copy DIR/CHART.svg to figures/NAME.svg.
take() {
  cp "$WORK/$1/$2.svg" "$FIG/$3.svg"
}

# table DIR KEY VALUES COLUMNS: a Markdown table of DIR/results.csv, the
# rows whose column KEY is one of VALUES (comma-separated; "" for all), with
# COLUMNS (comma-separated), numbers to four significant digits, rows sorted
# by their first two columns (bisection adds its points after the grid's).
table() {
  table_rows "$@" | {
    # `read` takes one line at a time from a pipe (head would take more).
    IFS= read -r header && IFS= read -r rule && printf '%s\n%s\n' "$header" "$rule"
    sort -t'|' -s -k2,2g -k3,3g
  }
}
table_rows() {
  awk -F, -v key="$2" -v want="$3" -v cols="$4" '
    function fmt(v) {
      if (v !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) return v
      if (v == int(v) || v >= 1000) return sprintf("%.0f", v)
      return sprintf("%.4g", v)
    }
    NR == 1 {
      # Column names are unique: an axis that is also a metric keeps the
      # name (l1.hit_ratio, the configured ratio) and the metric is
      # NAME.measured.
      for (i = 1; i <= NF; i++) if (!($i in col)) col[$i] = i
      nc = split(cols, c, ",")
      nw = split(want, w, ","); for (i = 1; i <= nw; i++) ok[w[i]] = 1
      line = "|"; rule = "|"
      for (i = 1; i <= nc; i++) { line = line " " c[i] " |"; rule = rule "---|" }
      print line; print rule; next
    }
    want == "" || ($(col[key]) in ok) {
      line = "|"
      for (i = 1; i <= nc; i++) line = line " " fmt($(col[c[i]])) " |"
      print line
    }' "$WORK/$1/results.csv"
}

## 1. Why pools exhaust
capture pool-sizing-check check scenarios/pool-sizing.toml
sed -n '/^# Derived figures/,/Erlang C pool size/p' "$FIG/pool-sizing-check.txt" >"$FIG/pool-sizing-derived.txt"
rm "$FIG/pool-sizing-check.txt"
capture littles-law-sweep sweep scenarios/book/littles-law.toml --quiet --out "$WORK/littles-law"
take littles-law metric-pool_utilization littles-law-utilization

## 2. Quick start
capture pool-sizing-run run scenarios/pool-sizing.toml --report "$WORK/pool-sizing-run"
take pool-sizing-run connections pool-sizing-connections
take pool-sizing-run waiters pool-sizing-waiters
capture pool-sizing-run-11 run scenarios/pool-sizing.toml --set pool.max_total=11
capture pool-sizing-sweep sweep scenarios/pool-sizing.toml --quiet --out "$WORK/pool-sizing"
take pool-sizing capacity pool-sizing-capacity
take pool-sizing metric-latency_p99_ms pool-sizing-latency-p99
take pool-sizing heatmap-latency_p99_ms pool-sizing-heatmap

## 3. Sizing a pool
capture erlang-c-sweep sweep scenarios/book/erlang-c.toml --quiet --out "$WORK/erlang-c"
take erlang-c metric-pool_wait_ratio erlang-c-wait-ratio
# Erlang C (book/src/theory.md) beside the simulated share of checkouts
# that waited, from the sweep's results.csv: a = 10 erlangs.
awk -F, -v a=10 '
  NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  {
    n = $(col["pool.max_total"]); b = 1
    for (k = 1; k <= n; k++) b = a * b / (k + a * b)
    c = n * b / (n - a * (1 - b))
    rows[NR] = sprintf("| %d | %.4f | %.4f ± %.4f | %.4f | %.4f |", n, c,
      $(col["pool.wait_ratio"]), $(col["pool.wait_ratio.ci95"]), c / (n - a),
      $(col["pool.acquire_wait.mean_ms"]))
  }
  END {
    print "| pool.max_total | Erlang C: P(wait) | simulated pool.wait_ratio ± ci95 | Erlang C: E[W] ms | simulated pool.acquire_wait.mean_ms |"
    print "|---:|---:|---:|---:|---:|"
    for (r = 2; r <= NR; r++) if (r - 2 < 12) print rows[r]
  }' "$WORK/erlang-c/results.csv" >"$FIG/erlang-c-table.md"
capture acquire-timeout-sweep sweep scenarios/book/acquire-timeout.toml --quiet --out "$WORK/acquire-timeout"
take acquire-timeout metric-pool_timeout_ratio acquire-timeout-timeout-ratio
take acquire-timeout metric-latency_p99_ms acquire-timeout-latency-p99
take acquire-timeout capacity acquire-timeout-capacity
table acquire-timeout workload.rate 8000,10000,12000 \
  workload.rate,pool.acquire_timeout,pool.timeout_ratio,pool.acquire_wait.p99_ms,latency.p99_ms,requests.ok \
  >"$FIG/acquire-timeout-table.md"
capture erlang-b-sweep sweep scenarios/erlang-b-threshold.toml --quiet --out "$WORK/erlang-b"
take erlang-b metric-pool_timeout_ratio erlang-b-timeout-ratio

## 4. Why a bigger pool can make it worse
capture death-spiral-run run scenarios/death-spiral.toml --report "$WORK/death-spiral"
take death-spiral failures death-spiral-failures
take death-spiral connections death-spiral-connections
take death-spiral redis death-spiral-redis
capture death-spiral-fixed-run run scenarios/death-spiral-fixed.toml --report "$WORK/death-spiral-fixed"
take death-spiral-fixed failures death-spiral-fixed-failures
take death-spiral-fixed connections death-spiral-fixed-connections
take death-spiral-fixed redis death-spiral-fixed-redis
capture bigger-pool-sweep sweep scenarios/book/bigger-pool.toml --quiet --out "$WORK/bigger-pool"
take bigger-pool metric-requests_failed_ratio bigger-pool-failed-ratio
take bigger-pool metric-redis_utilization bigger-pool-redis
table bigger-pool "" "" \
  pool.max_total,requests.failed_ratio,errors.pool_timeout,errors.socket_timeout,connections.created,redis.utilization \
  >"$FIG/bigger-pool-table.md"
capture connection-cost-sweep sweep scenarios/book/connection-cost.toml --quiet --out "$WORK/connection-cost"
take connection-cost metric-redis_utilization-2 connection-cost-redis
take connection-cost metric-latency_p99_ms-2 connection-cost-p99
table connection-cost redis.connection_scaling 29800 \
  pool.min_idle,connections.open.mean,redis.utilization,redis.queue_wait.mean_ms,latency.mean_ms,latency.p99_ms \
  >"$FIG/connection-cost-table.md"

## 5. L1 caches
capture l1-cache-run run scenarios/l1-cache.toml
capture l1-cache-run-99 run scenarios/l1-cache.toml --set l1.hit_ratio=0.99
capture l1-cache-sweep sweep scenarios/l1-cache.toml --quiet --out "$WORK/l1-cache"
take l1-cache metric-pool_utilization l1-cache-utilization
take l1-cache metric-latency_p99_ms l1-cache-latency-p99
capture l1-cold-start-sweep sweep scenarios/book/l1-cold-start.toml --quiet --out "$WORK/l1-cold-start"
take l1-cold-start capacity l1-cold-start-capacity
take l1-cold-start metric-latency_p99_ms l1-cold-start-latency-p99
table l1-cold-start pool.max_total 4 \
  l1.hit_ratio,pool.max_total,pool.in_use.mean,pool.utilization,pool.timeout_ratio,latency.p50_ms,latency.p99_ms \
  >"$FIG/l1-cold-start-table.md"

## 5b. How big must my L1 be?
capture l1-size-sweep sweep scenarios/book/l1-size.toml --quiet --out "$WORK/l1-size"
# Two facets: -1 is l1.policy = lru, -2 is w-tinylfu.
take l1-size metric-l1_hit_ratio-1 l1-size-lru
take l1-size metric-l1_hit_ratio-2 l1-size-w-tinylfu
table l1-size "" "" l1.policy,l1.capacity,l1.hit_ratio,pool.utilization >"$FIG/l1-size-table.md"
capture l1-deploy-run run scenarios/book/l1-deploy.toml --report "$WORK/l1-deploy"
take l1-deploy l1 l1-deploy-hit-ratio
take l1-deploy waiters l1-deploy-waiters
capture l1-deploy-run-prewarm run scenarios/book/l1-deploy.toml --set l1.prewarm=true
capture l1-rollout-run run scenarios/book/l1-rollout.toml --report "$WORK/l1-rollout"
take l1-rollout l1 l1-rollout-hit-ratio
take l1-rollout failures l1-rollout-failures
capture l1-rollout-run-prewarm run scenarios/book/l1-rollout.toml --set l1.prewarm=true
capture replay-run run scenarios/book/replay.toml
capture replay-poisson-run run scenarios/book/replay-poisson.toml
# 100 ms buckets, so each expiry's burst of queries is its own spike.
capture l1-stampede-run run scenarios/l1-stampede.toml --set simulation.bucket=100ms --report "$WORK/l1-stampede"
take l1-stampede database l1-stampede-database
capture l1-stampede-run-coalesce run scenarios/l1-stampede.toml --set l1.coalesce=true

## 5c. When the database breaks first
capture db-miss-storm-run run scenarios/db-miss-storm.toml --report "$WORK/db-miss-storm"
take db-miss-storm database-queue db-miss-storm-queue
take db-miss-storm l1 db-miss-storm-hit-ratio
capture db-miss-storm-run-prewarm run scenarios/db-miss-storm.toml --set l1.prewarm=true
capture db-miss-storm-run-coalesce run scenarios/db-miss-storm.toml --set l1.coalesce=true

## 6. The idle-eviction trap
capture idle-eviction-trap-run run scenarios/idle-eviction-trap.toml --report "$WORK/idle-trap"
take idle-trap failures idle-eviction-trap-failures
take idle-trap connections idle-eviction-trap-connections
capture idle-eviction-trap-run-0 run scenarios/idle-eviction-trap.toml --set client.retries=0
# One setting at a time, on the trap: which ones keep dead connections out.
for v in pool.preset=go-redis-9.7 pool.preset=go-redis-9.22 pool.idle_timeout=3m client.tcp_keepalive=60s; do
  echo "\$ capsim run scenarios/idle-eviction-trap.toml --set $v"
  "$CAPSIM" run scenarios/idle-eviction-trap.toml --set "$v" | grep -E '^(requests|latency|errors) '
  echo
done >"$FIG/idle-eviction-variants.txt"
capture idle-eviction-fix-run run scenarios/idle-eviction-fix.toml --report "$WORK/idle-fix"
take idle-fix failures idle-eviction-fix-failures
take idle-fix connections idle-eviction-fix-connections

## 7. Planning for Black Friday
capture blackfriday-check check scenarios/blackfriday.toml --set workload.rate=4000 --set pool.max_total=16
sed -n '/^# Derived figures/,/^# Warnings/p' "$FIG/blackfriday-check.txt" >"$FIG/blackfriday-derived.txt"
rm "$FIG/blackfriday-check.txt"
capture blackfriday-sweep sweep scenarios/blackfriday.toml --quiet --out "$WORK/blackfriday"
take blackfriday capacity blackfriday-capacity
# Two facets: -1 is l1.hit_ratio = 0.5, -2 is 0.8.
take blackfriday heatmap-pool_timeout_ratio-1 blackfriday-heatmap-l1-0.5
take blackfriday metric-pool_timeout_ratio-1 blackfriday-timeout-ratio-l1-0.5
take blackfriday metric-pool_timeout_ratio-2 blackfriday-timeout-ratio-l1-0.8
take blackfriday metric-latency_p99_ms-1 blackfriday-latency-p99-l1-0.5
cp "$WORK/blackfriday/thresholds.csv" "$FIG/blackfriday-thresholds.csv"
capture blackfriday-run-8 run scenarios/blackfriday.toml --set workload.rate=4000 --set pool.max_total=8 --report "$WORK/blackfriday-8"
take blackfriday-8 failures blackfriday-8-failures
take blackfriday-8 traffic blackfriday-8-traffic
capture blackfriday-run-16 run scenarios/blackfriday.toml --set workload.rate=4000 --set pool.max_total=16 --report "$WORK/blackfriday-16"
take blackfriday-16 connections blackfriday-16-connections

## 8. Running big sweeps on a cluster: two shards merge into the bytes of the
## unsharded grid (shards do not bisect: see book/src/cluster.md)
{
  "$CAPSIM" sweep scenarios/erlang-b-threshold.toml --quiet --grid --out "$WORK/erlang-b-grid"
  "$CAPSIM" sweep scenarios/erlang-b-threshold.toml --quiet --shard 1/2 --out "$WORK/shards"
  "$CAPSIM" sweep scenarios/erlang-b-threshold.toml --quiet --shard 2/2 --out "$WORK/shards"
  "$CAPSIM" merge "$WORK/shards" --out "$WORK/merged"
} >/dev/null
if cmp -s "$WORK/merged/results.json" "$WORK/erlang-b-grid/results.json" &&
  cmp -s "$WORK/merged/thresholds.csv" "$WORK/erlang-b-grid/thresholds.csv"; then
  echo "results.json and thresholds.csv of the merged shards and of the unsharded --grid sweep: identical" >"$FIG/shards-cmp.txt"
else
  echo "book/figures.sh: merged shards differ from the unsharded sweep" >&2
  exit 1
fi

## 8b. What should we ship? capsim recommend
capture recommend-blackfriday recommend scenarios/blackfriday.toml --quiet
capture recommend-death-spiral recommend scenarios/death-spiral.toml --quiet
capture recommend-check-fixed recommend scenarios/death-spiral-fixed.toml --check --quiet
{
  set +e
  "$CAPSIM" recommend scenarios/death-spiral.toml --check --quiet 2>&1
  echo "exit $?"
  set -e
} >"$FIG/recommend-check-spiral.txt"

## 9. How far to trust it
# Pools or one shared connection?
capture head-of-line-run run scenarios/book/head-of-line.toml
capture head-of-line-pooled run scenarios/book/head-of-line.toml --set client.transport=pooled
capture blackhole-lettuce-run run scenarios/blackhole-lettuce.toml --report "$WORK/blackhole-lettuce"
take blackhole-lettuce traffic blackhole-lettuce-traffic
take blackhole-lettuce failures blackhole-lettuce-failures
capture blackhole-lettuce-30s-run run scenarios/blackhole-lettuce.toml --set network.tcp_user_timeout=30s --report "$WORK/blackhole-lettuce-30s"
take blackhole-lettuce-30s traffic blackhole-lettuce-30s-traffic
capture blackhole-jedis-run run scenarios/blackhole-jedis.toml --report "$WORK/blackhole-jedis"
take blackhole-jedis failures blackhole-jedis-failures

# Redis Cluster and the hot shard
capture cluster-hot-key-check check scenarios/cluster-hot-key.toml
sed -n '/busiest node /,/Erlang C pool size per node/p' "$FIG/cluster-hot-key-check.txt" >"$FIG/cluster-hot-key-derived.txt"
rm "$FIG/cluster-hot-key-check.txt"
capture cluster-hot-key-run run scenarios/cluster-hot-key.toml --report "$WORK/cluster-hot-key"
take cluster-hot-key shard-load cluster-hot-key-shard-load
take cluster-hot-key shards cluster-hot-key-shards
capture cluster-hot-key-l1-run run scenarios/cluster-hot-key.toml --set l1.policy=lru --set l1.capacity=1000 --set l1.ttl=1s
for spec in replica-1:1:replica replica-2:2:replica any-1:1:any; do
  IFS=: read -r name n from <<<"$spec"
  capture "cluster-hot-key-$name-run" run scenarios/cluster-hot-key.toml --set redis.replicas="$n" --set redis.read_from="$from"
done
capture cluster-hot-key-sweep sweep scenarios/cluster-hot-key.toml --out "$WORK/cluster-hot-key-sweep"
capture cluster-reshard-run run scenarios/book/cluster-reshard.toml --report "$WORK/cluster-reshard"
take cluster-reshard shards cluster-reshard-shards
capture cluster-reshard-hot-run run scenarios/book/cluster-reshard.toml --set 'faults[0].slots=1197' --report "$WORK/cluster-reshard-hot"
take cluster-reshard-hot shards cluster-reshard-hot-shards

capture validate validate

## 10. Reference
for cmd in run check sweep merge report validate calibrate recommend; do
  "$CAPSIM" "$cmd" --help >"$FIG/help-$cmd.txt"
done

echo "book/figures.sh: $(find "$FIG" -name '*.svg' | wc -l) charts and $(find "$FIG" -name '*.txt' -o -name '*.md' | wc -l) outputs in $FIG" >&2
