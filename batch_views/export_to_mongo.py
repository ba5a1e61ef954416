"""Export job: the Gold views of one run -> flat documents in MongoDB ``moviedb.batch_views``.

    python -m batch_views.export_to_mongo --logical-date 2025-11-09T10:00:00+00:00 [--views trending_movies ...]

Extract reads the run's rows of each view from its Gold Delta table (the ``batch_run_id`` partition, at the
table's latest version) and, when the view is served already, the rows of the served run at the version it was
exported from (Delta time travel: what Gold said then, even if that run was rebuilt since); transform turns each
view into document columns with pure DataFrame functions (``_id`` from the view type and the natural key, dates as
timestamps, NaN as null); validate checks that the ``_id`` values are unique and every document belongs to R;
compare joins the run's documents with the served ones by ``_id`` on the executors and keeps what differs; load
replace-upserts the documents that are new or changed, from the executors (one writer task per core) in
unordered chunks, then deletes the documents whose keys left the view, then creates the serving indexes.

Only changed documents are written. A document's values are every field but ``batch_run_id`` and
``computed_at``; a document the new run left as it was is not rewritten, so its ``batch_run_id`` and
``computed_at`` name the run that computed its values (the run since which they hold). Which run a whole view is
current as of is the served-view record ``batch_runs`` ``{_id: "served_view:<view_type>"}``: ``state`` ``served``,
``batch_run_id``, the Gold table's ``gold_version`` and the ``documents``. A view without that record (a first
export, a database served before it existed), or compared with nothing usable, is written whole as before: every
document replace-upserted, then the view's documents of other runs removed.

``moviedb.batch_runs`` records the run: status, documents per view type (``counts``, the view's size after the
run), ``upserted``, ``unchanged``, ``stale_removed`` (deleted), ``compared_with`` (the served run each view was
compared with, null for a whole write), timings and the lake's run records of the earlier layers.

Exporting a run again compares it with itself and writes nothing (or exactly what a rebuild of its Gold rows
changed). An export that crashed halfway leaves the view's record ``writing`` (and the run ``failed``): the next
export of the run (its Gold unchanged) compares with the same served run and repeats the same writes; an export
of another run, or of the run rebuilt since, writes the view whole. A view whose served documents already come
from a later run is left alone (``superseded``) unless ``--force`` is given (which writes it whole), so a
backfill of old hours never rolls the serving layer back.

Documents (DESIGN.md section 4, spark_jobs/README.md "Serving")::

    {_id, view_type, batch_run_id, computed_at: date, data_freshness: "batch", update_frequency: "4_hours",
     <the view's columns at top level>}
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import math
import sys
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from batch_views import serving
from batch_views.gold_view import RUN_COLUMNS
from batch_views.registry import GOLD_VIEWS
from master_dataset.partitioning import LogicalHour
from spark_jobs.utils.job_entry import run_as_program
from spark_jobs.utils.lake import LakeFiles, LakePaths, open_lake
from spark_jobs.utils.logging_utils import JobMetrics
from spark_jobs.utils.spark_session import default_parallelism

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import Column, DataFrame, SparkSession
    from pyspark.sql.types import DataType, StructType

    from batch_views.gold_view import GoldView

log = logging.getLogger(__name__)

JOB = "export_to_mongo"
DATA_FRESHNESS = "batch"
UPDATE_FREQUENCY = "4_hours"
# The lake's run records of the earlier layers (metadata/<record>/batch_run_id=R/run.json), copied in batch_runs.
LAYER_RECORDS = {"ingestion": "ingestion_runs", "silver": "silver_runs", "gold": "gold_runs"}
_LAYER_SUMMARY_KEYS = ("status", "views", "counts", "expectations", "duration_seconds")


@dataclass(frozen=True)
class ServingView:
    """How one Gold view becomes documents: its ``view_type``, the natural key of ``_id``, and the fields kept as
    ``(Gold column, document field)``. Derived from the view's registry entry (:func:`serving_view`)."""

    gold_view: str
    view_type: str
    key: tuple[str, ...]
    fields: tuple[tuple[str, str], ...]


def serving_view(view: GoldView) -> ServingView:
    """The export's mapping of a served Gold view (``GoldView.serving``)."""
    if view.serving is None:
        raise ValueError(f"gold/{view.name} is not served: its GoldView has no serving")
    return ServingView(view.name, view.serving.view_type, view.serving.key, view.document_fields)


