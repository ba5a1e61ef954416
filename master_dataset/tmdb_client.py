"""The one TMDB client of the ingestion: a single request path, one shared rate limit, bounded retries.

- Authentication: a v4 read access token (or a v3 key that is a JWT) goes in ``Authorization: Bearer``; a v3 key
  goes in the ``api_key`` parameter. Neither ever appears in a log line, an exception or a stored record:
  :func:`redact` scrubs them, and a filter on the ``httpx`` logger scrubs the URLs it logs.
- Rate limit: one :class:`RateLimiter` shared by every thread of the client spaces requests evenly at
  ``TMDB_RATE_LIMIT`` per second; a 429 pauses everyone for ``Retry-After`` and halves the rate, which then
  recovers step by step, so a storm slows the client down instead of losing requests.
- Retries: tenacity retries 429, 408, 5xx, timeouts, dropped connections and malformed bodies with exponential
  backoff and jitter, never sooner than ``Retry-After``; 401, 404 and other 4xx are final at once. 429s spend a
  budget of their own (``TMDB_MAX_RATE_LIMITED_RETRIES``), every other error ``TMDB_MAX_RETRIES``.
- Errors: :class:`TMDBError` and its subclasses carry the endpoint, HTTP status, TMDB ``status_code``, the number
  of attempts and the first bytes of the body.
- Concurrency: :meth:`TMDBClient.submit` runs requests on the client's thread pool (``TMDB_CONCURRENCY``), enough
  to reach the rate limit when latency is high (40 req/s at 150 ms needs about 6 in flight).
- The complete catalogue: :meth:`TMDBClient.download_export` fetches a day's ID export from the file host
  (``TMDB_FILES_BASE_URL``) into a local file, checking the gzip stream and every line as it arrives;
  :func:`read_export` then yields its entries one at a time. :meth:`TMDBClient.movie_changes` pages through
  ``/movie/changes`` over any window, in windows of at most 14 days, and records the pages that fail for good.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import zlib
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, wait_exponential_jitter

if TYPE_CHECKING:
    from config.settings import Settings

log = logging.getLogger(__name__)

BODY_HEAD_BYTES = 200
_API_KEY_PARAM = re.compile(r"(api_key=)[^&\s'\"]+", re.IGNORECASE)
_BEARER = re.compile(r"(Bearer\s+)[A-Za-z0-9._\-]+", re.IGNORECASE)
_RETRYABLE_STATUSES = frozenset({408, 500, 502, 503, 504})
FILES_BASE_URL = "https://files.tmdb.org"
EXPORT_DIRECTORY = "/p/exports/"
# TMDB publishes a day's export by 08:00 UTC.
EXPORT_PUBLISH_HOUR_UTC = 8
# /movie/changes takes windows of at most 14 days and, like every paged endpoint, pages 1 to 500.
MAX_CHANGES_DAYS = 14
MAX_PAGE = 500
_READ_BYTES = 1 << 20


# ---- errors ----------------------------------------------------------------------------------------------------


class TMDBError(Exception):
    """A TMDB request that did not produce a usable response."""

    reason = "error"

    def __init__(
        self,
        message: str,
        *,
        endpoint: str | None = None,
        path: str | None = None,
        status: int | None = None,
        tmdb_status_code: int | None = None,
        body_head: str = "",
        attempts: int = 1,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.endpoint = endpoint
        self.path = path
        self.status = status
        self.tmdb_status_code = tmdb_status_code
        self.body_head = body_head
        self.attempts = attempts
        # The answer's Retry-After in seconds, if it had one: the earliest moment a retry may go.
        self.retry_after = retry_after


class TMDBAuthError(TMDBError):
    """401: the key or token is wrong. Never retried: every other request would fail the same way."""

    reason = "auth"


class TMDBNotFound(TMDBError):
    reason = "not_found"


class TMDBBadRequest(TMDBError):
    """Another 4xx, such as a page above 500 (400, status_code 22) or a date range over 14 days (422)."""

    reason = "bad_request"


class TMDBRateLimited(TMDBError):
    """429 answers outlasted the rate-limit retry budget."""

    reason = "rate_limited"


class TMDBServerError(TMDBError):
    reason = "server_error"


class TMDBTransportError(TMDBError):
    """Timeouts, refused or dropped connections: no HTTP answer at all."""

    reason = "transport"


class TMDBMalformedResponse(TMDBError):
    """A 200 whose body is not JSON (an HTML error page, a truncated body)."""

    reason = "malformed"


class _ExportFileError(TMDBError):
    """An error about one daily export file, which it names."""

    def __init__(self, message: str, *, file_name: str, url: str, **details: Any) -> None:
        super().__init__(message, **details)
        self.file_name = file_name
        self.url = url


class TMDBExportMissing(_ExportFileError, TMDBNotFound):
    """The file host has no export for that day (404): not published yet, or older than its three months."""

    reason = "export_missing"


class TMDBExportCorrupt(_ExportFileError, TMDBMalformedResponse):
    """An export that is not a whole gzip stream of JSON lines: cut short, not gzip, or a line that is not JSON."""

    reason = "export_corrupt"


# ---- pure helpers --------------------------------------------------------------------------------------------


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` without any of ``secrets`` nor anything that looks like an ``api_key=`` value or a bearer token."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    text = _API_KEY_PARAM.sub(r"\1***", text)
    return _BEARER.sub(r"\1***", text)


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header: delay-seconds or an HTTP date; None when absent or unusable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return max(0.0, (moment - (now or datetime.now(UTC))).total_seconds())


def response_time(date_header: str | None) -> datetime:
    """When the response was produced: the server's ``Date`` header when present and valid, else local UTC now.

    TMDB's Date is the real time; the simulator's is its simulated clock, which keeps a simulated history honest.
    """
    if date_header:
        try:
            moment = parsedate_to_datetime(date_header)
        except (TypeError, ValueError):
            moment = None
        if moment is not None:
            return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)


def body_head(content: bytes, limit: int = BODY_HEAD_BYTES) -> str:
    return content[:limit].decode("utf-8", errors="replace")


def export_file_name(export_date: date) -> str:
    """The name of the movie ID export of a day on TMDB's file host: ``movie_ids_MM_DD_YYYY.json.gz``."""
    return f"movie_ids_{export_date:%m_%d_%Y}.json.gz"


