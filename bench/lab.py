"""The benchmark's private services: the TMDB simulator and nx-27017 on free ports, lakes in a temporary folder.

Nothing here touches the embedded stack (``data/``) or its ports: every process is started by this package, in its
own session, recorded by PID and stopped by its process group.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import httpx

from config.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

PYTHON = sys.executable


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def job_env(spark_master: str, **settings: str) -> dict[str, str]:
    """The environment of a job run by hand: this checkout, Spark ``spark_master``, no TMDB key, ``settings``.

    Environment variables override ``.env``, so a developer's ``.env`` (a stack's master, a real key) does not
    leak into the figures.
    """
    return {
        **os.environ,
        "PYTHONPATH": str(PROJECT_ROOT),
        "PYSPARK_PYTHON": PYTHON,
        "SPARK_MASTER_URL": spark_master,
        "TMDB_API_KEY": "",
        "TMDB_READ_ACCESS_TOKEN": "",
        **settings,
    }


@contextmanager
def simulator(
    port: int, latency_ms: float, rate_limit: float, clock: datetime, log_file: Path, movies: int, people: int
) -> Iterator[str]:
    """The TMDB simulator in its own process, its output in ``log_file``; yields its API base URL."""
    argv = [PYTHON, "-m", "master_dataset.simulator", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--movies", str(movies), "--people", str(people), "--latency-ms", str(latency_ms)]
    argv += ["--rate-limit", str(rate_limit), "--clock", clock.isoformat(), "--log-level", "WARNING"]
    with log_file.open("ab") as stream:
        process = subprocess.Popen(
            argv, cwd=PROJECT_ROOT, stdout=stream, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        _wait_http(f"http://127.0.0.1:{port}/health", process, timeout=90)
        log.info(
            "simulator up on port %d (pid %d, %g ms latency, limit %g/s)", port, process.pid, latency_ms, rate_limit
        )
        yield f"http://127.0.0.1:{port}/3"
    finally:
        _stop_group(process)


def _wait_http(url: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the process exited with code {process.returncode} during start")
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def _stop_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextmanager
def mongo(workdir: Path) -> Iterator[str]:
    """A fresh nx-27017 with its data under ``workdir``; yields ``mongodb://127.0.0.1:PORT``."""
    from local_stack import processes
    from local_stack.services import mongo_service

    service = mongo_service(workdir / "run", workdir / "data", free_port())
    processes.start(service)
    try:
        processes.wait_healthy(service)
        log.info("nx-27017 up on port %d, data in %s", service.ports[0], workdir / "data")
        yield f"mongodb://127.0.0.1:{service.ports[0]}"
    finally:
        processes.stop(service)


def mongo_settings(server: str, database: str) -> dict[str, str]:
    """The settings that point the exporter at ``database`` on ``server``."""
    return {"MONGODB_CONNECTION_STRING": f"{server}/{database}", "MONGODB_DATABASE": database}


def local_path(lake_root: str) -> Path:
    """The folder of a ``file://`` lake (the benchmark's lakes are temporary local folders)."""
    parsed = urlparse(lake_root)
    if parsed.scheme != "file":
        raise ValueError(f"the benchmark's lakes are file:// folders, got {lake_root}")
    return Path(unquote(parsed.path))


def read_run_record(lake_root: str, record: str, batch_run_id: str) -> dict[str, Any] | None:
    """A job's run record (``metadata/<record>/batch_run_id=R/run.json``) of a benchmark lake, if written."""
    path = local_path(lake_root) / "metadata" / record / f"batch_run_id={batch_run_id}" / "run.json"
    try:
        found = json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def served_run(server: str, database: str, batch_run_id: str) -> dict[str, Any]:
    """The export's ``batch_runs`` record of a run and the documents it serves, from a benchmark nx-27017."""
    from pymongo import MongoClient

    with MongoClient(server, serverSelectionTimeoutMS=5000) as client:
        db = client[database]
        record = db.batch_runs.find_one({"_id": batch_run_id}) or {}
        documents = db.batch_views.count_documents({"batch_run_id": batch_run_id})
    return {
        "status": record.get("status"),
        "documents": documents,
        "documents_by_view": record.get("counts", {}),
        "export_seconds_in_job": record.get("duration_seconds"),
    }