# The "Serving" table of spark_jobs/README.md (generated from the same registry).
SERVING_VIEWS: tuple[ServingView, ...] = tuple(serving_view(view) for view in GOLD_VIEWS.values() if view.serving)
VIEWS_BY_NAME: dict[str, ServingView] = {
    **{view.gold_view: view for view in SERVING_VIEWS},
    **{view.view_type: view for view in SERVING_VIEWS},
}


class ExportError(RuntimeError):
    """The export cannot serve the run as asked; nothing was written for the views concerned."""


class GoldSchemaError(ExportError):
    """A Gold view lacks a column of its documented schema."""


class DocumentValidationError(ExportError):
    """The documents of a view break a rule of the serving contract; none of them were written."""


# ---------------------------------------------------------------------------------------------- extract


def gold_version(spark: SparkSession, paths: LakePaths, view: ServingView) -> int | None:
    """The latest version of the view's Gold table; None when there is no table yet."""
    from spark_jobs.utils import tables

    path = paths.gold(view.gold_view)
    return int(tables.last_commit(spark, path)["version"]) if tables.exists(spark, path) else None


def read_gold(
    spark: SparkSession, paths: LakePaths, view: ServingView, batch_run_id: str, version: int | None
) -> DataFrame | None:
    """The Gold rows of the run (its ``batch_run_id`` partition of the view's Delta table) as of ``version`` (time
    travel: what the table said then); None when there is no table at that version."""
    from pyspark.sql import functions as F

    if version is None:
        return None
    gold = spark.read.format("delta").option("versionAsOf", version).load(paths.gold(view.gold_view))
    return gold.where(F.col("batch_run_id") == batch_run_id)


def read_layer_records(lake: LakeFiles, paths: LakePaths, batch_run_id: str) -> dict[str, dict[str, Any]]:
    """Summaries of the ingestion, Silver and Gold run records of the run that exist on the lake."""
    layers: dict[str, dict[str, Any]] = {}
    for layer, record_name in LAYER_RECORDS.items():
        path = f"{paths.metadata(record_name, batch_run_id)}/run.json"
        if not lake.exists(path):
            continue
        try:
            record = json.loads(lake.read_text(path))
        except ValueError:
            log.warning("run record %s is not JSON; left out of batch_runs", path)
            continue
        if isinstance(record, dict):
            layers[layer] = {key: record[key] for key in _LAYER_SUMMARY_KEYS if key in record}
    return layers


def confirmed_empty(gold_record: Mapping[str, Any] | None, view: ServingView) -> bool:
    """True when the run's Gold record says the view was built, published, and had no rows.

    Gold writes no folder for an empty view, so only its run record tells "empty" from "never built".
    """
    if not gold_record or gold_record.get("status") != "success":
        return False
    counts = gold_record.get("counts") or {}
    return view.gold_view in (gold_record.get("views") or []) and counts.get(view.gold_view) == 0


# -------------------------------------------------------------------------------------------- transform


def bson_value(column: Column, data_type: DataType) -> Column:
    """A column whose Python values pymongo stores as the serving contract wants them.

    - dates become timestamps at midnight and timestamps become UTC wall-clock ``timestamp_ntz``, which
      executors hand over as naive UTC datetimes: BSON dates (BSON has no date-only type; a session-local
      timestamp would be shifted by the executor's time zone);
    - NaN and infinities become null (JSON-backed servers reject them, and no reader can use them);
    - decimals become doubles; structs and arrays are converted field by field (arrays of structs become
      arrays of sub-documents).
    """
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    if isinstance(data_type, T.DateType | T.TimestampType):
        return column.cast(T.TimestampNTZType())
    if isinstance(data_type, T.DecimalType):
        return column.cast(T.DoubleType())
    if isinstance(data_type, T.DoubleType | T.FloatType):
        finite = ~F.isnan(column) & (F.abs(column) != F.lit(math.inf))
        return F.when(finite, column)
    if isinstance(data_type, T.ArrayType) and _needs_conversion(data_type.elementType):
        return F.transform(column, lambda element: bson_value(element, data_type.elementType))
    if isinstance(data_type, T.StructType) and _needs_conversion(data_type):
        converted = F.struct(*(bson_value(column[f.name], f.dataType).alias(f.name) for f in data_type.fields))
        return F.when(column.isNotNull(), converted)
    return column


