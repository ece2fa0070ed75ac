#!/usr/bin/env bash
# CI's check of the scale-out drivers (SPEC §9), on scale/example.toml (9,000 paths: 3
# blocks, importance sampling, purchases, both sizings):
# 1. the PySpark driver in local mode, `local[2,3]` (2 threads, 3 attempts per task), with the
#    first attempt of shard 1 failing: Spark retries it, and the merged folder must be the
#    single run's, byte for byte but for summary.json's `split`;
# 2. the Slurm job array and its dependent merge on a one-node Slurm cluster started here
#    (scale/slurm-ci.conf), checked the same way. Where the Slurm daemons cannot be started
#    the script's steps are run by hand instead (SLURM_ARRAY_TASK_ID set for each shard, then
#    the merge), and the script says so.
#
#   scale/check_drivers.sh BINARY
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 BINARY" >&2; exit 2; }
bin="$(realpath "$1")"
scale="$(cd "$(dirname "$0")" && pwd)"
work="$(mktemp -d)"
started_pids=()
cleanup() {
  for pid in "${started_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
cp "$scale/example.toml" s.toml
"$bin" run s.toml --quiet --out out >/dev/null 2>&1
mv out single

echo "scale: PySpark driver, local[2,3], first attempt of shard 1 failing"
started=$SECONDS
if ! python3 "$scale/spark_shards.py" --master 'local[2,3]' --shards 3 --binary "$bin" \
  --partials spark-partials --out out --fail-first-attempt-of 1 -- s.toml >spark.log 2>&1; then
  tail -40 spark.log
  exit 1
fi
grep -q 'injected failure of attempt 0' spark.log || { echo "the injected failure did not happen"; exit 1; }
python3 "$scale/same_report.py" single out
echo "scale: PySpark driver passed in $((SECONDS - started)) s (one task retried)"
rm -rf out

# a one-node Slurm cluster, when its daemons start here
slurm_up() {
  command -v slurmctld >/dev/null && command -v slurmd >/dev/null && command -v munged >/dev/null || return 1
  export SLURM_CONF="$work/slurm.conf"
  sed "s#/tmp/baitiao-slurm#$work/slurm#g" "$scale/slurm-ci.conf" >"$SLURM_CONF"
  mkdir -p "$work/slurm/state" "$work/slurm/spool"
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    # munged as root needs --force; the Slurm daemons find it at its standard socket
    [ -f /etc/munge/munge.key ] || return 1
    mkdir -p /run/munge /var/log/munge /var/lib/munge
    munged --force 2>/dev/null || return 1
    started_pids+=("$(cat /run/munge/munged.pid)")
  fi
  slurmctld -f "$SLURM_CONF" 2>/dev/null || return 1
  slurmd -f "$SLURM_CONF" -N localhost 2>/dev/null || return 1
  for _ in $(seq 30); do
    sleep 1
    [ -f "$work/slurm/slurmctld.pid" ] && [ -f "$work/slurm/slurmd.pid" ] || continue
    started_pids=("$(cat "$work/slurm/slurmctld.pid")" "$(cat "$work/slurm/slurmd.pid")" "${started_pids[@]}")
    sinfo -h -o %t 2>/dev/null | grep -q idle && return 0
  done
  return 1
}

started=$SECONDS
if slurm_up; then
  echo "scale: Slurm job array on a one-node cluster"
  BAITIAO_ABS="$bin" "$scale/slurm_shards.sh" submit 3 slurm-partials out -- s.toml
  for _ in $(seq 180); do
    sleep 1
    [ -z "$(squeue -h 2>/dev/null)" ] && break
  done
  if [ ! -d out ]; then
    squeue || true
    tail -20 slurm-partials/*.log || true
    echo "the Slurm jobs did not finish"
    exit 1
  fi
  python3 "$scale/same_report.py" single out
  echo "scale: Slurm job array passed in $((SECONDS - started)) s"
else
  echo "scale: no Slurm cluster could be started here: the array script's steps run by hand"
  for i in 0 1 2; do
    SLURM_ARRAY_TASK_ID=$i BAITIAO_ABS="$bin" "$scale/slurm_shards.sh" shard 3 slurm-partials -- s.toml 2>/dev/null
  done
  BAITIAO_ABS="$bin" "$scale/slurm_shards.sh" merge 3 slurm-partials out >/dev/null 2>&1
  python3 "$scale/same_report.py" single out
fi
