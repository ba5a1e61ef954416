"""The three stages of the pipeline, declared once and used twice: as the task groups of
``tmdb_batch_pipeline`` (what users trigger, schedule and backfill) and as the stand-alone stage DAGs
``batch_ingestion``, ``batch_transform`` and ``batch_aggregate`` (to re-run one stage for one logical hour).
"""

from __future__ import annotations

from datetime import timedelta

from airflow.providers.standard.operators.python import PythonOperator
from airflow.providers.standard.sensors.python import PythonSensor

from common import tasks
from common.defaults import LOGICAL_HOUR, TMDB_POOL, param_flag, spark_task

BRONZE_JOB = "spark_jobs/bronze/run.py"
SILVER_JOB = "spark_jobs/silver/run.py"
SILVER_CHECKS_JOB = "spark_jobs/silver/checks.py"
GOLD_JOB = "spark_jobs/gold/run.py"
EXPORT_JOB = "batch_views/export_to_mongo.py"


def ingestion_stage() -> tuple[object, object]:
    """TMDB -> staging on the lake -> Bronze. The extraction tasks share the `tmdb_api` pool, so two runs that
    overlap (a backfill beside the schedule) still respect one global TMDB rate limit. The seed's
    store_to_hdfs_bronze and update_metadata are one task (`store_to_hdfs_bronze`): it stores the hour's
    partitions, then writes the run record and the stage's success, which the transform waits for."""
    reingest = param_flag("reingest")
    check_api_health = PythonOperator(
        task_id="check_api_health", python_callable=tasks.check_api_health, op_args=[LOGICAL_HOUR]
    )
    extract_movies = spark_task("extract_movies", BRONZE_JOB, "--step", "extract-movies", reingest, pool=TMDB_POOL)
    extract_reviews = spark_task("extract_reviews", BRONZE_JOB, "--step", "extract-reviews", reingest, pool=TMDB_POOL)
    extract_people = spark_task("extract_people", BRONZE_JOB, "--step", "extract-people", reingest, pool=TMDB_POOL)
    validate_extraction = spark_task("validate_extraction", BRONZE_JOB, "--step", "validate", reingest)
    store_to_hdfs_bronze = spark_task(
        "store_to_hdfs_bronze", BRONZE_JOB, "--step", "store", "--step", "update-metadata", reingest
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


def transform_stage() -> tuple[object, object]:
    """Bronze -> Silver. The seed's spark_deduplicate, spark_validate_schema, spark_enrich_data,
    spark_sentiment_analysis and write_to_silver are one Spark job (`bronze_to_silver`): each is a transform of
    one DataFrame chain, and splitting them would write and re-read the whole dataset between steps.
    The job validates before it publishes; `data_quality_checks` then checks what was published."""
    wait_for_bronze = PythonSensor(
        task_id="wait_for_bronze",
        python_callable=tasks.stage_succeeded,
        op_args=["ingestion", LOGICAL_HOUR],
        poke_interval=10,
        timeout=int(timedelta(hours=2).total_seconds()),
        mode="reschedule",
    )
    bronze_to_silver = spark_task("bronze_to_silver", SILVER_JOB)
    data_quality_checks = spark_task("data_quality_checks", SILVER_CHECKS_JOB)
    wait_for_bronze >> bronze_to_silver >> data_quality_checks
    return wait_for_bronze, data_quality_checks


def aggregate_stage() -> tuple[object, object]:
    """Silver -> Gold -> MongoDB. The seed's spark_genre_aggregations, spark_trending_scores,
    spark_actor_networks and write_to_gold are one Spark job (`silver_to_gold`): every view reads the same Silver
    snapshot, which the job reads and caches once; all seven views pass their Great Expectations suites before
    any is written, and they are published together, so the export never serves one run's views built from two
    states of Silver, and a failed view publishes none."""
    wait_for_silver = PythonSensor(
        task_id="wait_for_silver",
        python_callable=tasks.stage_succeeded,
        op_args=["transform", LOGICAL_HOUR],
        poke_interval=10,
        timeout=int(timedelta(hours=2).total_seconds()),
        mode="reschedule",
    )
    # A re-ingested hour's Gold is rebuilt (Silver sees the re-ingestion in Bronze's history by itself).
    silver_to_gold = spark_task("silver_to_gold", GOLD_JOB, param_flag("force"))
    export = spark_task("export_to_mongodb", EXPORT_JOB)
    indexes = PythonOperator(task_id="update_serving_indexes", python_callable=tasks.update_serving_indexes)
    wait_for_silver >> silver_to_gold >> export >> indexes
    return wait_for_silver, indexes