def _needs_conversion(data_type: DataType) -> bool:
    from pyspark.sql import types as T

    if isinstance(data_type, T.DateType | T.TimestampType | T.DecimalType | T.DoubleType | T.FloatType):
        return True
    if isinstance(data_type, T.ArrayType):
        return _needs_conversion(data_type.elementType)
    if isinstance(data_type, T.StructType):
        return any(_needs_conversion(f.dataType) for f in data_type.fields)
    return False


def document_id(view: ServingView) -> Column:
    """``view_type:key1:key2...``; a null key part is empty, so every part keeps its position."""
    from pyspark.sql import functions as F

    # concat_ws alone would skip nulls and shift later parts: (year null, month 5) must not equal (5, null).
    parts = [F.coalesce(F.col(column).cast("string"), F.lit("")) for column in view.key]
    return F.concat_ws(":", F.lit(view.view_type), *parts)


def require_columns(schema: StructType, columns: Sequence[str], what: str) -> None:
    present = set(schema.fieldNames())
    missing = [column for column in columns if column not in present]
    if missing:
        raise GoldSchemaError(f"{what} lacks documented columns {missing}; it has {sorted(present)}")


def to_documents(gold: DataFrame, view: ServingView) -> DataFrame:
    """Gold rows -> document columns: ``_id``, the common fields, then the view's fields at top level."""
    from pyspark.sql import functions as F

    # One schema request: on Spark Connect each look at a DataFrame's columns asks the server.
    schema = gold.schema
    columns = [column for column, _ in view.fields]
    require_columns(schema, [*columns, *view.key, "batch_run_id", "computed_at"], f"gold/{view.gold_view}")
    types = {f.name: f.dataType for f in schema.fields}
    return gold.select(
        document_id(view).alias("_id"),
        F.lit(view.view_type).alias("view_type"),
        F.col("batch_run_id").cast("string").alias("batch_run_id"),
        bson_value(F.col("computed_at"), types["computed_at"]).alias("computed_at"),
        F.lit(DATA_FRESHNESS).alias("data_freshness"),
        F.lit(UPDATE_FREQUENCY).alias("update_frequency"),
        *(bson_value(F.col(column), types[column]).alias(name) for column, name in view.fields),
    )


def comparison_base(
    served: Mapping[str, Any] | None, batch_run_id: str, gold_version: int | None
) -> dict[str, Any] | None:
    """The run (and Gold version) whose view the served documents equal, when the export of ``batch_run_id`` may
    write only what differs from it; None when it must write every document.

    - nothing recorded (a first export, or a database served before the record existed): every document;
    - ``served`` by a run up to ``batch_run_id`` (the previous run, or this one exported again): what changed;
    - ``served`` by a later run (a ``--force`` rollback): every document, so that all carry the older run;
    - ``writing``, stopped half-way: the same run read at the same Gold version (``gold_version``) compares with
      the same base, so it repeats the same writes; any other run, or the run rebuilt since, cannot know which
      documents the stopped export wrote, so it writes every document.
    """
    if served is None:
        return None
    if served["state"] == "served":
        if served["batch_run_id"] > batch_run_id:
            return None
        return {"batch_run_id": served["batch_run_id"], "gold_version": served["gold_version"]}
    if served["batch_run_id"] == batch_run_id and served["gold_version"] == gold_version and served.get("base"):
        return dict(served["base"])
    return None


CHANGE = "_change"
UPSERT = "upsert"
DELETE = "delete"


def document_changes(documents: DataFrame, served: DataFrame | None) -> DataFrame:
    """What turns the ``served`` documents into ``documents``: one row per ``_id`` that differs, ``_change``
    ``upsert`` with the new document (a new key, or a field changed) or ``delete`` with only ``_id`` (a key gone).

    Compared are every field but ``batch_run_id`` and ``computed_at``: a document whose values the new run left
    as they were is not rewritten, and keeps the run that computed them. ``served`` None means none are served.
    The join is by ``_id``, on the executors; only the rows that differ come out.
    """
    from pyspark.sql import functions as F

    columns = documents.columns
    if served is None:
        return documents.withColumn(CHANGE, F.lit(UPSERT))
    content = [column for column in columns if column not in ("_id", *RUN_COLUMNS)]
    new = documents.withColumn("_content", F.struct(*content))
    old = served.select(F.col("_id").alias("_served_id"), F.struct(*content).alias("_served_content"))
    change = (
        F.when(F.col("_served_id").isNull(), F.lit(UPSERT))
        .when(F.col("_id").isNull(), F.lit(DELETE))
        .when(~F.col("_content").eqNullSafe(F.col("_served_content")), F.lit(UPSERT))
    )
    joined = new.join(old, new["_id"] == old["_served_id"], "full_outer")
    return joined.select(
        F.coalesce(F.col("_id"), F.col("_served_id")).alias("_id"),
        *(F.col(column) for column in columns if column != "_id"),
        change.alias(CHANGE),
    ).where(F.col(CHANGE).isNotNull())


