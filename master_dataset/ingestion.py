"""Extraction of one logical hour from TMDB into Bronze records, its validation and its run record.

This module talks to TMDB and builds records; it never touches the lake (``spark_jobs/bronze/run.py`` stages,
stores and reads through Spark). The steps of a run, in the order of the ingestion DAG:

1. ``check_api_health``: one cheap call (``/configuration``) that fails fast on a bad key or an unreachable API,
   and reads the server's clock, which decides between a live run and a backfill (:func:`plan_run`).
2. ``extract_movies``: a live run reads ``TMDB_PAGES`` pages of popular, top_rated and now_playing, every entry
   kept with its list and rank (the run's observation of popularity and votes); a backfill reads
   ``/discover/movie`` for the release days of its interval instead. Details (credits, reviews and keywords
   appended: one call a movie) are fetched only for movies that are new or whose last details are older than
   ``TMDB_DETAILS_MAX_AGE_HOURS``, and are requested as soon as a list page names them.
3. ``extract_reviews``: review pages 2.. of the movies whose details were fetched, up to ``TMDB_REVIEW_PAGES_CAP``.
4. ``extract_people``: ``/person/{id}`` for the top-billed ``TMDB_TOP_CAST`` of those movies, when new or stale.
5. ``validate_extraction``: expected against fetched per endpoint; fails past ``TMDB_FAILURE_SHARE``.
6. ``update_metadata``: the run record (``metadata/ingestion_runs/batch_run_id=.../run.json``).

Every record's ``extraction_timestamp`` is the time the server stamped on its response, so nothing is ever
recorded as observed at a time it was not.
"""

from __future__ import annotations

import contextlib
import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, wait
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from master_dataset import schema
from master_dataset.partitioning import LogicalHour
from master_dataset.tmdb_client import (
    BODY_HEAD_BYTES,
    TMDBAuthError,
    TMDBClient,
    TMDBError,
    TMDBResponse,
    TMDBTransportError,
)

if TYPE_CHECKING:
    from spark_jobs.utils.lake import LakeFiles, LakePaths

log = logging.getLogger(__name__)

LIST_PAGE_SIZE = 20
MAX_PAGE = 500
LIVE_LISTS = ("popular", "top_rated", "now_playing")
STEPS = ("extract-movies", "extract-reviews", "extract-people")
RUN_RECORD = "ingestion_runs"
Mode = Literal["live", "backfill"]


class ExtractionFailed(RuntimeError):
    """The extraction is not complete enough to publish; ``report`` says per endpoint what is missing and why."""

    def __init__(self, message: str, report: dict[str, Any]) -> None:
        super().__init__(message)
        self.report = report


# ---- records -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BronzeRecord:
    """One bronze row before its partition columns: a response (or a list entry) exactly as received."""

    api_endpoint: str
    movie_id: int
    source_list: str | None
    list_rank: int | None
    extraction_timestamp: datetime
    raw_json: str

    def as_row(self, batch_run_id: str) -> tuple:
        """The row in the column order of ``schema.BRONZE_RECORD_SCHEMA``."""
        return (
            self.movie_id,
            self.raw_json,
            self.api_endpoint,
            self.extraction_timestamp,
            self.source_list,
            self.list_rank,
            batch_run_id,
        )

    @classmethod
    def details(cls, response: TMDBResponse) -> BronzeRecord:
        """A movie's details response (``/movie/{id}`` with its appended parts) as received."""
        movie_id = int(response.data["id"])
        return cls(schema.MOVIE_DETAILS, movie_id, None, None, response.received_at, response.text)

    def sort_key(self) -> tuple:
        """A stable order for staging, so that a re-run writes the same rows in the same order."""
        return (self.api_endpoint, self.source_list or "", self.list_rank or 0, self.movie_id, self.raw_json)


