"""Which bronze partitions Silver has merged, and what a run therefore has to do.

The record ``metadata/silver_state/processed_partitions.json`` maps each merged bronze partition
(``movies/year=2025/month=10/day=17/hour=14``) to a fingerprint of its files. Beside it, ``movies/`` and
``reviews/`` hold the complete current Silver content in a few files: the state an incremental run merges into
(reading thousands of small ``year=/month=/genre=`` folders of silver/ every run would cost more than the
merge). A run for logical hour H:

- merges the bronze partitions up to H that are not in the record (incremental, the default);
- rebuilds from every bronze partition up to H when asked (``--full-refresh``), when there is no record or no
  state yet, or when a merged partition's files changed since (bronze re-ingested): a merge cannot take back
  what an old version of a partition contributed, a rebuild can;
- does nothing when every partition up to H is merged already (a re-run of the same hour).

The state and the record are replaced only after Silver is published, so a failed run leaves them, and Silver,
as they were; a run that stopped half-way through publishing is completed by running it again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from pyspark.sql import SparkSession

from master_dataset.partitioning import LogicalHour
from spark_jobs.silver import schemas
from spark_jobs.utils.lake import LakeFS, LakePaths

log = logging.getLogger(__name__)

STATE_RECORD = "silver_state"
STATE_FILE = "processed_partitions.json"
INPUT_DATASETS = ("movies", "reviews")
STATE_DATASETS = ("movies", "reviews")
_BRONZE_FILE = re.compile(r"/year=(\d+)/month=(\d+)/day=(\d+)/hour=(\d+)/([^/]+)$")

Mode = Literal["full", "incremental", "up_to_date"]


@dataclass(frozen=True)
class BronzePartition:
    dataset: str
    hour: LogicalHour
    path: str
    fingerprint: str

    @property
    def key(self) -> str:
        p = self.hour.partition
        return f"{self.dataset}/year={p['year']}/month={p['month']}/day={p['day']}/hour={p['hour']}"


@dataclass(frozen=True)
class SilverPlan:
    mode: Mode
    reason: str
    to_read: tuple[BronzePartition, ...]  # the partitions this run merges
    merged_after: dict[str, str]  # the record to write once Silver is published
    bronze_runs: tuple[str, ...] = ()  # every run bronze/movies holds, up to this hour or not

    def paths(self, dataset: str) -> list[str]:
        return [partition.path for partition in self.to_read if partition.dataset == dataset]

    @property
    def rebuilt_runs(self) -> list[str]:
        """The runs whose observations this run writes anew (its other rows are kept).

        An incremental run rebuilds the runs it reads. A full refresh rebuilds every run bronze holds, and drops
        those after its hour (a later run merges them again); it keeps only the history bronze no longer has.
        """
        if self.mode == "full":
            return sorted(self.bronze_runs)
        return sorted({p.hour.batch_run_id for p in self.to_read if p.dataset == "movies"})


def bronze_partitions(spark: SparkSession, lake: LakeFS, paths: LakePaths) -> list[BronzePartition]:
    """Every bronze movies/reviews partition holding files, oldest first, with a fingerprint of its files.

    Spark lists the files (in the JVM, in one call): a bronze history has about a thousand partitions, and a
    Python round trip per folder would cost more than the run. Spark names every file it writes uniquely, so a
    re-written partition has a new fingerprint.
    """
    found = []
    for dataset in INPUT_DATASETS:
        root = paths.bronze(dataset)
        if not lake.exists(root):
            continue
        files: dict[tuple[int, ...], list[str]] = defaultdict(list)
        for path in spark.read.schema(schemas.BRONZE).parquet(root).inputFiles():
            match = _BRONZE_FILE.search(path)
            if match:
                files[tuple(int(part) for part in match.groups()[:4])].append(match.group(5))
        for (year, month, day, hour), names in files.items():
            start = datetime(year, month, day, hour, tzinfo=UTC)
            folder = f"{root}/year={year}/month={month}/day={day}/hour={hour}"
            digest = hashlib.sha1("\n".join(sorted(names)).encode(), usedforsecurity=False).hexdigest()
            found.append(BronzePartition(dataset, LogicalHour(start), folder, digest))
    return sorted(found, key=lambda partition: (partition.hour, partition.dataset))


def state_dataset(paths: LakePaths, dataset: str) -> str:
    """The complete current content of silver/<dataset>, unpartitioned: what an incremental run merges into."""
    return f"{paths.metadata(STATE_RECORD)}/{dataset}"


def state_path(paths: LakePaths) -> str:
    return f"{paths.metadata(STATE_RECORD)}/{STATE_FILE}"


def read_merged(lake: LakeFS, paths: LakePaths) -> dict[str, str] | None:
    """The record of merged partitions, or None when Silver has never been published."""
    path = state_path(paths)
    if not lake.exists(path):
        return None
    return dict(json.loads(lake.read_text(path))["partitions"])


def write_merged(lake: LakeFS, paths: LakePaths, merged: dict[str, str], batch_run_id: str) -> None:
    record = {"updated_by": batch_run_id, "partitions": dict(sorted(merged.items()))}
    lake.write_text(state_path(paths), json.dumps(record, indent=1))


def plan_run(
    spark: SparkSession, lake: LakeFS, paths: LakePaths, hour: LogicalHour, *, full_refresh: bool
) -> SilverPlan:
    """What a run for ``hour`` merges: see the module's docstring."""
    existing = bronze_partitions(spark, lake, paths)
    up_to_hour = [partition for partition in existing if partition.hour <= hour]
    merged = read_merged(lake, paths)

    def full(reason: str) -> SilverPlan:
        runs = tuple(sorted({p.hour.batch_run_id for p in existing if p.dataset == "movies"}))
        return SilverPlan("full", reason, tuple(up_to_hour), {p.key: p.fingerprint for p in up_to_hour}, runs)

    if full_refresh:
        return full("full refresh requested")
    if merged is None:
        return full("no Silver state yet")
    missing = [name for name in STATE_DATASETS if not lake.exists(state_dataset(paths, name))]
    if missing or not lake.exists(paths.silver("movies")):
        return full(f"the Silver state is incomplete ({', '.join(missing) or 'silver/movies'} missing)")
    rewritten = sorted(p.key for p in up_to_hour if p.key in merged and merged[p.key] != p.fingerprint)
    if rewritten:
        return full(f"{len(rewritten)} merged bronze partition(s) were rewritten since, e.g. {rewritten[0]}")
    new = tuple(partition for partition in up_to_hour if partition.key not in merged)
    # Partitions gone from bronze (retention) are forgotten: they cannot come back.
    existing_keys = {partition.key for partition in existing}
    still_there = {key: value for key, value in merged.items() if key in existing_keys}
    if not new:
        return SilverPlan("up_to_date", "every bronze partition up to this hour is merged", (), still_there)
    merged_after = {**still_there, **{partition.key: partition.fingerprint for partition in new}}
    return SilverPlan("incremental", f"{len(new)} new bronze partition(s)", new, merged_after)