def count_changes(changes: Mapping[str, DataFrame]) -> dict[str, dict[str, int]]:
    """``{view_type: {"upsert": n, "delete": m}}`` of every view's changes, from one aggregate job."""
    from functools import reduce

    from pyspark.sql import functions as F

    if not changes:
        return {}
    kinds = [frame.select(F.lit(view_type).alias("view_type"), CHANGE) for view_type, frame in changes.items()]
    rows = reduce(lambda a, b: a.unionByName(b), kinds).groupBy("view_type", CHANGE).count().collect()
    counted: dict[str, dict[str, int]] = {view_type: {UPSERT: 0, DELETE: 0} for view_type in changes}
    for row in rows:
        counted[row["view_type"]][row[CHANGE]] = int(row["count"])
    return counted


# --------------------------------------------------------------------------------------------- validate


@dataclass(frozen=True)
class DocumentCheck:
    documents: int
    distinct_ids: int
    other_runs: int
    missing_computed_at: int


def check_documents(views: Mapping[str, DataFrame], batch_run_id: str) -> dict[str, DocumentCheck]:
    """The counts the validation needs, per view type, from one aggregate job over every view's documents.

    Only these few numbers per view leave the executors; one job instead of one per view because each Spark
    job has a fixed cost that dwarfs the work on views of this size.
    """
    from functools import reduce

    from pyspark.sql import functions as F

    if not views:
        return {}
    keys = [
        documents.select(F.lit(view_type).alias("view_type"), "_id", "batch_run_id", "computed_at")
        for view_type, documents in views.items()
    ]
    rows = (
        reduce(lambda left, right: left.unionByName(right), keys)
        .groupBy("view_type")
        .agg(
            F.count(F.lit(1)).alias("documents"),
            F.countDistinct("_id").alias("distinct_ids"),
            F.count(F.when(F.col("batch_run_id").isNull() | (F.col("batch_run_id") != batch_run_id), 1)).alias(
                "other_runs"
            ),
            F.count(F.when(F.col("computed_at").isNull(), 1)).alias("missing_computed_at"),
        )
        .collect()
    )
    found = {
        row["view_type"]: DocumentCheck(
            documents=int(row["documents"]),
            distinct_ids=int(row["distinct_ids"]),
            other_runs=int(row["other_runs"]),
            missing_computed_at=int(row["missing_computed_at"]),
        )
        for row in rows
    }
    # A view with no rows has no group: it has zero documents.
    return {view_type: found.get(view_type, DocumentCheck(0, 0, 0, 0)) for view_type in views}


def validate(check: DocumentCheck, view: ServingView, batch_run_id: str) -> None:
    """Raises before anything is written when the documents would collapse or mix runs."""
    problems = []
    if check.distinct_ids != check.documents:
        # Two rows with one _id would silently overwrite each other: the Gold view is not unique by its key.
        problems.append(
            f"{check.documents - check.distinct_ids} documents share an _id (key {list(view.key)} is not unique)"
        )
    if check.other_runs:
        problems.append(f"{check.other_runs} documents do not belong to {batch_run_id}")
    if check.missing_computed_at:
        problems.append(f"{check.missing_computed_at} documents have no computed_at")
    if problems:
        raise DocumentValidationError(f"{view.view_type} from gold/{view.gold_view}: " + "; ".join(problems))


# ------------------------------------------------------------------------------------------------- load


def write_partitions(documents: int, batch_size: int, parallelism: int) -> int:
    """Writers for a view: one per core, but never more than there are chunks to send."""
    return max(1, min(parallelism, math.ceil(documents / batch_size)))


