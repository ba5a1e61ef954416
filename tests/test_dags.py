"""DAG integrity: the DagBag loads, task ids and edges are as documented, retries and schedules are set."""

from __future__ import annotations

import json

import pytest

from tests.conftest import _PROJECT

STAGE_EDGES = {
    "ingestion": [
        ("check_api_health", "extract_movies"),
        ("extract_movies", "extract_reviews"),
        ("extract_reviews", "extract_people"),
        ("extract_people", "validate_extraction"),
        ("validate_extraction", "store_to_hdfs_bronze"),
    ],
    "transform": [("wait_for_bronze", "bronze_to_silver"), ("bronze_to_silver", "data_quality_checks")],
    "aggregate": [
        ("wait_for_silver", "silver_to_gold"),
        ("silver_to_gold", "export_to_mongodb"),
        ("export_to_mongodb", "update_serving_indexes"),
    ],
}
STAGE_DAGS = {"ingestion": "batch_ingestion", "transform": "batch_transform", "aggregate": "batch_aggregate"}


@pytest.fixture(scope="module")
def dagbag():
    import sys

    from airflow.dag_processing.dagbag import DagBag

    # Airflow puts the DAGs folder on sys.path when it parses; so does this test.
    sys.path.insert(0, str(_PROJECT / "dags"))
    return DagBag(dag_folder=str(_PROJECT / "dags"))


def edges(dag) -> set[tuple[str, str]]:
    return {(task.task_id, downstream) for task in dag.tasks for downstream in task.downstream_task_ids}


def test_dags_import_without_errors(dagbag) -> None:
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {
        "tmdb_batch_pipeline",
        "batch_ingestion",
        "batch_transform",
        "batch_aggregate",
        "batch_retention",
    }


def test_retention_runs_daily_on_the_retention_job(dagbag) -> None:
    dag = dagbag.dags["batch_retention"]
    assert dag.schedule == "30 0 * * *"
    assert [task.application.rsplit("/", 2)[-2:] for task in dag.tasks] == [["spark_jobs", "retention.py"]]


def test_pipeline_is_scheduled_every_four_hours_one_run_at_a_time(dagbag) -> None:
    dag = dagbag.dags.get("tmdb_batch_pipeline")
    assert dag.schedule == "0 */4 * * *"
    assert dag.catchup is False
    assert dag.max_active_runs == 1
    assert "pipeline" in dag.tags


@pytest.mark.parametrize("stage", STAGE_EDGES)
def test_pipeline_chains_the_stages_with_the_documented_edges(dagbag, stage: str) -> None:
    dag = dagbag.dags.get("tmdb_batch_pipeline")
    expected = {(f"{stage}.{a}", f"{stage}.{b}") for a, b in STAGE_EDGES[stage]}
    assert expected <= edges(dag)


def test_pipeline_runs_transform_after_ingestion_and_aggregate_after_transform(dagbag) -> None:
    dag = dagbag.dags.get("tmdb_batch_pipeline")
    found = edges(dag)
    assert ("start", "ingestion.check_api_health") in found
    assert ("ingestion.store_to_hdfs_bronze", "transform.wait_for_bronze") in found
    assert ("transform.data_quality_checks", "aggregate.wait_for_silver") in found
    assert ("aggregate.update_serving_indexes", "end") in found


@pytest.mark.parametrize(("stage", "dag_id"), STAGE_DAGS.items())
def test_stage_dags_have_the_same_tasks_between_start_and_end(dagbag, stage: str, dag_id: str) -> None:
    dag = dagbag.dags.get(dag_id)
    assert set(STAGE_EDGES[stage]) <= edges(dag)
    assert dag.schedule is None
    first, last = STAGE_EDGES[stage][0][0], STAGE_EDGES[stage][-1][1]
    assert ("start", first) in edges(dag) and (last, "end") in edges(dag)


def test_every_task_retries_with_exponential_backoff_and_logs_failures(dagbag) -> None:
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            if task.task_id in ("start", "end"):
                continue
            assert task.retries >= 2, task.task_id
            assert task.retry_exponential_backoff, task.task_id
            assert task.on_failure_callback, task.task_id


