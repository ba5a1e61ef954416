"""The session factory builds a working session with the seed's options."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from config.settings import load_settings
from spark_jobs.utils.spark_session import CONNECT_CLIENT_CDS, CONNECT_CLIENT_JAVA_OPTIONS, LAKE_FS_JAR, spark_conf


def test_conf_carries_the_seed_options_and_dynamic_overwrite() -> None:
    settings = load_settings(_env_file=None, spark_master_url="spark://127.0.0.1:7077")
    conf = spark_conf(settings, "job")
    assert conf["spark.master"] == "spark://127.0.0.1:7077"
    assert conf["spark.sql.adaptive.enabled"] == "true"
    assert conf["spark.sql.adaptive.coalescePartitions.enabled"] == "true"
    assert conf["spark.serializer"] == "org.apache.spark.serializer.KryoSerializer"
    assert conf["spark.sql.broadcastTimeout"] == "300"
    assert conf["spark.sql.shuffle.partitions"] == "8"
    assert conf["spark.sql.sources.partitionOverwriteMode"] == "dynamic"
    assert "spark.hadoop.dfs.replication" not in conf


def test_hdfs_lake_sets_replication_and_hostname_registration() -> None:
    settings = load_settings(_env_file=None, lake_root="hdfs://namenode:8020/data", hdfs_replication=3)
    conf = spark_conf(settings, "job")
    assert conf["spark.hadoop.dfs.replication"] == "3"
    assert conf["spark.hadoop.dfs.client.use.datanode.hostname"] == "true"
    assert "spark.executor.extraClassPath" not in conf


def test_local_lake_puts_the_lake_file_system_on_driver_and_executor_classpaths() -> None:
    settings = load_settings(_env_file=None, lake_root="file:///tmp/lake")
    conf = spark_conf(settings, "job")
    assert LAKE_FS_JAR.exists(), "make setup builds the jar"
    assert conf["spark.driver.extraClassPath"] == conf["spark.executor.extraClassPath"] == str(LAKE_FS_JAR)


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
            f"spark.driver.extraClassPath={LAKE_FS_JAR}",
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


def test_session_runs_a_query_in_utc_with_dynamic_overwrite(spark) -> None:
    assert spark.conf.get("spark.sql.sources.partitionOverwriteMode") == "dynamic"
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    rows = spark.range(10).selectExpr("sum(id) AS total").collect()
    assert rows[0]["total"] == 45