def latest_export_date(moment: datetime) -> date:
    """The day of the newest export published at ``moment`` (use the API's clock, the ``Date`` header)."""
    utc = moment.astimezone(UTC)
    return utc.date() if utc.hour >= EXPORT_PUBLISH_HOUR_UTC else utc.date() - timedelta(days=1)


def change_windows(start_date: date, end_date: date, days: int = MAX_CHANGES_DAYS) -> list[tuple[date, date]]:
    """``start_date``..``end_date`` (days included) cut into consecutive windows of at most ``days`` days."""
    if end_date < start_date:
        raise ValueError(f"the change window ends ({end_date}) before it starts ({start_date})")
    windows = []
    while start_date <= end_date:
        last = min(end_date, start_date + timedelta(days=days - 1))
        windows.append((start_date, last))
        start_date = last + timedelta(days=1)
    return windows


# ---- rate limit and counters ---------------------------------------------------------------------------------


class RateLimiter:
    """Evenly spaced request slots shared by all threads, slowing down on 429 and remembering why.

    ``acquire`` reserves the next free slot (at least ``1/rate`` after the previous one) and sleeps until it, so a
    burst never happens, even after idling. ``penalize`` (a 429) moves every later slot past ``Retry-After``,
    halves the rate and sets a ceiling just under the rate that drew the 429 (once per pause, however many
    threads saw it). Each success adds back a twentieth of the target rate up to the ceiling, and lifts the
    ceiling a little, so the client settles just under the server's limit instead of hitting it again and again.
    """

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        floor_share: float = 0.05,
        recovery_steps: int = 20,
        ceiling_recovery_steps: int = 10000,
    ) -> None:
        if rate <= 0:
            raise ValueError(f"rate must be > 0, got {rate}")
        self.target = float(rate)
        self._rate = float(rate)
        self._ceiling = float(rate)
        self._clock = clock
        self._sleep = sleep
        self._floor = rate * floor_share
        self._step = rate / recovery_steps
        self._ceiling_step = rate / ceiling_recovery_steps
        self._next = clock()
        self._paused_until = float("-inf")
        self._lock = threading.Lock()

    @property
    def rate(self) -> float:
        with self._lock:
            return self._rate

    @property
    def ceiling(self) -> float:
        with self._lock:
            return self._ceiling

    def reserve(self) -> float:
        """The monotonic time of this caller's slot."""
        with self._lock:
            slot = max(self._clock(), self._next)
            self._next = slot + 1.0 / self._rate
            return slot

    def acquire(self) -> None:
        delay = self.reserve() - self._clock()
        if delay > 0:
            self._sleep(delay)

    def penalize(self, pause: float) -> None:
        with self._lock:
            now = self._clock()
            if now >= self._paused_until:
                self._ceiling = max(self._floor, self._rate * 0.9)
                self._rate = max(self._floor, self._rate / 2)
            self._paused_until = max(self._paused_until, now + pause)
            self._next = max(self._next, self._paused_until)

    def reward(self) -> None:
        with self._lock:
            self._ceiling = min(self.target, self._ceiling + self._ceiling_step)
            self._rate = min(self._ceiling, self._rate + self._step)


