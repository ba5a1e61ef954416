"""The three stages of the pipeline, declared once and used twice: as the task groups of
``tmdb_batch_pipeline`` (what users trigger, schedule and backfill; one run does an hour's three stages in
order) and as the stand-alone stage DAGs ``batch_ingestion``, ``batch_transform`` and ``batch_aggregate``, which
the lake's assets chain (see assets.py). ``outlet`` is the asset a stand-alone stage emits when it is done.
"""

from __future__ import annotations

from airflow.sdk import Asset

from batch_layer_dags import tasks
from batch_layer_dags.defaults import TMDB_POOL
from batch_layer_dags.tasks import spark_task

BRONZE_JOB = "spark_jobs.bronze.run"
SILVER_JOB = "spark_jobs.silver.run"
SILVER_CHECKS_JOB = "spark_jobs.silver.checks"
GOLD_JOB = "spark_jobs.gold.run"
EXPORT_JOB = "batch_views.export_to_mongo"


def ingestion_stage(outlet: Asset | None = None) -> tuple[object, object]:
    """TMDB -> staging on the lake -> Bronze. The extraction tasks share the `tmdb_api` pool, so two runs that
    overlap (a backfill beside the schedule) still respect one global TMDB rate limit. The seed's
    store_to_hdfs_bronze and update_metadata are one task (`store_to_hdfs_bronze`): it stores the hour's
    partitions, then writes the run record."""
    bronze = {"reingest_flag": "reingest"}
    check_api_health = tasks.check_api_health()
    extract_movies = spark_task("extract_movies", BRONZE_JOB, "--step", "extract-movies", **bronze, pool=TMDB_POOL)
    extract_reviews = spark_task("extract_reviews", BRONZE_JOB, "--step", "extract-reviews", **bronze, pool=TMDB_POOL)
    extract_people = spark_task("extract_people", BRONZE_JOB, "--step", "extract-people", **bronze, pool=TMDB_POOL)
    validate_extraction = spark_task("validate_extraction", BRONZE_JOB, "--step", "validate", **bronze)
    store_to_hdfs_bronze = spark_task(
        "store_to_hdfs_bronze",
        BRONZE_JOB,
        "--step",
        "store",
        "--step",
        "update-metadata",
        **bronze,
        outlets=[outlet] if outlet else [],
    )
    (
        check_api_health
        >> extract_movies
        >> extract_reviews
        >> extract_people
        >> validate_extraction
        >> store_to_hdfs_bronze
    )
    return check_api_health, store_to_hdfs_bronze


def transform_stage(outlet: Asset | None = None) -> tuple[object, object]:
    """Bronze -> Silver. The seed's spark_deduplicate, spark_validate_schema, spark_enrich_data,
    spark_sentiment_analysis and write_to_silver are one Spark job (`bronze_to_silver`): each is a transform of
    one DataFrame chain, and splitting them would write and re-read the whole dataset between steps.
    The job validates before it commits; `data_quality_checks` then checks what was committed."""
    bronze_to_silver = spark_task("bronze_to_silver", SILVER_JOB)
    data_quality_checks = spark_task("data_quality_checks", SILVER_CHECKS_JOB, outlets=[outlet] if outlet else [])
    bronze_to_silver >> data_quality_checks
    return bronze_to_silver, data_quality_checks


def aggregate_stage() -> tuple[object, object]:
    """Silver -> Gold -> MongoDB. The seed's spark_genre_aggregations, spark_trending_scores,
    spark_actor_networks and write_to_gold are one Spark job (`silver_to_gold`): every view reads the same Silver
    snapshot, which the job reads and caches once; all views pass their Great Expectations suites before any is
    written, and they are committed together, so the export never serves one run's views built from two states
    of Silver, and a failed view commits none. A re-ingested hour's Gold is rebuilt (`--force`)."""
    silver_to_gold = spark_task("silver_to_gold", GOLD_JOB, reingest_flag="force")
    export = spark_task("export_to_mongodb", EXPORT_JOB)
    indexes = tasks.update_serving_indexes()
    silver_to_gold >> export >> indexes
    return silver_to_gold, indexes
