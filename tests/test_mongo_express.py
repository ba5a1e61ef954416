"""Mongo Express of the embedded stack for real: the npm package built by make setup, against nx-27017."""

from __future__ import annotations

import base64
import stat
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from pymongo import MongoClient

from config.settings import load_settings
from local_stack import mongo_express, processes
from local_stack.mongo_express import BUILD_ASSETS, mongo_express_service, site_secrets
from local_stack.processes import ServiceError
from local_stack.services import mongo_service
from tests.conftest import free_port

pytestmark = pytest.mark.integration


def get(url: str, credentials: tuple[str, str] | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url)
    if credentials:
        token = base64.b64encode(":".join(credentials).encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")


def test_mongo_express_shows_the_serving_collection_behind_basic_auth_then_stops_without_leftovers(
    tmp_path: Path,
) -> None:
    if not BUILD_ASSETS.is_file():
        pytest.fail(f"mongo-express is not installed ({BUILD_ASSETS} is missing): run make setup")
    # A server of its own: the collection page lists the first documents only, so it must hold just this one.
    settings = load_settings(
        _env_file=None, mongodb_port=free_port(), mongo_express_port=free_port(), data_dir=tmp_path / "data"
    )
    run_dir = tmp_path / "run"
    mongo = mongo_service(run_dir, tmp_path / "mongo", settings.mongodb_port)
    service = mongo_express_service(run_dir, settings)
    url = f"http://127.0.0.1:{settings.mongo_express_port}"
    processes.start(mongo)
    try:
        processes.wait_healthy(mongo)
        with MongoClient("127.0.0.1", settings.mongodb_port, serverSelectionTimeoutMS=5000) as client:
            client.moviedb.batch_views.insert_one(
                {"_id": "genre_analytics|Film-Noir|1947|3", "view_type": "genre_analytics", "genre": "Film-Noir"}
            )
        pgid = processes.start(service)
        processes.wait_healthy(service)

        assert get(f"{url}/db/moviedb/batch_views")[0] == 401
        assert get(f"{url}/db/moviedb/batch_views", ("admin", "wrong"))[0] == 401
        status, page = get(f"{url}/db/moviedb/batch_views", ("admin", "admin"))
        assert status == 200
        assert "Film-Noir" in page
    finally:
        stopped = processes.stop(service)
        processes.stop(mongo)

    assert stopped
    assert not processes.group_alive(pgid)
    assert not processes.port_in_use(settings.mongo_express_port)


def test_the_session_secrets_are_generated_once_and_readable_by_their_owner_only(tmp_path: Path) -> None:
    settings = load_settings(_env_file=None, data_dir=tmp_path)
    first = site_secrets(settings)
    assert site_secrets(settings) == first
    assert first["session_secret"] != first["cookie_secret"]
    secrets_file = tmp_path / "mongo-express" / "secrets.json"
    assert stat.S_IMODE(secrets_file.stat().st_mode) == 0o600
    env = mongo_express_service(tmp_path / "run", settings).env
    assert env["ME_CONFIG_SITE_SESSIONSECRET"] == first["session_secret"]
    assert env["ME_CONFIG_SITE_COOKIESECRET"] == first["cookie_secret"]


def test_starting_without_the_package_fails_with_a_message_to_run_make_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(mongo_express, "BUILD_ASSETS", tmp_path / "missing" / "build-assets.json")
    settings = load_settings(_env_file=None, mongo_express_port=free_port(), data_dir=tmp_path / "data")
    service = mongo_express_service(tmp_path / "run", settings)
    processes.start(service)
    try:
        with pytest.raises(ServiceError, match=r"mongo-express is not installed .*: run make setup"):
            processes.wait_healthy(service)
    finally:
        processes.stop(service)
