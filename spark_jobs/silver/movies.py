"""silver/movies: one row per movie, folded from its list entries, details responses and reviews.

Each part of a row is the latest of its candidates:

- details fields (title, language, release date, genres, budget, revenue, runtime, cast, crew, keywords,
  production companies): the latest details response -> ``details_fetched_at``;
- for a movie without details, title, language, release date and genres come from its latest list entry;
- popularity, vote_count, vote_average: the latest observation of any kind -> ``last_observed_at``;
- ``batch_run_id``: the latest bronze run that brought anything about the movie (an observation, details or
  a review), and ``processed_timestamp`` is that run's logical hour.

"Latest" is by ``extraction_timestamp`` with ties broken by a hash of the part's fields, and every key of
that order is stored in the row itself. So a Silver row can be turned back into a candidate
(:func:`state_candidates`), and merging new bronze into the current Silver is the same fold as building it
from all of bronze: an incremental run and a full refresh give the same rows, and merging the same bronze
twice changes nothing. The fold is one aggregation per movie.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from spark_jobs.silver import quality, schemas
from spark_jobs.silver.common import run_hour, version_key
from spark_jobs.silver.genres import UNKNOWN_GENRE, with_genre_names
from spark_jobs.silver.sentiment import sentiment_label
from spark_jobs.utils.transformations import slug

DETAILS_FIELDS = (
    "title",
    "original_language",
    "release_date",
    "genres",
    "budget",
    "revenue",
    "runtime",
    "cast",
    "crew",
    "keywords",
    "production_companies",
)
LISTED_FIELDS = ("title", "original_language", "release_date", "genres", "unknown_genre")
OBSERVED_FIELDS = ("popularity", "vote_count", "vote_average")
_PARTS = {"details": DETAILS_FIELDS, "listed": LISTED_FIELDS, "observed": OBSERVED_FIELDS}


def listed_entries(entries: DataFrame, genres: DataFrame) -> DataFrame:
    """Typed list entries with genre names and an ``unknown_genre`` flag (ids missing from the genre map)."""
    return (
        with_genre_names(entries, genres)
        .withColumn("unknown_genre", F.size("unknown_genre_ids") > 0)
        .drop("genre_ids", "unknown_genre_ids")
    )


def _candidate(df: DataFrame, parts: dict[str, tuple[Column, Column]]) -> DataFrame:
    """One candidate per record: for each part it provides, the part's version key and its values.

    ``parts`` maps a part to (whether this record provides it, the part's timestamp). A part a record does not
    provide has a null key, which the fold's ``max_by`` ignores.
    """
    columns = [F.col("movie_id"), F.col("batch_run_id")]
    for part, fields in _PARTS.items():
        provided, ts = parts.get(part, (F.lit(False), F.lit(None).cast("timestamp")))
        columns.append(F.when(provided, version_key(ts, fields)).alias(f"{part}_key"))
        columns.append(F.when(provided, F.struct(ts.alias("ts"), *fields)).alias(part))
    return df.select(*columns)


def bronze_candidates(listed: DataFrame, details: DataFrame) -> DataFrame:
    """Candidates from parsed bronze: list entries (see :func:`listed_entries`) and details records."""
    provided = (F.lit(True), F.col("extraction_timestamp"))
    for name in DETAILS_FIELDS:
        if name not in LISTED_FIELDS:
            listed = listed.withColumn(name, F.lit(None).cast(schemas.SILVER_MOVIES[name].dataType))
    details = details.withColumn("unknown_genre", F.lit(False))
    return _candidate(listed, {"listed": provided, "observed": provided}).unionByName(
        _candidate(details, {"details": provided, "observed": provided})
    )


def state_candidates(movies: DataFrame) -> DataFrame:
    """The current silver/movies rows as candidates, so that the state merges like any bronze record."""
    has_details = F.col("details_fetched_at").isNotNull()
    last_observed = F.col("last_observed_at")
    # Without details, the listed fields are those of the latest observation, a list entry.
    return movies.withColumn("unknown_genre", F.array_contains("quality_reasons", quality.UNKNOWN_GENRE_ID)).transform(
        _candidate,
        {
            "details": (has_details, F.col("details_fetched_at")),
            "listed": (~has_details, last_observed),
            "observed": (F.lit(True), last_observed),
        },
    )


def merge_movies(candidates: DataFrame, review_stats: DataFrame) -> DataFrame:
    """One row per observed movie in the silver/movies schema.

    ``review_stats`` (see :func:`spark_jobs.silver.reviews.review_stats`) gives review_count, sentiment_score
    and the latest run of each movie's reviews.
    """
    folded = candidates.groupBy("movie_id").agg(
        *(F.max_by(part, f"{part}_key").alias(part) for part in _PARTS),
        F.max("batch_run_id").alias("observed_run"),
    )
    has_details = F.col("details").isNotNull()

    def pick(name: str) -> Column:
        return F.when(has_details, F.col(f"details.{name}")).otherwise(F.col(f"listed.{name}")).alias(name)

    movies = (
        folded.where(F.col("observed").isNotNull())
        .join(review_stats, "movie_id", "left")
        .select(
            "movie_id",
            pick("title"),
            pick("original_language"),
            pick("release_date"),
            pick("genres"),
            *(F.col(f"observed.{name}").alias(name) for name in OBSERVED_FIELDS),
            *(F.col(f"details.{name}").alias(name) for name in DETAILS_FIELDS[4:]),
            F.coalesce("review_count", F.lit(0)).alias("review_count"),
            "sentiment_score",
            (~has_details & F.coalesce("listed.unknown_genre", F.lit(False))).alias("unknown_genre"),
            F.col("details.ts").alias("details_fetched_at"),
            F.col("observed.ts").alias("last_observed_at"),
            F.greatest("observed_run", "review_run").alias("batch_run_id"),
        )
    )
    return (
        movies.withColumn("primary_genre", F.get(F.col("genres"), 0))
        .withColumn("sentiment_label", sentiment_label(F.col("sentiment_score")))
        .transform(quality.with_quality)
        .withColumn("processed_timestamp", run_hour(F.col("batch_run_id")))
        .withColumn("year", F.year("release_date"))
        .withColumn("month", F.month("release_date"))
        .withColumn("genre", F.coalesce(slug(F.col("primary_genre")), F.lit(UNKNOWN_GENRE)))
        .transform(schemas.conform, schemas.SILVER_MOVIES)
    )


def refold_touched(candidates: DataFrame, current: DataFrame, touched: DataFrame, review_stats: DataFrame) -> DataFrame:
    """The new rows of the movies in ``touched``: their current rows folded again with their new candidates.

    ``touched`` (movie_id) is every movie with a new record or a new review; it is small on an incremental run
    and broadcast, so the state is filtered without a shuffle.
    """
    touched = F.broadcast(touched)
    refolded = candidates.unionByName(state_candidates(current.join(touched, "movie_id", "left_semi")))
    return merge_movies(refolded, review_stats.join(touched, "movie_id", "left_semi"))


def untouched(current: DataFrame, touched: DataFrame) -> DataFrame:
    """The current rows of the movies not in ``touched``: folding a row with nothing new gives the row back."""
    return current.join(F.broadcast(touched), "movie_id", "left_anti")
