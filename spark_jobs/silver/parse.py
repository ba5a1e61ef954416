"""Bronze rows -> typed records, or a quarantine reason.

Every bronze row is parsed once, with the explicit schema of its endpoint. A row that cannot be used gets a
``reason`` and later lands in ``quarantine/`` with its raw body: nothing is dropped silently, and a bad row
never fails the job. Reasons:

- ``malformed_json``: ``raw_json`` is null or not JSON.
- ``not_a_json_object``: JSON, but an array or a scalar.
- ``schema_mismatch``: an object with a field of the wrong type (a string where TMDB sends a number...).
- ``tmdb_error_<status_code>``: an error body (``{"status_code": 34, ...}``) stored instead of a payload.
- ``missing_id``: no movie id (nor, for a review page, a bronze ``movie_id``).
- ``missing_review_id``: a review without its id (quarantined alone; its page is kept).
- ``unknown_endpoint``: a bronze/movies row that is neither a list entry nor a details response, or a
  bronze/reviews row that is not a review page.
- ``missing_extraction_timestamp``: the row cannot be ordered against other observations.

bronze/catalogue rows (lines of the daily ID export) are parsed the same way, with the export entry's schema.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from spark_jobs.silver import schemas
from spark_jobs.utils.transformations import empty_string_as_null, zero_as_null

DETAILS_ENDPOINT = "/movie/{id}"
REVIEWS_ENDPOINT = "/movie/{id}/reviews"
LIST_ENDPOINTS: dict[str, str] = {
    "/movie/popular": "popular",
    "/movie/top_rated": "top_rated",
    "/movie/now_playing": "now_playing",
    "/movie/upcoming": "upcoming",
    "/discover/movie": "discover",
}


def with_bronze_partition(df: DataFrame, dataset: str) -> DataFrame:
    """Adds ``bronze_partition`` (``movies/year=2025/month=10/day=17/hour=14``): where a record came from."""
    return df.withColumn(
        "bronze_partition",
        F.format_string(f"{dataset}/year=%d/month=%d/day=%d/hour=%d", "year", "month", "day", "hour"),
    )


def _parse_error(raw: Column, payload: Column, movie_id: Column) -> Column:
    """The reason a parsed payload cannot be used, or null when it can."""
    corrupt = payload[schemas.CORRUPT_RECORD]
    status_code = payload["status_code"]
    # CASE WHEN evaluates lazily, so try_parse_json (a second parse) only runs on the rare corrupt rows.
    return (
        F.when(raw.isNull(), F.lit("malformed_json"))
        .when(
            corrupt.isNotNull(),
            F.when(F.try_parse_json(raw).isNull(), F.lit("malformed_json"))
            .when(~F.ltrim(raw).startswith("{"), F.lit("not_a_json_object"))
            .otherwise(F.lit("schema_mismatch")),
        )
        .when(movie_id.isNull() & status_code.isNotNull(), F.format_string("tmdb_error_%d", status_code))
        .when(movie_id.isNull(), F.lit("missing_id"))
    )


def parse_bronze_movies(bronze: DataFrame) -> DataFrame:
    """bronze/movies rows with ``kind`` (list/details), ``entry`` or ``details`` parsed, and ``reason``.

    ``raw_json`` is kept only on rows with a reason, so a cached parse does not hold every raw body.
    """
    endpoint = F.col("api_endpoint")
    kind = (
        F.when(endpoint == DETAILS_ENDPOINT, F.lit("details"))
        .when(F.col("source_list").isNotNull() | endpoint.isin(*LIST_ENDPOINTS), F.lit("list"))
        .otherwise(F.lit(None))
    )
    raw = F.col("raw_json")
    parsed = (
        bronze.withColumn("kind", kind)
        .withColumn(
            "entry", F.when(F.col("kind") == "list", F.from_json(raw, schemas.LIST_ENTRY, schemas.JSON_OPTIONS))
        )
        .withColumn(
            "details", F.when(F.col("kind") == "details", F.from_json(raw, schemas.DETAILS, schemas.JSON_OPTIONS))
        )
    )
    payload_error = F.when(F.col("kind") == "list", _parse_error(raw, F.col("entry"), F.col("entry.id"))).otherwise(
        _parse_error(raw, F.col("details"), F.col("details.id"))
    )
    reason = (
        F.when(F.col("kind").isNull(), F.lit("unknown_endpoint"))
        .when(F.col("extraction_timestamp").isNull(), F.lit("missing_extraction_timestamp"))
        .otherwise(payload_error)
    )
    return parsed.withColumn("reason", reason).withColumn("raw_json", F.when(F.col("reason").isNotNull(), raw))


def parse_review_pages(bronze: DataFrame) -> DataFrame:
    """bronze/reviews rows with ``page`` parsed and ``reason``; the movie id falls back to bronze ``movie_id``."""
    raw = F.col("raw_json")
    parsed = bronze.withColumn("page", F.from_json(raw, schemas.REVIEW_PAGE, schemas.JSON_OPTIONS)).withColumn(
        "page_movie_id", F.coalesce(F.col("page.id"), F.col("movie_id"))
    )
    reason = (
        F.when(F.col("api_endpoint") != REVIEWS_ENDPOINT, F.lit("unknown_endpoint"))
        .when(F.col("extraction_timestamp").isNull(), F.lit("missing_extraction_timestamp"))
        .otherwise(_parse_error(raw, F.col("page"), F.col("page_movie_id")))
    )
    return parsed.withColumn("reason", reason).withColumn("raw_json", F.when(F.col("reason").isNotNull(), raw))


def parse_export_entries(catalogue: DataFrame) -> DataFrame:
    """bronze/catalogue rows with ``entry`` parsed, ``bronze_partition`` (``catalogue/export_date=...``) and
    ``reason``."""
    raw = F.col("raw_json")
    parsed = catalogue.withColumn("entry", F.from_json(raw, schemas.EXPORT_ENTRY, schemas.JSON_OPTIONS)).withColumn(
        "bronze_partition", F.format_string("catalogue/export_date=%s", F.col("export_date").cast("string"))
    )
    reason = F.when(F.col("extraction_timestamp").isNull(), F.lit("missing_extraction_timestamp")).otherwise(
        _parse_error(raw, F.col("entry"), F.col("entry.id"))
    )
    return parsed.withColumn("reason", reason).withColumn("raw_json", F.when(F.col("reason").isNotNull(), raw))


def export_entries(parsed: DataFrame) -> DataFrame:
    """One row per usable export entry: the movie's popularity of the day (the export has no votes)."""
    return parsed.where(F.col("reason").isNull()).select(
        F.col("entry.id").alias("movie_id"),
        F.col("extraction_timestamp"),
        F.col("batch_run_id"),
        F.col("entry.popularity").alias("popularity"),
    )


