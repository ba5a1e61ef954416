"""Two sections on the running embedded stack (``make up`` first): a Spark task's own start-up, and a backfill.

- ``task-startup``: a DAG's Spark task is a Spark Connect client (the Spark provider's ``@task.pyspark``). Airflow's
  LocalExecutor forks each task's process from a worker that has imported its supervisor; before its job runs,
  the task imports the DAG package and the provider, builds the session from the ``spark_connect_default``
  connection and sends its first request. A probe does exactly that, ``--probes`` times, against the stack's
  server; the figure is from the fork to the answer of that first request.
- ``backfill``: ``make backfill START=... END=...`` (``python -m local_stack backfill``) for ``--backfill``'s
  dates, timed from the command's start to its end: runs, seconds per run, and what the seed's example month
  (2024-01-01 to 2024-01-31, 186 runs) would take at that pace.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from config.settings import PROJECT_ROOT, get_settings

SEED_MONTH_RUNS = 186

# A LocalExecutor worker has imported Airflow's supervisor when it forks a task's process; the task then does
# what a Spark task does before its job: the DAG package's imports, the session @task.pyspark builds from the
# connection, the first request. The figure is from the fork to that request's answer.
PROBE = """
import json, os, sys, time
import airflow.sdk.execution_time.supervisor
sys.path.insert(0, "dags")
read, write = os.pipe()
if os.fork() == 0:
    forked = time.monotonic()
    import batch_layer_dags.tasks
    from airflow.providers.apache.spark.hooks.spark_connect import SparkConnectHook
    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    conf = SparkConf()
    conf.set("spark.remote", SparkConnectHook("spark_connect_default").get_connection_url())
    spark = SparkSession.builder.config(conf=conf).getOrCreate()
    spark.version
    os.write(write, json.dumps(time.monotonic() - forked).encode())
    os._exit(0)
os.wait()
print(os.read(read, 100).decode())
"""


def task_startup_section(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from local_stack.services import airflow_env

    env = {**os.environ, **airflow_env(get_settings())}
    seconds = []
    for _ in range(args.probes):
        command = [sys.executable, "-c", PROBE]
        probe = subprocess.run(
            command, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False
        )
        if probe.returncode:
            raise RuntimeError(f"the start-up probe failed: {probe.stderr[-500:]}; is the stack up (make up)?")
        seconds.append(round(float(probe.stdout.split()[-1]), 2))
    return {
        "probes": len(seconds),
        "seconds": seconds,
        "median_seconds": statistics.median(seconds),
        "errors": [],
    }


def backfill_section(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    start, end = args.backfill.split(",")
    command = [sys.executable, "-m", "local_stack", "backfill", start, end]
    began = time.monotonic()
    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
    seconds = round(time.monotonic() - began, 1)
    (workdir / "backfill.log").write_text(result.stdout + result.stderr)
    summary = re.search(r"(\d+) of (\d+) runs succeeded", result.stdout)
    succeeded, runs = (int(summary.group(1)), int(summary.group(2))) if summary else (0, 0)
    per_run = round(seconds / runs, 1) if runs else None
    errors = (
        [] if result.returncode == 0 and runs else [f"make backfill ended {result.returncode}: {result.stderr[-500:]}"]
    )
    return {
        "range": [start, end],
        "runs": runs,
        "succeeded": succeeded,
        "seconds": seconds,
        "seconds_per_run": per_run,
        "projected_seed_month_minutes": round(per_run * SEED_MONTH_RUNS / 60, 1) if per_run else None,
        "errors": errors,
    }


if __name__ == "__main__":
    print(json.dumps(task_startup_section(argparse.Namespace(probes=3), Path("."))))
