"""Retention DELETEs the rows of expired partitions and VACUUMs their files, measured from the logical hour; a dry
run lists the same and changes nothing; OPTIMIZE compacts the hourly tables' small files."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from config.settings import load_settings
from master_dataset.partitioning import LogicalHour
from spark_jobs import retention
from spark_jobs.utils import tables
from spark_jobs.utils.lake import LakeFiles, LakePaths

# The daily DAG's logical hour (00:30 floored); 90 days of bronze reach back to 2025-08-11.
NOW = LogicalHour.parse("2025-11-09T00:00:00+00:00")
OLD_HOUR, NEW_HOUR = LogicalHour.parse("2025-08-01T08:00:00+00:00"), LogicalHour.parse("2025-11-01T08:00:00+00:00")
OLD_RUN, NEW_RUN = "batch_2019_01_01_00", "batch_2025_11_08_20"
BRONZE = "movie_id int, batch_run_id string, year int, month int, day int, hour int"
CATALOGUE = "movie_id int, batch_run_id string, export_date date"


def write_bronze_hour(spark, paths: LakePaths, hour: LogicalHour, movie_ids: list[int]) -> None:
    """One bronze run as the Bronze job writes it: its hour replaced, the table partitioned by day."""
    frame = spark.createDataFrame([(m, hour.batch_run_id, *hour.partition.values()) for m in movie_ids], BRONZE)
    tables.commits_as(spark, hour.batch_run_id)
    tables.replace_where(
        frame.coalesce(1), paths.bronze("movies"), tables.predicate(hour.partition), ["year", "month", "day"]
    )


def write_export(spark, paths: LakePaths, hour: LogicalHour, movie_ids: list[int]) -> None:
    """A daily export as the Bronze job stores it: its export_date partition of bronze/catalogue."""
    day = hour.start.date()
    frame = spark.createDataFrame([(m, hour.batch_run_id, day) for m in movie_ids], CATALOGUE)
    tables.commits_as(spark, hour.batch_run_id)
    tables.replace_where(frame, paths.bronze("catalogue"), f"export_date = '{day}'", ["export_date"])


def write_gold_run(spark, paths: LakePaths, run: str, genres: list[str]) -> None:
    frame = spark.createDataFrame(
        [(genre, 1, run) for genre in genres], "genre string, total_movies long, batch_run_id string"
    )
    tables.commits_as(spark, run)
    tables.replace_where(frame.coalesce(1), paths.gold("genre_analytics"), f"batch_run_id = '{run}'", ["batch_run_id"])


def build_lake(spark, lake_root: str) -> LakePaths:
    paths, files = LakePaths(lake_root), LakeFiles(lake_root)
    write_bronze_hour(spark, paths, OLD_HOUR, [1, 2])
    write_bronze_hour(spark, paths, NEW_HOUR, [3])
    write_export(spark, paths, OLD_HOUR, [1, 2, 3])
    write_export(spark, paths, NEW_HOUR, [1, 2, 3, 4])
    write_gold_run(spark, paths, OLD_RUN, ["Drama", "Horror"])
    write_gold_run(spark, paths, NEW_RUN, ["Drama"])
    for run in (OLD_RUN, NEW_RUN):
        files.write_text(paths.metadata("gold_runs", run) + "/run.json", "{}")
    return paths


def local(path: str) -> Path:
    return Path(urlsplit(path).path)


def data_files(path: str) -> set[str]:
    """The Parquet files under a table folder (or one of its partitions), relative to it."""
    return {str(file.relative_to(local(path))) for file in local(path).rglob("*.parquet")}


def test_bronze_hours_expire_by_day_partitions_at_midnight_and_by_the_hour_column_otherwise() -> None:
    assert retention.hour_condition(NOW) == "year * 10000 + month * 100 + day < 20251109"
    assert retention.hour_condition(LogicalHour.parse("batch_2025_11_09_08")) == (
        "year * 10000 + month * 100 + day <= 20251109 AND (year * 10000 + month * 100 + day) * 100 + hour < 2025110908"
    )
    assert retention.date_condition(NOW.minus(days=730)) == "observed_date < DATE'2023-11-10'"


def test_run_ids_compare_as_logical_hours_and_other_values_stay() -> None:
    runs = [NEW_RUN, "batch_2025_08_10_23", "batch_2025_08_11_00", OLD_RUN, "2019-01-01", "manual", "batch_2019_1_1_0"]
    assert retention.expired_runs(runs, NOW.minus(days=90)) == [OLD_RUN, "batch_2025_08_10_23"]


def test_each_table_has_the_retention_of_its_layer() -> None:
    settings = load_settings(_env_file=None, bronze_retention_days=5, silver_retention_days=6, gold_retention_days=7)
    assert retention.rule_for("bronze/people", settings) == retention.Rule("hour", 5)
    assert retention.rule_for("bronze/catalogue", settings) == retention.Rule("export_date", 5)
    assert retention.rule_for("quarantine/silver_movies", settings) == retention.Rule("batch_run_id", 5)
    assert retention.rule_for("silver/movie_observations", settings) == retention.Rule("observed_date", 6)
    assert retention.rule_for("gold/trending_scores", settings) == retention.Rule("batch_run_id", 7)
    assert retention.rule_for("silver/movies", settings) is None


def test_dry_run_lists_expired_partitions_and_vacuumable_files_and_changes_nothing(spark, lake_root: str) -> None:
    paths = build_lake(spark, lake_root)
    # A re-run of the new gold run: the files it replaced are no longer read by the latest version.
    write_gold_run(spark, paths, NEW_RUN, ["Drama", "Comedy"])
    gold = paths.gold("genre_analytics")
    unread = data_files(gold) - {
        f.rsplit("/genre_analytics/", 1)[1] for f in spark.read.format("delta").load(gold).inputFiles()
    }
    assert len(unread) == 1
    versions = {path: tables.last_commit(spark, path)["version"] for path in (paths.bronze("movies"), gold)}
    on_disk = sorted(local(lake_root).rglob("*"))
    settings = load_settings(_env_file=None, lake_root=lake_root, delta_vacuum_retention_hours=0)

    summary = retention.apply_retention(spark, settings, NOW, dry_run=True)

    report = summary["tables"]
    assert report["bronze/movies"]["expired"] == [{"partition": "year=2025/month=8/day=1/hour=8", "rows": 2}]
    assert report["gold/genre_analytics"]["expired"] == [{"partition": f"batch_run_id={OLD_RUN}", "rows": 2}]
    assert report["bronze/catalogue"]["expired"] == [{"partition": "export_date=2025-08-01", "rows": 3}]
    assert report["bronze/movies"]["vacuum_files"] == []
    assert {f.rsplit("/genre_analytics/", 1)[1] for f in report["gold/genre_analytics"]["vacuum_files"]} == unread
    assert summary["folders"] == [paths.metadata("gold_runs", OLD_RUN)]
    assert {path: tables.last_commit(spark, path)["version"] for path in versions} == versions
    assert sorted(local(lake_root).rglob("*")) == on_disk
    assert spark.conf.get(tables.RETENTION_CHECK) == "true"


def test_retention_deletes_and_vacuums_expired_bronze_hours_and_gold_runs(spark, lake_root: str) -> None:
    paths = build_lake(spark, lake_root)
    old_bronze = paths.bronze("movies") + "/year=2025/month=8"
    old_gold = f"{paths.gold('genre_analytics')}/batch_run_id={OLD_RUN}"
    expired_files = len(data_files(old_bronze)) + len(data_files(old_gold))
    assert expired_files == 2
    settings = load_settings(_env_file=None, lake_root=lake_root, delta_vacuum_retention_hours=0)

    summary = retention.apply_retention(spark, settings, NOW, optimize=False)

    report = summary["tables"]
    assert (report["bronze/movies"]["deleted_rows"], report["gold/genre_analytics"]["deleted_rows"]) == (2, 2)
    catalogue = spark.read.format("delta").load(paths.bronze("catalogue"))
    assert report["bronze/catalogue"]["deleted_rows"] == 3 and catalogue.count() == 4
    assert report["bronze/movies"]["vacuumed_files"] + report["gold/genre_analytics"]["vacuumed_files"] == 2
    assert data_files(old_bronze) == set() and data_files(old_gold) == set()
    bronze = spark.read.format("delta").load(paths.bronze("movies"))
    assert [tuple(row) for row in bronze.select("movie_id", "year", "month", "day", "hour").collect()] == [
        (3, 2025, 11, 1, 8)
    ]
    gold = spark.read.format("delta").load(paths.gold("genre_analytics"))
    assert [tuple(row) for row in gold.select("genre", "batch_run_id").collect()] == [("Drama", NEW_RUN)]
    assert tables.last_commit(spark, paths.gold("genre_analytics"))["userMetadata"] == "retention_2025_11_09_00"
    files = LakeFiles(lake_root)
    assert not files.exists(paths.metadata("gold_runs", OLD_RUN))
    assert files.exists(paths.metadata("gold_runs", NEW_RUN) + "/run.json")
    assert spark.conf.get(tables.RETENTION_CHECK) == "true"


def test_optimize_compacts_the_small_files_of_hourly_appends(spark, lake_root: str) -> None:
    paths = LakePaths(lake_root)
    for hour in (1, 2, 3):
        write_bronze_hour(spark, paths, LogicalHour.parse(f"2025-11-01T{hour:02d}:00:00+00:00"), [hour])
    silver = paths.silver("movies")
    for movie_id in (1, 2, 3):
        spark.createDataFrame([(movie_id, "t")], "movie_id int, title string").write.format("delta").mode(
            "append"
        ).save(silver)

    results = retention.optimize_lake(spark, paths)

    assert set(results) == {"bronze/movies", "silver/movies"}
    assert [(results[t]["files_before"], results[t]["files_after"]) for t in sorted(results)] == [(3, 1), (3, 1)]
    assert spark.read.format("delta").load(paths.bronze("movies")).count() == 3
    commit = tables.last_commit(spark, silver)
    assert (commit["operation"], commit["operationParameters"]["zOrderBy"]) == ("OPTIMIZE", '["movie_id"]')