def load_documents(
    documents: DataFrame,
    count: int,
    target: serving.MongoTarget,
    view_type: str,
    on_chunk: serving.ChunkCallback | None = None,
) -> int:
    """Replace-upserts the documents from the executors; returns how many MongoDB acknowledged.

    Each writer task sends its partition and answers one row with its acknowledged count (``mapInArrow``, which
    classic and Spark Connect sessions both run), so the total needs no accumulator. The partitions are merged
    down to the writers, never shuffled up: on 50,000 documents a shuffle to two writers made the export 3-4 s
    slower, and more concurrent writers than cores only queue at the server.
    """
    write = functools.partial(_write_batches, target=target, view_type=view_type, on_chunk=on_chunk)
    return _on_executors(documents, count, target, write)


def delete_documents(ids: DataFrame, count: int, target: serving.MongoTarget) -> int:
    """Deletes the documents whose ``_id`` the rows of ``ids`` name, from the executors as
    :func:`load_documents` writes; returns how many were there."""
    return _on_executors(ids, count, target, functools.partial(_delete_batches, target=target))


def _on_executors(
    rows: DataFrame,
    count: int,
    target: serving.MongoTarget,
    task: functools.partial[Iterator[pa.RecordBatch]],
) -> int:
    """Runs ``task`` on the partitions of ``rows`` merged down to the writers; the sum of the counts it answers."""
    from pyspark.sql import functions as F

    if not count:
        return 0
    writers = write_partitions(count, target.batch_size, default_parallelism(rows.sparkSession))
    done = rows.coalesce(writers).mapInArrow(task, "done long").agg(F.sum("done").alias("done")).first()
    return int(done["done"] or 0) if done else 0


def _answer(done: int) -> pa.RecordBatch:
    import pyarrow as pa

    return pa.RecordBatch.from_pydict({"done": [done]}, schema=pa.schema([("done", pa.int64())]))


def _write_batches(
    batches: Iterator[pa.RecordBatch],
    target: serving.MongoTarget,
    view_type: str,
    on_chunk: serving.ChunkCallback | None,
) -> Iterator[pa.RecordBatch]:
    # to_pylist gives the documents as plain dicts: nested structs as dicts, arrays as lists, timestamps as
    # datetimes, which is what BSON encodes.
    documents = (document for batch in batches for document in batch.to_pylist())
    yield _answer(serving.write_documents(documents, target, view_type, on_chunk=on_chunk))


def _delete_batches(batches: Iterator[pa.RecordBatch], target: serving.MongoTarget) -> Iterator[pa.RecordBatch]:
    ids = (key for batch in batches for key in batch.column("_id").to_pylist())
    yield _answer(serving.delete_documents(ids, target))


# ------------------------------------------------------------------------------------------------- job


@dataclass
class _Prepared:
    """A view on its way to MongoDB.

    ``documents``: the run's documents (None when Gold reports the view empty), ``count`` of them;
    ``gold_version``: the Gold table's version they were read at; ``base``: the served view the export compares
    with (None: it writes every document), ``served``: that view's documents; ``changes``: what differs
    (:func:`document_changes`) and ``changed``: how many upserts and deletes it holds.
    """

    view: ServingView
    documents: DataFrame | None
    gold_version: int | None = None
    base: dict[str, Any] | None = None
    served: DataFrame | None = None
    count: int = 0
    changes: DataFrame | None = None
    changed: dict[str, int] = field(default_factory=dict)


@dataclass
class _Progress:
    """What the export has done so far, for the run record also when it fails."""

    counts: dict[str, int] = field(default_factory=dict)
    upserted: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    removed: dict[str, int] = field(default_factory=dict)
    compared_with: dict[str, str | None] = field(default_factory=dict)
    superseded: dict[str, str] = field(default_factory=dict)

    def outcome(self) -> dict[str, Any]:
        return {
            "counts": dict(self.counts),
            "upserted": dict(self.upserted),
            "unchanged": dict(self.unchanged),
            "stale_removed": dict(self.removed),
            "compared_with": dict(self.compared_with),
            "superseded": dict(self.superseded),
            "total_documents": sum(self.counts.values()),
        }


