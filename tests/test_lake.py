"""Lake paths, plain files through LakeFiles, and the lake CLI's table listing, history, time travel and run diff
on small Delta tables in a file:// lake."""

from __future__ import annotations

import re
from datetime import date

import pytest

from master_dataset.partitioning import LogicalHour
from spark_jobs import lake_cli
from spark_jobs.utils import tables
from spark_jobs.utils.lake import LakeFiles, LakePaths

RUN_A, RUN_B = "batch_2025_11_09_08", "batch_2025_11_09_12"
TRENDING = (
    "movie_id int, title string, window string, trending_score double, computed_date date, year int, month int, "
    "batch_run_id string"
)
# run A -> run B: movie 1 unchanged, 2 changed, 3 removed, 4 added. computed_date and year/month say when the
# run was: they differ and are not a change.
TRENDING_RUNS = {
    RUN_A: [(1, "Alien", "7d", 1.0), (2, "Brazil", "7d", 2.0), (3, "Cube", "7d", 3.0)],
    RUN_B: [(1, "Alien", "7d", 1.0), (2, "Brazil", "7d", 2.5), (4, "Dune", "7d", 4.0)],
}


def write_trending(spark, paths: LakePaths) -> str:
    """gold/trending_scores as the Gold job writes it: each run replaces its batch_run_id partition, one commit
    named after it (version 0 by run A, version 1 by run B)."""
    path = paths.gold("trending_scores")
    for run, rows in TRENDING_RUNS.items():
        day = LogicalHour.parse(run).start.date() if run == RUN_A else date(2025, 12, 1)
        frame = spark.createDataFrame([(*row, day, day.year, day.month, run) for row in rows], TRENDING)
        tables.commits_as(spark, run)
        tables.replace_where(frame.coalesce(1), path, f"batch_run_id = '{run}'", ["batch_run_id"])
    return path


def first_column(lines: list[str]) -> list[str]:
    """The first cell of each row of a rendered table (after its title and header lines)."""
    return [line.split()[0] for line in lines[2:]]


def test_paths_follow_the_seed_layout() -> None:
    paths = LakePaths("hdfs://namenode:8020/data/")
    hour = LogicalHour.parse("2025-10-17T14:00:00+00:00")
    assert paths.bronze("movies") == "hdfs://namenode:8020/data/bronze/movies"
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


def test_lake_files_write_read_list_size_and_delete_on_file_urls(lake_root: str) -> None:
    files, paths = LakeFiles(lake_root), LakePaths(lake_root)
    record = paths.metadata("ingestion_runs", RUN_A) + "/run.json"
    files.write_text(record, '{"status": "ok", "title": "Amélie"}')
    files.write_text(paths.metadata("ingestion_runs", RUN_B) + "/run.json", "{}")

    assert files.read_text(record) == '{"status": "ok", "title": "Amélie"}'
    listed = files.list(paths.metadata("ingestion_runs"))
    assert [(child.name, child.is_dir) for child in listed] == [
        (f"batch_run_id={RUN_A}", True),
        (f"batch_run_id={RUN_B}", True),
    ]
    assert listed[0].path == paths.metadata("ingestion_runs", RUN_A)
    assert [(child.name, child.size) for child in files.list(listed[0].path)] == [("run.json", 36)]
    assert files.size(paths.metadata("ingestion_runs")) == 38

    assert files.delete(paths.metadata("ingestion_runs", RUN_A)) is True
    assert files.delete(paths.metadata("ingestion_runs", RUN_A)) is False
    assert not files.exists(record)
    assert [child.name for child in files.list(paths.metadata("ingestion_runs"))] == [f"batch_run_id={RUN_B}"]
    assert files.list(paths.layer("quality")) == []


