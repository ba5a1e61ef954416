"""The DAGs' Python tasks and the stage records against a real nx-27017."""

from __future__ import annotations

import sys

import pytest
from pymongo import MongoClient

from batch_views.serving import record_stage
from config.settings import get_settings
from tests.conftest import _PROJECT


@pytest.fixture
def tasks(mongo_server: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("MONGODB_CONNECTION_STRING", mongo_server.rsplit("/", 1)[0] + "/pipeline_tasks")
    monkeypatch.setenv("MONGODB_DATABASE", "pipeline_tasks")
    get_settings.cache_clear()
    sys.path.insert(0, str(_PROJECT / "dags"))
    from batch_layer_dags import tasks as module

    yield module
    get_settings.cache_clear()
    with MongoClient(mongo_server) as client:
        client.drop_database("pipeline_tasks")


def test_each_stage_of_an_hour_is_recorded_in_its_batch_runs_document(tasks, mongo_server: str) -> None:
    with MongoClient(mongo_server) as client:
        db = client["pipeline_tasks"]
        record_stage(db, "batch_2025_11_09_08", "ingestion", "success", {"requests": 3})
        record_stage(db, "batch_2025_11_09_12", "ingestion", "failed")
        record_stage(db, "batch_2025_11_09_12", "ingestion", "success", {"requests": 651})
        record_stage(db, "batch_2025_11_09_12", "transform", "success", {"rows_out": {"movies": 109}})
        stored = db.batch_runs.find_one({"_id": "batch_2025_11_09_12"})
        other = db.batch_runs.find_one({"_id": "batch_2025_11_09_08"})
    assert stored["stages"]["ingestion"]["status"] == "success"
    assert stored["stages"]["ingestion"]["summary"] == {"requests": 651}
    assert stored["stages"]["transform"]["summary"] == {"rows_out": {"movies": 109}}
    assert set(other["stages"]) == {"ingestion"}, "another hour's record is its own"


def test_update_serving_indexes_creates_the_seed_indexes_idempotently(tasks, mongo_server: str) -> None:
    first = tasks.update_serving_indexes.function()
    second = tasks.update_serving_indexes.function()
    assert first == second
    assert {"view_type_1_genre_1_year_1_month_1", "view_type_1_movie_id_1", "batch_run_id_1"} <= set(first)
    assert "view_type_1_window_days_1_trending_score_-1" in first
    with MongoClient(mongo_server) as client:
        # nx-27017 reports its own index names: count them rather than match names.
        indexes = client["pipeline_tasks"].batch_views.index_information()
    assert len(indexes) == 1 + 8, sorted(indexes)
