"""`make demo`: the whole pipeline through Airflow for a short history of logical hours, against the TMDB
simulator, on the embedded stack; then a run summary and the seed's sample queries.

Each hour runs as `airflow dags test tmdb_batch_pipeline <hour>`: Airflow executes the DAG's tasks in order
(the Spark ones through SparkSubmitOperator, as clients of the stack's Spark Connect server) and records the
run in its metadata, so the runs are visible in the UI afterwards. Before each hour the simulator's clock is
set to that hour, so the history is what TMDB would have answered then. The stack keeps running with its data for
`make trigger-dag`, the UI and mongosh.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from config.settings import PROJECT_ROOT, Settings
from local_stack import processes
from local_stack.services import VENV_BIN, airflow_env
from local_stack.stack import EmbeddedStack
from master_dataset.partitioning import LogicalHour

log = logging.getLogger(__name__)

# The seed's "test run" (2 pages a list) at a rate the simulator allows: a run takes about a minute.
DEMO_SETTINGS = {
    "TMDB_PAGES": "2",
    "TMDB_RATE_LIMIT": "40",
    "TMDB_API_KEY": "",
    "TMDB_READ_ACCESS_TOKEN": "",
    "TMDB_BASE_URL": "https://api.themoviedb.org/3",
}


@dataclass(frozen=True)
class DemoRun:
    hour: LogicalHour
    state: str
    seconds: float
    log_file: Path


def demo_hours(now: datetime, runs: int, interval_hours: int) -> list[LogicalHour]:
    """The last `runs` schedule boundaries up to `now`, oldest first."""
    latest = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    latest -= timedelta(hours=latest.hour % interval_hours)
    return [LogicalHour.of(latest - timedelta(hours=interval_hours * back)) for back in reversed(range(runs))]


def run_hour(settings: Settings, hour: LogicalHour, log_dir: Path) -> DemoRun:
    from master_dataset.simulator.control import set_clock

    set_clock(f"http://127.0.0.1:{settings.tmdb_simulator_port}", hour.start)
    log_file = log_dir / f"demo-{hour.batch_run_id}.log"
    env = {**os.environ, **airflow_env(settings), **DEMO_SETTINGS}
    started = time.monotonic()
    with log_file.open("wb") as stream:
        result = subprocess.run(
            [
                str(VENV_BIN / "airflow"),
                "dags",
                "test",
                settings.pipeline_dag_id,
                hour.iso,
                "--conf",
                json.dumps({"logical_hour": hour.iso}),
            ],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=stream,
            stderr=subprocess.STDOUT,
            check=False,
        )
    state = recorded_state(settings, hour) if result.returncode == 0 else "failed"
    return DemoRun(hour, state, time.monotonic() - started, log_file)


def recorded_state(settings: Settings, hour: LogicalHour) -> str:
    """The state Airflow recorded for the hour's latest run (`airflow dags test` exits 0 on a failed run too)."""
    from local_stack.airflow_api import AirflowAPI

    client = AirflowAPI(
        f"http://127.0.0.1:{settings.airflow_api_port}",
        settings.airflow_admin_username,
        settings.airflow_admin_password.get_secret_value(),
    )
    runs = client.runs_between(settings.pipeline_dag_id, hour.start, hour.start)
    if not runs:
        return "not recorded"
    return str(max(runs, key=lambda run: run.get("start_date") or "")["state"])


def main(runs: int = 2) -> int:
    from config.settings import get_settings

    os.environ.update(DEMO_SETTINGS)
    get_settings.cache_clear()
    settings = get_settings()
    started = time.monotonic()
    stack = EmbeddedStack(settings)
    print("demo: starting the embedded stack (make up)")
    stack.up()

    hours = demo_hours(datetime.now(UTC), runs, settings.batch_interval_hours)
    print(f"demo: running {settings.pipeline_dag_id} for {', '.join(h.batch_run_id for h in hours)}")
    results = []
    for hour in hours:
        print(f"demo: {hour.batch_run_id} ...", flush=True)
        result = run_hour(settings, hour, stack.run_dir)
        results.append(result)
        print(f"demo: {hour.batch_run_id} {result.state} in {result.seconds:.0f} s (log: {result.log_file})")
        if result.state != "success":
            print(processes.tail(result.log_file, 60), file=sys.stderr)
            return 1
    from batch_views.serving import MongoTarget, mongosh_argv
    from local_stack.summary import print_summary

    print_summary(settings, [result.hour for result in results])
    print("\n== The seed's sample queries (make mongo-query-views) ==", flush=True)
    target = MongoTarget.from_settings(settings)
    subprocess.run(
        mongosh_argv("query-views", target), env={**os.environ, "MONGODB_DATABASE": target.database}, check=False
    )
    print(
        f"\ndemo: done in {time.monotonic() - started:.0f} s. The stack keeps running with its data: "
        "make ui, make trigger-dag, make mongo-shell; make down stops it."
    )
    return 0
