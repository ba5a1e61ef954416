"""
### Batch transform: Bronze -> Silver, for one logical hour

`wait_for_bronze` → `bronze_to_silver` → `data_quality_checks`

`wait_for_bronze` waits until that hour's ingestion recorded success in `moviedb.batch_runs`.
`bronze_to_silver` is one Spark job holding the seed's `spark_deduplicate`, `spark_validate_schema`,
`spark_enrich_data`, `spark_sentiment_analysis` and `write_to_silver`: they are transforms of one DataFrame
chain, validated by the silver Great Expectations suites before anything is published (write, audit, publish).
`data_quality_checks` runs the suites again on what was published and records the stage's success.

A stand-alone DAG to re-run the transform for a logical hour; `tmdb_batch_pipeline` runs the same tasks as its
`transform` group.
"""

from __future__ import annotations

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG
from common.defaults import DEFAULT_ARGS, PARAMS, START_DATE
from common.stages import transform_stage

with DAG(
    dag_id="batch_transform",
    doc_md=__doc__,
    start_date=START_DATE,
    schedule=None,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=PARAMS,
    tags=["batch-layer", "silver", "stage"],
):
    first, last = transform_stage()
    EmptyOperator(task_id="start") >> first
    last >> EmptyOperator(task_id="end")
