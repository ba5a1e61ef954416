"""The Gold job on a temporary lake: layout, run record, re-runs that replace only their own run, and a
failed expectation that commits nothing."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from pyspark.sql import Row
from pyspark.testing import assertDataFrameEqual

from batch_views.registry import GOLD_VIEWS
from config.settings import load_settings
from ge_expectations.batch_layer_suite import DataQualityError
from master_dataset.partitioning import LogicalHour
from spark_jobs.gold.run import VIEW_NAMES, parse_args, run_gold
from spark_jobs.utils import tables
from spark_jobs.utils.lake import LakeFiles, LakePaths
from tests import silver_builders as silver
from tests.silver_builders import cast

HOUR = LogicalHour.parse("batch_2025_06_01_12")
EARLIER = LogicalHour.parse("batch_2025_06_01_08")


def write_silver(spark, paths: LakePaths, movies: list[dict], reviews=None, observations=None) -> None:
    """Silver's Delta tables, replaced whole; only the datasets given (a test of one view needs only its inputs)."""
    tables.overwrite(silver.movies(spark, movies), paths.silver("movies"), ["year", "month", "genre"])
    if reviews is not None:
        tables.overwrite(silver.reviews(spark, reviews), paths.silver("reviews"), ["year", "month", "genre"])
    if observations is not None:
        tables.overwrite(
            silver.observations(spark, observations), paths.silver("movie_observations"), ["observed_date"]
        )


def read_gold(spark, paths: LakePaths, view: str):
    return spark.read.format("delta").load(paths.gold(view)).select(*GOLD_VIEWS[view].columns)


def layout(spark, paths: LakePaths, view: str, *columns: str) -> set[tuple]:
    """The distinct values of the view's layout columns, with the run last."""
    return {tuple(row) for row in read_gold(spark, paths, view).select(*columns, "batch_run_id").distinct().collect()}


def version(spark, paths: LakePaths, view: str) -> int:
    return tables.last_commit(spark, paths.gold(view))["version"]


MOVIES = [
    {"movie_id": 1, "title": "Alpha", "genres": ["Action"], "release_date": date(2024, 5, 10), "vote_average": 7.0,
     "vote_count": 10, "popularity": 30.0, "budget": 10, "revenue": 40, "sentiment_score": 0.5,
     "sentiment_label": "positive", "cast": cast((1, "A", 0), (2, "B", 1))},
    {"movie_id": 2, "title": "Beta", "genres": ["Drama"], "release_date": date(2025, 1, 3), "vote_average": 6.0,
     "vote_count": 5, "popularity": 20.0, "cast": cast((2, "B", 0), (3, "C", 1))},
]  # fmt: skip
REVIEWS = [
    {"review_id": "r1", "movie_id": 1, "created_at": silver.utc(2025, 5, 2), "sentiment_score": 0.5,
     "sentiment_label": "positive"},
]  # fmt: skip
OBSERVATIONS = [
    {"movie_id": movie_id, "observed_at": HOUR.start - timedelta(days=days_ago), "popularity": 30.0 - days_ago}
    for movie_id in (1, 2)
    for days_ago in (0, 1, 10)
]


@pytest.fixture
def lake(spark, lake_root):
    return LakePaths(lake_root), LakeFiles(lake_root), load_settings(_env_file=None, lake_root=lake_root)


def test_gold_run_publishes_every_view_partitioned_with_the_run_last_and_records_the_run(spark, lake):
    paths, fs, settings = lake
    write_silver(spark, paths, MOVIES, REVIEWS, OBSERVATIONS)

    record = run_gold(spark, settings, HOUR)

    run = HOUR.batch_run_id
    for view in VIEW_NAMES:
        # Each run's rows are a partition of their own: a re-run replaces exactly its run.
        assert tables.detail(spark, paths.gold(view))["partitionColumns"] == ["batch_run_id"]
        assert tables.last_commit(spark, paths.gold(view))["userMetadata"] == run
    assert layout(spark, paths, "genre_analytics", "year", "month") == {(2024, 5, run), (2025, 1, run)}
    assert layout(spark, paths, "trending_scores", "window", "year", "month") == {
        (window, 2025, 6, run) for window in ("30d", "7d", "90d")
    }
    assert layout(spark, paths, "temporal_analysis", "period") == {("month", run), ("year", run)}
    assert layout(spark, paths, "sentiment_trends", "year", "month") == {(2025, 5, run)}
    for view in ("actor_networks", "actor_collaborations"):
        assert layout(spark, paths, view, "year", "month") == {(2025, 6, run)}
    assertDataFrameEqual(
        read_gold(spark, paths, "movie_analytics").select("movie_id", "roi", "top_cast", "batch_run_id"),
        [Row(1, 4.0, ["A", "B"], HOUR.batch_run_id), Row(2, None, ["B", "C"], HOUR.batch_run_id)],
    )
    # Movie 1 is observed 10, 1 and 0 days before the hour: two readings in 7d, three in 30d and 90d.
    assertDataFrameEqual(
        read_gold(spark, paths, "trending_scores").where("movie_id = 1").select("window", "observations"),
        [Row("7d", 2), Row("30d", 3), Row("90d", 3)],
    )

    stored = json.loads(fs.read_text(f"{paths.metadata('gold_runs', HOUR.batch_run_id)}/run.json"))
    assert stored["status"] == record["status"] == "success"
    assert stored["counts"] == {
        "genre_analytics": 2,
        "trending_scores": 6,
        "temporal_analysis": 4,
        "actor_networks": 3,
        "actor_collaborations": 2,
        "sentiment_trends": 1,
        "movie_analytics": 2,
    }
    assert {name: result["critical_failures"] for name, result in stored["expectations"].items()} == {
        name: [] for name in VIEW_NAMES
    }
    assert fs.exists(f"{paths.quality('gold_trending_scores', HOUR.batch_run_id)}/index.html")


