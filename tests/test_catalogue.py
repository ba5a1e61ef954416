"""The catalogue mode (TMDB_CATALOGUE=full) against the simulator: the daily export into bronze/catalogue, details
of every movie fetched once (a failed load resumes without fetching a movie twice), the change feed, the export's
faults, and the export's popularity as Silver observations."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from pyspark.sql import functions as F

from master_dataset import schema
from master_dataset.ingestion import ExtractionFailed
from master_dataset.partitioning import LogicalHour
from master_dataset.simulator import control
from master_dataset.tmdb_client import TMDBExportCorrupt, TMDBExportMissing, latest_export_date
from spark_jobs.utils import tables
from spark_jobs.utils.lake import LakeFiles, LakePaths
from tests.simulator_fixture import TEST_CLOCK, reset, start_simulator
from tests.test_ingestion import job_settings, run_hour, serving_database  # noqa: F401 (an autouse fixture)

DAY_TWO = TEST_CLOCK + timedelta(days=1)


@pytest.fixture(scope="module")
def simulator():
    # A small catalogue: every movie's details are fetched in a first load.
    with start_simulator(movies=150) as running:
        yield running


def full_settings(lake: str, simulator, **overrides: Any):
    values = {
        "tmdb_catalogue": "full",
        "tmdb_files_base_url": simulator.files_url,
        "tmdb_failure_share": 0.02,
        "tmdb_pages": 1,
    }
    return job_settings(lake, simulator.base_url, **{**values, **overrides})


def catalogue_rows(spark, settings) -> list:
    path = LakePaths(settings.lake_root).bronze("catalogue")
    return spark.read.format("delta").load(path).collect() if tables.exists(spark, path) else []


def details_ids(spark, settings, hour: datetime) -> list[int]:
    movies = spark.read.format("delta").load(LakePaths(settings.lake_root).bronze("movies"))
    rows = movies.where(
        (F.col("api_endpoint") == schema.MOVIE_DETAILS) & (F.col("batch_run_id") == LogicalHour.of(hour).batch_run_id)
    ).collect()
    return [row.movie_id for row in rows]


def non_adult_ids(simulator) -> set[int]:
    catalogue = simulator.state.catalogue
    return {movie_id for movie_id in catalogue.movie_ids() if not catalogue.is_adult(movie_id)}


@pytest.fixture(scope="module")
def first_load(spark, simulator, tmp_path_factory):
    """A first load that fails (a tenth of the details answer 404, past TMDB_FAILURE_SHARE), then its re-run."""
    reset(simulator)
    settings = full_settings(tmp_path_factory.mktemp("catalogue").as_uri(), simulator)
    failing = sorted(non_adult_ids(simulator))[::10]
    rules = [{"path": f"/3/movie/{movie_id}", "kind": "not_found"} for movie_id in failing]
    control.set_faults(simulator.base_url, rules=rules)
    with pytest.raises(ExtractionFailed, match="requests failed"):
        run_hour(settings, TEST_CLOCK.isoformat())
    failed_attempt = control.get_stats(simulator.base_url)
    paths, files = LakePaths(settings.lake_root), LakeFiles(settings.lake_root)
    staging = paths.staging(LogicalHour.of(TEST_CLOCK).batch_run_id)
    progress = json.loads(files.read_text(f"{staging}/_steps/extract-movies.progress.json"))
    control.set_faults(simulator.base_url, rules=[])
    record = run_hour(settings, TEST_CLOCK.isoformat())["update-metadata"]
    return SimpleNamespace(
        settings=settings,
        failing=failing,
        failed_attempt=failed_attempt,
        progress=progress,
        record=record,
        stats=control.get_stats(simulator.base_url),
    )


def test_a_first_load_stores_the_export_and_every_movie_s_details(spark, simulator, first_load) -> None:
    wanted = non_adult_ids(simulator)
    rows = catalogue_rows(spark, first_load.settings)
    assert {row.movie_id for row in rows} == wanted, "every export entry but the adult ones"
    assert {row.export_date for row in rows} == {latest_export_date(TEST_CLOCK)}
    assert {(row.api_endpoint, row.source_list) for row in rows} == {(schema.MOVIE_EXPORT, "export")}
    assert all(json.loads(row.raw_json)["id"] == row.movie_id for row in rows), "each line kept as received"
    fetched = details_ids(spark, first_load.settings, TEST_CLOCK)
    assert sorted(fetched) == sorted(wanted), "details of every movie, each once"
    assert first_load.record["bronze_rows"]["catalogue"] == len(wanted)
    assert first_load.record["bronze_rows"]["people"] > 0, "the lists' movies still bring their top-billed cast"


def test_a_failed_first_load_resumes_and_fetches_no_movie_twice(first_load) -> None:
    served_before = first_load.failed_attempt["movie_details_served"]
    assert served_before > 0 and first_load.failed_attempt.get("movie_details_repeated", 0) == 0
    assert first_load.stats.get("movie_details_repeated", 0) == 0, "the re-run asked only for what was missing"
    # The second attempt fetched exactly the movies that had failed (the lists' movies are all in the export).
    assert first_load.stats["movie_details_served"] - served_before == len(first_load.failing)


def test_progress_is_written_while_the_details_are_fetched_and_the_record_keeps_the_counts(first_load) -> None:
    progress = first_load.progress
    assert progress["step"] == "extract-movies" and progress["done"] == progress["total"] > 0
    assert progress["failed"] == len(first_load.failing) and progress["requests_per_second"] > 0
    assert {"eta_seconds", "rate_limited", "retries", "elapsed_seconds"} <= set(progress)
    catalogue = first_load.record["catalogue"]
    assert catalogue["details_to_fetch"] == len(first_load.failing), "the re-run fetched only what had failed"
    assert catalogue["details_staged_before"] + len(first_load.failing) == catalogue["details_staged"]


def test_the_next_day_loads_its_export_and_refetches_only_changed_movies(spark, simulator, first_load) -> None:
    settings = first_load.settings
    control.reset_stats(simulator.base_url)
    control.set_clock(simulator.base_url, DAY_TWO, frozen=True)
    record = run_hour(settings, DAY_TWO.isoformat())["update-metadata"]
    catalogue = simulator.state.catalogue
    window = (latest_export_date(TEST_CLOCK), latest_export_date(DAY_TWO))
    changed = {int(i) for i in catalogue._build_changed_ids(*window) if not catalogue.is_adult(int(i))}
    assert changed, "the simulator edits a share of its movies every day"
    assert record["catalogue"]["change_window"] == [day.isoformat() for day in window]
    fetched = details_ids(spark, settings, DAY_TWO)
    assert sorted(fetched) == sorted(changed), "no movie is new, the lists' movies are fresh: only the changed ones"
    assert control.get_stats(simulator.base_url)["movie_details_served"] == len(changed)
    assert {row.export_date for row in catalogue_rows(spark, settings)} == set(window)
    assert len(catalogue_rows(spark, settings)) == 2 * len(non_adult_ids(simulator))


@pytest.mark.parametrize(
    ("kind", "error", "day"),
    [("truncated", TMDBExportCorrupt, 3), ("not_found", TMDBExportMissing, 4)],
)
def test_a_missing_or_truncated_export_fails_the_run_naming_it_and_the_next_run_retries(
    spark, simulator, first_load, kind: str, error: type, day: int
) -> None:
    settings = first_load.settings
    moment = TEST_CLOCK + timedelta(days=day)
    stored = sorted(catalogue_rows(spark, settings))
    file_name = f"movie_ids_{latest_export_date(moment):%m_%d_%Y}.json.gz"
    control.set_clock(simulator.base_url, moment, frozen=True)
    control.set_faults(simulator.base_url, rules=[{"path": "/files/p/exports/*", "kind": kind}])
    with pytest.raises(error, match=file_name):
        run_hour(settings, moment.isoformat())
    paths, files = LakePaths(settings.lake_root), LakeFiles(settings.lake_root)
    hour = LogicalHour.of(moment)
    record = json.loads(files.read_text(f"{paths.metadata('ingestion_runs', hour.batch_run_id)}/run.json"))
    assert record["status"] == "failed" and file_name in record["error"]
    assert sorted(catalogue_rows(spark, settings)) == stored, "nothing stored is lost or changed"
    assert details_ids(spark, settings, moment) == []
    control.set_faults(simulator.base_url, rules=[])
    if kind == "not_found":  # the same path for both: the next run of the hour tries again
        retried = run_hour(settings, moment.isoformat())["update-metadata"]
        assert retried["status"] == "succeeded" and retried["catalogue"]["file_name"] == file_name


def test_a_failing_change_feed_page_is_retried_then_recorded(simulator, first_load) -> None:
    # A failed page counts against TMDB_FAILURE_SHARE: past it the run fails and the next one reads the window
    # again; within it (a generous share here) the run goes on and its record names the page.
    settings = full_settings(first_load.settings.lake_root, simulator, tmdb_failure_share=0.5)
    moment = TEST_CLOCK + timedelta(days=5)
    control.set_clock(simulator.base_url, moment, frozen=True)
    control.reset_stats(simulator.base_url)
    control.set_faults(simulator.base_url, rules=[{"path": "/3/movie/changes?*page=1*", "kind": "server_error"}])
    record = run_hour(settings, moment.isoformat())["update-metadata"]
    control.set_faults(simulator.base_url, rules=[])
    failures = [failure for failure in record["failures"] if failure["endpoint"] == "/movie/changes"]
    assert len(failures) == 1 and failures[0]["reason"] == "server_error" and failures[0]["attempts"] == 2
    assert record["endpoints"]["/movie/changes"]["failed"] == 1
    assert control.get_stats(simulator.base_url)["fault_server_error"] == 2, "retried once, then recorded"


def test_silver_observes_every_catalogue_movie_from_the_export(spark, simulator, first_load) -> None:
    from spark_jobs.silver import schemas
    from spark_jobs.silver.run import run_silver

    # Day two's run: the lists, the changed movies' details, and the export for every other movie.
    settings = first_load.settings
    hour = LogicalHour.of(DAY_TWO)
    paths = LakePaths(settings.lake_root)
    run_silver(spark, settings, hour)
    observations = tables.read(spark, paths.silver("movie_observations"), schemas.MOVIE_OBSERVATIONS)
    rows = {row.movie_id: row for row in observations.where(F.col("batch_run_id") == hour.batch_run_id).collect()}
    assert set(rows) == non_adult_ids(simulator), "one observation of every movie of the run's export"
    bronze = spark.read.format("delta").load(paths.bronze("movies")).where(F.col("batch_run_id") == hour.batch_run_id)
    observed = {row.movie_id for row in bronze.select("movie_id").collect()}
    exported = {movie_id for movie_id, row in rows.items() if row.source_list == "export"}
    assert exported and exported == set(rows) - observed, "lists and details observe their movies, the export the rest"
    assert all(rows[m].vote_count is None and rows[m].popularity is not None for m in exported)
    assert all(rows[m].vote_count is not None for m in observed)


def test_a_backfill_in_full_mode_loads_no_export() -> None:
    from master_dataset.catalogue import plan_export
    from master_dataset.ingestion import plan_run

    hour = LogicalHour.of(TEST_CLOCK)
    assert plan_export(plan_run(hour, TEST_CLOCK + timedelta(days=30), 4), []) is None
    live = plan_export(plan_run(hour, TEST_CLOCK, 4), [TEST_CLOCK.date() - timedelta(days=3)])
    assert live is not None and live.change_window == (TEST_CLOCK.date() - timedelta(days=3), TEST_CLOCK.date())
    before_publication = datetime(2025, 11, 9, 7, tzinfo=UTC)
    early = plan_export(plan_run(LogicalHour.of(before_publication), before_publication, 4), [])
    assert early is not None and early.export_date == before_publication.date() - timedelta(days=1)
    assert plan_export(plan_run(hour, TEST_CLOCK, 4), [TEST_CLOCK.date()]) is None, "stored by an earlier run"