def quarantined(parsed: DataFrame) -> DataFrame:
    """The rows of a parse that carry a reason, in the quarantine schema."""
    return schemas.conform(parsed.where(F.col("reason").isNotNull()), schemas.QUARANTINE)


def _release_date(text: Column) -> Column:
    # TMDB sends "" for an unknown date; try_to_date also turns an impossible date into null, not a crash.
    return F.try_to_date(empty_string_as_null(text))


def list_entries(parsed: DataFrame) -> DataFrame:
    """One typed row per usable list entry: an observation of the movie and its list position."""
    entry = F.col("entry")
    list_name = F.coalesce(
        F.col("source_list"),
        F.create_map(*(F.lit(part) for pair in LIST_ENDPOINTS.items() for part in pair))[F.col("api_endpoint")],
    )
    return parsed.where((F.col("kind") == "list") & F.col("reason").isNull()).select(
        entry["id"].alias("movie_id"),
        F.col("extraction_timestamp"),
        F.col("batch_run_id"),
        list_name.alias("source_list"),
        F.col("list_rank"),
        empty_string_as_null(entry["title"]).alias("title"),
        empty_string_as_null(entry["original_language"]).alias("original_language"),
        _release_date(entry["release_date"]).alias("release_date"),
        F.coalesce(entry["genre_ids"], F.array().cast("array<int>")).alias("genre_ids"),
        entry["popularity"].alias("popularity"),
        entry["vote_count"].alias("vote_count"),
        entry["vote_average"].alias("vote_average"),
    )


