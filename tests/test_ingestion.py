"""Ingestion of a logical hour into Bronze: planning, validation, and whole runs against the simulator."""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from pyspark.sql import functions as F

from config.settings import Settings, load_settings
from master_dataset import schema
from master_dataset.ingestion import (
    STEPS,
    ExtractionFailed,
    Tally,
    build_run_record,
    extract_movies,
    list_rank,
    needs_fetch,
    plan_run,
    release_days,
    validate_extraction,
)
from master_dataset.partitioning import LogicalHour
from master_dataset.simulator import control
from master_dataset.simulator.catalogue import hour_of
from master_dataset.tmdb_client import TMDBAuthError, TMDBClient
from spark_jobs.bronze import run
from spark_jobs.utils import tables
from spark_jobs.utils.lake import BRONZE_DATASETS, LakeFiles, LakePaths
from tests.simulator_fixture import TEST_CLOCK, reset, start_simulator

# ---- planning and validation (pure) ----------------------------------------------------------------------------


def test_each_release_day_belongs_to_exactly_one_run_of_the_schedule() -> None:
    first = LogicalHour.parse("2025-10-01T00:00:00+00:00")
    hours = [first.minus(hours=-4 * step) for step in range(1, 13)]
    days = [day for hour in hours for day in release_days(hour, 4)]
    assert days == [date(2025, 10, 1), date(2025, 10, 2)]
    assert release_days(LogicalHour.parse("2025-10-01T04:00:00+00:00"), 4) == (date(2025, 10, 1),)
    assert release_days(LogicalHour.parse("2025-10-01T08:00:00+00:00"), 4) == ()
    assert release_days(LogicalHour.parse("2025-10-03T00:00:00+00:00"), 24) == (date(2025, 10, 2),)


def test_a_run_is_a_backfill_when_its_hour_is_older_than_one_interval() -> None:
    hour = LogicalHour.parse("2025-10-01T04:00:00+00:00")
    live = plan_run(hour, hour.start + timedelta(minutes=7), 4)
    late = plan_run(hour, hour.start + timedelta(hours=3, minutes=59), 4)
    backfill = plan_run(hour, hour.start + timedelta(days=40), 4)
    assert (live.mode, late.mode) == ("live", "live")
    assert backfill.mode == "backfill" and backfill.release_days == (date(2025, 10, 1),)
    assert type(backfill).from_dict(backfill.to_dict()) == backfill


def test_details_are_refetched_only_when_new_or_stale() -> None:
    now = datetime(2025, 11, 9, 12, tzinfo=UTC)
    assert needs_fetch(550, None, now, 168)
    assert not needs_fetch(550, now - timedelta(hours=100), now, 168)
    assert needs_fetch(550, now - timedelta(hours=211), now, 168)
    ages = [next(h for h in range(300) if needs_fetch(m, now - timedelta(hours=h), now, 168)) for m in range(200)]
    assert 126 <= min(ages) < max(ages) <= 210, "staleness is spread over ±25 % so refreshes do not bunch up"


def test_list_rank_runs_across_pages() -> None:
    assert [list_rank(1, 0), list_rank(1, 19), list_rank(2, 0), list_rank(20, 19)] == [1, 20, 21, 400]


def summary(step: str, endpoints: dict[str, tuple[int, int, int]], failures: int = 0) -> dict[str, Any]:
    return {
        "step": step,
        "started_at": "2025-11-09T12:00:00+00:00",
        "duration_seconds": 1.0,
        "rows": {},
        "endpoints": {e: {"expected": x, "fetched": f, "failed": n} for e, (x, f, n) in endpoints.items()},
        "failures": [{"endpoint": "/movie/{id}", "key": str(i), "reason": "not_found"} for i in range(failures)],
        "client": {"requests": sum(x for x, _, _ in endpoints.values()), "rate_limited": 1, "retries": 2},
    }


