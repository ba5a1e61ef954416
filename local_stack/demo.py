"""`make demo`: the whole pipeline through Airflow for a short history of logical hours, against the TMDB
simulator, on the embedded stack; then a run summary and the seed's sample queries.

The hours run one after another with `dag.test()` in one Airflow process (local_stack.dag_test_runs), as
`airflow dags test tmdb_batch_pipeline <hour>` would run each: Airflow executes the DAG's tasks in order (the
Spark ones with the Spark provider's @task.pyspark, as clients of the stack's Spark Connect server) and records
the run in its metadata, so the runs are visible in the UI afterwards. The first hour starts as soon as the services it
needs are healthy. The Airflow services (api-server, scheduler, DAG processor, triggerer) are not among them:
they start after the last hour, and boot while the summary prints. Before each hour the simulator's clock is
set to that hour, so the history is what TMDB would have answered then. The stack keeps running with its data
for `make trigger-dag`, the UI and mongosh.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
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


# The catalogue mode over a small simulated catalogue: its first load fetches every movie's details (about a
# minute at this rate), the lists and the export then observe all of them. The simulator takes the size when
# it starts: on a stack already running with another catalogue, make down-v first.
FULL_CATALOGUE_SETTINGS = {
    "TMDB_CATALOGUE": "full",
    "TMDB_SIMULATOR_MOVIES": "2000",
    "TMDB_FILES_BASE_URL": "https://files.tmdb.org",
}


@dataclass(frozen=True)
class DemoRun:
    batch_run_id: str
    state: str
    seconds: float


def demo_hours(now: datetime, runs: int, interval_hours: int) -> list[LogicalHour]:
    """The last `runs` schedule boundaries up to `now`, oldest first."""
    latest = now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    latest -= timedelta(hours=latest.hour % interval_hours)
    return [LogicalHour.of(latest - timedelta(hours=interval_hours * back)) for back in reversed(range(runs))]


def run_hours(
    settings: Settings,
    hours: list[LogicalHour],
    log_file: Path,
    start_stack: Callable[[], None],
) -> Iterator[DemoRun]:
    """Runs the pipeline for each hour with `dag.test()` in one Airflow process (local_stack.dag_test_runs),
    printing each hour as it starts and yielding it when it ends; the runs' logs go to ``log_file``.

    The process starts first: it parses the DAGs and migrates the metadata database (which must answer already)
    while ``start_stack`` starts the services; once ``start_stack`` has returned, it runs the hours."""
    progress_read, progress_write = os.pipe()
    go_read, go_write = os.pipe()
    command = [
        str(VENV_BIN / "python"),
        "-m",
        "local_stack.dag_test_runs",
        "--progress-fd",
        str(progress_write),
        "--go-fd",
        str(go_read),
        "--simulator",
        f"http://127.0.0.1:{settings.tmdb_simulator_port}",
        "--migrate",
        *(hour.iso for hour in hours),
    ]
    env = {**os.environ, **airflow_env(settings)}
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("wb") as stream:
        process = subprocess.Popen(
            command,
            env=env,
            cwd=PROJECT_ROOT,
            stdout=stream,
            stderr=subprocess.STDOUT,
            pass_fds=(progress_write, go_read),
        )
    os.close(progress_write)
    os.close(go_read)
    try:
        start_stack()
        os.write(go_write, b"go\n")
    except BrokenPipeError:
        pass  # the process ended before its first hour: its exit code and log say why (below)
    except BaseException:
        process.terminate()
        raise
    finally:
        os.close(go_write)
    with os.fdopen(progress_read) as progress:
        for line in progress:
            event = json.loads(line)
            if "started" in event:
                print(f"demo: {event['started']} ...", flush=True)
            else:
                yield DemoRun(event["batch_run_id"], event["state"], event["seconds"])
    if process.wait() != 0:
        yield DemoRun("", "failed", 0.0)


def main(runs: int = 2, catalogue: str = "lists") -> int:
    from config.settings import get_settings

    os.environ.update(DEMO_SETTINGS)
    if catalogue == "full":
        os.environ.update(FULL_CATALOGUE_SETTINGS)
    get_settings.cache_clear()
    settings = get_settings()
    started = time.monotonic()
    stack = EmbeddedStack(settings)
    hours = demo_hours(datetime.now(UTC), runs, settings.batch_interval_hours)

    def start_stack() -> None:
        # dag.test() runs the tasks itself: the Airflow services start after the runs (below). The runs' process
        # migrates the Airflow database: it imports Airflow anyway.
        stack.up(with_airflow=False, migrate=False)
        print(f"demo: running {settings.pipeline_dag_id} for {', '.join(h.batch_run_id for h in hours)}", flush=True)

    print("demo: starting the embedded stack (make up)", flush=True)
    # The runs' process migrates the Airflow database as soon as it has parsed the DAGs: its PostgreSQL answers,
    # with Airflow's role and database, before that process starts.
    stack.start_postgres()
    stack.wait_for_postgres()
    log_file = stack.run_dir / "demo-runs.log"
    for result in run_hours(settings, hours, log_file, start_stack):
        if result.state != "success":
            print(f"demo: {result.batch_run_id or 'the runs'} {result.state} (log: {log_file})", file=sys.stderr)
            print(processes.tail(log_file, 60), file=sys.stderr)
            return 1
        print(f"demo: {result.batch_run_id} success in {result.seconds:.0f} s (log: {log_file})")
    # The Airflow services are for what comes after the demo (the UI, make trigger-dag). Booting them while the
    # runs went on took CPU from the runs' tasks, about ten seconds of each hour on two cores; now they boot
    # while the summary prints.
    stack.start_airflow()
    from batch_views.serving import MongoTarget, mongosh_argv
    from local_stack.summary import print_summary

    print_summary(settings, hours)
    print("\n== The seed's sample queries (make mongo-query-views) ==", flush=True)
    target = MongoTarget.from_settings(settings)
    subprocess.run(
        mongosh_argv("query-views", target), env={**os.environ, "MONGODB_DATABASE": target.database}, check=False
    )
    stack.wait_for_airflow()
    print(
        f"\ndemo: done in {time.monotonic() - started:.0f} s. The stack keeps running with its data: "
        "make ui, make trigger-dag, make mongo-shell; make down stops it."
    )
    return 0
