"""The Great Expectations runner and the bronze and silver suites, on small hand-made frames."""

from __future__ import annotations

import json

import pytest
from pyspark.sql import SparkSession

from ge_expectations import batch_layer_suite as suites
from master_dataset.partitioning import LogicalHour
from spark_jobs.silver import schemas
from spark_jobs.utils.lake import LakeFiles, LakePaths
from tests import bronze_builders as b
from tests import silver_builders as sb
from tests.pages import FAILED_ICON, PASSED_ICON, visible_text

RUN = "batch_2025_10_17_16"


@pytest.fixture
def lake(lake_root: str) -> LakeFiles:
    return LakeFiles(lake_root)


def movie(movie_id: int, **fields) -> dict:
    return {"movie_id": movie_id, "title": f"Movie {movie_id}", "vote_average": 7.0, "sentiment_score": 0.5,
            "sentiment_label": "positive", "last_observed_at": sb.utc(2025, 10, 17, 16), **fields}  # fmt: skip


def run_movies_suite(spark: SparkSession, lake: LakeFiles, lake_root: str, rows: list[dict], min_rows: int = 1):
    paths = LakePaths(lake_root)
    return suites.validate(
        sb.movies(spark, rows),
        "silver_movies",
        suites.silver_movies_suite(schemas.SILVER_MOVIES.fieldNames(), min_rows),
        batch_run_id=RUN,
        quality_path=paths.quality("silver_movies", RUN),
        lake_files=lake,
        dataset=paths.silver("movies"),
    )


def test_valid_movies_publish_and_leave_a_result_and_a_data_docs_page(spark, lake, lake_root):
    fetched = sb.utc(2025, 10, 17, 16)
    rows = [movie(1, details_fetched_at=fetched), movie(2, details_fetched_at=fetched, popularity=-3.0)]

    report = run_movies_suite(spark, lake, lake_root, rows)

    assert report.publishable
    assert report.critical_failures == []
    # A failed warning is recorded but does not block publishing.
    assert not report.success
    assert report.warnings == ["popularity is at least 0"]
    record = json.loads(lake.read_text(report.results_path))
    assert record["batch_run_id"] == RUN
    assert record["publishable"] is True
    # Great Expectations' own page of the result: the suite, the run, every expectation with its status.
    assert report.docs_path == f"{LakePaths(lake_root).quality('silver_movies', RUN)}/index.html"
    page = lake.read_text(report.docs_path)
    text = visible_text(page)
    assert f"Validations / silver_movies / {RUN}" in text
    assert "Status: Failed" in text  # GX's status counts the failed warning
    assert "Evaluated Expectations 15 Successful Expectations 14 Unsuccessful Expectations 1" in text
    assert "movie_id Status Expectation Observed Value values must never be null. 100% not null" in text
    assert "values must be unique" in text
    assert "popularity Status Expectation Observed Value values must be greater than or equal to 0.0" in text
    assert (page.count(PASSED_ICON), page.count(FAILED_ICON)) == (14, 1 + 1)
    # Its links work from the run's folder: the suite's page, and back from there.
    suite_page = f"{LakePaths(lake_root).quality('silver_movies', RUN)}/expectations/silver_movies.html"
    assert 'href="expectations/silver_movies.html"' in page
    assert 'href="../index.html"' in lake.read_text(suite_page)


def test_broken_movies_fail_exactly_the_critical_expectations_they_break(spark, lake, lake_root):
    rows = [
        movie(1),
        movie(1, title="Duplicate id"),
        movie(2, sentiment_label="great"),
        movie(3, vote_average=11.0),
        # TMDB's own out-of-range value, kept and flagged by the quality rules: not a failure of the job.
        movie(4, vote_average=12.0, quality_flag="ERROR"),
    ]

    report = run_movies_suite(spark, lake, lake_root, rows, min_rows=10)

    assert not report.publishable
    assert sorted(report.critical_failures) == sorted(
        [
            "the table has at least 10 rows",
            "movie_id values are unique",
            "sentiment_label is one of: positive, neutral, negative",
            "vote_average is between 0 and 10, on rows where quality_flag != ERROR",
        ]
    )
    with pytest.raises(suites.DataQualityError, match="4 critical expectation"):
        report.raise_for_critical()
    page = visible_text(lake.read_text(report.docs_path))
    assert "Status: Failed" in page
    assert "Must have greater than or equal to 10 rows. 5" in page
    # A failure's result and page show examples of the values that broke it.
    results = json.loads(lake.read_text(report.results_path))["result"]["results"]
    labels = next(item for item in results if item["expectation_config"]["kwargs"].get("column") == "sentiment_label")
    assert labels["result"]["partial_unexpected_list"] == ["great"]
    assert (
        "sentiment_label Status Expectation Observed Value values must belong to this set: positive neutral negative . "
        "1 unexpected values found. 20% of 5 total rows. Unexpected Value Count great 1 20% unexpected"
    ) in page


def test_a_suite_that_passes_records_counts_and_observed_values(spark, lake, lake_root):
    fetched = sb.utc(2025, 10, 17, 16)
    report = run_movies_suite(
        spark, lake, lake_root, [movie(1, details_fetched_at=fetched), movie(2, details_fetched_at=fetched)]
    )

    assert report.success
    results = json.loads(lake.read_text(report.results_path))["result"]["results"]
    observed = {item["expectation_config"]["type"]: item["result"] for item in results}
    assert observed["expect_table_row_count_to_be_between"]["observed_value"] == 2
    assert observed["expect_column_values_to_be_unique"]["unexpected_count"] == 0


def test_bronze_suite_rejects_unknown_endpoints_and_missing_bodies(spark, lake, lake_root):
    hour = LogicalHour.parse("2025-10-17T16:00:00+00:00")
    at = b.utc(2025, 10, 17, 16, 5)
    bronze = b.frame(
        spark,
        [
            b.listed(hour, at, "popular", 1, b.list_entry(1)),
            b.row(hour, 2, None, "/movie/{id}", at),
            b.row(hour, 3, "{}", "/movie/latest", at),
        ],
    )

    report = suites.validate(
        suites.bronze_audit_frame(bronze),
        "bronze_movies",
        suites.bronze_suite(),
        batch_run_id=RUN,
        quality_path=LakePaths(lake_root).quality("bronze_movies", RUN),
        lake_files=lake,
    )

    assert sorted(report.critical_failures) == sorted(
        ["raw_json_bytes is never null", f"api_endpoint is one of: {', '.join(suites.BRONZE_ENDPOINTS)}"]
    )


def test_observations_suite_rejects_two_rows_for_one_movie_in_one_run(spark, lake, lake_root):
    observed = sb.utc(2025, 10, 17, 16, 5)
    rows = [
        {"movie_id": 1, "observed_at": observed, "batch_run_id": RUN, "popularity": 1.0},
        {"movie_id": 1, "observed_at": observed, "batch_run_id": RUN, "popularity": 2.0},
        {"movie_id": 2, "observed_at": observed, "batch_run_id": RUN, "popularity": 3.0},
    ]

    report = suites.validate(
        sb.observations(spark, rows),
        "silver_movie_observations",
        suites.silver_observations_suite(schemas.MOVIE_OBSERVATIONS.fieldNames(), 1),
        batch_run_id=RUN,
        quality_path=LakePaths(lake_root).quality("silver_movie_observations", RUN),
        lake_files=lake,
    )

    assert report.critical_failures == ["(movie_id, batch_run_id) together are unique"]
