"""Retention and upkeep of the lake's tables: expired partitions deleted, small files compacted, old files vacuumed.

    python -m spark_jobs.retention --logical-date D [--dry-run] [--skip-optimize]

Age is measured from the run's logical hour, never the wall clock, so a re-run decides the same way: a partition
expires once the span it stands for started before the cutoff (the logical hour minus the days kept).

| table | partition (its age) | kept for |
|---|---|---|
| bronze/{movies,reviews,people} | year, month, day + the hour column | BRONZE_RETENTION_DAYS |
| bronze/catalogue | export_date (the day of the daily export) | BRONZE_RETENTION_DAYS |
| quarantine/* | batch_run_id (the run's hour) | BRONZE_RETENTION_DAYS (the raw records they hold) |
| silver/movie_observations | observed_date (a whole day) | SILVER_RETENTION_DAYS |
| gold/<view> | batch_run_id (the run's hour) | GOLD_RETENTION_DAYS |
| quality/*, metadata/* (plain folders) | batch_run_id= | GOLD_RETENTION_DAYS |

`silver/movies` and `silver/reviews` are the current state of each movie and review, not history: no rows expire.

For each Delta table that exists, in order:

1. ``DELETE FROM delta.`path` WHERE <expired partitions>``: one commit; the files stay, so time travel to the
   versions before it still works, until VACUUM.
2. ``OPTIMIZE``: silver/movies ``ZORDER BY (movie_id)``; bronze/*, silver/movie_observations and silver/reviews
   compacted (their hourly writes and MERGEs leave many small files and deletion vectors). ``--skip-optimize``
   leaves it out; the Silver job calls :func:`optimize_silver` after a full refresh.
3. ``VACUUM ... RETAIN DELTA_VACUUM_RETENTION_HOURS HOURS``: deletes the files no version of that many hours
   reads; time travel then reaches those versions only.

The expired ``batch_run_id=`` folders of quality/ and metadata/ are deleted as files (:class:`LakeFiles`).
``--dry-run`` lists, per table, the partitions and row counts DELETE would remove and the files
``VACUUM ... DRY RUN`` would delete now, and commits nothing.

The job's commits name ``retention_YYYY_MM_DD_HH`` in their userMetadata, not a batch_run_id: the time travel of a
pipeline run (:func:`spark_jobs.utils.tables.version_of_run`) never lands on them.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from config.settings import Settings, get_settings
from master_dataset.partitioning import LogicalHour
from spark_jobs.utils import tables
from spark_jobs.utils.job_entry import run_as_program
from spark_jobs.utils.lake import BRONZE_CATALOGUE, BRONZE_DATASETS, LakeFiles, LakePaths, open_lake

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)

Partitioning = Literal["hour", "observed_date", "export_date", "batch_run_id"]
# Plain-file layers whose batch_run_id= folders expire after GOLD_RETENTION_DAYS.
FOLDER_LAYERS = ("quality", "metadata")
# Tables OPTIMIZE clusters by a column; the others it only compacts.
ZORDER_BY = {"silver/movies": ("movie_id",)}
SILVER_OPTIMIZED = ("silver/movies", "silver/reviews", "silver/movie_observations")
# The daily OPTIMIZE: the hourly bronze tables, then Silver's.
OPTIMIZED = (*(f"bronze/{name}" for name in BRONZE_DATASETS), *SILVER_OPTIMIZED)


@dataclass(frozen=True)
class Rule:
    """How a table's rows age: the partitioning that dates them, and the days they are kept."""

    partitioning: Partitioning
    days: int


@dataclass(frozen=True)
class Expired:
    """What retention removes from one table: the DELETE's condition and the partitions it matches."""

    table: str
    condition: str
    partitions: tuple[tuple[str, int], ...]  # (partition, rows)

    @property
    def rows(self) -> int:
        return sum(rows for _, rows in self.partitions)


def commit_name(hour: LogicalHour) -> str:
    """The userMetadata of the retention job's commits: its day and hour, apart from the pipeline's runs."""
    return hour.start.strftime("retention_%Y_%m_%d_%H")


def rule_for(table: str, settings: Settings) -> Rule | None:
    """The retention of a table (``layer/name``); None for the tables no rows expire from."""
    layer = table.split("/", 1)[0]
    if table == f"bronze/{BRONZE_CATALOGUE}":
        return Rule("export_date", settings.bronze_retention_days)
    if layer == "bronze":
        return Rule("hour", settings.bronze_retention_days)
    if layer == "quarantine":
        return Rule("batch_run_id", settings.bronze_retention_days)
    if layer == "gold":
        return Rule("batch_run_id", settings.gold_retention_days)
    if table == "silver/movie_observations":
        return Rule("observed_date", settings.silver_retention_days)
    return None


def hour_condition(cutoff: LogicalHour) -> str:
    """Bronze rows of the hours that started before ``cutoff``.

    A cutoff at midnight (the daily DAG's) needs the day partitions alone, so DELETE drops whole files unread;
    otherwise the cutoff's own day is narrowed by the ``hour`` column.
    """
    start = cutoff.start
    day_key = "year * 10000 + month * 100 + day"
    day = start.year * 10000 + start.month * 100 + start.day
    if start.hour == 0:
        return f"{day_key} < {day}"
    return f"{day_key} <= {day} AND ({day_key}) * 100 + hour < {day * 100 + start.hour}"