def test_validation_passes_within_the_failure_share_and_lists_the_failures() -> None:
    summaries = [
        summary("extract-movies", {schema.POPULAR: (20, 20, 0), schema.MOVIE_DETAILS: (100, 97, 3)}, failures=3),
        summary("extract-reviews", {schema.MOVIE_REVIEWS: (10, 10, 0)}),
        summary("extract-people", {schema.PERSON: (70, 70, 0)}),
    ]
    report = validate_extraction(summaries, 0.05)
    assert report["ok"] and report["failed"] == 3 and len(report["failures"]) == 3
    assert report["endpoints"][schema.MOVIE_DETAILS] == {"expected": 100, "fetched": 97, "failed": 3}
    record = build_run_record(
        LogicalHour.parse("batch_2025_11_09_12"), summaries, report, status="succeeded", base_url="x"
    )
    assert (record["requests"], record["rate_limited"], record["retries"]) == (200, 3, 6)
    assert record["batch_run_id"] == "batch_2025_11_09_12" and set(record["steps"]) == set(STEPS)


@pytest.mark.parametrize(
    ("summaries", "problem"),
    [
        (
            [
                summary("extract-movies", {schema.POPULAR: (20, 20, 0), schema.MOVIE_DETAILS: (100, 80, 20)}),
                summary("extract-reviews", {}),
                summary("extract-people", {}),
            ],
            "20 of 120 requests failed",
        ),
        (
            [
                summary("extract-movies", {schema.POPULAR: (20, 15, 5), schema.MOVIE_DETAILS: (500, 500, 0)}),
                summary("extract-reviews", {}),
                summary("extract-people", {}),
            ],
            "/movie/popular: 5 of 20 pages failed",
        ),
        ([summary("extract-movies", {schema.POPULAR: (20, 20, 0)})], "step extract-people did not run"),
    ],
)
def test_validation_fails_past_the_share_or_when_a_step_is_missing(summaries: list, problem: str) -> None:
    with pytest.raises(ExtractionFailed, match=problem) as caught:
        validate_extraction(summaries, 0.05)
    assert caught.value.report["ok"] is False


def test_a_payload_of_the_wrong_shape_is_a_recorded_failure_not_a_row() -> None:
    entry = {"id": 550, "title": "Fight Club"}

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/movie/popular"):
            return httpx.Response(200, json={"page": 1, "total_pages": 1, "results": [entry]})
        if request.url.path.endswith("/movie/550"):
            return httpx.Response(200, json={"status": "ok"})
        return httpx.Response(200, json={"page": 1, "total_pages": 1, "results": "not a list of movies"})

    hour = LogicalHour.parse("2025-11-09T12:00:00+00:00")
    plan = plan_run(hour, hour.start, 4)
    with TMDBClient("https://tmdb.test/3", rate_limit=1000, transport=httpx.MockTransport(answer)) as client:
        result = extract_movies(client, plan, pages=1, known_details={}, details_max_age_hours=168)
    assert [(r.api_endpoint, r.movie_id, r.list_rank) for r in result.records["movies"]] == [(schema.POPULAR, 550, 1)]
    failures = {(f.endpoint, f.key, f.reason) for f in result.failures}
    assert failures == {
        (schema.MOVIE_DETAILS, "550", "malformed"),
        (schema.TOP_RATED, "page 1", "malformed"),
        (schema.NOW_PLAYING, "page 1", "malformed"),
    }
    assert result.tallies[schema.MOVIE_DETAILS] == Tally(expected=1, fetched=0, failed=1)


# ---- whole runs against the simulator --------------------------------------------------------------------------


@pytest.fixture(scope="module", autouse=True)
def serving_database(mongo_server: str):
    """update_metadata records the ingestion stage in MongoDB's batch_runs: point the jobs at nx-27017."""
    previous = os.environ.get("MONGODB_CONNECTION_STRING")
    os.environ["MONGODB_CONNECTION_STRING"] = mongo_server
    yield mongo_server
    if previous is None:
        os.environ.pop("MONGODB_CONNECTION_STRING", None)
    else:
        os.environ["MONGODB_CONNECTION_STRING"] = previous


