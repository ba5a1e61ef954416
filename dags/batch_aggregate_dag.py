"""
### Batch aggregate: Silver -> Gold -> MongoDB, for one logical hour

`silver_to_gold` → `export_to_mongodb` → `update_serving_indexes`

Scheduled on the `tmdb_silver` asset: it runs when `batch_transform` has committed an hour's Silver, for that
hour. Trigger it by hand with `{"logical_hour": "2025-11-09T12:00:00+00:00"}` to re-run one hour's aggregation.
`silver_to_gold` is one Spark job holding the seed's `spark_genre_aggregations` (genre_analytics,
temporal_analysis, sentiment_trends, movie_analytics), `spark_trending_scores` (the 7/30/90-day trending scores),
`spark_actor_networks` (actor_networks, actor_collaborations) and `write_to_gold`. All views read one snapshot
of Silver, which the job reads and caches once; each view passes its gold Great Expectations suite before any is
written, and they are committed together, so a failed view commits none and the export never serves views built
from two states of Silver. `export_to_mongodb` upserts this run's documents into `moviedb.batch_views` and removes
older runs' documents; `update_serving_indexes` creates the serving indexes (idempotent).

`tmdb_batch_pipeline` runs the same tasks as its `aggregate` group.
"""

from __future__ import annotations

from airflow.providers.standard.operators.empty import EmptyOperator
from airflow.sdk import DAG

from batch_layer_dags.assets import SILVER
from batch_layer_dags.defaults import DEFAULT_ARGS, PARAMS, START_DATE
from batch_layer_dags.stages import aggregate_stage

with DAG(
    dag_id="batch_aggregate",
    doc_md=__doc__,
    start_date=START_DATE,
    schedule=[SILVER],
    catchup=False,
    max_active_runs=1,
    # Nothing starts it but a person or the asset before it: unpaused, a triggered hour runs through.
    is_paused_upon_creation=False,
    default_args=DEFAULT_ARGS,
    params=PARAMS,
    tags=["batch-layer", "gold", "serving", "stage"],
):
    first, last = aggregate_stage()
    EmptyOperator(task_id="start") >> first
    last >> EmptyOperator(task_id="end")
