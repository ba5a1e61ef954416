"""The TMDB simulator's HTTP server: TMDB v3 paths, parameters, JSON shapes, errors, rate limit and faults.

It is a stdlib ``ThreadingHTTPServer`` (one thread a request, so injected latency does not serialise clients)
speaking HTTP/1.1 with keep-alive. API paths live under ``/3`` as on ``api.themoviedb.org``. The file host
``files.tmdb.org`` lives under ``/files``: ``/files/p/exports/movie_ids_MM_DD_YYYY.json.gz`` is the daily ID export
(see ``exports``), streamed with chunked transfer encoding, without a key or a rate limit (a CDN), but with latency,
faults and counters like the API. ``/health`` and the ``/__simulator/*`` control endpoints live at the root and are
never rate limited, delayed or faulted:

- ``GET/PUT /__simulator/clock``: ``{"now": ISO or null, "frozen": bool}``; null returns to real time.
- ``GET/PUT /__simulator/faults``: latency, fault shares, rate limit and targeted fault rules (see ``Faults``).
- ``GET/DELETE /__simulator/stats``: requests served (``export_requests`` of them to the file host) by status,
  429s and faults injected, and movie details answered whole (``movie_details_served``), of which for a movie
  already answered before (``movie_details_repeated``: a resumed load should add none); DELETE resets them.

Every response carries a ``Date`` header equal to the simulated clock, which is what the ingestion records as the
extraction time, so a history built with a moving clock is honest.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import logging
import math
import random
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from master_dataset.simulator.catalogue import MAX_PAGE, Catalogue, DiscoverQuery, configuration, genre_list, hour_of
from master_dataset.simulator.exports import EXPORT_DIRECTORY, export_day, is_published, movie_export

if TYPE_CHECKING:
    from config.settings import Settings

log = logging.getLogger(__name__)

API_PREFIX = "/3"
FILES_PREFIX = "/files"
MAX_APPEND = 20
MAX_CHANGES_DAYS = 14

# TMDB's error bodies (status_code, HTTP status, message).
ERRORS: dict[str, tuple[int, int, str]] = {
    "invalid_key": (7, 401, "Invalid API key: You must be granted a valid key."),
    "not_found": (34, 404, "The resource you requested could not be found."),
    "invalid_page": (22, 400, "Invalid page: Pages start at 1 and max at 500. They are expected to be an integer."),
    "invalid_date_range": (20, 422, "Invalid date range: Should be a range no longer than 14 days."),
    "too_many_appends": (27, 400, "Too many append to response objects: The maximum number of remote calls is 20."),
    "rate_limit": (25, 429, "Your request count (#) is over the allowed limit of (40)."),
    "server_error": (11, 500, "Internal error: Something went wrong, contact TMDB."),
    "bad_gateway": (43, 502, "Couldn't connect to the backend server."),
    "unavailable": (9, 503, "Service offline: This service is temporarily offline, try again later."),
    "gateway_timeout": (24, 504, "Your request to the backend server timed out. Try again."),
}
SERVER_ERRORS = ("server_error", "bad_gateway", "unavailable", "gateway_timeout")
FAULT_KINDS = (*SERVER_ERRORS, "not_found", "rate_limit", "timeout", "malformed", "truncated", "drop")
_MALFORMED_BODIES = (
    b"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>",
    b'{"page": 1, "results": [{"id": 550, "title": "Fight Club", "popularity": 61.4,,]}',
    b"\x00\x00\x1f\x8b upstream returned garbage",
)
_FILE_NOT_FOUND = b"404 Not Found: no such file on the TMDB file host\n"


@dataclass
class FaultRule:
    """A targeted fault: requests whose path matches ``path`` (a glob such as ``/3/movie/14*``) get ``kind``.

    The glob may also match the path with its query string, to fault one page: ``/3/movie/changes?*page=2``.

    ``times`` limits it to the first N matching requests (then the path answers normally), so a test can make a
    movie fail twice and then succeed; ``None`` means always.
    """

    path: str
    kind: str
    times: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {FAULT_KINDS}")


@dataclass
class Faults:
    """Latency, rate limit and fault injection, adjustable while the server runs (``PUT /__simulator/faults``)."""

    rate_limit: float = 50.0
    latency_ms: float = 0.0
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    malformed_rate: float = 0.0
    truncated_rate: float = 0.0
    drop_rate: float = 0.0
    # How long a "timeout" stalls before answering: longer than any sane client read timeout.
    stall_seconds: float = 30.0
    rules: list[FaultRule] = field(default_factory=list)

    def updated(self, changes: dict[str, Any]) -> Faults:
        known = {f.name for f in fields(self)}
        unknown = set(changes) - known
        if unknown:
            raise ValueError(f"unknown fault settings {sorted(unknown)}; expected some of {sorted(known)}")
        values = {**asdict(self), **changes}
        values["rules"] = [rule if isinstance(rule, FaultRule) else FaultRule(**rule) for rule in values["rules"]]
        for name in ("latency_ms", "stall_seconds"):
            if float(values[name]) < 0:
                raise ValueError(f"{name} must be >= 0")
        for name in ("error_rate", "timeout_rate", "malformed_rate", "truncated_rate", "drop_rate"):
            if not 0 <= float(values[name]) <= 1:
                raise ValueError(f"{name} must be between 0 and 1")
        if float(values["rate_limit"]) <= 0:
            raise ValueError("rate_limit must be > 0")
        return Faults(**values)


@dataclass(frozen=True)
class SimulatorConfig:
    seed: int = 42
    movies: int = 20000
    people: int = 50000
    api_key: str | None = None
    review_page_size: int = 5
    clock: datetime | None = None
    frozen: bool = False
    faults: Faults = field(default_factory=Faults)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> SimulatorConfig:
        faults = Faults(
            rate_limit=settings.tmdb_simulator_rate_limit,
            latency_ms=settings.tmdb_simulator_latency_ms,
            error_rate=settings.tmdb_simulator_error_rate,
            timeout_rate=settings.tmdb_simulator_timeout_rate,
            malformed_rate=settings.tmdb_simulator_malformed_rate,
            truncated_rate=settings.tmdb_simulator_truncated_rate,
            drop_rate=settings.tmdb_simulator_drop_rate,
        )
        clock = settings.tmdb_simulator_clock
        values: dict[str, Any] = {
            "seed": settings.tmdb_simulator_seed,
            "movies": settings.tmdb_simulator_movies,
            "people": settings.tmdb_simulator_people,
            "review_page_size": settings.tmdb_simulator_review_page_size,
            "clock": parse_moment(clock) if clock else None,
            "faults": faults,
        }
        return cls(**{**values, **overrides})


def parse_moment(text: str) -> datetime:
    moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Clock:
    """Simulated UTC time: real time, or a set moment that then advances with real time (or stays frozen)."""

    def __init__(self, start: datetime | None = None, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        self.set(start, frozen)

    def set(self, moment: datetime | None, frozen: bool = False) -> None:
        with self._lock:
            self._anchor = moment.astimezone(UTC) if moment else None
            self._anchor_monotonic = time.monotonic()
            self._frozen = bool(frozen and moment)

    def now(self) -> datetime:
        with self._lock:
            if self._anchor is None:
                return datetime.now(UTC)
            if self._frozen:
                return self._anchor
            return self._anchor + timedelta(seconds=time.monotonic() - self._anchor_monotonic)

    def describe(self) -> dict[str, Any]:
        with self._lock:
            frozen, real = self._frozen, self._anchor is None
        return {"now": self.now().isoformat(), "frozen": frozen, "real_time": real}


class SimulatorState:
    """Everything the request threads share: catalogue, clock, faults, rate window and counters."""

    def __init__(self, config: SimulatorConfig) -> None:
        self.config = config
        self.catalogue = Catalogue(config.seed, config.movies, config.people, config.review_page_size)
        self.clock = Clock(config.clock, config.frozen)
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._faults = config.faults
        self._rule_hits: Counter[int] = Counter()
        self._window: deque[float] = deque()
        self._random = random.Random(config.seed)
        self.stats: Counter[str] = Counter()
        # Whole details answers per movie (saturating at 255), one byte a movie even for a million of them.
        self._details_served = bytearray(config.movies)

    @property
    def faults(self) -> Faults:
        with self._lock:
            return self._faults

    def set_faults(self, changes: dict[str, Any]) -> Faults:
        with self._lock:
            self._faults = self.config.faults if changes.get("reset") else self._faults.updated(changes)
            self._rule_hits.clear()
            return self._faults

    def count(self, key: str) -> None:
        with self._lock:
            self.stats[key] += 1

    def count_details(self, movie_id: int) -> None:
        """Counts a whole details answer, and whether the movie had one before."""
        index = self.catalogue.movie_index(movie_id)
        with self._lock:
            self.stats["movie_details_served"] += 1
            if index is None:
                return
            if self._details_served[index]:
                self.stats["movie_details_repeated"] += 1
            self._details_served[index] = min(255, self._details_served[index] + 1)

    def stats_snapshot(self) -> dict[str, int]:
        with self._lock:
            return dict(self.stats)

    def reset_stats(self) -> None:
        with self._lock:
            self.stats.clear()
            self._details_served = bytearray(len(self._details_served))

    def admit(self) -> float | None:
        """Sliding one-second window; returns the Retry-After seconds when the request is over the limit."""
        now = time.monotonic()
        with self._lock:
            while self._window and self._window[0] <= now - 1.0:
                self._window.popleft()
            if len(self._window) >= self._faults.rate_limit:
                return max(1.0, math.ceil(self._window[0] + 1.0 - now))
            self._window.append(now)
            return None

    def pick_fault(self, path: str, query: str = "") -> str | None:
        """A targeted rule first (deterministic), else a random fault by the configured shares."""
        with self._lock:
            faults = self._faults
            for index, rule in enumerate(faults.rules):
                if fnmatch.fnmatchcase(path, rule.path) or (
                    query and fnmatch.fnmatchcase(f"{path}?{query}", rule.path)
                ):
                    if rule.times is not None and self._rule_hits[index] >= rule.times:
                        continue
                    self._rule_hits[index] += 1
                    return rule.kind
            roll = self._random.random()
            for kind, share in (
                ("server_error", faults.error_rate),
                ("timeout", faults.timeout_rate),
                ("malformed", faults.malformed_rate),
                ("truncated", faults.truncated_rate),
                ("drop", faults.drop_rate),
            ):
                if roll < share:
                    return self._random.choice(SERVER_ERRORS) if kind == "server_error" else kind
                roll -= share
            return None


class SimulatorServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    # Many concurrent clients connect at once; the default backlog of 5 drops connections under load.
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], state: SimulatorState) -> None:
        self.state = state
        super().__init__(address, _Handler)


class _ApiError(Exception):
    def __init__(self, name: str, extra: dict[str, str] | None = None) -> None:
        super().__init__(name)
        self.name = name
        self.extra = extra or {}


class _ValidationError(Exception):
    """Answered as TMDB answers validation problems: 422 with ``{"errors": [...]}``."""


_MOVIE = re.compile(r"^/movie/(\d+)$")
_MOVIE_REVIEWS = re.compile(r"^/movie/(\d+)/reviews$")
_PERSON = re.compile(r"^/person/(\d+)$")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, keep-alive clients stall 40 ms on a delayed ACK.
    disable_nagle_algorithm = True
    server: SimulatorServer
    server_version = "tmdb-simulator/1.0"
    sys_version = ""

    # ---- plumbing --------------------------------------------------------------------------------------------

    @property
    def state(self) -> SimulatorState:
        return self.server.state

    def version_string(self) -> str:
        return self.server_version

    def date_time_string(self, timestamp: float | None = None) -> str:
        # The Date header is the simulated clock: the ingestion takes extraction times from it.
        return format_datetime(self.state.clock.now(), usegmt=True)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s " + format, self.address_string(), *args)

    def _send(
        self,
        status: int,
        body: bytes,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json;charset=utf-8",
    ) -> None:
        self.state.count(f"status_{status}")
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a stalled "timeout" fault): nothing to answer to.
            self.close_connection = True

    def _send_stream(self, status: int, chunks: Iterator[bytes], content_type: str) -> None:
        """A body of unknown length as it is produced, with chunked transfer encoding (HTTP/1.1 keep-alive)."""
        self.state.count(f"status_{status}")
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in chunks:
                if self.state.stopping.is_set():
                    self.close_connection = True
                    return
                self.wfile.write(b"%x\r\n%b\r\n" % (len(chunk), chunk))
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            # The client stopped reading: nothing more to generate.
            self.close_connection = True

    def _send_json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        self._send(status, _encode(payload), headers)

    def _send_error(self, name: str, headers: dict[str, str] | None = None) -> None:
        status_code, http_status, message = ERRORS[name]
        if name == "rate_limit":
            message = message.replace("(40)", f"({self.state.faults.rate_limit:g})")
        self._send_json(http_status, {"success": False, "status_code": status_code, "status_message": message}, headers)

    def _read_json(self) -> dict[str, Any]:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b"{}"
        payload = json.loads(raw or b"{}")
        if not isinstance(payload, dict):
            raise ValueError("expected a JSON object")
        return payload

    # ---- verbs -----------------------------------------------------------------------------------------------

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path == "/health":
            catalogue = self.state.catalogue
            health = {"status": "ok", "movies": catalogue.movie_count, "people": catalogue.people_count}
            self._send_json(200, {**health, "now": self.state.clock.now().isoformat()})
        elif url.path == "/__simulator/clock":
            self._send_json(200, self.state.clock.describe())
        elif url.path == "/__simulator/faults":
            self._send_json(200, asdict(self.state.faults))
        elif url.path == "/__simulator/stats":
            self._send_json(200, self.state.stats_snapshot())
        elif url.path == API_PREFIX or url.path.startswith(API_PREFIX + "/"):
            self._api(url.path[len(API_PREFIX) :], dict(parse_qsl(url.query, keep_blank_values=True)))
        elif url.path.startswith(FILES_PREFIX + "/"):
            self._file(url.path)
        else:
            self._send_error("not_found")

    def do_PUT(self) -> None:
        url = urlsplit(self.path)
        try:
            payload = self._read_json()
            if url.path == "/__simulator/clock":
                moment = payload.get("now")
                self.state.clock.set(parse_moment(moment) if moment else None, bool(payload.get("frozen", False)))
                log.info("simulator clock set to %s", self.state.clock.describe())
                self._send_json(200, self.state.clock.describe())
            elif url.path == "/__simulator/faults":
                faults = self.state.set_faults(payload)
                log.info("simulator faults set to %s", asdict(faults))
                self._send_json(200, asdict(faults))
            else:
                self._send_error("not_found")
        except (ValueError, TypeError) as exc:
            self._send_json(400, {"errors": [str(exc)]})

    def do_DELETE(self) -> None:
        if urlsplit(self.path).path == "/__simulator/stats":
            self.state.reset_stats()
            self._send_json(200, {})
        else:
            self._send_error("not_found")

    # ---- the API ---------------------------------------------------------------------------------------------

    def _api(self, path: str, params: dict[str, str]) -> None:
        state = self.state
        state.count("requests")
        retry_after = state.admit()
        faults = state.faults
        if faults.latency_ms:
            state.stopping.wait(faults.latency_ms / 1000.0)
        if retry_after is not None:
            state.count("rate_limited")
            self._send_error("rate_limit", {"Retry-After": str(int(retry_after))})
            return
        if not self._authorised(params):
            self._send_error("invalid_key")
            return
        answered, fault = self._fault(API_PREFIX + path)
        if answered:
            return
        try:
            payload = self._route(path, params, hour_of(state.clock.now()))
        except _ApiError as exc:
            self._send_error(exc.name)
            return
        except _ValidationError as exc:
            self._send_json(422, {"errors": [str(exc)]})
            return
        body = _encode(payload)
        if fault == "malformed":
            body = _MALFORMED_BODIES[len(path) % len(_MALFORMED_BODIES)]
        elif fault == "truncated":
            # A complete HTTP response whose JSON stops half way: only parsing can tell.
            body = body[: max(1, len(body) // 2)]
        elif match := _MOVIE.match(path):
            state.count_details(int(match.group(1)))
        self._send(200, body)

    def _fault(self, path: str) -> tuple[bool, str | None]:
        """Picks the fault for ``path`` and answers now those that replace the answer: (answered, fault)."""
        state = self.state
        fault = state.pick_fault(path, urlsplit(self.path).query)
        if fault:
            state.count(f"fault_{fault}")
        if fault == "drop":
            # Close the socket without a byte of answer: the client sees a dropped connection.
            self.close_connection = True
            return True, fault
        if fault == "timeout":
            state.stopping.wait(state.faults.stall_seconds)
        elif fault in SERVER_ERRORS or fault in ("not_found", "rate_limit"):
            self._send_error(fault, {"Retry-After": "1"} if fault == "rate_limit" else None)
            return True, fault
        return False, fault

    def _file(self, path: str) -> None:
        """The file host: the daily movie ID export of a published day, else 404."""
        state = self.state
        state.count("requests")
        state.count("export_requests")
        latency = state.faults.latency_ms
        if latency:
            state.stopping.wait(latency / 1000.0)
        answered, fault = self._fault(path)
        if answered:
            return
        name = path[len(FILES_PREFIX + EXPORT_DIRECTORY) :] if path.startswith(FILES_PREFIX + EXPORT_DIRECTORY) else ""
        day = export_day(name)
        if day is None or not is_published(day, state.clock.now()):
            self._send(404, _FILE_NOT_FOUND, content_type="text/plain;charset=utf-8")
        elif fault == "malformed":
            self._send(200, _MALFORMED_BODIES[-1], content_type="application/gzip")
        else:
            chunks = movie_export(state.catalogue, day, truncated=fault == "truncated")
            self._send_stream(200, chunks, "application/gzip")

    def _authorised(self, params: dict[str, str]) -> bool:
        expected = self.state.config.api_key
        if not expected:
            return True
        header = self.headers.get("Authorization", "")
        bearer = header[7:].strip() if header.lower().startswith("bearer ") else None
        return expected in (params.get("api_key"), bearer)

    def _route(self, path: str, params: dict[str, str], hour: int) -> Any:
        if path == "/configuration":
            return configuration()
        if path == "/genre/movie/list":
            return genre_list()
        if path == "/movie/changes":
            return self._changes(params, hour)
        body = self._list(path, params, hour) if path in LIST_PATHS else self._entity(path, params, hour)
        if body is None:
            raise _ApiError("not_found")
        return body

    def _list(self, path: str, params: dict[str, str], hour: int) -> Any:
        catalogue = self.state.catalogue
        if path == "/movie/popular":
            return catalogue.list_page(catalogue.popular_ids(hour), hour, _page(params))
        if path == "/movie/top_rated":
            return catalogue.list_page(catalogue.top_rated_ids(hour), hour, _page(params))
        if path == "/movie/now_playing":
            low, high = catalogue.now_playing_window(hour)
            page = catalogue.list_page(catalogue.now_playing_ids(hour), hour, _page(params))
            return {"dates": {"maximum": high.isoformat(), "minimum": low.isoformat()}, **page}
        try:
            query = DiscoverQuery.from_params(params)
        except ValueError as exc:
            raise _ValidationError(str(exc)) from None
        return catalogue.list_page(catalogue.discover_ids(hour, query), hour, _page(params))

    def _entity(self, path: str, params: dict[str, str], hour: int) -> Any:
        """A movie's details (with its appended responses), a movie's review page, or a person; None if none."""
        catalogue = self.state.catalogue
        if match := _MOVIE.match(path):
            append = [name.strip() for name in params.get("append_to_response", "").split(",") if name.strip()]
            if len(append) > MAX_APPEND:
                raise _ApiError("too_many_appends")
            return catalogue.details(int(match.group(1)), hour, append)
        if match := _MOVIE_REVIEWS.match(path):
            return catalogue.reviews(int(match.group(1)), hour, _page(params))
        if match := _PERSON.match(path):
            return catalogue.person(int(match.group(1)), hour)
        return None

    def _changes(self, params: dict[str, str], hour: int) -> Any:
        today = date(1970, 1, 1) + timedelta(days=hour // 24)
        try:
            end = date.fromisoformat(params["end_date"]) if params.get("end_date") else today
            start = date.fromisoformat(params["start_date"]) if params.get("start_date") else end - timedelta(days=1)
        except ValueError:
            raise _ValidationError("start_date and end_date must be dates (YYYY-MM-DD)") from None
        if start > end or (end - start).days > MAX_CHANGES_DAYS:
            raise _ApiError("invalid_date_range")
        return self.state.catalogue.changes(start, end, _page(params), hour)


LIST_PATHS = ("/movie/popular", "/movie/top_rated", "/movie/now_playing", "/discover/movie")


def _page(params: dict[str, str]) -> int:
    raw = params.get("page", "1") or "1"
    try:
        page = int(raw)
    except ValueError:
        raise _ApiError("invalid_page") from None
    if not 1 <= page <= MAX_PAGE:
        raise _ApiError("invalid_page")
    return page


def _encode(payload: Any) -> bytes:
    # TMDB sends compact UTF-8 JSON with non-ASCII characters as they are.
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def make_server(config: SimulatorConfig, host: str = "127.0.0.1", port: int = 0) -> SimulatorServer:
    """A bound, not yet serving, simulator; ``port=0`` picks a free port."""
    return SimulatorServer((host, port), SimulatorState(config))


class RunningSimulator:
    """A simulator serving from a background thread of this process (tests and the benchmark)."""

    def __init__(self, config: SimulatorConfig, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = make_server(config, host, port)
        self.host, self.port = self.server.server_address[:2]
        self._thread = threading.Thread(target=self.server.serve_forever, name="tmdb-simulator", daemon=True)
        self._thread.start()
        log.info("TMDB simulator serving on %s", self.base_url)

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return self.root_url + API_PREFIX

    @property
    def files_url(self) -> str:
        """The file host's base URL, as ``TMDB_FILES_BASE_URL`` names ``https://files.tmdb.org``."""
        return self.root_url + FILES_PREFIX

    @property
    def state(self) -> SimulatorState:
        return self.server.state

    def stop(self) -> None:
        self.server.state.stopping.set()
        self.server.shutdown()
        self.server.server_close()
        with contextlib.suppress(RuntimeError):
            self._thread.join(timeout=5)

    def __enter__(self) -> RunningSimulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
