"""Benchmark of the Silver job on synthetic Bronze: a full refresh over the history, then one incremental hour.

    python scripts/bench_silver.py [--days 90] [--lake-root file:///tmp/bench-silver] [--reuse-bronze]
                                   [--output bench/results/silver.json]

Generates Bronze with Spark (hash-based, deterministic, no Python loops) as the Delta tables bronze/{movies,reviews}
in the layout and payload shapes of spark_jobs/README.md and TMDB_API.md (the history in one commit, one file per
day folder as the daily OPTIMIZE leaves it; each later hour in a commit of its own that replaces exactly that hour,
one file, named after its run, as the Bronze job writes it), then runs the Silver job four times:
- a full refresh at the last hour of the history, in its own process (``python -m spark_jobs.silver.run``);
- the next hour incrementally, the same way (``incremental_one_shot``: a job run by hand);
- the two hours after incrementally as the DAG's task runs them: the job's Python as a client of a Spark Connect
  server configured as the embedded stack's (local[2] here instead of the standalone master), started for the
  measurement. The first (``incremental_first_on_server``) is the server's first job, as after `make up`; the
  second (``incremental``) meets a server that has run a job before, as every scheduled hour does (the
  server is a long-running service, and the run's ingestion tasks use it minutes earlier).
For each it reports the wall time (JVM start included), the job's own stage times, bronze rows read per second,
the peak memory of the process tree (driver JVM and Python workers; for the scheduled run, the client and the
server), and each Silver table after it (latest version, files and average file size, from
Delta's log); ``tables`` has every table of the lake at the end.

Shape of the synthetic Bronze (defaults: 90 days, 6 runs a day):
- each run lists 1,200 entries (popular, top_rated, now_playing, 400 each, 20 a page, one timestamp a page);
  a list slot follows one movie for 12 runs then another, over a 20,000-movie catalogue, so about 5 % of a
  run's entries are duplicates and some 19,000 movies get listed over 90 days;
- a listed movie's details are fetched when it is first listed, then again once per 42 runs (7 days) it stays
  listed, as the ingestion does: about 30,000 details responses with 5-80 cast, 1-200 crew, keywords,
  companies and the first page of its reviews (TMDB's 20 a page);
- reviews: 0-60 per movie (exponential, more for popular films), 2-8 sentences each; pages 2 and 3 of movies
  with more than 20 reviews are bronze/reviews rows.
"""

from __future__ import annotations

import argparse
import functools
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from pyspark.sql import Column, DataFrame, SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

from bench.lake_tables import lake_tables  # noqa: E402
from config.settings import Settings, load_settings  # noqa: E402
from master_dataset.partitioning import LogicalHour  # noqa: E402
from master_dataset.schema import TABLE_PARTITION_COLUMNS  # noqa: E402
from spark_jobs.silver.genres import GENRES  # noqa: E402
from spark_jobs.silver.schemas import BRONZE, conform  # noqa: E402
from spark_jobs.utils import tables  # noqa: E402
from spark_jobs.utils.lake import LakeFiles, LakePaths  # noqa: E402
from spark_jobs.utils.logging_utils import configure_logging  # noqa: E402
from spark_jobs.utils.spark_session import build_spark_session  # noqa: E402

log = logging.getLogger("bench_silver")

LISTS = ("popular", "top_rated", "now_playing")
PAGE_SIZE = 20
SLOT_RUNS = 12  # runs a list slot keeps its movie
DETAILS_MAX_AGE_RUNS = 42  # 7 days of 4-hour runs
POSITIVE = [
    "A stunning, beautiful film.", "The acting is superb and the story is moving.", "I loved every minute.",
    "Brilliant direction and a great score.", "Funny, smart and heartfelt.", "One of the best films this year!",
]  # fmt: skip
NEGATIVE = [
    "A boring, tedious mess.", "The plot makes no sense and the acting is awful.", "I hated the ending.",
    "Terrible pacing, weak characters.", "A waste of time and money.", "Painfully dull and predictable.",
]  # fmt: skip
NEUTRAL = [
    "The film runs about two hours.", "It was released in the summer.", "The cast includes several newcomers.",
    "It is based on a novel.", "I watched it on a Tuesday.", "The sequel is in production.",
]  # fmt: skip