class ClientStats:
    """Thread-safe counters of what the client did: requests sent, statuses, 429s, retries, timing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self.first_sent: float | None = None
        self.last_done: float | None = None

    def add(self, key: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[key] += amount

    def sent(self) -> None:
        with self._lock:
            self._counts["requests"] += 1
            if self.first_sent is None:
                self.first_sent = time.monotonic()

    def done(self) -> None:
        with self._lock:
            self.last_done = time.monotonic()

    def __getitem__(self, key: str) -> int:
        with self._lock:
            return self._counts[key]

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            counts = dict(self._counts)
            active = (self.last_done - self.first_sent) if self.first_sent and self.last_done else 0.0
        requests = counts.get("requests", 0)
        return {
            "requests": requests,
            "rate_limited": counts.get("rate_limited", 0),
            "retries": counts.get("retries", 0),
            "statuses": {key[7:]: value for key, value in sorted(counts.items()) if key.startswith("status_")},
            "transport_errors": counts.get("transport_errors", 0),
            "malformed": counts.get("malformed", 0),
            "active_seconds": round(active, 3),
            "requests_per_second": round(requests / active, 3) if active > 0 else 0.0,
        }


class _RedactingFilter(logging.Filter):
    """httpx logs every request URL at INFO, api_key included; this filter scrubs it."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = secrets

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage(), self.secrets)
        record.args = ()
        return True


# ---- the daily ID export and the change feed -----------------------------------------------------------------


class _ExportDecoder:
    """Gzip bytes in, parsed export entries out, incrementally; every error names the file.

    Accepts a file of several gzip members (as ``gzip`` does); fails on bytes that are not gzip, on a stream that
    stops before its end marker (a truncated file), and on a line that is not a JSON object with an integer ``id``.
    """

    def __init__(self, file_name: str, source: str) -> None:
        self.file_name = file_name
        self.source = source
        self.compressed_bytes = 0
        self.lines = 0
        self._inflate: Any = None
        self._tail = b""

    def feed(self, data: bytes) -> list[dict[str, Any]]:
        self.compressed_bytes += len(data)
        text = b""
        while data:
            if self._inflate is None or self._inflate.eof:
                self._inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                text += self._inflate.decompress(data)
            except zlib.error as exc:
                raise self.corrupt(f"not a gzip stream at byte {self.compressed_bytes - len(data)} ({exc})") from None
            data = self._inflate.unused_data
        lines = (self._tail + text).split(b"\n")
        self._tail = lines.pop()
        return [self._parse(line) for line in lines if line.strip()]

    def finish(self) -> list[dict[str, Any]]:
        if self._inflate is None:
            raise self.corrupt("empty file")
        if not self._inflate.eof:
            raise self.corrupt(
                f"truncated: the gzip stream stops before its end after {self.compressed_bytes} bytes "
                f"and {self.lines} lines"
            )
        tail, self._tail = self._tail, b""
        return [self._parse(tail)] if tail.strip() else []

    def _parse(self, line: bytes) -> dict[str, Any]:
        self.lines += 1
        try:
            entry = json.loads(line)
        except ValueError as exc:
            raise self.corrupt(f"line {self.lines} is not JSON ({exc})") from None
        if not isinstance(entry, dict) or type(entry.get("id")) is not int:
            raise self.corrupt(f"line {self.lines} is not an entry with an integer id: {body_head(line, 80)!r}")
        return entry

    def corrupt(self, detail: str) -> TMDBExportCorrupt:
        return TMDBExportCorrupt(
            f"daily export {self.file_name} is corrupt ({self.source}): {detail}",
            file_name=self.file_name,
            url=self.source,
        )


