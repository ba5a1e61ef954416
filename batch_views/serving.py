"""MongoDB serving helpers: connection, document writes, indexes, run records, and the mongosh launchers.

Only the portable subset of MongoDB is used, so the same code is correct on ``mongo:7.0`` and on nx-27017 (the
embedded stack's MongoDB-wire server, DESIGN.md section 2):

- writes are unordered ``bulk_write`` batches of ``ReplaceOne({"_id": k}, {"_id": k, ...}, upsert=True)``: a full
  document (a ``$set`` of a date on an existing document stores a string on nx-27017), carrying ``_id`` itself
  (nx-27017 ignores the filter's ``_id`` on an upsert), filtered on ``_id`` only (other filters scan the table);
- documents whose keys left a view are removed by ``delete_many({"_id": {"$in": [...]}})`` chunks after the view's
  new documents are all written (a full export removes the view's documents of other runs with one ``delete_many``);
- no transactions, no ``renameCollection``, no ``drop_index``, no ``aggregate`` over date ranges;
- run records in ``batch_runs`` are replaced whole, never patched.

Nothing here starts Spark: the executors of the export call :func:`write_documents` on their partitions, and the
command line (``python -m batch_views.serving``) runs where pymongo and mongosh are; only
:func:`update_serving_indexes` imports the Gold view registry (pyspark's types, no session) for the indexes.

    python -m batch_views.serving ping           # check the connection (host shown, never the password)
    python -m batch_views.serving indexes        # create the serving indexes (idempotent)
    python -m batch_views.serving query-views [--year Y --month M]   # the seed's sample queries (mongosh)
    python -m batch_views.serving shell          # mongosh on MONGODB_DATABASE
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

if TYPE_CHECKING:
    from pymongo import MongoClient
    from pymongo.collection import Collection
    from pymongo.database import Database
    from pymongo.results import BulkWriteResult

log = logging.getLogger(__name__)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MONGOSH = PROJECT_ROOT / "node_modules" / ".bin" / "mongosh"
QUERIES_SCRIPT = PROJECT_ROOT / "scripts" / "mongo_queries.js"

BATCH_VIEWS = "batch_views"
BATCH_RUNS = "batch_runs"

# Server codes meaning "an index with these keys already exists under another name / options": it is there.
_INDEX_ALREADY_THERE = frozenset({85, 86})
# Authentication failures are not transient: retrying them only delays the error.
_AUTH_FAILED = frozenset({13, 18})


class ServingError(RuntimeError):
    """The serving database could not be used; the message names the host, never the credentials."""


class ServingUnavailable(ServingError):
    """MongoDB did not answer within the bounded retries."""


class ServingWriteError(ServingError):
    """MongoDB refused or lost documents of a write."""


# ---------------------------------------------------------------------------------------------- connection


def host_label(uri: str) -> str:
    """The servers of a connection string without scheme, credentials, database or options: safe to print."""
    without_scheme = uri.split("://", 1)[-1]
    authority = without_scheme.split("/", 1)[0].split("?", 1)[0]
    return authority.rsplit("@", 1)[-1] or "?"


def redact(text: str, uri: str) -> str:
    """``text`` with the connection string's user info (raw and percent-decoded) replaced by ``***``."""
    authority = uri.split("://", 1)[-1].split("/", 1)[0]
    if "@" not in authority:
        return text
    userinfo = authority.rsplit("@", 1)[0]
    secrets = {userinfo, unquote(userinfo)}
    if ":" in userinfo:
        password = userinfo.split(":", 1)[1]
        secrets |= {password, unquote(password)}
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


@dataclass(frozen=True)
class MongoTarget:
    """Where the export writes: picklable, so executors receive it with their partition function.

    ``repr`` never shows the connection string.
    """

    uri: str
    database: str
    batch_size: int = 1000
    connect_attempts: int = 3
    timeout_ms: int = 5000
    retry_backoff_seconds: float = 1.0

    @property
    def host(self) -> str:
        return host_label(self.uri)

    def __repr__(self) -> str:
        return f"MongoTarget(host={self.host!r}, database={self.database!r}, batch_size={self.batch_size})"

    @classmethod
    def from_settings(cls, settings: Any, batch_size: int | None = None) -> MongoTarget:
        return cls(
            uri=settings.mongodb_connection_string.get_secret_value(),
            database=settings.mongodb_database,
            batch_size=batch_size or settings.mongo_export_batch_size,
        )


