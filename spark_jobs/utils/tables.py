"""The lake's Delta tables: read, write and inspect them through Spark, the same on a classic and a Connect session.

Every write is one Delta commit, so a reader sees a write whole or not at all, and a write that fails (or a job
killed half-way) leaves the table at its last version. Each commit carries the run that made it: the jobs set
``spark.databricks.delta.commitInfo.userMetadata`` to their ``batch_run_id`` (:func:`commits_as`), which
``DESCRIBE HISTORY`` shows in its ``userMetadata`` column and :func:`version_of_run` looks up for time travel.

Only Spark SQL and the DataFrame writer are used (no ``delta.tables.DeltaTable``): a Spark Connect client has no
JVM, and SQL needs no Delta Connect plugin on the server.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession
    from pyspark.sql.types import StructType

    from spark_jobs.utils.lake import LakeFiles, LakePaths

log = logging.getLogger(__name__)

COMMIT_METADATA = "spark.databricks.delta.commitInfo.userMetadata"


def ref(path: str) -> str:
    """A table's name in SQL: ``delta.`path```."""
    return f"delta.`{path}`"


def commits_as(spark: SparkSession, batch_run_id: str) -> None:
    """Every commit this session makes from now on names ``batch_run_id`` in its commit info."""
    spark.conf.set(COMMIT_METADATA, batch_run_id)


def exists(spark: SparkSession, path: str) -> bool:
    """True when ``path`` holds a Delta table (a commit log with at least one commit)."""
    from pyspark.errors import AnalysisException

    try:
        spark.sql(f"DESCRIBE DETAIL {ref(path)}").select("format").first()
    except AnalysisException:
        return False
    return True


def read(spark: SparkSession, path: str, schema: StructType, *, version: int | None = None) -> DataFrame:
    """The table at ``path`` (as of ``version`` when given) with the contract's columns; empty when it does not
    exist yet."""
    if not exists(spark, path):
        return spark.createDataFrame([], schema)
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    return reader.load(path).select(*schema.fieldNames())


def sql_literal(value: object) -> str:
    """A value as a SQL literal for a predicate (partition values: ints, strings, dates)."""
    if value is None:
        return "NULL"
    if isinstance(value, (int, float)):
        return str(value)
    return "'" + str(value).replace("'", "''") + "'"


def predicate(values: dict[str, object]) -> str:
    """``a = 1 AND b = 'x'`` for the given column values."""
    return " AND ".join(f"{column} = {sql_literal(value)}" for column, value in values.items())


def is_in(column: str, values: Sequence[object]) -> str:
    """``column IN (...)``, or ``FALSE`` for no values (a predicate no row matches)."""
    return f"{column} IN ({', '.join(map(sql_literal, values))})" if values else "FALSE"


def replace_where(df: DataFrame, path: str, condition: str, partition_by: Sequence[str] = ()) -> None:
    """Replaces exactly the rows of the table that match ``condition`` by ``df`` (whose rows must all match it),
    in one commit; creates the table on the first write."""
    writer = df.write.format("delta").mode("overwrite").option("replaceWhere", condition)
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    writer.save(path)
    log.info("replaced %s where %s", path, condition)


def overwrite(
    df: DataFrame, path: str, partition_by: Sequence[str] = (), *, properties: dict[str, str] | None = None
) -> None:
    """Replaces the whole table by ``df`` in one commit (its earlier versions stay readable until VACUUM).

    ``properties`` (``delta.*`` table properties) are set on the table by this commit.
    """
    writer = df.write.format("delta").mode("overwrite").option("overwriteSchema", "true").options(**(properties or {}))
    if partition_by:
        writer = writer.partitionBy(*partition_by)
    writer.save(path)
    log.info("overwrote %s", path)


def merge(
    spark: SparkSession,
    df: DataFrame,
    path: str,
    keys: Sequence[str],
    partition_by: Sequence[str] = (),
    *,
    properties: dict[str, str] | None = None,
) -> None:
    """Upserts ``df`` into the table by ``keys`` (``MERGE INTO``: matched rows replaced, new rows inserted), in
    one commit; creates the table from ``df`` when there is none yet."""
    if not exists(spark, path):
        overwrite(df, path, partition_by, properties=properties)
        return
    source = f"merge_source_{abs(hash((path, tuple(keys))))}"
    df.createOrReplaceTempView(source)
    on = " AND ".join(f"target.{key} = source.{key}" for key in keys)
    try:
        spark.sql(
            f"MERGE INTO {ref(path)} AS target USING {source} AS source ON {on} "
            "WHEN MATCHED THEN UPDATE SET * WHEN NOT MATCHED THEN INSERT *"
        )
    finally:
        spark.catalog.dropTempView(source)
    log.info("merged into %s by %s", path, ", ".join(keys))


def history(spark: SparkSession, path: str, limit: int | None = None) -> DataFrame:
    """``DESCRIBE HISTORY``: one row per commit, newest first (version, timestamp, operation, userMetadata...)."""
    return spark.sql(f"DESCRIBE HISTORY {ref(path)}" + (f" LIMIT {int(limit)}" if limit else ""))


def version_of_run(spark: SparkSession, path: str, batch_run_id: str) -> int | None:
    """The table's last version committed by ``batch_run_id``, or None when that run never committed to it."""
    from pyspark.sql import functions as F

    row = (
        history(spark, path).where(F.col("userMetadata") == batch_run_id).agg(F.max("version").alias("version")).first()
    )
    return None if row is None or row.version is None else int(row.version)


