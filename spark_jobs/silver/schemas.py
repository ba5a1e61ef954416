"""Explicit schemas of the Silver job: what it parses out of ``raw_json``, and what it writes.

Parse schemas follow the payload shapes of TMDB_API.md and name only the fields Silver keeps: ``from_json``
skips the others. Each carries a ``_corrupt_record`` column so that a body that is not JSON, or whose fields
have the wrong types, is recognised (and quarantined) instead of silently turning into nulls.

Output schemas are the contract of spark_jobs/README.md, column for column: Gold reads Silver with them.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

CORRUPT_RECORD = "_corrupt_record"
# PERMISSIVE keeps what parsed and puts the whole body in CORRUPT_RECORD when anything did not.
JSON_OPTIONS = {"mode": "PERMISSIVE", "columnNameOfCorruptRecord": CORRUPT_RECORD}


def _fields(*fields: tuple[str, T.DataType]) -> T.StructType:
    return T.StructType([T.StructField(name, data_type) for name, data_type in fields])


def _with_corrupt_record(schema: T.StructType) -> T.StructType:
    return T.StructType([*schema.fields, T.StructField(CORRUPT_RECORD, T.StringType())])


_ID_NAME = _fields(("id", T.IntegerType()), ("name", T.StringType()))

# ---------------------------------------------------------------------------------------------- raw payloads

LIST_ENTRY = _with_corrupt_record(
    _fields(
        ("id", T.IntegerType()),
        ("title", T.StringType()),
        ("original_language", T.StringType()),
        ("release_date", T.StringType()),
        ("genre_ids", T.ArrayType(T.IntegerType())),
        ("popularity", T.DoubleType()),
        ("vote_average", T.DoubleType()),
        ("vote_count", T.IntegerType()),
        # An error body stored in place of an entry carries these instead of an id.
        ("status_code", T.IntegerType()),
    )
)

REVIEW = _fields(
    ("id", T.StringType()),
    ("author", T.StringType()),
    ("content", T.StringType()),
    ("created_at", T.StringType()),
    ("updated_at", T.StringType()),
    ("author_details", _fields(("username", T.StringType()), ("rating", T.DoubleType()))),
)

REVIEW_PAGE = _with_corrupt_record(
    _fields(
        ("id", T.IntegerType()),
        ("page", T.IntegerType()),
        ("total_pages", T.IntegerType()),
        ("results", T.ArrayType(REVIEW)),
        ("status_code", T.IntegerType()),
    )
)

CAST_MEMBER = _fields(
    ("id", T.IntegerType()), ("name", T.StringType()), ("character", T.StringType()), ("order", T.IntegerType())
)
CREW_MEMBER = _fields(
    ("id", T.IntegerType()), ("name", T.StringType()), ("job", T.StringType()), ("department", T.StringType())
)

DETAILS = _with_corrupt_record(
    _fields(
        ("id", T.IntegerType()),
        ("title", T.StringType()),
        ("original_language", T.StringType()),
        ("release_date", T.StringType()),
        ("runtime", T.IntegerType()),
        ("budget", T.LongType()),
        ("revenue", T.LongType()),
        ("popularity", T.DoubleType()),
        ("vote_average", T.DoubleType()),
        ("vote_count", T.IntegerType()),
        ("genres", T.ArrayType(_ID_NAME)),
        ("production_companies", T.ArrayType(_ID_NAME)),
        ("credits", _fields(("cast", T.ArrayType(CAST_MEMBER)), ("crew", T.ArrayType(CREW_MEMBER)))),
        ("keywords", _fields(("keywords", T.ArrayType(_ID_NAME)))),
        ("reviews", _fields(("page", T.IntegerType()), ("results", T.ArrayType(REVIEW)))),
        ("status_code", T.IntegerType()),
    )
)

# ---------------------------------------------------------------------------------------------- bronze input

BRONZE = _fields(
    ("movie_id", T.IntegerType()),
    ("raw_json", T.StringType()),
    ("api_endpoint", T.StringType()),
    ("extraction_timestamp", T.TimestampType()),
    ("source_list", T.StringType()),
    ("list_rank", T.IntegerType()),
    ("batch_run_id", T.StringType()),
    ("year", T.IntegerType()),
    ("month", T.IntegerType()),
    ("day", T.IntegerType()),
    ("hour", T.IntegerType()),
)

# ---------------------------------------------------------------------------------------------- silver output

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
