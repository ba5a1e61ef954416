"""The embedded stack's services for real: a Spark standalone master and worker and nx-27017 on free ports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from pymongo import MongoClient

from config.settings import PROJECT_ROOT, Settings
from local_stack import processes
from local_stack.services import VENV_BIN, alive_workers, mongo_service, spark_connect_service, spark_services
from tests.conftest import free_port

pytestmark = pytest.mark.integration


def spark_submit(*args: str) -> None:
    """Runs spark-submit with the project importable (the jobs under tests/jobs use its modules); fails the
    test with the tail of its output when it exits non-zero."""
    submitted = subprocess.run(
        [str(VENV_BIN / "spark-submit"), *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        # spark-submit finds Spark through PYSPARK_PYTHON (else the python3 on PATH, which may lack pyspark).
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PYSPARK_PYTHON": sys.executable},
    )
    assert submitted.returncode == 0, submitted.stderr[-3000:]


def test_spark_cluster_and_mongo_run_a_job_then_stop_without_leftovers(tmp_path: Path) -> None:
    run_dir = tmp_path / "run"
    master_port, ui_port, worker_ui_port, mongo_port = (free_port() for _ in range(4))
    master, worker = spark_services(run_dir, tmp_path / "spark", master_port, ui_port, 1, "1g", worker_ui_port)
    mongo = mongo_service(run_dir, tmp_path / "mongo", mongo_port)
    services = [mongo, master, worker]
    pgids = []
    try:
        for service in services:
            pgids.append(processes.start(service))
        for service in services:
            processes.wait_healthy(service)
        assert alive_workers(ui_port) == 1

        output = tmp_path / "sum"
        spark_submit(
            "--master",
            f"spark://127.0.0.1:{master_port}",
            "--conf",
            f"spark.pyspark.python={sys.executable}",
            "--conf",
            "spark.ui.enabled=false",
            "tests/jobs/sum_to_lake.py",
            "100",
            output.as_uri(),
        )
        assert pq.read_table(output).column("total").to_pylist() == [5050]
        assert "stack_smoke_test" in (run_dir / "spark-master.log").read_text()

        # The DAG tasks' path: the Spark Connect server on the same master, a job submitted with --remote.
        settings = Settings(
            spark_master_port=master_port,
            spark_connect_port=free_port(),
            spark_worker_cores=1,
            # The server's executor must fit the 1g worker, or the server waits for resources forever.
            spark_executor_memory="512m",
            spark_driver_memory="512m",
        )
        connect = spark_connect_service(run_dir, settings)
        services.append(connect)
        pgids.append(processes.start(connect))
        processes.wait_healthy(connect)
        lake = tmp_path / "lake"
        spark_submit(
            "--remote", f"sc://127.0.0.1:{settings.spark_connect_port}", "tests/jobs/connect_smoke.py", lake.as_uri()
        )
        report = json.loads((lake / "report.json").read_text())
        assert report["connect"] is True
        assert report["parallelism"] == 1
        # VADER's published examples, scored by the pandas UDF on the server's Python workers, read as of the
        # first run's commit after the second merged into the Delta table.
        assert report["scores"] == [0.8316, -0.5461]
        assert report["merged"] == [0.8316, 0.0]
        assert report["partitions"] == ["genre"]
        assert report["runs"] == ["batch_smoke_1", "batch_smoke_2"]

        with MongoClient("127.0.0.1", mongo_port, serverSelectionTimeoutMS=5000) as client:
            client.moviedb.smoke.replace_one({"_id": "x"}, {"_id": "x", "value": 42}, upsert=True)
            assert client.moviedb.smoke.find_one({"_id": "x"}) == {"_id": "x", "value": 42}
        assert (tmp_path / "mongo" / "moviedb.db").exists()
    finally:
        for service in reversed(services):
            processes.stop(service)

    assert pgids and not any(processes.group_alive(pgid) for pgid in pgids)
    ports = (master_port, ui_port, worker_ui_port, mongo_port, settings.spark_connect_port)
    assert not any(processes.port_in_use(port) for port in ports)


def test_stop_also_ends_the_processes_a_service_put_in_groups_of_their_own(tmp_path: Path) -> None:
    """As Airflow's task supervisor does with each task (and so with its spark-submit and job)."""
    child_pid_file = tmp_path / "child.pid"
    spawn = (
        "import os, subprocess, sys, time; "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)'], process_group=0); "
        f"open({str(child_pid_file)!r}, 'w').write(str(child.pid)); time.sleep(120)"
    )
    service = processes.Service(
        name="spawner", argv=[sys.executable, "-c", spawn], run_dir=tmp_path, ports=[], health=lambda: True
    )
    processes.start(service)
    deadline = time.monotonic() + 30
    while not child_pid_file.exists() or not child_pid_file.read_text():
        assert time.monotonic() < deadline, "the service never started its child"
        time.sleep(0.1)
    child = int(child_pid_file.read_text())
    assert os.getpgid(child) == child != processes.read_pid(service.pid_file)

    assert processes.stop(service, grace=5)
    assert not processes.pid_alive(child)