@pytest.fixture(scope="module")
def simulator():
    with start_simulator() as running:
        yield running


def job_settings(lake: str, base_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "lake_root": lake,
        "tmdb_base_url": base_url,
        "tmdb_pages": 2,
        "tmdb_top_cast": 2,
        "tmdb_rate_limit": 1000,
        "tmdb_concurrency": 8,
        "tmdb_max_retries": 1,
        "tmdb_backoff_seconds": 0.01,
        "tmdb_backoff_max_seconds": 0.05,
        "tmdb_timeout_seconds": 2,
        "tmdb_progress_interval_seconds": 1,
        "spark_shuffle_partitions": 1,
    }
    return load_settings(_env_file=None, **{**values, **overrides})


def run_hour(settings: Settings, hour: str, step: str = "all") -> dict[str, Any]:
    from pyspark.sql import SparkSession

    return run.run(SparkSession.getActiveSession(), ["--logical-date", hour, "--step", step], settings)


def bronze(spark, settings: Settings, dataset: str, hour: datetime):
    frame = spark.read.format("delta").load(LakePaths(settings.lake_root).bronze(dataset))
    return frame.where(
        (F.col("year") == hour.year) & (F.col("month") == hour.month)
        & (F.col("day") == hour.day) & (F.col("hour") == hour.hour)
    )  # fmt: skip


def snapshot(spark, settings: Settings, hour: datetime) -> dict[str, list]:
    return {dataset: sorted(bronze(spark, settings, dataset, hour).collect()) for dataset in BRONZE_DATASETS}


def versions(spark, settings: Settings) -> dict[str, int]:
    paths = LakePaths(settings.lake_root)
    return {dataset: tables.last_commit(spark, paths.bronze(dataset))["version"] for dataset in BRONZE_DATASETS}


@pytest.fixture(scope="module")
def history(spark, simulator, tmp_path_factory):
    """Three runs on one lake: 08:00 (the first ever, with faults), 12:00 (steady state), then 12:00 again.

    In the first run some details answer 404, 500 or garbage, and one answers 504 once and then succeeds.
    """
    settings = job_settings(tmp_path_factory.mktemp("history").as_uri(), simulator.base_url)
    reset(simulator)
    early, late = TEST_CLOCK - timedelta(hours=4), TEST_CLOCK
    faulty = simulator.state.catalogue.popular_ids(hour_of(early))[:4]
    rules = [
        {"path": f"/3/movie/{faulty[0]}", "kind": "not_found"},
        {"path": f"/3/movie/{faulty[1]}", "kind": "server_error"},
        {"path": f"/3/movie/{faulty[2]}", "kind": "malformed"},
        {"path": f"/3/movie/{faulty[3]}", "kind": "gateway_timeout", "times": 1},
    ]
    control.set_faults(simulator.base_url, rules=rules)
    control.set_clock(simulator.base_url, early, frozen=True)
    first = run_hour(settings, early.isoformat())["update-metadata"]
    first_rows = snapshot(spark, settings, early)
    control.set_faults(simulator.base_url, rules=[])
    control.set_clock(simulator.base_url, late, frozen=True)
    steady = run_hour(settings, late.isoformat())["update-metadata"]
    steady_rows = snapshot(spark, settings, late)
    steady_versions = versions(spark, settings)
    requests_before_again = control.get_stats(simulator.base_url)["requests"]
    again = run_hour(settings, "batch_2025_11_09_12")["update-metadata"]
    again_requests = control.get_stats(simulator.base_url)["requests"] - requests_before_again
    return SimpleNamespace(
        settings=settings,
        early=early,
        faulty=faulty,
        first=first,
        first_rows=first_rows,
        steady=steady,
        steady_rows=steady_rows,
        again=again,
        again_rows=snapshot(spark, settings, late),
        steady_versions=steady_versions,
        again_versions=versions(spark, settings),
        again_requests=again_requests,
        early_rows_at_end=snapshot(spark, settings, early),
    )


