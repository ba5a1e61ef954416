"""`data_quality_checks`: the silver suites on what Silver published, then the transform stage's record.

    python -m spark_jobs.silver.checks --logical-date D

The silver job already validated its output before publishing it (write, audit, publish). This task checks
the published datasets as readers see them, with the same suites, writes their Data Docs under
`quality/silver_<dataset>_published/batch_run_id=`, and records the transform stage in `moviedb.batch_runs`
(rows in and out, quarantined, expectations, duration), which the operators read. A failed critical
expectation, or a silver run that did not publish, fails the task and records nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from master_dataset.partitioning import LogicalHour
from spark_jobs.utils import tables
from spark_jobs.utils.job_entry import run_as_program
from spark_jobs.utils.lake import LakeFiles, LakePaths, open_lake

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from config.settings import Settings

log = logging.getLogger(__name__)

PUBLISHED_STATUSES = ("published", "up_to_date")


def silver_run_record(lake: LakeFiles, paths: LakePaths, batch_run_id: str) -> dict[str, Any]:
    path = f"{paths.metadata('silver_runs', batch_run_id)}/run.json"
    if not lake.exists(path):
        raise RuntimeError(f"no silver run record for {batch_run_id} at {path}: run bronze_to_silver first")
    return json.loads(lake.read_text(path))


def stage_summary(record: dict[str, Any], checks: list[dict[str, Any]]) -> dict[str, Any]:
    """What the run summary shows of the transform: rows in and out, quarantined, expectations, duration."""
    counts = record.get("counts") or {}
    return {
        "mode": record.get("mode"),
        "status": record.get("status"),
        "duration_seconds": record.get("duration_seconds"),
        "rows_in": {
            "bronze movie rows": counts.get("bronze_movie_rows", 0),
            "review pages": counts.get("bronze_review_pages", 0),
        },
        "rows_out": {"movies": counts.get("movies_out", 0), "reviews": counts.get("reviews_out", 0)},
        "quarantined": counts.get("quarantined_silver_movies", 0) + counts.get("quarantined_silver_reviews", 0),
        "expectations": {
            check["suite"]: {"passed": check["passed"], "evaluated": check["evaluated"]} for check in checks
        },
    }


def check_published(spark: SparkSession, settings: Settings, hour: LogicalHour) -> dict[str, Any]:
    from batch_views.serving import MongoTarget, connect, record_stage
    from ge_expectations import batch_layer_suite as suites
    from spark_jobs.silver.run import SILVER_DATASETS

    paths = open_lake(settings.lake_root)
    lake = LakeFiles(paths.root)
    batch_run_id = hour.batch_run_id
    record = silver_run_record(lake, paths, batch_run_id)
    if record.get("status") not in PUBLISHED_STATUSES:
        raise RuntimeError(f"silver run {batch_run_id} ended {record.get('status')!r}: nothing to check")
    checks = []
    for dataset, schema in SILVER_DATASETS.items():
        if not tables.exists(spark, paths.silver(dataset)):
            raise RuntimeError(f"silver/{dataset} is not published at {paths.silver(dataset)}")
        suite_name = f"silver_{dataset}_published"
        report = suites.validate(
            tables.read(spark, paths.silver(dataset), schema),
            suite_name,
            suites.silver_suite(dataset, schema.fieldNames(), 1),
            batch_run_id=batch_run_id,
            quality_path=paths.quality(suite_name, batch_run_id),
            lake_files=lake,
            dataset=paths.silver(dataset),
        )
        report.raise_for_critical()
        checks.append(report.summary())
    summary = stage_summary(record, checks)
    target = MongoTarget.from_settings(settings)
    with connect(target) as client:
        record_stage(client[target.database], batch_run_id, "transform", "success", summary)
    return summary


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m spark_jobs.silver.checks", description=__doc__.splitlines()[0])
    parser.add_argument("--logical-date", required=True)
    return parser.parse_args(argv)


def run(spark: SparkSession, argv: Sequence[str]) -> dict[str, Any]:
    """The checks on a session their caller owns; raises when a critical expectation fails."""
    from config.settings import get_settings
    from ge_expectations.batch_layer_suite import preload

    preload()  # overlaps Great Expectations' import with reading the tables
    hour = LogicalHour.parse(parse_args(argv).logical_date)
    summary = check_published(spark, get_settings(), hour)
    log.info("transform of %s recorded: %s", hour.batch_run_id, json.dumps(summary, default=str))
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    from ge_expectations.batch_layer_suite import DataQualityError

    return run_as_program("silver_checks", parse_args, run, argv, failures=(DataQualityError, RuntimeError))


if __name__ == "__main__":
    sys.exit(main())