def export_run(
    spark: SparkSession,
    paths: LakePaths,
    target: serving.MongoTarget,
    hour: LogicalHour,
    views: Sequence[ServingView] = SERVING_VIEWS,
    *,
    force: bool = False,
    on_chunk: serving.ChunkCallback | None = None,
) -> dict[str, Any]:
    """Exports the Gold views of ``hour`` to ``target``; returns the ``batch_runs`` record written.

    ``force`` exports views whose served documents come from a later run (a deliberate rollback).
    ``on_chunk`` is called on the executors after each acknowledged chunk (a test seam).
    """
    batch_run_id = hour.batch_run_id
    time_zone = spark.conf.get("spark.sql.session.timeZone")
    if time_zone != "UTC":
        # Timestamps become BSON dates through UTC wall-clock values; any other session zone would shift them.
        raise ExportError(f"the export needs spark.sql.session.timeZone=UTC, the session has {time_zone}")
    metrics = JobMetrics(JOB, batch_run_id, log)
    started = time.monotonic()
    progress = _Progress()
    prepared: list[_Prepared] = []
    client = serving.connect(target)
    try:
        db = client[target.database]
        layers = read_layer_records(LakeFiles(paths.root), paths, batch_run_id)
        record = serving.begin_run(
            db,
            batch_run_id,
            logical_hour=hour.start,
            view_types=[view.view_type for view in views],
            layers=layers,
            started_at=serving.utc_now(),
        )
        try:
            with metrics.stage("extract"):
                prepared = _extract(spark, paths, db, views, batch_run_id, layers.get("gold"), force, progress)
            with metrics.stage("transform_validate"):
                _transform_validate(prepared, batch_run_id, metrics)
            with metrics.stage("compare"):
                _compare(prepared)
            for item in prepared:
                with metrics.stage(f"load_{item.view.view_type}"):
                    _load(db, item, target, batch_run_id, on_chunk, progress)
            with metrics.stage("indexes"):
                serving.update_serving_indexes(db)
        except Exception as exc:
            _record_failure(db, record, exc, target, started, progress, metrics)
            raise
        status = "complete" if progress.counts or not progress.superseded else "superseded"
        record = serving.finish_run(
            db,
            record,
            status=status,
            finished_at=serving.utc_now(),
            duration_seconds=round(time.monotonic() - started, 3),
            export=metrics.summary(),
            **progress.outcome(),
        )
        log.info(
            "export %s %s: %d documents served to %s/%s.%s (%s), %.1f s",
            batch_run_id,
            status,
            record["total_documents"],
            target.host,
            target.database,
            serving.BATCH_VIEWS,
            ", ".join(
                f"{view_type} {n} ({progress.upserted.get(view_type, 0)} upserted, "
                f"{progress.removed.get(view_type, 0)} deleted)"
                for view_type, n in progress.counts.items()
            )
            or "nothing written",
            record["duration_seconds"],
        )
        return record
    finally:
        for item in prepared:
            if item.changes is not None:
                item.changes.unpersist()
        client.close()


def _extract(
    spark: SparkSession,
    paths: LakePaths,
    db: Any,
    views: Sequence[ServingView],
    batch_run_id: str,
    gold_record: Mapping[str, Any] | None,
    force: bool,
    progress: _Progress,
) -> list[_Prepared]:
    """The Gold rows of every view to export, and those of the view served now; views already served from a later
    run are left out."""
    prepared = []
    for view in views:
        served = serving.served_view(db, view.view_type)
        newer = None if force else _newer_run(db, view, served, batch_run_id)
        if newer is not None:
            progress.superseded[view.view_type] = newer
            log.warning(
                "%s: served documents come from the later run %s; %s left as is (--force replaces them)",
                view.view_type,
                newer,
                batch_run_id,
            )
            continue
        version = gold_version(spark, paths, view)
        gold = read_gold(spark, paths, view, batch_run_id, version)
        if gold is not None and gold.isEmpty():
            gold = None
        if gold is None and not confirmed_empty(gold_record, view):
            raise ExportError(
                f"gold/{view.gold_view} has no data for {batch_run_id} under {paths.gold(view.gold_view)} and the "
                f"run's Gold record does not report it empty: run the Gold job for this hour first"
            )
        base = comparison_base(served, batch_run_id, version)
        item = _Prepared(view, gold, gold_version=version, base=base)
        if base is not None:
            item.served = read_gold(spark, paths, view, base["batch_run_id"], base["gold_version"])
        prepared.append(item)
    return prepared


def _newer_run(db: Any, view: ServingView, served: Mapping[str, Any] | None, batch_run_id: str) -> str | None:
    """The later run the view's served documents (wholly or partly) come from, if any."""
    if served is None:
        # A database served before the served-view record existed: its documents say which run they are from.
        return serving.newer_run(db, view.view_type, batch_run_id)
    return served["batch_run_id"] if served["batch_run_id"] > batch_run_id else None


