#!/usr/bin/env python3
"""Runs a baitiao-abs run (or frontier) as K shards on Spark, then merges them (SPEC §9).

The shards are a DataFrame over range(K) whose mapInArrow calls the binary once per shard
(`run ... --shard I/K --partial-out PARTIALS/shard-I`); the merge runs on the driver
(`merge PARTIALS/shard-* --out OUT`). Only the DataFrame API is used — no RDD, no
SparkContext — so the same script runs in local mode, on a cluster, on Spark Connect
(`--remote sc://host:15002`) and on Databricks serverless (where a session exists already).

What the executors need:
- the binary: on PATH (a wheel built with maturin's `bin` bindings, `pip install`ed on the
  cluster: see scale/pyproject.toml and the README), or `--binary /shared/path/baitiao-abs`;
- the scenario and the files it names, at the same paths as on the driver (a shared file
  system: NFS, a Databricks volume or workspace files); `--workdir` is the folder relative
  paths are resolved from, on the driver and on every executor alike;
- PARTIALS, a folder on that shared file system, where each shard writes its partial.

A shard that fails is retried by Spark (`spark.task.maxFailures`; in local mode
`local[N,F]`: F attempts): a rerun replaces the shard's partial, so retries and speculative
attempts are safe. `--fail-first-attempt-of I` makes the first attempt of shard I fail, to
test exactly that.

Example (local mode, 2 threads, 3 attempts per task):
    python3 scale/spark_shards.py --master 'local[2,3]' --shards 4 \\
        --partials /tmp/base-partials --out reports/base -- scenarios/base.toml
"""

import argparse
import os
import shutil
import subprocess
import sys
import time

# the schema of what each shard task returns: its index, partial folder, seconds, log tail
RESULT_SCHEMA = "shard long, partial string, seconds double, log string"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        usage="%(prog)s [options] -- SCENARIO [run or frontier flags]",
    )
    parser.add_argument("--shards", type=int, required=True, help="K, the number of shards")
    parser.add_argument(
        "--partials",
        required=True,
        help="shared folder for the partials (shard I writes PARTIALS/shard-I)",
    )
    parser.add_argument("--out", help="merge's report folder (default: as run's)")
    parser.add_argument(
        "--binary",
        default=None,
        help="the baitiao-abs binary, the same path on the driver and the executors "
        "(default: baitiao-abs on PATH)",
    )
    parser.add_argument(
        "--workdir",
        default=os.getcwd(),
        help="folder the binary runs in, on the driver and every executor (default: here)",
    )
    parser.add_argument(
        "--frontier",
        action="store_true",
        help="shard a frontier's policy points (frontier --point) instead of a run's paths",
    )
    parser.add_argument(
        "--master", help="Spark master for a new local session, e.g. 'local[2,3]'"
    )
    parser.add_argument("--remote", help="Spark Connect URL, e.g. sc://host:15002")
    parser.add_argument(
        "--fail-first-attempt-of",
        type=int,
        default=None,
        metavar="I",
        help="test the retry: the first attempt of shard I fails before it starts",
    )
    parser.add_argument("args", nargs=argparse.REMAINDER, help="SCENARIO and its flags")
    options = parser.parse_args(argv)
    if options.args and options.args[0] == "--":
        options.args = options.args[1:]
    if not options.args:
        parser.error("give the scenario (and run's flags) after --")
    if options.shards < 1:
        parser.error("--shards must be at least 1")
    return options


def shard_command(binary, options, index):
    """The command line of shard `index` (its progress lines go to its stderr, its log)."""
    command = "frontier" if options.frontier else "run"
    flag = "--point" if options.frontier else "--shard"
    return [
        binary,
        command,
        *options.args,
        flag,
        f"{index}/{options.shards}",
        "--partial-out",
        partial_folder(options.partials, index),
    ]


def partial_folder(partials, index):
    return os.path.join(partials, f"shard-{index}")


def run_shards_task(binary, options):
    """The function mapInArrow runs on each partition: one shard per row of range(K)."""
    fail_first = options.fail_first_attempt_of

    def task(batches):
        import pyarrow as pa
        from pyspark import TaskContext

        context = TaskContext.get()
        attempt = context.attemptNumber() if context is not None else 0
        for batch in batches:
            shards, folders, seconds, logs = [], [], [], []
            for index in batch.column("id").to_pylist():
                if fail_first == index and attempt == 0:
                    raise RuntimeError(f"shard {index}: injected failure of attempt 0")
                started = time.monotonic()
                done = subprocess.run(
                    shard_command(binary, options, index),
                    cwd=options.workdir,
                    capture_output=True,
                    text=True,
                )
                if done.returncode != 0:
                    # the task fails, and Spark retries it: a rerun replaces the partial
                    raise RuntimeError(
                        f"shard {index}/{options.shards} exited with {done.returncode}: "
                        + done.stderr[-2000:]
                    )
                shards.append(index)
                folders.append(done.stdout.strip())
                seconds.append(time.monotonic() - started)
                logs.append(done.stderr[-2000:])
            yield pa.RecordBatch.from_pydict(
                {"shard": shards, "partial": folders, "seconds": seconds, "log": logs},
                schema=pa.schema(
                    [
                        ("shard", pa.int64()),
                        ("partial", pa.string()),
                        ("seconds", pa.float64()),
                        ("log", pa.string()),
                    ]
                ),
            )

    return task


def session(options):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("baitiao-abs shards")
    if options.remote:
        builder = builder.remote(options.remote)
    elif options.master:
        builder = builder.master(options.master)
        if options.master.startswith("local"):
            # local mode talks to itself only: no network address, no web UI
            builder = (
                builder.config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.ui.enabled", "false")
            )
    builder = builder.config("spark.ui.showConsoleProgress", "false")
    return builder.getOrCreate()


def main(argv):
    options = parse_args(argv)
    binary = options.binary or shutil.which("baitiao-abs")
    if binary is None:
        sys.exit("error: no baitiao-abs on PATH: give --binary (see scale/README in the README)")
    binary = os.path.abspath(binary) if os.path.sep in binary else binary
    options.partials = os.path.abspath(options.partials)
    options.workdir = os.path.abspath(options.workdir)
    os.makedirs(options.partials, exist_ok=True)

    spark = session(options)
    k = options.shards
    started = time.monotonic()
    rows = (
        spark.range(k, numPartitions=k)
        .mapInArrow(run_shards_task(binary, options), RESULT_SCHEMA)
        .collect()
    )
    print(
        f"spark: {len(rows)} shards in {time.monotonic() - started:.1f} s", file=sys.stderr
    )
    for row in sorted(rows, key=lambda r: r.shard):
        print(f"  shard {row.shard}/{k}: {row.seconds:.1f} s -> {row.partial}", file=sys.stderr)
        for line in row.log.splitlines():
            print(f"    {line}", file=sys.stderr)
    spark.stop()

    merge = [binary, "merge", *[partial_folder(options.partials, i) for i in range(k)]]
    if options.out:
        merge += ["--out", options.out]
    done = subprocess.run(merge, cwd=options.workdir)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
