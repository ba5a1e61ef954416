"""Shared fixtures: one local SparkSession for the whole test session, temporary lakes, free ports."""

from __future__ import annotations

import os
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Tests never read the developer's .env or talk to the real TMDB API, and Airflow keeps its state apart.
os.environ.setdefault("BATCH_TESTING", "1")
_PROJECT = Path(__file__).resolve().parents[1]
os.environ.setdefault("AIRFLOW_HOME", str(Path(tempfile.gettempdir()) / f"batch-layer-tests-airflow-{os.getuid()}"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(_PROJECT / "dags"))
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
for _secret in ("TMDB_API_KEY", "TMDB_READ_ACCESS_TOKEN"):
    os.environ.pop(_secret, None)


@pytest.fixture(scope="session")
def spark():
    from config.settings import load_settings
    from spark_jobs.utils.spark_session import build_spark_session

    os.environ["PYSPARK_PYTHON"] = sys.executable
    settings = load_settings(_env_file=None, spark_shuffle_partitions=1, spark_driver_memory="2g")
    session = build_spark_session(
        settings,
        "batch_layer_tests",
        master="local[2]",
        extra_conf={"spark.ui.enabled": "false", "spark.sql.shuffle.partitions": "1"},
    )
    yield session
    session.stop()


@pytest.fixture
def lake_root(tmp_path: Path) -> str:
    return (tmp_path / "lake").as_uri()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def port() -> Iterator[int]:
    yield free_port()


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """nx-27017 on a free port for the whole test session; yields its connection string."""
    from local_stack import processes
    from local_stack.services import mongo_service

    base = tmp_path_factory.mktemp("mongo")
    service = mongo_service(base / "run", base / "data", free_port())
    processes.start(service)
    try:
        processes.wait_healthy(service)
        yield f"mongodb://127.0.0.1:{service.ports[0]}/moviedb"
    finally:
        processes.stop(service)
