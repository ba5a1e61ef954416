"""Benchmark of the Gold job on synthetic Silver: 20,000 movies, 90 days of observations (about 650,000).

    python scripts/bench_gold.py [--lake-root file:///tmp/bench-lake] [--keep] [--output bench/results/gold.json]
                                 [--days 90] [--generate-only]

Generates Silver with Spark (no Python loops: the data never passes through the driver) as the Delta tables of
spark_jobs/README.md, laid out as the Silver job's full refresh leaves them (movies and reviews unpartitioned,
movies Z-ordered by movie_id, observations one file per observed_date), then times one run of every Gold view for
the logical hour, and prints the wall time of the run and of each stage. Generation is deterministic
(hash-based), so runs are comparable. With ``--generate-only`` it writes the Silver and its row counts and stops
(``make bench`` then runs the Gold job in its own process, as a user does, and measures that). Either way the
report's ``tables`` has each Delta table of the lake (latest version, files, average file size, from Delta's log).

Shape of the synthetic Silver:
- movies: released 1970..2025, 1-3 of the 19 TMDB genres, 12 cast members drawn with a skew from 50,000 people
  (a few stars appear in many movies, as in TMDB), 40 % unknown budgets and 50 % unknown revenues.
- movie_observations: every 4 hours over 90 days (540 runs) a ranked list of 1,200 movies, as the ingestion sees
  popular/top_rated/now_playing/discover; each list slot follows one movie for six days, then another. Popularity
  drifts linearly per movie with noise, so velocities are spread.
- reviews: five per movie over two years with scores and labels.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

import psutil

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from pyspark.sql import Column, DataFrame, SparkSession  # noqa: E402
from pyspark.sql import functions as F  # noqa: E402

from bench.lake_tables import lake_tables  # noqa: E402
from config.settings import load_settings  # noqa: E402
from master_dataset.partitioning import LogicalHour  # noqa: E402
from spark_jobs.gold.run import run_gold  # noqa: E402
from spark_jobs.silver.run import MERGED_TABLE_PROPERTIES  # noqa: E402
from spark_jobs.silver.schemas import (  # noqa: E402
    MOVIE_OBSERVATIONS,
    OBSERVATIONS_PARTITIONS,
    SILVER_MOVIES,
    SILVER_REVIEWS,
    conform,
)
from spark_jobs.utils import tables  # noqa: E402
from spark_jobs.utils.lake import LakeFiles, LakePaths  # noqa: E402
from spark_jobs.utils.logging_utils import configure_logging  # noqa: E402
from spark_jobs.utils.spark_session import build_spark_session  # noqa: E402

log = logging.getLogger("bench_gold")

GENRES = [
    "Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Family", "Fantasy", "History",
    "Horror", "Music", "Mystery", "Romance", "Science Fiction", "TV Movie", "Thriller", "War", "Western",
]  # fmt: skip


def uniform(*columns: Column | str) -> Column:
    """A deterministic pseudo-random number in [0, 1) from the hash of ``columns``."""
    return F.pmod(F.xxhash64(*columns), F.lit(1_000_003)) / 1_000_003.0


def synthetic_movies(spark: SparkSession, movies: int, people: int, cast_size: int, hour: LogicalHour) -> DataFrame:
    genre_names = F.array(*(F.lit(name) for name in GENRES))
    base = spark.range(1, movies + 1).select(F.col("id").cast("int").alias("movie_id"))
    release = F.date_add(
        F.lit("1970-01-01").cast("date"), (uniform("movie_id", F.lit("released")) * 20_000).cast("int")
    )
    genres = F.array_distinct(
        F.transform(
            F.sequence(F.lit(0), (uniform("movie_id", F.lit("genres")) * 3).cast("int")),
            lambda k: F.element_at(
                genre_names, (F.pmod(F.xxhash64("movie_id", k), F.lit(len(GENRES))) + 1).cast("int")
            ),
        )
    )
    # Squaring a uniform draw skews it towards small ids: a few people play in many movies.
    cast = F.transform(
        F.sequence(F.lit(0), F.lit(cast_size - 1)),
        lambda k: F.struct(
            (F.floor(F.pow(uniform("movie_id", k, F.lit("cast")), 2) * people) + 1).cast("int").alias("id"),
            F.concat(F.lit("Person "), (F.floor(F.pow(uniform("movie_id", k, F.lit("cast")), 2) * people) + 1)).alias(
                "name"
            ),
            F.lit("role").alias("character"),
            k.alias("order"),
        ),
    )
    sentiment = uniform("movie_id", F.lit("sentiment")) * 2 - 1
    at = F.lit(hour.start).cast("timestamp")
    df = base.select(
        "movie_id",
        F.concat(F.lit("Movie "), F.col("movie_id")).alias("title"),
        F.lit("en").alias("original_language"),
        F.when(uniform("movie_id", F.lit("undated")) > 0.02, release).alias("release_date"),
        genres.alias("genres"),
        F.element_at(genres, 1).alias("primary_genre"),
        F.round(uniform("movie_id", F.lit("rating")) * 10, 1).alias("vote_average"),
        F.floor(F.pow(uniform("movie_id", F.lit("votes")), 3) * 20_000).cast("int").alias("vote_count"),
        F.round(F.exp(uniform("movie_id", F.lit("popularity")) * 7), 3).alias("popularity"),
        F.when(uniform("movie_id", F.lit("budget")) > 0.4, (uniform("movie_id", F.lit("b")) * 2e8).cast("long")).alias(
            "budget"
        ),
        F.when(uniform("movie_id", F.lit("revenue")) > 0.5, (uniform("movie_id", F.lit("r")) * 8e8).cast("long")).alias(
            "revenue"
        ),
        (F.lit(80) + uniform("movie_id", F.lit("runtime")) * 80).cast("int").alias("runtime"),
        cast.alias("cast"),
        F.array().alias("crew"),
        F.array().alias("keywords"),
        F.array().alias("production_companies"),
        F.lit(5).alias("review_count"),
        sentiment.alias("sentiment_score"),
        F.when(sentiment >= 0.05, "positive")
        .when(sentiment <= -0.05, "negative")
        .otherwise("neutral")
        .alias("sentiment_label"),
        F.lit("OK").alias("quality_flag"),
        F.array().alias("quality_reasons"),
        at.alias("details_fetched_at"),
        at.alias("last_observed_at"),
        F.lit(hour.batch_run_id).alias("batch_run_id"),
        at.alias("processed_timestamp"),
    )
    return df.select(
        "*",
        F.year("release_date").alias("year"),
        F.month("release_date").alias("month"),
        F.coalesce(F.regexp_replace(F.lower("primary_genre"), "[^a-z0-9]+", "_"), F.lit("unknown")).alias("genre"),
    )


def synthetic_observations(
    spark: SparkSession, movies: int, days: int, runs_per_day: int, list_size: int, hour: LogicalHour
) -> DataFrame:
    runs = days * runs_per_day
    step_hours = 24 // runs_per_day
    slots = spark.range(runs * list_size).select(
        (F.col("id") / list_size).cast("int").alias("run"), (F.col("id") % list_size).cast("int").alias("slot")
    )
    # A slot follows one movie for six days, then another.
    span = (F.col("run") / (6 * runs_per_day)).cast("int")
    observed = slots.select(
        "run",
        (F.pmod(F.xxhash64("slot", span), F.lit(movies)) + 1).cast("int").alias("movie_id"),
        (F.col("slot") + 1).alias("list_rank"),
    ).dropDuplicates(["movie_id", "run"])
    day = F.col("run") / runs_per_day
    base = F.exp(uniform("movie_id", F.lit("popularity")) * 7)
    drift = (uniform("movie_id", F.lit("drift")) - 0.5) * 0.04
    noise = (uniform("movie_id", "run", F.lit("noise")) - 0.5) * 0.05
    observed_at = F.lit(hour.start).cast("timestamp") - F.make_dt_interval(
        hours=(F.lit(runs - 1) - F.col("run")) * step_hours
    )
    return observed.select(
        "movie_id",
        observed_at.alias("observed_at"),
        F.round(base * (1 + drift * day + noise), 3).alias("popularity"),
        F.floor(F.pow(uniform("movie_id", F.lit("votes")), 3) * 20_000 + day).cast("int").alias("vote_count"),
        F.round(uniform("movie_id", F.lit("rating")) * 10, 1).alias("vote_average"),
        F.element_at(F.array(*(F.lit(x) for x in ("popular", "top_rated", "now_playing", "discover"))),
                     (F.pmod(F.col("list_rank"), F.lit(4)) + 1).cast("int")).alias("source_list"),
        "list_rank",
        F.lit("bench").alias("batch_run_id"),
        F.to_date(observed_at).alias("observed_date"),
    )  # fmt: skip


def synthetic_reviews(movies: DataFrame, per_movie: int, hour: LogicalHour) -> DataFrame:
    reviews = movies.select(
        "movie_id", "year", "month", "genre", F.explode(F.sequence(F.lit(1), F.lit(per_movie))).alias("k")
    )
    score = uniform("movie_id", "k", F.lit("review")) * 2 - 1
    return reviews.select(
        F.concat_ws("-", F.lit("review"), "movie_id", "k").alias("review_id"),
        "movie_id",
        F.lit("someone").alias("author"),
        F.round(uniform("movie_id", "k", F.lit("stars")) * 10, 1).alias("rating"),
        (
            F.lit(hour.start).cast("timestamp")
            - F.make_dt_interval(hours=(uniform("movie_id", "k", F.lit("written")) * 730 * 24).cast("int"))
        ).alias("created_at"),
        F.lit("text").alias("content"),
        score.alias("sentiment_score"),
        F.when(score >= 0.05, "positive")
        .when(score <= -0.05, "negative")
        .otherwise("neutral")
        .alias("sentiment_label"),
        F.lit("bench").alias("batch_run_id"),
        F.lit(hour.start).cast("timestamp").alias("processed_timestamp"),
        "year",
        "month",
        "genre",
    )


SCHEMAS = {"movies": SILVER_MOVIES, "reviews": SILVER_REVIEWS, "movie_observations": MOVIE_OBSERVATIONS}


def write_silver(spark: SparkSession, paths: LakePaths, args: argparse.Namespace, hour: LogicalHour) -> dict[str, int]:
    """The Silver tables as a full refresh of the Silver job leaves them, each in one commit named after ``hour``."""
    tables.commits_as(spark, hour.batch_run_id)
    movies = conform(synthetic_movies(spark, args.movies, args.people, args.cast_size, hour), SILVER_MOVIES)
    tables.overwrite(movies, paths.silver("movies"), properties=MERGED_TABLE_PROPERTIES)
    # Files clustered by movie, as after the Silver job's full refresh.
    tables.optimize(spark, paths.silver("movies"), zorder_by=["movie_id"])
    movies = tables.read(spark, paths.silver("movies"), SILVER_MOVIES)
    reviews = conform(synthetic_reviews(movies, args.reviews_per_movie, hour), SILVER_REVIEWS)
    tables.overwrite(reviews, paths.silver("reviews"), properties=MERGED_TABLE_PROPERTIES)
    observations = conform(
        synthetic_observations(spark, args.movies, args.days, args.runs_per_day, args.list_size, hour),
        MOVIE_OBSERVATIONS,
    )
    # One file per day folder, as each run's write and the daily OPTIMIZE leave it.
    tables.overwrite(
        observations.repartition(*OBSERVATIONS_PARTITIONS), paths.silver("movie_observations"), OBSERVATIONS_PARTITIONS
    )
    return {dataset: tables.read(spark, paths.silver(dataset), schema).count() for dataset, schema in SCHEMAS.items()}


def spark_cpu_seconds() -> float:
    """CPU time (user + system) used so far by this process and the Spark JVM it started.

    Wall time depends on what else runs on the machine; CPU time does not, so the report gives both.
    """
    processes = [psutil.Process(), *psutil.Process().children(recursive=True)]
    return sum(sum(process.cpu_times()[:2]) for process in processes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lake-root", help="file:// or hdfs:// lake for the run (default: a new temporary folder)")
    parser.add_argument("--logical-date", default="2025-11-09T12:00:00+00:00")
    parser.add_argument("--movies", type=int, default=20_000)
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--cast-size", type=int, default=12)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--runs-per-day", type=int, default=6)
    parser.add_argument("--list-size", type=int, default=1_200)
    parser.add_argument("--reviews-per-movie", type=int, default=5)
    parser.add_argument("--reuse-silver", action="store_true", help="skip generation: the lake already has it")
    parser.add_argument("--generate-only", action="store_true", help="write the Silver, report its rows, stop")
    parser.add_argument("--keep", action="store_true", help="keep a temporary lake after the run")
    parser.add_argument("--output", type=Path, help="also write the report (JSON) to this file")
    args = parser.parse_args(argv)

    hour = LogicalHour.parse(args.logical_date)
    configure_logging("bench_gold", hour.batch_run_id)
    lake_root = args.lake_root or Path(tempfile.mkdtemp(prefix="bench-gold-")).as_uri()
    settings = load_settings(lake_root=lake_root)
    started = time.monotonic()
    # The Gold job's own session configuration, so that the figures are the job's.
    spark = build_spark_session(settings, "bench_gold")
    session_seconds = time.monotonic() - started
    paths = LakePaths(settings.lake_root)
    try:
        silver_rows: dict[str, int] = {}
        if not args.reuse_silver:
            started = time.monotonic()
            silver_rows = write_silver(spark, paths, args, hour)
            log.info("synthetic silver %s written in %.1f s", silver_rows, time.monotonic() - started)
        if args.generate_only:
            generated = {
                "logical_hour": hour.iso,
                "lake_root": lake_root,
                "silver_rows": silver_rows,
                "generation_seconds": round(time.monotonic() - started, 1),
                "tables": lake_tables(spark, lake_root),
            }
            _write_report(generated, args.output)
            return 0
        started, cpu_started, load_before = time.monotonic(), spark_cpu_seconds(), psutil.getloadavg()[0]
        record = run_gold(spark, settings, hour)
        wall = time.monotonic() - started
        cpu = spark_cpu_seconds() - cpu_started
        report = {
            "logical_hour": hour.iso,
            "lake_root": lake_root,
            "spark_master": spark.sparkContext.master,
            "silver_rows": silver_rows,
            "session_start_seconds": round(session_seconds, 1),
            "gold_wall_seconds": round(wall, 1),
            "gold_cpu_seconds": round(cpu, 1),
            "cpu_count": psutil.cpu_count(),
            "load_average_before_and_after": [round(load_before, 1), round(psutil.getloadavg()[0], 1)],
            "stages": record["stages"],
            "gold_rows": record["counts"],
            "within_budget": wall <= 300,
            "tables": lake_tables(spark, lake_root),
        }
        _write_report(report, args.output)
        return 0 if report["within_budget"] else 1
    finally:
        if not args.lake_root and not args.keep:
            LakeFiles(lake_root).delete(lake_root)
        spark.stop()


def _write_report(report: dict[str, object], output: Path | None) -> None:
    text = json.dumps(report, indent=2)
    print(text)  # the report is this script's output
    if output:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text + "\n")


if __name__ == "__main__":
    sys.exit(main())
