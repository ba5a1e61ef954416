"""genre_analytics: per genre and release month, how many movies, how they rate, earn and are received.

Key ``(genre, year, month)`` of the release date. A movie counts once in each of its genres; a movie without
genres counts under ``Unknown``; a movie without a release date has no month and is left out.
"""

from __future__ import annotations

from datetime import datetime

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from batch_views.common import (
    UNKNOWN_GENRE,
    conform_to,
    genre_per_row,
    known_rating,
    top_n_structs,
    with_release_period,
    with_run_columns,
)
from batch_views.gold_view import RUN_FIELDS, GoldView, Serving, expect, struct

TOP_MOVIES = 5

GENRE_ANALYTICS = struct(
    ("genre", T.StringType()),
    ("year", T.IntegerType()),
    ("month", T.IntegerType()),
    ("total_movies", T.LongType()),
    ("avg_rating", T.DoubleType()),
    ("total_revenue", T.LongType()),
    ("avg_sentiment", T.DoubleType()),
    ("avg_popularity", T.DoubleType()),
    ("total_votes", T.LongType()),
    (
        "top_movies",
        T.ArrayType(struct(("movie_id", T.IntegerType()), ("title", T.StringType()), ("popularity", T.DoubleType()))),
    ),
    *RUN_FIELDS,
)


def genre_analytics(movies: DataFrame, *, computed_at: datetime) -> DataFrame:
    """One row per genre and release year and month.

    - ``total_movies``: movies released that month in the genre.
    - ``avg_rating``: mean ``vote_average`` of the movies with at least one vote.
    - ``total_revenue``: sum of the known revenues; unknown revenue is left out, not counted as 0, and the total
      is null when no movie of the group has a known revenue.
    - ``avg_sentiment``, ``avg_popularity``: means over the movies that have a value.
    - ``total_votes``: sum of ``vote_count``.
    - ``top_movies``: the five most popular movies (ties by lower movie_id), most popular first.
    """
    keys = ["genre", "year", "month"]
    per_genre = (
        movies.transform(with_release_period)
        .select(
            "movie_id",
            "title",
            "year",
            "month",
            "popularity",
            "vote_count",
            "revenue",
            "sentiment_score",
            known_rating().alias("rating"),
            genre_per_row().alias("genre"),
        )
        .withColumn("genre", F.coalesce("genre", F.lit(UNKNOWN_GENRE)))
    )
    totals = per_genre.groupBy(*keys).agg(
        # Rows are unique per (movie, genre): genres were made distinct before exploding.
        F.count(F.lit(1)).alias("total_movies"),
        F.avg("rating").alias("avg_rating"),
        F.sum("revenue").cast("long").alias("total_revenue"),
        F.avg("sentiment_score").alias("avg_sentiment"),
        F.avg("popularity").alias("avg_popularity"),
        F.sum("vote_count").cast("long").alias("total_votes"),
    )
    top_movies = top_n_structs(
        per_genre,
        by=keys,
        order=[F.col("popularity").desc_nulls_last(), F.col("movie_id")],
        n=TOP_MOVIES,
        fields={"movie_id": "movie_id", "title": "title", "popularity": "popularity"},
        name="top_movies",
    )
    return totals.join(top_movies, keys).transform(with_run_columns, computed_at).transform(conform_to, GENRE_ANALYTICS)


GENRE_ANALYTICS_VIEW = GoldView(
    name="genre_analytics",
    build=lambda run: genre_analytics(run.movies, computed_at=run.computed_at),
    schema=GENRE_ANALYTICS,
    key=("genre", "year", "month"),
    grain="genre and release month",
    inputs=("movies",),
    layout_columns=("year", "month"),
    layout_meaning="release",
    expectations=(
        expect("ExpectColumnValuesToBeBetween", column="total_revenue", min_value=0),
        expect("ExpectColumnValuesToBeBetween", column="avg_rating", min_value=0, max_value=10, critical=False),
    ),
    serving=Serving(
        "genre_analytics",
        key=("genre", "year", "month"),
        indexes=(
            (("view_type", 1), ("genre", 1), ("year", 1), ("month", 1)),  # the seed's genre analytics queries
            # The seed's "Batch Views (MongoDB Export)" index on data.genre, data.year: top-level fields here.
            (("view_type", 1), ("genre", 1), ("year", 1)),
        ),
    ),
)