def endpoint_ids(rows: list, endpoints: frozenset[str] | set[str]) -> set[int]:
    return {row.movie_id for row in rows if row.api_endpoint in endpoints}


def test_a_first_run_writes_every_bronze_dataset_for_its_hour(history, simulator) -> None:
    record, rows = history.first, history.first_rows
    assert record["status"] == "succeeded" and record["mode"] == "live"
    assert record["bronze_rows"] == {dataset: len(rows[dataset]) for dataset in BRONZE_DATASETS}
    assert all(rows[dataset] for dataset in BRONZE_DATASETS)
    # The bronze suite's outcome travels with the run record (the demo's run summary prints it).
    assert record["expectations"]["success"] and record["expectations"]["failed"] == 0
    assert record["expectations"]["passed"] == record["expectations"]["evaluated"] > 0
    movies = rows["movies"]
    entries = [row for row in movies if row.api_endpoint in schema.LIST_ENDPOINTS]
    details = [row for row in movies if row.api_endpoint == schema.MOVIE_DETAILS]
    assert {row.source_list for row in entries} == {"popular", "top_rated", "now_playing"}
    popular = sorted((row.list_rank, row.movie_id) for row in entries if row.source_list == "popular")
    expected = simulator.state.catalogue.popular_ids(hour_of(history.early))[:40]
    assert popular == list(enumerate(expected, start=1)), "every entry of 2 pages is kept with its rank"
    assert {row.movie_id for row in details} == {row.movie_id for row in entries} - set(history.faulty[:3])
    assert all(row.source_list is None and row.list_rank is None for row in details)
    assert {row.batch_run_id for row in movies} == {"batch_2025_11_09_08"}
    assert record["endpoints"][schema.MOVIE_REVIEWS]["fetched"] == len(rows["reviews"])
    requests = sum(tally["expected"] for tally in record["endpoints"].values())
    assert record["requests"] == requests + 1 + record["retries"], "a health check, then one request per item"


def test_failed_movies_are_recorded_with_reasons_and_the_run_goes_on(history) -> None:
    record, faulty = history.first, history.faulty
    reasons = {int(f["key"]): f for f in record["failures"]}
    assert set(reasons) == set(faulty[:3])
    assert reasons[faulty[0]]["reason"] == "not_found" and reasons[faulty[0]]["attempts"] == 1
    assert reasons[faulty[1]]["reason"] == "server_error" and reasons[faulty[1]]["attempts"] == 2
    malformed = reasons[faulty[2]]
    assert malformed["reason"] == "malformed" and malformed["body_head"], "the first bytes of the body are kept"
    assert record["endpoints"][schema.MOVIE_DETAILS]["failed"] == 3 and record["retries"] >= 3
    details = endpoint_ids(history.first_rows["movies"], {schema.MOVIE_DETAILS})
    assert faulty[3] in details, "retried after one 504, then stored"
    for row in history.first_rows["movies"]:
        json.loads(row.raw_json)


def test_extraction_timestamps_are_the_server_time_of_each_response(spark, history) -> None:
    frame = bronze(spark, history.settings, "movies", history.early)
    stamps = {row.t for row in frame.select(F.col("extraction_timestamp").cast("long").alias("t")).collect()}
    assert stamps == {int(history.early.timestamp())}