def read_export(path: Path | str) -> Iterator[dict[str, Any]]:
    """The entries of a downloaded export, one at a time, in file order (a million-line file is never in memory).

    Raises :class:`TMDBExportCorrupt` naming the file if it is not a whole gzip stream of JSON lines.
    """
    path = Path(path)
    decoder = _ExportDecoder(path.name, str(path))
    with path.open("rb") as file:
        while block := file.read(_READ_BYTES):
            yield from decoder.feed(block)
    yield from decoder.finish()


@dataclass(frozen=True)
class ExportDownload:
    """A day's export, whole and checked, in a local file."""

    export_date: date
    file_name: str
    url: str
    path: Path
    size_bytes: int
    entries: int
    received_at: datetime
    attempts: int


@dataclass(frozen=True)
class FailedPage:
    """A change-feed page that failed for good (``page_cap``: pages past 500 of a single day, beyond TMDB's reach)."""

    start_date: date
    end_date: date
    page: int
    reason: str
    message: str
    status: int | None = None
    attempts: int = 1


@dataclass(frozen=True)
class _ChangePage:
    total_pages: int
    entries: list[tuple[int, bool]]

    @classmethod
    def of(cls, response: TMDBResponse) -> _ChangePage:
        """Raises AttributeError, KeyError, TypeError or ValueError when the body is not a change-feed page."""
        results = response.data["results"]
        entries = [(int(entry["id"]), bool(entry.get("adult", False))) for entry in results]
        return cls(int(response.data.get("total_pages") or 1), entries)


@dataclass
class ChangeFeed:
    """What ``/movie/changes`` said for a window: the changed ids (with their ``adult`` flag) and what failed."""

    start_date: date
    end_date: date
    changed: dict[int, bool] = field(default_factory=dict)
    windows: list[tuple[date, date]] = field(default_factory=list)
    pages: int = 0
    failed_pages: list[FailedPage] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """True when every page of every window was read: the ids are all the movies that changed."""
        return not self.failed_pages


# ---- the client ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TMDBResponse:
    """A successful response: the body exactly as received, parsed, and when the server produced it."""

    endpoint: str
    path: str
    params: Mapping[str, str]
    status: int
    text: str
    data: Any
    received_at: datetime
    attempts: int


