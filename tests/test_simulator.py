"""The TMDB simulator speaks TMDB v3: shapes, paging, errors, auth, rate limit, faults, a drifting deterministic
catalogue and a settable clock."""

from __future__ import annotations

import gzip
import json
import math
import os
import signal
import subprocess
import sys
import time
import tracemalloc
import zlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from statistics import median

import httpx
import pytest

from master_dataset.simulator import control
from master_dataset.simulator.catalogue import Catalogue, hour_of
from master_dataset.simulator.exports import movie_export
from tests.conftest import free_port
from tests.simulator_fixture import TEST_CLOCK, TEST_CONFIG, reset, start_simulator

LIST_ENTRY_KEYS = {
    "adult", "backdrop_path", "genre_ids", "id", "original_language", "original_title", "overview", "popularity",
    "poster_path", "release_date", "title", "video", "vote_average", "vote_count",
}  # fmt: skip
DETAILS_KEYS = {
    "adult", "backdrop_path", "belongs_to_collection", "budget", "genres", "homepage", "id", "imdb_id",
    "original_language", "original_title", "overview", "popularity", "poster_path", "production_companies",
    "production_countries", "release_date", "revenue", "runtime", "spoken_languages", "status", "tagline", "title",
    "video", "vote_average", "vote_count",
}  # fmt: skip
DETAILS = {"append_to_response": "credits,reviews,keywords"}
EXPORT = "/p/exports/movie_ids_11_09_2025.json.gz"
EXPORT_KEYS = ["adult", "id", "original_title", "popularity", "video"]


@pytest.fixture(scope="module")
def simulator():
    with start_simulator() as running:
        yield running


@pytest.fixture
def api(simulator) -> Iterator[httpx.Client]:
    reset(simulator)
    with httpx.Client(base_url=simulator.base_url, timeout=5.0) as client:
        yield client


def error_of(response: httpx.Response) -> tuple[int, int]:
    return response.status_code, response.json()["status_code"]


def test_lists_have_tmdb_shape_and_are_ordered_and_leave_adult_titles_out(api: httpx.Client, simulator) -> None:
    catalogue = simulator.state.catalogue
    adult = {movie_id for movie_id in catalogue.movie_ids() if catalogue.is_adult(movie_id)}
    assert adult, "the catalogue has adult titles"
    popular = api.get("/movie/popular").json()
    assert set(popular) == {"page", "results", "total_pages", "total_results"}
    assert popular["page"] == 1 and len(popular["results"]) == 20
    assert popular["total_results"] == TEST_CONFIG.movies - len(adult) and popular["total_pages"] == 25
    assert all(set(entry) == LIST_ENTRY_KEYS and entry["adult"] is False for entry in popular["results"])
    scores = [entry["popularity"] for entry in popular["results"]]
    assert scores == sorted(scores, reverse=True)
    second = api.get("/movie/popular", params={"page": 2}).json()
    assert {e["id"] for e in second["results"]}.isdisjoint(e["id"] for e in popular["results"])
    assert second["results"][0]["popularity"] <= scores[-1]

    top = api.get("/movie/top_rated").json()["results"]
    assert all(entry["vote_count"] >= 200 for entry in top)
    ratings = [entry["vote_average"] for entry in top]
    assert ratings == sorted(ratings, reverse=True)

    now_playing = api.get("/movie/now_playing").json()
    low, high = date.fromisoformat(now_playing["dates"]["minimum"]), date.fromisoformat(now_playing["dates"]["maximum"])
    assert low < TEST_CLOCK.date() < high
    assert all(low <= date.fromisoformat(entry["release_date"]) <= high for entry in now_playing["results"])


@pytest.mark.parametrize("page", ["501", "0", "abc"])
def test_page_outside_1_to_500_answers_400_status_22(api: httpx.Client, page: str) -> None:
    assert error_of(api.get("/movie/popular", params={"page": page})) == (400, 22)


