"""Benchmark of serving at scale: the export of millions of documents and the seed's four sample queries.

    python scripts/bench_serving.py --movies 1000000 [--changed-share 0.02] [--json out.json]
    python scripts/bench_serving.py --movies 20000 --server ferretdb-postgresql --ferretdb /path/to/ferretdb

Starts its own MongoDB-wire server on a free port (nx-27017, the embedded stack's, by default; or FerretDB on
SQLite or on a private PostgreSQL cluster, for the comparison of docs/serving-at-scale.md) and a temporary lake,
then:

1. writes run R1 of four Gold views with Spark, as the Gold job writes them (the run's partition of each Delta
   table replaced in one commit), generated on the executors: ``movie_analytics`` (one row per movie),
   ``trending_scores`` (one per movie and window: 7d, 30d, 90d), ``genre_analytics`` (20 genres x 36 years x 12
   months) and ``temporal_analysis`` (36 years and their months);
2. exports R1 into the empty database (``first``: every document written, then the serving indexes);
3. writes run R2, equal to R1 except for the rows of ``--changed-share`` of the keys (chosen by a hash of the
   key), and exports it (``changed``: compared with R1, only those documents written);
4. runs each of the seed's sample queries ("Query MongoDB Data") with pymongo, as mongosh sends them, once to
   warm up and then ``--repeats`` times (fewer when ``--query-budget`` seconds run out, at least 3): median and
   95th percentile, the documents answered checked against Gold, the server's plan;
5. samples the server's memory (PSS of its process tree, every 0.5 s) throughout, and at rest after the queries.

The SparkSession is built before the clock starts. The JSON report (``--json``) holds every figure.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))

from batch_views import serving  # noqa: E402
from batch_views.common import conform_to  # noqa: E402
from batch_views.export_to_mongo import VIEWS_BY_NAME, export_run  # noqa: E402
from batch_views.registry import GOLD_VIEWS  # noqa: E402
from master_dataset.partitioning import LogicalHour  # noqa: E402
from spark_jobs.utils import tables  # noqa: E402
from spark_jobs.utils.lake import LakePaths  # noqa: E402

log = logging.getLogger("bench_serving")

SERVERS = ("nx-27017", "ferretdb-sqlite", "ferretdb-postgresql")
HOUR1 = LogicalHour(datetime(2025, 11, 9, 10, tzinfo=UTC))
HOUR2 = LogicalHour(datetime(2025, 11, 9, 14, tzinfo=UTC))
GENRES = (
    "Action", "Adventure", "Animation", "Comedy", "Crime", "Documentary", "Drama", "Family", "Fantasy", "History",
    "Horror", "Music", "Mystery", "Romance", "Science Fiction", "TV Movie", "Thriller", "War", "Western", "Foreign",
)  # fmt: skip
FIRST_YEAR, YEARS = 1990, 36
WINDOWS = (("7d", 7), ("30d", 30), ("90d", 90))
VIEWS = ("movie_analytics", "trending_scores", "genre_analytics", "temporal_analysis")
# The seed's temporal query asks for a year and month; mongo_queries.js takes the latest run's.
QUERY_YEAR, QUERY_MONTH = HOUR2.start.year, HOUR2.start.month


# ------------------------------------------------------------------------------------------- Gold, generated
def _changed(key: Any, share: float, generation: int) -> Any:
    """1 for the rows of ``share`` of the keys in generation 1 (R2), else 0: which rows R2 changes."""
    from pyspark.sql import functions as F

    chosen = F.pmod(F.xxhash64(key), F.lit(1_000_000)) < F.lit(int(share * 1_000_000))
    return F.when(chosen & F.lit(generation == 1), F.lit(1)).otherwise(F.lit(0))


def gold_views(spark: Any, movies: int, hour: LogicalHour, share: float, generation: int) -> dict[str, Any]:
    """The four Gold views of one run, with the registry's schemas, built on the executors from ``spark.range``."""
    from pyspark.sql import functions as F

    run = [F.lit(hour.batch_run_id).alias("batch_run_id"), F.lit(hour.start).cast("timestamp").alias("computed_at")]
    genre_names = F.array(*(F.lit(genre) for genre in GENRES))
    ids = spark.range(movies).withColumn("_changed", _changed(F.col("id"), share, generation))
    budget = (F.col("id") % 100 * 1_000_000).cast("long")
    revenue = (F.col("id") % 300 * 1_000_000).cast("long")
    sentiment = (F.col("id") % 200 - 100) / 100.0
    movie_analytics = ids.select(
        (F.col("id") + 1).alias("movie_id"),
        F.concat(F.lit("Movie "), F.col("id").cast("string")).alias("title"),
        F.date_add(F.lit(datetime(FIRST_YEAR, 1, 1).date()), (F.col("id") % (YEARS * 365)).cast("int")).alias(
            "release_date"
        ),
        F.array(
            F.element_at(genre_names, (F.col("id") % len(GENRES) + 1).cast("int")),
            F.element_at(genre_names, (F.col("id") * 7 % len(GENRES) + 1).cast("int")),
        ).alias("genres"),
        (F.col("id") % 100 / 10.0).alias("vote_average"),
        (F.col("id") % 5000).alias("vote_count"),
        (F.col("id") * 7919 % 100_000 / 100.0 + F.col("_changed") * 1.5).alias("popularity_now"),
        sentiment.alias("sentiment_score"),
        F.when(sentiment > 0.05, "positive")
        .when(sentiment < -0.05, "negative")
        .otherwise("neutral")
        .alias("sentiment_label"),
        budget.alias("budget"),
        revenue.alias("revenue"),
        F.try_divide(revenue.cast("double"), budget).alias("roi"),
        F.array(
            F.concat(F.lit("Actor "), (F.col("id") % 50_000).cast("string")),
            F.concat(F.lit("Actor "), (F.col("id") * 31 % 50_000).cast("string")),
        ).alias("top_cast"),
        *run,
    )
    windows = spark.createDataFrame(list(WINDOWS), "window string, window_days int")
    trending_scores = ids.crossJoin(windows).select(
        (F.col("id") + 1).alias("movie_id"),
        F.concat(F.lit("Movie "), F.col("id").cast("string")).alias("title"),
        "window",
        "window_days",
        (F.col("id") % F.col("window_days") + 1).alias("observations"),
        (F.col("id") * 7919 % 100_000 / 100.0 + F.col("_changed") * 1.5).alias("popularity_now"),
        (F.col("id") * 6007 % 100_000 / 100.0).alias("popularity_avg"),
        ((F.col("id") % 2001 - 1000) / 100.0).alias("velocity"),
        F.round((F.col("id") * 7919 + F.col("window_days") * 104_729) % 990_000 / 10_000.0 + F.col("_changed") * 0.5, 4)
        .alias("trending_score"),
        F.lit(hour.start.date()).alias("computed_date"),
        F.lit(hour.start.year).alias("year"),
        F.lit(hour.start.month).alias("month"),
        *run,
    )  # fmt: skip
    periods = (
        spark.range(len(GENRES) * YEARS * 12)
        .select(
            F.element_at(genre_names, (F.col("id") % len(GENRES) + 1).cast("int")).alias("genre"),
            (F.lit(FIRST_YEAR) + (F.col("id") / len(GENRES)).cast("long") % YEARS).alias("year"),
            ((F.col("id") / (len(GENRES) * YEARS)).cast("long") + 1).alias("month"),
        )
        .withColumn("_changed", _changed(F.concat_ws(":", "genre", "year", "month"), share, generation))
    )
    genre_analytics = periods.select(
        "genre",
        "year",
        "month",
        (F.col("year") % 50 + F.col("month") + F.col("_changed")).alias("total_movies"),
        (F.col("month") / 2.0 + 1).alias("avg_rating"),
        (F.col("year") * 1_000_000).alias("total_revenue"),
        ((F.col("month") - 6) / 10.0).alias("avg_sentiment"),
        (F.col("year") % 100 + 0.5).alias("avg_popularity"),
        (F.col("year") * 10 + F.col("month")).alias("total_votes"),
        F.array(
            F.struct(F.lit(1).alias("movie_id"), F.lit("Movie 0").alias("title"), F.lit(100.0).alias("popularity"))
        ).alias("top_movies"),
        *run,
    )
    months = periods.where(F.col("genre") == GENRES[0]).select("year", "month", "_changed")
    years = months.where(F.col("month") == 1).select("year", F.lit(None).cast("long").alias("month"), "_changed")
    temporal_analysis = (
        months.withColumn("period", F.lit("month"))
        .unionByName(years.withColumn("period", F.lit("year")))
        .select(
            "period",
            "year",
            "month",
            (F.col("year") % 50 * 10 + F.col("_changed")).alias("movies"),
            (F.col("year") % 10 / 2.0).alias("avg_rating"),
            (F.col("year") * 1000).alias("total_revenue"),
            F.lit(1.5).alias("movies_yoy_pct"),
            F.lit(None).cast("double").alias("avg_rating_yoy_pct"),
            F.lit(-2.0).alias("total_revenue_yoy_pct"),
            *run,
        )
    )
    frames = {
        "movie_analytics": movie_analytics,
        "trending_scores": trending_scores,
        "genre_analytics": genre_analytics,
        "temporal_analysis": temporal_analysis,
    }
    return {name: conform_to(frame, GOLD_VIEWS[name].schema) for name, frame in frames.items()}


