"""The "stack" section: end to end on the running embedded stack (``make up``), and the stack's memory.

Triggers ``tmdb_batch_pipeline`` through Airflow's REST API for the latest schedule boundary, follows it to its
end while polling ``moviedb.batch_views`` until the run's documents are all served, and reports the seconds from
the trigger to the last document. Meanwhile a thread sums the PSS of every service's process tree (the PIDs of
the stack's pid files and all their children: Airflow's task runners, the Spark drivers they submit, the
executors the worker forks) every 0.5 s: the stack's memory at rest before the trigger, and its peak.
"""

from __future__ import annotations

import argparse
import logging
import time
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from airflow_client.client import ApiClient, DAGApi, DAGPatchBody, DagRunApi, TriggerDAGRunPostBody

from bench.measure import PeakSampler, tree_memory
from config.settings import Settings, get_settings
from local_stack.airflow_api import TIMEOUT, connect
from local_stack.stack import EmbeddedStack
from master_dataset.partitioning import LogicalHour

log = logging.getLogger(__name__)

GIB = 2**30
SAMPLE_SECONDS = 0.5
DOCUMENTS_GRACE_SECONDS = 120  # after the DAG's end, how long to wait for the run's documents


class StackNotUp(RuntimeError):
    """The embedded stack is not running or not healthy."""


def stack_pids(stack: EmbeddedStack) -> dict[str, int]:
    """The PID of every running service, from the stack's pid files; raises when a service is not healthy."""
    pids, down = {}, []
    for service, pid, healthy in stack.status():
        if pid is None or not healthy:
            down.append(service.name)
        else:
            pids[service.name] = pid
    if down:
        raise StackNotUp(f"services not running or not healthy: {', '.join(down)}; start the stack with make up")
    return pids


def process_environment(pid: int | None) -> dict[str, str]:
    """A running process's environment (empty when it cannot be read)."""
    if pid is None:
        return {}
    try:
        return dict(psutil.Process(pid).environ())
    except psutil.Error:
        return {}