def test_a_page_past_the_last_is_empty_as_on_tmdb(api: httpx.Client) -> None:
    body = api.get("/movie/popular", params={"page": 400}).json()
    assert body["results"] == [] and body["page"] == 400


def test_details_append_credits_reviews_and_keywords(api: httpx.Client) -> None:
    movie_id = api.get("/movie/popular").json()["results"][0]["id"]
    details = api.get(f"/movie/{movie_id}", params=DETAILS).json()
    assert set(details) >= DETAILS_KEYS
    assert details["id"] == movie_id
    cast, crew = details["credits"]["cast"], details["credits"]["crew"]
    assert 5 <= len(cast) <= 80 and len(crew) <= 200
    assert [member["order"] for member in cast] == list(range(len(cast)))
    assert set(details["reviews"]) == {"page", "results", "total_pages", "total_results"}
    assert isinstance(details["keywords"]["keywords"], list)
    person = api.get(f"/person/{cast[0]['id']}").json()
    assert person["name"] == cast[0]["name"]
    assert {"also_known_as", "biography", "birthday", "deathday", "place_of_birth", "popularity"} <= set(person)
    plain = api.get(f"/movie/{movie_id}").json()
    assert "credits" not in plain and "reviews" not in plain


def test_unknown_ids_answer_404_status_34(api: httpx.Client) -> None:
    assert error_of(api.get("/movie/12")) == (404, 34)
    assert error_of(api.get("/person/100")) == (404, 34)
    assert error_of(api.get("/tv/1")) == (404, 34)


def test_too_many_appended_resources_answer_400_status_27(api: httpx.Client) -> None:
    append = ",".join(f"x{i}" for i in range(21))
    assert error_of(api.get("/movie/11", params={"append_to_response": append})) == (400, 27)


def test_review_pages_follow_the_total(api: httpx.Client, simulator) -> None:
    catalogue = simulator.state.catalogue
    hour = hour_of(TEST_CLOCK)
    movie_id = next(m for m in catalogue.movie_ids() if catalogue.reviews(m, hour, 1)["total_results"] > 5)
    first = api.get(f"/movie/{movie_id}/reviews").json()
    second = api.get(f"/movie/{movie_id}/reviews", params={"page": 2}).json()
    assert first["total_pages"] == math.ceil(first["total_results"] / TEST_CONFIG.review_page_size)
    assert len(first["results"]) == 5 and second["page"] == 2 and second["results"]
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])


def test_every_response_is_dated_by_the_simulated_clock(api: httpx.Client, simulator) -> None:
    assert parsedate_to_datetime(api.get("/configuration").headers["Date"]) == TEST_CLOCK
    later = TEST_CLOCK + timedelta(days=3, hours=5)
    control.set_clock(simulator.base_url, later, frozen=True)
    assert parsedate_to_datetime(api.get("/genre/movie/list").headers["Date"]) == later
    assert control.get_clock(simulator.base_url)["frozen"] is True


def test_popularity_and_votes_drift_and_a_past_hour_is_served_again_identically(api: httpx.Client, simulator) -> None:
    before = api.get("/movie/popular").json()
    movie_id = before["results"][0]["id"]
    old = api.get(f"/movie/{movie_id}").json()
    control.set_clock(simulator.base_url, TEST_CLOCK + timedelta(days=20), frozen=True)
    after = api.get("/movie/popular").json()
    new = api.get(f"/movie/{movie_id}").json()
    assert [e["id"] for e in before["results"]] != [e["id"] for e in after["results"]]
    assert new["popularity"] != old["popularity"]
    assert new["vote_count"] >= old["vote_count"]
    control.set_clock(simulator.base_url, TEST_CLOCK, frozen=True)
    assert api.get("/movie/popular").json() == before


def test_reviews_appear_over_time(simulator) -> None:
    catalogue = simulator.state.catalogue
    now = hour_of(TEST_CLOCK)
    year_later = now + 365 * 24
    totals = [
        (
            catalogue.reviews(movie_id, now, 1)["total_results"],
            catalogue.reviews(movie_id, year_later, 1)["total_results"],
        )
        for movie_id in list(catalogue.movie_ids())[:200]
    ]
    assert all(a <= b for a, b in totals) and any(a < b for a, b in totals)