def write_gold(spark: Any, paths: LakePaths, views: dict[str, Any], hour: LogicalHour) -> None:
    """Each view's run partition replaced in one commit named after the run, as the Gold job writes it."""
    tables.commits_as(spark, hour.batch_run_id)
    for name, frame in views.items():
        condition = tables.predicate({"batch_run_id": hour.batch_run_id})
        tables.replace_where(frame, paths.gold(name), condition, ["batch_run_id"])


# ---------------------------------------------------------------------------------------------- the servers
@dataclass(frozen=True)
class Server:
    kind: str
    uri: str
    pids: tuple[int, ...]
    data_dir: Path


@contextmanager
def start_server(kind: str, work: Path, ferretdb: Path | None) -> Iterator[Server]:
    """The server of ``kind`` with its data under ``work``, on free ports, stopped by its process group."""
    from bench import lab
    from local_stack import postgres, processes
    from local_stack.processes import Service
    from local_stack.services import mongo_ping, mongo_service

    port = lab.free_port()
    data = work / "data"
    data.mkdir(parents=True)
    started: list[Service] = []
    try:
        if kind == "nx-27017":
            server = mongo_service(work / "run", data, port)
        else:
            if ferretdb is None:
                raise SystemExit(f"--server {kind} needs --ferretdb (the path of a ferretdb v1 binary)")
            argv = [str(ferretdb), f"--listen-addr=127.0.0.1:{port}", f"--debug-addr=127.0.0.1:{lab.free_port()}"]
            argv += ["--telemetry=disable", "--log-level=WARN", f"--state-dir={data}"]
            if kind == "ferretdb-sqlite":
                argv += ["--handler=sqlite", f"--sqlite-url=file:{data}/"]
            else:
                cluster, settings, url = _postgres(work, lab.free_port())
                processes.start(cluster)
                started.append(cluster)
                postgres.wait_ready(cluster, settings)
                argv += ["--handler=postgresql", f"--postgresql-url={url}"]
                data = work / "postgres"
            server = Service(
                name="ferretdb", argv=argv, run_dir=work / "run", ports=[port], health=partial(mongo_ping, port)
            )
        processes.start(server)
        started.append(server)
        processes.wait_healthy(server)
        pids = tuple(pid for service in started if (pid := processes.read_pid(service.pid_file)) is not None)
        log.info("%s up on port %d (pids %s)", kind, port, pids)
        yield Server(kind, f"mongodb://127.0.0.1:{port}", pids, data)
    finally:
        for service in reversed(started):
            processes.stop(service)