def uniform(*columns: Column | str) -> Column:
    """A deterministic pseudo-random number in [0, 1) from the hash of ``columns``."""
    return F.pmod(F.xxhash64(*columns), F.lit(1_000_003)) / 1_000_003.0


def pick(values: list[str], *seed: Column | str) -> Column:
    return F.element_at(F.array(*(F.lit(v) for v in values)), (F.floor(uniform(*seed) * len(values)) + 1).cast("int"))


def run_hours(spark: SparkSession, runs: int, last: LogicalHour) -> DataFrame:
    """One row per run: index r (0 = oldest) and its logical hour."""
    last_ts = F.lit(last.start.replace(tzinfo=None)).cast("timestamp")
    return spark.range(runs).select(
        F.col("id").cast("int").alias("r"),
        (last_ts - F.make_dt_interval(hours=(F.lit(runs - 1) - F.col("id")) * 4)).alias("hour_ts"),
    )


def appearances(spark: SparkSession, runs: DataFrame, movies: int, list_size: int) -> DataFrame:
    """Every list entry of every run: run, list, rank, page and movie."""
    per_list = list_size // len(LISTS)
    slots = spark.range(list_size).select(F.col("id").cast("int").alias("slot"))
    movie = (F.lit(1000) + F.pmod(F.xxhash64("slot", F.floor((F.col("r") + F.col("slot")) / SLOT_RUNS)), movies)).cast(
        "int"
    )
    return runs.crossJoin(slots).select(
        "r",
        "hour_ts",
        F.element_at(F.array(*(F.lit(x) for x in LISTS)), (F.floor(F.col("slot") / per_list) + 1).cast("int")).alias(
            "source_list"
        ),
        (F.pmod("slot", F.lit(per_list)) + 1).alias("list_rank"),
        movie.alias("movie_id"),
    )


def _static(movie_id: Column) -> dict[str, Column]:
    """A movie's attributes that do not change with time."""
    genre_ids = list(GENRES)
    n_genres = (F.floor(uniform(movie_id, F.lit("ng")) * 3) + 1).cast("int")
    ids = F.transform(
        F.sequence(F.lit(1), n_genres),
        lambda i: F.element_at(
            F.array(*(F.lit(g) for g in genre_ids)), (F.floor(uniform(movie_id, i, F.lit("g")) * 19) + 1).cast("int")
        ),
    )
    release = F.date_add(
        F.lit("1960-01-01").cast("date"), (F.pow(uniform(movie_id, F.lit("rel")), 0.4) * 24_000).cast("int")
    )
    return {
        "title": F.concat(F.lit("Film "), movie_id.cast("string")),
        "original_language": pick(["en", "en", "en", "fr", "es", "ja", "ko", "de"], movie_id, F.lit("lang")),
        "release_date": F.when(uniform(movie_id, F.lit("norel")) < 0.02, F.lit("")).otherwise(
            F.date_format(release, "yyyy-MM-dd")
        ),
        "genre_ids": F.array_distinct(ids),
        "base": 2 + 500 * F.pow(uniform(movie_id, F.lit("pop")), 8),
        "rating": F.round(3 + uniform(movie_id, F.lit("rating")) * 6, 1),
    }


def _observed(movie_id: Column, r: Column) -> dict[str, Column]:
    static = _static(movie_id)
    drift = 1 + 0.3 * F.sin(r / 20 + uniform(movie_id, F.lit("phase")) * 6)
    return {
        "popularity": F.round(static["base"] * drift, 3),
        "vote_count": (F.pow(uniform(movie_id, F.lit("votes")), 2) * 20_000 + r).cast("int"),
        "vote_average": static["rating"],
    }