# ---------------------------------------------------------------------------------------------- inspection, upkeep

# The layers whose datasets are Delta tables (quality/, metadata/ and staging/ hold plain files).
TABLE_LAYERS = ("bronze", "silver", "gold", "quarantine")
RETENTION_CHECK = "spark.databricks.delta.retentionDurationCheck.enabled"
# Delta's default delta.deletedFileRetentionDuration: VACUUM refuses a shorter retention while the check is on.
SAFE_VACUUM_RETENTION_HOURS = 168
VACUUM_LISTING_PARALLELISM = "spark.sql.sources.parallelPartitionDiscovery.parallelism"


def find(files: LakeFiles, paths: LakePaths) -> list[tuple[str, str]]:
    """Every Delta table of the lake as ``(layer/name, path)``, found by its ``_delta_log`` folder, sorted."""
    found = []
    for layer in TABLE_LAYERS:
        for child in files.list(paths.layer(layer)):
            if child.is_dir and files.exists(f"{child.path}/_delta_log"):
                found.append((f"{layer}/{child.name}", child.path))
    return found


def detail(spark: SparkSession, path: str) -> dict[str, Any]:
    """``DESCRIBE DETAIL`` as a dict: numFiles, sizeInBytes, partitionColumns, properties, lastModified..."""
    return spark.sql(f"DESCRIBE DETAIL {ref(path)}").first().asDict()


def last_commit(spark: SparkSession, path: str) -> dict[str, Any]:
    """The table's newest commit: version, timestamp, operation, userMetadata (the run), operationMetrics..."""
    return history(spark, path, limit=1).first().asDict()


def delete_where(spark: SparkSession, path: str, condition: str) -> int:
    """``DELETE FROM`` the table the rows matching ``condition``, in one commit; returns the rows deleted.

    On partition columns alone the condition drops whole files without reading them. The files stay on storage
    (older versions still read them) until :func:`vacuum`.
    """
    row = spark.sql(f"DELETE FROM {ref(path)} WHERE {condition}").first()
    deleted = int(row[0]) if row is not None and row[0] is not None else 0
    log.info("deleted %d rows from %s where %s", deleted, path, condition)
    return deleted


def optimize(spark: SparkSession, path: str, zorder_by: Sequence[str] = ()) -> dict[str, int]:
    """``OPTIMIZE`` (small files of each partition compacted, or the table clustered ``ZORDER BY`` the columns)
    in one commit; returns the files it added and removed. Rows and versions read the same."""
    statement = f"OPTIMIZE {ref(path)}" + (f" ZORDER BY ({', '.join(zorder_by)})" if zorder_by else "")
    metrics = spark.sql(statement).select("metrics.numFilesAdded", "metrics.numFilesRemoved").first()
    return {"files_added": int(metrics.numFilesAdded or 0), "files_removed": int(metrics.numFilesRemoved or 0)}


@contextmanager
def session_conf(spark: SparkSession, values: dict[str, str]) -> Iterator[None]:
    """Sets session settings for the block, then restores their earlier values."""
    previous = {key: spark.conf.get(key, None) for key in values}
    for key, value in values.items():
        spark.conf.set(key, value)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, value)


@contextmanager
def vacuum_retention(spark: SparkSession, hours: int) -> Iterator[None]:
    """Lets this session ``VACUUM ... RETAIN hours HOURS``: below Delta's safe 168 hours its retention-duration
    check is off while in the block (and logged), then restored."""
    if hours >= SAFE_VACUUM_RETENTION_HOURS:
        yield
        return
    log.warning(
        "VACUUM retention %d h is below Delta's safe %d h: %s=false for this session; time travel to versions "
        "older than %d h, and readers still on them, may fail",
        hours,
        SAFE_VACUUM_RETENTION_HOURS,
        RETENTION_CHECK,
        hours,
    )
    with session_conf(spark, {RETENTION_CHECK: "false"}):
        yield


def _vacuum(spark: SparkSession, path: str, retention_hours: int, dry_run: bool) -> list[Any]:
    # VACUUM lists a table's folders in one Spark task per folder, up to Spark's partition-discovery parallelism
    # (10000 by default, meant for huge tables): on a small table, thousands of empty tasks, a minute on two cores.
    statement = f"VACUUM {ref(path)} RETAIN {int(retention_hours)} HOURS" + (" DRY RUN" if dry_run else "")
    with session_conf(spark, {VACUUM_LISTING_PARALLELISM: "16"}):
        return spark.sql(statement).collect()


def vacuum_dry_run(spark: SparkSession, path: str, retention_hours: int) -> list[str]:
    """The files ``VACUUM`` would delete now (``DRY RUN``: nothing deleted, nothing committed), sorted."""
    return sorted(row.path for row in _vacuum(spark, path, retention_hours, dry_run=True))


def vacuum(spark: SparkSession, path: str, retention_hours: int) -> int | None:
    """``VACUUM``: deletes the files no version of the last ``retention_hours`` reads. Time travel then reaches
    only the versions whose files are left. Returns the files deleted, when Delta logged the vacuum (its
    ``VACUUM END`` commit), else None."""
    _vacuum(spark, path, retention_hours, dry_run=False)
    commit = last_commit(spark, path)
    if commit["operation"] != "VACUUM END":
        return None
    return int((commit["operationMetrics"] or {}).get("numDeletedFiles", 0))
