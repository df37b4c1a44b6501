#!/usr/bin/env bash
# Checks that the thresholds of a sweep mean what they say: for every line
# whose SLO stops holding inside the grid, an independent `capsim run` at
# 0.93x the threshold meets every objective and one at 1.07x breaks one.
#
#   scripts/threshold-margins.sh [SWEEP_OUT_DIR]   # default: a fresh Black Friday sweep
#
# Reads DIR/thresholds.csv, DIR/scenario.toml (the resolved scenario the
# sweep ran) and DIR/results.json (the objectives), prints one table row per
# run, and exits 1 if any run disagrees with its threshold. Needs jq.
set -euo pipefail
cd "$(dirname "$0")/.."
CAPSIM=${CAPSIM:-target/release/capsim}
DIR=${1:-}
if [ -z "$DIR" ]; then
  DIR=target/threshold-margins
  "$CAPSIM" sweep scenarios/blackfriday.toml --out "$DIR" -q >/dev/null
fi
x=$(jq -r .x "$DIR/results.json")
below=$(jq -r .holds_below "$DIR/results.json")
header=$(head -1 "$DIR/thresholds.csv")
IFS=, read -r -a cols <<<"$header"
status_col=-1
for i in "${!cols[@]}"; do [ "${cols[$i]}" = status ] && status_col=$i; done
bad=0
printf '%s\n' "line | factor | $x | expected | measured"
tail -n +2 "$DIR/thresholds.csv" | while IFS=, read -r -a cells; do
  status=${cells[$status_col]}
  threshold=${cells[$((status_col + 1))]}
  case $status in holds_below | holds_above) ;; *) continue ;; esac
  sets=()
  for ((i = 0; i < status_col; i++)); do sets+=(--set "${cols[$i]}=${cells[$i]}"); done
  for f in 0.93 1.07; do
    v=$(awk -v t="$threshold" -v f="$f" 'BEGIN { printf "%.6g", t * f }')
    json=$("$CAPSIM" run "$DIR/scenario.toml" "${sets[@]}" --set "$x=$v" --format json)
    ok=$(jq -r --slurpfile r "$DIR/results.json" '
      . as $run | [$r[0].slo[] | . as $o |
        ($o.expression | capture("^(?<op>[<>]=?) *(?<lim>.*)$")) as $e |
        ($run.metrics[$o.metric]) as $v | ($e.lim | tonumber) as $l |
        if $e.op == "<" then $v < $l elif $e.op == "<=" then $v <= $l
        elif $e.op == ">" then $v > $l else $v >= $l end] | all' <<<"$json")
    # Below the threshold (holds_below) the SLO must hold, above it break.
    want=true
    if { [ "$status" = holds_below ] && [ "$f" = 1.07 ]; } ||
      { [ "$status" = holds_above ] && [ "$f" = 0.93 ]; }; then want=false; fi
    m=$(jq -r --slurpfile r "$DIR/results.json" '[$r[0].slo[].metric as $m | "\($m)=\(.metrics[$m])"] | join(" ")' <<<"$json")
    line=$(for ((i = 0; i < status_col; i++)); do printf '%s=%s ' "${cols[$i]}" "${cells[$i]}"; done)
    verdict=$([ "$ok" = "$want" ] && echo ok || echo WRONG)
    printf '%s| %s | %s | SLO %s | %s (%s)\n' "$line" "$f" "$v" \
      "$([ "$want" = true ] && echo holds || echo breaks)" "$m" "$verdict"
    [ "$verdict" = ok ] || echo WRONG >>"$DIR/.margins-wrong"
  done
done
if [ -e "$DIR/.margins-wrong" ]; then
  rm -f "$DIR/.margins-wrong"
  exit 1
fi
