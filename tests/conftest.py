"""Shared fixtures: one local SparkSession for the whole test session, temporary lakes, free ports, and Airflow's
metadata database on a private PostgreSQL cluster, as on the embedded stack."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from config.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# Tests never read the developer's .env or talk to the real TMDB API, and Airflow keeps its state apart.
os.environ.setdefault("BATCH_TESTING", "1")
_PROJECT = Path(__file__).resolve().parents[1]
os.environ.setdefault("AIRFLOW_HOME", str(Path(tempfile.gettempdir()) / f"batch-layer-tests-airflow-{os.getuid()}"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")
os.environ.setdefault("AIRFLOW__CORE__DAGS_FOLDER", str(_PROJECT / "dags"))
os.environ.setdefault("AIRFLOW__CORE__UNIT_TEST_MODE", "True")
# Airflow's metadata database is PostgreSQL, as on the stack: a private cluster on a port of its own, which the
# airflow_db fixture starts for the tests that use a database. Set before anything imports Airflow, and never taken
# from the environment: a test resets that database.
AIRFLOW_DB_PORT = free_port()
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = (
    f"postgresql+psycopg2://airflow:airflow@127.0.0.1:{AIRFLOW_DB_PORT}/airflow"
)
os.environ.pop("AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC", None)
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


def hdfs_on_free_ports(base_dir: Path):
    """A NameNode and three DataNodes of the embedded stack's kind, on free ports under ``base_dir``."""
    from local_stack.hdfs import DataNodePorts, HdfsCluster

    return HdfsCluster(
        base_dir=base_dir,
        namenode_port=free_port(),
        namenode_http_port=free_port(),
        datanodes=tuple(DataNodePorts(free_port(), free_port(), free_port()) for _ in range(3)),
    )


def start_hdfs(cluster, run_dir: Path) -> list:
    """Formats (first time only), starts and waits for the cluster; returns its services."""
    from local_stack import hdfs, processes

    hdfs.write_config(cluster)
    hdfs.format_once(cluster, run_dir / "hdfs-format.log")
    services = hdfs.hdfs_services(run_dir, cluster)
    for service in services:
        processes.start(service)
    for service in services:
        processes.wait_healthy(service)
    return services


@pytest.fixture(scope="session")
def hdfs_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    """A real HDFS (NameNode + three DataNodes) for the whole test session."""
    from local_stack import processes

    base = tmp_path_factory.mktemp("hdfs")
    cluster = hdfs_on_free_ports(base / "hdfs")
    services = start_hdfs(cluster, base / "run")
    try:
        yield cluster
    finally:
        for service in reversed(services):
            processes.stop(service)


@contextlib.contextmanager
def postgres_base_dir() -> Iterator[Path]:
    """A temporary folder for a PostgreSQL cluster. Run as root, the tests' server runs as the postgres system
    user, which must reach the cluster's folder: pytest's own temporary folders (0700, root's) it cannot."""
    base = Path(tempfile.mkdtemp(prefix="batch-layer-postgres-"))
    try:
        base.chmod(0o755)
        yield base
    finally:
        shutil.rmtree(base, ignore_errors=True)


def postgres_settings(base: Path, port: int) -> Settings:
    """The settings of a private PostgreSQL cluster under ``base`` on ``port`` (the stack's role and database)."""
    from config.settings import load_settings

    (base / "data").mkdir(mode=0o755, exist_ok=True)
    return load_settings(
        _env_file=None,
        data_dir=base / "data",
        postgres_port=port,
        postgres_user="airflow",
        postgres_password="airflow",
        postgres_db="airflow",
    )


@pytest.fixture(scope="session")
def airflow_db() -> Iterator[str]:
    """Airflow's metadata database for the tests that run DAGs: the embedded stack's PostgreSQL (a private cluster,
    local_stack.postgres) on the port of AIRFLOW__DATABASE__SQL_ALCHEMY_CONN, with Airflow's role and database;
    yields that URL. The tests migrate or reset the database themselves."""
    from local_stack import postgres, processes

    with postgres_base_dir() as base:
        settings = postgres_settings(base, AIRFLOW_DB_PORT)
        url = postgres.sqlalchemy_url(settings)
        assert url == os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]
        service = postgres.postgres_service(base / "run", settings)
        try:
            postgres.init_cluster(settings, base / "run" / "initdb.log")
            processes.start(service)
            postgres.wait_ready(service, settings)
            yield url
        finally:
            if "airflow.settings" in sys.modules:
                # Airflow's pooled connections close before their server goes (not at exit, on a closed socket).
                sys.modules["airflow.settings"].dispose_orm()
            processes.stop(service)