def _postgres(work: Path, port: int) -> tuple[Any, Any, str]:
    """A private PostgreSQL cluster as the embedded stack runs one (local_stack.postgres), for FerretDB: its
    service, settings and FerretDB's URL of it."""
    from config.settings import load_settings
    from local_stack import postgres

    base = work / "postgres"
    base.mkdir(mode=0o755)
    # Run as root, the server runs as the postgres system user, which must reach its folder.
    for folder in (work, *work.parents):
        if folder == Path("/"):
            break
        folder.chmod(folder.stat().st_mode | 0o055)
    password = "ferretdb"  # noqa: S105 - a throw-away cluster on 127.0.0.1, removed at the end
    settings = load_settings(
        _env_file=None,
        data_dir=base,
        postgres_port=port,
        postgres_user="ferretdb",
        postgres_password=password,
        postgres_db="ferretdb",
    )
    postgres.init_cluster(settings, base / "initdb.log")
    cluster = postgres.postgres_service(base / "run", settings)
    return cluster, settings, f"postgres://ferretdb:{password}@127.0.0.1:{port}/ferretdb"


# ------------------------------------------------------------------------------------------------ measuring
def server_memory(server: Server) -> int:
    from bench.measure import tree_memory

    return tree_memory(server.pids)


def disk_megabytes(path: Path) -> float:
    return round(sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20, 1)


