"""
### Batch transform: Bronze -> Silver, for one logical hour

`bronze_to_silver` → `data_quality_checks`

Scheduled on the `tmdb_bronze` asset: it runs when `batch_ingestion` has stored an hour, for that hour (the
event's `logical_hour`), and emits `tmdb_silver` when done, which schedules `batch_aggregate`. Trigger it by hand
with `{"logical_hour": "2025-11-09T12:00:00+00:00"}` to re-run the transform of one hour.
`bronze_to_silver` is one Spark job holding the seed's `spark_deduplicate`, `spark_validate_schema`,
`spark_enrich_data`, `spark_sentiment_analysis` and `write_to_silver`: they are transforms of one DataFrame
chain, validated by the silver Great Expectations suites before anything is committed (write, audit, publish).
`data_quality_checks` runs the suites again on what was committed and records the stage in `moviedb.batch_runs`.
If several hours' events arrive before a run starts, Airflow makes one run of them: it processes the latest
hour, and Silver takes in every Bronze hour it has not processed yet, so none is left out.

`tmdb_batch_pipeline` runs the same tasks as its `transform` group.
"""

from __future__ import annotations

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

from batch_layer_dags.assets import BRONZE, SILVER
from batch_layer_dags.defaults import DEFAULT_ARGS, PARAMS, START_DATE
from batch_layer_dags.stages import transform_stage

with DAG(
    dag_id="batch_transform",
    doc_md=__doc__,
    start_date=START_DATE,
    schedule=[BRONZE],
    catchup=False,
    max_active_runs=1,
    # Nothing starts it but a person or the asset before it: unpaused, a triggered hour runs through.
    is_paused_upon_creation=False,
    default_args=DEFAULT_ARGS,
    params=PARAMS,
    tags=["batch-layer", "silver", "stage"],
):
    first, last = transform_stage(outlet=SILVER)
    EmptyOperator(task_id="start") >> first
    last >> EmptyOperator(task_id="end")
