"""The TMDB client: authentication, one shared rate limit, bounded retries, typed errors, secrets kept out."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from master_dataset.ingestion import check_api_health
from master_dataset.simulator import control
from master_dataset.tmdb_client import (
    RateLimiter,
    TMDBAuthError,
    TMDBClient,
    TMDBMalformedResponse,
    TMDBNotFound,
    TMDBRateLimited,
    TMDBServerError,
    TMDBTransportError,
    parse_retry_after,
    redact,
    response_time,
)
from tests.conftest import free_port
from tests.simulator_fixture import TEST_CLOCK, reset, start_simulator

V3_KEY = "0123456789abcdef0123456789abcdef"
READ_TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJ0ZXN0In0.c2lnbmF0dXJlLXNlY3JldA"


@pytest.fixture(scope="module")
def simulator():
    with start_simulator() as running:
        yield running


@pytest.fixture
def sim(simulator):
    reset(simulator)
    return simulator


def make_client(base_url: str, **overrides: Any) -> TMDBClient:
    options: dict[str, Any] = {
        "rate_limit": 1000,
        "concurrency": 8,
        # Long enough for a busy two-core machine; the timeout test sets its own.
        "timeout": 3.0,
        "connect_timeout": 3.0,
        "max_retries": 2,
        "backoff": 0.01,
        "backoff_max": 0.05,
    }
    return TMDBClient(base_url, **{**options, **overrides})


@pytest.fixture
def client(sim) -> Iterator[TMDBClient]:
    with make_client(sim.base_url) as tmdb:
        yield tmdb


def served(sim) -> int:
    return control.get_stats(sim.base_url).get("requests", 0)


def test_a_response_keeps_the_body_as_received_and_the_server_time(client: TMDBClient) -> None:
    response = client.get("/movie/{id}", {"append_to_response": "credits"}, id=11)
    assert response.endpoint == "/movie/{id}" and response.path == "/movie/11"
    assert response.data["id"] == 11 and response.text.startswith('{"adult":')
    assert response.received_at == TEST_CLOCK
    assert response.attempts == 1


def test_invalid_key_fails_at_once_naming_the_setting_without_the_key() -> None:
    with start_simulator(api_key=V3_KEY) as secured, make_client(secured.base_url, api_key="f" * 32) as client:
        with pytest.raises(TMDBAuthError) as caught:
            check_api_health(client)
        assert "TMDB_API_KEY" in str(caught.value)
        assert "f" * 32 not in str(caught.value)
        assert caught.value.status == 401 and caught.value.tmdb_status_code == 7
        assert client.stats["requests"] == 1 and served(secured) == 1, "no retry on 401"


def test_v3_key_goes_in_the_query_and_a_read_token_in_the_bearer_header() -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True})

    with make_client("https://tmdb.test/3", api_key=V3_KEY, transport=httpx.MockTransport(answer)) as client:
        client.get("/configuration")
    with make_client("https://tmdb.test/3", read_token=READ_TOKEN, transport=httpx.MockTransport(answer)) as client:
        client.get("/configuration")
    assert seen[0].url.params["api_key"] == V3_KEY and "authorization" not in seen[0].headers
    assert seen[1].headers["authorization"] == f"Bearer {READ_TOKEN}" and "api_key" not in seen[1].url.params


def test_the_key_never_reaches_a_log_line_or_an_error(caplog: pytest.LogCaptureFixture) -> None:
    def broken(request: httpx.Request) -> httpx.Response:
        return httpx.Response(503, json={"status_code": 9, "status_message": f"echo {request.url}"})

    caplog.set_level(logging.DEBUG)
    transport = httpx.MockTransport(broken)
    with (
        make_client("https://tmdb.test/3", api_key=V3_KEY, transport=transport) as client,
        pytest.raises(TMDBServerError) as caught,
    ):
        client.get("/movie/popular")
    assert V3_KEY not in str(caught.value) and "api_key=***" in str(caught.value)
    assert caplog.records, "httpx and the client logged the requests"
    assert all(V3_KEY not in record.getMessage() for record in caplog.records)


def test_not_found_is_typed_and_not_retried(client: TMDBClient, sim) -> None:
    with pytest.raises(TMDBNotFound) as caught:
        client.get("/movie/{id}", id=12)
    assert caught.value.tmdb_status_code == 34 and caught.value.attempts == 1
    assert served(sim) == 1


def test_server_errors_are_retried_until_an_answer(client: TMDBClient, sim) -> None:
    control.set_faults(sim.base_url, rules=[{"path": "/3/movie/11", "kind": "unavailable", "times": 2}])
    response = client.get("/movie/{id}", id=11)
    assert response.attempts == 3 and client.stats["retries"] == 2
    assert served(sim) == 3


def test_persistent_server_errors_raise_after_bounded_retries(client: TMDBClient, sim) -> None:
    control.set_faults(sim.base_url, rules=[{"path": "/3/movie/11", "kind": "server_error"}])
    with pytest.raises(TMDBServerError) as caught:
        client.get("/movie/{id}", id=11)
    assert caught.value.attempts == 3 and caught.value.tmdb_status_code == 11
    assert "after 3 attempts" in str(caught.value)
    assert served(sim) == 3


def test_timeouts_are_retried_then_reported(sim) -> None:
    control.set_faults(sim.base_url, stall_seconds=1.0, rules=[{"path": "/3/movie/11", "kind": "timeout"}])
    with (
        make_client(sim.base_url, timeout=0.5) as client,
        pytest.raises(TMDBTransportError, match="timed out") as caught,
    ):
        client.get("/movie/{id}", id=11)
    assert caught.value.attempts == 3


def test_a_dropped_connection_is_retried(client: TMDBClient, sim) -> None:
    control.set_faults(sim.base_url, rules=[{"path": "/3/movie/11", "kind": "drop", "times": 1}])
    assert client.get("/movie/{id}", id=11).attempts == 2
    assert client.stats["transport_errors"] == 1


@pytest.mark.parametrize("kind", ["malformed", "truncated"])
def test_a_body_that_is_not_json_is_reported_with_its_first_bytes(client: TMDBClient, sim, kind: str) -> None:
    control.set_faults(sim.base_url, rules=[{"path": "/3/movie/11", "kind": kind}])
    with pytest.raises(TMDBMalformedResponse) as caught:
        client.get("/movie/{id}", id=11)
    head = caught.value.body_head
    assert head and len(head.encode()) <= 200 + 3
    if kind == "truncated":
        assert head.startswith('{"adult":')


def test_a_429_storm_slows_the_client_down_and_loses_nothing(sim) -> None:
    control.set_faults(sim.base_url, rate_limit=10)
    with make_client(sim.base_url, rate_limit=100, max_retries=0) as client:
        futures = [client.submit("/movie/popular", {"page": page}) for page in range(1, 21)]
        pages = [future.result().data["page"] for future in futures]
        assert pages == list(range(1, 21))
        assert client.stats["rate_limited"] > 0
        assert client.limiter.ceiling < 100 and client.limiter.rate < 100


def test_unreachable_network_fails_clearly_after_bounded_retries() -> None:
    with make_client(f"http://127.0.0.1:{free_port()}/3") as client:
        with pytest.raises(TMDBTransportError) as caught:
            check_api_health(client)
        assert "unreachable" in str(caught.value) and "TMDB_BASE_URL" in str(caught.value)
        assert caught.value.attempts == 3 and client.stats["requests"] == 3


def test_redact_scrubs_keys_and_tokens() -> None:
    text = f"GET /3/movie?api_key={V3_KEY}&page=2 Authorization: Bearer {READ_TOKEN}"
    scrubbed = redact(text)
    assert V3_KEY not in scrubbed and READ_TOKEN not in scrubbed and "page=2" in scrubbed
    assert redact(f"the key is {V3_KEY}", [V3_KEY]) == "the key is ***"


def test_retries_back_off_exponentially_up_to_the_cap_and_never_before_retry_after() -> None:
    unavailable = {"status_code": 9, "status_message": "offline"}
    answers = iter(
        [
            httpx.Response(503, json=unavailable),
            httpx.Response(503, json=unavailable),
            httpx.Response(503, json=unavailable, headers={"Retry-After": "7"}),
            httpx.Response(503, json=unavailable),
            httpx.Response(200, json={"ok": True}),
        ]
    )
    slept: list[float] = []
    with make_client(
        "https://tmdb.test/3",
        transport=httpx.MockTransport(lambda request: next(answers)),
        max_retries=4,
        backoff=1.0,
        backoff_max=5.0,
        sleep=slept.append,
    ) as client:
        assert client.get("/configuration").attempts == 5
    assert len(slept) == 4 and client.stats["retries"] == 4
    assert 1.0 <= slept[0] <= 2.0 and 2.0 <= slept[1] <= 3.0, "base * 2**n plus up to base of jitter"
    assert slept[2] == 7.0, "Retry-After outlasts the backoff"
    assert slept[3] == 5.0, "capped"


def test_429s_spend_a_budget_of_their_own_then_fail_typed() -> None:
    def limited(request: httpx.Request) -> httpx.Response:
        return httpx.Response(429, json={"status_code": 25}, headers={"Retry-After": "0"})

    with (
        make_client(
            "https://tmdb.test/3", transport=httpx.MockTransport(limited), max_rate_limited_retries=3
        ) as client,
        pytest.raises(TMDBRateLimited) as caught,
    ):
        client.get("/movie/popular")
    assert caught.value.attempts == 4 and caught.value.tmdb_status_code == 25
    assert client.stats["rate_limited"] == 4 and client.stats["retries"] == 3
    assert client.limiter.rate < 1000, "each 429 slowed the client down"


def test_retry_after_accepts_seconds_and_http_dates() -> None:
    now = datetime(2025, 11, 9, 12, tzinfo=UTC)
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after("Sun, 09 Nov 2025 12:00:05 GMT", now) == 5.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_extraction_time_comes_from_the_date_header() -> None:
    assert response_time("Sun, 09 Nov 2025 12:00:05 GMT") == datetime(2025, 11, 9, 12, 0, 5, tzinfo=UTC)
    assert datetime.now(UTC) - response_time(None) < timedelta(seconds=5)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def test_rate_limiter_spaces_slots_for_all_threads() -> None:
    clock = FakeClock()
    limiter = RateLimiter(4.0, clock=clock, sleep=clock.sleep)
    slots: list[float] = []
    lock = threading.Lock()

    def take() -> None:
        for _ in range(5):
            slot = limiter.reserve()
            with lock:
                slots.append(slot)

    threads = [threading.Thread(target=take) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(slots) == [pytest.approx(i * 0.25) for i in range(40)]


def test_rate_limiter_pauses_everyone_on_429_and_recovers_below_the_limit_that_was_hit() -> None:
    clock = FakeClock()
    limiter = RateLimiter(10.0, clock=clock, sleep=clock.sleep)
    limiter.penalize(2.0)
    limiter.penalize(2.0)
    assert limiter.rate == 5.0, "one 429 episode halves the rate once"
    assert limiter.ceiling == 9.0
    assert limiter.reserve() == 2.0, "nobody goes before Retry-After"
    for _ in range(100):
        limiter.reward()
    assert 9.0 < limiter.rate < 10.0