def list_rows(entries: DataFrame) -> DataFrame:
    movie_id, r = F.col("movie_id"), F.col("r")
    static, observed = _static(movie_id), _observed(movie_id, r)
    entry = F.struct(
        F.lit(False).alias("adult"),
        F.lit(None).cast("string").alias("backdrop_path"),
        static["genre_ids"].alias("genre_ids"),
        movie_id.alias("id"),
        static["original_language"].alias("original_language"),
        static["title"].alias("original_title"),
        F.concat(F.lit("A story about "), pick(NEUTRAL, movie_id, F.lit("ov"))).alias("overview"),
        observed["popularity"].alias("popularity"),
        F.lit(None).cast("string").alias("poster_path"),
        static["release_date"].alias("release_date"),
        static["title"].alias("title"),
        F.lit(False).alias("video"),
        observed["vote_average"].alias("vote_average"),
        observed["vote_count"].alias("vote_count"),
    )
    page = F.floor((F.col("list_rank") - 1) / PAGE_SIZE)
    extracted = F.col("hour_ts") + F.make_dt_interval(
        secs=(page * 2 + F.array_position(F.array(*(F.lit(x) for x in LISTS)), F.col("source_list")) * 100).cast("int")
    )
    return entries.select(
        movie_id,
        F.to_json(entry).alias("raw_json"),
        F.concat(F.lit("/movie/"), F.col("source_list")).alias("api_endpoint"),
        extracted.alias("extraction_timestamp"),
        "source_list",
        "list_rank",
        "r",
        "hour_ts",
    )


def fetches(entries: DataFrame) -> DataFrame:
    """(movie, run) of each details fetch: first listing, then once per 7 days the movie stays listed."""
    from pyspark.sql import Window

    seen = entries.select("movie_id", "r", "hour_ts").distinct()
    first = F.min("r").over(Window.partitionBy("movie_id"))
    bucketed = seen.withColumn("bucket", F.floor((F.col("r") - first) / DETAILS_MAX_AGE_RUNS))
    return bucketed.withColumn("first_in_bucket", F.min("r").over(Window.partitionBy("movie_id", "bucket"))).where(
        F.col("r") == F.col("first_in_bucket")
    )


def _review(movie_id: Column, j: Column) -> Column:
    """Review number ``j`` of a movie: 2 to 8 sentences, mostly of one mood."""
    sentences = F.transform(
        F.sequence(F.lit(1), (F.floor(uniform(movie_id, j, F.lit("ns")) * 7) + 2).cast("int")),
        lambda k: (
            F.when(uniform(movie_id, j, k, F.lit("mood")) < 0.45, pick(POSITIVE, movie_id, j, k))
            .when(uniform(movie_id, j, k, F.lit("mood")) < 0.8, pick(NEGATIVE, movie_id, j, k))
            .otherwise(pick(NEUTRAL, movie_id, j, k))
        ),
    )
    review_id = F.lower(F.hex(F.xxhash64(movie_id, j)))
    return F.struct(
        F.concat(pick(["Ann", "Bo", "Cy", "Di"], movie_id, j), j.cast("string")).alias("author"),
        F.struct(
            F.lit("").alias("name"),
            F.lit("user").alias("username"),
            F.lit(None).cast("string").alias("avatar_path"),
            F.when(uniform(movie_id, j, F.lit("rated")) < 0.7, F.round(uniform(movie_id, j) * 10, 0)).alias("rating"),
        ).alias("author_details"),
        F.array_join(sentences, " ").alias("content"),
        F.lit("2024-03-01T10:00:00.000Z").alias("created_at"),
        review_id.alias("id"),
        F.lit("2024-03-01T10:00:00.000Z").alias("updated_at"),
        F.concat(F.lit("https://www.themoviedb.org/review/"), review_id).alias("url"),
    )


_REVIEWS_TYPE = (
    "array<struct<author:string,author_details:struct<name:string,username:string,avatar_path:string,"
    "rating:double>,content:string,created_at:string,id:string,updated_at:string,url:string>>"
)


def _reviews(movie_id: Column, count: Column, first: Column, last: Column) -> Column:
    """Reviews ``first`` to ``last`` (1-based, inclusive, at most ``count``) of a movie; may be empty."""
    stop = F.least(count, last)
    return F.when(stop >= first, F.transform(F.sequence(first, stop), lambda j: _review(movie_id, j))).otherwise(
        F.array().cast(_REVIEWS_TYPE)
    )


def _person(movie_id: Column, i: Column, role: str, extra: dict[str, Column]) -> Column:
    person = (F.pmod(F.xxhash64(movie_id, i, F.lit(role)), F.lit(50_000)) + 1).cast("int")
    return F.struct(
        F.lit(False).alias("adult"),
        (F.pmod(person, F.lit(3))).cast("int").alias("gender"),
        person.alias("id"),
        F.lit("Acting" if role == "cast" else "Crew").alias("known_for_department"),
        F.concat(F.lit("Person "), person.cast("string")).alias("name"),
        F.concat(F.lit("Person "), person.cast("string")).alias("original_name"),
        F.round(uniform(person) * 30, 3).alias("popularity"),
        F.lit(None).cast("string").alias("profile_path"),
        F.lower(F.hex(F.xxhash64(movie_id, i, F.lit(role), F.lit("credit")))).alias("credit_id"),
        *(value.alias(name) for name, value in extra.items()),
    )


