"""The catalogue mode (``TMDB_CATALOGUE=full``): TMDB's daily ID export, its change feed, and the details of every
movie of the catalogue, fetched so that an interrupted load carries on where it stopped.

The lists (popular, top rated, now playing) describe the popular corner of TMDB; the daily export lists every
movie with its popularity of the day. In full mode the first live run that sees a day's export (published at
08:00 UTC, :func:`~master_dataset.tmdb_client.latest_export_date`):

1. downloads it (checked whole: gzip intact, every line a JSON object with an id) and stages it on the lake; the
   store step loads it into ``bronze/catalogue`` (one partition per ``export_date``), the movies flagged adult left
   out unless ``TMDB_CATALOGUE_INCLUDE_ADULT``; every movie's popularity of the day becomes a Silver observation;
2. reads ``/movie/changes`` from the day of the previous export it loaded to today: movies edited since;
3. fetches the details of every movie of the export that the lake has never had details of, and of every changed
   movie (:func:`fetch_details`). Answers are staged in batches at every progress interval and when the step
   stops for any reason, so a failed or retried step asks only for the movies not staged yet.

Other runs of the day find the export stored and read only the lists. A backfill never loads an export: a day's
export says what TMDB knew that day, not what it knew in the hour being backfilled. This module talks to TMDB
only; what the lake already holds comes from the caller (``spark_jobs/bronze/run.py``).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from master_dataset import schema
from master_dataset.ingestion import BronzeRecord, Extraction, Failure, RunPlan, StepResult, Tally
from master_dataset.tmdb_client import TMDBClient, TMDBResponse, export_file_name, latest_export_date

log = logging.getLogger(__name__)

CHANGES_ENDPOINT = "/movie/changes"
# Requests queued ahead of those in flight, per unit of the client's concurrency.
QUEUED_PER_CONNECTION = 4


@dataclass(frozen=True)
class ExportPlan:
    """The export a run loads, and the change feed's window: from the previous export loaded to this one."""

    export_date: date
    previous_export: date | None

    @property
    def file_name(self) -> str:
        return export_file_name(self.export_date)

    @property
    def change_window(self) -> tuple[date, date] | None:
        """None on the first load: every movie is new then, so no change can matter."""
        return (self.previous_export, self.export_date) if self.previous_export else None

    def to_dict(self) -> dict[str, Any]:
        window = self.change_window
        return {
            "export_date": self.export_date.isoformat(),
            "file_name": self.file_name,
            "previous_export": self.previous_export.isoformat() if self.previous_export else None,
            "change_window": [day.isoformat() for day in window] if window else None,
        }


def plan_export(plan: RunPlan, stored_exports: Iterable[date]) -> ExportPlan | None:
    """The export a live run loads (the newest one published at the API's clock), or None: in a backfill, or
    when ``bronze/catalogue`` holds that day's export already (an earlier run of the day loaded it)."""
    if plan.mode != "live":
        return None
    export_date = latest_export_date(plan.server_time)
    stored = set(stored_exports)
    if export_date in stored:
        log.info("daily export of %s is stored already; this run reads the lists only", export_date)
        return None
    previous = max((day for day in stored if day < export_date), default=None)
    return ExportPlan(export_date, previous)


def read_changes(client: TMDBClient, window: tuple[date, date], result: StepResult, *, include_adult: bool) -> set[int]:
    """The ids the change feed lists in ``window`` (adult ones left out unless asked). A page that still fails
    after the client's retries is recorded as a failure of the step (and counts against TMDB_FAILURE_SHARE)."""
    feed = client.movie_changes(*window)
    tally = result.tallies.setdefault(CHANGES_ENDPOINT, Tally())
    tally.expected += feed.pages + len(feed.failed_pages)
    tally.fetched += feed.pages
    tally.failed += len(feed.failed_pages)
    for page in feed.failed_pages:
        result.failures.append(
            Failure(
                endpoint=CHANGES_ENDPOINT,
                key=f"{page.start_date}..{page.end_date} page {page.page}",
                reason=page.reason,
                message=page.message,
                status=page.status,
                attempts=page.attempts,
            )
        )
    changed = {movie_id for movie_id, adult in feed.changed.items() if include_adult or not adult}
    log.info(
        "change feed %s..%s: %d movies changed (%d adult left out), %d page(s) failed",
        *window,
        len(changed),
        len(feed.changed) - len(changed),
        len(feed.failed_pages),
    )
    return changed


def fetch_details(
    client: TMDBClient,
    movie_ids: Iterable[int],
    *,
    total: int,
    stage: Callable[[list[BronzeRecord]], None],
    report: Callable[[dict[str, Any]], None],
    result: StepResult,
    progress_interval: float = 10.0,
) -> None:
    """Details (credits, reviews and keywords appended) of each id, fed to the client as it has room.

    At every progress interval, and when the step stops for any reason (an exception included), the answers
    received since the last time are handed to ``stage`` and the progress (done/total, rate, ETA, failures) to
    ``report``; the caller keeps both on the lake. Nothing is held beyond one interval's answers.
    """
    received: list[BronzeRecord] = []

    def on_details(response: TMDBResponse) -> None:
        received.append(BronzeRecord.details(response))

    def flush(progress: dict[str, Any]) -> None:
        if received:
            batch = received[:]
            received.clear()
            stage(batch)
        report(progress)

    extraction = Extraction(client, result, progress_interval, total=total, flush=flush)
    request = functools.partial(extraction.request, schema.MOVIE_DETAILS)
    params = {"append_to_response": schema.DETAILS_APPEND}
    queued = (functools.partial(request, str(movie_id), on_details, params, id=movie_id) for movie_id in movie_ids)
    extraction.run(queued, max_pending=QUEUED_PER_CONNECTION * client.concurrency)
