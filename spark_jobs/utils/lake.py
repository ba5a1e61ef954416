"""Lake paths and filesystem operations.

Paths under ``LAKE_ROOT`` (Delta tables with their partition folders, then plain files)::

    bronze/{movies,reviews,people}          year=/month=/day=
    bronze/catalogue                        export_date=
    silver/{movies,reviews}                 (clustered by movie_id)
    silver/movie_observations               observed_date=
    gold/<view>                             batch_run_id=
    quarantine/<dataset>                    batch_run_id=
    quality/<suite>/batch_run_id=
    staging/batch_run_id=/<dataset>
    metadata/<record>/batch_run_id=

Every dataset is a Delta table (:mod:`spark_jobs.utils.tables`); the few plain files (run records, Data Docs
pages, the extraction's staging) go through :class:`LakeFiles`, never ``os`` or ``pathlib``, so the same code
runs on ``file://`` and ``hdfs://``.
"""

from __future__ import annotations

import logging
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

log = logging.getLogger(__name__)

BRONZE_DATASETS = ("movies", "reviews", "people")
# The daily ID exports the catalogue mode loads (TMDB_CATALOGUE=full), partitioned by export_date, not by hour.
BRONZE_CATALOGUE = "catalogue"
SILVER_DATASETS = ("movies", "reviews", "movie_observations")
# A Gold view's name (the Gold view registry, batch_views.registry, says which exist): one lower-case folder name.
GOLD_VIEW_NAME = re.compile(r"[a-z][a-z0-9_]*")
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
        _check(dataset, (*BRONZE_DATASETS, BRONZE_CATALOGUE), "bronze dataset")
        return f"{self.layer('bronze')}/{dataset}"

    def silver(self, dataset: str) -> str:
        _check(dataset, SILVER_DATASETS, "silver dataset")
        return f"{self.layer('silver')}/{dataset}"

    def gold(self, view: str) -> str:
        if not GOLD_VIEW_NAME.fullmatch(view):
            raise ValueError(f"a gold view is a lower-case name such as genre_analytics, got {view!r}")
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


class LakeFiles:
    """The lake's plain files (run records, Data Docs pages, staging) through fsspec, without a JVM.

    ``file://`` is fsspec's local file system; ``hdfs://`` is hdfs-native's, which speaks the NameNode's and the
    DataNodes' protocols from Rust. Tables are never handled here: Delta owns their files (see
    :mod:`spark_jobs.utils.tables`).
    """

    def __init__(self, root: str) -> None:
        import fsspec

        self._fs, _ = fsspec.core.url_to_fs(root)

    def exists(self, path: str) -> bool:
        return bool(self._fs.exists(path))

    def mkdirs(self, path: str) -> None:
        self._fs.makedirs(path, exist_ok=True)

    def list(self, path: str) -> list[FileStatus]:
        """Direct children of ``path`` sorted by name; empty when it does not exist."""
        if not self._fs.isdir(path):
            return []
        children = [
            FileStatus(
                # Built from the caller's path, so the URL keeps its scheme and authority.
                path=f"{path.rstrip('/')}/{info['name'].rstrip('/').rsplit('/', 1)[-1]}",
                name=info["name"].rstrip("/").rsplit("/", 1)[-1],
                is_dir=info["type"] == "directory",
                size=int(info.get("size") or 0),
            )
            for info in self._fs.ls(path, detail=True)
        ]
        return sorted(children, key=lambda child: child.name)

    def size(self, path: str) -> int:
        """Bytes under ``path`` (recursive); 0 when it does not exist."""
        # hdfs-native's du takes the path without its scheme and authority.
        return int(self._fs.du(self._fs._strip_protocol(path), total=True)) if self.exists(path) else 0

    def delete(self, path: str) -> bool:
        """Deletes ``path`` and everything under it; returns False when there was nothing to delete."""
        if not self.exists(path):
            return False
        self._fs.rm(path, recursive=True)
        log.info("deleted %s", path)
        return True

    def write_bytes(self, path: str, data: bytes) -> None:
        """Writes a small file (run records, reports, Data Docs pages and their images), replacing it."""
        self.mkdirs(path.rstrip("/").rsplit("/", 1)[0])
        with self._fs.open(path, "wb") as stream:
            stream.write(data)

    def write_atomic(self, path: str, data: bytes) -> None:
        """Writes ``path`` under a hidden name first, then renames it: a reader (Spark skips names starting with
        ``_``) never sees half a file, even when the writer is killed."""
        folder, name = path.rstrip("/").rsplit("/", 1)
        hidden = f"{folder}/_{name}.tmp"
        self.write_bytes(hidden, data)
        self._fs.mv(hidden, path)

    def upload(self, local_path: str | Path, path: str) -> None:
        """Copies a local file to ``path``, streamed."""
        self.mkdirs(path.rstrip("/").rsplit("/", 1)[0])
        self._fs.put_file(str(local_path), path)

    def write_text(self, path: str, text: str) -> None:
        self.write_bytes(path, text.encode("utf-8"))

    def read_bytes(self, path: str) -> bytes:
        with self._fs.open(path, "rb") as stream:
            return stream.read()

    def read_text(self, path: str) -> str:
        return self.read_bytes(path).decode("utf-8")