def test_spark_tasks_submit_project_jobs_with_the_logical_hour(dagbag) -> None:
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

    dag = dagbag.dags.get("tmdb_batch_pipeline")
    spark_tasks = [task for task in dag.tasks if isinstance(task, SparkSubmitOperator)]
    assert len(spark_tasks) == 9
    store = dag.get_task("ingestion.store_to_hdfs_bronze")
    assert store.application_args[2:5] == ["--step", "store", "--step"]
    for task in spark_tasks:
        assert (_PROJECT / task.application).exists() or task.application.startswith(str(_PROJECT))
        assert task.application_args[0] == "--logical-date"
        assert "data_interval_end" in task.application_args[1]
        assert task._conn_id == "spark_default"


@pytest.mark.parametrize("reingest", [False, True])
def test_the_reingest_parameter_reaches_bronze_and_gold_as_their_flags(dagbag, reingest: bool) -> None:
    import jinja2

    from spark_jobs.bronze.run import parse_args as bronze_args
    from spark_jobs.gold.run import parse_args as gold_args

    dag = dagbag.dags.get("tmdb_batch_pipeline")
    assert dag.params["reingest"] is False

    def rendered(task_id: str) -> list[str]:
        arguments = dag.get_task(task_id).application_args
        return [jinja2.Template(arg).render(params={"reingest": reingest}) for arg in arguments[2:]]

    hour = ["--logical-date", "batch_2025_11_09_12"]
    for task_id in ("ingestion.extract_movies", "ingestion.validate_extraction", "ingestion.store_to_hdfs_bronze"):
        assert bronze_args([*hour, *rendered(task_id)]).reingest is reingest
    assert gold_args([*hour, *rendered("aggregate.silver_to_gold")]).force is reingest


CLIENT_JVM = f"-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -XX:SharedArchiveFile={_PROJECT}/build/jvm/connect-client.jsa"


@pytest.mark.parametrize(
    ("connection", "expected_flags", "absent_flags"),
    [
        # The embedded stack: the Spark Connect server; spark-submit takes it with --remote and no deploy mode.
        (
            {"conn_type": "spark", "host": "sc://127.0.0.1", "port": 15002},
            ["--remote", "sc://127.0.0.1:15002", "--conf", f"spark.driver.extraJavaOptions={CLIENT_JVM}"],
            ["--master", "--deploy-mode"],
        ),
        # A cluster's master: submitted as the provider does, the driver's JVM left as Spark starts it.
        (
            {"conn_type": "spark", "host": "spark://spark-master:7077"},
            ["--master", "spark://spark-master:7077", "--deploy-mode", "client"],
            ["--remote", f"spark.driver.extraJavaOptions={CLIENT_JVM}"],
        ),
    ],
)
def test_spark_tasks_submit_to_a_connect_server_or_a_master(
    dagbag, monkeypatch, connection, expected_flags, absent_flags
) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_SPARK_DEFAULT", json.dumps(connection))
    task = dagbag.dags.get("tmdb_batch_pipeline").get_task("transform.bronze_to_silver")

    command = task._get_hook()._build_spark_submit_command(task.application)

    flags = [(command[i], command[i + 1]) for i in range(len(command) - 1)]
    for flag, value in zip(expected_flags[::2], expected_flags[1::2], strict=True):
        assert (flag, value) in flags
    assert not set(absent_flags) & set(command)
    assert command[-3:-1] == [task.application, "--logical-date"]


def test_tmdb_extraction_shares_one_pool(dagbag) -> None:
    dag = dagbag.dags.get("tmdb_batch_pipeline")
    pools = {task.task_id: task.pool for task in dag.tasks}
    assert {pools[f"ingestion.extract_{name}"] for name in ("movies", "reviews", "people")} == {"tmdb_api"}


def test_failure_summary_names_task_hour_and_error() -> None:
    import sys

    sys.path.insert(0, str(_PROJECT / "dags"))
    from common.callbacks import failure_summary

    class TaskInstance:
        task_id, dag_id, try_number = "extract_movies", "tmdb_batch_pipeline", 3

    class DagRun:
        run_id, conf = "scheduled__2025-11-09T12:00:00+00:00", {}

    text = failure_summary(
        {
            "task_instance": TaskInstance(),
            "dag_run": DagRun(),
            "data_interval_end": "2025-11-09T12:00:00+00:00",
            "exception": RuntimeError("TMDB answered 401: check TMDB_API_KEY"),
        }
    )
    assert "extract_movies" in text and "2025-11-09T12:00:00+00:00" in text
    assert "RuntimeError: TMDB answered 401: check TMDB_API_KEY" in text
    assert "\n" not in text
