"""TMDB's movie genres (``/genre/movie/list``) and the mapping of list entries' ``genre_ids`` to names.

Details responses carry ``genres`` as ``[{id, name}]`` and need no lookup; list entries carry ids only.
The 19 genres change about once a decade, so they live here rather than in another API call per run.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

GENRES: dict[int, str] = {
    28: "Action",
    12: "Adventure",
    16: "Animation",
    35: "Comedy",
    80: "Crime",
    99: "Documentary",
    18: "Drama",
    10751: "Family",
    14: "Fantasy",
    36: "History",
    27: "Horror",
    10402: "Music",
    9648: "Mystery",
    10749: "Romance",
    878: "Science Fiction",
    10770: "TV Movie",
    53: "Thriller",
    10752: "War",
    37: "Western",
}

UNKNOWN_GENRE = "unknown"


def genre_map(spark: SparkSession) -> DataFrame:
    """One row, one column ``genre_map`` (map<int,string>): the lookup table to broadcast."""
    return spark.createDataFrame([(GENRES,)], "genre_map map<int,string>")


def with_genre_names(df: DataFrame, genres: DataFrame, ids: str = "genre_ids") -> DataFrame:
    """Adds ``genres`` (names, in TMDB's order) and ``unknown_genre_ids`` (ids missing from the map).

    The one-row map is broadcast to every task, so no row of ``df`` is shuffled for the lookup.
    """
    lookup = F.col("genre_map")
    return (
        df.crossJoin(F.broadcast(genres))
        .withColumn(
            "genres",
            F.filter(F.transform(F.col(ids), lambda genre_id: F.try_element_at(lookup, genre_id)), _is_not_null),
        )
        .withColumn("unknown_genre_ids", F.filter(F.col(ids), lambda genre_id: ~F.map_contains_key(lookup, genre_id)))
        .drop("genre_map")
    )


def _is_not_null(value: Column) -> Column:
    return value.isNotNull()