def _transform_validate(prepared: Sequence[_Prepared], batch_run_id: str, metrics: JobMetrics) -> None:
    """Turns every view into documents and validates them all before the first write."""
    from concurrent.futures import ThreadPoolExecutor

    present = []
    for item in prepared:
        if item.documents is None:
            log.warning("%s: the Gold record reports no rows for %s", item.view.view_type, batch_run_id)
        else:
            present.append(item)
    # No cache: validation reads only _id, batch_run_id and computed_at (columns are pruned), and caching every
    # view costs more than reading its Parquet a second time. Each view's schema is a request to the server
    # (it lists the view's folders and reads a footer): they are sent together.
    with ThreadPoolExecutor(max_workers=max(1, len(present)), thread_name_prefix="export-schema") as pool:
        documents = list(pool.map(lambda item: to_documents(item.documents, item.view), present))
    for item, view_documents in zip(present, documents, strict=True):
        item.documents = view_documents
    checks = check_documents({item.view.view_type: item.documents for item in present}, batch_run_id)
    for item in present:
        validate(checks[item.view.view_type], item.view, batch_run_id)
        item.count = metrics.count(item.view.view_type, checks[item.view.view_type].documents)
    for item in prepared:
        if item.served is not None:
            item.served = _served_documents(item)


def _served_documents(item: _Prepared) -> DataFrame | None:
    """The documents of the served view, as this export would build them; a served view whose Gold rows lack a
    column the view has now cannot be compared, and the export then writes every document."""
    try:
        return to_documents(item.served, item.view)
    except GoldSchemaError as exc:
        log.warning("%s: the served view cannot be compared (%s); every document is written", item.view.view_type, exc)
        item.base = None
        return None


def _compare(prepared: Sequence[_Prepared]) -> None:
    """What differs from the served view, for every view compared with one: kept (memory, then disk) for the
    writes, and counted by one job for all views."""
    from pyspark import StorageLevel

    compared = [item for item in prepared if item.base is not None]
    for item in compared:
        documents = item.documents
        if documents is None:
            # The view is empty now: every served document is a delete.
            documents = item.served.limit(0) if item.served is not None else None
        if documents is None:
            item.changed = {UPSERT: 0, DELETE: 0}
            continue
        item.changes = document_changes(documents, item.served).persist(StorageLevel.MEMORY_AND_DISK)
    counted = count_changes({item.view.view_type: item.changes for item in compared if item.changes is not None})
    for item in compared:
        item.changed = counted.get(item.view.view_type, item.changed)
        log.info(
            "%s: %d documents to upsert, %d to delete, %d unchanged since %s",
            item.view.view_type,
            item.changed[UPSERT],
            item.changed[DELETE],
            item.count - item.changed[UPSERT],
            item.base["batch_run_id"],
        )


def _load(
    db: Any,
    item: _Prepared,
    target: serving.MongoTarget,
    batch_run_id: str,
    on_chunk: serving.ChunkCallback | None,
    progress: _Progress,
) -> None:
    """Writes one view: the documents that changed since the served view (or all of them), checks MongoDB
    acknowledged them all, then removes the documents whose keys left the view; records the view as served."""
    from pyspark.sql import functions as F

    view_type = item.view.view_type
    served = functools.partial(
        serving.record_served_view, db, view_type, batch_run_id=batch_run_id, gold_view=item.view.gold_view
    )
    # Until the view is recorded served again, a reader (and the next export) knows the documents are a mix.
    served(state="writing", gold_version=item.gold_version, documents=None, base=item.base)
    if item.base is None:
        upserts, planned = item.documents, item.count
    else:
        upserts = item.changes.where(F.col(CHANGE) == UPSERT).drop(CHANGE) if item.changes is not None else None
        planned = item.changed[UPSERT]
    written = load_documents(upserts, planned, target, view_type, on_chunk) if upserts is not None else 0
    if written != planned:
        raise serving.ServingWriteError(
            f"{view_type}: MongoDB at {target.host} acknowledged {written} of {planned} documents"
        )
    progress.counts[view_type] = item.count
    progress.upserted[view_type] = written
    progress.unchanged[view_type] = item.count - written
    progress.compared_with[view_type] = item.base["batch_run_id"] if item.base is not None else None
    # Only now, with every document of this run in place, may the others go.
    if item.base is None:
        progress.removed[view_type] = serving.delete_stale(db, view_type, batch_run_id)
    elif item.changes is not None:
        gone = item.changes.where(F.col(CHANGE) == DELETE).select("_id")
        progress.removed[view_type] = delete_documents(gone, item.changed[DELETE], target)
    else:
        progress.removed[view_type] = 0
    served(state="served", gold_version=item.gold_version, documents=item.count, base=None)
    log.info(
        "%s: %d documents written, %d unchanged, %d removed",
        view_type,
        written,
        progress.unchanged[view_type],
        progress.removed[view_type],
    )