def test_gold_rerun_keeps_a_published_run_and_a_forced_one_replaces_exactly_its_run(spark, lake):
    paths, _, settings = lake
    write_silver(spark, paths, MOVIES)
    run_gold(spark, settings, EARLIER, views=["genre_analytics"])
    run_gold(spark, settings, HOUR, views=["genre_analytics"])

    earlier, later = EARLIER.batch_run_id, HOUR.batch_run_id
    published = layout(spark, paths, "genre_analytics", "year", "month")
    published_version = version(spark, paths, "genre_analytics")
    assert (2024, 5, later) in published

    # Silver changes: Alpha's release moves from May to June 2024. A plain re-run keeps what the hour published
    # (no new commit); a forced one rebuilds it.
    moved = [{**MOVIES[0], "release_date": date(2024, 6, 10)}, MOVIES[1]]
    write_silver(spark, paths, moved)
    run_gold(spark, settings, HOUR, views=["genre_analytics"])
    assert version(spark, paths, "genre_analytics") == published_version
    assert layout(spark, paths, "genre_analytics", "year", "month") == published
    run_gold(spark, settings, HOUR, views=["genre_analytics"], force=True)

    # The re-run's May 2024 rows are gone, its June rows are new; the earlier run keeps its own May.
    assert version(spark, paths, "genre_analytics") == published_version + 1
    assert layout(spark, paths, "genre_analytics", "year", "month") == {
        (2024, 5, earlier),
        (2024, 6, later),
        (2025, 1, earlier),
        (2025, 1, later),
    }
    assertDataFrameEqual(
        read_gold(spark, paths, "genre_analytics").groupBy("batch_run_id").count(),
        [Row(EARLIER.batch_run_id, 2), Row(HOUR.batch_run_id, 2)],
    )
    # The first version of the hour is still readable (time travel).
    as_published = tables.read(
        spark, paths.gold("genre_analytics"), GOLD_VIEWS["genre_analytics"].schema, version=published_version
    )
    assert {(r.year, r.month) for r in as_published.where(f"batch_run_id = '{later}'").collect()} == {
        (2024, 5),
        (2025, 1),
    }


def test_gold_view_failing_a_critical_expectation_commits_nothing(spark, lake):
    paths, fs, settings = lake
    write_silver(spark, paths, MOVIES)
    run_gold(spark, settings, EARLIER, views=["movie_analytics"])
    before = version(spark, paths, "movie_analytics")
    # A sentiment score outside -1..1 gives an average outside it: sentiment_trends fails its suite.
    broken = [{**REVIEWS[0], "sentiment_score": 5.0}]
    write_silver(spark, paths, MOVIES, reviews=broken)

    with pytest.raises(DataQualityError, match="gold_sentiment_trends"):
        run_gold(spark, settings, HOUR, views=["movie_analytics", "sentiment_trends"])

    # movie_analytics passed, but a run commits all its views or none.
    assert version(spark, paths, "movie_analytics") == before
    assert not tables.exists(spark, paths.gold("sentiment_trends"))
    stored = json.loads(fs.read_text(f"{paths.metadata('gold_runs', HOUR.batch_run_id)}/run.json"))
    assert stored["status"] == "failed"
    assert stored["expectations"]["movie_analytics"]["critical_failures"] == []
    assert stored["expectations"]["sentiment_trends"]["critical_failures"] != []


def test_gold_run_without_silver_movies_fails_naming_the_missing_dataset(spark, lake):
    _, _, settings = lake

    with pytest.raises(FileNotFoundError, match="silver/movies"):
        run_gold(spark, settings, HOUR, views=["genre_analytics"])


def test_gold_views_argument_accepts_commas_and_spaces_in_registry_order():
    args = parse_args(["--logical-date", "2025-06-01T12:00:00Z", "--views", "movie_analytics,genre_analytics"])
    assert args.views == ["genre_analytics", "movie_analytics"]
    assert parse_args(["--logical-date", "batch_2025_06_01_12"]).views == list(VIEW_NAMES)
    with pytest.raises(SystemExit):
        parse_args(["--logical-date", "batch_2025_06_01_12", "--views", "genre_trends"])


def test_records_of_a_run_built_in_several_tasks_keep_every_view() -> None:
    from spark_jobs.gold.run import merge_records

    genre = {
        "views": ["genre_analytics"],
        "counts": {"genre_analytics": 3},
        "status": "success",
        "expectations": {"genre_analytics": {"passed": 5}},
        "duration_seconds": 10.0,
    }
    trending = {
        "views": ["trending_scores"],
        "counts": {"trending_scores": 0},
        "status": "success",
        "expectations": {"trending_scores": {"passed": 6}},
        "duration_seconds": 4.5,
    }
    merged = merge_records(genre, trending)
    assert merged["views"] == ["genre_analytics", "trending_scores"]
    assert merged["counts"] == {"genre_analytics": 3, "trending_scores": 0}
    assert set(merged["expectations"]) == {"genre_analytics", "trending_scores"}
    assert merged["duration_seconds"] == 14.5
    rebuilt = merge_records(merged, {**genre, "counts": {"genre_analytics": 4}})
    assert rebuilt["counts"] == {"trending_scores": 0, "genre_analytics": 4}
    assert merge_records(None, genre) == genre
