"""The serving export against nx-27017: exact documents, changed documents only, idempotence, crash and re-run,
stale removal, queries.

Every test writes hand-made Gold views (the documented schemas) into a temporary lake and exports them into a
database of its own on the session's nx-27017.
"""

from __future__ import annotations

import json
import subprocess
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from batch_views import serving
from batch_views.export_to_mongo import (
    SERVING_VIEWS,
    VIEWS_BY_NAME,
    DocumentValidationError,
    ExportError,
    check_documents,
    comparison_base,
    export_run,
    parse_args,
    to_documents,
    validate,
)
from batch_views.registry import SERVING_INDEXES
from master_dataset.partitioning import LogicalHour
from spark_jobs.utils.lake import LakeFiles, LakePaths
from tests.serving_builders import (
    GOLD_R1,
    GOLD_R2,
    GOLD_SCHEMAS,
    HOUR1,
    HOUR2,
    R1,
    R2,
    expected_r1,
    expected_r2_trending,
    write_gold,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GENRE = VIEWS_BY_NAME["genre_analytics"]
TRENDING = VIEWS_BY_NAME["trending_movies"]
MOVIES = VIEWS_BY_NAME["movie_analytics"]
SENTIMENT = VIEWS_BY_NAME["sentiment_trends"]


# ------------------------------------------------------------------------------------------------ fixtures


@pytest.fixture(scope="module")
def gold_lake(spark, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A lake with run R1 of every served Gold view and R2 of two; R2's sentiment_trends is reported empty."""
    root = (tmp_path_factory.mktemp("serving") / "lake").as_uri()
    for view in GOLD_SCHEMAS:
        write_gold(spark, root, view, R1, GOLD_R1[view])
    # The tests export R2 of these two views only (each Spark write costs seconds on a shared machine).
    for view in ("genre_analytics", "trending_scores"):
        write_gold(spark, root, view, R2, GOLD_R2[view])
    # The Gold job built sentiment_trends for R2 and found no rows: it says so in its run record only.
    record = {
        "status": "success",
        "views": [view.gold_view for view in SERVING_VIEWS],
        "counts": {**{view.gold_view: 1 for view in SERVING_VIEWS}, "sentiment_trends": 0},
        "duration_seconds": 12.5,
        "expectations": {"genre_analytics": {"evaluated": 7, "passed": 7}},
        "stages": {"left": "out"},
    }
    LakeFiles(root).write_text(f"{LakePaths(root).metadata('gold_runs', R2)}/run.json", json.dumps(record))
    return root


@pytest.fixture(scope="module")
def mongo_client(mongo_server: str) -> Iterator[MongoClient]:
    with MongoClient(mongo_server, tz_aware=True) as client:
        yield client


def _target(mongo_server: str, database: str, batch_size: int = 1000) -> serving.MongoTarget:
    return serving.MongoTarget(uri=mongo_server, database=database, batch_size=batch_size)


@pytest.fixture
def fresh(mongo_server: str, mongo_client: MongoClient) -> Iterator[tuple[serving.MongoTarget, Database]]:
    """A target and a handle on a database no other test uses."""
    name = f"t_{uuid.uuid4().hex[:10]}"
    yield _target(mongo_server, name), mongo_client[name]
    mongo_client.drop_database(name)


@pytest.fixture(scope="module")
def exported_r1(spark, gold_lake: str, mongo_server: str, mongo_client: MongoClient) -> Database:
    """Run R1 of every view exported once, shared by the read-only tests."""
    name = f"r1_{uuid.uuid4().hex[:10]}"
    export_run(spark, LakePaths(gold_lake), _target(mongo_server, name), LogicalHour(HOUR1))
    return mongo_client[name]


def documents(db: Database, view_type: str | None = None) -> list[dict[str, Any]]:
    query = {} if view_type is None else {"view_type": view_type}
    return list(db.batch_views.find(query).sort("_id", 1))


def index_keys(db: Database, collection: str = "batch_views") -> set[tuple[str, ...]]:
    # nx-27017 reports every index direction as 1: compare the fields, which both servers report alike.
    return {tuple(field for field, _ in spec["key"]) for spec in db[collection].index_information().values()}


EXPECTED_INDEX_KEYS = {("_id",)} | {tuple(field for field, _ in keys) for keys in SERVING_INDEXES["batch_views"]}


# ------------------------------------------------------------------------------------------- the documents


def test_every_view_becomes_its_exact_flat_documents(exported_r1: Database) -> None:
    expected = expected_r1()
    assert set(expected) == {view.view_type for view in SERVING_VIEWS}
    for view_type, wanted in expected.items():
        got = documents(exported_r1, view_type)
        assert got == wanted, view_type
        # Field order too: _id, the common fields, then the view's columns as documented.
        assert [list(doc) for doc in got] == [list(doc) for doc in wanted], view_type
    assert exported_r1.batch_views.count_documents({}) == sum(len(docs) for docs in expected.values())


def test_run_is_recorded_complete_with_counts_per_view_type(exported_r1: Database) -> None:
    record = exported_r1.batch_runs.find_one({"_id": R1})
    assert record["status"] == "complete"
    counts = {view_type: len(docs) for view_type, docs in expected_r1().items()}
    assert record["counts"] == counts
    # A first export has nothing to compare with: it writes every document.
    assert record["upserted"] == counts
    assert record["unchanged"] == dict.fromkeys(counts, 0)
    assert record["compared_with"] == dict.fromkeys(counts)
    assert record["total_documents"] == sum(record["counts"].values())
    assert record["logical_hour"] == HOUR1
    assert isinstance(record["started_at"], datetime)
    assert record["finished_at"] >= record["started_at"]
    assert record["duration_seconds"] > 0
    assert serving.latest_complete_run(exported_r1)["_id"] == R1


def test_document_id_keeps_the_position_of_a_null_key_part(spark) -> None:
    rows = [("year", 2025, None), ("month", None, 2025)]
    gold = spark.createDataFrame(
        [(*row, 1, 0.0, 0, None, None, None, R1, HOUR1) for row in rows],
        GOLD_SCHEMAS["temporal_analysis"] + ", batch_run_id string, computed_at timestamp",
    )
    ids = sorted(row["_id"] for row in to_documents(gold, VIEWS_BY_NAME["temporal_analytics"]).collect())
    assert ids == ["temporal_analytics:month::2025", "temporal_analytics:year:2025:"]


def test_duplicate_natural_keys_fail_validation_before_any_write(spark) -> None:
    rows = [GOLD_R1["genre_analytics"][0], GOLD_R1["genre_analytics"][0]]
    gold = spark.createDataFrame(
        [(*row, R1, HOUR1) for row in rows],
        GOLD_SCHEMAS["genre_analytics"] + ", batch_run_id string, computed_at timestamp",
    )
    docs = to_documents(gold, GENRE)
    with pytest.raises(DocumentValidationError, match="1 documents share an _id"):
        validate(check_documents({"genre_analytics": docs}, R1)["genre_analytics"], GENRE, R1)


def test_views_are_chosen_by_view_type_or_gold_name() -> None:
    args = parse_args(["--logical-date", R1, "--views", "trending_scores,genre_analytics", "actor_network"])
    assert [view.view_type for view in args.views] == ["genre_analytics", "trending_movies", "actor_network"]
    assert [view.view_type for view in parse_args(["--logical-date", R1]).views] == [
        "genre_analytics",
        "trending_movies",
        "temporal_analytics",
        "actor_network",
        "sentiment_trends",
        "movie_analytics",
    ]


# ------------------------------------------------------------------------------------------- idempotence


def test_exporting_a_run_twice_writes_nothing_the_second_time(spark, gold_lake: str, fresh) -> None:
    target, db = fresh
    # Trending and movie analytics carry the dates (computed_date, release_date) besides computed_at.
    views = [TRENDING, MOVIES]
    export_run(spark, LakePaths(gold_lake), target, LogicalHour(HOUR1), views)
    first = documents(db)

    def no_write_expected(view_type: str, chunk_number: int, size: int) -> None:
        raise AssertionError(f"{view_type}: a chunk of {size} documents was written again")

    export_run(spark, LakePaths(gold_lake), target, LogicalHour(HOUR1), views, on_chunk=no_write_expected)
    second = documents(db)

    assert second == first
    # No duplicates: one document per natural key, as many as Gold rows.
    expected = expected_r1()
    assert len(second) == len({doc["_id"] for doc in second}) == sum(len(expected[v.view_type]) for v in views)
    # Dates stay BSON dates after a replace of an existing document (nx-27017 turns a $set date into a string).
    assert all(isinstance(doc["computed_at"], datetime) for doc in second)
    assert all(isinstance(doc["computed_date"], datetime) for doc in documents(db, "trending_movies"))
    assert isinstance(db.batch_views.find_one({"_id": "movie_analytics:1"})["release_date"], datetime)
    assert index_keys(db) == EXPECTED_INDEX_KEYS
    assert ("status", "finished_at") in index_keys(db, "batch_runs")
    record = db.batch_runs.find_one({"_id": R1})
    assert (record["status"], record["attempts"], record["stale_removed"]) == (
        "complete",
        2,
        {"trending_movies": 0, "movie_analytics": 0},
    )
    assert record["upserted"] == {"trending_movies": 0, "movie_analytics": 0}
    assert record["unchanged"] == record["counts"] == {"trending_movies": 7, "movie_analytics": 2}
    assert record["compared_with"] == {"trending_movies": R1, "movie_analytics": R1}


def test_a_rebuilt_gold_run_exported_again_rewrites_only_what_the_rebuild_changed(spark, tmp_path, fresh) -> None:
    """The served run is read as Gold held it when it was exported (time travel), not as it holds it now."""
    target, db = fresh
    lake = (tmp_path / "lake").as_uri()
    write_gold(spark, lake, "genre_analytics", R1, GOLD_R1["genre_analytics"])
    export_run(spark, LakePaths(lake), target, LogicalHour(HOUR1), [GENRE])
    before = {doc["_id"]: doc for doc in documents(db)}
    # The rebuild drops Drama 2025-10 and finds two movies in Action 2024-12; Action 2025-11 is as it was.
    action_2025_11, _, action_2024_12 = GOLD_R1["genre_analytics"]
    rebuilt = [action_2025_11, (*action_2024_12[:3], 2, *action_2024_12[4:])]
    write_gold(spark, lake, "genre_analytics", R1, rebuilt, replace=True)

    record = export_run(spark, LakePaths(lake), target, LogicalHour(HOUR1), [GENRE])

    after = {doc["_id"]: doc for doc in documents(db)}
    assert sorted(after) == ["genre_analytics:Action:2024:12", "genre_analytics:Action:2025:11"]
    assert after["genre_analytics:Action:2024:12"]["total_movies"] == 2
    assert after["genre_analytics:Action:2025:11"] == before["genre_analytics:Action:2025:11"]
    assert (record["upserted"], record["unchanged"], record["stale_removed"]) == (
        {"genre_analytics": 1},
        {"genre_analytics": 1},
        {"genre_analytics": 1},
    )


def test_indexes_are_created_idempotently(fresh) -> None:
    _, db = fresh
    serving.update_serving_indexes(db)
    serving.update_serving_indexes(db)
    assert index_keys(db) == EXPECTED_INDEX_KEYS


# ------------------------------------------------------------------------------------ stale and superseded


def test_a_later_run_replaces_the_view_and_removes_its_stale_documents(spark, gold_lake: str, fresh) -> None:
    target, db = fresh
    export_run(spark, LakePaths(gold_lake), target, LogicalHour(HOUR1), [GENRE, SENTIMENT])
    assert db.batch_views.count_documents({"_id": "genre_analytics:Drama:2025:10"}) == 1

    unchanged = db.batch_views.find_one({"_id": "genre_analytics:Action:2024:12"})

    record = export_run(spark, LakePaths(gold_lake), target, LogicalHour(HOUR2), [GENRE, SENTIMENT])

    genre = documents(db, "genre_analytics")
    assert [doc["_id"] for doc in genre] == ["genre_analytics:Action:2024:12", "genre_analytics:Action:2025:11"]
    changed = db.batch_views.find_one({"_id": "genre_analytics:Action:2025:11"})
    assert (changed["total_movies"], changed["batch_run_id"], changed["computed_at"]) == (3, R2, HOUR2)
    # Action 2024-12 has the same values in R2: not rewritten, it still names the run that computed them.
    assert db.batch_views.find_one({"_id": "genre_analytics:Action:2024:12"}) == unchanged
    assert (unchanged["batch_run_id"], unchanged["computed_at"]) == (R1, HOUR1)
    # Gold reported sentiment_trends empty for R2: the view is served empty, its R1 documents are gone.
    assert documents(db, "sentiment_trends") == []
    assert record["counts"] == {"genre_analytics": 2, "sentiment_trends": 0}
    assert record["upserted"] == {"genre_analytics": 1, "sentiment_trends": 0}
    assert record["unchanged"] == {"genre_analytics": 1, "sentiment_trends": 0}
    assert record["stale_removed"] == {"genre_analytics": 1, "sentiment_trends": 2}
    assert record["compared_with"] == {"genre_analytics": R1, "sentiment_trends": R1}
    # Both views are current as of R2, whichever run their documents name.
    for view_type, count in record["counts"].items():
        served = serving.served_view(db, view_type)
        assert (served["state"], served["batch_run_id"], served["documents"]) == ("served", R2, count)
    assert record["layers"]["gold"] == {
        "status": "success",
        "views": [view.gold_view for view in SERVING_VIEWS],
        "counts": {**{view.gold_view: 1 for view in SERVING_VIEWS}, "sentiment_trends": 0},
        "expectations": {"genre_analytics": {"evaluated": 7, "passed": 7}},
        "duration_seconds": 12.5,
    }
    assert serving.latest_complete_run(db)["_id"] == R2


def test_an_older_run_does_not_roll_back_a_newer_one(spark, gold_lake: str, fresh) -> None:
    target, db = fresh
    export_run(spark, LakePaths(gold_lake), target, LogicalHour(HOUR2), [GENRE])
    served = documents(db)

    record = export_run(spark, LakePaths(gold_lake), target, LogicalHour(HOUR1), [GENRE])

    assert documents(db) == served
    assert (record["status"], record["superseded"]) == ("superseded", {"genre_analytics": R2})
    assert serving.latest_complete_run(db)["_id"] == R2


def test_missing_gold_fails_before_anything_is_written(spark, gold_lake: str, fresh) -> None:
    target, db = fresh
    hour = LogicalHour.parse("batch_2025_11_10_02")
    with pytest.raises(ExportError, match="gold/genre_analytics has no data for batch_2025_11_10_02"):
        export_run(spark, LakePaths(gold_lake), target, hour, [GENRE])
    assert db.batch_views.count_documents({}) == 0
    assert db.batch_runs.find_one({"_id": hour.batch_run_id})["status"] == "failed"


# ------------------------------------------------------------------------------------- crash and re-run


def test_an_export_killed_halfway_converges_when_run_again(spark, gold_lake: str, fresh, mongo_server: str) -> None:
    _, db = fresh
    target = _target(mongo_server, db.name, batch_size=2)
    export_run(spark, LakePaths(gold_lake), target, LogicalHour(HOUR1), [TRENDING])

    def crash_after_first_chunk(view_type: str, chunk_number: int, size: int) -> None:
        if chunk_number >= 1:
            raise RuntimeError("simulated crash of the export")

    with pytest.raises(Exception, match="simulated crash"):
        export_run(
            spark, LakePaths(gold_lake), target, LogicalHour(HOUR2), [TRENDING], on_chunk=crash_after_first_chunk
        )
    halfway = documents(db, "trending_movies")
    runs = [doc["batch_run_id"] for doc in halfway]
    assert len(halfway) == len(GOLD_R1["trending_scores"])
    assert R1 in runs and R2 in runs, "the crash should leave a mix of both runs"
    failed = db.batch_runs.find_one({"_id": R2})
    assert failed["status"] == "failed"
    assert "simulated crash" in failed["error"]
    writing = serving.served_view(db, "trending_movies")
    assert (writing["state"], writing["batch_run_id"], writing["base"]["batch_run_id"]) == ("writing", R2, R1)

    export_run(spark, LakePaths(gold_lake), target, LogicalHour(HOUR2), [TRENDING])

    # Exactly R2's documents: no duplicates, nothing stale, nothing left from the crashed attempt.
    assert documents(db) == expected_r2_trending()
    record = db.batch_runs.find_one({"_id": R2})
    assert (record["status"], record["attempts"], record["error"]) == ("complete", 2, None)
    # The repair compared with R1 again, so it rewrote every changed document, the ones written before the crash too.
    assert (record["compared_with"], record["upserted"]) == ({"trending_movies": R1}, {"trending_movies": 7})
    assert serving.served_view(db, "trending_movies")["state"] == "served"


def test_after_a_crash_another_run_writes_the_view_whole(spark, gold_lake: str, fresh, mongo_server: str) -> None:
    """Which documents the stopped export wrote is unknown: a comparison with the older served run would miss them."""
    _, db = fresh
    target = _target(mongo_server, db.name, batch_size=2)
    export_run(spark, LakePaths(gold_lake), target, LogicalHour(HOUR1), [TRENDING])

    def crash_after_first_chunk(view_type: str, chunk_number: int, size: int) -> None:
        raise RuntimeError("simulated crash of the export")

    with pytest.raises(Exception, match="simulated crash"):
        export_run(
            spark, LakePaths(gold_lake), target, LogicalHour(HOUR2), [TRENDING], on_chunk=crash_after_first_chunk
        )
    # The view holds documents of R2 now: R1 is superseded unless forced, and forced it is written whole.
    assert export_run(spark, LakePaths(gold_lake), target, LogicalHour(HOUR1), [TRENDING])["status"] == "superseded"
    record = export_run(spark, LakePaths(gold_lake), target, LogicalHour(HOUR1), [TRENDING], force=True)

    assert documents(db) == expected_r1()["trending_movies"]
    assert (record["compared_with"], record["upserted"]) == ({"trending_movies": None}, {"trending_movies": 7})


def test_comparison_base_writes_whole_unless_the_served_view_is_known() -> None:
    served = {"state": "served", "batch_run_id": R1, "gold_version": 3, "base": None}
    assert comparison_base(None, R2, 5) is None
    assert comparison_base(served, R2, 5) == {"batch_run_id": R1, "gold_version": 3}
    assert comparison_base(served, R1, 4) == {"batch_run_id": R1, "gold_version": 3}
    # A rollback (--force) to an older run.
    assert comparison_base({**served, "batch_run_id": R2}, R1, 3) is None
    writing = {
        "state": "writing",
        "batch_run_id": R2,
        "gold_version": 5,
        "base": {"batch_run_id": R1, "gold_version": 3},
    }
    assert comparison_base(writing, R2, 5) == {"batch_run_id": R1, "gold_version": 3}
    # Another run, the same run rebuilt since the crash, or a crashed whole write: every document.
    assert comparison_base(writing, "batch_2025_11_09_18", 6) is None
    assert comparison_base(writing, R2, 6) is None
    assert comparison_base({**writing, "base": None}, R2, 5) is None


# ------------------------------------------------------------------------------------------- connection


def test_an_unreachable_server_fails_after_bounded_retries_naming_the_host_only() -> None:
    target = serving.MongoTarget(
        uri="mongodb://exporter:s3cret-pw@127.0.0.1:9/moviedb?authSource=admin",
        database="moviedb",
        connect_attempts=2,
        timeout_ms=200,
        retry_backoff_seconds=0.05,
    )
    with pytest.raises(serving.ServingUnavailable) as failure:
        serving.connect(target)
    message = str(failure.value)
    assert "127.0.0.1:9" in message and "after 2 attempts" in message
    assert "s3cret-pw" not in message and "exporter" not in message
    # No chained pymongo exception either: a traceback shows only this message.
    assert failure.value.__cause__ is None and failure.value.__context__ is None
    assert "s3cret" not in repr(target)


def test_credentials_against_the_embedded_server_fail_naming_the_setting(mongo_server: str) -> None:
    """nx-27017 has no authentication; the Docker stack's connection string (with a user) is refused clearly."""
    host = mongo_server.split("://", 1)[1].split("/", 1)[0]
    target = serving.MongoTarget(uri=f"mongodb://root:s3cret-pw@{host}/moviedb?authSource=admin", database="moviedb")
    with pytest.raises(serving.ServingError) as failure:
        serving.connect(target)
    message = str(failure.value)
    assert "has no authentication" in message and "MONGODB_CONNECTION_STRING" in message
    assert "s3cret-pw" not in message and failure.value.__suppress_context__


def test_redact_hides_raw_and_percent_encoded_credentials() -> None:
    uri = "mongodb://admin:p%40ss@mongo:27017/moviedb"
    assert serving.redact("auth as admin:p%40ss / p@ss failed", uri) == "auth as *** / *** failed"
    assert serving.host_label(uri) == "mongo:27017"


# ---------------------------------------------------------------------------------- the seed's queries


def _mongosh(uri: str, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        [str(PROJECT_ROOT / "node_modules/.bin/mongosh"), uri, "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
        check=True,
    )
    return result.stdout


# The seed's "Query MongoDB Data" samples, verbatim, each wrapped to print Extended JSON.
SEED_QUERIES = """
const out = {};
out.count = db.batch_views.aggregate([
  { $group: { _id: "$view_type", count: { $sum: 1 } } }
]).toArray();
out.genre = db.batch_views.find({
  view_type: "genre_analytics",
  genre: "Action"
}).pretty().toArray();
out.trending = db.batch_views.find({
  view_type: "trending_movies"
}).sort({
  trending_score: -1
}).limit(5).toArray();
out.temporal = db.batch_views.find({
  view_type: "temporal_analytics",
  year: 2025,
  month: 11
}).toArray();
console.log(EJSON.stringify(out, {relaxed: true}));
"""


def _ejson_docs(docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from bson import json_util

    return json.loads(json_util.dumps(docs, json_options=json_util.RELAXED_JSON_OPTIONS))


def test_the_seeds_mongosh_queries_answer_with_the_exported_documents(exported_r1: Database, mongo_server: str) -> None:
    uri = mongo_server.rsplit("/", 1)[0] + f"/{exported_r1.name}"
    answers = json.loads(_mongosh(uri, "--eval", SEED_QUERIES))
    expected = expected_r1()

    assert sorted((entry["_id"], entry["count"]) for entry in answers["count"]) == sorted(
        (view_type, len(docs)) for view_type, docs in expected.items()
    )
    action = [doc for doc in expected["genre_analytics"] if doc["genre"] == "Action"]
    assert sorted(answers["genre"], key=lambda d: d["_id"]) == _ejson_docs(action)
    top5 = sorted(expected["trending_movies"], key=lambda d: -d["trending_score"])[:5]
    assert [doc["_id"] for doc in answers["trending"]] == [doc["_id"] for doc in top5]
    assert answers["trending"] == _ejson_docs(top5)
    assert answers["temporal"] == _ejson_docs([expected["temporal_analytics"][1]])


def test_query_views_script_prints_each_seed_query_readably(exported_r1: Database, mongo_server: str) -> None:
    target = _target(mongo_server, exported_r1.name)
    argv = serving.mongosh_argv("query-views", target)
    out = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "MONGODB_DATABASE": exported_r1.name},
        check=True,
    ).stdout
    for heading in ("Count documents by view type", "Get genre analytics", "Top 5 trending movies"):
        assert heading in out
    # The temporal query takes its year and month from the latest complete run: R1, November 2025.
    assert "Temporal analytics for 2025-11" in out
    assert "'genre_analytics:Action:2025:11'" in out and "'temporal_analytics:month:2025:11'" in out
    assert "trending_movies: 7" in out


def test_mongo_init_js_creates_the_exporters_indexes_on_a_fresh_database(fresh, mongo_server: str) -> None:
    _, db = fresh
    _mongosh(mongo_server, "--file", str(PROJECT_ROOT / "docker/mongo-init.js"), env={"MONGODB_DATABASE": db.name})
    assert index_keys(db) == EXPECTED_INDEX_KEYS
    assert ("status", "finished_at") in index_keys(db, "batch_runs")
    # Running the exporter's index creation afterwards changes nothing.
    serving.update_serving_indexes(db)
    assert index_keys(db) == EXPECTED_INDEX_KEYS
