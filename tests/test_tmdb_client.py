"""The TMDB client: authentication, one shared rate limit, bounded retries, typed errors, secrets kept out."""

from __future__ import annotations

import gzip
import logging
import math
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from master_dataset.ingestion import check_api_health
from master_dataset.simulator import control
from master_dataset.tmdb_client import (
    RateLimiter,
    TMDBAuthError,
    TMDBClient,
    TMDBExportCorrupt,
    TMDBExportMissing,
    TMDBMalformedResponse,
    TMDBNotFound,
    TMDBRateLimited,
    TMDBServerError,
    TMDBTransportError,
    change_windows,
    export_file_name,
    latest_export_date,
    parse_retry_after,
    read_export,
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


# ---- the daily ID export ---------------------------------------------------------------------------------------

EXPORT_DAY = TEST_CLOCK.date()
EXPORT_NAME = "movie_ids_11_09_2025.json.gz"


class StreamedBody(httpx.SyncByteStream):
    """A body a mock transport hands out as a stream, as a server would (``content=`` would be read at once)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __iter__(self) -> Iterator[bytes]:
        yield self.data


@pytest.fixture
def files_client(sim) -> Iterator[TMDBClient]:
    with make_client(sim.base_url, files_base_url=sim.files_url) as tmdb:
        yield tmdb


def test_the_export_of_a_day_is_downloaded_checked_and_read_entry_by_entry(files_client, sim, tmp_path) -> None:
    download = files_client.download_export(EXPORT_DAY, tmp_path)
    catalogue = sim.state.catalogue
    assert download.path == tmp_path / EXPORT_NAME and download.url == f"{sim.files_url}/p/exports/{EXPORT_NAME}"
    assert download.entries == catalogue.movie_count and download.attempts == 1
    assert download.received_at == TEST_CLOCK
    assert sorted(path.name for path in tmp_path.iterdir()) == [EXPORT_NAME], "no partial file left"
    entries = read_export(download.path)
    assert isinstance(entries, Iterator), "a generator: one entry at a time"
    assert [entry["id"] for entry in entries] == list(catalogue.movie_ids())
    assert control.get_stats(sim.base_url)["export_requests"] == 1 and files_client.stats["requests"] == 1


def test_the_latest_export_is_todays_from_8_utc_and_the_file_is_named_as_on_tmdb() -> None:
    assert export_file_name(date(2025, 1, 2)) == "movie_ids_01_02_2025.json.gz"
    assert latest_export_date(datetime(2025, 11, 9, 7, 59, tzinfo=UTC)) == date(2025, 11, 8)
    assert latest_export_date(datetime(2025, 11, 9, 8, 0, tzinfo=UTC)) == date(2025, 11, 9)


def test_a_missing_export_fails_at_once_naming_the_file_and_keeps_what_was_stored(files_client, sim, tmp_path) -> None:
    tomorrow = EXPORT_DAY + timedelta(days=1)
    stored = tmp_path / "movie_ids_11_10_2025.json.gz"
    stored.write_bytes(b"an earlier copy")
    with pytest.raises(TMDBExportMissing) as caught:
        files_client.download_export(tomorrow, tmp_path)
    assert "movie_ids_11_10_2025.json.gz" in str(caught.value) and "404" in str(caught.value)
    assert caught.value.file_name == "movie_ids_11_10_2025.json.gz" and caught.value.attempts == 1
    assert served(sim) == 1, "404 is final"
    assert sorted(tmp_path.iterdir()) == [stored] and stored.read_bytes() == b"an earlier copy"


def test_a_truncated_export_is_fetched_again_then_fails_naming_the_file(files_client, sim, tmp_path) -> None:
    stored = files_client.download_export(EXPORT_DAY, tmp_path)
    good = stored.path.read_bytes()
    control.set_faults(sim.base_url, rules=[{"path": "/files/p/exports/*", "kind": "truncated"}])
    with pytest.raises(TMDBExportCorrupt) as caught:
        files_client.download_export(EXPORT_DAY, tmp_path)
    message = str(caught.value)
    assert EXPORT_NAME in message and "truncated" in message and "after 3 attempts" in message
    assert caught.value.file_name == EXPORT_NAME and caught.value.attempts == 3
    assert served(sim) == 1 + 3
    assert sorted(tmp_path.iterdir()) == [stored.path] and stored.path.read_bytes() == good, "nothing stored is lost"


def test_a_truncated_export_that_comes_whole_on_a_retry_is_kept(files_client, sim, tmp_path) -> None:
    control.set_faults(sim.base_url, rules=[{"path": "/files/p/exports/*", "kind": "truncated", "times": 1}])
    download = files_client.download_export(EXPORT_DAY, tmp_path)
    assert download.attempts == 2 and download.entries == sim.state.catalogue.movie_count
    assert files_client.stats["retries"] == 1 and files_client.stats["malformed"] == 1


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"<html>403 Forbidden</html>", "not a gzip stream"),
        (
            gzip.compress(b'{"adult":false,"id":11,"original_title":"A","popularity":1.0,"video":false}\n{"id": 1'),
            "line 2",
        ),
        (gzip.compress(b'{"adult":false,"id":"11"}\n'), "integer id"),
        (b"", "empty file"),
    ],
)
def test_an_export_that_is_not_gzipped_json_lines_fails_naming_the_file(tmp_path, body: bytes, problem: str) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=StreamedBody(body), headers={"Content-Type": "application/octet-stream"})

    with (
        make_client("https://tmdb.test/3", transport=httpx.MockTransport(answer)) as client,
        pytest.raises(TMDBExportCorrupt) as caught,
    ):
        client.download_export(EXPORT_DAY, tmp_path)
    assert EXPORT_NAME in str(caught.value) and problem in str(caught.value)
    assert caught.value.url == f"https://files.tmdb.org/p/exports/{EXPORT_NAME}"
    assert list(tmp_path.iterdir()) == []


def test_reading_a_stored_export_that_was_cut_short_fails_naming_the_file(files_client, tmp_path) -> None:
    download = files_client.download_export(EXPORT_DAY, tmp_path)
    cut = tmp_path / "cut" / EXPORT_NAME
    cut.parent.mkdir()
    cut.write_bytes(download.path.read_bytes()[: download.size_bytes // 2])
    with pytest.raises(TMDBExportCorrupt, match="truncated") as caught:
        sum(1 for _ in read_export(cut))
    assert str(cut) in str(caught.value)


def test_the_export_is_fetched_without_the_api_key(tmp_path) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, stream=StreamedBody(gzip.compress(b'{"adult":false,"id":11}\n')))

    with make_client(
        "https://tmdb.test/3", api_key=V3_KEY, read_token=READ_TOKEN, transport=httpx.MockTransport(answer)
    ) as client:
        client.download_export(EXPORT_DAY, tmp_path)
    assert "api_key" not in seen[0].url.params and "authorization" not in seen[0].headers


# ---- the change feed -------------------------------------------------------------------------------------------


def catalogue_changes(sim, start: date, end: date) -> dict[int, bool]:
    """The movies the catalogue edited from start to end, with their adult flag."""
    catalogue = sim.state.catalogue
    days = [start + timedelta(days=n) for n in range((end - start).days + 1)]
    return {movie_id: catalogue.is_adult(movie_id) for day in days for movie_id in catalogue.edited_on(day).tolist()}


def test_windows_longer_than_14_days_are_cut_into_windows_of_at_most_14() -> None:
    windows = change_windows(date(2025, 10, 1), date(2025, 11, 9))
    assert windows == [
        (date(2025, 10, 1), date(2025, 10, 14)),
        (date(2025, 10, 15), date(2025, 10, 28)),
        (date(2025, 10, 29), date(2025, 11, 9)),
    ]
    assert change_windows(date(2025, 11, 9), date(2025, 11, 9)) == [(date(2025, 11, 9), date(2025, 11, 9))]
    with pytest.raises(ValueError, match="before it starts"):
        change_windows(date(2025, 11, 9), date(2025, 11, 8))


def test_the_change_feed_of_a_long_window_pages_through_windows_the_api_accepts(client, sim) -> None:
    start, end = date(2025, 10, 1), date(2025, 11, 9)
    feed = client.movie_changes(start, end)
    assert feed.complete and len(feed.windows) == 3, "a 40-day window is asked as three; 422s would be failures"
    assert feed.changed == catalogue_changes(sim, start, end)
    total_pages = sum(math.ceil(len(catalogue_changes(sim, *window)) / 100) for window in feed.windows)
    assert feed.pages == total_pages and served(sim) == total_pages


def test_a_change_feed_page_that_fails_is_retried_then_recorded(client, sim) -> None:
    day = date(2025, 11, 9)
    start = day - timedelta(days=13)
    expected = catalogue_changes(sim, start, day)
    assert len(expected) > 100, "at least two pages"
    control.set_faults(sim.base_url, rules=[{"path": "/3/movie/changes?*page=2", "kind": "server_error"}])
    feed = client.movie_changes(start, day)
    assert not feed.complete
    [failed] = feed.failed_pages
    assert (failed.start_date, failed.end_date, failed.page) == (start, day, 2)
    assert (failed.reason, failed.status, failed.attempts) == ("server_error", 500, 3)
    assert "/movie/changes" in failed.message
    lost = set(sorted(expected)[100:200])
    assert feed.changed == {movie_id: adult for movie_id, adult in expected.items() if movie_id not in lost}
    pages = math.ceil(len(expected) / 100)
    assert feed.pages == pages - 1 and served(sim) == pages + 2, "page 2 was tried three times"


def test_a_change_feed_page_that_fails_once_is_retried_and_nothing_is_lost(client, sim) -> None:
    day = date(2025, 11, 9)
    control.set_faults(sim.base_url, rules=[{"path": "/3/movie/changes?*page=1", "kind": "bad_gateway", "times": 1}])
    feed = client.movie_changes(day - timedelta(days=6), day)
    assert feed.complete and feed.changed == catalogue_changes(sim, day - timedelta(days=6), day)
    assert client.stats["retries"] == 1


def test_a_change_feed_window_past_500_pages_is_halved_and_a_single_day_past_it_recorded() -> None:
    asked: list[tuple[str, str, int]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        params = request.url.params
        start, end, page = params["start_date"], params["end_date"], int(params["page"])
        asked.append((start, end, page))
        days = (date.fromisoformat(end) - date.fromisoformat(start)).days + 1
        total_pages = 300 * days if start != "2025-11-03" else 501
        body = {"results": [{"id": page * 1000 + days, "adult": False}], "page": page, "total_pages": total_pages}
        return httpx.Response(200, json={**body, "total_results": total_pages * 100})

    with make_client("https://tmdb.test/3", transport=httpx.MockTransport(answer)) as client:
        feed = client.movie_changes(date(2025, 11, 1), date(2025, 11, 3))
    assert feed.windows == [
        (date(2025, 11, 1), date(2025, 11, 1)),
        (date(2025, 11, 2), date(2025, 11, 2)),
        (date(2025, 11, 3), date(2025, 11, 3)),
    ]
    assert max(page for _, _, page in asked) == 500 and feed.pages == 300 + 300 + 500
    [capped] = feed.failed_pages
    assert (capped.start_date, capped.page, capped.reason) == (date(2025, 11, 3), 501, "page_cap")


def test_a_bad_key_stops_the_change_feed_instead_of_being_recorded() -> None:
    with (
        start_simulator(api_key=V3_KEY) as secured,
        make_client(secured.base_url, api_key="f" * 32) as client,
        pytest.raises(TMDBAuthError),
    ):
        client.movie_changes(date(2025, 11, 1), date(2025, 11, 9))
