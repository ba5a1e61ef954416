"""trending_scores: how fast each movie's popularity moves over the last 7, 30 and 90 days.

Key ``(movie_id, window)``. Every Silver observation is one reading of a movie's popularity at ``observed_at``;
a window of N days at logical hour H holds the observations with ``observed_at`` in
``(H - N days, H + RUN_SPAN)``: a run observes TMDB while it runs, after its logical hour and before the next
one, so its own readings belong to its windows. A backfill sees exactly the history that existed at its hour.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F
from pyspark.sql import types as T

from batch_views.common import conform_to, run_hour, with_computed_partition, with_run_columns
from batch_views.gold_view import (
    COMPUTED_PARTITION_FIELDS,
    MOVIE_LOOKUP_INDEXES,
    RUN_FIELDS,
    GoldView,
    Serving,
    expect,
    struct,
)

TRENDING_WINDOWS: dict[str, int] = {"7d": 7, "30d": 30, "90d": 90}

# trending_score = 100 * (VELOCITY_WEIGHT * velocity rank + POPULARITY_WEIGHT * popularity rank); see
# trending_scores.
VELOCITY_WEIGHT = 0.6
POPULARITY_WEIGHT = 0.4

SECONDS_PER_DAY = 86400.0

# How long after its logical hour a run's own observations can be made: one schedule interval.
RUN_SPAN = timedelta(hours=4)

TRENDING_SCORES = struct(
    ("movie_id", T.IntegerType()),
    ("title", T.StringType()),
    ("window", T.StringType()),
    ("window_days", T.IntegerType()),
    ("observations", T.IntegerType()),
    ("popularity_now", T.DoubleType()),
    ("popularity_avg", T.DoubleType()),
    ("velocity", T.DoubleType()),
    ("trending_score", T.DoubleType()),
    ("computed_date", T.DateType()),
    *COMPUTED_PARTITION_FIELDS,
    *RUN_FIELDS,
)


def trending_scores(
    observations: DataFrame,
    movies: DataFrame,
    *,
    computed_at: datetime,
    windows: dict[str, int] | None = None,
) -> DataFrame:
    """One row per movie and window in which the movie has at least one observation.

    - ``observations``: popularity readings in the window.
    - ``popularity_now``: the latest reading in the window.
    - ``popularity_avg``: the mean of the window's readings (the seed's rolling average, evaluated at the
      logical hour; with one reading a day it equals the seed's ``rowsBetween(-(N-1), 0)`` average).
    - ``velocity``: the least-squares slope of popularity against time in days (popularity points per day).
      Fewer than two readings, or all readings at one instant, give no slope: velocity is null, never invented.
    - ``trending_score`` (0..100), within each window::

          trending_score = 100 * (0.6 * velocity_rank + 0.4 * popularity_rank)

      ``velocity_rank`` is the cumulative distribution of velocity among the movies of the window that have one
      (the share of them moving no faster than this movie: the fastest gets 1), and 0 for a movie without
      velocity (no evidence of a trend); ``popularity_rank`` is the same share for ``popularity_now`` among all
      movies of the window. Both lie in 0..1, so the score is bounded by construction: 100 for the fastest riser
      that is also the most popular movie. It is rounded to 4 decimals. Ranks rather than raw values keep one
      outlier from flattening everyone else's score and make scores comparable across catalogue sizes.
    """
    windows = windows or TRENDING_WINDOWS
    hour = run_hour(computed_at)
    end = F.lit(hour.start + RUN_SPAN).cast("timestamp")
    window_table = F.array(
        *(F.struct(F.lit(name).alias("window"), F.lit(days).alias("window_days")) for name, days in windows.items())
    )
    readings = (
        observations.where(
            (F.col("observed_at") < end)
            & (F.col("observed_at") > F.lit(hour.start - timedelta(days=max(windows.values()))).cast("timestamp"))
            & F.col("popularity").isNotNull()
        )
        .select(
            "movie_id",
            "observed_at",
            "popularity",
            # Time as (negative) days before the logical hour, so the fitted slope is in points per day.
            ((F.col("observed_at").cast("double") - F.lit(hour.start.timestamp())) / SECONDS_PER_DAY).alias("day"),
            F.inline(window_table),
        )
        .where(F.col("day") > -F.col("window_days"))
    )
    per_window = readings.groupBy("movie_id", "window", "window_days").agg(
        F.count(F.lit(1)).cast("int").alias("observations"),
        # Ties on observed_at (two readings in one instant) resolve to the higher value, deterministically.
        F.max_by("popularity", F.struct("observed_at", "popularity")).alias("popularity_now"),
        F.avg("popularity").alias("popularity_avg"),
        F.regr_slope("popularity", "day").alias("_slope"),
    )
    titles = movies.select("movie_id", "title")
    return (
        per_window.withColumn("velocity", F.when(F.col("observations") >= 2, F.col("_slope")))
        .withColumn("trending_score", _trending_score())
        .join(titles, "movie_id", "left")
        .withColumn("computed_date", F.lit(hour.start.date()))
        .transform(with_computed_partition, computed_at)
        .transform(with_run_columns, computed_at)
        .transform(conform_to, TRENDING_SCORES)
    )


def _trending_score() -> Column:
    has_velocity = F.col("velocity").isNotNull()
    # Movies without velocity form their own partition so they do not take rank positions from the others.
    velocity_rank = F.cume_dist().over(Window.partitionBy("window", has_velocity).orderBy("velocity"))
    popularity_rank = F.cume_dist().over(Window.partitionBy("window").orderBy("popularity_now"))
    blended = VELOCITY_WEIGHT * F.when(has_velocity, velocity_rank).otherwise(0.0) + POPULARITY_WEIGHT * popularity_rank
    return F.round(100.0 * blended, 4)


TRENDING_SCORES_VIEW = GoldView(
    name="trending_scores",
    build=lambda run: trending_scores(run.movie_observations, run.movies, computed_at=run.computed_at),
    schema=TRENDING_SCORES,
    key=("movie_id", "window"),
    grain="movie and window it was observed in",
    inputs=("movies", "movie_observations"),
    layout_columns=("window", "year", "month"),
    layout_meaning="computed date",
    expectations=(
        expect("ExpectColumnValuesToBeInSet", column="window", value_set=list(TRENDING_WINDOWS)),
        expect("ExpectColumnValuesToNotBeNull", column="trending_score"),
        expect("ExpectColumnValuesToBeBetween", column="trending_score", min_value=0, max_value=100),
    ),
    serving=Serving(
        "trending_movies",
        key=("movie_id", "window_days"),
        # The computed year/month say when the snapshot was taken: computed_at and computed_date say it already.
        unserved=("year", "month"),
        indexes=(
            (("view_type", 1), ("window_days", 1), ("trending_score", -1)),  # the seed's trending queries
            *MOVIE_LOOKUP_INDEXES,
        ),
    ),
)