def review_count(movie_id: Column) -> Column:
    mean = 1.5 + 6 * F.pow(uniform(movie_id, F.lit("pop")), 4)
    return F.least(F.floor(-F.log(1 - uniform(movie_id, F.lit("nrev"))) * mean), F.lit(60)).cast("int")


def details_rows(fetched: DataFrame) -> DataFrame:
    movie_id, r = F.col("movie_id"), F.col("r")
    static, observed = _static(movie_id), _observed(movie_id, r)
    n_cast = (F.lit(5) + F.floor(F.pow(uniform(movie_id, F.lit("nc")), 2) * 75)).cast("int")
    n_crew = (F.lit(1) + F.floor(F.pow(uniform(movie_id, F.lit("ncr")), 2.5) * 199)).cast("int")
    cast = F.transform(
        F.sequence(F.lit(0), n_cast - 1),
        lambda i: _person(
            movie_id,
            i,
            "cast",
            {
                "cast_id": i + 1,
                "character": F.concat(F.lit("Role "), i.cast("string")),
                "order": i,
            },
        ),
    )
    crew = F.transform(
        F.sequence(F.lit(0), n_crew - 1),
        lambda i: _person(
            movie_id,
            i,
            "crew",
            {
                "department": pick(["Directing", "Writing", "Production", "Sound", "Camera"], movie_id, i),
                "job": pick(["Director", "Writer", "Producer", "Composer", "Cinematography"], movie_id, i),
            },
        ),
    )
    n_reviews = review_count(movie_id)
    genre_map = F.create_map(*(F.lit(x) for pair in GENRES.items() for x in pair))
    body = F.struct(
        F.lit(False).alias("adult"),
        F.lit(None).cast("string").alias("backdrop_path"),
        F.lit(None).cast("string").alias("belongs_to_collection"),
        F.when(uniform(movie_id, F.lit("budget")) < 0.6, F.lit(0)).otherwise(
            (uniform(movie_id, F.lit("b2")) * 2e8).cast("long")
        ).alias("budget"),
        F.transform(static["genre_ids"], lambda g: F.struct(g.alias("id"), genre_map[g].alias("name"))).alias("genres"),
        F.lit("").alias("homepage"),
        movie_id.alias("id"),
        F.concat(F.lit("tt"), F.lpad(movie_id.cast("string"), 7, "0")).alias("imdb_id"),
        static["original_language"].alias("original_language"),
        static["title"].alias("original_title"),
        F.concat(F.lit("A story about "), pick(NEUTRAL, movie_id, F.lit("ov"))).alias("overview"),
        observed["popularity"].alias("popularity"),
        F.lit(None).cast("string").alias("poster_path"),
        F.transform(
            F.sequence(F.lit(1), (F.floor(uniform(movie_id, F.lit("nco")) * 4) + 1).cast("int")),
            lambda i: F.struct(
                (F.pmod(F.xxhash64(movie_id, i), F.lit(5000)) + 1).cast("int").alias("id"),
                F.concat(F.lit("Studio "), F.pmod(F.xxhash64(movie_id, i), F.lit(5000)).cast("string")).alias("name"),
                F.lit("US").alias("origin_country"),
                F.lit(None).cast("string").alias("logo_path"),
            ),
        ).alias("production_companies"),
        static["release_date"].alias("release_date"),
        F.when(uniform(movie_id, F.lit("rev")) < 0.5, F.lit(0)).otherwise(
            (uniform(movie_id, F.lit("r2")) * 8e8).cast("long")
        ).alias("revenue"),
        (F.lit(70) + F.floor(uniform(movie_id, F.lit("rt")) * 110)).cast("int").alias("runtime"),
        F.lit("Released").alias("status"),
        F.lit("").alias("tagline"),
        static["title"].alias("title"),
        F.lit(False).alias("video"),
        observed["vote_average"].alias("vote_average"),
        observed["vote_count"].alias("vote_count"),
        F.struct(cast.alias("cast"), crew.alias("crew")).alias("credits"),
        F.struct(
            F.lit(1).alias("page"),
            _reviews(movie_id, n_reviews, F.lit(1), F.lit(PAGE_SIZE)).alias("results"),
            F.greatest(F.ceil(n_reviews / PAGE_SIZE), F.lit(1)).cast("int").alias("total_pages"),
            n_reviews.alias("total_results"),
        ).alias("reviews"),
        F.struct(
            F.transform(
                F.sequence(F.lit(0), F.floor(uniform(movie_id, F.lit("nk")) * 15).cast("int")),
                lambda i: F.struct(
                    (F.pmod(F.xxhash64(movie_id, i, F.lit("k")), F.lit(9000)) + 1).cast("int").alias("id"),
                    F.concat(F.lit("keyword "), F.pmod(F.xxhash64(movie_id, i, F.lit("k")), F.lit(9000)).cast("string"))
                    .alias("name"),
                ),
            ).alias("keywords")
        ).alias("keywords"),
    )  # fmt: skip
    extracted = F.col("hour_ts") + F.make_dt_interval(secs=(F.lit(400) + uniform(movie_id, r) * 900).cast("int"))
    return fetched.select(
        movie_id,
        F.to_json(body).alias("raw_json"),
        F.lit("/movie/{id}").alias("api_endpoint"),
        extracted.alias("extraction_timestamp"),
        F.lit(None).cast("string").alias("source_list"),
        F.lit(None).cast("int").alias("list_rank"),
        "r",
        "hour_ts",
    )


