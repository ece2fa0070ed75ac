#!/usr/bin/env bash
# Runs a baitiao-abs run (or frontier) as a Slurm job array of K shards, with the merge as a
# job that starts only when every shard succeeded (SPEC §9).
#
#   scale/slurm_shards.sh submit K PARTIALS OUT -- SCENARIO [run flags]
#       submits `sbatch --array=0-(K-1)` of this script's `shard` step, then
#       `sbatch --dependency=afterok:JOBID` of its `merge` step; prints both job ids.
#   scale/slurm_shards.sh shard K PARTIALS -- SCENARIO [run flags]
#       one array task: `baitiao-abs run ... --shard auto/K --partial-out PARTIALS/shard-I`,
#       I from SLURM_ARRAY_TASK_ID (0-based: the array is 0-(K-1)).
#   scale/slurm_shards.sh merge K PARTIALS OUT
#       `baitiao-abs merge PARTIALS/shard-0 ... PARTIALS/shard-(K-1) --out OUT`.
#
# Set FRONTIER=1 to shard a frontier's policy points (`frontier ... --point auto/K`; give
# `--applicants FILE` among the flags). The binary is $BAITIAO_ABS (default: baitiao-abs on
# PATH); PARTIALS, OUT and the scenario's files must be on a file system every node sees, at
# the same paths; each step runs in the folder `submit` ran in (sbatch's default). Extra
# sbatch options (partition, time, memory) go in $SBATCH_OPTIONS. $SBATCH names sbatch
# (for a test double). A failed shard can be resubmitted alone (`sbatch --array=I ...`): a
# rerun replaces its partial.
set -euo pipefail

BIN="${BAITIAO_ABS:-baitiao-abs}"
SBATCH="${SBATCH:-sbatch}"
step="${1:-}"
shift || true

usage() {
  sed -n '2,22p' "$0" >&2
  exit 2
}

# the shard command and flag of a run or a frontier
if [ "${FRONTIER:-0}" = 1 ]; then command=frontier; flag=--point; else command=run; flag=--shard; fi

case "$step" in
  submit)
    [ $# -ge 5 ] && [ "$4" = "--" ] || usage
    k="$1" partials="$2" out="$3"
    shift 4
    case "$k" in '' | *[!0-9]* | 0) echo "error: K must be a whole number from 1: $k" >&2; exit 2 ;; esac
    mkdir -p "$partials"
    # shellcheck disable=SC2086
    array=$("$SBATCH" --parsable ${SBATCH_OPTIONS:-} --job-name=baitiao-shards \
      --array="0-$((k - 1))" --output="$partials/shard-%a.log" \
      "$0" shard "$k" "$partials" -- "$@")
    array="${array%%;*}"
    # shellcheck disable=SC2086
    merge=$("$SBATCH" --parsable ${SBATCH_OPTIONS:-} --job-name=baitiao-merge \
      --dependency="afterok:$array" --output="$partials/merge.log" \
      "$0" merge "$k" "$partials" "$out")
    echo "shards: job array $array (0-$((k - 1))); merge: job ${merge%%;*} after all succeed"
    ;;
  shard)
    [ $# -ge 4 ] && [ "$3" = "--" ] || usage
    k="$1" partials="$2"
    shift 3
    index="${SLURM_ARRAY_TASK_ID:?shard: SLURM_ARRAY_TASK_ID is not set (not a job array task)}"
    # the index comes from the same variable through `auto/K`, which checks it
    exec "$BIN" "$command" "$@" "$flag" "auto/$k" --partial-out "$partials/shard-$index"
    ;;
  merge)
    [ $# -eq 3 ] || usage
    k="$1" partials="$2" out="$3"
    folders=()
    for ((i = 0; i < k; i++)); do folders+=("$partials/shard-$i"); done
    exec "$BIN" merge "${folders[@]}" --out "$out"
    ;;
  *) usage ;;
esac
