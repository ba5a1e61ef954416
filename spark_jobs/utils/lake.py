"""Lake paths and filesystem operations.

Paths: every dataset and partition of the seed's layout under ``LAKE_ROOT``::

    bronze/{movies,reviews,people}/year=/month=/day=/hour=
    silver/{movies,reviews}/year=/month=/genre=
    silver/movie_observations/observed_date=
    gold/<view>/...
    quarantine/<dataset>/batch_run_id=
    quality/<suite>/batch_run_id=
    staging/batch_run_id=/<dataset>
    metadata/<record>/batch_run_id=

Filesystem: exists, list, mkdirs, rename, delete, small text files, all through Spark's Hadoop FileSystem API
(the session's JVM gateway), never ``os`` or ``pathlib``, so the same code runs on ``file://`` and ``hdfs://``.
A Spark Connect client has no JVM of its own session: it uses the JVM of the spark-submit that launched it
(which has Spark's and Hadoop's jars), with the server's ``spark.hadoop.*`` settings.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from master_dataset.partitioning import LogicalHour

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)

BRONZE_DATASETS = ("movies", "reviews", "people")
SILVER_DATASETS = ("movies", "reviews", "movie_observations")
GOLD_VIEWS = (
    "genre_analytics",
    "trending_scores",
    "temporal_analysis",
    "actor_networks",
    "actor_collaborations",
    "sentiment_trends",
    "movie_analytics",
)
LAYERS = ("bronze", "silver", "gold", "quarantine", "quality", "staging", "metadata")


@dataclass(frozen=True)
class LakePaths:
    """Builds every path of the lake from its root URI (``file:///...`` or ``hdfs://host:port/data``)."""

    root: str

    def __post_init__(self) -> None:
        if not self.root.startswith(("file://", "hdfs://")):
            raise ValueError(f"LAKE_ROOT must be a file:// or hdfs:// URI, got {self.root!r}")
        object.__setattr__(self, "root", self.root.rstrip("/"))

    def layer(self, name: str) -> str:
        if name not in LAYERS:
            raise ValueError(f"unknown lake layer {name!r}; expected one of {LAYERS}")
        return f"{self.root}/{name}"

    def bronze(self, dataset: str) -> str:
        _check(dataset, BRONZE_DATASETS, "bronze dataset")
        return f"{self.layer('bronze')}/{dataset}"

    def bronze_partition(self, dataset: str, hour: LogicalHour) -> str:
        p = hour.partition
        return f"{self.bronze(dataset)}/year={p['year']}/month={p['month']}/day={p['day']}/hour={p['hour']}"

    def silver(self, dataset: str) -> str:
        _check(dataset, SILVER_DATASETS, "silver dataset")
        return f"{self.layer('silver')}/{dataset}"

    def gold(self, view: str) -> str:
        _check(view, GOLD_VIEWS, "gold view")
        return f"{self.layer('gold')}/{view}"

    def quarantine(self, dataset: str, batch_run_id: str | None = None) -> str:
        base = f"{self.layer('quarantine')}/{dataset}"
        return f"{base}/batch_run_id={batch_run_id}" if batch_run_id else base

    def quality(self, suite: str, batch_run_id: str | None = None) -> str:
        base = f"{self.layer('quality')}/{suite}"
        return f"{base}/batch_run_id={batch_run_id}" if batch_run_id else base

    def staging(self, batch_run_id: str, dataset: str | None = None) -> str:
        base = f"{self.layer('staging')}/batch_run_id={batch_run_id}"
        return f"{base}/{dataset}" if dataset else base

    def metadata(self, record: str, batch_run_id: str | None = None) -> str:
        base = f"{self.layer('metadata')}/{record}"
        return f"{base}/batch_run_id={batch_run_id}" if batch_run_id else base


class LakeUnavailableError(RuntimeError):
    """The lake's storage does not answer (an ``hdfs://`` lake whose NameNode is down or elsewhere)."""


def open_lake(root: str, timeout: float = 3.0) -> LakePaths:
    """The paths of the lake at ``root`` once its storage answers.

    Hadoop's client retries a NameNode that does not answer for minutes before it fails with a Java stack trace;
    a job checks the NameNode's port first and stops at once, naming the address and the setting.
    """
    paths = LakePaths(root)
    parts = urlsplit(paths.root)
    if parts.scheme == "hdfs":
        address = (parts.hostname or "", parts.port or 8020)
        try:
            socket.create_connection(address, timeout=timeout).close()
        except OSError as error:
            raise LakeUnavailableError(
                f"LAKE_ROOT={paths.root}: the HDFS NameNode at {address[0]}:{address[1]} does not answer ({error}); "
                "start the stack (make up) or set LAKE_ROOT to a reachable lake"
            ) from None
    return paths


def _check(name: str, allowed: tuple[str, ...], what: str) -> None:
    if name not in allowed:
        raise ValueError(f"unknown {what} {name!r}; expected one of {allowed}")


@dataclass(frozen=True)
class FileStatus:
    path: str
    name: str
    is_dir: bool
    size: int
    modified_ms: int


class LakeFS:
    """Filesystem operations on the lake through the Hadoop FileSystem API of a SparkSession."""

    def __init__(self, spark: SparkSession) -> None:
        from spark_jobs.utils.spark_session import is_connect

        self._spark = spark
        if is_connect(spark):
            self._jvm = _client_gateway().jvm
            self._conf = self._jvm.org.apache.hadoop.conf.Configuration()
            for key, value in spark.conf.getAll.items():
                if key.startswith("spark.hadoop."):
                    self._conf.set(key.removeprefix("spark.hadoop."), value)
        else:
            self._jvm = spark.sparkContext._jvm
            self._conf = spark.sparkContext._jsc.hadoopConfiguration()
        # Resolved once: py4j looks up each package of a dotted name with a call to the JVM, and a run makes
        # hundreds of lake calls.
        self._path_class = self._jvm.org.apache.hadoop.fs.Path
        self._filesystems: dict[tuple[str, str], Any] = {}

    def _path(self, path: str):
        return self._path_class(path)

    def _fs(self, path: str):
        """The FileSystem of the path's scheme and authority (one per lake, as Hadoop's own cache keeps them)."""
        key = urlsplit(path)[:2]
        if key not in self._filesystems:
            self._filesystems[key] = self._path(path).getFileSystem(self._conf)
        return self._filesystems[key]

    def exists(self, path: str) -> bool:
        return bool(self._fs(path).exists(self._path(path)))

    def mkdirs(self, path: str) -> None:
        self._fs(path).mkdirs(self._path(path))

    def list(self, path: str) -> list[FileStatus]:
        """Direct children of ``path`` sorted by name; empty when it does not exist."""
        if not self.exists(path):
            return []
        statuses = self._fs(path).listStatus(self._path(path))
        children = [
            FileStatus(
                # Built from the caller's path, so file:///x stays file:///x (Hadoop would print file:/x).
                path=f"{path.rstrip('/')}/{status.getPath().getName()}",
                name=str(status.getPath().getName()),
                is_dir=bool(status.isDirectory()),
                size=int(status.getLen()),
                modified_ms=int(status.getModificationTime()),
            )
            for status in statuses
        ]
        return sorted(children, key=lambda child: child.name)

    def glob_dirs(self, pattern: str) -> list[str]:
        """Folders matching a Hadoop glob (``*`` per folder level), sorted."""
        path = self._path(pattern)
        # globStatus answers null (None) when a fixed part of the pattern does not exist.
        statuses = self._fs(pattern).globStatus(path) or []
        return sorted(str(status.getPath().toString()) for status in statuses if status.isDirectory())

    def list_partitions(self, dataset_path: str) -> list[dict[str, str]]:
        """Every leaf partition under a dataset as ``{column: value}``: ``key=value`` folders holding files.

        Hidden and bookkeeping folders (``_temporary``, ``.spark-staging``) and empty folders are skipped.
        """
        return [values for values, _ in self.walk_partitions(dataset_path)]

    def walk_partitions(self, dataset_path: str) -> Iterator[tuple[dict[str, str], str]]:
        """Yields ``(partition values, path)`` for each leaf ``key=value`` folder under ``dataset_path``."""

        def walk(path: str, values: dict[str, str]) -> Iterator[tuple[dict[str, str], str]]:
            children = self.list(path)
            subfolders = [
                child for child in children if child.is_dir and "=" in child.name and child.name[0] not in "._"
            ]
            if not subfolders:
                # A folder left empty by a delete is not a partition.
                if values and any(not child.is_dir for child in children):
                    yield values, path
                return
            for child in subfolders:
                key, value = child.name.split("=", 1)
                yield from walk(child.path, {**values, key: value})

        yield from walk(dataset_path, {})

    def size(self, path: str) -> int:
        """Bytes under ``path`` (recursive); 0 when it does not exist."""
        if not self.exists(path):
            return 0
        return int(self._fs(path).getContentSummary(self._path(path)).getLength())

    def rename(self, source: str, target: str) -> None:
        """Moves ``source`` to ``target``; the target's parent is created; fails if the target exists."""
        if self.exists(target):
            raise FileExistsError(f"cannot rename {source} to {target}: target exists")
        self.mkdirs(self._parent(target))
        if not self._fs(source).rename(self._path(source), self._path(target)):
            raise OSError(f"rename {source} -> {target} failed")

    def delete(self, path: str, recursive: bool = True) -> bool:
        """Deletes ``path``; returns False when there was nothing to delete."""
        if not self.exists(path):
            return False
        deleted = bool(self._fs(path).delete(self._path(path), recursive))
        log.info("deleted %s", path)
        return deleted

    def write_text(self, path: str, text: str) -> None:
        """Writes a small text file (run records, reports), replacing it."""
        stream = self._fs(path).create(self._path(path), True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()

    def read_text(self, path: str) -> str:
        fs = self._fs(path)
        stream = fs.open(self._path(path))
        try:
            length = int(fs.getFileStatus(self._path(path)).getLen())
            buffer = self._jvm.java.io.ByteArrayOutputStream()
            self._jvm.org.apache.hadoop.io.IOUtils.copyBytes(stream, buffer, 65536, False)
            data = bytes(buffer.toByteArray())
            return data[:length].decode("utf-8")
        finally:
            stream.close()

    @staticmethod
    def _parent(path: str) -> str:
        return path.rstrip("/").rsplit("/", 1)[0]


@cache
def _client_gateway() -> Any:
    """The py4j gateway of this process's spark-submit JVM, or of a JVM started for it when run without one."""
    from pyspark.java_gateway import launch_gateway

    return launch_gateway()
