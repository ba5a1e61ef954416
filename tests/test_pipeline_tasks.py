"""The DAGs' Python tasks against a real nx-27017: stage records gate the next stage; indexes are created."""

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
    from common import tasks as module

    yield module
    get_settings.cache_clear()
    with MongoClient(mongo_server) as client:
        client.drop_database("pipeline_tasks")


def test_a_stage_waits_until_the_previous_stage_of_its_hour_recorded_success(tasks, mongo_server: str) -> None:
    hour = "2025-11-09T12:00:00+00:00"
    assert tasks.stage_succeeded("ingestion", hour) is False
    with MongoClient(mongo_server) as client:
        db = client["pipeline_tasks"]
        record_stage(db, "batch_2025_11_09_08", "ingestion", "success", {"requests": 3})
        assert tasks.stage_succeeded("ingestion", hour) is False, "another hour's success does not count"
        record_stage(db, "batch_2025_11_09_12", "ingestion", "failed")
        assert tasks.stage_succeeded("ingestion", hour) is False
        record_stage(db, "batch_2025_11_09_12", "ingestion", "success", {"requests": 651})
        record_stage(db, "batch_2025_11_09_12", "transform", "success", {"rows_out": {"movies": 109}})
        stored = db.batch_runs.find_one({"_id": "batch_2025_11_09_12"})
    assert tasks.stage_succeeded("ingestion", hour) is True
    assert tasks.stage_succeeded("transform", "batch_2025_11_09_12") is True
    assert stored["stages"]["ingestion"]["summary"] == {"requests": 651}


def test_update_serving_indexes_creates_the_seed_indexes_idempotently(tasks, mongo_server: str) -> None:
    first = tasks.update_serving_indexes()
    second = tasks.update_serving_indexes()
    assert first == second
    assert {"view_type_1_genre_1_year_1_month_1", "view_type_1_movie_id_1", "batch_run_id_1"} <= set(first)
    assert "view_type_1_window_days_1_trending_score_-1" in first
    with MongoClient(mongo_server) as client:
        # nx-27017 reports its own index names: count them rather than match names.
        indexes = client["pipeline_tasks"].batch_views.index_information()
    assert len(indexes) == 1 + 8, sorted(indexes)
