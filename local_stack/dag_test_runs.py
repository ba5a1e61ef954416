"""Runs the pipeline DAG for several logical hours with ``dag.test()``, one after another, in one process.

    python -m local_stack.dag_test_runs --progress-fd FD [--go-fd FD] [--simulator URL] [--migrate] HOUR [HOUR ...]

What `make demo` runs, in Airflow's environment (see ``local_stack.services.airflow_env``). `airflow dags test`
does the same for one hour per process, and each process pays Airflow's imports and a parse of the DAG folder
(about ten seconds on a small machine) before its first task. Here they are paid once, and with ``--go-fd`` while
the stack starts: the process parses the DAG folder, migrates the metadata database (``--migrate``: what
`airflow db migrate` does, without importing Airflow in one more process; the stack's PostgreSQL answers before
the process starts), and builds the in-process execution API that ``dag.test()`` runs tasks through (its first
request included); then it waits for a line on that file descriptor before the first hour. Each run is recorded
in Airflow's metadata database like any other, so the UI shows it.

Before each hour the simulator's clock is set to that hour. For each hour a JSON line goes to ``--progress-fd``
when it starts (``{"started": batch_run_id}``) and when it ends (``{"batch_run_id", "state", "seconds"}``); the
runs' own logs go to stdout. The first hour that does not succeed ends the runs, with exit code 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from airflow.api_fastapi.execution_api.app import InProcessExecutionAPI


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack.dag_test_runs", description=__doc__.splitlines()[0])
    parser.add_argument("--progress-fd", type=int, required=True, help="file descriptor for the progress lines")
    parser.add_argument("--go-fd", type=int, help="file descriptor to read a line from before the first hour")
    parser.add_argument("--simulator", help="base URL of the TMDB simulator, whose clock each hour sets")
    parser.add_argument("--migrate", action="store_true", help="migrate the metadata database first")
    parser.add_argument("hours", nargs="+", help="logical hours (ISO-8601), oldest first")
    args = parser.parse_args(argv)

    from airflow.dag_processing.dagbag import DagBag
    from airflow.sdk.execution_time.supervisor import in_process_api_server

    from config.settings import PROJECT_ROOT, get_settings
    from master_dataset.partitioning import LogicalHour
    from master_dataset.simulator.control import set_clock

    dags_folder = PROJECT_ROOT / "dags"
    sys.path.insert(0, str(dags_folder))  # the DAG files import their shared modules from dags/batch_layer_dags
    dag_id = get_settings().pipeline_dag_id
    # The parsed DAGs, not get_dag(), which asks the metadata database (perhaps not migrated yet).
    dag = DagBag(dag_folder=str(dags_folder)).dags.get(dag_id)
    if dag is None:
        raise SystemExit(f"{dag_id} is not in {dags_folder} or failed to parse")
    if args.migrate:
        from airflow.utils.db import upgradedb

        upgradedb()
    _warm_execution_api(in_process_api_server())
    if args.go_fd is not None:
        with os.fdopen(args.go_fd) as go:
            if not go.readline():
                return 1  # the stack did not start: nothing to run

    with os.fdopen(args.progress_fd, "w", buffering=1) as progress:
        for hour in map(LogicalHour.parse, args.hours):
            if args.simulator:
                set_clock(args.simulator, hour.start)
            progress.write(json.dumps({"started": hour.batch_run_id}) + "\n")
            started = time.monotonic()
            run = dag.test(logical_date=hour.start, run_conf={"logical_hour": hour.iso})
            state = str(getattr(run.state, "value", run.state))
            seconds = round(time.monotonic() - started, 1)
            progress.write(json.dumps({"batch_run_id": hour.batch_run_id, "state": state, "seconds": seconds}) + "\n")
            if state != "success":
                return 1
    return 0


def _warm_execution_api(api: InProcessExecutionAPI) -> None:
    """dag.test() runs each task through the in-process execution API, cached once per process. Its first request
    generates the API's versioned routes, about five seconds of the first task on a small machine; a request to
    its health route pays that here, and needs no database."""
    import httpx

    client = httpx.Client(transport=api.transport, base_url="http://in-process.invalid./")
    client.get("/health").raise_for_status()


if __name__ == "__main__":
    sys.exit(main())
