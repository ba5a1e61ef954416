"""silver/reviews: one row per review id, scored with VADER, and each movie's review statistics.

A review is seen again every time its movie's details are refreshed (the first page is embedded). The latest
version wins by bronze run (``batch_run_id``), ties broken by a hash of its fields, so the order is stored in
the row itself and merging new reviews into the current Silver equals building from all of bronze.
Scoring is the expensive part of the job, so a review whose content Silver has already scored keeps its
score and only new or edited texts go through VADER.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from spark_jobs.silver import schemas
from spark_jobs.silver.common import latest_by, run_hour
from spark_jobs.silver.genres import UNKNOWN_GENRE
from spark_jobs.silver.sentiment import mean_score, sentiment_label, vader_compound

REVIEW_FIELDS = ("movie_id", "author", "rating", "created_at", "content")
_RECORD_COLUMNS = ("review_id", *REVIEW_FIELDS, "batch_run_id")


def latest_reviews(records: DataFrame) -> DataFrame:
    """One row per review id (the latest version), without a score."""
    return latest_by(records.select(*_RECORD_COLUMNS), "review_id", "batch_run_id", REVIEW_FIELDS)


def score_reviews(reviews: DataFrame, state: DataFrame) -> DataFrame:
    """Adds ``sentiment_score``: the state's score when it already scored the same text, else VADER's."""
    known = state.select(
        "review_id",
        F.col("content").alias("_known_content"),
        F.col("sentiment_score").alias("_known_score"),
    )
    joined = reviews.join(known, "review_id", "left")
    already_scored = F.col("content").eqNullSafe(F.col("_known_content")) & F.col("_known_score").isNotNull()
    reused = joined.where(already_scored).withColumn("sentiment_score", F.col("_known_score"))
    fresh = joined.where(~already_scored).withColumn("sentiment_score", vader_compound(F.col("content")))
    return reused.unionByName(fresh).drop("_known_content", "_known_score")


def merge_reviews(scored: DataFrame, state: DataFrame) -> DataFrame:
    """The latest version of every review among new scored reviews and the current silver/reviews."""
    columns = [*_RECORD_COLUMNS, "sentiment_score"]
    return latest_by(
        scored.select(*columns).unionByName(state.select(*columns)), "review_id", "batch_run_id", REVIEW_FIELDS
    )


def merge_touched(new: DataFrame, current: DataFrame) -> DataFrame:
    """The reviews ``new`` (see :func:`latest_reviews`) brought, scored and merged with their current rows.

    Their ids are few on an incremental run and broadcast, so the state is filtered without a shuffle.
    """
    seen_before = current.join(F.broadcast(new.select("review_id")), "review_id", "left_semi")
    return merge_reviews(score_reviews(new, seen_before), seen_before)


def untouched(new: DataFrame, current: DataFrame) -> DataFrame:
    """The current reviews ``new`` did not bring again: they pass through as they were."""
    kept = current.join(F.broadcast(new.select("review_id")), "review_id", "left_anti")
    return kept.select(*_RECORD_COLUMNS, "sentiment_score")


def review_stats(reviews: DataFrame) -> DataFrame:
    """Per movie: ``review_count``, ``sentiment_score`` (mean compound) and ``review_run`` (latest run)."""
    return reviews.groupBy("movie_id").agg(
        F.count(F.lit(1)).cast("int").alias("review_count"),
        mean_score(F.col("sentiment_score")).alias("sentiment_score"),
        F.max("batch_run_id").alias("review_run"),
    )


def finalize_reviews(reviews: DataFrame, movies: DataFrame) -> DataFrame:
    """silver/reviews rows: label, processed_timestamp and the partition values of the review's movie."""
    partitions = movies.select("movie_id", "year", "month", "genre")
    return (
        reviews.join(partitions, "movie_id", "left")
        .withColumn("genre", F.coalesce("genre", F.lit(UNKNOWN_GENRE)))
        .withColumn("sentiment_label", sentiment_label(F.col("sentiment_score")))
        .withColumn("processed_timestamp", run_hour(F.col("batch_run_id")))
        .transform(schemas.conform, schemas.SILVER_REVIEWS)
    )