def date_condition(cutoff: LogicalHour, column: str = "observed_date") -> str:
    """Rows of the days (``column``) that ended by ``cutoff``: observations, or daily exports."""
    return f"{column} < DATE'{cutoff.start.date().isoformat()}'"


def expired_runs(run_ids: Iterable[str], cutoff: LogicalHour) -> list[str]:
    """The run ids whose logical hour is before ``cutoff``, sorted; values that are not a batch_run_id stay."""
    expired = []
    for run_id in run_ids:
        try:
            hour = LogicalHour.parse(run_id)
        except ValueError:
            continue
        if hour.batch_run_id == run_id and hour < cutoff:
            expired.append(run_id)
    return sorted(expired)


def find_expired(spark: SparkSession, table: str, path: str, rule: Rule, hour: LogicalHour) -> Expired:
    """The partitions of the table older than the rule's days before ``hour``, with their row counts."""
    cutoff = hour.minus(days=rule.days)
    source = tables.ref(path)
    if rule.partitioning == "batch_run_id":
        counts = spark.sql(f"SELECT batch_run_id, count(*) AS n FROM {source} GROUP BY batch_run_id").collect()
        rows = {row.batch_run_id: int(row.n) for row in counts}
        runs = expired_runs((run for run in rows if run is not None), cutoff)
        partitions = tuple((f"batch_run_id={run}", rows[run]) for run in runs)
        return Expired(table, tables.is_in("batch_run_id", runs), partitions)
    if rule.partitioning in ("observed_date", "export_date"):
        column = rule.partitioning
        condition = date_condition(cutoff, column)
        counts = spark.sql(
            f"SELECT {column} AS day, count(*) AS n FROM {source} WHERE {condition} GROUP BY {column} ORDER BY day"
        ).collect()
        partitions = tuple((f"{column}={row.day.isoformat()}", int(row.n)) for row in counts)
        return Expired(table, condition, partitions)
    condition = hour_condition(cutoff)
    counts = spark.sql(
        f"SELECT year, month, day, hour, count(*) AS n FROM {source} WHERE {condition} "
        "GROUP BY year, month, day, hour ORDER BY year, month, day, hour"
    ).collect()
    partitions = tuple(
        (f"year={row.year}/month={row.month}/day={row.day}/hour={row.hour}", int(row.n)) for row in counts
    )
    return Expired(table, condition, partitions)


def expired_folders(files: LakeFiles, paths: LakePaths, days: int, hour: LogicalHour) -> list[str]:
    """The ``batch_run_id=`` folders of quality/ and metadata/ whose run is older than ``days`` before ``hour``."""
    cutoff = hour.minus(days=days)
    folders = []
    for layer in FOLDER_LAYERS:
        for dataset in files.list(paths.layer(layer)):
            runs = {
                child.name.removeprefix("batch_run_id="): child.path
                for child in files.list(dataset.path)
                if child.is_dir and child.name.startswith("batch_run_id=")
            }
            folders.extend(runs[run] for run in expired_runs(runs, cutoff))
    return sorted(folders)


# ---------------------------------------------------------------------------------------------- OPTIMIZE


def optimize_table(spark: SparkSession, table: str, path: str) -> dict[str, Any] | None:
    """OPTIMIZE one table (Z-ordered when :data:`ZORDER_BY` names it); its files before and after, and the time.
    None when the table does not exist yet."""
    if not tables.exists(spark, path):
        log.info("OPTIMIZE %s skipped: no table at %s yet", table, path)
        return None
    zorder_by = ZORDER_BY.get(table, ())
    started = time.monotonic()
    before = int(tables.detail(spark, path)["numFiles"])
    metrics = tables.optimize(spark, path, zorder_by)
    after = int(tables.detail(spark, path)["numFiles"])
    seconds = round(time.monotonic() - started, 1)
    log.info(
        "OPTIMIZE %s%s: %d -> %d files (%d written, %d replaced) in %.1f s",
        table,
        f" ZORDER BY ({', '.join(zorder_by)})" if zorder_by else "",
        before,
        after,
        metrics["files_added"],
        metrics["files_removed"],
        seconds,
    )
    return {"files_before": before, "files_after": after, "seconds": seconds, **metrics}