def test_raw_json_is_the_payload_as_received_and_parses_with_the_shared_schemas(spark, history) -> None:
    checks = []
    for dataset in BRONZE_DATASETS:
        frame = bronze(spark, history.settings, dataset, history.early)
        for endpoint in sorted(schema.DATASET_ENDPOINTS[dataset]):
            payload = F.from_json("raw_json", schema.PAYLOAD_SCHEMAS[endpoint])
            key = payload["page"] if endpoint == schema.MOVIE_REVIEWS else payload["id"]
            mismatch = key != F.col("movie_id") if endpoint in (schema.MOVIE_DETAILS, schema.PERSON) else F.lit(False)
            checks.append(
                frame.where(F.col("api_endpoint") == endpoint).select(
                    F.lit(endpoint).alias("endpoint"),
                    F.lit(1).alias("rows"),
                    key.isNull().cast("int").alias("unparsed"),
                    mismatch.cast("int").alias("mismatched"),
                )
            )
    union = checks[0]
    for check in checks[1:]:
        union = union.unionByName(check)
    sums = [F.sum(name).alias(name) for name in ("rows", "unparsed", "mismatched")]
    totals = {row.endpoint: row for row in union.groupBy("endpoint").agg(*sums).collect()}
    assert set(totals) == {schema.POPULAR, schema.TOP_RATED, schema.NOW_PLAYING, schema.MOVIE_DETAILS,
                           schema.MOVIE_REVIEWS, schema.PERSON}  # fmt: skip
    assert all(row.rows > 0 and row.unparsed == 0 and row.mismatched == 0 for row in totals.values())
    details = next(row for row in history.first_rows["movies"] if row.api_endpoint == schema.MOVIE_DETAILS)
    assert {"credits", "reviews", "keywords"} <= set(json.loads(details.raw_json))


def test_a_steady_state_run_costs_a_small_fraction_of_the_first(history) -> None:
    first, steady = history.first, history.steady
    assert steady["status"] == "succeeded" and not steady["failures"]
    assert steady["requests"] < 0.25 * first["requests"]
    assert steady["endpoints"][schema.POPULAR]["fetched"] == 2, "the lists are observed on every run"
    listed = endpoint_ids(history.steady_rows["movies"], schema.LIST_ENDPOINTS)
    fetched = endpoint_ids(history.steady_rows["movies"], {schema.MOVIE_DETAILS})
    assert len(fetched) < 0.25 * len(listed)
    known = endpoint_ids(history.first_rows["movies"], {schema.MOVIE_DETAILS})
    assert fetched.isdisjoint(known), "details fresh from the 08:00 run are not fetched again"
    assert set(history.faulty[:3]) <= fetched, "what failed at 08:00 is fetched by the next run"


def test_a_stored_hour_run_again_fetches_nothing_and_commits_nothing(history) -> None:
    # Bronze is immutable: the second run of 12:00 finds the hour stored and keeps it as it is.
    assert history.again_requests == 0
    assert history.again_versions == history.steady_versions
    assert history.again_rows == history.steady_rows
    assert history.again["bronze_rows"] == history.steady["bronze_rows"]
    assert history.again["run_record"] == history.steady["run_record"]
    assert history.early_rows_at_end == history.first_rows


def test_an_explicit_reingestion_replaces_exactly_its_hour(spark, history, simulator) -> None:
    settings = history.settings
    before = versions(spark, settings)
    control.set_clock(simulator.base_url, TEST_CLOCK, frozen=True)
    record = run.run(spark, ["--logical-date", "batch_2025_11_09_12", "--step", "all", "--reingest"], settings)

    assert record["update-metadata"]["status"] == "succeeded"
    assert versions(spark, settings) == {dataset: version + 1 for dataset, version in before.items()}
    paths = LakePaths(settings.lake_root)
    commit = tables.last_commit(spark, paths.bronze("movies"))
    assert commit["userMetadata"] == "batch_2025_11_09_12"
    assert "hour = 12" in commit["operationParameters"]["predicate"]
    assert snapshot(spark, settings, history.early) == history.first_rows


