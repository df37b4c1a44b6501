#!/bin/bash
# Run a capsim sweep as a Slurm job array: one array task per shard, then one
# dependent job that merges the shards into the outputs of the unsharded
# sweep (byte-identical: every point keeps its seed and its place).
#
#   sbatch --array=1-16 scenarios/cluster/slurm-sweep.sh scenarios/blackfriday.toml
#   # when the array is done (or chain it: see the end of this file):
#   capsim merge out/blackfriday/shards --out out/blackfriday
#
# The array size is the number of shards: task K of N runs the points i with
# i % N == K-1 and writes out/<name>/shards/shard-K-of-N.json on the shared
# file system. Extra arguments after the scenario (--set, --axis) are passed to
# every task and must be the same for all of them; merge checks that.
#SBATCH --job-name=capsim-sweep
#SBATCH --cpus-per-task=4
#SBATCH --mem=2G
#SBATCH --time=01:00:00
#SBATCH --output=capsim-sweep-%A_%a.log
set -euo pipefail

SCENARIO=${1:?usage: sbatch --array=1-N slurm-sweep.sh SCENARIO [capsim sweep args...]}
shift
CAPSIM=${CAPSIM:-capsim}
NAME=$(basename "$SCENARIO" .toml)
OUT=${OUT:-out/$NAME/shards}
K=${SLURM_ARRAY_TASK_ID:?run this with sbatch --array=1-N}
N=${SLURM_ARRAY_TASK_COUNT:?run this with sbatch --array=1-N}

"$CAPSIM" sweep "$SCENARIO" "$@" \
  --shard "$K/$N" \
  --threads "${SLURM_CPUS_PER_TASK:-1}" \
  --quiet \
  --out "$OUT"

# To merge automatically, submit the array and a dependent merge job:
#   jid=$(sbatch --parsable --array=1-16 slurm-sweep.sh scenarios/blackfriday.toml)
#   sbatch --dependency=afterok:$jid --wrap "capsim merge out/blackfriday/shards --out out/blackfriday"