def test_catalogue_is_deterministic_for_a_seed() -> None:
    hour = hour_of(TEST_CLOCK)
    one, same, other = Catalogue(7, 500, 2000), Catalogue(7, 500, 2000), Catalogue(8, 500, 2000)
    append = ["credits", "reviews", "keywords"]
    assert one.details(41, hour, append) == same.details(41, hour, append)
    assert one.popular_ids(hour) == same.popular_ids(hour)
    assert one.details(41, hour) != other.details(41, hour)


def test_catalogue_is_realistic() -> None:
    catalogue = Catalogue(TEST_CONFIG.seed, 500, 2000)
    hour = hour_of(TEST_CLOCK)
    movies = [catalogue.details(m, hour, ["credits", "reviews", "keywords"]) for m in catalogue.movie_ids()]
    cores = [catalogue.movie_core(m) for m in catalogue.movie_ids()]
    reviews = [
        review
        for m in catalogue.movie_ids()
        for page in (1, 2, 3, 4)
        for review in catalogue.reviews(m, hour + 24 * 365 * 3, page)["results"]
    ]
    share = lambda predicate, items: sum(1 for item in items if predicate(item)) / len(items)  # noqa: E731
    assert share(lambda m: len(m["genres"]) >= 2, movies) > 0.4
    assert 0.3 < share(lambda m: m["budget"] == 0, movies) < 0.8
    assert share(lambda m: m["revenue"] == 0, movies) > 0.3
    assert 0 < share(lambda m: m["release_date"] == "", movies) < 0.1
    assert all(5 <= len(m["credits"]["cast"]) <= 80 and len(m["credits"]["crew"]) <= 200 for m in movies)
    assert max(len(m["credits"]["cast"]) for m in movies) > 50
    counts = [catalogue.reviews(m, hour + 24 * 365 * 3, 1)["total_results"] for m in catalogue.movie_ids()]
    assert min(counts) == 0 and max(counts) <= 20 and any(c > 10 for c in counts)
    contents = [review["content"] for review in reviews]
    assert any("**" in text for text in contents) and any("\r\n" in text for text in contents)
    assert any(any(ord(ch) > 0x1F000 for ch in text) for text in contents), "some reviews carry emoji"
    assert any(any("\u3040" <= ch <= "\u30ff" or "\uac00" <= ch <= "\ud7af" for ch in text) for text in contents)
    ratings = [review["author_details"]["rating"] for review in reviews]
    assert None in ratings and min(r for r in ratings if r) <= 4 and max(r for r in ratings if r) >= 8
    popularity = sorted((core.popularity(hour) for core in cores), reverse=True)
    assert popularity[0] > 20 * median(popularity), "popularity has a long tail"