def has_credentials(uri: str) -> bool:
    """True when a connection string carries a user (``mongodb://user:password@host/...``)."""
    return "@" in uri.split("://", 1)[-1].split("/", 1)[0]


def connect(target: MongoTarget) -> MongoClient:
    """A client whose server answered ``ping``, after at most ``target.connect_attempts`` tries.

    Between tries it waits ``retry_backoff_seconds``, doubling. The error raised at the end names the host and the
    kind of failure only: pymongo's own messages are redacted and the original exception is not chained, so no
    traceback can carry the password.
    """
    from pymongo import MongoClient
    from pymongo.errors import ConfigurationError, OperationFailure, PyMongoError

    failure = ""
    for attempt in range(1, target.connect_attempts + 1):
        client: MongoClient | None = None
        try:
            client = MongoClient(
                target.uri,
                serverSelectionTimeoutMS=target.timeout_ms,
                connectTimeoutMS=target.timeout_ms,
                # A chunk of replaces can take seconds on a busy server; an answer that never comes must not hang.
                socketTimeoutMS=300_000,
                tz_aware=True,
                tzinfo=UTC,
                appname="tmdb-batch-serving",
            )
            client.admin.command("ping")
            return client
        except ConfigurationError as exc:
            raise ServingError(
                f"MONGODB_CONNECTION_STRING for {target.host} is not usable: {redact(str(exc), target.uri)}"
            ) from None
        except KeyError:
            if client is not None:
                client.close()
            if not has_credentials(target.uri):
                raise
            # pymongo's SCRAM handshake ends this way against a server without authentication: it answers the
            # first step with ok but no payload (nx-27017, the embedded stack's MongoDB, has no users).
            raise ServingError(
                f"MongoDB at {target.host} has no authentication, but MONGODB_CONNECTION_STRING carries credentials: "
                "remove user:password@ from it (the embedded stack's nx-27017 has no users; mongo:7.0 has)"
            ) from None
        except OperationFailure as exc:
            if client is not None:
                client.close()
            if exc.code in _AUTH_FAILED:
                raise ServingError(
                    f"MongoDB at {target.host} rejected the credentials of MONGODB_CONNECTION_STRING (code {exc.code})"
                ) from None
            failure = f"{type(exc).__name__}: {redact(str(exc), target.uri)[:200]}"
        except PyMongoError as exc:
            if client is not None:
                client.close()
            # pymongo appends timeouts and a topology description; the first clause says what went wrong.
            reason = redact(str(exc), target.uri).split(" (configured timeouts", 1)[0].split(", Timeout:", 1)[0]
            failure = f"{type(exc).__name__}: {reason[:200]}"
        log.warning(
            "MongoDB at %s not reachable (attempt %d of %d): %s", target.host, attempt, target.connect_attempts, failure
        )
        if attempt < target.connect_attempts:
            time.sleep(target.retry_backoff_seconds * 2 ** (attempt - 1))
    raise ServingUnavailable(
        f"MongoDB at {target.host} is unreachable after {target.connect_attempts} attempts ({failure}); "
        f"check that the server is up and MONGODB_CONNECTION_STRING"
    )


# -------------------------------------------------------------------------------------------------- writes

ChunkCallback = Callable[[str, int, int], None]


def write_documents(
    documents: Iterable[Any],
    target: MongoTarget,
    view_type: str,
    on_chunk: ChunkCallback | None = None,
) -> int:
    """Replace-upserts ``documents`` into ``batch_views`` in unordered chunks of ``target.batch_size``.

    Runs on the executors (one call per writer task). ``documents`` are dicts or Spark Rows (converted with
    ``asDict(recursive=True)``); each must carry its ``_id``. ``on_chunk(view_type, chunk_number, size)`` is
    called after each acknowledged chunk (the tests use it to crash an export halfway). Returns the count written.
    """
    from pymongo import ReplaceOne

    iterator = iter(documents)
    first = next(iterator, None)
    if first is None:
        # An empty partition needs no connection.
        return 0
    client = connect(target)
    try:
        collection = client[target.database][BATCH_VIEWS]
        total = 0
        chunk_number = 0
        chunk: list[ReplaceOne] = []

        def flush() -> None:
            nonlocal total, chunk_number, chunk
            _write_chunk(collection, chunk, target)
            total += len(chunk)
            chunk_number += 1
            if on_chunk is not None:
                on_chunk(view_type, chunk_number, len(chunk))
            chunk = []

        for item in _chain(first, iterator):
            document = item.asDict(recursive=True) if hasattr(item, "asDict") else dict(item)
            chunk.append(ReplaceOne({"_id": document["_id"]}, document, upsert=True))
            if len(chunk) >= target.batch_size:
                flush()
        if chunk:
            flush()
        return total
    finally:
        client.close()


