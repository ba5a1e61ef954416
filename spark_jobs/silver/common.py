"""Column helpers shared by the Silver transforms."""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F


def run_hour(batch_run_id: Column) -> Column:
    """The logical hour named by a ``batch_YYYY_MM_DD_HH`` id, as a timestamp (UTC session)."""
    return F.try_to_timestamp(F.substring(batch_run_id, 7, 13), F.lit("yyyy_MM_dd_HH"))


def version_key(order: Column, fields: Sequence[str]) -> Column:
    """The order "latest" means: ``order`` first, then a hash of ``fields``.

    The hash makes it a total order over the record's content, so which version wins depends neither on the
    order rows arrive in nor on whether a version comes from bronze or from the current Silver state.
    """
    return F.struct(order.alias("order"), F.xxhash64(*fields).alias("content_hash"))


def latest_by(df: DataFrame, key: str | list[str], order: str, fields: Sequence[str]) -> DataFrame:
    """One row per ``key``: the row with the greatest :func:`version_key`, all its columns in their order."""
    keys = [key] if isinstance(key, str) else list(key)
    # struct("*") keeps the columns' order without asking for them (a round trip on Spark Connect).
    return (
        df.groupBy(*keys)
        .agg(F.max_by(F.struct("*"), version_key(F.col(order), fields)).alias("_latest"))
        .select("_latest.*")
    )