@dataclass(frozen=True)
class Failure:
    """A request that produced no record, with enough to understand why without the logs."""

    endpoint: str
    key: str
    reason: str
    message: str
    status: int | None = None
    body_head: str = ""
    attempts: int = 1

    @classmethod
    def of(cls, error: TMDBError, endpoint: str, key: str) -> Failure:
        return cls(
            endpoint=endpoint,
            key=key,
            reason=error.reason,
            message=str(error),
            status=error.status,
            body_head=error.body_head,
            attempts=error.attempts,
        )


@dataclass
class Tally:
    expected: int = 0
    fetched: int = 0
    failed: int = 0


@dataclass
class StepResult:
    """What one extraction step fetched: records per bronze dataset, tallies per endpoint, failures, counters."""

    step: str
    records: dict[str, list[BronzeRecord]] = field(default_factory=dict)
    tallies: dict[str, Tally] = field(default_factory=dict)
    failures: list[Failure] = field(default_factory=list)
    client: dict[str, Any] = field(default_factory=dict)
    info: dict[str, Any] = field(default_factory=dict)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    duration_seconds: float = 0.0

    def summary(self) -> dict[str, Any]:
        """JSON-ready, without the records: what the later steps and the run record need."""
        return {
            "step": self.step,
            "started_at": self.started_at.isoformat(),
            "duration_seconds": round(self.duration_seconds, 3),
            "rows": {dataset: len(records) for dataset, records in sorted(self.records.items())},
            "endpoints": {name: asdict(tally) for name, tally in sorted(self.tallies.items())},
            "failures": [asdict(failure) for failure in self.failures],
            "client": self.client,
            **self.info,
        }


