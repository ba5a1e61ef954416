"""What make trigger-dag and make backfill need of Airflow 3's REST API beyond its official client
(``apache-airflow-client``): the client logged in with a token from ``POST /auth/token``, its errors as one line,
and the loops that follow a triggered run task by task and wait for a backfill's runs; also the TMDB pool.

It talks HTTP only, so the same code drives the embedded stack and the Docker stack (port 8080 on both). The client
imports in about two seconds: import this module where an Airflow command runs, not at the top of the CLI.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import urllib3
from airflow_client.client import (
    ApiClient,
    BackfillApi,
    BackfillResponse,
    Configuration,
    DagRunApi,
    DAGRunResponse,
    PoolApi,
    PoolBody,
    PoolPatchBody,
    TaskInstanceApi,
)
from airflow_client.client.exceptions import ApiException, ConflictException

from local_stack.processes import ServiceError

TIMEOUT = 30.0  # seconds, for each request: the client waits for ever unless a call says otherwise
# Connection errors, and 429/5xx answers to GETs, are sent again with backoff (Retry-After honoured); a POST or
# PATCH that reached Airflow is never sent twice.
RETRIES = urllib3.Retry(total=3, backoff_factor=0.25, status_forcelist=(429, 502, 503, 504), raise_on_status=False)
PAGE = 100  # Airflow's default [api] maximum_page_limit: a larger limit is cut to it
FINISHED = {"success", "failed"}


class AirflowAPIError(ServiceError):
    """The Airflow API refused a request or cannot be reached."""


@contextmanager
def connect(base_url: str, username: str, password: str) -> Iterator[ApiClient]:
    """The official client of the API at ``base_url``, logged in as ``username``. The client's errors inside the
    block become an AirflowAPIError of one line: Airflow's HTTP status and detail, or that it cannot be reached."""
    configuration = Configuration(host=base_url, retries=RETRIES)
    try:
        with ApiClient(configuration) as client:
            configuration.access_token = _token(client, username, password)
            yield client
    except ApiException as error:
        raise AirflowAPIError(f"Airflow API at {base_url}: HTTP {error.status} {_detail(error)}") from None
    except urllib3.exceptions.HTTPError as error:
        cause = getattr(error, "reason", None) or error  # after the retries, the last connection error
        raise AirflowAPIError(f"Airflow API at {base_url} unreachable ({cause}); is the stack up?") from None


def _token(client: ApiClient, username: str, password: str) -> str:
    """A JWT from Airflow's ``POST /auth/token``, which the client's API does not cover (it is the auth manager's)."""
    host = client.configuration.host
    response = client.call_api(
        "POST",
        f"{host}/auth/token",
        header_params={"Content-Type": "application/json"},
        body={"username": username, "password": password},
        _request_timeout=TIMEOUT,
    )
    response.read()
    if response.status >= 400:
        raise AirflowAPIError(f"Airflow refused the login of {username!r} at {host} (HTTP {response.status})")
    return json.loads(response.data)["access_token"]


def _detail(error: ApiException) -> str:
    """Airflow's ``detail`` of an error answer, else its body (or the HTTP reason), at most 500 characters."""
    try:
        detail = json.loads(error.body or "")["detail"]
    except (ValueError, KeyError, TypeError):
        detail = error.body or error.reason
    return str(detail)[:500]


def follow(
    client: ApiClient,
    dag_id: str,
    run_id: str,
    report: Callable[[str], None],
    poll: float = 3.0,
    timeout: float = 3600,
    check: Callable[[], None] = lambda: None,
) -> str:
    """Reports each task's state as it changes until the run finishes; returns the run's final state.

    ``check`` runs before every poll and raises when the run can no longer make progress."""
    runs, tasks = DagRunApi(client), TaskInstanceApi(client)
    seen: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        check()
        found = tasks.get_task_instances(dag_id, run_id, limit=PAGE, _request_timeout=TIMEOUT).task_instances
        for task in sorted(found, key=lambda task: task.task_id):
            state = task.state.value if task.state else "none"
            if seen.get(task.task_id) != state:
                seen[task.task_id] = state
                report(f"{time.strftime('%H:%M:%S')}  {task.task_id:45} {state}")
        state = runs.get_dag_run(dag_id, run_id, _request_timeout=TIMEOUT).state.value
        if state in FINISHED:
            return state
        time.sleep(poll)
    raise AirflowAPIError(f"run {run_id} of {dag_id} did not finish within {timeout:.0f} s")


def wait_backfill(
    client: ApiClient,
    backfill: BackfillResponse,
    report: Callable[[str], None],
    poll: float = 5.0,
    check: Callable[[], None] = lambda: None,
) -> list[DAGRunResponse]:
    """Waits until every run of the backfill finished, reporting each run when it does.

    ``check`` runs before every poll and raises when the runs can no longer make progress."""
    backfills = BackfillApi(client)
    reported: set[str] = set()
    while True:
        check()
        runs = backfill_runs(client, backfill)
        for run in runs:
            if run.state.value in FINISHED and run.dag_run_id not in reported:
                reported.add(run.dag_run_id)
                logical_date = run.logical_date.isoformat() if run.logical_date else "-"
                report(f"{logical_date}  {run.state.value:8} {run.dag_run_id}")
        completed = backfills.get_backfill(backfill.id, _request_timeout=TIMEOUT).completed_at
        if completed and all(run.state.value in FINISHED for run in runs):
            return runs
        time.sleep(poll)


def backfill_runs(client: ApiClient, backfill: BackfillResponse) -> list[DAGRunResponse]:
    """The backfill runs of the DAG between the backfill's dates, oldest first, page by page."""
    runs: list[DAGRunResponse] = []
    while True:
        page = DagRunApi(client).get_dag_runs(
            backfill.dag_id,
            logical_date_gte=backfill.from_date,
            logical_date_lte=backfill.to_date,
            run_type=["backfill"],
            order_by=["logical_date"],
            limit=PAGE,
            offset=len(runs),
            _request_timeout=TIMEOUT,
        )
        runs += page.dag_runs
        if not page.dag_runs or page.total_entries is None or len(runs) >= page.total_entries:
            return runs


def ensure_pool(client: ApiClient, name: str, slots: int, description: str) -> None:
    """Creates the pool, or sets its slots and description when it exists."""
    pools = PoolApi(client)
    try:
        pools.post_pool(PoolBody(name=name, slots=slots, description=description), _request_timeout=TIMEOUT)
    except ConflictException:
        # Without an update mask Airflow validates the body as a whole pool: name, slots and include_deferred.
        body = PoolPatchBody(pool=name, slots=slots, description=description, include_deferred=False)
        pools.patch_pool(name, body, _request_timeout=TIMEOUT)
