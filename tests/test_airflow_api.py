"""make trigger-dag and make backfill through Airflow's official client, against a fake Airflow REST API that
answers the client's urllib3 pool: the requests they send, what they print, their exit codes and their errors."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import urllib3

from config.settings import load_settings
from local_stack.__main__ import backfill, scheduler_running, trigger_dag
from local_stack.airflow_api import AirflowAPIError
from local_stack.processes import ServiceError
from local_stack.stack import EmbeddedStack
from tests.conftest import free_port

DAG = "tmdb_batch_pipeline"
PASSWORD = "s3cret-admin-pw"
LOGIN = ("POST", "/auth/token")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    headers: dict[str, str]


class FakeAirflow:
    """Airflow's REST API as the client's urllib3 pool sees it: each (method, path) answers with its (status, JSON)
    answers in turn, the last one for ever after; every request is recorded."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], list[tuple[int, Any]]] = {LOGIN: [(201, {"access_token": "jwt-1"})]}
        self.requests: list[Request] = []

    def request(self, method: str, url: str, body: str | None = None, headers: Any = None, **_: Any) -> Any:
        parts = urlsplit(url)
        path = unquote(parts.path)
        self.requests.append(
            Request(method, path, parse_qs(parts.query), json.loads(body) if body else None, dict(headers or {}))
        )
        answers = self.routes[(method, path)]
        status, payload = answers.pop(0) if len(answers) > 1 else answers[0]
        return urllib3.HTTPResponse(
            body=json.dumps(payload).encode(),
            status=status,
            headers={"Content-Type": "application/json"},
            preload_content=False,
        )

    def sent(self, method: str, path: str) -> list[Request]:
        return [request for request in self.requests if (request.method, request.path) == (method, path)]


@pytest.fixture
def airflow(monkeypatch: pytest.MonkeyPatch) -> FakeAirflow:
    fake = FakeAirflow()
    monkeypatch.setattr(urllib3, "PoolManager", lambda **_: fake)
    monkeypatch.setattr(time, "sleep", lambda _seconds: None)
    return fake


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> EmbeddedStack:
    """The embedded stack's settings with nothing started; its scheduler counts as running."""
    monkeypatch.setattr("local_stack.__main__.scheduler_running", lambda _stack: lambda: None)
    return EmbeddedStack(load_settings(_env_file=None, data_dir=tmp_path, airflow_admin_password=PASSWORD))


def dag() -> dict[str, Any]:
    return {
        "dag_id": DAG,
        "dag_display_name": DAG,
        "file_token": "token",
        "fileloc": f"/dags/{DAG}.py",
        "has_import_errors": False,
        "has_task_concurrency_limits": False,
        "is_backfillable": True,
        "is_paused": False,
        "is_stale": False,
        "max_active_tasks": 16,
        "max_consecutive_failed_dag_runs": 0,
        "owners": ["batch-layer"],
        "tags": [],
        "timetable_partitioned": False,
        "timetable_periodic": True,
    }


def dag_run(run_id: str, state: str, logical_date: str = "2025-11-09T12:00:00Z", run_type: str = "manual") -> dict:
    return {
        "dag_id": DAG,
        "dag_display_name": DAG,
        "dag_run_id": run_id,
        "dag_versions": [],
        "logical_date": logical_date,
        "run_after": logical_date,
        "run_type": run_type,
        "state": state,
    }


def task_instances(run_id: str, **states: str | None) -> dict[str, Any]:
    return {
        "total_entries": len(states),
        "task_instances": [
            {
                "id": f"0190a0a0-0000-7000-8000-00000000000{index}",
                "dag_id": DAG,
                "dag_display_name": DAG,
                "dag_run_id": run_id,
                "task_id": task_id,
                "task_display_name": task_id,
                "state": state,
                "executor_config": "{}",
                "map_index": -1,
                "max_tries": 2,
                "try_number": 1,
                "pool": "default_pool",
                "pool_slots": 1,
                "run_after": "2025-11-09T12:00:00Z",
            }
            for index, (task_id, state) in enumerate(states.items())
        ],
    }