def test_api_key_is_enforced_when_configured() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0In0.c2lnbmF0dXJl"
    with start_simulator(api_key=token) as secured, httpx.Client(base_url=secured.base_url) as api:
        assert error_of(api.get("/configuration")) == (401, 7)
        assert error_of(api.get("/configuration", params={"api_key": "wrong"})) == (401, 7)
        assert api.get("/configuration", params={"api_key": token}).status_code == 200
        assert api.get("/configuration", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_over_its_rate_limit_it_answers_429_with_retry_after(api: httpx.Client, simulator) -> None:
    control.set_faults(simulator.base_url, rate_limit=2)
    responses = [api.get("/genre/movie/list") for _ in range(10)]
    limited = [r for r in responses if r.status_code == 429]
    assert limited and responses[0].status_code == 200
    assert int(limited[0].headers["Retry-After"]) >= 1
    assert limited[0].json()["status_code"] == 25
    assert control.get_stats(simulator.base_url)["rate_limited"] == len(limited)


def test_fault_rules_inject_each_kind_of_failure(api: httpx.Client, simulator) -> None:
    rules = [
        {"path": "/3/movie/11", "kind": "server_error", "times": 1},
        {"path": "/3/movie/14", "kind": "bad_gateway"},
        {"path": "/3/movie/17", "kind": "malformed"},
        {"path": "/3/movie/20", "kind": "truncated"},
        {"path": "/3/movie/23", "kind": "drop"},
        {"path": "/3/movie/26", "kind": "timeout"},
    ]
    control.set_faults(simulator.base_url, rules=rules)
    assert error_of(api.get("/movie/11")) == (500, 11)
    assert api.get("/movie/11").status_code == 200, "a rule with times stops after that many requests"
    assert error_of(api.get("/movie/14")) == (502, 43)
    for path in ("/movie/17", "/movie/20"):
        response = api.get(path)
        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.content)
    with pytest.raises(httpx.RemoteProtocolError):
        api.get("/movie/23")
    with pytest.raises(httpx.ReadTimeout):
        api.get("/movie/26", timeout=0.2)
    truncated = api.get("/movie/20").content
    control.set_faults(simulator.base_url, rules=[])
    whole = api.get("/movie/20").content
    assert whole.startswith(truncated) and len(truncated) < len(whole)


def test_fault_shares_apply_to_random_requests(api: httpx.Client, simulator) -> None:
    control.set_faults(simulator.base_url, error_rate=1.0)
    assert api.get("/movie/11").status_code in (500, 502, 503, 504)
    control.set_faults(simulator.base_url, error_rate=0.0, malformed_rate=1.0)
    with pytest.raises(json.JSONDecodeError):
        json.loads(api.get("/movie/11").content)


def test_bad_fault_settings_are_rejected(api: httpx.Client, simulator) -> None:
    with pytest.raises(httpx.HTTPStatusError):
        control.set_faults(simulator.base_url, error_rate=2)
    with pytest.raises(httpx.HTTPStatusError):
        control.set_faults(simulator.base_url, rules=[{"path": "/3/*", "kind": "meteor"}])


def test_discover_filters_by_release_date_and_sorts(api: httpx.Client, simulator) -> None:
    params = {"primary_release_date.gte": "2025-01-01", "primary_release_date.lte": "2025-06-30"}
    body = api.get("/discover/movie", params={**params, "sort_by": "primary_release_date.asc"}).json()
    dates = [entry["release_date"] for entry in body["results"]]
    assert dates and all("2025-01-01" <= d <= "2025-06-30" for d in dates) and dates == sorted(dates)
    assert error_of(api.get("/discover/movie", params={"page": 501})) == (400, 22)
    assert api.get("/discover/movie", params={"sort_by": "nonsense"}).json()["errors"]


def test_changes_lists_ids_of_at_most_14_days(api: httpx.Client) -> None:
    body = api.get("/movie/changes", params={"start_date": "2025-11-01", "end_date": "2025-11-08"}).json()
    assert body["results"] and set(body["results"][0]) == {"id", "adult"}
    too_long = api.get("/movie/changes", params={"start_date": "2025-10-01", "end_date": "2025-11-08"})
    assert error_of(too_long) == (422, 20)


def changed_ids(api: httpx.Client, start: date, end: date) -> dict[int, bool]:
    window = {"start_date": start.isoformat(), "end_date": end.isoformat()}
    first = api.get("/movie/changes", params=window).json()
    pages = [first] + [
        api.get("/movie/changes", params={**window, "page": page}).json() for page in range(2, first["total_pages"] + 1)
    ]
    assert all(len(page["results"]) == 100 for page in pages[:-1]), "100 ids a page"
    ids = {entry["id"]: entry["adult"] for page in pages for entry in page["results"]}
    assert len(ids) == first["total_results"]
    return ids


def without_popularity(details: dict) -> dict:
    return {key: value for key, value in details.items() if key != "popularity"}