def test_table_names_map_to_lake_paths() -> None:
    paths = LakePaths("file:///tmp/lake")
    assert lake_cli.table_path(paths, "silver/movies") == "file:///tmp/lake/silver/movies"
    assert lake_cli.table_path(paths, "quarantine/silver_movies") == "file:///tmp/lake/quarantine/silver_movies"
    for wrong in ("movies", "staging/x", "gold/a/b"):
        with pytest.raises(ValueError, match="layer/name"):
            lake_cli.table_path(paths, wrong)
    with pytest.raises(ValueError, match="gold view"):
        lake_cli.table_path(paths, "gold/box_office")


def test_history_show_as_of_run_or_version_and_the_table_listing(spark, lake_root: str) -> None:
    paths = LakePaths(lake_root)
    path = write_trending(spark, paths)
    LakeFiles(lake_root).write_text(paths.metadata("gold_runs", RUN_B) + "/run.json", "{}")

    history = lake_cli.history_lines(spark, "gold/trending_scores", path, limit=10)
    assert first_column(history) == ["1", "0"]
    assert [line.split()[-4:] for line in history[2:]] == [
        ["WRITE", RUN_B, "3", "1"],
        ["WRITE", RUN_A, "3", "1"],
    ]

    as_of_a = lake_cli.show_lines(spark, "gold/trending_scores", path, run=RUN_A)
    assert as_of_a[0] == f"gold/trending_scores as of version 0 (the last commit of {RUN_A}): 3 rows"
    assert sorted(first_column(as_of_a)) == ["1", "2", "3"]
    latest = lake_cli.show_lines(spark, "gold/trending_scores", path, version=1, where="trending_score > 1.5", limit=2)
    assert latest[0] == "gold/trending_scores as of version 1: 4 rows where trending_score > 1.5, 2 shown"
    assert len(latest) == 4
    with pytest.raises(LookupError, match="never committed"):
        lake_cli.show_lines(spark, "gold/trending_scores", path, run="batch_2025_11_10_00")

    listed = lake_cli.table_lines(spark, LakeFiles(lake_root), paths)
    assert listed[1].startswith(f"  gold/trending_scores  Delta v1 by {RUN_B} (WRITE, ")
    assert re.fullmatch(r".*\), 2 files, \d+\.\d kB, partitioned by batch_run_id", listed[1])
    layers = lake_cli.listing(spark, LakeFiles(lake_root), paths, max_runs=3)
    assert "gold/  (1 datasets)" in layers
    assert "  gold_runs/  1 runs, 0.0 kB" in layers
    assert f"    batch_run_id={RUN_B}" in layers


def test_diff_of_two_runs_counts_added_removed_and_changed_rows_on_the_views_key(spark, lake_root: str) -> None:
    paths = LakePaths(lake_root)
    path = write_trending(spark, paths)
    # Retention deleted run A's partition (not vacuumed): the diff reads it as run A committed it.
    tables.commits_as(spark, "retention_2025_11_10_00")
    tables.delete_where(spark, path, f"batch_run_id = '{RUN_A}'")

    diff = lake_cli.diff_runs(spark, paths, "trending_scores", RUN_A, RUN_B)

    assert diff.counts == {"added": 1, "removed": 1, "changed": 1, "unchanged": 1}
    assert diff.compared == ("title", "trending_score")
    assert diff.versions == (0, 1)
    assert [(row["b_movie_id"], row["b_title"]) for row in diff.samples["added"]] == [(4, "Dune")]
    assert [row["a_movie_id"] for row in diff.samples["removed"]] == [3]
    lines = lake_cli.diff_lines(diff, RUN_A, RUN_B)
    assert lines[1].startswith("  added 1, removed 1, changed 1, unchanged 1")
    assert "  movie_id=2, window=7d  trending_score: 2.0 -> 2.5" in lines
    with pytest.raises(LookupError, match="batch_2025_11_10_00 has no rows"):
        lake_cli.diff_runs(spark, paths, "trending_scores", RUN_A, "batch_2025_11_10_00")
