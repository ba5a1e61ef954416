"""
### Batch retention: expire old partitions, compact and vacuum the lake's tables, daily

`apply_retention` deletes (`DELETE FROM`, one commit per table) the partitions older than `BRONZE_RETENTION_DAYS`
(Bronze, quarantine), `SILVER_RETENTION_DAYS` (the Silver observation history) and `GOLD_RETENTION_DAYS` (Gold
run snapshots; the quality results and run records, plain folders, deleted as files), measured from the run's
logical hour. It then runs `OPTIMIZE` (silver/movies `ZORDER BY (movie_id)`; the hourly Bronze tables, the
observations and reviews compacted) and `VACUUM` every table, which keeps the files of the last
`DELTA_VACUUM_RETENTION_HOURS` of versions: time travel reaches that far back. Its log lists every partition, row
count and file. To see what it would delete without deleting, run
`python -m spark_jobs.retention --logical-date <date> --dry-run` (`make retention-dry-run`).
"""

from __future__ import annotations

from airflow.sdk import DAG

from batch_layer_dags.defaults import DEFAULT_ARGS, START_DATE
from batch_layer_dags.tasks import spark_task

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
    spark_task("apply_retention", "spark_jobs.retention")