def review_page_rows(fetched: DataFrame) -> DataFrame:
    movie_id, r = F.col("movie_id"), F.col("r")
    pages = (
        fetched.withColumn("n", review_count(movie_id))
        .select(
            "*",
            F.explode(F.sequence(F.lit(2), F.least(F.ceil(F.col("n") / PAGE_SIZE), F.lit(3)).cast("int"))).alias(
                "page"
            ),
        )
        .where((F.col("page") >= 2) & (F.col("page") <= F.ceil(F.col("n") / PAGE_SIZE)))
    )
    start = (F.col("page") - 1) * PAGE_SIZE + 1
    body = F.struct(
        movie_id.alias("id"),
        F.col("page").alias("page"),
        _reviews(movie_id, F.col("n"), start, start + PAGE_SIZE - 1).alias("results"),
        F.ceil(F.col("n") / PAGE_SIZE).cast("int").alias("total_pages"),
        F.col("n").alias("total_results"),
    )
    extracted = F.col("hour_ts") + F.make_dt_interval(
        secs=(F.lit(1400) + F.col("page") + uniform(movie_id, r) * 100).cast("int")
    )
    return pages.select(
        movie_id,
        F.to_json(body).alias("raw_json"),
        F.lit("/movie/{id}/reviews").alias("api_endpoint"),
        extracted.alias("extraction_timestamp"),
        F.lit(None).cast("string").alias("source_list"),
        F.lit(None).cast("int").alias("list_rank"),
        "r",
        "hour_ts",
    )  # fmt: skip


def _bronze(rows: DataFrame) -> DataFrame:
    hour = F.col("hour_ts")
    return conform(
        rows.withColumns(
            {
                "batch_run_id": F.date_format(hour, "'batch_'yyyy_MM_dd_HH"),
                "year": F.year(hour),
                "month": F.month(hour),
                "day": F.dayofmonth(hour),
                "hour": F.hour(hour),
            }
        ),
        BRONZE,
    )


def write_bronze(
    spark: SparkSession, paths: LakePaths, args: argparse.Namespace, last: LogicalHour, runs: range
) -> dict[str, int]:
    """Writes bronze/movies and bronze/reviews for the runs ``runs`` of a history ending at ``last``.

    Several runs (the history) replace the whole tables in one commit, one file per day folder (what the daily
    OPTIMIZE leaves); one run replaces exactly its hour in one file, as the Bronze job does. Each commit names
    its newest run, as the job's commits name theirs (Silver tells a re-ingested run by it).
    """
    total_runs = args.days * args.runs_per_day + 1
    hours = run_hours(spark, total_runs, last)
    entries = appearances(spark, hours, args.movies, args.list_size).cache()
    fetched = fetches(entries).where(F.col("r").between(runs.start, runs.stop - 1)).cache()
    listed = entries.where(F.col("r").between(runs.start, runs.stop - 1))
    movies = _bronze(list_rows(listed).unionByName(details_rows(fetched)))
    reviews = _bronze(review_page_rows(fetched))
    newest = last.minus(hours=4 * (total_runs - runs.stop))
    tables.commits_as(spark, newest.batch_run_id)
    for dataset, frame in (("movies", movies), ("reviews", reviews)):
        if len(runs) == 1:
            tables.replace_where(
                frame.coalesce(1), paths.bronze(dataset), tables.predicate(newest.partition), TABLE_PARTITION_COLUMNS
            )
        else:
            tables.overwrite(
                frame.repartition(*TABLE_PARTITION_COLUMNS), paths.bronze(dataset), TABLE_PARTITION_COLUMNS
            )
    counts = {"list_entries": listed.count(), "details": fetched.count(), "review_pages": reviews.count()}
    entries.unpersist()
    fetched.unpersist()
    return counts