class TMDBClient:
    """Thread-safe TMDB v3 client with one rate limit, bounded retries and typed errors."""

    def __init__(
        self,
        base_url: str,
        *,
        files_base_url: str = FILES_BASE_URL,
        api_key: str | None = None,
        read_token: str | None = None,
        rate_limit: float = 4.0,
        concurrency: int = 16,
        timeout: float = 10.0,
        connect_timeout: float = 5.0,
        max_retries: int = 5,
        max_rate_limited_retries: int = 30,
        backoff: float = 0.5,
        backoff_max: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.files_base_url = files_base_url.rstrip("/")
        self.concurrency = concurrency
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_rate_limited_retries = max_rate_limited_retries
        self.backoff = backoff
        self.backoff_max = backoff_max
        self._backoff = wait_exponential_jitter(multiplier=backoff, max=backoff_max, jitter=backoff)
        self._sleep = sleep
        self.limiter = RateLimiter(rate_limit)
        self.stats = ClientStats()
        self._secrets = [secret for secret in (api_key, read_token) if secret]
        headers = {"Accept": "application/json", "User-Agent": "tmdb-batch-layer/0.1"}
        self._auth_params: dict[str, str] = {}
        bearer = read_token or (api_key if api_key and _looks_like_jwt(api_key) else None)
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        elif api_key:
            self._auth_params["api_key"] = api_key
        self._http = httpx.Client(
            base_url=self.base_url,
            headers=headers,
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
            transport=transport,
        )
        # The file host is public: no key, no token, and not the API's rate limit (it is a CDN, which may redirect).
        self._files = httpx.Client(
            headers={"User-Agent": headers["User-Agent"]},
            timeout=httpx.Timeout(timeout, connect=connect_timeout),
            follow_redirects=True,
            transport=transport,
        )
        self._executor = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="tmdb")
        self._log_filter = _RedactingFilter(self._secrets)
        logging.getLogger("httpx").addFilter(self._log_filter)

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: Any) -> TMDBClient:
        def secret(value: Any) -> str | None:
            return value.get_secret_value() if value is not None else None

        values: dict[str, Any] = {
            "api_key": secret(settings.tmdb_api_key),
            "read_token": secret(settings.tmdb_read_access_token),
            "rate_limit": settings.tmdb_rate_limit,
            "concurrency": settings.tmdb_concurrency,
            "timeout": settings.tmdb_timeout_seconds,
            "connect_timeout": settings.tmdb_connect_timeout_seconds,
            "max_retries": settings.tmdb_max_retries,
            "max_rate_limited_retries": settings.tmdb_max_rate_limited_retries,
            "backoff": settings.tmdb_backoff_seconds,
            "backoff_max": settings.tmdb_backoff_max_seconds,
            "files_base_url": settings.tmdb_effective_files_base_url,
        }
        return cls(settings.tmdb_effective_base_url, **{**values, **overrides})

    def redact(self, text: str) -> str:
        return redact(text, self._secrets)

    def submit(self, endpoint: str, params: Mapping[str, Any] | None = None, **path_params: Any) -> Future:
        """Runs :meth:`get` on the client's thread pool; the future holds a TMDBResponse or a TMDBError."""
        return self._executor.submit(self.get, endpoint, params, **path_params)

    def get(self, endpoint: str, params: Mapping[str, Any] | None = None, **path_params: Any) -> TMDBResponse:
        """GET ``endpoint`` (a path template such as ``/movie/{id}``), retrying what is worth retrying.

        Raises a :class:`TMDBError` subclass once the answer is final.
        """
        path = endpoint.format(**path_params)
        query = {key: str(value) for key, value in (params or {}).items()}
        described = f"GET {path}" + (f"?{'&'.join(f'{k}={v}' for k, v in query.items())}" if query else "")
        retrying = self._retrying()
        try:
            response, data = retrying(self._send, endpoint, path, query, described)
        except TMDBError as error:
            self._final(error, retrying.statistics["attempt_number"])
            raise
        self.stats.done()
        return TMDBResponse(
            endpoint=endpoint,
            path=path,
            params=query,
            status=response.status_code,
            text=response.content.decode("utf-8", errors="replace"),
            data=data,
            received_at=response_time(response.headers.get("Date")),
            attempts=retrying.statistics["attempt_number"],
        )

    def _send(self, endpoint: str, path: str, query: dict[str, str], described: str) -> tuple[httpx.Response, Any]:
        """One attempt: a slot from the rate limit, one GET, the parsed body or a typed error."""
        self.limiter.acquire()
        self.stats.sent()
        try:
            response = self._http.get(path, params={**query, **self._auth_params})
        except httpx.TimeoutException as exc:
            self.stats.add("transport_errors")
            # from None: httpx's exception may carry the request, api_key included.
            raise TMDBTransportError(
                f"{described}: timed out ({type(exc).__name__})", endpoint=endpoint, path=path
            ) from None
        except httpx.TransportError as exc:
            self.stats.add("transport_errors")
            raise TMDBTransportError(
                f"{described}: connection failed ({type(exc).__name__}: {self.redact(str(exc)) or 'no detail'})",
                endpoint=endpoint,
                path=path,
            ) from None
        status = response.status_code
        self.stats.add(f"status_{status}")
        if status != 200:
            error = self._status_error(response, endpoint, path, described)
            if status == 429:
                self.stats.add("rate_limited")
                pause = error.retry_after if error.retry_after is not None else min(1.0, self.backoff_max)
                self.limiter.penalize(pause)
                log.debug("%s: 429; all pause %.1f s, rate now %.2f/s", described, pause, self.limiter.rate)
            raise error
        try:
            data = json.loads(response.content)
        except ValueError as exc:
            self.stats.add("malformed")
            raise TMDBMalformedResponse(
                f"{described}: body is not valid JSON ({exc})",
                endpoint=endpoint,
                path=path,
                status=status,
                body_head=body_head(response.content),
            ) from None
        self.limiter.reward()
        return response, data

    def _retrying(self) -> Retrying:
        return Retrying(
            sleep=self._sleep,
            stop=_budget(self.max_retries, self.max_rate_limited_retries),
            wait=self._wait,
            retry=retry_if_exception(_retryable),
            before_sleep=self._count_retry,
            reraise=True,
        )

    # ---- the daily ID export ---------------------------------------------------------------------------------

    def download_export(self, export_date: date, directory: Path | str) -> ExportDownload:
        """Downloads ``export_date``'s movie ID export into ``directory``, checked, with the client's retries.

        The bytes go to ``<file>.part`` while a decompressor checks them as they arrive (gzip intact, every line a
        JSON object with an integer id); only a whole, valid file is renamed to ``movie_ids_MM_DD_YYYY.json.gz``,
        replacing one already there. A missing file raises :class:`TMDBExportMissing` at once (404 is final); a
        truncated or corrupt one is fetched again (5xx, timeouts and dropped connections too) and then raises
        :class:`TMDBExportCorrupt`. Every error names the file; nothing of a failed attempt is left behind.
        Read the result with :func:`read_export`.
        """
        file_name = export_file_name(export_date)
        url = f"{self.files_base_url}{EXPORT_DIRECTORY}{file_name}"
        target = Path(directory) / file_name
        partial = target.with_name(file_name + ".part")
        target.parent.mkdir(parents=True, exist_ok=True)
        retrying = self._retrying()
        started = time.monotonic()
        try:
            response, entries = retrying(self._download_once, file_name, url, partial)
        except TMDBError as error:
            partial.unlink(missing_ok=True)
            self._final(error, retrying.statistics["attempt_number"])
            raise
        partial.replace(target)
        self.stats.done()
        download = ExportDownload(
            export_date=export_date,
            file_name=file_name,
            url=url,
            path=target,
            size_bytes=target.stat().st_size,
            entries=entries,
            received_at=response_time(response.headers.get("Date")),
            attempts=retrying.statistics["attempt_number"],
        )
        log.info(
            "daily export %s: %d entries, %d bytes in %.1f s (%d attempts) -> %s",
            file_name,
            entries,
            download.size_bytes,
            time.monotonic() - started,
            download.attempts,
            target,
        )
        return download

    def _download_once(self, file_name: str, url: str, partial: Path) -> tuple[httpx.Response, int]:
        """One attempt: stream the file to ``partial``, checking it on the way; the response and its entry count."""
        described = f"GET {url}"
        decoder = _ExportDecoder(file_name, url)
        entries = 0
        self.stats.sent()
        try:
            with self._files.stream("GET", url) as response, partial.open("wb") as out:
                status = response.status_code
                self.stats.add(f"status_{status}")
                if status != 200:
                    response.read()
                    raise self._export_status_error(response, file_name, url, described)
                # Raw bytes: a host that adds Content-Encoding: gzip must not get the file decompressed twice.
                for data in response.iter_raw():
                    out.write(data)
                    entries += len(decoder.feed(data))
                entries += len(decoder.finish())
        except TMDBExportCorrupt:
            self.stats.add("malformed")
            raise
        except httpx.TimeoutException as exc:
            self.stats.add("transport_errors")
            raise TMDBTransportError(
                f"daily export {file_name}: {described} timed out ({type(exc).__name__}) after "
                f"{decoder.compressed_bytes} bytes",
                endpoint=EXPORT_DIRECTORY,
                path=url,
            ) from None
        except httpx.TransportError as exc:
            self.stats.add("transport_errors")
            raise TMDBTransportError(
                f"daily export {file_name}: {described} failed after {decoder.compressed_bytes} bytes "
                f"({type(exc).__name__}: {self.redact(str(exc)) or 'no detail'})",
                endpoint=EXPORT_DIRECTORY,
                path=url,
            ) from None
        return response, entries

    def _export_status_error(self, response: httpx.Response, file_name: str, url: str, described: str) -> TMDBError:
        if response.status_code == 404:
            return TMDBExportMissing(
                f"daily export {file_name} is missing: {url} answered HTTP 404 (not published yet, or older than "
                "the three months TMDB keeps)",
                file_name=file_name,
                url=url,
                endpoint=EXPORT_DIRECTORY,
                path=url,
                status=404,
                body_head=body_head(response.content),
            )
        error = self._status_error(response, EXPORT_DIRECTORY, url, described)
        error.args = (f"daily export {file_name}: {error.args[0]}",)
        return error

    # ---- the change feed -------------------------------------------------------------------------------------

    def movie_changes(self, start_date: date, end_date: date) -> ChangeFeed:
        """The ids ``/movie/changes`` lists from ``start_date`` to ``end_date`` (days included), and what failed.

        The window is cut into windows of at most 14 days; a window with more than 500 pages is halved until it
        fits (a single day past 500 pages is recorded as a ``page_cap`` failure). Each page is retried with the
        client's policy; one that still fails is recorded in ``failed_pages`` and the rest carries on, so the
        result says what was fetched and what was not (``complete``). A bad key raises, as everywhere.
        """
        feed = ChangeFeed(start_date, end_date)
        pending = deque(change_windows(start_date, end_date))
        while pending:
            window = pending.popleft()
            first = self._change_page(window, 1)
            if isinstance(first, FailedPage):
                feed.failed_pages.append(first)
                continue
            if first.total_pages > MAX_PAGE and window[0] < window[1]:
                middle = window[0] + (window[1] - window[0]) // 2
                pending.extendleft([(middle + timedelta(days=1), window[1]), (window[0], middle)])
                continue
            feed.windows.append(window)
            last = min(first.total_pages, MAX_PAGE)
            futures = [self._executor.submit(self._change_page, window, page) for page in range(2, last + 1)]
            for page in [first, *(future.result() for future in futures)]:
                if isinstance(page, FailedPage):
                    feed.failed_pages.append(page)
                else:
                    feed.pages += 1
                    feed.changed.update(page.entries)
            if first.total_pages > MAX_PAGE:
                message = f"{first.total_pages} pages for one day; TMDB serves pages 1 to {MAX_PAGE}"
                feed.failed_pages.append(FailedPage(*window, page=MAX_PAGE + 1, reason="page_cap", message=message))
        log.info(
            "change feed %s..%s: %d movies from %d pages in %d windows, %d pages failed",
            start_date,
            end_date,
            len(feed.changed),
            feed.pages,
            len(feed.windows),
            len(feed.failed_pages),
        )
        return feed

    def _change_page(self, window: tuple[date, date], page: int) -> _ChangePage | FailedPage:
        """One page of a window, retried by :meth:`get`; a final failure becomes a :class:`FailedPage`."""
        params = {"start_date": window[0].isoformat(), "end_date": window[1].isoformat(), "page": page}
        try:
            return _ChangePage.of(self.get("/movie/changes", params))
        except TMDBAuthError:
            raise
        except TMDBError as error:
            log.warning("change feed %s..%s page %d failed: %s", *window, page, error)
            return FailedPage(*window, page, error.reason, str(error), error.status, error.attempts)
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            message = f"GET /movie/changes {params}: unexpected body ({type(exc).__name__}: {exc})"
            return FailedPage(*window, page, TMDBMalformedResponse.reason, message)

    def _wait(self, state: RetryCallState) -> float:
        """Exponential backoff with jitter, never shorter than Retry-After.

        A 429 waits for nothing here: :meth:`RateLimiter.penalize` already holds every thread's next slot
        until its Retry-After.
        """
        error = _failure(state)
        if isinstance(error, TMDBRateLimited):
            return 0.0
        return max(self._backoff(state), error.retry_after or 0.0)

    def _count_retry(self, state: RetryCallState) -> None:
        self.stats.add("retries")
        log.debug("%s; retry %d in %.2f s", _failure(state), state.attempt_number, state.upcoming_sleep)

    def _status_error(self, response: httpx.Response, endpoint: str, path: str, described: str) -> TMDBError:
        status = response.status_code
        tmdb_code, message = _tmdb_error_fields(response.content)
        detail = f"HTTP {status}" + (f", status_code {tmdb_code}" if tmdb_code is not None else "")
        detail += f": {message}" if message else ""
        kind: type[TMDBError]
        if status == 401:
            kind = TMDBAuthError
            text = (
                f"TMDB rejected the credentials ({detail}) for {described}. "
                "Check TMDB_API_KEY (a v3 key or a v4 read access token) or TMDB_READ_ACCESS_TOKEN."
            )
        elif status == 404:
            kind, text = TMDBNotFound, f"{described}: not found ({detail})"
        elif status == 429:
            kind, text = TMDBRateLimited, f"{described}: rate limited ({detail})"
        elif status >= 500 or status == 408:
            kind, text = TMDBServerError, f"{described}: server error ({detail})"
        else:
            kind, text = TMDBBadRequest, f"{described}: rejected ({detail})"
        return kind(
            self.redact(text),
            endpoint=endpoint,
            path=path,
            status=status,
            tmdb_status_code=tmdb_code,
            body_head=body_head(response.content),
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )

    def _final(self, error: TMDBError, attempts: int) -> None:
        error.attempts = attempts
        if attempts > 1:
            error.args = (f"{error.args[0]} (after {attempts} attempts)",)
        self.stats.done()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._http.close()
        self._files.close()
        logging.getLogger("httpx").removeFilter(self._log_filter)

    def __enter__(self) -> TMDBClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _failure(state: RetryCallState) -> TMDBError:
    assert state.outcome is not None
    return state.outcome.exception()  # type: ignore[return-value]