def backfill_answer(completed_at: str | None) -> dict[str, Any]:
    return {
        "id": 7,
        "dag_id": DAG,
        "dag_display_name": DAG,
        "from_date": "2025-11-09T00:00:00Z",
        "to_date": "2025-11-09T23:59:00Z",
        "completed_at": completed_at,
        "created_at": "2025-11-10T09:00:00Z",
        "updated_at": "2025-11-10T09:00:00Z",
        "is_paused": False,
        "max_active_runs": 1,
        "reprocess_behavior": "completed",
        "dag_run_conf": {},
    }


@pytest.mark.parametrize(("final", "exit_code"), [("success", 0), ("failed", 1)])
def test_trigger_dag_unpauses_triggers_with_reingest_and_prints_each_task_state_change_once(
    airflow: FakeAirflow, stack: EmbeddedStack, capsys: pytest.CaptureFixture[str], final: str, exit_code: int
) -> None:
    run_id = "manual__2025-11-09T12:00:00+00:00"
    runs = f"/api/v2/dags/{DAG}/dagRuns"
    airflow.routes |= {
        ("PATCH", f"/api/v2/dags/{DAG}"): [(200, dag())],
        ("POST", runs): [(200, dag_run(run_id, "queued"))],
        ("GET", f"{runs}/{run_id}/taskInstances"): [
            (200, task_instances(run_id, extract=None, transform=None)),
            (200, task_instances(run_id, extract="running", transform=None)),
            (200, task_instances(run_id, extract="running", transform=None)),
            (200, task_instances(run_id, extract="success", transform=final)),
        ],
        ("GET", f"{runs}/{run_id}"): [
            (200, dag_run(run_id, "running")),
            (200, dag_run(run_id, "running")),
            (200, dag_run(run_id, "running")),
            (200, dag_run(run_id, final)),
        ],
    }

    assert trigger_dag(stack, ["--logical-date", "2025-11-09T12:00", "--reingest"]) == exit_code

    (login,) = airflow.sent(*LOGIN)
    assert login.body == {"username": "admin", "password": PASSWORD}
    (unpause,) = airflow.sent("PATCH", f"/api/v2/dags/{DAG}")
    assert (unpause.query, unpause.body) == ({"update_mask": ["is_paused"]}, {"is_paused": False})
    assert unpause.headers["Authorization"] == "Bearer jwt-1"
    (trigger,) = airflow.sent("POST", runs)
    assert trigger.body == {"logical_date": "2025-11-09T12:00:00+00:00", "conf": {"reingest": True}}
    lines = capsys.readouterr().out.splitlines()
    changes = [line.split()[1:] for line in lines[1:-1]]
    assert changes == [
        ["extract", "none"],
        ["transform", "none"],
        ["extract", "running"],
        ["extract", "success"],
        ["transform", final],
    ]
    assert lines[-1].startswith(f"run {run_id}: {final}")


def test_trigger_dag_without_reingest_sends_an_empty_conf(airflow: FakeAirflow, stack: EmbeddedStack) -> None:
    run_id = "manual__2025-11-09T12:00:00+00:00"
    runs = f"/api/v2/dags/{DAG}/dagRuns"
    airflow.routes |= {
        ("PATCH", f"/api/v2/dags/{DAG}"): [(200, dag())],
        ("POST", runs): [(200, dag_run(run_id, "queued"))],
        ("GET", f"{runs}/{run_id}/taskInstances"): [(200, task_instances(run_id, extract="success"))],
        ("GET", f"{runs}/{run_id}"): [(200, dag_run(run_id, "success"))],
    }

    assert trigger_dag(stack, ["--logical-date", "2025-11-09T12:00"]) == 0
    (trigger,) = airflow.sent("POST", runs)
    assert trigger.body["conf"] == {}