def _names(items: Column) -> Column:
    """``[{id, name}]`` -> ``[name]``, dropping nameless items; null stays null (not fetched)."""
    return F.filter(F.transform(items, lambda item: item["name"]), lambda name: name.isNotNull())


def _entries(items: Column, column: str) -> Column:
    """TMDB's cast or crew entries with the fields the Silver ``column`` keeps; an empty list when missing."""
    element = schemas.SILVER_MOVIES[column].dataType
    kept = F.transform(
        items, lambda item: F.struct(*(item[field.name].alias(field.name) for field in element.elementType.fields))
    )
    return F.coalesce(kept, F.array().cast(element))


def details_records(parsed: DataFrame) -> DataFrame:
    """One typed row per usable details response, with the Silver columns it provides."""
    details = F.col("details")
    return parsed.where((F.col("kind") == "details") & F.col("reason").isNull()).select(
        details["id"].alias("movie_id"),
        F.col("extraction_timestamp"),
        F.col("batch_run_id"),
        empty_string_as_null(details["title"]).alias("title"),
        empty_string_as_null(details["original_language"]).alias("original_language"),
        _release_date(details["release_date"]).alias("release_date"),
        F.coalesce(_names(details["genres"]), F.array().cast("array<string>")).alias("genres"),
        zero_as_null(details["budget"]).alias("budget"),
        zero_as_null(details["revenue"]).alias("revenue"),
        zero_as_null(details["runtime"]).alias("runtime"),
        _entries(details["credits"]["cast"], "cast").alias("cast"),
        _entries(details["credits"]["crew"], "crew").alias("crew"),
        F.coalesce(_names(details["keywords"]["keywords"]), F.array().cast("array<string>")).alias("keywords"),
        F.coalesce(_names(details["production_companies"]), F.array().cast("array<string>")).alias(
            "production_companies"
        ),
        details["popularity"].alias("popularity"),
        details["vote_count"].alias("vote_count"),
        details["vote_average"].alias("vote_average"),
    )


def _review_rows(df: DataFrame, movie_id: Column, reviews: Column) -> DataFrame:
    return df.select(
        movie_id.alias("movie_id"),
        F.col("batch_run_id"),
        F.col("bronze_partition"),
        F.col("api_endpoint"),
        F.explode(reviews).alias("review"),
    ).select(
        F.col("review.id").alias("review_id"),
        F.col("movie_id"),
        F.col("review.author").alias("author"),
        F.col("review.author_details.rating").alias("rating"),
        F.try_to_timestamp(F.col("review.created_at")).alias("created_at"),
        F.col("review.content").alias("content"),
        F.col("batch_run_id"),
        F.col("bronze_partition"),
        F.col("api_endpoint"),
        F.to_json(F.col("review")).alias("raw_json"),
    )


def review_records(parsed_movies: DataFrame, parsed_pages: DataFrame) -> DataFrame:
    """Every review found in this bronze: the first page embedded in details, and the further pages.

    Carries ``raw_json`` (the review object) and its provenance so a review without an id can be quarantined.
    """
    usable_details = parsed_movies.where((F.col("kind") == "details") & F.col("reason").isNull())
    usable_pages = parsed_pages.where(F.col("reason").isNull())
    return _review_rows(usable_details, F.col("details.id"), F.col("details.reviews.results")).unionByName(
        _review_rows(usable_pages, F.col("page_movie_id"), F.col("page.results"))
    )


def reviews_without_id(reviews: DataFrame) -> DataFrame:
    """Quarantine rows for reviews that lack their id."""
    return schemas.conform(
        reviews.where(F.col("review_id").isNull()).withColumn("reason", F.lit("missing_review_id")),
        schemas.QUARANTINE,
    )


def reviews_with_id(reviews: DataFrame) -> DataFrame:
    return reviews.where(F.col("review_id").isNotNull()).drop("bronze_partition", "api_endpoint", "raw_json")