def measure(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Runs a command; returns its wall time and the peak memory (PSS) of its process tree."""
    from bench.measure import MIB, PeakSampler, tree_memory

    started = time.monotonic()
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT)
    with PeakSampler(lambda: tree_memory([process.pid])) as sampler:
        code = process.wait()
    if code:
        raise SystemExit(f"{' '.join(command)} failed with exit code {code}")
    return {"wall_seconds": round(time.monotonic() - started, 1), "peak_memory_mb": round(sampler.peak / MIB)}


def run_job(lake_root: str, hour: LogicalHour, full_refresh: bool) -> dict[str, float]:
    """The command a user runs, in its own process."""
    env = {**os.environ, "LAKE_ROOT": lake_root, "PYTHONPATH": str(PROJECT_ROOT)}
    command = [sys.executable, "-m", "spark_jobs.silver.run", "--logical-date", hour.iso]
    return measure([*command, "--full-refresh"] if full_refresh else command, env)


def run_scheduled(
    settings: Settings, hours: list[LogicalHour], after_each: Callable[[LogicalHour], object]
) -> list[dict[str, float]]:
    """The hours, one after another, as the DAG's bronze_to_silver task runs them: the job's Python as a Spark
    Connect client (SPARK_REMOTE) of a server with the embedded stack's configuration. The server starts first
    and is not timed; each hour's peak memory is the server's and its client's together. ``after_each(hour)``
    runs, untimed, once an hour's job has ended."""
    from bench.lab import free_port
    from bench.measure import MIB, PeakSampler, tree_memory
    from local_stack import processes
    from local_stack.services import spark_connect_service

    settings = settings.model_copy(update={"spark_connect_port": free_port()})
    run_dir = Path(tempfile.mkdtemp(prefix="bench-connect-"))
    server = spark_connect_service(run_dir, settings, "local[2]", 2)
    bin_dir = Path(sys.executable).parent
    env = {**os.environ, "LAKE_ROOT": settings.lake_root, "PYTHONPATH": str(PROJECT_ROOT)}
    env["SPARK_REMOTE"] = f"sc://127.0.0.1:{settings.spark_connect_port}"
    env["PATH"] = f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"
    measured = []
    try:
        server_pid = processes.start(server)
        processes.wait_healthy(server)
        for hour in hours:
            command = [sys.executable, "-m", "spark_jobs.silver.run", "--logical-date", hour.iso]
            started = time.monotonic()
            client = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT)
            with PeakSampler(functools.partial(tree_memory, [server_pid, client.pid])) as sampler:
                code = client.wait()
            if code:
                raise SystemExit(f"{' '.join(command)} failed with exit code {code}; the server's log is in {run_dir}")
            wall = round(time.monotonic() - started, 1)
            measured.append({"wall_seconds": wall, "peak_memory_mb": round(sampler.peak / MIB)})
            after_each(hour)
    finally:
        processes.stop(server)
    # The server's log is kept only when something failed (the error names its folder).
    shutil.rmtree(run_dir, ignore_errors=True)
    return measured


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake-root", help="file:// or hdfs:// lake (default: a new temporary folder)")
    parser.add_argument("--last-hour", default="2025-11-09T08:00:00+00:00", help="last logical hour of the history")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs-per-day", type=int, default=6)
    parser.add_argument("--list-size", type=int, default=1_200)
    parser.add_argument("--movies", type=int, default=20_000)
    parser.add_argument("--reuse-bronze", action="store_true", help="skip generation: the lake already has it")
    parser.add_argument("--keep", action="store_true", help="keep a temporary lake after the run")
    parser.add_argument("--output", type=Path, help="also write the report (JSON) to this file")
    args = parser.parse_args(argv)

    last = LogicalHour.parse(args.last_hour)
    following = last.minus(hours=-4)
    configure_logging("bench_silver", last.batch_run_id)
    lake_root = args.lake_root or Path(tempfile.mkdtemp(prefix="bench-silver-")).as_uri()
    settings = load_settings(lake_root=lake_root)
    paths = LakePaths(settings.lake_root)
    history_runs = args.days * args.runs_per_day

    # The benchmark's own session generates Bronze and reads the tables' logs; each job runs in its own process.
    spark = build_spark_session(settings, "bench_silver")
    lake = LakeFiles(settings.lake_root)
    generated: dict[str, dict[str, int]] = {}
    silver_tables: dict[str, dict[str, object]] = {}

    def snapshot(hour: LogicalHour) -> None:
        """The Silver tables as the hour's run left them."""
        silver_tables[hour.batch_run_id] = lake_tables(spark, settings.lake_root, ("silver",))

    try:
        if not args.reuse_bronze:
            for name in ("bronze", "silver", "metadata", "quarantine", "quality", "staging"):
                lake.delete(paths.layer(name))
            started = time.monotonic()
            generated["history"] = write_bronze(spark, paths, args, following, range(0, history_runs))
            log.info("synthetic bronze %s written in %.1f s", generated["history"], time.monotonic() - started)
        load = os.getloadavg()[0]
        full = run_job(lake_root, last, full_refresh=True)
        snapshot(last)
        generated["next_hour"] = write_bronze(spark, paths, args, following, range(history_runs, history_runs + 1))
        one_shot = run_job(lake_root, following, full_refresh=False)
        snapshot(following)
        # The history shifted by one run: each later hour gets the same lists and fetches as the next hour had.
        after, third = following.minus(hours=-4), following.minus(hours=-8)
        generated["hour_after"] = write_bronze(spark, paths, args, after, range(history_runs, history_runs + 1))
        generated["third_hour"] = write_bronze(spark, paths, args, third, range(history_runs, history_runs + 1))
        first_on_server, incremental = run_scheduled(settings, [after, third], snapshot)
        summaries = {hour: _summary(lake, paths, hour) for hour in (last, following, after, third)}
        lake_figures = lake_tables(spark, lake_root)
    finally:
        if not args.lake_root and not args.keep:
            lake.delete(lake_root)
        spark.stop()

    def report_of(measured: dict[str, object], hour: LogicalHour, budget: int) -> dict[str, object]:
        summary = summaries[hour]
        counts = summary["counts"]
        rows_in = counts["bronze_movie_rows"] + counts["bronze_review_pages"]
        return {
            **measured,
            "job_seconds": summary["duration_seconds"],
            "within_budget_seconds": budget,
            "within_budget": measured["wall_seconds"] <= budget,
            "bronze_rows_read": rows_in,
            "bronze_rows_per_second": round(rows_in / measured["wall_seconds"]),
            "stages": summary["stages"],
            "counts": counts,
            "tables": silver_tables[hour.batch_run_id],
        }

    report = {
        "history": f"{args.days} days x {args.runs_per_day} runs, {args.list_size} list entries a run, "
        f"{args.movies} movies",
        "lake_root": lake_root,
        "cpu_count": os.cpu_count(),
        "load_average_at_start": round(load, 1),
        "generated": generated,
        "full_refresh": report_of(full, last, 300),
        "incremental": report_of(incremental, third, 60),
        "incremental_first_on_server": report_of(first_on_server, after, 60),
        "incremental_one_shot": report_of(one_shot, following, 60),
        "tables": lake_figures,
    }
    text = json.dumps(report, indent=2)
    print(text)  # the report is this script's output
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(text + "\n")
    return 0 if report["full_refresh"]["within_budget"] and report["incremental"]["within_budget"] else 1


def _summary(lake: LakeFiles, paths: LakePaths, hour: LogicalHour) -> dict[str, object]:
    """The run record the job wrote."""
    return json.loads(lake.read_text(f"{paths.metadata('silver_runs', hour.batch_run_id)}/run.json"))


if __name__ == "__main__":
    sys.exit(main())
