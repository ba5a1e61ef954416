"""Retention deletes whole partitions older than the configured days, measured from the logical hour."""

from __future__ import annotations

from config.settings import load_settings
from master_dataset.partitioning import LogicalHour
from spark_jobs.retention import apply_retention, partition_time
from spark_jobs.utils.lake import LakeFS, LakePaths

NOW = LogicalHour.parse("2025-11-09T12:00:00+00:00")


def write(spark, path: str) -> None:
    spark.createDataFrame([(1,)], "movie_id int").write.mode("overwrite").parquet(path)


def build_lake(spark, paths: LakePaths) -> dict[str, str]:
    folders = {
        "old_bronze": paths.bronze_partition("movies", LogicalHour.parse("2025-08-01T08:00:00+00:00")),
        "new_bronze": paths.bronze_partition("movies", LogicalHour.parse("2025-11-01T08:00:00+00:00")),
        "old_observations": paths.silver("movie_observations") + "/observed_date=2023-11-01",
        "new_observations": paths.silver("movie_observations") + "/observed_date=2025-11-08",
        "old_gold": paths.gold("genre_analytics") + "/year=2019/month=1/batch_run_id=batch_2019_01_01_00",
        "new_gold": paths.gold("genre_analytics") + "/year=2019/month=1/batch_run_id=batch_2025_11_09_08",
        "silver_movies": paths.silver("movies") + "/year=1999/month=10/genre=drama",
    }
    for path in folders.values():
        write(spark, path)
    return folders


def test_partition_time_reads_every_partition_naming() -> None:
    assert partition_time({"year": "2025", "month": "8", "day": "1", "hour": "8"}).isoformat() == (
        "2025-08-01T08:00:00+00:00"
    )
    assert partition_time({"observed_date": "2025-11-08"}).day == 8
    assert partition_time({"year": "2019", "batch_run_id": "batch_2019_01_01_00"}).year == 2019
    assert partition_time({"year": "1999", "month": "10", "genre": "drama"}) is None


def test_dry_run_lists_expired_partitions_and_deletes_nothing(spark, lake_root: str) -> None:
    settings = load_settings(_env_file=None, lake_root=lake_root)
    lake, paths = LakeFS(spark), LakePaths(lake_root)
    folders = build_lake(spark, paths)

    summary = apply_retention(lake, settings, NOW, dry_run=True)

    assert summary["expired_partitions"] == {
        "bronze/movies": 1,
        "silver/movie_observations": 1,
        "gold/genre_analytics": 1,
    }
    assert sorted(summary["paths"]) == sorted([folders["old_bronze"], folders["old_observations"], folders["old_gold"]])
    assert all(lake.exists(path) for path in folders.values())


def test_retention_deletes_only_expired_partitions(spark, lake_root: str) -> None:
    settings = load_settings(_env_file=None, lake_root=lake_root, bronze_retention_days=90, gold_retention_days=1825)
    lake, paths = LakeFS(spark), LakePaths(lake_root)
    folders = build_lake(spark, paths)

    apply_retention(lake, settings, NOW, dry_run=False)

    gone = {name for name, path in folders.items() if not lake.exists(path)}
    assert gone == {"old_bronze", "old_observations", "old_gold"}
    assert apply_retention(lake, settings, NOW, dry_run=False)["expired_partitions"] == {}


def test_shorter_retention_setting_expires_more(spark, lake_root: str) -> None:
    settings = load_settings(_env_file=None, lake_root=lake_root, bronze_retention_days=5)
    folders = build_lake(spark, LakePaths(lake_root))
    summary = apply_retention(LakeFS(spark), settings, NOW, dry_run=True)
    assert folders["new_bronze"] in summary["paths"]