# ---- planning (pure) -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RunPlan:
    """What a run of a logical hour fetches, decided from the server's clock."""

    hour: LogicalHour
    server_time: datetime
    mode: Mode
    release_days: tuple[date, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "logical_hour": self.hour.iso,
            "server_time": self.server_time.isoformat(),
            "mode": self.mode,
            "release_days": [day.isoformat() for day in self.release_days],
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> RunPlan:
        return cls(
            hour=LogicalHour.parse(values["logical_hour"]),
            server_time=datetime.fromisoformat(values["server_time"]),
            mode=values["mode"],
            release_days=tuple(date.fromisoformat(day) for day in values["release_days"]),
        )


def release_days(hour: LogicalHour, interval_hours: int) -> tuple[date, ...]:
    """The UTC days whose midnight falls in the run's data interval ``[hour - interval, hour)``.

    Every day belongs to exactly one run of a schedule, so a backfill over a range discovers each release day once.
    """
    end = hour.start
    start = end - timedelta(hours=interval_hours)
    first = start.date() if start.time() == datetime.min.time() else start.date() + timedelta(days=1)
    days = []
    day = first
    while datetime(day.year, day.month, day.day, tzinfo=UTC) < end:
        days.append(day)
        day += timedelta(days=1)
    return tuple(days)


def plan_run(hour: LogicalHour, server_time: datetime, interval_hours: int) -> RunPlan:
    """A live run observes the lists now; a run for an hour older than one interval is a backfill.

    TMDB only shows the present: reading today's popular list into a partition of last month would record today's
    popularity as if observed then. A backfill therefore reads ``/discover/movie`` for the movies released in its
    interval, and stamps what it fetches with the server's (present) time.
    """
    if server_time - hour.start > timedelta(hours=interval_hours):
        return RunPlan(hour, server_time, "backfill", release_days(hour, interval_hours))
    if hour.start - server_time > timedelta(hours=1):
        log.warning("logical hour %s is ahead of the API clock %s", hour.iso, server_time.isoformat())
    return RunPlan(hour, server_time, "live")


def needs_fetch(entity_id: int, last_fetched: datetime | None, now: datetime, max_age_hours: float) -> bool:
    """True when an entity was never fetched or its last fetch is older than its (jittered) maximum age.

    The age is spread by ±25 % per id, deterministically, so that the movies a first run fetched together do
    not all go stale in the same later run.
    """
    if last_fetched is None:
        return True
    jitter = 0.75 + 0.5 * (((entity_id * 2654435761) & 0xFFFFFFFF) / 0xFFFFFFFF)
    return now - last_fetched >= timedelta(hours=max_age_hours * jitter)


def list_rank(page: int, index: int) -> int:
    """The 1-based rank of the ``index``-th entry of ``page`` across a list's pages."""
    return (page - 1) * LIST_PAGE_SIZE + index + 1


def entry_json(entry: Mapping[str, Any]) -> str:
    """A list entry as compact JSON (the list response holds many entries; each row keeps its own)."""
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


# ---- health --------------------------------------------------------------------------------------------------


def check_api_health(client: TMDBClient) -> datetime:
    """Verifies that TMDB answers with these credentials; returns the server's clock.

    A bad key raises :class:`TMDBAuthError` at once (naming ``TMDB_API_KEY``); an unreachable API raises
    :class:`TMDBTransportError` after the client's bounded retries.
    """
    try:
        response = client.get("/configuration")
    except TMDBTransportError as exc:
        raise TMDBTransportError(
            f"TMDB API unreachable at {client.base_url}: {exc}. Check the network, or TMDB_BASE_URL.",
            endpoint="/configuration",
            attempts=exc.attempts,
        ) from exc
    log.info("TMDB API healthy at %s; server time %s", client.base_url, response.received_at.isoformat())
    return response.received_at


# ---- the request loop ----------------------------------------------------------------------------------------


Handler = Callable[[TMDBResponse], None]


class Extraction:
    """Runs a step's requests on the client's pool; handlers (which may queue more) run on the calling thread.

    A bad key stops everything at once. So does a run of consecutive transport failures (the network or the API
    is down): retrying the remaining thousand requests one by one would only delay the same answer.
    """

    def __init__(
        self,
        client: TMDBClient,
        result: StepResult,
        progress_interval: float,
        *,
        total: int | None = None,
        flush: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.client = client
        self.result = result
        self.progress_interval = progress_interval
        # A long step knows its total in advance (its requests are fed as they go) and keeps what it fetched
        # with ``flush`` at every progress interval and when it stops, whatever stops it.
        self.total = total
        self.flush = flush
        self._pending: dict[Future, tuple[str, str, Handler]] = {}
        # Futures report themselves here when done: O(1) per completion, however many thousands are queued.
        self._done: queue.SimpleQueue[Future] = queue.SimpleQueue()
        self._consecutive_transport_failures = 0
        self._transport_failure_limit = max(10, 2 * client.concurrency)

    def request(
        self, endpoint: str, key: str, handler: Handler, params: Mapping[str, Any] | None = None, **path: Any
    ) -> None:
        self.result.tallies.setdefault(endpoint, Tally()).expected += 1
        future = self.client.submit(endpoint, params, **path)
        self._pending[future] = (endpoint, key, handler)
        future.add_done_callback(self._done.put)

    def run(self, more: Iterable[Callable[[], None]] = (), max_pending: int = 0) -> None:
        """Settles every request; ``more`` (calls that each queue one request) is fed as the pending ones fall
        under ``max_pending``, so a million requests never wait in memory at once."""
        started = time.monotonic()
        stop = threading.Event()
        reporter = threading.Thread(target=self._report, args=(stop, started), name="progress", daemon=True)
        reporter.start()
        feed = iter(more)
        fed_all = max_pending <= 0
        flushed_at = started
        try:
            while True:
                while not fed_all and len(self._pending) < max_pending:
                    queue_one = next(feed, None)
                    if queue_one is None:
                        fed_all = True
                    else:
                        queue_one()
                if not self._pending:
                    break
                future = self._done.get()
                endpoint, key, handler = self._pending.pop(future)
                self._settle(future, endpoint, key, handler)
                if self.flush and time.monotonic() - flushed_at >= self.progress_interval:
                    self.flush(self.progress(started))
                    flushed_at = time.monotonic()
        except BaseException:
            self._salvage()
            raise
        finally:
            stop.set()
            reporter.join()
            self.result.duration_seconds += time.monotonic() - started
            self.result.client = self.client.stats.snapshot()
            if self.flush:
                self.flush(self.progress(started))
            self._log_progress(started, final=True)

    def _salvage(self) -> None:
        """The step stops: requests not sent yet are cancelled, those in flight awaited and what they brought
        handled, so that the flush keeps every answer received and a resumed run asks for none of them again."""
        for future in self._pending:
            future.cancel()
        wait(list(self._pending), timeout=self.client.timeout * 2)
        for future, (_endpoint, _key, handler) in list(self._pending.items()):
            if future.done() and not future.cancelled() and future.exception() is None:
                with contextlib.suppress(KeyError, TypeError, ValueError, AttributeError):
                    handler(future.result())
        self._pending.clear()

    def _settle(self, future: Future, endpoint: str, key: str, handler: Handler) -> None:
        tally = self.result.tallies[endpoint]
        try:
            response = future.result()
        except TMDBAuthError:
            raise
        except TMDBError as error:
            tally.failed += 1
            self.result.failures.append(Failure.of(error, endpoint, key))
            log.warning("%s %s failed: %s", endpoint, key, error)
            if isinstance(error, TMDBTransportError):
                self._consecutive_transport_failures += 1
                if self._consecutive_transport_failures >= self._transport_failure_limit:
                    raise TMDBTransportError(
                        f"TMDB unreachable: {self._consecutive_transport_failures} requests in a row failed "
                        f"without an answer, the last: {error}",
                        endpoint=endpoint,
                    ) from error
            return
        self._consecutive_transport_failures = 0
        try:
            handler(response)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            # Valid JSON of the wrong shape (no id, no results list) is as unusable as invalid JSON.
            tally.failed += 1
            failure = Failure(
                endpoint=endpoint,
                key=key,
                reason="malformed",
                message=f"{response.path}: unexpected payload ({type(exc).__name__}: {exc})",
                status=response.status,
                body_head=response.text.encode("utf-8")[:BODY_HEAD_BYTES].decode("utf-8", errors="replace"),
                attempts=response.attempts,
            )
            self.result.failures.append(failure)
            log.warning("%s %s failed: %s", endpoint, key, failure.message)
            return
        tally.fetched += 1

    def _report(self, stop: threading.Event, started: float) -> None:
        while not stop.wait(self.progress_interval):
            self._log_progress(started)

    def progress(self, started: float) -> dict[str, Any]:
        """Requests settled against the total, the rate, the time left at that rate, failures and 429s."""
        tallies = list(self.result.tallies.values())
        settled = sum(t.fetched + t.failed for t in tallies)
        total = self.total if self.total is not None else sum(t.expected for t in tallies)
        elapsed = max(time.monotonic() - started, 1e-9)
        rate = settled / elapsed
        return {
            "step": self.result.step,
            "done": settled,
            "total": total,
            "requests_per_second": round(rate, 2),
            "eta_seconds": round((total - settled) / rate) if rate > 0 and total >= settled else None,
            "failed": sum(t.failed for t in tallies),
            "rate_limited": self.client.stats["rate_limited"],
            "retries": self.client.stats["retries"],
            "elapsed_seconds": round(elapsed, 1),
        }

    def _log_progress(self, started: float, final: bool = False) -> None:
        p = self.progress(started)
        eta = f"ETA {p['eta_seconds']} s" if p["eta_seconds"] is not None else "ETA unknown"
        log.info(
            "%s %s: %d/%d done, %.1f req/s, %s, %d failed, %d rate-limited (429), %d retries, %.0f s",
            p["step"],
            "finished" if final else "progress",
            p["done"],
            p["total"],
            p["requests_per_second"],
            eta,
            p["failed"],
            p["rate_limited"],
            p["retries"],
            p["elapsed_seconds"],
        )


# ---- steps ---------------------------------------------------------------------------------------------------


def list_sources(plan: RunPlan) -> dict[str, dict[str, Any]]:
    """The lists a run reads, with their query parameters: the live lists now, or discover over the release
    days of a backfilled hour."""
    if plan.mode == "live":
        return {source: {} for source in LIVE_LISTS}
    if not plan.release_days:
        log.info("backfill of %s: no release day starts in its interval; nothing to fetch", plan.hour)
        return {}
    return {
        "discover": {
            "primary_release_date.gte": plan.release_days[0].isoformat(),
            "primary_release_date.lte": plan.release_days[-1].isoformat(),
            "sort_by": "popularity.desc",
            "include_adult": "false",
        }
    }


def extract_movies(
    client: TMDBClient,
    plan: RunPlan,
    *,
    pages: int,
    known_details: Mapping[int, datetime] | Callable[[set[int]], Mapping[int, datetime]],
    details_max_age_hours: float,
    progress_interval: float = 10.0,
    result: StepResult | None = None,
) -> StepResult:
    """List pages (or discover pages in a backfill) and the details of new or stale movies, as bronze records.

    Details are requested once every page is read. ``known_details`` says when each movie's details were last
    fetched: a mapping, or a function asked once about the listed movies only (a catalogue of a million movies
    is not loaded to decide about a thousand). ``result`` continues a step that fetched something already (the
    catalogue's part).
    """
    last_fetched = known_details if callable(known_details) else lambda _ids: known_details
    result = result or StepResult("extract-movies")
    records = result.records.setdefault("movies", [])
    extraction = Extraction(client, result, progress_interval)
    seen: set[int] = set()
    skipped_fresh = 0

    def on_details(response: TMDBResponse) -> None:
        records.append(BronzeRecord.details(response))

    def on_entries(source: str, endpoint: str, page: int, response: TMDBResponse) -> None:
        # Read the whole page before keeping any of it: a page with a broken entry is rejected as a whole.
        entries = [(int(entry["id"]), entry_json(entry)) for entry in response.data["results"]]
        for index, (movie_id, raw) in enumerate(entries):
            records.append(BronzeRecord(endpoint, movie_id, source, list_rank(page, index), response.received_at, raw))
            seen.add(movie_id)

    def list_handler(source: str, endpoint: str, page: int, params: Mapping[str, Any]) -> Handler:
        def handle(response: TMDBResponse) -> None:
            if page == 1:
                # TMDB serves pages 1 to 500 and says how many the list has; ask for no more than that.
                last = min(pages, MAX_PAGE, int(response.data.get("total_pages") or 1))
                for later in range(2, last + 1):
                    handler = list_handler(source, endpoint, later, params)
                    extraction.request(endpoint, f"page {later}", handler, {**params, "page": later})
            on_entries(source, endpoint, page, response)

        return handle

    for source, params in list_sources(plan).items():
        endpoint = schema.SOURCE_LISTS[source]
        extraction.request(endpoint, "page 1", list_handler(source, endpoint, 1, params), {**params, "page": 1})
    extraction.run()
    fetched = last_fetched(seen)
    details = {"append_to_response": schema.DETAILS_APPEND}
    for movie_id in sorted(seen):
        if needs_fetch(movie_id, fetched.get(movie_id), plan.server_time, details_max_age_hours):
            extraction.request(schema.MOVIE_DETAILS, str(movie_id), on_details, details, id=movie_id)
        else:
            skipped_fresh += 1
    extraction.run()
    result.info.update(
        {
            "plan": plan.to_dict(),
            "movies_listed": len(seen),
            "details_skipped_fresh": skipped_fresh,
        }
    )
    log.info(
        "extract-movies (%s): %d list entries of %d movies, details fetched for %d, %d still fresh",
        plan.mode,
        sum(1 for r in records if r.api_endpoint in schema.LIST_ENDPOINTS),
        len(seen),
        sum(1 for r in records if r.api_endpoint == schema.MOVIE_DETAILS),
        skipped_fresh,
    )
    return result


def extract_reviews(
    client: TMDBClient, review_pages: Mapping[int, int], *, cap: int, progress_interval: float = 10.0
) -> StepResult:
    """Review pages 2..min(total_pages, cap) of each movie (page 1 came embedded in its details)."""
    result = StepResult("extract-reviews", records={"reviews": []})
    records = result.records["reviews"]
    extraction = Extraction(client, result, progress_interval)

    def on_page(response: TMDBResponse) -> None:
        movie_id = int(response.path.split("/")[2])
        records.append(BronzeRecord(schema.MOVIE_REVIEWS, movie_id, None, None, response.received_at, response.text))

    for movie_id, total_pages in sorted(review_pages.items()):
        for page in range(2, min(total_pages, cap) + 1):
            extraction.request(schema.MOVIE_REVIEWS, f"{movie_id} page {page}", on_page, {"page": page}, id=movie_id)
    extraction.run()
    result.info = {"movies_with_more_pages": sum(1 for pages in review_pages.values() if pages > 1)}
    return result


def extract_people(
    client: TMDBClient,
    person_ids: Iterable[int],
    *,
    known_people: Mapping[int, datetime],
    now: datetime,
    max_age_hours: float,
    progress_interval: float = 10.0,
) -> StepResult:
    """``/person/{id}`` for every given person who is new or stale."""
    result = StepResult("extract-people", records={"people": []})
    records = result.records["people"]
    extraction = Extraction(client, result, progress_interval)

    def on_person(response: TMDBResponse) -> None:
        person_id = int(response.data["id"])
        records.append(BronzeRecord(schema.PERSON, person_id, None, None, response.received_at, response.text))

    candidates = sorted(set(person_ids))
    wanted = [pid for pid in candidates if needs_fetch(pid, known_people.get(pid), now, max_age_hours)]
    for person_id in wanted:
        extraction.request(schema.PERSON, str(person_id), on_person, id=person_id)
    extraction.run()
    result.info = {"people_candidates": len(candidates), "people_skipped_fresh": len(candidates) - len(wanted)}
    return result


# ---- validation and the run record ---------------------------------------------------------------------------


def validate_extraction(step_summaries: Sequence[Mapping[str, Any]], failure_share: float) -> dict[str, Any]:
    """Expected against fetched per endpoint over all steps; raises :class:`ExtractionFailed` past the share.

    The run fails when the failures of all requests pass ``failure_share``, or those of any list endpoint do:
    list pages are few next to details, but they are the run's observations.
    """
    missing = [step for step in STEPS if step not in {summary["step"] for summary in step_summaries}]
    endpoints: dict[str, dict[str, int]] = {}
    failures: list[dict[str, Any]] = []
    for summary in step_summaries:
        for endpoint, tally in summary["endpoints"].items():
            merged = endpoints.setdefault(endpoint, {"expected": 0, "fetched": 0, "failed": 0})
            for key in merged:
                merged[key] += int(tally[key])
        failures.extend(summary["failures"])
    expected = sum(t["expected"] for t in endpoints.values())
    failed = sum(t["failed"] for t in endpoints.values())
    share = failed / expected if expected else 0.0
    problems = [f"step {step} did not run" for step in missing]
    if share > failure_share:
        problems.append(f"{failed} of {expected} requests failed ({share:.1%} > {failure_share:.1%})")
    for endpoint, tally in sorted(endpoints.items()):
        settled = tally["fetched"] + tally["failed"]
        if settled != tally["expected"]:
            problems.append(f"{endpoint}: {tally['expected']} expected but {settled} settled")
        if endpoint in schema.LIST_ENDPOINTS and tally["expected"]:
            list_share = tally["failed"] / tally["expected"]
            if list_share > failure_share:
                problems.append(f"{endpoint}: {tally['failed']} of {tally['expected']} pages failed ({list_share:.1%})")
    report = {
        "ok": not problems,
        "problems": problems,
        "expected": expected,
        "fetched": sum(t["fetched"] for t in endpoints.values()),
        "failed": failed,
        "failure_share": round(share, 6),
        "failure_share_limit": failure_share,
        "endpoints": dict(sorted(endpoints.items())),
        "failures": failures,
    }
    if problems:
        raise ExtractionFailed("extraction incomplete: " + "; ".join(problems), report)
    log.info(
        "extraction valid: %d of %d requests fetched, %d failed (%.2f%%)",
        report["fetched"],
        expected,
        failed,
        100 * share,
    )
    return report


def build_run_record(
    hour: LogicalHour,
    step_summaries: Sequence[Mapping[str, Any]],
    validation: Mapping[str, Any],
    *,
    status: Literal["succeeded", "failed"],
    base_url: str,
    bronze_rows: Mapping[str, int] | None = None,
    error: str | None = None,
    finished_at: datetime | None = None,
) -> dict[str, Any]:
    """The run record of ``update_metadata``: what was asked, fetched, retried and written, and how long it took."""
    finished = finished_at or datetime.now(UTC)
    starts = [datetime.fromisoformat(summary["started_at"]) for summary in step_summaries]
    started = min(starts) if starts else finished
    plan = next((summary["plan"] for summary in step_summaries if "plan" in summary), {})
    catalogue = next((summary["catalogue"] for summary in step_summaries if "catalogue" in summary), None)
    steps = {
        summary["step"]: {
            "duration_seconds": summary["duration_seconds"],
            "rows": summary["rows"],
            **{key: summary["client"].get(key) for key in ("requests", "rate_limited", "retries")},
            "requests_per_second": summary["client"].get("requests_per_second"),
        }
        for summary in step_summaries
    }
    return {
        "batch_run_id": hour.batch_run_id,
        "logical_hour": hour.iso,
        "status": status,
        "mode": plan.get("mode"),
        "server_time": plan.get("server_time"),
        "release_days": plan.get("release_days", []),
        # The catalogue mode's export, change feed and details counts (TMDB_CATALOGUE=full), else None.
        "catalogue": catalogue,
        "base_url": base_url,
        "started_at": started.isoformat(),
        "finished_at": finished.isoformat(),
        "duration_seconds": round((finished - started).total_seconds(), 3),
        "requests": sum(int(summary["client"].get("requests", 0)) for summary in step_summaries),
        "rate_limited": sum(int(summary["client"].get("rate_limited", 0)) for summary in step_summaries),
        "retries": sum(int(summary["client"].get("retries", 0)) for summary in step_summaries),
        "steps": steps,
        "endpoints": validation.get("endpoints", {}),
        "failed": validation.get("failed", 0),
        "failure_share": validation.get("failure_share", 0.0),
        "failure_share_limit": validation.get("failure_share_limit"),
        "problems": validation.get("problems", []),
        "failures": validation.get("failures", []),
        # The bronze Great Expectations suite's summary (evaluated, passed, failed, Data Docs page).
        "expectations": validation.get("expectations", {}),
        "bronze_rows": dict(bronze_rows or {}),
        "error": error,
    }


def run_record_path(paths: LakePaths, batch_run_id: str) -> str:
    return f"{paths.metadata(RUN_RECORD, batch_run_id)}/run.json"


def update_metadata(fs: LakeFiles, paths: LakePaths, record: Mapping[str, Any]) -> str:
    """Writes the run record where ``make`` targets and the run summary read it; returns its path."""
    path = run_record_path(paths, record["batch_run_id"])
    fs.write_text(path, json.dumps(record, indent=2, ensure_ascii=False, default=str))
    log.info("run record %s: %s, %d requests", path, record["status"], record["requests"])
    return path


def read_run_record(fs: LakeFiles, paths: LakePaths, batch_run_id: str) -> dict[str, Any] | None:
    path = run_record_path(paths, batch_run_id)
    return json.loads(fs.read_text(path)) if fs.exists(path) else None
