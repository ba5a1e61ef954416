"""`make bench` section ``catalogue-ingestion``: the catalogue mode's first load at growing catalogue sizes.

For each of ``--catalogue-ingestion-sizes`` (10,000 and 100,000 movies), ``scripts/bench_catalogue_ingestion.py``
runs in its own process (its peak memory is the process tree's PSS, the simulator's included): the simulator
serves that many movies, the Bronze job downloads the day's export, fetches every movie's details at a fast rate
and stores them. The figures: wall time, requests/s, rows stored, movies answered twice (must be 0), the time per
movie the pipeline adds to the requests, and the first load projected at TMDB's ~40 requests/s.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from bench import lab
from bench.measure import run_measured
from config.settings import PROJECT_ROOT


def catalogue_ingestion_section(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    sizes, errors = [], []
    for movies in args.catalogue_ingestion_sizes:
        output = workdir / f"catalogue-ingestion-{movies}.json"
        argv = [lab.PYTHON, str(PROJECT_ROOT / "scripts" / "bench_catalogue_ingestion.py"), "--movies", str(movies)]
        argv += ["--port", str(lab.free_port()), "--out", str(output)]
        measured = run_measured(argv, lab.job_env(args.spark_master), workdir / f"catalogue-{movies}.log", PROJECT_ROOT)
        if measured.returncode != 0 or not output.exists():
            errors.append(f"{movies} movies: exit {measured.returncode}; see {measured.log_file}")
            continue
        figures = json.loads(output.read_text())
        figures["peak_memory_mb"] = measured.peak_memory_mb
        figures["seconds_per_1000_movies"] = round(1000 * figures["wall_seconds"] / movies, 2)
        sizes.append(figures)
    return {
        "scale": {"sizes": list(args.catalogue_ingestion_sizes), "rate": "1,000 requests/s against the simulator"},
        "sizes": sizes,
        "errors": errors,
    }