def test_a_port_in_use_stops_the_start_with_a_message_naming_it(tmp_path: Path) -> None:
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        busy = holder.getsockname()[1]
        service = mongo_service(tmp_path / "run", tmp_path / "mongo", busy)
        with pytest.raises(processes.ServiceError, match=f"port {busy} is already in use"):
            processes.start(service)
        assert not service.pid_file.exists()


def test_an_unhealthy_service_fails_with_the_tail_of_its_log(tmp_path: Path) -> None:
    service = processes.Service(
        name="broken",
        argv=[sys.executable, "-c", "import sys; print('bad config: port'); sys.exit(3)"],
        run_dir=tmp_path,
        ports=[],
        health=lambda: False,
        start_timeout=10,
    )
    processes.start(service)
    with pytest.raises(processes.ServiceError, match="bad config: port"):
        processes.wait_healthy(service)
    processes.stop(service)


@pytest.mark.parametrize(
    ("text", "end_of_day", "expected"),
    [
        ("2025-11-01", False, "2025-11-01T00:00:00+00:00"),
        ("2025-11-02", True, "2025-11-02T23:59:00+00:00"),
        ("2025-11-02T08:00", True, "2025-11-02T08:00:00+00:00"),
        ("2025-11-02T10:00:00+02:00", False, "2025-11-02T10:00:00+02:00"),
    ],
)
def test_backfill_bounds_cover_whole_days_or_exact_instants(text: str, end_of_day: bool, expected: str) -> None:
    from local_stack.__main__ import backfill_bound

    assert backfill_bound(text, end_of_day=end_of_day).isoformat() == expected


@pytest.mark.parametrize("java_options", ["-XX:TieredStopAtLevel=1", ""])
def test_the_spark_connect_servers_jvm_options_reach_its_driver_and_executors(
    tmp_path: Path, java_options: str
) -> None:
    from config.settings import load_settings

    settings = load_settings(_env_file=None, spark_connect_java_options=java_options)
    argv = spark_connect_service(tmp_path, settings).argv
    conf = dict(argv[index + 1].split("=", 1) for index, arg in enumerate(argv) if arg == "--conf")
    for jvm in ("driver", "executor"):
        options = conf[f"spark.{jvm}.extraJavaOptions"].split()
        assert options[0].startswith("-Dlog4j2.configurationFile=")
        assert ("-XX:TieredStopAtLevel=1" in options) == bool(java_options)


def test_the_run_summary_shows_the_expectations_each_layer_passed() -> None:
    from local_stack.summary import run_lines

    record = {
        "_id": "batch_2025_11_09_12",
        "status": "complete",
        "duration_seconds": 7.3,
        "counts": {"genre_analytics": 174},
        "stages": {
            "ingestion": {"summary": {"mode": "live", "requests": 7, "expectations": {"evaluated": 6, "passed": 6}}},
            "transform": {"summary": {"expectations": {"evaluated": 33, "passed": 32}}},
        },
        "layers": {
            "gold": {
                "counts": {"genre_analytics": 174},
                "expectations": {
                    "genre_analytics": {"evaluated": 7, "passed": 7},
                    "actor_networks": {"evaluated": 4, "passed": 3},
                },
            }
        },
    }

    ingestion, silver, gold = run_lines(record)[1:4]

    assert ingestion.endswith("expectations 6/6 passed")
    assert silver.endswith("expectations 32/33 passed")
    assert gold.endswith("expectations 10/11 passed")