def _chain(first: Any, rest: Iterable[Any]) -> Iterable[Any]:
    yield first
    yield from rest


def _write_chunk(collection: Collection, requests: Sequence[Any], target: MongoTarget) -> BulkWriteResult:
    """One unordered bulk write, retried on connection loss (replaces are idempotent, so a retry is safe)."""
    from pymongo.errors import AutoReconnect, BulkWriteError, ConnectionFailure

    for attempt in range(1, target.connect_attempts + 1):
        try:
            result = collection.bulk_write(list(requests), ordered=False)
        except BulkWriteError as exc:
            errors = exc.details.get("writeErrors", [])
            first = errors[0] if errors else {}
            raise ServingWriteError(
                f"MongoDB at {target.host} refused {len(errors)} of {len(requests)} documents of a chunk; "
                f"first: code {first.get('code')} {first.get('errmsg', '')!s:.200}"
            ) from None
        except (AutoReconnect, ConnectionFailure) as exc:
            log.warning(
                "chunk of %d documents to %s failed (attempt %d of %d): %s",
                len(requests),
                target.host,
                attempt,
                target.connect_attempts,
                type(exc).__name__,
            )
            if attempt == target.connect_attempts:
                raise ServingUnavailable(
                    f"MongoDB at {target.host} lost the connection {attempt} times while writing a chunk"
                ) from None
            time.sleep(target.retry_backoff_seconds * 2 ** (attempt - 1))
            continue
        # Every replace-upsert either matches its document or inserts it; anything else is a lost document.
        applied = result.matched_count + result.upserted_count
        if applied != len(requests):
            raise ServingWriteError(
                f"MongoDB at {target.host} acknowledged {applied} of {len(requests)} replace-upserts of a chunk"
            )
        return result
    raise AssertionError("unreachable")  # pragma: no cover


def delete_documents(ids: Iterable[str], target: MongoTarget) -> int:
    """Deletes the documents of ``ids`` from ``batch_views`` in chunks of ``target.batch_size``; returns how many
    were there. Runs on the executors, like :func:`write_documents`.

    ``delete_many`` on ``{"_id": {"$in": chunk}}``: nx-27017 finds ``_id`` by its key, and one such request costs
    it a fiftieth of a bulk of ``DeleteOne``. A document already gone (a repeated export) is not an error.
    """
    iterator = iter(ids)
    chunk = [key for _, key in zip(range(target.batch_size), iterator, strict=False)]
    if not chunk:
        return 0
    client = connect(target)
    try:
        collection = client[target.database][BATCH_VIEWS]
        deleted = 0
        while chunk:
            deleted += int(collection.delete_many({"_id": {"$in": chunk}}).deleted_count)
            chunk = [key for _, key in zip(range(target.batch_size), iterator, strict=False)]
        return deleted
    finally:
        client.close()


def delete_stale(db: Database, view_type: str, batch_run_id: str) -> int:
    """Removes the ``view_type`` documents of every other run; call it after all of this run's are written."""
    removed = db[BATCH_VIEWS].delete_many({"view_type": view_type, "batch_run_id": {"$ne": batch_run_id}})
    return int(removed.deleted_count)


def newer_run(db: Database, view_type: str, batch_run_id: str) -> str | None:
    """The run id of a ``view_type`` document from a later logical hour than ``batch_run_id``, if one is served.

    Run ids (``batch_YYYY_MM_DD_HH``) sort as their hours do, so a string comparison orders them. A scan of the
    view's documents on nx-27017: the export asks it only of a view without a served-view record.
    """
    found = db[BATCH_VIEWS].find_one(
        {"view_type": view_type, "batch_run_id": {"$gt": batch_run_id}}, {"batch_run_id": 1}
    )
    return None if found is None else str(found["batch_run_id"])


# ------------------------------------------------------------------------------------------------- indexes


