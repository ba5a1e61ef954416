"""Lake paths and filesystem operations through Spark's Hadoop FileSystem API on file://."""

from __future__ import annotations

import pytest

from master_dataset.partitioning import LogicalHour
from spark_jobs.utils.lake import LakeFS, LakePaths


def test_paths_follow_the_seed_layout() -> None:
    paths = LakePaths("hdfs://namenode:8020/data/")
    hour = LogicalHour.parse("2025-10-17T14:00:00+00:00")
    assert paths.bronze_partition("movies", hour) == (
        "hdfs://namenode:8020/data/bronze/movies/year=2025/month=10/day=17/hour=14"
    )
    assert paths.silver("reviews") == "hdfs://namenode:8020/data/silver/reviews"
    assert paths.gold("trending_scores") == "hdfs://namenode:8020/data/gold/trending_scores"
    assert paths.quarantine("movies", hour.batch_run_id).endswith("quarantine/movies/batch_run_id=batch_2025_10_17_14")


def test_unknown_datasets_and_roots_are_refused() -> None:
    with pytest.raises(ValueError, match="LAKE_ROOT"):
        LakePaths("/data/lake")
    with pytest.raises(ValueError, match="bronze dataset"):
        LakePaths("file:///tmp/lake").bronze("films")


def test_logical_hour_names_the_run_and_its_partitions() -> None:
    hour = LogicalHour.parse("2025-11-09T10:37:12+02:00")
    assert hour.batch_run_id == "batch_2025_11_09_08"
    assert hour.partition == {"year": 2025, "month": 11, "day": 9, "hour": 8}
    assert LogicalHour.parse("batch_2025_11_09_08") == hour
    with pytest.raises(ValueError, match="neither ISO-8601"):
        LogicalHour.parse("yesterday")


def test_create_list_rename_and_delete_partitions(spark, lake_root: str) -> None:
    paths = LakePaths(lake_root)
    lake = LakeFS(spark)
    first, second = LogicalHour.parse("batch_2025_10_17_14"), LogicalHour.parse("batch_2025_10_17_18")
    for hour in (first, second):
        spark.createDataFrame([(1, "{}")], "movie_id int, raw_json string").write.mode("overwrite").parquet(
            paths.bronze_partition("movies", hour)
        )
    lake.mkdirs(paths.bronze("movies") + "/_temporary/0")

    assert lake.list_partitions(paths.bronze("movies")) == [
        {"year": "2025", "month": "10", "day": "17", "hour": "14"},
        {"year": "2025", "month": "10", "day": "17", "hour": "18"},
    ]

    moved = paths.bronze("movies") + "/year=2025/month=10/day=18/hour=2"
    lake.rename(paths.bronze_partition("movies", second), moved)
    assert not lake.exists(paths.bronze_partition("movies", second))
    assert spark.read.parquet(moved).count() == 1
    with pytest.raises(FileExistsError):
        lake.rename(moved, paths.bronze_partition("movies", first))

    assert lake.delete(paths.bronze_partition("movies", first)) is True
    assert lake.delete(paths.bronze_partition("movies", first)) is False
    assert lake.list_partitions(paths.bronze("movies")) == [{"year": "2025", "month": "10", "day": "18", "hour": "2"}]


def test_small_text_files_round_trip(spark, lake_root: str) -> None:
    lake = LakeFS(spark)
    path = LakePaths(lake_root).metadata("ingestion_runs", "batch_2025_10_17_14") + "/run.json"
    lake.write_text(path, '{"status": "ok", "title": "Amélie"}')
    assert lake.read_text(path) == '{"status": "ok", "title": "Amélie"}'
    assert [child.name for child in lake.list(LakePaths(lake_root).metadata("ingestion_runs"))] == [
        "batch_run_id=batch_2025_10_17_14"
    ]
