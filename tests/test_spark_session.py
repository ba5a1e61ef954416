"""The session factory builds a working session with the seed's options."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

from config.settings import load_settings
from spark_jobs.utils.spark_session import (
    CONNECT_CLIENT_CDS,
    CONNECT_CLIENT_JAVA_OPTIONS,
    spark_conf,
)


def test_conf_carries_the_seed_options_and_delta() -> None:
    settings = load_settings(_env_file=None, spark_master_url="spark://127.0.0.1:7077", lake_root="file:///tmp/lake")
    conf = spark_conf(settings, "job")
    assert conf["spark.master"] == "spark://127.0.0.1:7077"
    assert conf["spark.sql.adaptive.enabled"] == "true"
    assert conf["spark.sql.adaptive.coalescePartitions.enabled"] == "true"
    assert conf["spark.serializer"] == "org.apache.spark.serializer.KryoSerializer"
    assert conf["spark.sql.broadcastTimeout"] == "300"
    assert conf["spark.sql.shuffle.partitions"] == "8"
    # Delta's writes say what they replace (replaceWhere, MERGE); a dynamic overwrite mode would refuse them.
    assert "spark.sql.sources.partitionOverwriteMode" not in conf
    assert conf["spark.sql.extensions"] == "io.delta.sql.DeltaSparkSessionExtension"
    assert conf["spark.databricks.delta.snapshotPartitions"] == "8"
    assert all(Path(jar).exists() for jar in conf["spark.jars"].split(","))
    assert conf["spark.locality.wait"] == "0s"
    assert "spark.hadoop.dfs.replication" not in conf, "a local lake has no HDFS settings"


def test_hdfs_lake_sets_replication_and_hostname_registration() -> None:
    settings = load_settings(_env_file=None, lake_root="hdfs://namenode:8020/data", hdfs_replication=3)
    conf = spark_conf(settings, "job")
    assert conf["spark.hadoop.dfs.replication"] == "3"
    assert conf["spark.hadoop.dfs.client.use.datanode.hostname"] == "true"
    assert "spark.executor.extraClassPath" not in conf


def test_a_connect_clients_jvm_maps_the_class_archive_setup_built() -> None:
    """-Xshare:on makes the JVM fail rather than start without the archive: the DAG tasks' spark-submit (same
    classpath, same options) starts from it."""
    assert CONNECT_CLIENT_CDS.exists(), "make setup builds the archive"
    project = Path(__file__).resolve().parents[1]
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [
            str(bin_dir / "spark-submit"),
            "--remote",
            "sc://127.0.0.1:1",
            "--conf",
            f"spark.driver.extraJavaOptions={CONNECT_CLIENT_JAVA_OPTIONS} -Xshare:on",
            str(project / "spark_jobs" / "jvm" / "connect_client_classes.py"),
        ],
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_a_submitted_job_imports_the_installed_pyspark_not_sparks_zip(tmp_path: Path) -> None:
    """spark-submit puts Spark's python/lib/pyspark.zip and py4j zip first on the job's PYTHONPATH; the venv's
    Python (setup's .pth) imports the installed, compiled packages instead, which saves each task 1-2 s."""
    job = tmp_path / "where_is_pyspark.py"
    job.write_text("import py4j, pyspark\nprint(pyspark.__file__)\nprint(py4j.__file__)\n")
    bin_dir = Path(sys.executable).parent
    result = subprocess.run(
        [str(bin_dir / "spark-submit"), "--remote", "sc://127.0.0.1:1", str(job)],
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    site_packages = Path(sysconfig.get_path("purelib"))
    assert result.stdout.split() == [
        str(site_packages / "pyspark" / "__init__.py"),
        str(site_packages / "py4j" / "__init__.py"),
    ]


def test_session_runs_a_query_in_utc_and_writes_delta(spark, tmp_path) -> None:
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    rows = spark.range(10).selectExpr("sum(id) AS total").collect()
    assert rows[0]["total"] == 45
    spark.range(3).write.format("delta").save(str(tmp_path / "table"))
    assert spark.sql(f"DESCRIBE DETAIL delta.`{tmp_path / 'table'}`").first().format == "delta"


def test_a_job_that_exits_at_once_still_writes_its_output_and_exit_code() -> None:
    """exit_now skips Python's teardown, not what the job printed or logged (both buffered in a pipe)."""
    job = (
        "import logging, sys\n"
        "from spark_jobs.utils.job_process import exit_now\n"
        "logging.basicConfig(stream=sys.stderr, level=logging.INFO)\n"
        "print('summary line')\n"
        "logging.getLogger('job').info('log line')\n"
        "exit_now(3)\n"
    )
    result = run_python(job)
    assert result.returncode == 3
    assert result.stdout == "summary line\n"
    assert "log line" in result.stderr


def run_python(code: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a new Python process of this venv, with the project importable."""
    project = Path(__file__).resolve().parents[1]
    return subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(project)},
        capture_output=True,
        text=True,
        check=False,
    )
