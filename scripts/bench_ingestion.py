"""Benchmark of the ingestion against the TMDB simulator with network-like latency.

    python scripts/bench_ingestion.py [--latency-ms 150] [--fast-rate 40] [--slow-rate 4] [--out results.json]

Starts the simulator (a separate process, full catalogue) and its own nx-27017 on a free port (the job's
update-metadata step records the stage in MongoDB), and runs the Bronze job in this process on a temporary lake,
three times:

1. a first full run at ``--fast-rate`` (every list page, every movie's details, reviews and people are new);
2. the next run, four hours later on the simulator's clock, at the same rate: the steady state;
3. a smaller first run (``--slow-pages``, ``--slow-top-cast``) at ``--slow-rate``, TMDB's default 4 requests/s,
   long enough to measure the rate without taking twenty minutes.

For each it reports the requests made, the durations, and two rates: while extracting (requests over the time
the client was busy, summed over the extraction steps) and end to end (including Spark's staging and storing).
The targets of the ingestion issue: at least 90 % of the rate limit at 40 requests/s, 95 % at 4.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


from pyspark.sql import SparkSession

from config.settings import Settings, load_settings
from master_dataset.simulator import control
from spark_jobs.bronze import run
from spark_jobs.utils.spark_session import build_spark_session

CLOCK = datetime(2025, 11, 9, 12, tzinfo=UTC)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency-ms", type=float, default=150.0)
    parser.add_argument("--movies", type=int, default=20000)
    parser.add_argument("--people", type=int, default=50000)
    parser.add_argument("--server-rate-limit", type=float, default=100.0, help="the simulator's own limit")
    parser.add_argument("--fast-rate", type=float, default=40.0)
    parser.add_argument("--pages", type=int, default=20)
    parser.add_argument("--top-cast", type=int, default=5)
    parser.add_argument("--slow-rate", type=float, default=4.0)
    parser.add_argument("--slow-pages", type=int, default=1)
    parser.add_argument("--slow-top-cast", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--port", type=int, default=18790)
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    return parser.parse_args()


def settings_for(
    lake: Path, base_url: str, mongo_uri: str, rate: float, pages: int, top_cast: int, concurrency: int
) -> Settings:
    return load_settings(
        _env_file=None,
        lake_root=lake.as_uri(),
        mongodb_connection_string=mongo_uri,
        tmdb_api_key=None,
        tmdb_read_access_token=None,
        tmdb_base_url=base_url,
        tmdb_rate_limit=rate,
        tmdb_pages=pages,
        tmdb_top_cast=top_cast,
        tmdb_concurrency=concurrency,
        spark_master_url="local[2]",
        spark_shuffle_partitions=1,
    )


def measure(name: str, settings: Settings, hour: datetime) -> dict[str, Any]:
    started = time.monotonic()
    # The run record, as update-metadata writes it: requests, steps and endpoints.
    record = run.run(SparkSession.getActiveSession(), ["--logical-date", hour.isoformat(), "--step", "all"], settings)[
        "update-metadata"
    ]
    wall = time.monotonic() - started
    steps = record["steps"]
    busy = sum(s["requests"] / s["requests_per_second"] for s in steps.values() if s["requests_per_second"])
    extract = sum(s["duration_seconds"] for s in steps.values())
    rate = settings.tmdb_rate_limit
    figures = {
        "scenario": name,
        "rate_limit": rate,
        "pages": settings.tmdb_pages,
        "top_cast": settings.tmdb_top_cast,
        "requests": record["requests"],
        "rate_limited": record["rate_limited"],
        "retries": record["retries"],
        "failed": record["failed"],
        "requests_by_endpoint": {e: t["expected"] for e, t in record["endpoints"].items()},
        "bronze_rows": record["bronze_rows"],
        "wall_seconds": round(wall, 1),
        "extraction_seconds": round(extract, 1),
        "busy_seconds": round(busy, 1),
        "rate_while_extracting": round(record["requests"] / busy, 2) if busy else 0.0,
        "rate_end_to_end": round(record["requests"] / wall, 2),
        "steps": steps,
    }
    figures["share_of_limit"] = round(figures["rate_while_extracting"] / rate, 3)
    return figures


def main() -> int:
    from bench import lab

    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench_ingestion_"))
    results: list[dict[str, Any]] = []
    try:
        with (
            lab.simulator(
                args.port,
                args.latency_ms,
                args.server_rate_limit,
                CLOCK,
                workdir / "simulator.log",
                args.movies,
                args.people,
            ) as base_url,
            lab.mongo(workdir / "mongo") as mongo_server,
        ):
            mongo_uri = f"{mongo_server}/moviedb"
            fast = settings_for(
                workdir / "fast", base_url, mongo_uri, args.fast_rate, args.pages, args.top_cast, args.concurrency
            )
            spark = build_spark_session(fast, "bench_ingestion", extra_conf={"spark.ui.enabled": "false"})
            control.set_clock(base_url, CLOCK)
            results.append(measure(f"first run @ {args.fast_rate:g}/s", fast, CLOCK))
            later = CLOCK + timedelta(hours=4)
            control.set_clock(base_url, later)
            results.append(measure(f"steady run @ {args.fast_rate:g}/s", fast, later))
            slow = settings_for(
                workdir / "slow",
                base_url,
                mongo_uri,
                args.slow_rate,
                args.slow_pages,
                args.slow_top_cast,
                args.concurrency,
            )
            control.set_clock(base_url, CLOCK)
            results.append(measure(f"first run @ {args.slow_rate:g}/s ({args.slow_pages} page)", slow, CLOCK))
            spark.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"\nIngestion against the simulator ({args.movies} movies, {args.people} people, {args.latency_ms:g} ms)")
    header = f"{'scenario':<28} {'requests':>8} {'429s':>5} {'wall s':>7} {'extract s':>9} {'req/s busy':>10} "
    print(header + f"{'of limit':>8} {'req/s e2e':>9}")
    for r in results:
        print(
            f"{r['scenario']:<28} {r['requests']:>8} {r['rate_limited']:>5} {r['wall_seconds']:>7} "
            f"{r['extraction_seconds']:>9} {r['rate_while_extracting']:>10} {r['share_of_limit']:>8.1%} "
            f"{r['rate_end_to_end']:>9}"
        )
    first, steady = results[0], results[1]
    share = steady["requests"] / first["requests"]
    print(f"steady-state run: {steady['requests']} requests, {share:.1%} of the first run's {first['requests']}")
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps({"latency_ms": args.latency_ms, "results": results}, indent=2))
        print(f"figures written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
