"""The schemas of the Gold views, column for column as in spark_jobs/README.md ("Gold"), partition and run
columns included.

Every view ends by conforming to its schema, so the types written are exactly these. Readers of ``gold/`` should
pass the schema too (``spark.read.schema(GOLD_SCHEMAS[view]).parquet(path)``): partition type inference would
otherwise read the folder ``window=7d`` as the double 7.0 (Java parses "7d" as a double literal).
"""

from __future__ import annotations

from pyspark.sql import types as T


def _schema(*fields: tuple[str, T.DataType]) -> T.StructType:
    return T.StructType([T.StructField(name, data_type) for name, data_type in fields])


_RUN = (("batch_run_id", T.StringType()), ("computed_at", T.TimestampType()))
_COMPUTED_PARTITION = (("year", T.IntegerType()), ("month", T.IntegerType()))

GENRE_ANALYTICS = _schema(
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
        T.ArrayType(_schema(("movie_id", T.IntegerType()), ("title", T.StringType()), ("popularity", T.DoubleType()))),
    ),
    *_RUN,
)

TRENDING_SCORES = _schema(
    ("movie_id", T.IntegerType()),
    ("title", T.StringType()),
    ("window", T.StringType()),
    ("window_days", T.IntegerType()),
    ("observations", T.IntegerType()),
    ("popularity_now", T.DoubleType()),
    ("popularity_avg", T.DoubleType()),
    ("velocity", T.DoubleType()),
    ("trend_score", T.DoubleType()),
    ("computed_date", T.DateType()),
    *_COMPUTED_PARTITION,
    *_RUN,
)

TEMPORAL_ANALYSIS = _schema(
    ("period", T.StringType()),
    ("year", T.IntegerType()),
    ("month", T.IntegerType()),
    ("movies", T.LongType()),
    ("avg_rating", T.DoubleType()),
    ("total_revenue", T.LongType()),
    ("movies_yoy_pct", T.DoubleType()),
    ("avg_rating_yoy_pct", T.DoubleType()),
    ("total_revenue_yoy_pct", T.DoubleType()),
    *_RUN,
)

ACTOR_NETWORKS = _schema(
    ("actor_id", T.IntegerType()),
    ("actor_name", T.StringType()),
    ("movies", T.LongType()),
    ("collaborators", T.LongType()),
    ("weighted_degree", T.LongType()),
    ("component_id", T.IntegerType()),
    ("component_size", T.LongType()),
    (
        "top_collaborators",
        T.ArrayType(_schema(("actor_id", T.IntegerType()), ("actor_name", T.StringType()), ("weight", T.LongType()))),
    ),
    *_COMPUTED_PARTITION,
    *_RUN,
)

ACTOR_COLLABORATIONS = _schema(
    ("actor_a_id", T.IntegerType()),
    ("actor_a_name", T.StringType()),
    ("actor_b_id", T.IntegerType()),
    ("actor_b_name", T.StringType()),
    ("weight", T.LongType()),
    ("movie_titles", T.ArrayType(T.StringType())),
    *_COMPUTED_PARTITION,
    *_RUN,
)

SENTIMENT_TRENDS = _schema(
    ("genre", T.StringType()),
    ("year", T.IntegerType()),
    ("month", T.IntegerType()),
    ("reviews", T.LongType()),
    ("avg_sentiment", T.DoubleType()),
    ("positive_share", T.DoubleType()),
    ("negative_share", T.DoubleType()),
    ("avg_sentiment_change", T.DoubleType()),
    *_RUN,
)

MOVIE_ANALYTICS = _schema(
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
    *_RUN,
)

GOLD_SCHEMAS: dict[str, T.StructType] = {
    "genre_analytics": GENRE_ANALYTICS,
    "trending_scores": TRENDING_SCORES,
    "temporal_analysis": TEMPORAL_ANALYSIS,
    "actor_networks": ACTOR_NETWORKS,
    "actor_collaborations": ACTOR_COLLABORATIONS,
    "sentiment_trends": SENTIMENT_TRENDS,
    "movie_analytics": MOVIE_ANALYTICS,
}
