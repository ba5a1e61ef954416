"""Defaults every DAG of the batch layer shares. Plain constants: nothing here reads settings or the network."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from airflow.sdk import Param

from batch_layer_dags.callbacks import log_failure_summary

START_DATE = datetime(2025, 1, 1, tzinfo=UTC)
SCHEDULE = "0 */4 * * *"
TMDB_POOL = "tmdb_api"
# The Spark Connect server the Spark tasks are clients of (AIRFLOW_CONN_SPARK_CONNECT_DEFAULT): the embedded
# stack's on 127.0.0.1:15002, the Docker stack's spark-connect:15002.
SPARK_CONNECTION = "spark_connect_default"

# Run parameters (Trigger DAG w/ config in the UI, or `make trigger-dag REINGEST=1`).
PARAMS = {
    "reingest": Param(
        False,
        type="boolean",
        description="Fetch the hour from TMDB again and replace its stored Bronze (Bronze is otherwise kept as it "
        "is), then rebuild Silver and the hour's Gold from it.",
    ),
}

DEFAULT_ARGS = {
    "owner": "data-platform",
    "retries": 2,
    "retry_delay": timedelta(minutes=1),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=15),
    "on_failure_callback": log_failure_summary,
}
