"""The Silver job end to end on a temporary lake: incremental runs, full refresh, re-runs, quarantine, and a
failed expectation that publishes nothing.

Job runs are the slow part, so one scenario runs once for the module and each test checks one behaviour of it:

1. hour 12: two movies listed, one with details and reviews, one details body that is not JSON;
2. hour 16: the list-only movie gets details (and moves from genre=comedy to genre=drama), both are observed
   again, a further review page arrives with a review that has no id;
3. hour 16 again: nothing to do;
4. hour 16 as a full refresh;
5. hour 20 with a row-count floor no run can meet: the movies suite fails, nothing is published.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.testing import assertDataFrameEqual

from config.settings import load_settings
from ge_expectations.batch_layer_suite import DataQualityError
from master_dataset.partitioning import LogicalHour
from spark_jobs.silver import schemas, state
from spark_jobs.silver.run import run_silver
from spark_jobs.utils.lake import LakeFS, LakePaths
from tests import bronze_builders as b

H12 = LogicalHour.parse("2025-10-17T12:00:00+00:00")
H16 = LogicalHour.parse("2025-10-17T16:00:00+00:00")
H20 = LogicalHour.parse("2025-10-17T20:00:00+00:00")
# One of the first hour's three movies has only a broken body: two thirds of bronze's movies reach Silver.
SHARE = 0.5
DATASETS = {
    "movies": schemas.SILVER_MOVIES,
    "reviews": schemas.SILVER_REVIEWS,
    "movie_observations": schemas.MOVIE_OBSERVATIONS,
}


@dataclass
class Scenario:
    paths: LakePaths
    summaries: dict[str, dict[str, Any]]
    incremental: dict[str, DataFrame]
    files_after_incremental: dict[str, list[str]]
    rerun: dict[str, DataFrame]
    files_after_rerun: dict[str, list[str]]
    full: dict[str, DataFrame]
    state_before_failure: str
    failure: DataQualityError
    after_failure: dict[str, DataFrame]


def snapshot(spark: SparkSession, paths: LakePaths) -> dict[str, DataFrame]:
    """Every Silver dataset as a reader sees it, materialised (the lake keeps changing under the scenario)."""
    return {
        name: spark.createDataFrame(spark.read.schema(schema).parquet(paths.silver(name)).collect(), schema)
        for name, schema in DATASETS.items()
    }


def data_files(spark: SparkSession, paths: LakePaths) -> dict[str, list[str]]:
    return {name: sorted(spark.read.parquet(paths.silver(name)).inputFiles()) for name in DATASETS}


def first_hour() -> list[tuple]:
    reviews = [b.review("r1", "VADER is smart, handsome, and funny."), b.review("r2", "Today SUX!")]
    return [
        b.listed(H12, b.utc(2025, 10, 17, 12, 5), "popular", 1, b.list_entry(1, popularity=50.0)),
        b.listed(H12, b.utc(2025, 10, 17, 12, 5), "top_rated", 3, b.list_entry(1, popularity=50.0)),
        b.listed(H12, b.utc(2025, 10, 17, 12, 5), "popular", 2, b.list_entry(2, genre_ids=[99999, 35])),
        b.fetched(H12, b.utc(2025, 10, 17, 12, 6), b.details(1, reviews=reviews)),
        b.fetched(H12, b.utc(2025, 10, 17, 12, 6), "<html>502 Bad Gateway</html>", movie_id=3),
    ]


def second_hour() -> tuple[list[tuple], list[tuple]]:
    movies = [
        b.listed(H16, b.utc(2025, 10, 17, 16, 5), "popular", 1, b.list_entry(2, popularity=70.0)),
        b.listed(H16, b.utc(2025, 10, 17, 16, 5), "popular", 2, b.list_entry(1, popularity=40.0)),
        b.fetched(
            H16,
            b.utc(2025, 10, 17, 16, 6),
            b.details(2, budget=0, genres=[{"id": 18, "name": "Drama"}], reviews=[b.review("r3", "Boring film.")]),
        ),
    ]
    page = b.review_page(1, 2, [b.review("r4", "I loved it"), b.review(None, "Who wrote this?")])
    return movies, [b.paged(H16, b.utc(2025, 10, 17, 16, 7), page, movie_id=1)]


@pytest.fixture(scope="module")
def scenario(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    settings = load_settings(_env_file=None, lake_root=(tmp_path_factory.mktemp("silver") / "lake").as_uri())
    paths = LakePaths(settings.lake_root)
    summaries = {}

    b.write(spark, settings.lake_root, "movies", first_hour())
    summaries["h12"] = run_silver(spark, settings, H12, min_row_share=SHARE)
    movies, review_pages = second_hour()
    b.write(spark, settings.lake_root, "movies", movies)
    b.write(spark, settings.lake_root, "reviews", review_pages)
    summaries["h16"] = run_silver(spark, settings, H16, min_row_share=SHARE)
    incremental, files_after_incremental = snapshot(spark, paths), data_files(spark, paths)

    summaries["h16_rerun"] = run_silver(spark, settings, H16, min_row_share=SHARE)
    rerun, files_after_rerun = snapshot(spark, paths), data_files(spark, paths)

    summaries["h16_full"] = run_silver(spark, settings, H16, full_refresh=True, min_row_share=SHARE)
    full = snapshot(spark, paths)

    lake = LakeFS(spark)
    state_before_failure = lake.read_text(state.state_path(paths))
    b.write(
        spark, settings.lake_root, "movies", [b.listed(H20, b.utc(2025, 10, 17, 20, 5), "popular", 1, b.list_entry(4))]
    )
    with pytest.raises(DataQualityError) as failure:
        run_silver(spark, settings, H20, min_row_share=50.0)
    summaries["h20"] = json.loads(lake.read_text(f"{paths.metadata('silver_runs', H20.batch_run_id)}/run.json"))

    return Scenario(
        paths=paths,
        summaries=summaries,
        incremental=incremental,
        files_after_incremental=files_after_incremental,
        rerun=rerun,
        files_after_rerun=files_after_rerun,
        full=full,
        state_before_failure=state_before_failure,
        failure=failure.value,
        after_failure=snapshot(spark, paths),
    )


def test_runs_are_incremental_after_the_first(scenario):
    modes = {run: summary["mode"] for run, summary in scenario.summaries.items()}

    assert modes == {
        "h12": "full",
        "h16": "incremental",
        "h16_rerun": "up_to_date",
        "h16_full": "full",
        "h20": "incremental",
    }
    assert scenario.summaries["h16"]["bronze_partitions_read"] == [
        "movies/year=2025/month=10/day=17/hour=16",
        "reviews/year=2025/month=10/day=17/hour=16",
    ]


def test_silver_movies_hold_the_latest_state_of_each_movie(spark, scenario):
    actual = scenario.incremental["movies"].select(
        "movie_id", "title", "genres", "popularity", "budget", "review_count", "sentiment_score", "sentiment_label",
        "quality_flag", "batch_run_id", "genre",
    )  # fmt: skip

    expected = spark.createDataFrame(
        # Movie 1: reviews r1, r2 and r4 (page 2): (0.8316 - 0.5461 + 0.5994) / 3.
        [(1, "Movie 1", ["Action"], 40.0, 1_000_000, 3, 0.295, "positive", "OK", "batch_2025_10_17_16", "action"),
         (2, "Movie 2", ["Drama"], 10.0, None, 1, -0.3182, "negative", "OK", "batch_2025_10_17_16", "drama")],
        "movie_id int, title string, genres array<string>, popularity double, budget long, review_count int, "
        "sentiment_score double, sentiment_label string, quality_flag string, batch_run_id string, genre string",
    )  # fmt: skip
    assertDataFrameEqual(actual, expected)


def test_incremental_runs_give_the_same_silver_as_a_full_refresh(scenario):
    for name in DATASETS:
        assertDataFrameEqual(scenario.full[name], scenario.incremental[name])


def test_a_movie_that_moves_to_another_partition_leaves_no_folder_behind(scenario):
    folders = {path.split("/genre=")[1].split("/")[0] for path in scenario.files_after_incremental["movies"]}

    assert folders == {"action", "drama"}


def test_rerunning_the_same_hour_changes_nothing(scenario):
    for name in DATASETS:
        assertDataFrameEqual(scenario.rerun[name], scenario.incremental[name])
    assert scenario.files_after_rerun == scenario.files_after_incremental


def test_unparseable_records_are_quarantined_with_reason_partition_and_run(spark, scenario):
    read = spark.read.parquet
    movies = read(scenario.paths.quarantine("silver_movies", H12.batch_run_id)).drop("raw_json")
    reviews = read(scenario.paths.quarantine("silver_reviews", H16.batch_run_id)).select(
        "reason", "bronze_partition", "batch_run_id", "movie_id"
    )

    assertDataFrameEqual(
        movies,
        spark.createDataFrame(
            [("malformed_json", "movies/year=2025/month=10/day=17/hour=12", H12.batch_run_id, "/movie/{id}", 3)],
            "reason string, bronze_partition string, batch_run_id string, api_endpoint string, movie_id int",
        ),
    )
    assertDataFrameEqual(
        reviews,
        spark.createDataFrame(
            [("missing_review_id", "reviews/year=2025/month=10/day=17/hour=16", H16.batch_run_id, 1)],
            "reason string, bronze_partition string, batch_run_id string, movie_id int",
        ),
    )
    assert scenario.summaries["h12"]["counts"]["quarantined_silver_movies"] == 1


def test_a_failed_critical_expectation_publishes_nothing(spark, scenario):
    assert "silver_movies" in str(scenario.failure)
    assert scenario.summaries["h20"]["status"] == "failed_validation"
    for name in DATASETS:
        assertDataFrameEqual(scenario.after_failure[name], scenario.full[name])
    lake = LakeFS(spark)
    # The hour is not recorded as merged, so the next run merges it again; its staging area is gone.
    assert lake.read_text(state.state_path(scenario.paths)) == scenario.state_before_failure
    assert not lake.exists(scenario.paths.staging(H20.batch_run_id))


def test_each_validation_leaves_a_result_and_a_data_docs_page(spark, scenario):
    lake = LakeFS(spark)
    for suite in ("silver_movies", "silver_reviews", "silver_movie_observations"):
        folder = scenario.paths.quality(suite, H16.batch_run_id)
        result = json.loads(lake.read_text(f"{folder}/validation_result.json"))
        page = lake.read_text(f"{folder}/index.html")
        assert result["success"] is True
        assert result["suite_name"] == suite
        assert f"Data Docs: {suite}" in page
        assert "PASSED" in page
    failed_page = lake.read_text(f"{scenario.paths.quality('silver_movies', H20.batch_run_id)}/index.html")
    assert "FAILED: not published" in failed_page


def test_the_run_summary_counts_rows_and_expectations(scenario):
    summary = scenario.summaries["h16"]

    assert summary["status"] == "published"
    assert summary["counts"]["movies_out"] == 2
    assert summary["counts"]["reviews_out"] == 4
    assert summary["counts"]["observations_written"] == 2
    assert summary["counts"]["deduplicated_movie_records"] == 1
    assert {v["suite"]: v["critical_failures"] for v in summary["validations"]} == {
        "silver_movies": [],
        "silver_reviews": [],
        "silver_movie_observations": [],
    }
    assert set(summary["stages"]) >= {"plan", "transform", "stage", "validate", "publish"}


def test_a_rewritten_bronze_partition_makes_the_next_run_a_full_refresh(spark, tmp_path):
    lake_root = (tmp_path / "lake").as_uri()
    paths, lake = LakePaths(lake_root), LakeFS(spark)
    b.write(spark, lake_root, "movies", first_hour())
    for folder in (paths.silver("movies"), *(state.state_dataset(paths, name) for name in state.STATE_DATASETS)):
        lake.mkdirs(folder)
    merged = {p.key: p.fingerprint for p in state.bronze_partitions(spark, lake, paths)}
    state.write_merged(lake, paths, merged, H12.batch_run_id)
    later = b.listed(H16, b.utc(2025, 10, 17, 16, 5), "popular", 1, b.list_entry(1))
    b.write(spark, lake_root, "movies", [later])

    assert state.plan_run(spark, lake, paths, H16, full_refresh=False).mode == "incremental"
    # The ingestion re-runs hour 12: its partition now holds other files.
    assert state.plan_run(spark, lake, paths, H12, full_refresh=False).mode == "up_to_date"
    b.write(spark, lake_root, "movies", first_hour()[:2])
    plan = state.plan_run(spark, lake, paths, H16, full_refresh=False)

    assert plan.mode == "full"
    assert "movies/year=2025/month=10/day=17/hour=12" in plan.reason
    assert [p.key for p in plan.to_read] == [
        "movies/year=2025/month=10/day=17/hour=12",
        "movies/year=2025/month=10/day=17/hour=16",
    ]
