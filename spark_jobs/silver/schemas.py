"""Explicit schemas of the Silver job: what it parses out of ``raw_json``, and what it writes.

Parse schemas are the TMDB payload schemas of master_dataset.schema (the shapes of TMDB_API.md), each with a
``_corrupt_record`` column so that a body that is not JSON, or whose fields have the wrong types, is recognised
(and quarantined) instead of silently turning into nulls.

Output schemas are the contract of spark_jobs/README.md, column for column: Gold reads Silver with them.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from master_dataset import schema as tmdb

CORRUPT_RECORD = "_corrupt_record"
# PERMISSIVE keeps what parsed and puts the whole body in CORRUPT_RECORD when anything did not.
JSON_OPTIONS = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT_RECORD}


def _fields(*fields: tuple[str, T.DataType]) -> T.StructType:
    return T.StructType([T.StructField(name, data_type) for name, data_type in fields])


def _as_parsed(payload: T.StructType) -> T.StructType:
    """A TMDB payload's schema (master_dataset.schema, the one definition) as Silver parses it: an error body
    stored in its place carries ``status_code`` instead, and a body that does not fit lands in CORRUPT_RECORD."""
    return T.StructType(
        [*payload.fields, T.StructField("status_code", T.IntegerType()), T.StructField(CORRUPT_RECORD, T.StringType())]
    )


# ---------------------------------------------------------------------------------------------- raw payloads

LIST_ENTRY = _as_parsed(tmdb.MOVIE_LIST_ENTRY_SCHEMA)
REVIEW_PAGE = _as_parsed(tmdb.REVIEW_PAGE_SCHEMA)
DETAILS = _as_parsed(tmdb.MOVIE_DETAILS_SCHEMA)
EXPORT_ENTRY = _as_parsed(tmdb.MOVIE_EXPORT_ENTRY_SCHEMA)

# ---------------------------------------------------------------------------------------------- bronze input

# The Bronze table's columns, every one nullable: Silver reads what is there and quarantines what is missing.
BRONZE = T.StructType([T.StructField(field.name, field.dataType) for field in tmdb.BRONZE_SCHEMA.fields])
CATALOGUE = T.StructType([T.StructField(field.name, field.dataType) for field in tmdb.CATALOGUE_SCHEMA.fields])

# ---------------------------------------------------------------------------------------------- silver output

# The fields of TMDB's cast and crew entries a Silver movie keeps.
CAST_MEMBER = _fields(
    ("id", T.IntegerType()), ("name", T.StringType()), ("character", T.StringType()), ("order", T.IntegerType())
)
CREW_MEMBER = _fields(
    ("id", T.IntegerType()), ("name", T.StringType()), ("job", T.StringType()), ("department", T.StringType())
)

SILVER_MOVIES = _fields(
    ("movie_id", T.IntegerType()),
    ("title", T.StringType()),
    ("original_language", T.StringType()),
    ("release_date", T.DateType()),
    ("genres", T.ArrayType(T.StringType())),
    ("primary_genre", T.StringType()),
    ("vote_average", T.DoubleType()),
    ("vote_count", T.IntegerType()),
    ("popularity", T.DoubleType()),
    ("budget", T.LongType()),
    ("revenue", T.LongType()),
    ("runtime", T.IntegerType()),
    ("cast", T.ArrayType(CAST_MEMBER)),
    ("crew", T.ArrayType(CREW_MEMBER)),
    ("keywords", T.ArrayType(T.StringType())),
    ("production_companies", T.ArrayType(T.StringType())),
    ("review_count", T.IntegerType()),
    ("sentiment_score", T.DoubleType()),
    ("sentiment_label", T.StringType()),
    ("quality_flag", T.StringType()),
    ("quality_reasons", T.ArrayType(T.StringType())),
    ("details_fetched_at", T.TimestampType()),
    ("last_observed_at", T.TimestampType()),
    ("batch_run_id", T.StringType()),
    ("processed_timestamp", T.TimestampType()),
    ("year", T.IntegerType()),
    ("month", T.IntegerType()),
    ("genre", T.StringType()),
)

SILVER_REVIEWS = _fields(
    ("review_id", T.StringType()),
    ("movie_id", T.IntegerType()),
    ("author", T.StringType()),
    ("rating", T.DoubleType()),
    ("created_at", T.TimestampType()),
    ("content", T.StringType()),
    ("sentiment_score", T.DoubleType()),
    ("sentiment_label", T.StringType()),
    ("batch_run_id", T.StringType()),
    ("processed_timestamp", T.TimestampType()),
    ("year", T.IntegerType()),
    ("month", T.IntegerType()),
    ("genre", T.StringType()),
)

MOVIE_OBSERVATIONS = _fields(
    ("movie_id", T.IntegerType()),
    ("observed_at", T.TimestampType()),
    ("popularity", T.DoubleType()),
    ("vote_count", T.IntegerType()),
    ("vote_average", T.DoubleType()),
    ("source_list", T.StringType()),
    ("list_rank", T.IntegerType()),
    ("batch_run_id", T.StringType()),
    ("observed_date", T.DateType()),
)

QUARANTINE = _fields(
    ("reason", T.StringType()),
    ("bronze_partition", T.StringType()),
    ("batch_run_id", T.StringType()),
    ("api_endpoint", T.StringType()),
    ("movie_id", T.IntegerType()),
    ("raw_json", T.StringType()),
)

MOVIES_PARTITIONS = ("year", "month", "genre")
REVIEWS_PARTITIONS = ("year", "month", "genre")
OBSERVATIONS_PARTITIONS = ("observed_date",)


def conform(df: DataFrame, schema: T.StructType) -> DataFrame:
    """The columns of ``schema``, in its order and with its types.

    A missing column fails the query with Spark's UNRESOLVED_COLUMN error, which names it. Nothing is checked
    up front: on Spark Connect, reading a DataFrame's columns costs a round trip that analyses its whole plan.
    """
    return df.select(*(_typed(F.col(field.name), field) for field in schema.fields))


def _typed(column: Column, field: T.StructField) -> Column:
    return column.cast(field.dataType).alias(field.name)


def empty(spark: SparkSession, schema: T.StructType) -> DataFrame:
    """An empty DataFrame of ``schema`` (the state of a first run)."""
    return spark.createDataFrame([], schema)