def _retryable(error: BaseException) -> bool:
    """429, 408, 500, 502, 503, 504, no answer at all, or a body that is not JSON: worth another try."""
    if isinstance(error, TMDBRateLimited | TMDBTransportError | TMDBMalformedResponse):
        return True
    return isinstance(error, TMDBServerError) and error.status in _RETRYABLE_STATUSES


def _budget(retries: int, rate_limited_retries: int) -> Callable[[RetryCallState], bool]:
    """tenacity's stop for one request: after ``retries`` errors, or after ``rate_limited_retries`` 429s.

    429s have a budget of their own so that a storm slows the client down instead of failing requests.
    """
    budgets = {"rate_limited": rate_limited_retries, "errors": retries}
    spent: Counter[str] = Counter()

    def stop(state: RetryCallState) -> bool:
        kind = "rate_limited" if isinstance(_failure(state), TMDBRateLimited) else "errors"
        spent[kind] += 1
        return spent[kind] > budgets[kind]

    return stop


def _looks_like_jwt(value: str) -> bool:
    return value.startswith("eyJ") and value.count(".") == 2


def _tmdb_error_fields(content: bytes) -> tuple[int | None, str | None]:
    """TMDB's ``status_code`` and ``status_message`` (or its ``errors`` list) from an error body, if any."""
    try:
        payload = json.loads(content)
    except ValueError:
        return None, None
    if not isinstance(payload, dict):
        return None, None
    code = payload.get("status_code")
    message = payload.get("status_message")
    if message is None and isinstance(payload.get("errors"), list):
        message = "; ".join(str(item) for item in payload["errors"])
    return (code if isinstance(code, int) else None), message