def timed_export(spark: Any, paths: LakePaths, target: serving.MongoTarget, hour: LogicalHour) -> dict[str, Any]:
    views = [VIEWS_BY_NAME[name] for name in VIEWS]
    started = time.monotonic()
    record = export_run(spark, paths, target, hour, views)
    seconds = time.monotonic() - started
    written = sum(record["upserted"].values())
    return {
        "batch_run_id": hour.batch_run_id,
        "seconds": round(seconds, 1),
        "documents": record["total_documents"],
        "upserted": written,
        "deleted": sum(record["stale_removed"].values()),
        "unchanged": sum(record["unchanged"].values()),
        "upserted_by_view": record["upserted"],
        "written_per_second": round(written / seconds) if seconds else None,
        "stages": record["export"]["stages"],
    }


def seed_queries(db: Any) -> dict[str, Callable[[], list[dict[str, Any]]]]:
    """The seed's four sample queries ("Query MongoDB Data"), as mongosh sends them."""
    return {
        "count_by_view_type": lambda: list(
            db.batch_views.aggregate([{"$group": {"_id": "$view_type", "count": {"$sum": 1}}}])
        ),
        "genre_action": lambda: list(db.batch_views.find({"view_type": "genre_analytics", "genre": "Action"})),
        "top5_trending": lambda: list(
            db.batch_views.find({"view_type": "trending_movies"}).sort("trending_score", -1).limit(5)
        ),
        "temporal_year_month": lambda: list(
            db.batch_views.find({"view_type": "temporal_analytics", "year": QUERY_YEAR, "month": QUERY_MONTH})
        ),
    }


def expected_answers(spark: Any, paths: LakePaths, hour: LogicalHour) -> dict[str, Any]:
    """What each query must answer, from Gold (a few aggregates; nothing of the views reaches the driver)."""
    from pyspark.sql import functions as F

    def run_rows(name: str) -> Any:
        return spark.read.format("delta").load(paths.gold(name)).where(F.col("batch_run_id") == hour.batch_run_id)

    counts = {VIEWS_BY_NAME[name].view_type: run_rows(name).count() for name in VIEWS}
    top5 = [
        row[0]
        for row in run_rows("trending_scores")
        .select("trending_score")
        .orderBy(F.desc("trending_score"))
        .limit(5)
        .collect()
    ]
    return {
        "count_by_view_type": counts,
        "genre_action": run_rows("genre_analytics").where(F.col("genre") == "Action").count(),
        "top5_trending": [round(score, 4) for score in top5],
        "temporal_year_month": run_rows("temporal_analysis")
        .where((F.col("year") == QUERY_YEAR) & (F.col("month") == QUERY_MONTH))
        .count(),
    }


def summary(name: str, answer: list[dict[str, Any]]) -> Any:
    """What is compared with Gold: the counts, the five scores, or the number of documents."""
    if name == "count_by_view_type":
        return {entry["_id"]: entry["count"] for entry in answer}
    if name == "top5_trending":
        return [round(document["trending_score"], 4) for document in answer]
    return len(answer)


def plan_of(db: Any, name: str) -> str:
    """The server's plan of a query, shortened (nx-27017 and FerretDB report SQLite's or PostgreSQL's)."""
    from pymongo.errors import PyMongoError

    finds = {
        "genre_action": ({"view_type": "genre_analytics", "genre": "Action"}, None),
        "top5_trending": ({"view_type": "trending_movies"}, [("trending_score", -1)]),
        "temporal_year_month": ({"view_type": "temporal_analytics", "year": QUERY_YEAR, "month": QUERY_MONTH}, None),
    }
    if name not in finds:
        return "-"
    query, sort = finds[name]
    cursor = db.batch_views.find(query)
    if sort:
        cursor = cursor.sort(sort).limit(5)
    try:
        explained = cursor.explain()
    except PyMongoError as error:
        return f"explain failed: {type(error).__name__}"
    planner = explained.get("queryPlanner", {})
    plan = planner.get("winningPlan") or planner.get("Plan") or planner
    pushdown = {key: explained[key] for key in ("filterPushdown", "sortPushdown") if key in explained}
    return json.dumps({"plan": plan, **pushdown}, default=str)[:400]


