#!/usr/bin/env bash
# The keyed L1's speed against the fixed-ratio L1, robust to a noisy machine:
# runs the three scenarios of this folder (the scenario of benches/l1.rs, 200 s
# measured, as files: fixed ratio, W-TinyLFU, LRU) in turn, ROUNDS times
# (default 5), and prints each round's wall times and the median ratios
# fixed/keyed (issue 16's target: at least 0.5). Interleaving keeps a
# machine's slow minute from landing on one case only.
#
#   benches/l1-ratio/run.sh [ROUNDS] [CAPSIM]
set -euo pipefail
cd "$(dirname "$0")"
rounds=${1:-5}
capsim=${2:-../../target/release/capsim}
for _ in $(seq "$rounds"); do
  for case in fixed keyed lru; do
    start=$(date +%s%N)
    "$capsim" run "$case.toml" >/dev/null
    printf '%s ' "$(($(date +%s%N) - start))"
  done
  echo
done | awk '
  { printf "fixed %.3f s, w-tinylfu %.3f s, lru %.3f s\n", $1 / 1e9, $2 / 1e9, $3 / 1e9; k[NR] = $1 / $2; l[NR] = $1 / $3 }
  function median(a, n,   i, j, t) {
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  END { printf "median speed ratio: w-tinylfu %.3f, lru %.3f of the fixed ratio (over %d rounds)\n", median(k, NR), median(l, NR), NR }'
