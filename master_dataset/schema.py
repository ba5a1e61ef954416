"""Schemas of the master dataset: the Bronze tables and the raw TMDB payloads they hold.

Bronze keeps every response as received (``raw_json``); Silver parses it with ``from_json`` and the payload
schemas below, so the JSON shapes of ``TMDB_API.md`` are written down once. Dates and timestamps inside payloads
stay strings (TMDB sends ``""`` for an unknown release date): Silver decides how to read them.
"""

from __future__ import annotations

from pyspark.sql.types import (
    ArrayType,
    BooleanType,
    DateType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

# api_endpoint values: path templates, as in spark_jobs/README.md.
POPULAR = "/movie/popular"
TOP_RATED = "/movie/top_rated"
NOW_PLAYING = "/movie/now_playing"
DISCOVER = "/discover/movie"
MOVIE_DETAILS = "/movie/{id}"
MOVIE_REVIEWS = "/movie/{id}/reviews"
PERSON = "/person/{id}"
# The daily movie ID export on TMDB's file host (bronze/catalogue holds its lines, one row a movie).
MOVIE_EXPORT = "/p/exports/movie_ids"
EXPORT_SOURCE = "export"
# source_list of a list entry -> the endpoint it comes from.
SOURCE_LISTS: dict[str, str] = {
    "popular": POPULAR,
    "top_rated": TOP_RATED,
    "now_playing": NOW_PLAYING,
    "discover": DISCOVER,
}
LIST_ENDPOINTS = frozenset(SOURCE_LISTS.values())
# The sub-resources fetched with every movie's details, in one call.
DETAILS_APPEND = "credits,reviews,keywords"
# bronze dataset -> the endpoints whose responses it holds.
DATASET_ENDPOINTS: dict[str, frozenset[str]] = {
    "movies": frozenset({*LIST_ENDPOINTS, MOVIE_DETAILS}),
    "reviews": frozenset({MOVIE_REVIEWS}),
    "people": frozenset({PERSON}),
}
PARTITION_COLUMNS = ("year", "month", "day", "hour")
# How the bronze tables are laid out in folders: by day, with the hour a column. An hour's few small files are
# compacted by day (OPTIMIZE in the retention job), and replaceWhere on all four columns still owns one hour.
TABLE_PARTITION_COLUMNS = ("year", "month", "day")

# bronze/catalogue: one row per line of a daily export, partitioned by the export's day (a day is loaded once).
CATALOGUE_PARTITION_COLUMNS = ("export_date",)

# One row of a bronze dataset as extracted (and staged), before the partition columns are added.
BRONZE_RECORD_SCHEMA = StructType(
    [
        StructField("movie_id", IntegerType(), False),
        StructField("raw_json", StringType(), False),
        StructField("api_endpoint", StringType(), False),
        StructField("extraction_timestamp", TimestampType(), False),
        StructField("source_list", StringType(), True),
        StructField("list_rank", IntegerType(), True),
        StructField("batch_run_id", StringType(), False),
    ]
)
BRONZE_SCHEMA = StructType(
    [*BRONZE_RECORD_SCHEMA.fields, *(StructField(name, IntegerType(), False) for name in PARTITION_COLUMNS)]
)

CATALOGUE_SCHEMA = StructType([*BRONZE_RECORD_SCHEMA.fields, StructField("export_date", DateType(), False)])

# ---- raw payloads ------------------------------------------------------------------------------------------------

_ID_NAME = StructType([StructField("id", IntegerType()), StructField("name", StringType())])

MOVIE_LIST_ENTRY_SCHEMA = StructType(
    [
        StructField("adult", BooleanType()),
        StructField("backdrop_path", StringType()),
        StructField("genre_ids", ArrayType(IntegerType())),
        StructField("id", IntegerType()),
        StructField("original_language", StringType()),
        StructField("original_title", StringType()),
        StructField("overview", StringType()),
        StructField("popularity", DoubleType()),
        StructField("poster_path", StringType()),
        StructField("release_date", StringType()),
        StructField("title", StringType()),
        StructField("video", BooleanType()),
        StructField("vote_average", DoubleType()),
        StructField("vote_count", IntegerType()),
    ]
)

# A line of the daily movie ID export.
MOVIE_EXPORT_ENTRY_SCHEMA = StructType(
    [
        StructField("adult", BooleanType()),
        StructField("id", IntegerType()),
        StructField("original_title", StringType()),
        StructField("popularity", DoubleType()),
        StructField("video", BooleanType()),
    ]
)

MOVIE_LIST_PAGE_SCHEMA = StructType(
    [
        StructField("page", IntegerType()),
        StructField("total_pages", IntegerType()),
        StructField("total_results", IntegerType()),
        StructField("dates", StructType([StructField("maximum", StringType()), StructField("minimum", StringType())])),
        StructField("results", ArrayType(MOVIE_LIST_ENTRY_SCHEMA)),
    ]
)

CAST_MEMBER_SCHEMA = StructType(
    [
        StructField("adult", BooleanType()),
        StructField("gender", IntegerType()),
        StructField("id", IntegerType()),
        StructField("known_for_department", StringType()),
        StructField("name", StringType()),
        StructField("original_name", StringType()),
        StructField("popularity", DoubleType()),
        StructField("profile_path", StringType()),
        StructField("cast_id", IntegerType()),
        StructField("character", StringType()),
        StructField("credit_id", StringType()),
        StructField("order", IntegerType()),
    ]
)

CREW_MEMBER_SCHEMA = StructType(
    [
        StructField("adult", BooleanType()),
        StructField("gender", IntegerType()),
        StructField("id", IntegerType()),
        StructField("known_for_department", StringType()),
        StructField("name", StringType()),
        StructField("original_name", StringType()),
        StructField("popularity", DoubleType()),
        StructField("profile_path", StringType()),
        StructField("credit_id", StringType()),
        StructField("department", StringType()),
        StructField("job", StringType()),
    ]
)

REVIEW_SCHEMA = StructType(
    [
        StructField("author", StringType()),
        StructField(
            "author_details",
            StructType(
                [
                    StructField("name", StringType()),
                    StructField("username", StringType()),
                    StructField("avatar_path", StringType()),
                    StructField("rating", DoubleType()),
                ]
            ),
        ),
        StructField("content", StringType()),
        StructField("created_at", StringType()),
        StructField("id", StringType()),
        StructField("updated_at", StringType()),
        StructField("url", StringType()),
    ]
)

# ``/movie/{id}/reviews?page=N``; the same shape, without ``id``, is appended to the details as ``reviews``.
REVIEW_PAGE_SCHEMA = StructType(
    [
        StructField("id", IntegerType()),
        StructField("page", IntegerType()),
        StructField("results", ArrayType(REVIEW_SCHEMA)),
        StructField("total_pages", IntegerType()),
        StructField("total_results", IntegerType()),
    ]
)

MOVIE_DETAILS_SCHEMA = StructType(
    [
        StructField("adult", BooleanType()),
        StructField("backdrop_path", StringType()),
        StructField(
            "belongs_to_collection",
            StructType(
                [
                    StructField("id", IntegerType()),
                    StructField("name", StringType()),
                    StructField("poster_path", StringType()),
                    StructField("backdrop_path", StringType()),
                ]
            ),
        ),
        # 0 means unknown for budget, revenue and runtime.
        StructField("budget", LongType()),
        StructField("genres", ArrayType(_ID_NAME)),
        StructField("homepage", StringType()),
        StructField("id", IntegerType()),
        StructField("imdb_id", StringType()),
        StructField("origin_country", ArrayType(StringType())),
        StructField("original_language", StringType()),
        StructField("original_title", StringType()),
        StructField("overview", StringType()),
        StructField("popularity", DoubleType()),
        StructField("poster_path", StringType()),
        StructField(
            "production_companies",
            ArrayType(
                StructType(
                    [
                        StructField("id", IntegerType()),
                        StructField("logo_path", StringType()),
                        StructField("name", StringType()),
                        StructField("origin_country", StringType()),
                    ]
                )
            ),
        ),
        StructField(
            "production_countries",
            ArrayType(StructType([StructField("iso_3166_1", StringType()), StructField("name", StringType())])),
        ),
        StructField("release_date", StringType()),
        StructField("revenue", LongType()),
        StructField("runtime", IntegerType()),
        StructField(
            "spoken_languages",
            ArrayType(
                StructType(
                    [
                        StructField("english_name", StringType()),
                        StructField("iso_639_1", StringType()),
                        StructField("name", StringType()),
                    ]
                )
            ),
        ),
        StructField("status", StringType()),
        StructField("tagline", StringType()),
        StructField("title", StringType()),
        StructField("video", BooleanType()),
        StructField("vote_average", DoubleType()),
        StructField("vote_count", IntegerType()),
        StructField(
            "credits",
            StructType(
                [
                    StructField("cast", ArrayType(CAST_MEMBER_SCHEMA)),
                    StructField("crew", ArrayType(CREW_MEMBER_SCHEMA)),
                ]
            ),
        ),
        StructField(
            "reviews",
            StructType([field for field in REVIEW_PAGE_SCHEMA.fields if field.name != "id"]),
        ),
        StructField("keywords", StructType([StructField("keywords", ArrayType(_ID_NAME))])),
    ]
)

PERSON_SCHEMA = StructType(
    [
        StructField("adult", BooleanType()),
        StructField("also_known_as", ArrayType(StringType())),
        StructField("biography", StringType()),
        StructField("birthday", StringType()),
        StructField("deathday", StringType()),
        StructField("gender", IntegerType()),
        StructField("homepage", StringType()),
        StructField("id", IntegerType()),
        StructField("imdb_id", StringType()),
        StructField("known_for_department", StringType()),
        StructField("name", StringType()),
        StructField("place_of_birth", StringType()),
        StructField("popularity", DoubleType()),
        StructField("profile_path", StringType()),
    ]
)

# The schema to parse a bronze row's raw_json with, by api_endpoint.
PAYLOAD_SCHEMAS: dict[str, StructType] = {
    **dict.fromkeys(LIST_ENDPOINTS, MOVIE_LIST_ENTRY_SCHEMA),
    MOVIE_DETAILS: MOVIE_DETAILS_SCHEMA,
    MOVIE_EXPORT: MOVIE_EXPORT_ENTRY_SCHEMA,
    MOVIE_REVIEWS: REVIEW_PAGE_SCHEMA,
    PERSON: PERSON_SCHEMA,
}