def index_name(keys: Sequence[tuple[str, int]]) -> str:
    """MongoDB's default name of an index: ``field_direction`` joined by ``_``."""
    return "_".join(f"{field}_{direction}" for field, direction in keys)


def update_serving_indexes(db: Database) -> list[str]:
    """Creates the serving indexes of ``batch_views`` and ``batch_runs`` (``batch_views.registry.SERVING_INDEXES``:
    those every view type shares and each Gold view's own); a no-op for those that exist.

    Index names are MongoDB's defaults (``view_type_1_genre_1_...``), the names docker/mongo-init.js gives them
    too, so creating them again anywhere is a no-op rather than a name conflict.
    """
    from pymongo.errors import OperationFailure

    from batch_views.registry import SERVING_INDEXES

    created = []
    for collection, specs in SERVING_INDEXES.items():
        for keys in specs:
            try:
                created.append(db[collection].create_index(list(keys), name=index_name(keys)))
            except OperationFailure as exc:
                if exc.code not in _INDEX_ALREADY_THERE:
                    raise
                # Someone created the same keys under another name: the index the queries need is there.
                log.info("index %s on %s exists under another name or options", index_name(keys), collection)
    log.info(
        "serving indexes in place: %s",
        ", ".join(f"{len(specs)} on {collection}" for collection, specs in SERVING_INDEXES.items()),
    )
    return created


# --------------------------------------------------------------------------------------------- run records


