"""temporal_analysis: movies, ratings and revenue per release year and per release month, year over year.

Key ``(period, year, month)``: ``period = "year"`` rows have ``month`` null, ``period = "month"`` rows compare a
month with the same month of the previous year. Movies without a release date have no period and are left out.
"""

from __future__ import annotations

from datetime import datetime

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql import types as T

from batch_views.common import conform_to, known_rating, percent_change, with_release_period, with_run_columns
from batch_views.gold_view import RUN_FIELDS, GoldView, Serving, expect, struct

MEASURES = ("movies", "avg_rating", "total_revenue")

TEMPORAL_ANALYSIS = struct(
    ("period", T.StringType()),
    ("year", T.IntegerType()),
    ("month", T.IntegerType()),
    ("movies", T.LongType()),
    ("avg_rating", T.DoubleType()),
    ("total_revenue", T.LongType()),
    ("movies_yoy_pct", T.DoubleType()),
    ("avg_rating_yoy_pct", T.DoubleType()),
    ("total_revenue_yoy_pct", T.DoubleType()),
    *RUN_FIELDS,
)


def temporal_analysis(movies: DataFrame, *, computed_at: datetime) -> DataFrame:
    """One row per release year and one per release year and month.

    - ``movies``: movies released in the period; ``avg_rating``: mean ``vote_average`` of those with votes;
      ``total_revenue``: sum of the known revenues (null when none is known).
    - ``<measure>_yoy_pct = 100 * (this - previous) / |previous|``, where previous is the same period one year
      earlier. Null when that period has no movies (a missing year is not 0 %), or its value is null or 0.
    """
    released = movies.transform(with_release_period).select("year", "month", "revenue", known_rating().alias("rating"))
    measures = [
        F.count(F.lit(1)).alias("movies"),
        F.avg("rating").alias("avg_rating"),
        F.sum("revenue").cast("long").alias("total_revenue"),
    ]
    yearly = (
        released.groupBy("year")
        .agg(*measures)
        .withColumn("period", F.lit("year"))
        .withColumn("month", F.lit(None).cast("int"))
    )
    monthly = released.groupBy("year", "month").agg(*measures).withColumn("period", F.lit("month"))
    periods = yearly.unionByName(monthly)
    # The same period one year earlier, moved forward a year so that it joins on the later period's key.
    previous = periods.select(
        "period",
        (F.col("year") + 1).alias("year"),
        "month",
        *(F.col(measure).alias(f"_previous_{measure}") for measure in MEASURES),
    )
    compared = periods.join(
        previous,
        (periods["period"] == previous["period"])
        & (periods["year"] == previous["year"])
        & periods["month"].eqNullSafe(previous["month"]),
        "left",
    ).select(periods["*"], *(previous[f"_previous_{measure}"] for measure in MEASURES))
    for measure in MEASURES:
        compared = compared.withColumn(f"{measure}_yoy_pct", percent_change(measure, f"_previous_{measure}"))
    return compared.transform(with_run_columns, computed_at).transform(conform_to, TEMPORAL_ANALYSIS)


TEMPORAL_ANALYSIS_VIEW = GoldView(
    name="temporal_analysis",
    build=lambda run: temporal_analysis(run.movies, computed_at=run.computed_at),
    schema=TEMPORAL_ANALYSIS,
    key=("period", "year", "month"),
    # month is null on the year rows.
    not_null=("period", "year"),
    grain="release year (`period=year`, month null) and release month",
    inputs=("movies",),
    layout_columns=("period",),
    layout_meaning="`year` or `month`",
    expectations=(expect("ExpectColumnValuesToBeInSet", column="period", value_set=["year", "month"]),),
    serving=Serving("temporal_analytics", key=("period", "year", "month")),
)