def stack_section(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    settings = get_settings()
    stack = EmbeddedStack(settings)
    pids = stack_pids(stack)
    log.info("embedded stack up: %s", ", ".join(f"{name} {pid}" for name, pid in pids.items()))
    with PeakSampler(lambda: tree_memory(pids.values()), SAMPLE_SECONDS) as rest:
        time.sleep(args.rest_seconds)
    by_service = {name: round(tree_memory([pid]) / 2**20) for name, pid in pids.items()}
    hour = (
        LogicalHour.parse(args.stack_logical_date)
        if args.stack_logical_date
        # The current hour, as make trigger-dag runs: newer than anything served, so its documents replace them
        # (a re-run of an hour already served leaves the served documents as they are).
        else LogicalHour.of(datetime.now(UTC))
    )
    with PeakSampler(lambda: tree_memory(pids.values()), SAMPLE_SECONDS) as busy:
        end_to_end = run_end_to_end(settings, hour, args.stack_timeout)
    scheduler_env = process_environment(pids.get("airflow-scheduler"))
    return {
        "scale": {
            # What the stack's tasks run with: the environment the scheduler was started with, else the defaults.
            "tmdb_pages": int(scheduler_env.get("TMDB_PAGES", settings.tmdb_pages)),
            "tmdb_rate_limit": float(scheduler_env.get("TMDB_RATE_LIMIT", settings.tmdb_rate_limit)),
            "uses_simulator": settings.uses_simulator,
            "lake_root": settings.lake_root,
            "spark_worker": f"{settings.spark_worker_cores} cores, {settings.spark_worker_memory}",
            "airflow_parallelism": settings.airflow_parallelism,
        },
        "end_to_end": end_to_end,
        "memory": {
            "services": sorted(pids),
            "at_rest_gib": round(rest.mean / GIB, 2),
            "at_rest_by_service_mb": by_service,
            "peak_gib": round(busy.peak / GIB, 2),
            "samples": len(busy.samples),
            "timeline": _timeline(busy.samples),
        },
        "errors": _problems(end_to_end),
    }


def _problems(end_to_end: dict[str, Any]) -> list[str]:
    problems = [] if end_to_end["state"] == "success" else [f"the run ended {end_to_end['state']}"]
    if end_to_end["seconds_to_last_document"] is None:
        problems.append(f"the documents of {end_to_end['batch_run_id']} were not all served")
    return problems


def _timeline(samples: list[tuple[float, int]], points: int = 120) -> list[list[float]]:
    """At most ``points`` (seconds since start, GiB) pairs of the samples, for the chart."""
    if not samples:
        return []
    start, step = samples[0][0], max(1, len(samples) // points)
    return [[round(at - start, 1), round(value / GIB, 3)] for at, value in samples[::step]]


def api(settings: Settings) -> AbstractContextManager[ApiClient]:
    return connect(
        f"http://127.0.0.1:{settings.airflow_api_port}",
        settings.airflow_admin_username,
        settings.airflow_admin_password.get_secret_value(),
    )


def run_end_to_end(settings: Settings, hour: LogicalHour, timeout: float) -> dict[str, Any]:
    """Trigger, follow, and time the run until its last document is served."""
    dag_id = settings.pipeline_dag_id
    if settings.uses_simulator:
        from master_dataset.simulator.control import set_clock

        # As make demo does: the run is a live run of its hour.
        set_clock(f"http://127.0.0.1:{settings.tmdb_simulator_port}", hour.start)
    already = served_documents(settings, hour)
    if already:
        raise StackNotUp(
            f"{hour.batch_run_id} is already served ({already} documents): its re-run would leave them as they are "
            "and time nothing; pass --stack-logical-date with a newer hour"
        )
    with api(settings) as client:
        DAGApi(client).patch_dag(dag_id, DAGPatchBody(is_paused=False), ["is_paused"], _request_timeout=TIMEOUT)
        started = time.monotonic()
        body = TriggerDAGRunPostBody(logical_date=datetime.now(UTC), conf={"logical_hour": hour.iso})
        run_id = DagRunApi(client).trigger_dag_run(dag_id, body, _request_timeout=TIMEOUT).dag_run_id
        log.info("triggered %s run %s for %s", dag_id, run_id, hour.batch_run_id)
        found = follow(client, dag_id, run_id, settings, hour, started, timeout)
        info = DagRunApi(client).get_dag_run(dag_id, run_id, _request_timeout=TIMEOUT)
    return {
        "dag_id": dag_id,
        "run_id": run_id,
        "batch_run_id": hour.batch_run_id,
        "run_start_date": info.start_date.isoformat() if info.start_date else None,
        "run_end_date": info.end_date.isoformat() if info.end_date else None,
        **found,
    }


def served_documents(settings: Settings, hour: LogicalHour) -> int:
    from pymongo import MongoClient

    with MongoClient(settings.mongodb_connection_string.get_secret_value(), serverSelectionTimeoutMS=5000) as mongo:
        return mongo[settings.mongodb_database].batch_views.count_documents({"batch_run_id": hour.batch_run_id})


def follow(
    client: ApiClient,
    dag_id: str,
    run_id: str,
    settings: Settings,
    hour: LogicalHour,
    started: float,
    timeout: float,
) -> dict[str, Any]:
    """Polls the run's state and its served documents each second until both are final."""
    from pymongo import MongoClient

    state, served_at, dag_done_at, documents = "queued", None, None, 0
    deadline = started + timeout
    with MongoClient(settings.mongodb_connection_string.get_secret_value(), serverSelectionTimeoutMS=5000) as mongo:
        db = mongo[settings.mongodb_database]
        while time.monotonic() < deadline:
            if dag_done_at is None:
                state = DagRunApi(client).get_dag_run(dag_id, run_id, _request_timeout=TIMEOUT).state.value
                if state in {"success", "failed"}:
                    dag_done_at = time.monotonic()
                    log.info("run %s %s after %.0f s", run_id, state, dag_done_at - started)
            record = db.batch_runs.find_one({"_id": hour.batch_run_id}, {"status": 1, "total_documents": 1}) or {}
            # The export records the run complete after its last write (it writes only the changed documents, so
            # the documents naming the run are not all the run serves).
            if served_at is None and record.get("status") == "complete":
                documents = int(record["total_documents"])
                served_at = time.monotonic()
                log.info("%d documents of %s served after %.0f s", documents, hour.batch_run_id, served_at - started)
            if state == "failed" or (dag_done_at is not None and served_at is not None):
                break
            if dag_done_at is not None and time.monotonic() - dag_done_at > DOCUMENTS_GRACE_SECONDS:
                log.warning("run %s ended but its documents are not all served (%d so far)", run_id, documents)
                break
            time.sleep(1.0)
    return {
        "state": state if dag_done_at is not None else "timeout",
        "seconds_to_dag_end": round(dag_done_at - started, 1) if dag_done_at else None,
        "seconds_to_last_document": round(served_at - started, 1) if served_at else None,
        "documents": documents,
    }