def test_the_change_feed_lists_exactly_the_movies_whose_details_changed_that_day(api: httpx.Client, simulator) -> None:
    catalogue = simulator.state.catalogue
    append = ["credits", "reviews", "keywords"]
    for day in (date(2025, 11, 9), date(2025, 10, 20)):
        feed = changed_ids(api, day, day)
        # About 2 % of the catalogue a day.
        assert 0.005 * TEST_CONFIG.movies <= len(feed) <= 0.04 * TEST_CONFIG.movies
        noon = hour_of(datetime(day.year, day.month, day.day, 12, tzinfo=UTC))
        day_before = noon - 24
        changed = {
            movie_id
            for movie_id in catalogue.movie_ids()
            if without_popularity(catalogue.details(movie_id, noon, append))
            != without_popularity(catalogue.details(movie_id, day_before, append))
        }
        assert set(feed) == changed
        assert all(adult == catalogue.details(movie_id, noon)["adult"] for movie_id, adult in feed.items())


def test_the_change_feed_of_a_window_is_the_union_of_its_days_and_never_the_future(api: httpx.Client) -> None:
    days = [date(2025, 11, 1) + timedelta(days=n) for n in range(9)]
    union: dict[int, bool] = {}
    for day in days:
        union.update(changed_ids(api, day, day))
    assert changed_ids(api, days[0], days[-1]) == union
    later = changed_ids(api, days[0], days[-1] + timedelta(days=5))
    assert later == union, "the clock is at 2025-11-09: nothing has changed after it yet"


def test_genres_and_configuration(api: httpx.Client) -> None:
    genres = api.get("/genre/movie/list").json()["genres"]
    assert len(genres) == 19 and {"id": 878, "name": "Science Fiction"} in genres
    assert "secure_base_url" in api.get("/configuration").json()["images"]


def test_module_entry_point_serves_health(tmp_path) -> None:
    port = free_port()
    argv = [sys.executable, "-m", "master_dataset.simulator", "--host", "127.0.0.1", "--port", str(port)]
    argv += ["--seed", "42", "--movies", "100", "--people", "500", "--clock", "2025-11-09T12:00:00+00:00"]
    argv += ["--freeze-clock"]
    process = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        for _ in range(100):
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/health", timeout=1.0)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            pytest.fail("the simulator did not answer /health")
        assert health.status_code == 200 and health.json()["movies"] == 100
        catalogue = Catalogue(42, 100, 500)
        listed = httpx.get(f"http://127.0.0.1:{port}/3/movie/popular").json()["total_results"]
        assert listed == sum(1 for movie_id in catalogue.movie_ids() if not catalogue.is_adult(movie_id))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)


def test_the_daily_export_is_every_movie_with_its_popularity_at_8_utc(simulator) -> None:
    reset(simulator)
    catalogue = simulator.state.catalogue
    response = httpx.get(simulator.files_url + EXPORT, timeout=10.0)
    assert response.status_code == 200 and response.headers["content-type"] == "application/gzip"
    assert "content-encoding" not in response.headers, "a file, not a compressed HTTP body"
    lines = gzip.decompress(response.content).decode("utf-8").splitlines()
    entries = [json.loads(line) for line in lines]
    assert [entry["id"] for entry in entries] == list(catalogue.movie_ids())
    assert all(list(entry) == EXPORT_KEYS and entry["video"] is False for entry in entries)
    published = hour_of(datetime(2025, 11, 9, 8, tzinfo=UTC))
    for entry in entries:
        details = catalogue.details(entry["id"], published)
        assert (entry["popularity"], entry["adult"], entry["original_title"]) == (
            details["popularity"],
            details["adult"],
            details["original_title"],
        )
    assert any(entry["adult"] for entry in entries) and not all(entry["adult"] for entry in entries)
    stats = control.get_stats(simulator.base_url)
    assert (stats["requests"], stats["export_requests"]) == (1, 1)


