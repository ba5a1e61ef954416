"""Hand-made Bronze rows with the payload shapes of TMDB_API.md, for the Silver tests.

Payload builders return dicts (serialised by :func:`row`); a test that needs a broken body passes a string.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from master_dataset.partitioning import LogicalHour
from master_dataset.schema import TABLE_PARTITION_COLUMNS
from spark_jobs.silver import schemas
from spark_jobs.utils import tables
from spark_jobs.utils.lake import LakePaths

LIST_ENDPOINT = {
    "popular": "/movie/popular",
    "top_rated": "/movie/top_rated",
    "now_playing": "/movie/now_playing",
    "discover": "/discover/movie",
}


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def list_entry(movie_id: int, **fields: Any) -> dict[str, Any]:
    entry = {
        "id": movie_id,
        "title": f"Movie {movie_id}",
        "original_title": f"Movie {movie_id}",
        "original_language": "en",
        "overview": "",
        "release_date": "2020-05-01",
        "genre_ids": [28],
        "popularity": 10.0,
        "vote_average": 7.0,
        "vote_count": 100,
        "adult": False,
        "video": False,
        "poster_path": None,
        "backdrop_path": None,
    }
    return {**entry, **fields}


def review(review_id: str, content: str, **fields: Any) -> dict[str, Any]:
    body = {
        "id": review_id,
        "author": "critic",
        "content": content,
        "created_at": "2024-01-02T03:04:05.678Z",
        "updated_at": "2024-01-02T03:04:05.678Z",
        "url": f"https://www.themoviedb.org/review/{review_id}",
        "author_details": {"name": "", "username": "critic", "avatar_path": None, "rating": 8.0},
    }
    return {**body, **fields}


def details(movie_id: int, reviews: list[dict[str, Any]] | None = None, **fields: Any) -> dict[str, Any]:
    body = {
        "id": movie_id,
        "imdb_id": f"tt{movie_id:07d}",
        "title": f"Movie {movie_id}",
        "original_title": f"Movie {movie_id}",
        "original_language": "en",
        "overview": "",
        "tagline": "",
        "status": "Released",
        "release_date": "2020-05-01",
        "runtime": 120,
        "budget": 1_000_000,
        "revenue": 5_000_000,
        "popularity": 10.0,
        "vote_average": 7.0,
        "vote_count": 100,
        "adult": False,
        "video": False,
        "homepage": "",
        "genres": [{"id": 28, "name": "Action"}],
        "production_companies": [{"id": 1, "name": "Studio", "origin_country": "US", "logo_path": None}],
        "production_countries": [],
        "spoken_languages": [],
        "belongs_to_collection": None,
        "poster_path": None,
        "backdrop_path": None,
        "credits": {
            "cast": [
                {"id": 10, "name": "Actor A", "original_name": "Actor A", "character": "Hero", "order": 0},
                {"id": 11, "name": "Actor B", "original_name": "Actor B", "character": "Villain", "order": 1},
            ],
            "crew": [{"id": 20, "name": "Director D", "job": "Director", "department": "Directing"}],
        },
        "reviews": {
            "page": 1,
            "total_pages": 1,
            "total_results": len(reviews or []),
            "results": reviews or [],
        },
        "keywords": {"keywords": [{"id": 1, "name": "hero"}]},
    }
    return {**body, **fields}


def review_page(movie_id: int, page: int, reviews: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": movie_id, "page": page, "total_pages": page, "total_results": 20 * page, "results": reviews}


def row(
    hour: LogicalHour,
    movie_id: int | None,
    payload: dict[str, Any] | str | None,
    endpoint: str,
    extracted: datetime,
    *,
    source_list: str | None = None,
    list_rank: int | None = None,
) -> tuple[Any, ...]:
    """One bronze row in the column order of the contract."""
    raw = payload if payload is None or isinstance(payload, str) else json.dumps(payload)
    p = hour.partition
    return (
        movie_id,
        raw,
        endpoint,
        extracted,
        source_list,
        list_rank,
        hour.batch_run_id,
        p["year"],
        p["month"],
        p["day"],
        p["hour"],
    )


def listed(
    hour: LogicalHour, extracted: datetime, source_list: str, rank: int, entry: dict[str, Any] | str
) -> tuple[Any, ...]:
    movie_id = entry["id"] if isinstance(entry, dict) else None
    return row(hour, movie_id, entry, LIST_ENDPOINT[source_list], extracted, source_list=source_list, list_rank=rank)


def fetched(hour: LogicalHour, extracted: datetime, body: dict[str, Any] | str, movie_id: int | None = None):
    movie_id = movie_id if movie_id is not None else (body.get("id") if isinstance(body, dict) else None)
    return row(hour, movie_id, body, "/movie/{id}", extracted)


def paged(hour: LogicalHour, extracted: datetime, body: dict[str, Any] | str, movie_id: int):
    return row(hour, movie_id, body, "/movie/{id}/reviews", extracted)


def frame(spark: SparkSession, rows: list[tuple[Any, ...]]) -> DataFrame:
    return spark.createDataFrame(rows, schemas.BRONZE)


def write(spark: SparkSession, lake_root: str, dataset: str, rows: list[tuple[Any, ...]]) -> None:
    """Writes rows into bronze/<dataset>, replacing exactly the hour partitions they belong to."""
    df = frame(spark, rows)
    hours = sorted({(r.year, r.month, r.day, r.hour) for r in df.select("year", "month", "day", "hour").collect()})
    condition = " OR ".join(f"(year = {y} AND month = {m} AND day = {d} AND hour = {h})" for y, m, d, h in hours)
    # The commit names its run, as the bronze job's does (Silver tells a re-ingested run by it).
    tables.commits_as(spark, max(r.batch_run_id for r in df.select("batch_run_id").distinct().collect()))
    tables.replace_where(df, LakePaths(lake_root).bronze(dataset), condition, TABLE_PARTITION_COLUMNS)
