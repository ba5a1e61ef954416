"""Write, audit, publish: Silver is written to staging, validated there, and only then made visible.

- A full refresh writes each dataset whole into staging and swaps it in by renames (old aside, new in, old
  deleted).
- An incremental run rewrites only the ``year=/month=/genre=`` folders of the rows it changed, in their old and
  new partitions (for movies, the rows it touched: comparing cast and crew arrays would cost more than
  rewriting the few folders of touched but unchanged movies). Spark's dynamic partition overwrite replaces
  exactly those folders from the validated staged state, in the JVM; a folder left with no row is deleted.
  A Silver folder holds one or two movies, so rewriting all of them every run would cost far more than the
  run's merge.

Until the publish step nothing a reader sees has changed, so a failed expectation (or a crash) publishes
nothing. Publishing is idempotent: a run stopped half-way is completed by running it again.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from pyspark.sql import DataFrame, Row, SparkSession
from pyspark.sql import functions as F

from spark_jobs.utils.lake import LakeFS
from spark_jobs.utils.spark_session import default_parallelism

log = logging.getLogger(__name__)

HIVE_NULL = "__HIVE_DEFAULT_PARTITION__"
STATE_FILES = 4


def write_partitioned(df: DataFrame, path: str, partition_by: Sequence[str], *, only_present: bool = False) -> None:
    """Writes ``df`` as Parquet partitioned by ``partition_by``, one file per folder.

    ``only_present`` replaces only the folders ``df`` has rows for (dynamic overwrite); otherwise everything
    under ``path`` is replaced.
    """
    # Grouping rows by partition first gives one file per folder instead of one per task and folder. The task
    # count is explicit because adaptive execution would merge these small shuffle partitions into one task,
    # which then writes thousands of small files alone while the other cores idle.
    tasks = 2 * default_parallelism(df.sparkSession)
    df.repartition(tasks, *partition_by).write.mode("overwrite").option(
        "partitionOverwriteMode", "dynamic" if only_present else "static"
    ).partitionBy(*partition_by).parquet(path)


def write_state(df: DataFrame, path: str) -> None:
    """Writes a whole dataset unpartitioned, in a few files."""
    df.coalesce(STATE_FILES).write.mode("overwrite").parquet(path)


def swap_dataset(lake: LakeFS, staged: str, live: str, replaced: str) -> None:
    """Replaces ``live`` by ``staged``: two renames, then the old copy is deleted."""
    lake.delete(replaced)
    if lake.exists(live):
        lake.rename(live, replaced)
    lake.rename(staged, live)
    lake.delete(replaced)
    log.info("published %s", live)


def swap_partitions(lake: LakeFS, staged: str, live: str, replaced: str) -> list[str]:
    """Replaces the top-level partition folders of ``live`` that ``staged`` has; the others stay."""
    lake.delete(replaced)
    folders = [child.name for child in lake.list(staged) if child.is_dir and "=" in child.name]
    for folder in folders:
        if lake.exists(f"{live}/{folder}"):
            lake.rename(f"{live}/{folder}", f"{replaced}/{folder}")
        lake.rename(f"{staged}/{folder}", f"{live}/{folder}")
    lake.delete(replaced)
    log.info("published %d partition(s) of %s", len(folders), live)
    return folders


def changed_partitions(before: DataFrame, after: DataFrame, key: str, partition_by: Sequence[str]) -> list[Row]:
    """The partition values, before and after, of every row that differs between two versions of a dataset.

    Exact, but it hashes every column of both versions: for datasets without heavy nested columns.
    """
    content = [name for name in after.columns if name != key]

    def side(df: DataFrame, tag: str) -> DataFrame:
        return df.select(key, F.xxhash64(*content).alias(f"{tag}_hash"), F.struct(*partition_by).alias(tag))

    differing = (
        side(before, "before")
        .join(side(after, "after"), key, "full_outer")
        .where(~F.col("before_hash").eqNullSafe(F.col("after_hash")))
    )
    values = differing.select(F.explode(F.array("before", "after")).alias("partition"))
    return values.where(F.col("partition").isNotNull()).select("partition.*").distinct().collect()


def touched_partitions(
    before: DataFrame, after: DataFrame, key: str, touched: DataFrame, partition_by: Sequence[str]
) -> list[Row]:
    """The partition values, before and after, of the rows whose ``key`` is in ``touched``.

    ``touched`` holds every key a run may have changed, so these are all the folders to rewrite (the rows'
    old folders too, in case they moved), found without reading the rows' heavy columns. A few thousand values
    at most, not pipeline data: they name folders.
    """
    keys = F.broadcast(touched.select(key).distinct())
    values = (
        before.join(keys, key, "left_semi")
        .select(*partition_by)
        .unionByName(after.join(keys, key, "left_semi").select(*partition_by))
    )
    return values.distinct().collect()


def rewrite_partitions(
    spark: SparkSession, lake: LakeFS, df: DataFrame, live: str, partitions: list[Row], partition_by: Sequence[str]
) -> None:
    """Replaces the given folders of ``live`` by the rows of ``df`` in them; a folder left empty is deleted."""
    if not partitions:
        return
    keys = spark.createDataFrame(partitions, df.select(*partition_by).schema)
    rows = df.join(F.broadcast(keys), [df[name].eqNullSafe(keys[name]) for name in partition_by], "left_semi")
    write_partitioned(rows, live, partition_by, only_present=True)
    kept = {tuple(row) for row in rows.select(*partition_by).distinct().collect()}
    for partition in partitions:
        if tuple(partition) not in kept:
            lake.delete(partition_path(live, partition, partition_by))


def partition_path(root: str, partition: Row, partition_by: Sequence[str]) -> str:
    values = [HIVE_NULL if partition[name] is None else str(partition[name]) for name in partition_by]
    return "/".join([root, *(f"{name}={value}" for name, value in zip(partition_by, values, strict=True))])
