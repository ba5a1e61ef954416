"""Hand-made Silver DataFrames with the exact schemas of spark_jobs/README.md, for the Gold tests.

Each builder takes a few rows as dicts naming only the columns a test cares about; the others are null.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

CAST_MEMBER = T.StructType(
    [
        T.StructField("id", T.IntegerType()),
        T.StructField("name", T.StringType()),
        T.StructField("character", T.StringType()),
        T.StructField("order", T.IntegerType()),
    ]
)
CREW_MEMBER = T.StructType(
    [
        T.StructField("id", T.IntegerType()),
        T.StructField("name", T.StringType()),
        T.StructField("job", T.StringType()),
        T.StructField("department", T.StringType()),
    ]
)

MOVIES_SCHEMA = T.StructType(
    [
        T.StructField("movie_id", T.IntegerType()),
        T.StructField("title", T.StringType()),
        T.StructField("original_language", T.StringType()),
        T.StructField("release_date", T.DateType()),
        T.StructField("genres", T.ArrayType(T.StringType())),
        T.StructField("primary_genre", T.StringType()),
        T.StructField("vote_average", T.DoubleType()),
        T.StructField("vote_count", T.IntegerType()),
        T.StructField("popularity", T.DoubleType()),
        T.StructField("budget", T.LongType()),
        T.StructField("revenue", T.LongType()),
        T.StructField("runtime", T.IntegerType()),
        T.StructField("cast", T.ArrayType(CAST_MEMBER)),
        T.StructField("crew", T.ArrayType(CREW_MEMBER)),
        T.StructField("keywords", T.ArrayType(T.StringType())),
        T.StructField("production_companies", T.ArrayType(T.StringType())),
        T.StructField("review_count", T.IntegerType()),
        T.StructField("sentiment_score", T.DoubleType()),
        T.StructField("sentiment_label", T.StringType()),
        T.StructField("quality_flag", T.StringType()),
        T.StructField("quality_reasons", T.ArrayType(T.StringType())),
        T.StructField("details_fetched_at", T.TimestampType()),
        T.StructField("last_observed_at", T.TimestampType()),
        T.StructField("batch_run_id", T.StringType()),
        T.StructField("processed_timestamp", T.TimestampType()),
        T.StructField("year", T.IntegerType()),
        T.StructField("month", T.IntegerType()),
        T.StructField("genre", T.StringType()),
    ]
)

REVIEWS_SCHEMA = T.StructType(
    [
        T.StructField("review_id", T.StringType()),
        T.StructField("movie_id", T.IntegerType()),
        T.StructField("author", T.StringType()),
        T.StructField("rating", T.DoubleType()),
        T.StructField("created_at", T.TimestampType()),
        T.StructField("content", T.StringType()),
        T.StructField("sentiment_score", T.DoubleType()),
        T.StructField("sentiment_label", T.StringType()),
        T.StructField("batch_run_id", T.StringType()),
        T.StructField("processed_timestamp", T.TimestampType()),
        T.StructField("year", T.IntegerType()),
        T.StructField("month", T.IntegerType()),
        T.StructField("genre", T.StringType()),
    ]
)

OBSERVATIONS_SCHEMA = T.StructType(
    [
        T.StructField("movie_id", T.IntegerType()),
        T.StructField("observed_at", T.TimestampType()),
        T.StructField("popularity", T.DoubleType()),
        T.StructField("vote_count", T.IntegerType()),
        T.StructField("vote_average", T.DoubleType()),
        T.StructField("source_list", T.StringType()),
        T.StructField("list_rank", T.IntegerType()),
        T.StructField("batch_run_id", T.StringType()),
        T.StructField("observed_date", T.DateType()),
    ]
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def cast(*members: tuple[int, str, int]) -> list[dict[str, Any]]:
    """Cast members as (id, name, billing order)."""
    return [{"id": id_, "name": name, "character": f"role of {name}", "order": order} for id_, name, order in members]


def _frame(spark: SparkSession, schema: T.StructType, rows: list[dict[str, Any]]) -> DataFrame:
    names = set(schema.fieldNames())
    for row in rows:
        unknown = set(row) - names
        if unknown:
            raise KeyError(f"not a column of the Silver schema: {sorted(unknown)}")
    return spark.createDataFrame([tuple(row.get(name) for name in schema.fieldNames()) for row in rows], schema)


def movies(spark: SparkSession, rows: list[dict[str, Any]]) -> DataFrame:
    """silver/movies rows; quality OK, release partition filled in from release_date."""
    filled = []
    for row in rows:
        released: date | None = row.get("release_date")
        genres = row.get("genres") or []
        filled.append(
            {
                "quality_flag": "OK",
                "genres": genres,
                "cast": [],
                "year": released.year if released else None,
                "month": released.month if released else None,
                "genre": genres[0].lower() if genres else "unknown",
                "processed_timestamp": utc(2025, 1, 1),
                **row,
            }
        )
    return _frame(spark, MOVIES_SCHEMA, filled)


def reviews(spark: SparkSession, rows: list[dict[str, Any]]) -> DataFrame:
    return _frame(spark, REVIEWS_SCHEMA, rows)


def observations(spark: SparkSession, rows: list[dict[str, Any]]) -> DataFrame:
    filled = [{"observed_date": row["observed_at"].date(), **row} for row in rows]
    return _frame(spark, OBSERVATIONS_SCHEMA, filled)
