"""DAG integrity: the DagBag loads, task ids and edges are as documented, retries and schedules are set."""

from __future__ import annotations

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
    "transform": [("bronze_to_silver", "data_quality_checks")],
    "aggregate": [
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
    assert [task.task_id for task in dag.tasks] == ["apply_retention"]
    assert dag.tasks[0].conn_id == "spark_connect_default"


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
    assert ("ingestion.store_to_hdfs_bronze", "transform.bronze_to_silver") in found
    assert ("transform.data_quality_checks", "aggregate.silver_to_gold") in found
    assert ("aggregate.update_serving_indexes", "end") in found


@pytest.mark.parametrize(("stage", "dag_id"), STAGE_DAGS.items())
def test_stage_dags_have_the_same_tasks_between_start_and_end(dagbag, stage: str, dag_id: str) -> None:
    dag = dagbag.dags.get(dag_id)
    assert set(STAGE_EDGES[stage]) <= edges(dag)
    first, last = STAGE_EDGES[stage][0][0], STAGE_EDGES[stage][-1][1]
    assert ("start", first) in edges(dag) and (last, "end") in edges(dag)


def test_the_lake_assets_chain_the_stage_dags_and_the_pipeline_emits_none(dagbag) -> None:
    from airflow.sdk import Asset

    def outlets(dag) -> dict[str, set[str]]:
        return {
            task.task_id: {a.name for a in task.outlets if isinstance(a, Asset)} for task in dag.tasks if task.outlets
        }

    def scheduled_on(dag) -> set[str]:
        return {asset.name for asset in dag.schedule}

    assert dagbag.dags["batch_ingestion"].schedule is None
    assert outlets(dagbag.dags["batch_ingestion"]) == {"store_to_hdfs_bronze": {"tmdb_bronze"}}
    assert scheduled_on(dagbag.dags["batch_transform"]) == {"tmdb_bronze"}
    assert outlets(dagbag.dags["batch_transform"]) == {"data_quality_checks": {"tmdb_silver"}}
    assert scheduled_on(dagbag.dags["batch_aggregate"]) == {"tmdb_silver"}
    assert outlets(dagbag.dags["batch_aggregate"]) == {}
    # A triggered ingestion carries on through the assets: the stage DAGs start unpaused.
    assert all(dagbag.dags[dag_id].is_paused_upon_creation is False for dag_id in STAGE_DAGS.values())
    # The pipeline runs an hour's three stages itself: an event would run its hour's stages a second time.
    assert outlets(dagbag.dags["tmdb_batch_pipeline"]) == {}


def test_every_task_retries_with_exponential_backoff_and_logs_failures(dagbag) -> None:
    for dag in dagbag.dags.values():
        for task in dag.tasks:
            if task.task_id in ("start", "end"):
                continue
            assert task.retries >= 2, task.task_id
            assert task.retry_exponential_backoff, task.task_id
            assert task.on_failure_callback, task.task_id


class FakeJob:
    """A job module: records the argv its task runs it with."""

    def __init__(self) -> None:
        self.calls: list[tuple[object, list[str]]] = []

    def run(self, spark: object, argv: list[str]) -> None:
        self.calls.append((spark, argv))


def run_spark_task(task, monkeypatch, **context) -> tuple[str, list[str]]:
    """Calls a Spark task's callable as @task.pyspark does (a session in ``spark``), the job replaced by a fake."""
    import importlib

    job, modules = FakeJob(), []
    monkeypatch.setattr(importlib, "import_module", lambda name: modules.append(name) or job)
    session = object()
    task.python_callable(spark=session, outlet_events={}, **context)
    assert job.calls[0][0] is session
    return modules[0], job.calls[0][1]


def pipeline_context(reingest: bool = False, **conf: str) -> dict:
    from datetime import UTC, datetime
    from types import SimpleNamespace

    return {
        "dag_run": SimpleNamespace(conf=conf),
        "params": {"reingest": reingest},
        "data_interval_end": datetime(2025, 11, 9, 12, tzinfo=UTC),
        "triggering_asset_events": {},
    }


def test_spark_tasks_are_spark_connect_clients_running_project_jobs_for_the_logical_hour(dagbag, monkeypatch) -> None:
    import importlib

    from airflow.providers.apache.spark.decorators.pyspark import _PySparkDecoratedOperator

    dag = dagbag.dags.get("tmdb_batch_pipeline")
    spark_tasks = [task for task in dag.tasks if isinstance(task, _PySparkDecoratedOperator)]
    assert len(spark_tasks) == 9
    for task in spark_tasks:
        assert task.conn_id == "spark_connect_default", task.task_id
        module, argv = run_spark_task(task, monkeypatch, **pipeline_context())
        assert argv[:2] == ["--logical-date", "2025-11-09T12:00:00+00:00"], task.task_id
        monkeypatch.undo()
        assert callable(importlib.import_module(module).run), module
    _, store = run_spark_task(dag.get_task("ingestion.store_to_hdfs_bronze"), monkeypatch, **pipeline_context())
    assert store[2:] == ["--step", "store", "--step", "update-metadata", "--no-reingest"]


def test_the_connection_makes_a_spark_connect_session_for_the_embedded_server(monkeypatch, tmp_path) -> None:
    from airflow.providers.apache.spark.hooks.spark_connect import SparkConnectHook

    from config.settings import load_settings
    from local_stack.services import airflow_env

    settings = load_settings(_env_file=None, data_dir=tmp_path)
    connection = airflow_env(settings)["AIRFLOW_CONN_SPARK_CONNECT_DEFAULT"]
    monkeypatch.setenv("AIRFLOW_CONN_SPARK_CONNECT_DEFAULT", connection)
    assert SparkConnectHook().get_connection_url() == f"sc://127.0.0.1:{settings.spark_connect_port}/"


@pytest.mark.parametrize("reingest", [False, True])
def test_the_reingest_parameter_reaches_bronze_and_gold_as_their_flags(dagbag, monkeypatch, reingest: bool) -> None:
    from spark_jobs.bronze.run import parse_args as bronze_args
    from spark_jobs.gold.run import parse_args as gold_args

    dag = dagbag.dags.get("tmdb_batch_pipeline")
    assert dag.params["reingest"] is False
    context = pipeline_context(reingest=reingest)
    for task_id in ("ingestion.extract_movies", "ingestion.validate_extraction", "ingestion.store_to_hdfs_bronze"):
        assert bronze_args(run_spark_task(dag.get_task(task_id), monkeypatch, **context)[1]).reingest is reingest
    assert (
        gold_args(run_spark_task(dag.get_task("aggregate.silver_to_gold"), monkeypatch, **context)[1]).force is reingest
    )


def test_a_run_processes_the_hour_it_was_given_else_its_triggering_event_else_its_interval(dagbag) -> None:
    from types import SimpleNamespace

    from batch_layer_dags.tasks import RunRequest

    event = SimpleNamespace(extra={"logical_hour": "2025-11-09T08:00:00+00:00", "reingest": True})
    triggered = {**pipeline_context(), "triggering_asset_events": {"tmdb_bronze": [event]}}
    assert RunRequest.of(pipeline_context()) == RunRequest("2025-11-09T12:00:00+00:00", reingest=False)
    assert RunRequest.of(triggered) == RunRequest("2025-11-09T08:00:00+00:00", reingest=True)
    given = {**triggered, "dag_run": SimpleNamespace(conf={"logical_hour": "batch_2025_11_08_20"})}
    assert RunRequest.of(given).logical_hour == "batch_2025_11_08_20"


def test_a_stage_dag_announces_its_hour_on_the_asset_it_emits(dagbag, monkeypatch) -> None:
    from types import SimpleNamespace

    from batch_layer_dags.assets import BRONZE

    store = dagbag.dags["batch_ingestion"].get_task("store_to_hdfs_bronze")
    event = SimpleNamespace(extra={})
    context = pipeline_context(reingest=True, logical_hour="2025-11-09T08:00:00+00:00")
    import importlib

    monkeypatch.setattr(importlib, "import_module", lambda name: FakeJob())
    store.python_callable(spark=object(), outlet_events={BRONZE: event}, **context)
    assert event.extra == {"logical_hour": "2025-11-09T08:00:00+00:00", "reingest": True}


def test_tmdb_extraction_shares_one_pool(dagbag) -> None:
    dag = dagbag.dags.get("tmdb_batch_pipeline")
    pools = {task.task_id: task.pool for task in dag.tasks}
    assert {pools[f"ingestion.extract_{name}"] for name in ("movies", "reviews", "people")} == {"tmdb_api"}


def test_failure_summary_names_task_hour_and_error() -> None:
    import sys

    sys.path.insert(0, str(_PROJECT / "dags"))
    from batch_layer_dags.callbacks import failure_summary

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
