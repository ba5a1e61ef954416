"""Two sections on the running embedded stack (``make up`` first): a Spark task's own start-up, and a backfill.

- ``task-startup``: a DAG's Spark task is a Spark Connect client (the Spark provider's ``@task.pyspark``). Before
  its job runs, its process imports the DAG package and the provider, builds the session from the
  ``spark_connect_default`` connection and sends its first request. A fresh Python does exactly that, ``--probes``
  times, against the stack's server; the figure is from the process's start (its creation time) to the answer of
  that first request. Airflow forks its task processes from a supervisor that has imported Airflow already, so a
  real task starts at least this fast.
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

import psutil

from config.settings import PROJECT_ROOT, get_settings

SEED_MONTH_RUNS = 186

# What a Spark task does before its job: the DAG package's imports, then the session @task.pyspark builds.
PROBE = """
import time
import batch_layer_dags.tasks
from airflow.providers.apache.spark.hooks.spark_connect import SparkConnectHook
from pyspark import SparkConf
from pyspark.sql import SparkSession

conf = SparkConf()
conf.set("spark.remote", SparkConnectHook("spark_connect_default").get_connection_url())
spark = SparkSession.builder.config(conf=conf).getOrCreate()
spark.version
print(time.time())
"""


def task_startup_section(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from local_stack.services import airflow_env

    settings = get_settings()
    env = {**os.environ, **airflow_env(settings)}
    seconds = []
    for _ in range(args.probes):
        probe = subprocess.Popen(
            [sys.executable, "-c", PROBE], env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True
        )
        started = psutil.Process(probe.pid).create_time()
        output, _ = probe.communicate(timeout=120)
        if probe.returncode:
            raise RuntimeError(f"the start-up probe failed (exit {probe.returncode}); is the stack up (make up)?")
        seconds.append(round(float(output.split()[-1]) - started, 2))
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
