"""
### Batch ingestion: TMDB -> Bronze, for one logical hour

`check_api_health` → `extract_movies` → `extract_reviews` → `extract_people` → `validate_extraction`
→ `store_to_hdfs_bronze`

The seed's ingestion stage as a DAG of its own, to ingest one logical hour by hand (trigger it with
`{"logical_hour": "2025-11-09T12:00:00+00:00"}`, and `"reingest": true` to replace a stored hour). When it has
stored the hour it emits the `tmdb_bronze` asset, which schedules `batch_transform` for that hour, which in turn
schedules `batch_aggregate`. The pipeline users schedule and backfill is `tmdb_batch_pipeline`, which runs these
same tasks as its `ingestion` group.

Extraction writes staged Parquet to `LAKE_ROOT/staging/`, `validate_extraction` compares expected and fetched
per endpoint and runs the bronze expectations, `store_to_hdfs_bronze` commits this hour to the Bronze tables
(an hour already stored is kept as it is unless re-ingested) and then records the run (requests, 429s, retries,
failures) in `metadata/ingestion_runs/` and `moviedb.batch_runs`. The seed's `update_metadata` is part of it:
storing an hour and recording what was stored are one step.
"""

from __future__ import annotations

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

from batch_layer_dags.assets import BRONZE
from batch_layer_dags.defaults import DEFAULT_ARGS, PARAMS, START_DATE
from batch_layer_dags.stages import ingestion_stage

with DAG(
    dag_id="batch_ingestion",
    doc_md=__doc__,
    start_date=START_DATE,
    schedule=None,
    catchup=False,
    max_active_runs=1,
    # Nothing starts it but a person or the asset before it: unpaused, a triggered hour runs through.
    is_paused_upon_creation=False,
    default_args=DEFAULT_ARGS,
    params=PARAMS,
    tags=["batch-layer", "bronze", "stage"],
):
    first, last = ingestion_stage(outlet=BRONZE)
    EmptyOperator(task_id="start") >> first
    last >> EmptyOperator(task_id="end")
