"""Retention: deletes whole lake partitions older than the configured number of days.

    python -m spark_jobs.retention --logical-date D [--dry-run]

Age is measured from the run's logical hour, never the wall clock, so a re-run decides the same way.

| area | partitions | kept for |
|---|---|---|
| bronze/{movies,reviews,people} | year=/month=/day=/hour= | BRONZE_RETENTION_DAYS |
| quarantine/* | batch_run_id= | BRONZE_RETENTION_DAYS (the raw records they hold) |
| silver/movie_observations | observed_date= | SILVER_RETENTION_DAYS |
| gold/<view> | .../batch_run_id= | GOLD_RETENTION_DAYS |
| quality/*, metadata/* | batch_run_id= | GOLD_RETENTION_DAYS |

`silver/movies` and `silver/reviews` are the current state of each movie and review, not history: retention
does not apply to them.
"""

from __future__ import annotations

import argparse
import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from config.settings import Settings, get_settings
from master_dataset.partitioning import LogicalHour
from spark_jobs.utils.job_process import exit_now
from spark_jobs.utils.lake import BRONZE_DATASETS, GOLD_VIEWS, LakeFS, LakePaths, open_lake
from spark_jobs.utils.logging_utils import configure_logging

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Expired:
    area: str
    path: str
    partition_time: datetime


def partition_time(values: dict[str, str]) -> datetime | None:
    """The time a partition stands for, from its folder names; None when they name no time."""
    if "batch_run_id" in values:
        try:
            return LogicalHour.parse(values["batch_run_id"]).start
        except ValueError:
            return None
    if "observed_date" in values:
        try:
            return datetime.fromisoformat(values["observed_date"]).replace(tzinfo=UTC)
        except ValueError:
            return None
    if {"year", "month", "day", "hour"} <= values.keys():
        try:
            return datetime(
                int(values["year"]), int(values["month"]), int(values["day"]), int(values["hour"]), tzinfo=UTC
            )
        except ValueError:
            return None
    return None


def retention_plan(settings: Settings, paths: LakePaths) -> list[tuple[str, str, int]]:
    """(area, dataset path, days kept) for every dataset retention applies to."""
    bronze, silver, gold = settings.bronze_retention_days, settings.silver_retention_days, settings.gold_retention_days
    plan = [(f"bronze/{name}", paths.bronze(name), bronze) for name in BRONZE_DATASETS]
    plan.append(("silver/movie_observations", paths.silver("movie_observations"), silver))
    plan.extend((f"gold/{view}", paths.gold(view), gold) for view in GOLD_VIEWS)
    plan.extend(
        [
            ("quarantine", paths.layer("quarantine"), bronze),
            ("quality", paths.layer("quality"), gold),
            ("metadata", paths.layer("metadata"), gold),
        ]
    )
    return plan


def find_expired(lake: LakeFS, settings: Settings, paths: LakePaths, now: datetime) -> list[Expired]:
    expired = []
    for area, dataset, days in retention_plan(settings, paths):
        cutoff = now - timedelta(days=days)
        for values, path in lake.walk_partitions(dataset):
            moment = partition_time(values)
            if moment is not None and moment < cutoff:
                expired.append(Expired(area, _outermost_timed_folder(path, values), moment))
    # A partition folder such as batch_run_id= can hold nested folders: delete each expired folder once.
    unique = {item.path: item for item in expired}
    return sorted(unique.values(), key=lambda item: item.path)


def _outermost_timed_folder(path: str, values: dict[str, str]) -> str:
    """For bronze, the hour folder; for the others, the folder of the key that carries the time."""
    for key in ("batch_run_id", "observed_date"):
        marker = f"/{key}={values.get(key)}"
        if key in values and marker in path:
            return path[: path.index(marker) + len(marker)]
    return path


def apply_retention(lake: LakeFS, settings: Settings, hour: LogicalHour, dry_run: bool) -> dict[str, object]:
    """Deletes (or, in a dry run, lists) every expired partition; returns counts per area and the paths."""
    expired = find_expired(lake, settings, open_lake(settings.lake_root), hour.start)
    for item in expired:
        if dry_run:
            log.info("would delete %s (%s, %s)", item.path, item.area, item.partition_time.isoformat())
        else:
            lake.delete(item.path)
    by_area: dict[str, int] = {}
    for item in expired:
        by_area[item.area] = by_area.get(item.area, 0) + 1
    log.info(
        "retention %s: %s", "dry run" if dry_run else "done", json.dumps(by_area) if by_area else "nothing expired"
    )
    return {
        "batch_run_id": hour.batch_run_id,
        "dry_run": dry_run,
        "expired_partitions": by_area,
        "paths": [item.path for item in expired],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logical-date", required=True)
    parser.add_argument("--dry-run", action="store_true", help="list what would be deleted, delete nothing")
    options = parser.parse_args(argv)
    hour = LogicalHour.parse(options.logical_date)
    configure_logging("retention", hour.batch_run_id)
    settings = get_settings()

    from spark_jobs.utils.spark_session import build_spark_session

    spark = build_spark_session(settings, "retention")
    try:
        summary = apply_retention(LakeFS(spark), settings, hour, options.dry_run)
    finally:
        spark.stop()
    print(json.dumps({key: value for key, value in summary.items() if key != "paths"}, indent=2))
    return 0


if __name__ == "__main__":
    exit_now(main())