def test_backfill_creates_an_airflow_backfill_reports_each_run_once_as_it_ends_and_fails_when_one_failed(
    airflow: FakeAirflow, stack: EmbeddedStack, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = "backfill__2025-11-09T08:00:00+00:00", "backfill__2025-11-09T12:00:00+00:00"

    def runs(first_state: str, second_state: str) -> dict[str, Any]:
        return {
            "total_entries": 2,
            "dag_runs": [
                dag_run(first, first_state, "2025-11-09T08:00:00Z", "backfill"),
                dag_run(second, second_state, "2025-11-09T12:00:00Z", "backfill"),
            ],
        }

    airflow.routes |= {
        ("PATCH", f"/api/v2/dags/{DAG}"): [(200, dag())],
        ("POST", "/api/v2/backfills"): [(200, backfill_answer(None))],
        ("GET", f"/api/v2/dags/{DAG}/dagRuns"): [
            (200, runs("running", "queued")),
            (200, runs("success", "running")),
            (200, runs("success", "failed")),
        ],
        ("GET", "/api/v2/backfills/7"): [
            (200, backfill_answer(None)),
            (200, backfill_answer(None)),
            (200, backfill_answer("2025-11-10T09:30:00Z")),
        ],
    }

    assert backfill(stack, ["2025-11-09", "2025-11-09"]) == 1

    (created,) = airflow.sent("POST", "/api/v2/backfills")
    assert created.body == {
        "dag_id": DAG,
        "from_date": "2025-11-09T00:00:00+00:00",
        "to_date": "2025-11-09T23:59:00+00:00",
        "run_backwards": False,
        "dag_run_conf": {},
        "reprocess_behavior": "completed",
        "max_active_runs": 1,
    }
    listed = airflow.sent("GET", f"/api/v2/dags/{DAG}/dagRuns")[0].query
    assert listed["run_type"] == ["backfill"]
    assert listed["logical_date_gte"] == ["2025-11-09T00:00:00.000000+0000"]
    assert listed["logical_date_lte"] == ["2025-11-09T23:59:00.000000+0000"]
    assert capsys.readouterr().out.splitlines() == [
        f"backfill 7 of {DAG} from 2025-11-09 to 2025-11-09; waiting for its runs",
        f"2025-11-09T08:00:00+00:00  success  {first}",
        f"2025-11-09T12:00:00+00:00  failed   {second}",
        "backfill 7: 1 of 2 runs succeeded",
    ]


def test_a_backfill_of_more_runs_than_a_page_reads_every_page(airflow: FakeAirflow, stack: EmbeddedStack) -> None:
    """Airflow cuts a page at 100 runs ([api] maximum_page_limit): a month of 6 runs a day is read in two."""
    all_runs = [
        dag_run(f"backfill__{index}", "success", f"2025-11-{1 + index // 6:02d}T{index % 6 * 4:02d}:00:00Z", "backfill")
        for index in range(150)
    ]
    airflow.routes |= {
        ("PATCH", f"/api/v2/dags/{DAG}"): [(200, dag())],
        ("POST", "/api/v2/backfills"): [(200, backfill_answer(None))],
        ("GET", f"/api/v2/dags/{DAG}/dagRuns"): [
            (200, {"total_entries": 150, "dag_runs": all_runs[:100]}),
            (200, {"total_entries": 150, "dag_runs": all_runs[100:]}),
        ],
        ("GET", "/api/v2/backfills/7"): [(200, backfill_answer("2025-12-01T00:00:00Z"))],
    }

    assert backfill(stack, ["2025-11-01", "2025-11-25"]) == 0
    offsets = [request.query.get("offset") for request in airflow.sent("GET", f"/api/v2/dags/{DAG}/dagRuns")]
    assert offsets == [["0"], ["100"]]


def test_a_refused_login_names_the_user_and_never_the_password(airflow: FakeAirflow, stack: EmbeddedStack) -> None:
    airflow.routes[LOGIN] = [(401, {"detail": f"Invalid credentials for admin / {PASSWORD}"})]

    with pytest.raises(AirflowAPIError, match=r"Airflow refused the login of 'admin' at .* \(HTTP 401\)") as refused:
        trigger_dag(stack, [])
    assert PASSWORD not in str(refused.value)
    assert [request.path for request in airflow.requests] == ["/auth/token"]


def test_an_error_answer_is_one_line_with_the_status_and_airflows_detail(
    airflow: FakeAirflow, stack: EmbeddedStack
) -> None:
    detail = f"The Dag with dag_id: `{DAG}` was not found"
    airflow.routes[("PATCH", f"/api/v2/dags/{DAG}")] = [(404, {"detail": detail})]

    with pytest.raises(AirflowAPIError) as failed:
        trigger_dag(stack, [])
    assert str(failed.value) == f"Airflow API at http://127.0.0.1:{stack.settings.airflow_api_port}: HTTP 404 {detail}"


def test_an_unreachable_api_says_so_and_asks_whether_the_stack_is_up(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real connection to a closed port of this machine: refused at once, tried again, then one line."""
    monkeypatch.setattr(time, "sleep", lambda _seconds: None)
    monkeypatch.setattr("local_stack.__main__.scheduler_running", lambda _stack: lambda: None)
    port = free_port()
    settings = load_settings(_env_file=None, data_dir=tmp_path, airflow_api_port=port, airflow_admin_password=PASSWORD)

    unreachable = rf"Airflow API at http://127.0.0.1:{port} unreachable .*is the stack up\?"
    with pytest.raises(AirflowAPIError, match=unreachable):
        backfill(EmbeddedStack(settings), ["2025-11-09", "2025-11-09"])


def test_the_command_line_prints_an_api_error_on_one_line_and_exits_1(
    airflow: FakeAirflow, stack: EmbeddedStack, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from local_stack import __main__ as cli

    airflow.routes[LOGIN] = [(403, {"detail": "Forbidden"})]
    monkeypatch.setattr(cli, "EmbeddedStack", lambda _settings: stack)

    assert cli.main(["trigger-dag"]) == 1
    assert capsys.readouterr().err == (
        f"error: Airflow refused the login of 'admin' at http://127.0.0.1:{stack.settings.airflow_api_port} "
        "(HTTP 403)\n"
    )


def test_the_tmdb_pool_is_created_or_else_updated(airflow: FakeAirflow, stack: EmbeddedStack) -> None:
    slots = ("occupied", "running", "queued", "scheduled", "open", "deferred")
    pool = {"name": "tmdb_api", "slots": 1, "include_deferred": False} | {f"{kind}_slots": 0 for kind in slots}
    airflow.routes[("POST", "/api/v2/pools")] = [(409, {"detail": "Unique constraint violation"})]
    airflow.routes[("PATCH", "/api/v2/pools/tmdb_api")] = [(200, pool)]

    stack._ensure_tmdb_pool()

    (created,) = airflow.sent("POST", "/api/v2/pools")
    (updated,) = airflow.sent("PATCH", "/api/v2/pools/tmdb_api")
    expected = {
        "slots": stack.settings.tmdb_pool_slots,
        "description": "TMDB API extraction: keeps TMDB_RATE_LIMIT global across runs",
        "include_deferred": False,
    }
    assert created.body == {"name": stack.settings.tmdb_pool, **expected}
    assert updated.body == {"pool": stack.settings.tmdb_pool, **expected}


def test_waiting_on_runs_stops_with_a_message_when_the_scheduler_is_not_running(tmp_path: Path) -> None:
    """A backfill (or a triggered run) whose scheduler died would wait for ever: the wait names the scheduler
    and its log instead."""
    from airflow_client.client import ApiClient, BackfillResponse, Configuration

    from local_stack.airflow_api import wait_backfill

    stack = EmbeddedStack(load_settings(_env_file=None, data_dir=tmp_path))
    created = BackfillResponse.from_dict(backfill_answer(None))
    with pytest.raises(ServiceError, match=r"scheduler is not running .*airflow-scheduler\.log"):
        wait_backfill(ApiClient(Configuration(host="http://airflow")), created, print, check=scheduler_running(stack))
