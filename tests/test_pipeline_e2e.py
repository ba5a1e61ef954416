"""End to end: `tmdb_batch_pipeline` run with `dag.test()` for two logical hours against the TMDB simulator,
local Spark, a real HDFS (a NameNode and three DataNodes) and nx-27017, with Airflow's metadata in a private
PostgreSQL cluster as on the embedded stack; then the first hour again, and an hour whose Silver expectations fail.

Airflow runs every task of the DAG as it is declared (Python tasks, the Spark provider's `@task.pyspark` tasks
with their run's arguments). Only the Spark connection differs from the stack's: instead of the Spark Connect
server it names the test session's local Spark, which the operator's `getOrCreate` returns.
"""

from __future__ import annotations

import json
import sys
from datetime import timedelta
from typing import Any

import pytest

from batch_views.export_to_mongo import SERVING_VIEWS
from tests.conftest import _PROJECT
from tests.simulator_fixture import TEST_CLOCK, reset, start_simulator
from tests.test_export_to_mongo import SEED_QUERIES, _mongosh

FIRST_HOUR = TEST_CLOCK - timedelta(hours=4)
SECOND_HOUR = TEST_CLOCK
PIPELINE = "tmdb_batch_pipeline"


@pytest.fixture(scope="module")
def pipeline(spark, mongo_server, airflow_db, hdfs_cluster):
    """The pipeline DAG with the jobs pointed at a temporary lake, nx-27017 and the simulator."""
    from airflow import settings as airflow_settings
    from airflow.dag_processing.dagbag import DagBag
    from airflow.utils import db
    from pyspark.sql import SparkSession

    from config.settings import get_settings

    database = "moviedb_e2e"
    settings_env = {
        "LAKE_ROOT": f"{hdfs_cluster.uri}/e2e",
        "MONGODB_CONNECTION_STRING": mongo_server.rsplit("/", 1)[0] + f"/{database}",
        "MONGODB_DATABASE": database,
        "TMDB_PAGES": "1",
        "TMDB_TOP_CAST": "2",
        "TMDB_RATE_LIMIT": "1000",
        "TMDB_CONCURRENCY": "8",
        "SPARK_SHUFFLE_PARTITIONS": "1",
        "AIRFLOW_CONN_SPARK_CONNECT_DEFAULT": json.dumps({"conn_type": "spark", "host": "local[1]"}),
    }
    patch = pytest.MonkeyPatch()
    with start_simulator() as simulator:
        reset(simulator)
        patch.setenv("TMDB_BASE_URL", simulator.base_url)
        for name, value in settings_env.items():
            patch.setenv(name, value)
        # The operator stops its session when a task ends; here they all share the test session.
        patch.setattr(SparkSession, "stop", lambda self: None)
        sys.path.insert(0, str(_PROJECT / "dags"))
        get_settings.cache_clear()
        # The runs are recorded where the stack records them: in PostgreSQL (conftest's airflow_db).
        assert airflow_settings.engine.url.get_backend_name() == "postgresql"
        db.resetdb()
        dag = DagBag(dag_folder=str(_PROJECT / "dags")).get_dag(PIPELINE)
        try:
            yield dag, simulator, settings_env
        finally:
            patch.undo()
            get_settings.cache_clear()


def run_hour(pipeline, hour) -> tuple[str, dict[str, str]]:
    """One pipeline run for `hour` with the simulator's clock at that hour: the run's state and its tasks'."""
    from master_dataset.simulator import control

    dag, simulator, _ = pipeline
    control.set_clock(simulator.base_url, hour, frozen=True)
    run = dag.test(logical_date=hour, run_conf={"logical_hour": hour.isoformat()})
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    return str(run.state), states


def served(pipeline) -> list[dict[str, Any]]:
    import pymongo

    _, _, env = pipeline
    with pymongo.MongoClient(env["MONGODB_CONNECTION_STRING"]) as client:
        return list(client[env["MONGODB_DATABASE"]].batch_views.find().sort("_id", 1))


def table_versions(spark, pipeline, layers=("bronze", "silver", "gold")) -> dict[str, int]:
    """The latest version of every Delta table of the lake's ``layers``: a run that changes nothing commits
    nothing."""
    from spark_jobs.utils import tables
    from spark_jobs.utils.lake import LakeFiles, LakePaths

    _, _, env = pipeline
    paths = LakePaths(env["LAKE_ROOT"])
    return {
        name: tables.last_commit(spark, path)["version"]
        for name, path in tables.find(LakeFiles(paths.root), paths)
        if name.split("/")[0] in layers
    }


