"""The Silver job end to end on a temporary lake: incremental runs, full refresh, re-runs, quarantine, and a
failed expectation that commits nothing.

Job runs are the slow part, so one scenario runs once for the module and each test checks one behaviour of it:

1. hour 12: two movies listed, one with details and reviews, one details body that is not JSON;
2. hour 16: the list-only movie gets details (and moves from genre=comedy to genre=drama), both are observed
   again, a further review page arrives with a review that has no id;
3. hour 16 again: nothing to do;
4. hour 16 as a full refresh;
5. hour 20 with a row-count floor no run can meet: the movies suite fails, no table gets a new version.
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
from spark_jobs.silver import schemas
from spark_jobs.silver.run import plan_run, run_silver
from spark_jobs.utils import tables
from spark_jobs.utils.lake import LakeFiles, LakePaths
from tests import bronze_builders as b
from tests.pages import visible_text

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
    versions_after_incremental: dict[str, int]
    versions_after_rerun: dict[str, int]
    full: dict[str, DataFrame]
    versions_before_failure: dict[str, int]
    failure: DataQualityError
    after_failure: dict[str, DataFrame]
    versions_after_failure: dict[str, int]


def snapshot(spark: SparkSession, paths: LakePaths) -> dict[str, DataFrame]:
    """Every Silver dataset as a reader sees it, materialised (the lake keeps changing under the scenario)."""
    return {
        name: spark.createDataFrame(tables.read(spark, paths.silver(name), schema).collect(), schema)
        for name, schema in DATASETS.items()
    }


def data_files(spark: SparkSession, paths: LakePaths) -> dict[str, list[str]]:
    """The files each table's current version is made of (not the removed ones still on disk)."""
    return {name: sorted(spark.read.format("delta").load(paths.silver(name)).inputFiles()) for name in DATASETS}


def versions(spark: SparkSession, paths: LakePaths) -> dict[str, int]:
    return {name: tables.last_commit(spark, paths.silver(name))["version"] for name in DATASETS}


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
    versions_after_incremental = versions(spark, paths)

    summaries["h16_rerun"] = run_silver(spark, settings, H16, min_row_share=SHARE)
    rerun, versions_after_rerun = snapshot(spark, paths), versions(spark, paths)

    summaries["h16_full"] = run_silver(spark, settings, H16, full_refresh=True, min_row_share=SHARE)
    full = snapshot(spark, paths)

    lake = LakeFiles(settings.lake_root)
    versions_before_failure = versions(spark, paths)
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
        versions_after_incremental=versions_after_incremental,
        versions_after_rerun=versions_after_rerun,
        full=full,
        versions_before_failure=versions_before_failure,
        failure=failure.value,
        after_failure=snapshot(spark, paths),
        versions_after_failure=versions(spark, paths),
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
    assert scenario.summaries["h16"]["bronze_runs_read"] == [H16.batch_run_id]


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


def test_a_movie_that_changes_genre_stays_one_row_in_tables_not_split_into_folders(spark, scenario):
    # Movie 2 went from comedy to drama: the merge replaced its row, wherever its file is.
    assert [row.genre for row in scenario.incremental["movies"].where("movie_id = 2").collect()] == ["drama"]
    # year/month/genre are columns to filter on, not folders: one run's merge writes a file or two, not one per
    # genre (files are clustered by movie_id instead).
    layout = {name: tables.detail(spark, scenario.paths.silver(name))["partitionColumns"] for name in DATASETS}
    assert layout == {"movies": [], "reviews": [], "movie_observations": ["observed_date"]}
    assert all(path.count("/genre=") == 0 for path in scenario.files_after_incremental["movies"])


def test_rerunning_the_same_hour_changes_nothing(scenario):
    for name in DATASETS:
        assertDataFrameEqual(scenario.rerun[name], scenario.incremental[name])
    # Up to date: no table gets a new version.
    assert scenario.versions_after_rerun == scenario.versions_after_incremental


def test_unparseable_records_are_quarantined_with_reason_partition_and_run(spark, scenario):
    def quarantined(name: str, batch_run_id: str) -> DataFrame:
        table = spark.read.format("delta").load(scenario.paths.quarantine(name))
        return table.where(table.batch_run_id == batch_run_id)

    movies = quarantined("silver_movies", H12.batch_run_id).drop("raw_json")
    reviews = quarantined("silver_reviews", H16.batch_run_id).select(
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


def test_a_failed_critical_expectation_commits_nothing(spark, scenario):
    assert "silver_movies" in str(scenario.failure)
    assert scenario.summaries["h20"]["status"] == "failed_validation"
    assert scenario.versions_after_failure == scenario.versions_before_failure
    for name in DATASETS:
        assertDataFrameEqual(scenario.after_failure[name], scenario.full[name])
    # The hour is not in the observations, so the next run merges it.
    plan = plan_run(spark, scenario.paths, H20, full_refresh=False)
    assert (plan.mode, plan.runs) == ("incremental", (H20.batch_run_id,))


def test_each_validation_leaves_a_result_and_a_data_docs_page(spark, scenario):
    lake = LakeFiles(scenario.paths.root)
    for suite in ("silver_movies", "silver_reviews", "silver_movie_observations"):
        folder = scenario.paths.quality(suite, H16.batch_run_id)
        result = json.loads(lake.read_text(f"{folder}/validation_result.json"))
        page = lake.read_text(f"{folder}/index.html")
        assert result["success"] is True
        assert result["suite_name"] == suite
        assert f"Validations / {suite} / {H16.batch_run_id}" in visible_text(page)
        assert "Status: Succeeded" in visible_text(page)
    failed_page = lake.read_text(f"{scenario.paths.quality('silver_movies', H20.batch_run_id)}/index.html")
    assert "Status: Failed" in visible_text(failed_page)


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
    assert set(summary["stages"]) >= {"plan", "transform", "validate", "quarantine", "commit"}


def test_a_reingested_bronze_run_makes_the_next_run_a_full_refresh(spark, tmp_path):
    lake_root = (tmp_path / "lake").as_uri()
    paths = LakePaths(lake_root)
    b.write(spark, lake_root, "movies", first_hour())
    # Silver as a run of hour 12 leaves it: the tables exist and the observations hold the run.
    for name, schema in DATASETS.items():
        tables.overwrite(spark.createDataFrame([], schema), paths.silver(name))
    observation = {name: None for name in schemas.MOVIE_OBSERVATIONS.fieldNames()}
    observation.update(movie_id=1, batch_run_id=H12.batch_run_id)
    observations = spark.createDataFrame([observation], schemas.MOVIE_OBSERVATIONS)
    tables.overwrite(observations, paths.silver("movie_observations"))
    b.write(spark, lake_root, "movies", [b.listed(H16, b.utc(2025, 10, 17, 16, 5), "popular", 1, b.list_entry(1))])

    assert plan_run(spark, paths, H16, full_refresh=False).runs == (H16.batch_run_id,)
    assert plan_run(spark, paths, H12, full_refresh=False).mode == "up_to_date"
    # Hour 12 is ingested again: a merge cannot take back what its first version brought.
    b.write(spark, lake_root, "movies", first_hour()[:2])
    plan = plan_run(spark, paths, H16, full_refresh=False)

    assert plan.mode == "full"
    assert H12.batch_run_id in plan.reason
    assert plan.runs == (H12.batch_run_id, H16.batch_run_id)
