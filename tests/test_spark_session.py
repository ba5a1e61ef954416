"""The session factory builds a working session with the seed's options."""

from __future__ import annotations

from pathlib import Path

from config.settings import load_settings
from spark_jobs.utils.spark_session import spark_conf


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


def test_session_runs_a_query_in_utc_and_writes_delta(spark, tmp_path) -> None:
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    rows = spark.range(10).selectExpr("sum(id) AS total").collect()
    assert rows[0]["total"] == 45
    spark.range(3).write.format("delta").save(str(tmp_path / "table"))
    assert spark.sql(f"DESCRIBE DETAIL delta.`{tmp_path / 'table'}`").first().format == "delta"


class FakeSession:
    stopped = False

    def stop(self) -> None:
        self.stopped = True


def test_a_job_run_as_a_program_owns_its_session_and_exits_1_naming_a_known_failure(monkeypatch, caplog) -> None:
    import argparse

    from spark_jobs.utils import job_entry, spark_session

    session = FakeSession()
    monkeypatch.setattr(spark_session, "build_spark_session", lambda settings, app_name: session)
    parser = argparse.ArgumentParser()
    parser.add_argument("--logical-date", required=True)

    def failing(spark, argv):
        raise ValueError("critical expectation failed")

    argv = ["--logical-date", "batch_2025_11_09_12"]
    assert job_entry.run_as_program("job", parser.parse_args, failing, argv, failures=(ValueError,)) == 1
    assert session.stopped
    assert "job of batch_2025_11_09_12 failed: critical expectation failed" in caplog.text
    reported = []
    assert job_entry.run_as_program("job", parser.parse_args, lambda spark, argv: 7, argv, report=reported.append) == 0
    assert reported == [7]