@pytest.fixture(scope="module")
def two_hours(pipeline):
    first = run_hour(pipeline, FIRST_HOUR)
    second = run_hour(pipeline, SECOND_HOUR)
    return first, second


def test_both_hours_run_every_task_to_success(two_hours) -> None:
    for state, tasks in two_hours:
        assert state == "success", tasks
        assert set(tasks.values()) == {"success"}, tasks
        assert {
            "ingestion.store_to_hdfs_bronze",
            "transform.data_quality_checks",
            "aggregate.export_to_mongodb",
        } <= set(tasks)


def test_the_seeds_queries_answer_with_the_served_views(pipeline, two_hours) -> None:
    _, _, env = pipeline
    answers = json.loads(_mongosh(env["MONGODB_CONNECTION_STRING"], "--eval", SEED_QUERIES))
    counts = {entry["_id"]: entry["count"] for entry in answers["count"]}

    assert set(counts) == {view.view_type for view in SERVING_VIEWS}
    assert all(count > 0 for count in counts.values())
    assert answers["genre"], "no genre_analytics document for Action"
    assert {doc["genre"] for doc in answers["genre"]} == {"Action"}
    assert answers["temporal"], "no temporal_analytics document for 2025-11"
    scores = [doc["trending_score"] for doc in answers["trending"]]
    assert len(scores) == 5 and scores == sorted(scores, reverse=True)
    # Every view is served as of the second hour; a document whose values the second hour left as they were is
    # not rewritten and keeps the first hour, the one that computed them (the export writes what changed).
    import pymongo

    with pymongo.MongoClient(env["MONGODB_CONNECTION_STRING"]) as client:
        ids = [f"served_view:{view.view_type}" for view in SERVING_VIEWS]
        records = list(client[env["MONGODB_DATABASE"]].batch_runs.find({"_id": {"$in": ids}}))
    assert sorted(record["_id"] for record in records) == sorted(ids)
    assert {(record["state"], record["batch_run_id"]) for record in records} == {("served", "batch_2025_11_09_12")}
    runs = {doc["batch_run_id"] for doc in served(pipeline)}
    assert "batch_2025_11_09_12" in runs and runs <= {"batch_2025_11_09_08", "batch_2025_11_09_12"}


def test_two_hours_of_observations_give_seven_day_velocity(pipeline, two_hours) -> None:
    seven_day = [doc for doc in served(pipeline) if doc["view_type"] == "trending_movies" and doc["window_days"] == 7]

    assert seven_day
    assert any(doc["velocity"] is not None and doc["observations"] == 2 for doc in seven_day)


def test_running_the_first_hour_again_changes_nothing(spark, pipeline, two_hours) -> None:
    from master_dataset.simulator import control

    documents, versions = served(pipeline), table_versions(spark, pipeline)
    requests = control.get_stats(pipeline[1].base_url)["requests"]

    state, tasks = run_hour(pipeline, FIRST_HOUR)

    assert state == "success", tasks
    # Bronze is immutable: the stored hour is not fetched again (check_api_health's one request is all the API
    # sees), and no table gets a new version.
    assert control.get_stats(pipeline[1].base_url)["requests"] == requests + 1
    assert table_versions(spark, pipeline) == versions
    assert served(pipeline) == documents


def test_a_failing_expectation_stops_the_run_before_anything_is_published(
    spark, pipeline, two_hours, monkeypatch
) -> None:
    import great_expectations.expectations as gxe

    from ge_expectations import batch_layer_suite

    documents, versions = served(pipeline), table_versions(spark, pipeline, ("silver", "gold"))
    original = batch_layer_suite.silver_movies_suite

    def impossible_suite(columns, min_rows):
        # No TMDB movie has a vote average above 10: this expectation fails on any non-empty Silver.
        return [*original(columns, min_rows), gxe.ExpectColumnMaxToBeBetween(column="vote_average", min_value=11)]

    monkeypatch.setattr(batch_layer_suite, "silver_movies_suite", impossible_suite)
    dag, _, _ = pipeline
    # A data-quality failure is not transient: without retries the run fails at once rather than in minutes.
    monkeypatch.setattr(dag.get_task("transform.bronze_to_silver"), "retries", 0)
    state, tasks = run_hour(pipeline, SECOND_HOUR + timedelta(hours=4))

    assert state == "failed"
    assert tasks["ingestion.store_to_hdfs_bronze"] == "success"
    assert tasks["transform.bronze_to_silver"] == "failed"
    assert tasks["aggregate.export_to_mongodb"] in {"upstream_failed", "None"}
    assert served(pipeline) == documents
    assert table_versions(spark, pipeline, ("silver", "gold")) == versions
