"""sentiment_trends: how reviewers feel about each genre, month by month.

Key ``(genre, year, month)`` of the review's ``created_at``. A review counts in each genre of its movie; reviews
of a movie without genres (or unknown to Silver's movies) count under ``Unknown``. Only reviews written at or
before the logical hour count, so a backfill sees the reviews that existed then.
"""

from __future__ import annotations

from datetime import datetime

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from batch_views.common import UNKNOWN_GENRE, conform_to, genre_per_row, run_hour, with_run_columns
from batch_views.gold_view import RUN_FIELDS, GoldView, Serving, expect, struct

SENTIMENT_TRENDS = struct(
    ("genre", T.StringType()),
    ("year", T.IntegerType()),
    ("month", T.IntegerType()),
    ("reviews", T.LongType()),
    ("avg_sentiment", T.DoubleType()),
    ("positive_share", T.DoubleType()),
    ("negative_share", T.DoubleType()),
    ("avg_sentiment_change", T.DoubleType()),
    *RUN_FIELDS,
)


def sentiment_trends(reviews: DataFrame, movies: DataFrame, *, computed_at: datetime) -> DataFrame:
    """One row per genre and month in which the genre's movies received reviews.

    - ``reviews``: reviews written that month.
    - ``avg_sentiment``: mean ``sentiment_score`` (-1..1) of the scored reviews.
    - ``positive_share``, ``negative_share``: fraction (0..1) of the labelled reviews labelled ``positive`` /
      ``negative``; null when no review of the month has a label.
    - ``avg_sentiment_change = avg_sentiment - avg_sentiment of the previous calendar month`` for the genre;
      null when the genre had no scored review that previous month.
    """
    end = F.lit(run_hour(computed_at).start).cast("timestamp")
    genres = movies.select("movie_id", genre_per_row().alias("genre"))
    written = reviews.where(F.col("created_at").isNotNull() & (F.col("created_at") <= end)).select(
        "movie_id",
        "sentiment_score",
        "sentiment_label",
        F.year("created_at").alias("year"),
        F.month("created_at").alias("month"),
    )
    per_genre = written.join(genres, "movie_id", "left").withColumn("genre", F.coalesce("genre", F.lit(UNKNOWN_GENRE)))
    labelled = F.count("sentiment_label")
    monthly = (
        per_genre.groupBy("genre", "year", "month")
        .agg(
            F.count(F.lit(1)).alias("reviews"),
            F.avg("sentiment_score").alias("avg_sentiment"),
            F.try_divide(F.count(F.when(F.col("sentiment_label") == "positive", 1)), labelled).alias("positive_share"),
            F.try_divide(F.count(F.when(F.col("sentiment_label") == "negative", 1)), labelled).alias("negative_share"),
        )
        # Months counted from year 0, so the previous calendar month is simply index - 1, across year ends too.
        .withColumn("_month_index", F.col("year") * 12 + F.col("month") - 1)
    )
    previous = monthly.select(
        "genre",
        (F.col("_month_index") + 1).alias("_month_index"),
        F.col("avg_sentiment").alias("_previous_avg_sentiment"),
    )
    return (
        monthly.join(previous, ["genre", "_month_index"], "left")
        .withColumn("avg_sentiment_change", F.col("avg_sentiment") - F.col("_previous_avg_sentiment"))
        .transform(with_run_columns, computed_at)
        .transform(conform_to, SENTIMENT_TRENDS)
    )


SENTIMENT_TRENDS_VIEW = GoldView(
    name="sentiment_trends",
    build=lambda run: sentiment_trends(run.reviews, run.movies, computed_at=run.computed_at),
    schema=SENTIMENT_TRENDS,
    key=("genre", "year", "month"),
    grain="genre and month of review",
    inputs=("movies", "reviews"),
    layout_columns=("year", "month"),
    layout_meaning="review month",
    expectations=(
        expect("ExpectColumnValuesToBeBetween", column="avg_sentiment", min_value=-1, max_value=1),
        expect("ExpectColumnValuesToBeBetween", column="positive_share", min_value=0, max_value=1),
    ),
    serving=Serving("sentiment_trends", key=("genre", "year", "month")),
)
