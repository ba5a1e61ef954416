"""Benchmark of the catalogue mode's first load (TMDB_CATALOGUE=full) against the TMDB simulator at one size.

    python scripts/bench_catalogue_ingestion.py --movies 10000 [--rate 1000] [--out results.json]

Starts the simulator (its own process, ``--movies`` movies, no latency, a limit above ``--rate``) and its own
nx-27017, then runs the Bronze job for one live hour in this process on a temporary lake, every step: the day's
export downloaded and stored, the details of every movie fetched (the first load), the lists, validation, store.
Real TMDB allows about 40 requests/s; the faster rate here measures what the pipeline itself costs per movie, so
the time at TMDB's rate is ``movies / 40`` seconds of requests plus this run's overhead (reported as projected).

Reports the run's wall time, its extraction time, requests/s, the rows stored, the simulator's count of movies
answered twice (0: nothing fetched twice), and the progress the step wrote. Peak memory is measured by the caller
(``make bench``'s ``catalogue-ingestion`` section runs this once per size in its own process).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.settings import load_settings
from master_dataset.simulator import control
from spark_jobs.bronze import run
from spark_jobs.utils.spark_session import build_spark_session

CLOCK = datetime(2025, 11, 9, 12, tzinfo=UTC)
TMDB_RATE = 40.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--movies", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=1000.0, help="the client's requests/s")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--port", type=int, default=18791)
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    return parser.parse_args()


def main() -> int:
    from bench import lab

    args = parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench_catalogue_"))
    try:
        with (
            lab.simulator(
                args.port, 0.0, args.rate * 2, CLOCK, workdir / "simulator.log", args.movies, 20_000
            ) as base_url,
            lab.mongo(workdir / "mongo") as mongo_server,
        ):
            settings = load_settings(
                _env_file=None,
                lake_root=(workdir / "lake").as_uri(),
                mongodb_connection_string=f"{mongo_server}/moviedb",
                tmdb_api_key=None,
                tmdb_read_access_token=None,
                tmdb_base_url=base_url,
                tmdb_files_base_url=base_url.removesuffix("/3") + "/files",
                tmdb_catalogue="full",
                tmdb_rate_limit=args.rate,
                tmdb_concurrency=args.concurrency,
                tmdb_pages=1,
                tmdb_top_cast=1,
                spark_master_url="local[2]",
            )
            spark = build_spark_session(settings, "bench_catalogue", extra_conf={"spark.ui.enabled": "false"})
            control.set_clock(base_url, CLOCK, frozen=True)
            started = time.monotonic()
            argv = ["--logical-date", CLOCK.isoformat(), "--step", "all"]
            record = run.run(spark, argv, settings)["update-metadata"]
            wall = time.monotonic() - started
            spark.stop()
            stats = control.get_stats(base_url)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    extraction = record["steps"]["extract-movies"]
    details = record["catalogue"]["details_to_fetch"]
    figures: dict[str, Any] = {
        "movies": args.movies,
        "rate_limit": args.rate,
        "wall_seconds": round(wall, 1),
        "extract_movies_seconds": extraction["duration_seconds"],
        "requests": record["requests"],
        "requests_per_second": extraction["requests_per_second"],
        "details_fetched": details,
        "export_entries": record["catalogue"]["entries"],
        "bronze_rows": record["bronze_rows"],
        "movies_answered_twice": stats.get("movie_details_repeated", 0),
        "overhead_seconds": round(wall - details / args.rate, 1),
        "projected_seconds_at_tmdb_rate": round(details / TMDB_RATE + max(0.0, wall - details / args.rate)),
    }
    print(json.dumps(figures, indent=2))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
