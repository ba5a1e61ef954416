"""Defaults every DAG of the batch layer shares. Plain constants: nothing here reads settings or the network."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from airflow.providers.apache.spark.hooks.spark_submit import SparkSubmitHook
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import Param

from common.callbacks import log_failure_summary
from spark_jobs.utils.spark_session import CONNECT_CLIENT_JAVA_OPTIONS

PROJECT_ROOT = Path(__file__).resolve().parents[2]
START_DATE = datetime(2025, 1, 1, tzinfo=UTC)
SCHEDULE = "0 */4 * * *"
TMDB_POOL = "tmdb_api"

# The logical hour of a run: Airflow's data interval end, or the hour the pipeline passed to a stage DAG.
LOGICAL_HOUR = "{{ dag_run.conf.get('logical_hour') or data_interval_end.isoformat() }}"

# Run parameters (Trigger DAG w/ config in the UI, or `make trigger-dag REINGEST=1`).
PARAMS = {
    "reingest": Param(
        False,
        type="boolean",
        description="Fetch the hour from TMDB again and replace its stored Bronze (Bronze is otherwise kept as it "
        "is), then rebuild Silver and the hour's Gold from it.",
    ),
}


def param_flag(flag: str, param: str = "reingest") -> str:
    """``--flag`` when the run's boolean ``param`` is true, else ``--no-flag`` (the jobs take both)."""
    return f"--{{{{ '' if params.{param} else 'no-' }}}}{flag}"


DEFAULT_ARGS = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=15),
    "on_failure_callback": log_failure_summary,
}


class SparkConnectSubmitHook(SparkSubmitHook):
    """SparkSubmitHook that also submits to a Spark Connect server.

    spark-submit runs a Python application as a Spark Connect client with ``--remote sc://HOST:PORT`` (and no
    ``--master`` or ``--deploy-mode``); the provider only writes ``--master``. A connection whose master is an
    ``sc://`` URL gets ``--remote``; any other master is submitted as the provider does it.
    """

    def _resolve_connection(self) -> dict:
        connection = super()._resolve_connection()
        if connection["master"].startswith("sc://"):
            connection["deploy_mode"] = None
        return connection

    def _build_spark_common_args(self) -> list[str]:
        args = super()._build_spark_common_args()
        if self._connection["master"].startswith("sc://"):
            args[args.index("--master")] = "--remote"
            if "spark.driver.extraJavaOptions" not in self._conf:
                args += ["--conf", f"spark.driver.extraJavaOptions={CONNECT_CLIENT_JAVA_OPTIONS}"]
        return args


class BatchSparkSubmitOperator(SparkSubmitOperator):
    """SparkSubmitOperator whose connection may be a Spark master or a Spark Connect server (see above)."""

    def _get_hook(self) -> SparkSubmitHook:
        hook = super()._get_hook()
        # Same arguments, same state; only how the connection becomes command-line flags differs.
        hook.__class__ = SparkConnectSubmitHook
        hook._connection = hook._resolve_connection()
        return hook


def spark_task(task_id: str, application: str, *args: str, **operator_kwargs: object) -> SparkSubmitOperator:
    """A Spark job of this project submitted in client mode to the `spark_default` connection.

    The connection comes from the environment (AIRFLOW_CONN_SPARK_DEFAULT): the embedded stack's Spark Connect
    server (sc://127.0.0.1:15002, an application on its standalone master), or spark://spark-master:7077 on the
    Docker stack.
    """
    return BatchSparkSubmitOperator(
        task_id=task_id,
        application=str(PROJECT_ROOT / application),
        application_args=["--logical-date", LOGICAL_HOUR, *args],
        conn_id="spark_default",
        name=f"batch_layer.{task_id}",
        deploy_mode="client",
        conf={
            "spark.pyspark.python": sys.executable,
            "spark.pyspark.driver.python": sys.executable,
            "spark.ui.showConsoleProgress": "false",
        },
        **operator_kwargs,
    )
