"""
### Batch aggregate: Silver -> Gold -> MongoDB, for one logical hour

`wait_for_silver` → `silver_to_gold` → `export_to_mongodb` → `update_serving_indexes`

`silver_to_gold` is one Spark job holding the seed's `spark_genre_aggregations` (genre_analytics,
temporal_analysis, sentiment_trends, movie_analytics), `spark_trending_scores` (the 7/30/90-day trending scores),
`spark_actor_networks` (actor_networks, actor_collaborations) and `write_to_gold`. All seven views read one
snapshot of Silver, which the job reads and caches once; each view passes its gold Great Expectations suite
before any is written, and they are published together, so a failed view publishes none and the export never
serves views built from two states of Silver. `export_to_mongodb` upserts this run's documents into
`moviedb.batch_views` and removes older runs' documents; `update_serving_indexes` creates the serving indexes
(idempotent).

A stand-alone DAG to re-run aggregation for a logical hour; `tmdb_batch_pipeline` runs the same tasks as its
`aggregate` group.
"""

from __future__ import annotations

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG
from common.defaults import DEFAULT_ARGS, PARAMS, START_DATE
from common.stages import aggregate_stage

with DAG(
    dag_id="batch_aggregate",
    doc_md=__doc__,
    start_date=START_DATE,
    schedule=None,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=PARAMS,
    tags=["batch-layer", "gold", "serving", "stage"],
):
    first, last = aggregate_stage()
    EmptyOperator(task_id="start") >> first
    last >> EmptyOperator(task_id="end")