def test_the_export_has_the_same_bytes_for_a_seed(simulator) -> None:
    reset(simulator)
    served = httpx.get(simulator.files_url + EXPORT, timeout=10.0).content
    day = date(2025, 11, 9)
    same = b"".join(movie_export(Catalogue(TEST_CONFIG.seed, TEST_CONFIG.movies, TEST_CONFIG.people), day))
    other_seed = b"".join(movie_export(Catalogue(TEST_CONFIG.seed + 1, TEST_CONFIG.movies, TEST_CONFIG.people), day))
    next_day = b"".join(
        movie_export(Catalogue(TEST_CONFIG.seed, TEST_CONFIG.movies, TEST_CONFIG.people), day + timedelta(days=1))
    )
    assert served == same
    assert served != other_seed and served != next_day


@pytest.mark.parametrize(
    ("clock", "file_name", "status"),
    [
        (datetime(2025, 11, 9, 7, 59, tzinfo=UTC), "movie_ids_11_09_2025.json.gz", 404),
        (datetime(2025, 11, 9, 7, 59, tzinfo=UTC), "movie_ids_11_08_2025.json.gz", 200),
        (datetime(2025, 11, 9, 8, 0, tzinfo=UTC), "movie_ids_11_09_2025.json.gz", 200),
        (TEST_CLOCK, "movie_ids_11_10_2025.json.gz", 404),
        (TEST_CLOCK, "movie_ids_08_11_2025.json.gz", 200),
        (TEST_CLOCK, "movie_ids_08_10_2025.json.gz", 404),
        (TEST_CLOCK, "movie_ids_02_30_2025.json.gz", 404),
        (TEST_CLOCK, "person_ids_11_09_2025.json.gz", 404),
    ],
)
def test_an_export_exists_from_its_8_utc_for_three_months(
    simulator, clock: datetime, file_name: str, status: int
) -> None:
    reset(simulator)
    control.set_clock(simulator.base_url, clock, frozen=True)
    with httpx.stream("GET", f"{simulator.files_url}/p/exports/{file_name}", timeout=10.0) as response:
        assert response.status_code == status
    stats = control.get_stats(simulator.base_url)
    assert (stats["requests"], stats["export_requests"], stats.get("status_404", 0)) == (1, 1, int(status == 404))


def test_a_truncated_export_fault_cuts_the_gzip_stream_in_a_complete_response(simulator) -> None:
    reset(simulator)
    control.set_faults(simulator.base_url, rules=[{"path": "/files/p/exports/*", "kind": "truncated", "times": 1}])
    cut = httpx.get(simulator.files_url + EXPORT, timeout=10.0)
    whole = httpx.get(simulator.files_url + EXPORT, timeout=10.0)
    assert cut.status_code == 200 and len(cut.content) < len(whole.content)
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    text = inflate.decompress(cut.content)
    assert not inflate.eof and text.count(b"\n") == TEST_CONFIG.movies // 2, "half the lines, then no end"
    assert gzip.decompress(whole.content).startswith(text)
    with pytest.raises(EOFError):
        gzip.decompress(cut.content)


def test_a_million_movie_export_streams_from_its_first_lines_in_bounded_memory() -> None:
    """The whole file takes about a minute to make (see scripts/measure_export.py); its first lines come at once."""
    with start_simulator(movies=1_000_000) as big:
        tracemalloc.start()
        started = time.monotonic()
        inflate, lines, first_id = zlib.decompressobj(16 + zlib.MAX_WBITS), 0, None
        with httpx.stream("GET", big.files_url + EXPORT, timeout=30.0) as response:
            assert response.headers["transfer-encoding"] == "chunked"
            for data in response.iter_raw():
                text = inflate.decompress(data)
                if first_id is None and text:
                    first_id = json.loads(text.split(b"\n", 1)[0])["id"]
                lines += text.count(b"\n")
                if lines >= 20_000:
                    break
        seconds = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert first_id == 11 and lines >= 20_000
    assert seconds < 30, f"{seconds:.1f} s for the first 20,000 of 1,000,000 lines: not streamed"
    assert peak < 32 * 2**20, f"{peak / 2**20:.0f} MiB traced while streaming"
