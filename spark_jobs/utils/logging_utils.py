"""Logging for jobs: one format everywhere, with the job name and batch_run_id in every line."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(job)s %(batch_run_id)s] %(message)s"


class _JobContextFilter(logging.Filter):
    """Fills job and batch_run_id on records that do not carry them, so every handler can format them."""

    def __init__(self, job: str = "-", batch_run_id: str = "-") -> None:
        super().__init__()
        self.job = job
        self.batch_run_id = batch_run_id

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "job"):
            record.job = self.job
        if not hasattr(record, "batch_run_id"):
            record.batch_run_id = self.batch_run_id
        return True


def configure_logging(job: str = "-", batch_run_id: str = "-", level: str | None = None) -> None:
    """Configures the root logger for a job process (idempotent)."""
    root = logging.getLogger()
    root.setLevel(level or os.environ.get("LOG_LEVEL", "INFO"))
    handler = next((h for h in root.handlers if getattr(h, "_batch_layer", False)), None)
    if handler is None:
        handler = logging.StreamHandler()
        handler._batch_layer = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    handler.filters = [_JobContextFilter(job, batch_run_id)]
    quiet_libraries()


def quiet_libraries() -> None:
    """Libraries log at WARNING and above: their INFO lines (every GX expectation's defaults, every HTTP request)
    would bury the job's own. For a job's process, and for an Airflow task whose logging Airflow configures."""
    for noisy in ("py4j", "urllib3", "httpx", "httpcore", "great_expectations"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


class JobMetrics:
    """Durations and row counts of a job's stages, for its log and its run record."""

    def __init__(self, job: str, batch_run_id: str, logger: logging.Logger) -> None:
        self.job = job
        self.batch_run_id = batch_run_id
        self.log = logger
        self.durations: dict[str, float] = {}
        self.counts: dict[str, int] = {}
        self._started = time.monotonic()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Times a stage and logs its duration, also when it fails."""
        started = time.monotonic()
        self.log.info("stage %s started", name)
        try:
            yield
        except Exception:
            self.durations[name] = round(time.monotonic() - started, 3)
            self.log.error("stage %s failed after %.1f s", name, self.durations[name])
            raise
        self.durations[name] = round(time.monotonic() - started, 3)
        self.log.info("stage %s done in %.1f s", name, self.durations[name])

    def count(self, name: str, rows: int) -> int:
        self.counts[name] = int(rows)
        self.log.info("%s: %d rows", name, rows)
        return int(rows)

    def summary(self) -> dict[str, Any]:
        return {
            "job": self.job,
            "batch_run_id": self.batch_run_id,
            "duration_seconds": round(time.monotonic() - self._started, 3),
            "stages": dict(self.durations),
            "counts": dict(self.counts),
        }