def _error_summary(exc: BaseException, uri: str, limit: int = 1000) -> str:
    """The error for the run record, without credentials.

    An executor failure reaches the driver as a Java error whose message is a long JVM stack with the Python
    traceback inside; the record keeps the Python exception line, which says what went wrong (the whole trace
    is in the job's log).
    """
    message = serving.redact(str(exc), uri)
    cause = _python_exception_line(message)
    summary = f"{type(exc).__name__}: {cause or message}"
    return summary if len(summary) <= limit else summary[: limit - 3] + "..."


def _python_exception_line(message: str) -> str | None:
    """The last exception line of the Python tracebacks in ``message`` (the first unindented line after one)."""
    found = None
    in_traceback = False
    for line in message.splitlines():
        if "Traceback (most recent call last)" in line:
            in_traceback = True
        elif in_traceback and line and not line.startswith((" ", "\t")):
            found = line.strip()
            in_traceback = False
    return found


def _record_failure(
    db: Any,
    record: dict[str, Any],
    exc: BaseException,
    target: serving.MongoTarget,
    started: float,
    progress: _Progress,
    metrics: JobMetrics,
) -> None:
    from pymongo.errors import PyMongoError

    try:
        serving.finish_run(
            db,
            record,
            status="failed",
            finished_at=serving.utc_now(),
            duration_seconds=round(time.monotonic() - started, 3),
            export=metrics.summary(),
            error=_error_summary(exc, target.uri),
            **progress.outcome(),
        )
    except PyMongoError as record_error:
        # The original failure matters more than its record: log this one and let the original propagate.
        log.warning("could not record the failed run in batch_runs: %s", type(record_error).__name__)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    names = [view.view_type for view in SERVING_VIEWS]
    parser = argparse.ArgumentParser(prog="python -m batch_views.export_to_mongo", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--logical-date",
        required=True,
        help="Airflow's data_interval_end (ISO-8601) or a batch_run_id such as batch_2025_11_09_10",
    )
    parser.add_argument(
        "--views",
        nargs="+",
        default=names,
        metavar="VIEW",
        help=f"view types or Gold view names (space- or comma-separated), default all: {', '.join(names)}",
    )
    parser.add_argument("--batch-size", type=int, help="documents per bulk write (default MONGO_EXPORT_BATCH_SIZE)")
    parser.add_argument(
        "--force", action="store_true", help="also replace views whose served documents come from a later run"
    )
    args = parser.parse_args(argv)
    requested = {name for value in args.views for name in value.split(",") if name}
    unknown = sorted(requested - set(VIEWS_BY_NAME))
    if unknown:
        parser.error(f"unknown views {unknown}; expected some of {names} (or their Gold names)")
    if args.batch_size is not None and args.batch_size < 1:
        parser.error("--batch-size must be at least 1")
    chosen = {VIEWS_BY_NAME[name].view_type for name in requested}
    args.views = [view for view in SERVING_VIEWS if view.view_type in chosen]
    return args


def run(spark: SparkSession, argv: Sequence[str]) -> None:
    """The export on a session its caller owns (an Airflow task's Spark Connect session, a test's)."""
    from config.settings import get_settings

    args = parse_args(argv)
    settings = get_settings()
    target = serving.MongoTarget.from_settings(settings, args.batch_size)
    # Fail fast, before Spark reads anything, when the server is not there.
    serving.connect(target).close()
    hour = LogicalHour.parse(args.logical_date)
    export_run(spark, open_lake(settings.lake_root), target, hour, args.views, force=args.force)


def main(argv: Sequence[str] | None = None) -> int:
    return run_as_program(JOB, parse_args, run, argv, failures=(serving.ServingError, ExportError))


if __name__ == "__main__":
    sys.exit(main())
