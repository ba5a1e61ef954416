"""Hand-made Gold views (the documented schemas of spark_jobs/README.md) and the documents they must become."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

from spark_jobs.utils.lake import LakePaths

R1 = "batch_2025_11_09_10"
R2 = "batch_2025_11_09_14"
HOUR1 = datetime(2025, 11, 9, 10, tzinfo=UTC)
HOUR2 = datetime(2025, 11, 9, 14, tzinfo=UTC)
NAN = math.nan

_RUN_COLUMNS = ", batch_run_id string, computed_at timestamp"

# Documented Gold schemas, plus the computed year/month partition columns of the snapshot views.
GOLD_SCHEMAS: dict[str, str] = {
    "genre_analytics": "genre string, year int, month int, total_movies long, avg_rating double, "
    "total_revenue long, avg_sentiment double, avg_popularity double, total_votes long, "
    "top_movies array<struct<movie_id:int,title:string,popularity:double>>",
    "trending_scores": "movie_id int, title string, window string, window_days int, observations int, "
    "popularity_now double, popularity_avg double, velocity double, trending_score double, computed_date date, "
    "year int, month int",
    "temporal_analysis": "period string, year int, month int, movies long, avg_rating double, total_revenue long, "
    "movies_yoy_pct double, avg_rating_yoy_pct double, total_revenue_yoy_pct double",
    "actor_networks": "actor_id int, actor_name string, movies long, collaborators long, weighted_degree long, "
    "component_id int, component_size long, "
    "top_collaborators array<struct<actor_id:int,actor_name:string,weight:long>>, year int, month int",
    "sentiment_trends": "genre string, year int, month int, reviews long, avg_sentiment double, "
    "positive_share double, negative_share double, avg_sentiment_change double",
    "movie_analytics": "movie_id int, title string, release_date date, genres array<string>, vote_average double, "
    "vote_count int, popularity_now double, sentiment_score double, sentiment_label string, budget long, "
    "revenue long, roi double, top_cast array<string>",
}

D = date(2025, 11, 9)

# Rows of run R1, without batch_run_id and computed_at (added by write_gold).
GOLD_R1: dict[str, list[tuple[Any, ...]]] = {
    "genre_analytics": [
        ("Action", 2025, 11, 2, 7.25, 300_000_000, 0.4, 88.5, 5000, [(1, "Alpha", 120.5), (2, "Beta", 56.5)]),
        ("Drama", 2025, 10, 1, NAN, None, None, 10.0, 0, [(3, "Gamma", 10.0)]),
        ("Action", 2024, 12, 1, 6.5, 1000, -0.2, 20.0, 15, []),
    ],
    "trending_scores": [
        (1, "Alpha", "7d", 7, 5, 120.5, 100.0, 3.5, 95.0, D, 2025, 11),
        (1, "Alpha", "30d", 30, 20, 120.5, 80.25, 1.25, 90.0, D, 2025, 11),
        (2, "Beta", "7d", 7, 1, 56.5, 56.5, None, 40.0, D, 2025, 11),
        (3, "Gamma", "7d", 7, 3, 10.0, 9.5, -0.5, 10.5, D, 2025, 11),
        (4, "Delta", "7d", 7, 2, 30.0, 25.0, 0.75, 75.0, D, 2025, 11),
        (5, "Epsilon", "90d", 90, 60, 44.0, 40.0, 0.125, 60.0, D, 2025, 11),
        (6, "Zeta", "7d", 7, 4, 70.0, 61.0, 2.5, 88.0, D, 2025, 11),
    ],
    "temporal_analysis": [
        ("year", 2024, None, 10, 6.5, 5_000_000, None, None, None),
        ("year", 2025, None, 12, 6.75, 6_000_000, 20.0, 3.846, 20.0),
        ("month", 2025, 11, 3, 7.125, 900_000, 50.0, 1.5, None),
        ("month", 2025, 10, 4, 6.875, 100, None, None, None),
    ],
    "actor_networks": [
        (10, "Ann Actor", 3, 2, 4, 10, 3, [(11, "Bob Actor", 3), (12, "Cy Actor", 1)], 2025, 11),
        (11, "Bob Actor", 2, 1, 3, 10, 3, [(10, "Ann Actor", 3)], 2025, 11),
    ],
    "sentiment_trends": [
        ("Action", 2025, 11, 12, 0.3125, 0.5, 0.25, 0.0625),
        ("Drama", 2025, 10, 3, -0.125, 0.25, 0.5, None),
    ],
    "movie_analytics": [
        (
            1,
            "Alpha",
            date(2025, 11, 1),
            ["Action", "Adventure"],
            7.5,
            1200,
            120.5,
            0.625,
            "positive",
            100_000_000,
            250_000_000,
            1.5,
            ["Ann Actor", "Bob Actor"],
        ),
        (2, "Beta", None, [], 0.0, 0, 56.5, None, None, None, None, NAN, []),
    ],
}

# Run R2: Drama 2025-10 is gone from genre_analytics (its document becomes stale), Action 2025-11 changed;
# every trending score moved by one point.
GOLD_R2: dict[str, list[tuple[Any, ...]]] = {
    **GOLD_R1,
    "genre_analytics": [
        ("Action", 2025, 11, 3, 7.0, 350_000_000, 0.5, 90.0, 6000, [(1, "Alpha", 121.0)]),
        ("Action", 2024, 12, 1, 6.5, 1000, -0.2, 20.0, 15, []),
    ],
    "trending_scores": [(*row[:8], row[8] + 1.0, *row[9:]) for row in GOLD_R1["trending_scores"]],
}


def write_gold(
    spark: Any,
    lake_root: str,
    view: str,
    batch_run_id: str,
    rows: Sequence[tuple[Any, ...]],
    *,
    replace: bool = False,
) -> None:
    """Appends one run of a Gold view to its Delta table, partitioned by run as the Gold job writes it; with
    ``replace``, replaces the run's rows in a new commit, as a re-run of the Gold job for that hour does.

    The commit comes from ``deltalake`` (Delta's Rust writer) with the documented schema converted to Arrow: the
    same table Spark writes, without a Spark job per view (each costs seconds on a shared machine).
    """
    import pyarrow as pa
    from deltalake import write_deltalake
    from pyspark.sql.pandas.types import to_arrow_schema
    from pyspark.sql.types import _parse_datatype_string

    computed_at = {R1: HOUR1, R2: HOUR2}.get(batch_run_id, HOUR1)
    schema = _parse_datatype_string(GOLD_SCHEMAS[view] + _RUN_COLUMNS)
    records = [_record(schema, (*row, batch_run_id, computed_at)) for row in rows]
    table = pa.Table.from_pylist(records, schema=to_arrow_schema(schema))
    write_deltalake(
        LakePaths(lake_root).gold(view),
        table,
        mode="overwrite" if replace else "append",
        predicate=f"batch_run_id = '{batch_run_id}'" if replace else None,
        partition_by=["batch_run_id"],
    )


def _record(data_type: Any, value: Any) -> Any:
    """A row tuple (structs as tuples, arrays as lists) as the dicts and lists pyarrow takes."""
    from pyspark.sql.types import ArrayType, StructType

    if value is None:
        return None
    if isinstance(data_type, StructType):
        return {f.name: _record(f.dataType, v) for f, v in zip(data_type.fields, value, strict=True)}
    if isinstance(data_type, ArrayType):
        return [_record(data_type.elementType, v) for v in value]
    return value


def _common(view_type: str, batch_run_id: str, computed_at: datetime) -> dict[str, Any]:
    return {
        "view_type": view_type,
        "batch_run_id": batch_run_id,
        "computed_at": computed_at,
        "data_freshness": "batch",
        "update_frequency": "4_hours",
    }


def midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def expected_r1() -> dict[str, list[dict[str, Any]]]:
    """The documents of run R1, written out by hand, sorted by _id within each view type."""

    def doc(_id: str, view_type: str, **fields: Any) -> dict[str, Any]:
        return {"_id": _id, **_common(view_type, R1, HOUR1), **fields}

    def trending(movie_id, title, window, days, obs, now, avg, velocity, score):
        return doc(
            f"trending_movies:{movie_id}:{days}",
            "trending_movies",
            movie_id=movie_id,
            title=title,
            window=window,
            window_days=days,
            observations=obs,
            popularity_now=now,
            popularity_avg=avg,
            velocity=velocity,
            trending_score=score,
            computed_date=midnight(D),
        )

    documents = {
        "genre_analytics": [
            doc(
                "genre_analytics:Action:2024:12",
                "genre_analytics",
                genre="Action",
                year=2024,
                month=12,
                total_movies=1,
                avg_rating=6.5,
                total_revenue=1000,
                avg_sentiment=-0.2,
                avg_popularity=20.0,
                total_votes=15,
                top_movies=[],
            ),
            doc(
                "genre_analytics:Action:2025:11",
                "genre_analytics",
                genre="Action",
                year=2025,
                month=11,
                total_movies=2,
                avg_rating=7.25,
                total_revenue=300_000_000,
                avg_sentiment=0.4,
                avg_popularity=88.5,
                total_votes=5000,
                top_movies=[
                    {"movie_id": 1, "title": "Alpha", "popularity": 120.5},
                    {"movie_id": 2, "title": "Beta", "popularity": 56.5},
                ],
            ),
            doc(
                "genre_analytics:Drama:2025:10",
                "genre_analytics",
                genre="Drama",
                year=2025,
                month=10,
                total_movies=1,
                avg_rating=None,
                total_revenue=None,
                avg_sentiment=None,
                avg_popularity=10.0,
                total_votes=0,
                top_movies=[{"movie_id": 3, "title": "Gamma", "popularity": 10.0}],
            ),
        ],
        "trending_movies": [
            trending(1, "Alpha", "30d", 30, 20, 120.5, 80.25, 1.25, 90.0),
            trending(1, "Alpha", "7d", 7, 5, 120.5, 100.0, 3.5, 95.0),
            trending(2, "Beta", "7d", 7, 1, 56.5, 56.5, None, 40.0),
            trending(3, "Gamma", "7d", 7, 3, 10.0, 9.5, -0.5, 10.5),
            trending(4, "Delta", "7d", 7, 2, 30.0, 25.0, 0.75, 75.0),
            trending(5, "Epsilon", "90d", 90, 60, 44.0, 40.0, 0.125, 60.0),
            trending(6, "Zeta", "7d", 7, 4, 70.0, 61.0, 2.5, 88.0),
        ],
        "temporal_analytics": [
            doc(
                "temporal_analytics:month:2025:10",
                "temporal_analytics",
                period="month",
                year=2025,
                month=10,
                movies=4,
                avg_rating=6.875,
                total_revenue=100,
                movies_yoy_pct=None,
                avg_rating_yoy_pct=None,
                total_revenue_yoy_pct=None,
            ),
            doc(
                "temporal_analytics:month:2025:11",
                "temporal_analytics",
                period="month",
                year=2025,
                month=11,
                movies=3,
                avg_rating=7.125,
                total_revenue=900_000,
                movies_yoy_pct=50.0,
                avg_rating_yoy_pct=1.5,
                total_revenue_yoy_pct=None,
            ),
            doc(
                "temporal_analytics:year:2024:",
                "temporal_analytics",
                period="year",
                year=2024,
                month=None,
                movies=10,
                avg_rating=6.5,
                total_revenue=5_000_000,
                movies_yoy_pct=None,
                avg_rating_yoy_pct=None,
                total_revenue_yoy_pct=None,
            ),
            doc(
                "temporal_analytics:year:2025:",
                "temporal_analytics",
                period="year",
                year=2025,
                month=None,
                movies=12,
                avg_rating=6.75,
                total_revenue=6_000_000,
                movies_yoy_pct=20.0,
                avg_rating_yoy_pct=3.846,
                total_revenue_yoy_pct=20.0,
            ),
        ],
        "actor_network": [
            doc(
                "actor_network:10",
                "actor_network",
                actor_id=10,
                actor_name="Ann Actor",
                movies=3,
                collaborators=2,
                weighted_degree=4,
                component_id=10,
                component_size=3,
                top_collaborators=[
                    {"actor_id": 11, "actor_name": "Bob Actor", "weight": 3},
                    {"actor_id": 12, "actor_name": "Cy Actor", "weight": 1},
                ],
            ),
            doc(
                "actor_network:11",
                "actor_network",
                actor_id=11,
                actor_name="Bob Actor",
                movies=2,
                collaborators=1,
                weighted_degree=3,
                component_id=10,
                component_size=3,
                top_collaborators=[{"actor_id": 10, "actor_name": "Ann Actor", "weight": 3}],
            ),
        ],
        "sentiment_trends": [
            doc(
                "sentiment_trends:Action:2025:11",
                "sentiment_trends",
                genre="Action",
                year=2025,
                month=11,
                reviews=12,
                avg_sentiment=0.3125,
                positive_share=0.5,
                negative_share=0.25,
                avg_sentiment_change=0.0625,
            ),
            doc(
                "sentiment_trends:Drama:2025:10",
                "sentiment_trends",
                genre="Drama",
                year=2025,
                month=10,
                reviews=3,
                avg_sentiment=-0.125,
                positive_share=0.25,
                negative_share=0.5,
                avg_sentiment_change=None,
            ),
        ],
        "movie_analytics": [
            doc(
                "movie_analytics:1",
                "movie_analytics",
                movie_id=1,
                title="Alpha",
                release_date=datetime(2025, 11, 1, tzinfo=UTC),
                genres=["Action", "Adventure"],
                vote_average=7.5,
                vote_count=1200,
                popularity_now=120.5,
                sentiment_score=0.625,
                sentiment_label="positive",
                budget=100_000_000,
                revenue=250_000_000,
                roi=1.5,
                top_cast=["Ann Actor", "Bob Actor"],
            ),
            doc(
                "movie_analytics:2",
                "movie_analytics",
                movie_id=2,
                title="Beta",
                release_date=None,
                genres=[],
                vote_average=0.0,
                vote_count=0,
                popularity_now=56.5,
                sentiment_score=None,
                sentiment_label=None,
                budget=None,
                revenue=None,
                roi=None,
                top_cast=[],
            ),
        ],
    }
    return {view_type: sorted(docs, key=lambda d: d["_id"]) for view_type, docs in documents.items()}


def expected_r2_trending() -> list[dict[str, Any]]:
    """R2's trending documents: R1's with the run, its hour and a score one point higher (as GOLD_R2 has it)."""
    return [
        {**doc, "batch_run_id": R2, "computed_at": HOUR2, "trending_score": doc["trending_score"] + 1.0}
        for doc in expected_r1()["trending_movies"]
    ]
