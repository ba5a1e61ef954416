"""
### TMDB batch pipeline

What users trigger (`make trigger-dag`), schedule and backfill (`make backfill START=... END=...`).
Every four hours (`0 */4 * * *`, UTC) it processes one logical hour, named `batch_YYYY_MM_DD_HH` after the run's
data interval end:

`ingestion` (TMDB → Bronze) → `transform` (Bronze → Silver) → `aggregate` (Silver → Gold → MongoDB)

The three groups are the stages of the stand-alone DAGs `batch_ingestion`, `batch_transform` and
`batch_aggregate`. Chaining them inside one run makes each stage process exactly its run's hour, once: the
transform only starts after that hour's ingestion succeeded, the aggregation only after that hour's transform.
The pipeline emits no asset events, so the stage DAGs (chained by the lake's assets) do not run its hours again.
Catch-up is off and one run is active at a time; a backfill creates one run per 4-hour boundary in its range.
The TMDB extraction tasks share the `tmdb_api` pool, which keeps the rate limit global.
"""

from __future__ import annotations

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG, TaskGroup

from batch_layer_dags.defaults import DEFAULT_ARGS, PARAMS, SCHEDULE, START_DATE
from batch_layer_dags.stages import aggregate_stage, ingestion_stage, transform_stage

with DAG(
    dag_id="tmdb_batch_pipeline",
    doc_md=__doc__,
    start_date=START_DATE,
    schedule=SCHEDULE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=PARAMS,
    tags=["batch-layer", "pipeline"],
):
    start, end = EmptyOperator(task_id="start"), EmptyOperator(task_id="end")
    with TaskGroup("ingestion") as ingestion:
        ingestion_stage()
    with TaskGroup("transform") as transform:
        transform_stage()
    with TaskGroup("aggregate") as aggregate:
        aggregate_stage()
    start >> ingestion >> transform >> aggregate >> end
