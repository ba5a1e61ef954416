"""Generic column and DataFrame helpers shared by the layers (pure: they read and write nothing)."""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F


def keep_latest(df: DataFrame, key: str | list[str], order_by: str | list[str]) -> DataFrame:
    """One row per key: the row with the greatest ``order_by`` wins.

    Give enough ``order_by`` columns to break ties, or the surviving row of a tie is arbitrary.
    """
    keys = [key] if isinstance(key, str) else key
    orders = [order_by] if isinstance(order_by, str) else order_by
    window = Window.partitionBy(*keys).orderBy(*(F.col(name).desc_nulls_last() for name in orders))
    return df.withColumn("_rank", F.row_number().over(window)).where(F.col("_rank") == 1).drop("_rank")


def empty_string_as_null(column: Column) -> Column:
    """TMDB sends "" for an unknown text value such as a missing release date."""
    return F.when(F.trim(column) == "", F.lit(None)).otherwise(column)


def zero_as_null(column: Column) -> Column:
    """TMDB's 0 means unknown for budget, revenue and runtime, not zero."""
    return F.when(column == 0, F.lit(None)).otherwise(column)


def slug(column: Column) -> Column:
    """A lower-case, underscore-separated partition value ("Science Fiction" -> "science_fiction")."""
    return F.regexp_replace(F.lower(F.trim(column)), r"[^a-z0-9]+", "_")
