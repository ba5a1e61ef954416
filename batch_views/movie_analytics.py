"""movie_analytics: one row per movie with what a movie page shows: rating, reach, reception, money, stars.

Key ``movie_id``.
"""

from __future__ import annotations

from datetime import datetime

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from batch_views.actor_networks import top_billed
from batch_views.common import conform_to, with_run_columns
from batch_views.gold_view import MOVIE_LOOKUP_INDEXES, RUN_FIELDS, GoldView, Serving, struct

MOVIE_ANALYTICS = struct(
    ("movie_id", T.IntegerType()),
    ("title", T.StringType()),
    ("release_date", T.DateType()),
    ("genres", T.ArrayType(T.StringType())),
    ("vote_average", T.DoubleType()),
    ("vote_count", T.IntegerType()),
    ("popularity_now", T.DoubleType()),
    ("sentiment_score", T.DoubleType()),
    ("sentiment_label", T.StringType()),
    ("budget", T.LongType()),
    ("revenue", T.LongType()),
    ("roi", T.DoubleType()),
    ("top_cast", T.ArrayType(T.StringType())),
    *RUN_FIELDS,
)


def movie_analytics(movies: DataFrame, *, computed_at: datetime, top_cast: int) -> DataFrame:
    """One row per Silver movie.

    - ``popularity_now``: Silver's ``popularity``, the movie's latest observation.
    - ``roi = revenue / budget`` when both are known (Silver stores TMDB's unknown 0 as null); null otherwise.
    - ``top_cast``: names of the first ``top_cast`` billed cast members, in billing order (the same people as in
      the actor network); empty when the cast is unknown.
    """
    cast = (
        top_billed(movies, top_cast)
        .groupBy("movie_id")
        .agg(F.array_sort(F.collect_list(F.struct("billing_rank", "actor_name"))).alias("_billing"))
        .select("movie_id", F.transform("_billing", lambda billed: billed["actor_name"]).alias("top_cast"))
    )
    return (
        movies.join(cast, "movie_id", "left")
        .withColumn("popularity_now", F.col("popularity"))
        .withColumn("roi", F.try_divide(F.col("revenue").cast("double"), F.col("budget")))
        .withColumn("top_cast", F.coalesce("top_cast", F.array().cast("array<string>")))
        .transform(with_run_columns, computed_at)
        .transform(conform_to, MOVIE_ANALYTICS)
    )


MOVIE_ANALYTICS_VIEW = GoldView(
    name="movie_analytics",
    build=lambda run: movie_analytics(run.movies, computed_at=run.computed_at, top_cast=run.top_cast),
    schema=MOVIE_ANALYTICS,
    key=("movie_id",),
    grain="movie",
    inputs=("movies",),
    serving=Serving("movie_analytics", key=("movie_id",), indexes=MOVIE_LOOKUP_INDEXES),
)
