"""Partition strategy: every run is named by its logical hour, and its partitions come from that hour.

The logical hour is Airflow's data interval end, floored to the hour, in UTC. It never comes from the wall
clock, so a re-run or a backfill of the same hour owns, and replaces, exactly the same partitions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

_BATCH_RUN_ID = re.compile(r"^batch_(\d{4})_(\d{2})_(\d{2})_(\d{2})$")


@dataclass(frozen=True, order=True)
class LogicalHour:
    """A run's logical hour (UTC, minute zero)."""

    start: datetime

    def __post_init__(self) -> None:
        if self.start.tzinfo is None:
            raise ValueError(f"logical hour must be timezone-aware, got {self.start!r}")
        if self.start.minute or self.start.second or self.start.microsecond:
            raise ValueError(f"logical hour must be on the hour, got {self.start.isoformat()}")

    @classmethod
    def parse(cls, text: str) -> LogicalHour:
        """Parse an ISO-8601 timestamp (as Airflow renders ``data_interval_end``) or a batch_run_id.

        Naive timestamps are taken as UTC; minutes and seconds are floored away.
        """
        match = _BATCH_RUN_ID.match(text.strip())
        if match:
            year, month, day, hour = (int(part) for part in match.groups())
            return cls(datetime(year, month, day, hour, tzinfo=UTC))
        try:
            moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
        except ValueError:
            raise ValueError(
                f"logical date {text!r} is neither ISO-8601 (2025-11-09T10:00:00+00:00) nor a batch_run_id"
            ) from None
        return cls.of(moment)

    @classmethod
    def of(cls, moment: datetime) -> LogicalHour:
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
        return cls(moment.replace(minute=0, second=0, microsecond=0))

    @property
    def batch_run_id(self) -> str:
        return self.start.strftime("batch_%Y_%m_%d_%H")

    @property
    def partition(self) -> dict[str, int]:
        """The bronze partition values of this hour: year, month, day, hour."""
        return {"year": self.start.year, "month": self.start.month, "day": self.start.day, "hour": self.start.hour}

    @property
    def iso(self) -> str:
        return self.start.isoformat()

    def minus(self, **delta: float) -> LogicalHour:
        return LogicalHour.of(self.start - timedelta(**delta))

    def __str__(self) -> str:
        return self.batch_run_id
