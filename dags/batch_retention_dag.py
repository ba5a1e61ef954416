"""
### Batch retention: delete expired lake partitions, daily

`apply_retention` deletes whole partitions older than `BRONZE_RETENTION_DAYS` (Bronze, quarantine),
`SILVER_RETENTION_DAYS` (the Silver observation history) and `GOLD_RETENTION_DAYS` (Gold run snapshots, quality
results, run records), measured from the run's logical hour, through the Hadoop FileSystem API. Its log lists
every deleted folder. To see what it would delete without deleting, run
`python -m spark_jobs.retention --logical-date <date> --dry-run` (`make retention-dry-run`).
"""

from __future__ import annotations

from airflow.sdk import DAG
from common.defaults import DEFAULT_ARGS, START_DATE, spark_task

with DAG(
    dag_id="batch_retention",
    doc_md=__doc__,
    start_date=START_DATE,
    schedule="30 0 * * *",
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["batch-layer", "retention"],
):
    spark_task("apply_retention", "spark_jobs/retention.py")