def test_a_run_record_is_stored_and_staging_removed(spark, history) -> None:
    paths, fs = LakePaths(history.settings.lake_root), LakeFiles(history.settings.lake_root)
    stored = json.loads(fs.read_text(history.first["run_record"]))
    assert stored["batch_run_id"] == "batch_2025_11_09_08" and stored["status"] == "succeeded"
    assert set(stored["steps"]) == set(STEPS) and stored["duration_seconds"] > 0
    assert not fs.exists(paths.staging("batch_2025_11_09_08"))


def test_a_run_past_the_failure_share_fails_records_why_and_stores_nothing(spark, history, simulator) -> None:
    later = TEST_CLOCK + timedelta(hours=4)
    control.set_clock(simulator.base_url, later, frozen=True)
    control.set_faults(simulator.base_url, rules=[{"path": "/3/movie/top_rated", "kind": "bad_gateway"}])
    with pytest.raises(ExtractionFailed, match="top_rated: 1 of 1 pages failed"):
        run_hour(history.settings, later.isoformat())
    paths, fs = LakePaths(history.settings.lake_root), LakeFiles(history.settings.lake_root)
    hour = LogicalHour.of(later)
    record = json.loads(fs.read_text(f"{paths.metadata('ingestion_runs', hour.batch_run_id)}/run.json"))
    assert record["status"] == "failed" and record["endpoints"][schema.TOP_RATED] == {
        "expected": 1,
        "fetched": 0,
        "failed": 1,
    }
    assert record["failures"][0]["reason"] == "server_error" and record["problems"]
    assert all(bronze(spark, history.settings, dataset, later).count() == 0 for dataset in BRONZE_DATASETS)
    assert fs.exists(paths.staging(hour.batch_run_id)), "staging is kept to investigate or re-store"


def test_a_backfill_discovers_the_movies_released_then_and_never_backdates(spark, simulator, tmp_path) -> None:
    reset(simulator)
    catalogue = simulator.state.catalogue
    released = sorted(
        core.release
        for core in (catalogue.movie_core(m) for m in catalogue.movie_ids())
        if core.release and date(2025, 6, 1) <= core.release <= date(2025, 10, 31)
    )
    day = released[0]
    hour = datetime(day.year, day.month, day.day, 4, tzinfo=UTC)
    settings = job_settings(tmp_path.as_uri(), simulator.base_url)
    for step in run.STEPS:  # the steps one by one, as the DAG runs them
        results = run_hour(settings, hour.isoformat(), step)
    record = results["update-metadata"]
    assert record["mode"] == "backfill" and record["release_days"] == [day.isoformat()]
    movies = bronze(spark, settings, "movies", hour)
    lists = {row.api_endpoint for row in movies.select("api_endpoint").distinct().collect()}
    assert lists == {schema.DISCOVER, schema.MOVIE_DETAILS}
    discovered = movies.where(F.col("source_list") == "discover").collect()
    assert sorted(json.loads(row.raw_json)["release_date"] for row in discovered) == [
        d.isoformat() for d in released if d == day
    ]
    stamps = {row.t for row in movies.select(F.col("extraction_timestamp").cast("long").alias("t")).collect()}
    assert stamps == {int(TEST_CLOCK.timestamp())}, "stamped with the server's present time, not the past hour"


def test_an_invalid_key_fails_the_run_at_once_and_records_it(spark, tmp_path) -> None:
    with start_simulator(api_key="0123456789abcdef0123456789abcdef") as secured:
        settings = job_settings(tmp_path.as_uri(), secured.base_url, tmdb_api_key="f" * 32)
        with pytest.raises(TMDBAuthError, match="TMDB_API_KEY"):
            run_hour(settings, TEST_CLOCK.isoformat())
        assert control.get_stats(secured.base_url)["requests"] == 1
    paths, fs = LakePaths(settings.lake_root), LakeFiles(settings.lake_root)
    text = fs.read_text(f"{paths.metadata('ingestion_runs', 'batch_2025_11_09_12')}/run.json")
    assert json.loads(text)["status"] == "failed" and "TMDB_API_KEY" in text and "f" * 32 not in text