def utc_now() -> datetime:
    """The wall clock in UTC at BSON's millisecond precision (a stored record then equals the one in memory).

    Run records time the export itself; the documents never carry the wall clock.
    """
    now = datetime.now(UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def begin_run(
    db: Database,
    batch_run_id: str,
    *,
    logical_hour: datetime,
    view_types: Sequence[str],
    layers: Mapping[str, Any],
    started_at: datetime,
) -> dict[str, Any]:
    """Writes (replaces) the ``batch_runs`` record of ``batch_run_id`` with status ``running``; returns it."""
    previous = db[BATCH_RUNS].find_one({"_id": batch_run_id}, {"attempts": 1, "stages": 1}) or {}
    record: dict[str, Any] = {
        "_id": batch_run_id,
        "batch_run_id": batch_run_id,
        "logical_hour": logical_hour,
        "status": "running",
        "attempts": int(previous.get("attempts", 0)) + 1,
        "started_at": started_at,
        "finished_at": None,
        "duration_seconds": None,
        "view_types": list(view_types),
        "counts": {},
        "upserted": {},
        "unchanged": {},
        "stale_removed": {},
        "compared_with": {},
        "superseded": {},
        "total_documents": 0,
        "layers": dict(layers),
        "export": {},
        "error": None,
        # The pipeline stages' own records (record_stage) survive the export's replace of the run document.
        "stages": previous.get("stages", {}),
    }
    _replace_run(db, record)
    return record


def finish_run(db: Database, record: Mapping[str, Any], **changes: Any) -> dict[str, Any]:
    """Replaces the run record with ``changes`` applied (whole document: never ``$set`` a date)."""
    finished = {**record, **changes}
    _replace_run(db, finished)
    return finished


def _replace_run(db: Database, record: Mapping[str, Any]) -> None:
    db[BATCH_RUNS].replace_one({"_id": record["_id"]}, dict(record), upsert=True)


def record_stage(
    db: Database, batch_run_id: str, stage: str, status: str, summary: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Records a pipeline stage's outcome (`ingestion`, `transform`, ...) in the run's `batch_runs` document.

    What users and the demo's summary read of an hour's run; Airflow itself orders the stages. The whole
    document is replaced: dates are never `$set`.
    """
    record = db[BATCH_RUNS].find_one({"_id": batch_run_id}) or {
        "_id": batch_run_id,
        "batch_run_id": batch_run_id,
        "status": "running",
    }
    stages = dict(record.get("stages") or {})
    stages[stage] = {"status": status, "recorded_at": utc_now(), "summary": dict(summary or {})}
    record["stages"] = stages
    _replace_run(db, record)
    log.info("batch_runs %s: stage %s %s", batch_run_id, stage, status)
    return record


SERVED_VIEW_PREFIX = "served_view:"


def served_view(db: Database, view_type: str) -> dict[str, Any] | None:
    """The served-view record of ``view_type`` in ``batch_runs`` (:func:`record_served_view`), or None."""
    return db[BATCH_RUNS].find_one({"_id": SERVED_VIEW_PREFIX + view_type})


def record_served_view(
    db: Database,
    view_type: str,
    *,
    state: str,
    batch_run_id: str,
    gold_view: str,
    gold_version: int | None,
    documents: int | None,
    base: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Replaces the served-view record of ``view_type``: which run the view's documents equal, and how far.

    ``_id`` is ``served_view:<view_type>``; it has no ``status``, so it is never taken for a run's record.

    - ``state`` ``served``: the documents are exactly the view of ``batch_run_id`` as Gold table ``gold_view``
      held it at ``gold_version`` (None: the table had no rows of the run); ``documents`` is their count;
    - ``state`` ``writing``: an export of ``batch_run_id`` is writing; until it ends the documents are a mix of that
      run and ``base``, the served view it started from (``{batch_run_id, gold_version}``, or None when it rewrites
      every document).
    """
    record = {
        "_id": SERVED_VIEW_PREFIX + view_type,
        "kind": "served_view",
        "view_type": view_type,
        "state": state,
        "batch_run_id": batch_run_id,
        "gold_view": gold_view,
        "gold_version": gold_version,
        "documents": documents,
        "base": dict(base) if base is not None else None,
        "updated_at": utc_now(),
    }
    _replace_run(db, record)
    return record


def latest_complete_run(db: Database) -> dict[str, Any] | None:
    """The complete run of the latest logical hour (run ids sort as their hours), or None."""
    return db[BATCH_RUNS].find_one({"status": "complete"}, sort=[("_id", -1)])


# ------------------------------------------------------------------------------------------ mongosh launchers


def mongosh_argv(command: str, target: MongoTarget) -> list[str]:
    """The argv of the project's mongosh (npm) for ``command``: ``query-views`` or ``shell``.

    The connection string is an argument of mongosh and is never echoed (mongosh prints it as
    ``<credentials>``). The Docker stack runs the same script with the mongosh of its ``mongo`` container
    (``scripts/docker_stack.sh``), so no credential leaves the container there.
    """
    if command == "query-views":
        return [str(MONGOSH), target.uri, "--quiet", "--file", str(QUERIES_SCRIPT)]
    if command == "shell":
        # mongosh opens the URI's database; switch to MONGODB_DATABASE, whatever the URI names, and stay open.
        return [str(MONGOSH), target.uri, "--shell", "--eval", f"db = db.getSiblingDB({_js_string(target.database)})"]
    raise ValueError(f"unknown mongosh command {command!r}")


def _js_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m batch_views.serving", description="MongoDB serving tools.")
    parser.add_argument(
        "command",
        choices=["ping", "indexes", "query-views", "shell"],
        help="ping: check the connection; indexes: create the serving indexes; query-views: run the seed's "
        "sample queries; shell: open mongosh on MONGODB_DATABASE",
    )
    parser.add_argument("--year", type=int, help="query-views: year of the temporal query (default: latest run)")
    parser.add_argument("--month", type=int, help="query-views: month of the temporal query (default: latest run)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    from config.settings import get_settings
    from spark_jobs.utils.logging_utils import configure_logging

    args = _parse_args(argv)
    configure_logging("serving")
    target = MongoTarget.from_settings(get_settings())
    if args.command in ("ping", "indexes"):
        try:
            client = connect(target)
        except ServingError as exc:
            log.error("%s", exc)
            return 1
        with client:
            if args.command == "indexes":
                update_serving_indexes(client[target.database])
            log.info("MongoDB at %s answers; database %s", target.host, target.database)
        return 0
    env = {"MONGODB_DATABASE": target.database}
    if args.year is not None:
        env["QUERY_YEAR"] = str(args.year)
    if args.month is not None:
        env["QUERY_MONTH"] = str(args.month)
    argv_ = mongosh_argv(args.command, target)
    if not MONGOSH.exists():
        log.error("%s not found: run `make setup` (mongosh comes from npm)", MONGOSH)
        return 1
    # exec: mongosh takes over the terminal (the shell is interactive) and its exit code is ours.
    os.execve(argv_[0], argv_, {**os.environ, **env})  # noqa: S606 - a fixed program and argv, no shell
    return 0  # pragma: no cover


if __name__ == "__main__":
    sys.exit(main())