def time_queries(db: Any, expected: dict[str, Any], repeats: int, budget: float) -> dict[str, Any]:
    results = {}
    for name, query in seed_queries(db).items():
        answer = query()  # warm-up, and the answer checked
        timings: list[float] = []
        deadline = time.monotonic() + budget
        while len(timings) < repeats and (len(timings) < 3 or time.monotonic() < deadline):
            started = time.perf_counter()
            query()
            timings.append((time.perf_counter() - started) * 1000)
        ordered = sorted(timings)
        results[name] = {
            "runs": len(timings),
            "median_ms": round(statistics.median(ordered), 1),
            "p95_ms": round(ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))], 1),
            "max_ms": round(ordered[-1], 1),
            "returned": len(answer),
            "answer": summary(name, answer),
            "expected": expected[name],
            "correct": summary(name, answer) == expected[name],
            "plan": plan_of(db, name),
        }
        log.info("%s: median %.1f ms, p95 %.1f ms over %d runs", name, results[name]["median_ms"],
                 results[name]["p95_ms"], len(timings))  # fmt: skip
    return results


# ---------------------------------------------------------------------------------------------------- run
def run(args: argparse.Namespace) -> dict[str, Any]:
    from pymongo import MongoClient

    from bench.measure import MIB, PeakSampler
    from config.settings import load_settings
    from spark_jobs.utils.spark_session import build_spark_session

    load_at_start = [round(load, 1) for load in os.getloadavg()]
    work = Path(tempfile.mkdtemp(prefix="bench_serving_", dir=args.work_dir))
    paths = LakePaths((work / "lake").as_uri())
    try:
        settings = load_settings(_env_file=None)
        spark = build_spark_session(settings, "bench_serving", extra_conf={"spark.ui.enabled": "false"})
        started = time.monotonic()
        write_gold(spark, paths, gold_views(spark, args.movies, HOUR1, args.changed_share, 0), HOUR1)
        gold_seconds = time.monotonic() - started
        with start_server(args.server, work / "server", args.ferretdb) as server:
            target = serving.MongoTarget(uri=f"{server.uri}/moviedb", database="moviedb", batch_size=args.batch_size)
            with PeakSampler(lambda: server_memory(server), interval=0.5) as sampler:
                first = timed_export(spark, paths, target, HOUR1)
                log.info("first export: %s", first)
                write_gold(spark, paths, gold_views(spark, args.movies, HOUR2, args.changed_share, 1), HOUR2)
                changed = timed_export(spark, paths, target, HOUR2)
                log.info("changed export: %s", changed)
                expected = expected_answers(spark, paths, HOUR2)
                spark.stop()
                with MongoClient(server.uri, serverSelectionTimeoutMS=10_000, socketTimeoutMS=600_000) as client:
                    queries = time_queries(client.moviedb, expected, args.repeats, args.query_budget)
            at_rest = server_memory(server)
            disk = disk_megabytes(server.data_dir)
        return {
            "server": args.server,
            "movies": args.movies,
            "changed_share": args.changed_share,
            "batch_size": args.batch_size,
            "documents": first["documents"],
            "gold_write_seconds": round(gold_seconds, 1),
            "exports": {"first": first, "changed": changed},
            "queries": queries,
            "memory": {
                "server_peak_mb": round(sampler.peak / MIB),
                "server_at_rest_mb": round(at_rest / MIB),
                "samples": len(sampler.samples),
            },
            "disk_mb": disk,
            # The machine's load (1/5/15 min) when the benchmark started and ended: others' work shares it.
            "load_average": {"start": load_at_start, "end": [round(load, 1) for load in os.getloadavg()]},
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--movies", type=int, default=1_000_000, help="movie_analytics documents (1000000)")
    parser.add_argument("--changed-share", type=float, default=0.02, help="share of keys R2 changes (0.02)")
    parser.add_argument("--server", choices=SERVERS, default="nx-27017")
    parser.add_argument("--ferretdb", type=Path, help="a FerretDB v1 binary, for --server ferretdb-*")
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=20, help="timed runs of each query (20)")
    parser.add_argument("--query-budget", type=float, default=60.0, help="seconds of timed runs per query (60)")
    parser.add_argument("--work-dir", type=Path, help="where the temporary folder goes (default: the system's)")
    parser.add_argument("--json", type=Path, help="write the report to this file")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    for noisy in ("py4j", "pyspark"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    report = run(args)
    print(json.dumps(report, indent=2))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
