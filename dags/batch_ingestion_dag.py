"""
### Batch ingestion: TMDB -> Bronze, for one logical hour

`check_api_health` → `extract_movies` → `extract_reviews` → `extract_people` → `validate_extraction`
→ `store_to_hdfs_bronze`

The seed's ingestion stage as a DAG of its own, to re-run ingestion alone for a logical hour (trigger it with
`{"logical_hour": "2025-11-09T12:00:00+00:00"}` or a logical date). The pipeline users schedule and backfill is
`tmdb_batch_pipeline`, which runs these same tasks as its `ingestion` group.

Extraction writes staged Parquet to `LAKE_ROOT/staging/`, `validate_extraction` compares expected and fetched
per endpoint and runs the bronze expectations, `store_to_hdfs_bronze` replaces exactly this hour's Bronze
partitions and then records the run (requests, 429s, retries, failures) in `metadata/ingestion_runs/` and
`moviedb.batch_runs`, where the transform waits for it.

The seed's `update_metadata` is part of `store_to_hdfs_bronze`: storing an hour and recording what was stored
are one step (the job's `--step store --step update-metadata`, in one Spark application), and a separate task
would cost the run one more spark-submit for a few small writes. A retry of the task stores the same files again
(they are named by content) and records the run again.
"""

from __future__ import annotations

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG
from common.defaults import DEFAULT_ARGS, PARAMS, START_DATE
from common.stages import ingestion_stage

with DAG(
    dag_id="batch_ingestion",
    doc_md=__doc__,
    start_date=START_DATE,
    schedule=None,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=PARAMS,
    tags=["batch-layer", "bronze", "stage"],
):
    first, last = ingestion_stage()
    EmptyOperator(task_id="start") >> first
    last >> EmptyOperator(task_id="end")