def optimize_tables(spark: SparkSession, paths: LakePaths, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    """OPTIMIZE each of the tables (``layer/name``) that exists; results by table."""
    results = {}
    for table in names:
        layer, name = table.split("/", 1)
        path = paths.bronze(name) if layer == "bronze" else paths.silver(name)
        result = optimize_table(spark, table, path)
        if result is not None:
            results[table] = result
    return results


def optimize_silver(spark: SparkSession, paths: LakePaths) -> dict[str, dict[str, Any]]:
    """silver/movies Z-ordered by movie_id, silver/reviews and silver/movie_observations compacted: what the
    Silver job runs after a full refresh (which rewrites every file)."""
    return optimize_tables(spark, paths, SILVER_OPTIMIZED)


def optimize_lake(spark: SparkSession, paths: LakePaths) -> dict[str, dict[str, Any]]:
    """The daily OPTIMIZE: the hourly bronze tables compacted, then the Silver tables (:func:`optimize_silver`)."""
    return optimize_tables(spark, paths, OPTIMIZED)


# ---------------------------------------------------------------------------------------------- the job


def expire_partitions(
    spark: SparkSession, table: str, path: str, rule: Rule, hour: LogicalHour, *, dry_run: bool
) -> dict[str, Any]:
    """Deletes (or lists) a table's partitions older than its rule; returns them with their rows."""
    verb = "would delete" if dry_run else "deleting"
    expired = find_expired(spark, table, path, rule, hour)
    for partition, rows in expired.partitions:
        log.info("%s %s %s: %d rows (older than %d days)", verb, table, partition, rows, rule.days)
    result: dict[str, Any] = {
        "expired": [{"partition": partition, "rows": rows} for partition, rows in expired.partitions]
    }
    if expired.partitions and not dry_run:
        result["deleted_rows"] = tables.delete_where(spark, path, expired.condition)
    return result


def vacuum_table(spark: SparkSession, table: str, path: str, hours: int, *, dry_run: bool) -> dict[str, Any]:
    """VACUUMs a table (or lists the files VACUUM would delete), keeping ``hours`` of versions."""
    if dry_run:
        doomed = tables.vacuum_dry_run(spark, path, hours)
        for file in doomed:
            log.info("VACUUM %s would delete %s", table, file)
        return {"vacuum_files": doomed}
    vacuumed = tables.vacuum(spark, path, hours)
    log.info("VACUUM %s RETAIN %d HOURS: %s files deleted", table, hours, vacuumed)
    return {"vacuumed_files": vacuumed}


def apply_retention(
    spark: SparkSession,
    settings: Settings,
    hour: LogicalHour,
    *,
    dry_run: bool = False,
    optimize: bool = True,
) -> dict[str, Any]:
    """Deletes (or, in a dry run, lists) the expired partitions and folders, OPTIMIZEs, then VACUUMs every table.

    Returns, per table: the expired partitions with their rows, the rows deleted, OPTIMIZE's facts and the files
    VACUUM deleted (in a dry run, the files it would delete); and the expired folders.
    """
    paths = open_lake(settings.lake_root)
    files = LakeFiles(paths.root)
    found = tables.find(files, paths)
    report: dict[str, dict[str, Any]] = {table: {} for table, _ in found}
    if not dry_run:
        tables.commits_as(spark, commit_name(hour))

    for table, path in found:
        rule = rule_for(table, settings)
        if rule is not None:
            report[table].update(expire_partitions(spark, table, path, rule, hour, dry_run=dry_run))

    if optimize and not dry_run:
        for table, result in optimize_lake(spark, paths).items():
            report[table]["optimize"] = result
    elif optimize:
        log.info("would OPTIMIZE: %s", ", ".join(table for table, _ in found if table in OPTIMIZED) or "nothing")

    hours = settings.delta_vacuum_retention_hours
    with tables.vacuum_retention(spark, hours):
        for table, path in found:
            report[table].update(vacuum_table(spark, table, path, hours, dry_run=dry_run))

    folders = expired_folders(files, paths, settings.gold_retention_days, hour)
    for folder in folders:
        if dry_run:
            log.info("would delete %s (older than %d days)", folder, settings.gold_retention_days)
        else:
            files.delete(folder)

    summary = {
        "batch_run_id": hour.batch_run_id,
        "dry_run": dry_run,
        "vacuum_retention_hours": hours,
        "tables": report,
        "folders": folders,
    }
    expired_rows = {table: sum(p["rows"] for p in entry.get("expired", [])) for table, entry in report.items()}
    log.info(
        "retention %s: %d tables, expired rows %s, %d folders",
        "dry run" if dry_run else "done",
        len(found),
        json.dumps({table: rows for table, rows in expired_rows.items() if rows}),
        len(folders),
    )
    return summary


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--logical-date", required=True)
    parser.add_argument("--dry-run", action="store_true", help="list what would be deleted; change nothing")
    parser.add_argument("--skip-optimize", action="store_true", help="leave OPTIMIZE out")
    return parser.parse_args(argv)


def run(spark: SparkSession, argv: Sequence[str]) -> dict[str, Any]:
    """Retention on a session its caller owns (the retention DAG's Spark Connect session, a test's)."""
    options = parse_args(argv)
    hour = LogicalHour.parse(options.logical_date)
    return apply_retention(spark, get_settings(), hour, dry_run=options.dry_run, optimize=not options.skip_optimize)


def main(argv: Sequence[str] | None = None) -> int:
    return run_as_program(
        "retention", parse_args, run, argv, report=lambda summary: print(json.dumps(summary, indent=2, default=str))
    )


if __name__ == "__main__":
    sys.exit(main())
