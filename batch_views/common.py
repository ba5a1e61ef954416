"""Pieces the Gold views share: run columns, the known rating, genres per movie, top-N lists, percent changes.

Everything here is pure: Column and DataFrame expressions built from ``pyspark.sql.functions``.
"""

from __future__ import annotations

from datetime import datetime

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from master_dataset.partitioning import LogicalHour

# Silver files a movie without genres under the partition genre=unknown; Gold keeps it visible the same way.
UNKNOWN_GENRE = "Unknown"


def run_hour(computed_at: datetime) -> LogicalHour:
    """The logical hour a view is computed for (UTC, on the hour)."""
    return LogicalHour.of(computed_at)


def with_run_columns(df: DataFrame, computed_at: datetime) -> DataFrame:
    """Adds ``batch_run_id`` and ``computed_at``, both from the logical hour, never from the clock."""
    hour = run_hour(computed_at)
    return df.withColumn("batch_run_id", F.lit(hour.batch_run_id)).withColumn(
        "computed_at", F.lit(hour.start).cast("timestamp")
    )


def with_computed_partition(df: DataFrame, computed_at: datetime) -> DataFrame:
    """Adds ``year`` and ``month`` of the computed date, the partition of the snapshot views."""
    hour = run_hour(computed_at)
    return df.withColumn("year", F.lit(hour.start.year)).withColumn("month", F.lit(hour.start.month))


# The Silver movie columns the Gold views read.
MOVIE_COLUMNS = (
    "movie_id",
    "title",
    "release_date",
    "genres",
    "vote_average",
    "vote_count",
    "popularity",
    "budget",
    "revenue",
    "sentiment_score",
    "sentiment_label",
    "cast",
)


def usable_movies(movies: DataFrame) -> DataFrame:
    """The Silver movies Gold aggregates: those not flagged ERROR by Silver's quality rules, with the columns
    the views read.

    Silver guarantees one row per movie_id (its suite checks it before publishing); a duplicate would surface in
    the Gold suites as a duplicate key and fail the run, rather than be silently dropped here.
    """
    return movies.where(F.col("quality_flag").isNull() | (F.col("quality_flag") != "ERROR")).select(*MOVIE_COLUMNS)


def known_rating() -> Column:
    """``vote_average`` when at least one vote was cast: TMDB reports 0.0 for an unrated movie, which is not 0."""
    return F.when(F.col("vote_count") > 0, F.col("vote_average"))


def genre_per_row() -> Column:
    """One value per distinct genre of the movie (to explode), ``Unknown`` for a movie without genres."""
    return F.explode_outer(F.array_compact(F.array_distinct(F.col("genres"))))


def with_release_period(df: DataFrame) -> DataFrame:
    """Release ``year`` and ``month``; rows without a release date are left out, they have no period."""
    return (
        df.where(F.col("release_date").isNotNull())
        .withColumn("year", F.year("release_date"))
        .withColumn("month", F.month("release_date"))
    )


def percent_change(current: str, previous: str) -> Column:
    """Change of ``current`` against ``previous`` in percent; null when there is no (or a zero) previous value."""
    # try_divide answers null for a zero divisor (ANSI mode would raise instead).
    return F.try_divide(F.col(current) - F.col(previous), F.abs(F.col(previous))) * 100.0


def top_n_structs(
    df: DataFrame,
    *,
    by: list[str],
    order: list[Column],
    n: int,
    fields: dict[str, str],
    name: str,
) -> DataFrame:
    """Per group ``by``: an array column ``name`` of the first ``n`` rows in ``order``, as structs of ``fields``.

    ``fields`` maps each struct field to its source column. Ranking with a window and collecting only the
    survivors keeps every group's list bounded, however large the group.
    """
    ranked = df.withColumn("_rank", F.row_number().over(Window.partitionBy(*by).orderBy(*order))).where(
        F.col("_rank") <= n
    )
    entries = F.struct(F.col("_rank"), *(F.col(source).alias(field) for field, source in fields.items()))
    # Structs sort by their first field, so array_sort restores the rank order that collect_list loses.
    ordered = F.array_sort(F.collect_list(entries))
    return ranked.groupBy(*by).agg(
        F.transform(ordered, lambda entry: F.struct(*(entry[field].alias(field) for field in fields))).alias(name)
    )


def conform_to(df: DataFrame, schema: T.StructType) -> DataFrame:
    """Exactly the columns of a Gold schema, in its order and with its types (the contract every reader relies on)."""
    return df.select(*(F.col(field.name).cast(field.dataType).alias(field.name) for field in schema.fields))
