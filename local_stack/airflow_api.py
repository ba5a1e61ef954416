"""A small client of Airflow 3's REST API (``/api/v2``) for the make targets that drive a running stack:
trigger a run and follow it task by task, create a backfill and report its runs, keep the TMDB pool.

It talks HTTP only, so the same code drives the embedded stack and the Docker stack (port 8080 on both).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx

log = logging.getLogger(__name__)

FINISHED = {"success", "failed"}
TASK_DONE = {"success", "failed", "skipped", "upstream_failed", "removed"}


class AirflowAPIError(RuntimeError):
    """The Airflow API refused a request or cannot be reached."""


@dataclass
class AirflowAPI:
    base_url: str
    username: str
    password: str = field(repr=False)
    timeout: float = 30.0
    _client: httpx.Client | None = field(default=None, init=False, repr=False)

    def _http(self) -> httpx.Client:
        if self._client is None:
            try:
                token = httpx.post(
                    f"{self.base_url}/auth/token",
                    json={"username": self.username, "password": self.password},
                    timeout=self.timeout,
                )
            except httpx.HTTPError as error:
                raise AirflowAPIError(
                    f"Airflow API at {self.base_url} unreachable ({error}); is the stack up?"
                ) from None
            if token.status_code >= 400:
                raise AirflowAPIError(
                    f"Airflow refused the login of {self.username!r} at {self.base_url} (HTTP {token.status_code})"
                )
            self._client = httpx.Client(
                base_url=f"{self.base_url}/api/v2",
                headers={"Authorization": f"Bearer {token.json()['access_token']}"},
                timeout=self.timeout,
            )
        return self._client

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self._http().request(method, path, **kwargs)
        if response.status_code >= 400:
            raise AirflowAPIError(f"{method} {path}: HTTP {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None

    # ---------------------------------------------------------------- DAGs and runs
    def unpause(self, dag_id: str) -> None:
        self.request("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(self, dag_id: str, logical_date: datetime, conf: dict | None = None) -> str:
        run = self.request(
            "POST",
            f"/dags/{dag_id}/dagRuns",
            json={"logical_date": logical_date.isoformat(), "conf": conf or {}},
        )
        return run["dag_run_id"]

    def run_state(self, dag_id: str, run_id: str) -> str:
        return self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str]:
        found = self.request("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", params={"limit": 500})
        return {ti["task_id"]: ti.get("state") or "none" for ti in found["task_instances"]}

    def runs_between(self, dag_id: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        found = self.request(
            "GET",
            f"/dags/{dag_id}/dagRuns",
            params={
                "logical_date_gte": start.isoformat(),
                "logical_date_lte": end.isoformat(),
                "order_by": "logical_date",
                "limit": 1000,
            },
        )
        return found["dag_runs"]

    def follow(
        self,
        dag_id: str,
        run_id: str,
        report: Callable[[str], None],
        poll: float = 3.0,
        timeout: float = 3600,
        check: Callable[[], None] = lambda: None,
    ) -> str:
        """Reports each task's state as it changes until the run finishes; returns the run's final state.

        ``check`` runs before every poll and raises when the run can no longer make progress."""
        seen: dict[str, str] = {}
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            check()
            for task_id, state in sorted(self.task_states(dag_id, run_id).items()):
                if seen.get(task_id) != state:
                    seen[task_id] = state
                    report(f"{time.strftime('%H:%M:%S')}  {task_id:45} {state}")
            state = self.run_state(dag_id, run_id)
            if state in FINISHED:
                return state
            time.sleep(poll)
        raise AirflowAPIError(f"run {run_id} of {dag_id} did not finish within {timeout:.0f} s")

    # ---------------------------------------------------------------- backfills
    def create_backfill(self, dag_id: str, start: datetime, end: datetime) -> dict[str, Any]:
        return self.request(
            "POST",
            "/backfills",
            json={
                "dag_id": dag_id,
                "from_date": start.isoformat(),
                "to_date": end.isoformat(),
                "run_backwards": False,
                "dag_run_conf": {},
                "reprocess_behavior": "completed",
                "max_active_runs": 1,
            },
        )

    def backfill(self, backfill_id: int) -> dict[str, Any]:
        return self.request("GET", f"/backfills/{backfill_id}")

    def wait_backfill(
        self,
        dag_id: str,
        backfill: dict[str, Any],
        report: Callable[[str], None],
        poll: float = 5.0,
        check: Callable[[], None] = lambda: None,
    ) -> list[dict[str, Any]]:
        """Waits until every run of the backfill finished, reporting each run when it does.

        ``check`` runs before every poll and raises when the runs can no longer make progress."""
        start = datetime.fromisoformat(backfill["from_date"])
        end = datetime.fromisoformat(backfill["to_date"])
        reported: set[str] = set()
        while True:
            check()
            runs = [run for run in self.runs_between(dag_id, start, end) if run.get("run_type") == "backfill"]
            for run in runs:
                if run["state"] in FINISHED and run["dag_run_id"] not in reported:
                    reported.add(run["dag_run_id"])
                    report(f"{run['logical_date']}  {run['state']:8} {run['dag_run_id']}")
            if self.backfill(backfill["id"]).get("completed_at") and all(run["state"] in FINISHED for run in runs):
                return runs
            time.sleep(poll)

    # ---------------------------------------------------------------- pools
    def ensure_pool(self, name: str, slots: int, description: str) -> None:
        body = {"name": name, "slots": slots, "description": description, "include_deferred": False}
        response = self._http().post("/pools", json=body)
        if response.status_code == 409:
            self.request("PATCH", f"/pools/{name}", json=body)
        elif response.status_code >= 400:
            raise AirflowAPIError(f"POST /pools: HTTP {response.status_code} {response.text[:300]}")
