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
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
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
        self.concurrency = concurrency
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
        retrying = Retrying(
            sleep=self._sleep,
            stop=_budget(self.max_retries, self.max_rate_limited_retries),
            wait=self._wait,
            retry=retry_if_exception(_retryable),
            before_sleep=self._count_retry,
            reraise=True,
        )
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
