"""The "runs" section: the pipeline's four stages one after another, each in its own process, as a user runs them.

Against a TMDB simulator with network-like latency, on temporary lakes and a private nx-27017:

- ``test``: the seed's test run, 2 pages a list, at the fast rate (40 requests/s), on an empty lake;
- ``full``: the seed's full production run, 20 pages a list, at the fast rate, on another empty lake;
- ``steady``: the next logical hour (4 h later on the simulator's clock) on the full run's lake and database, at
  the slow rate (4 requests/s, TMDB's default): what every scheduled run costs once the lake is warm.

Each stage is ``python -m spark_jobs.bronze.run --logical-date H --step all``, then ``spark_jobs.silver.run``,
``spark_jobs.gold.run`` and ``batch_views.export_to_mongo``; the wall time includes each JVM's start.
"""

from __future__ import annotations

import argparse
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pymongo.errors import PyMongoError

from bench import lab
from bench.measure import run_measured, tail
from bench.targets import STAGES
from config.settings import PROJECT_ROOT
from master_dataset.partitioning import LogicalHour

log = logging.getLogger(__name__)

CLOCK = datetime(2025, 11, 9, 12, tzinfo=UTC)
DATABASE = "moviedb"
MODULES = {
    "bronze": ("spark_jobs.bronze.run", "--step", "all"),
    "silver": ("spark_jobs.silver.run",),
    "gold": ("spark_jobs.gold.run",),
    "export": ("batch_views.export_to_mongo",),
}


@dataclass(frozen=True)
class RunSpec:
    name: str
    group: str  # runs of one group share a lake and a database, in this order
    pages: int
    rate_limit: float
    hour: LogicalHour
    after: str | None = None  # a run that must have succeeded first


def specs(args: argparse.Namespace) -> list[RunSpec]:
    first, next_hour = LogicalHour(CLOCK), LogicalHour(CLOCK + timedelta(hours=4))
    return [
        RunSpec("test", "test", args.test_pages, args.run_rate, first),
        RunSpec("full", "production", args.full_pages, args.run_rate, first),
        RunSpec("steady", "production", args.full_pages, args.steady_rate, next_hour, after="full"),
    ]


def stage_argv(stage: str, hour: LogicalHour) -> list[str]:
    module, *extra = MODULES[stage]
    return [lab.PYTHON, "-m", module, "--logical-date", hour.iso, *extra]


def run_section(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Runs test, full and steady; a failed run is reported and the others still run."""
    from master_dataset.simulator import control

    runs: dict[str, dict[str, Any]] = {}
    port = lab.free_port()
    with lab.simulator(
        port, args.latency_ms, args.simulator_rate_limit, CLOCK, workdir / "simulator.log", args.movies, args.people
    ) as base_url:
        for group in dict.fromkeys(spec.group for spec in specs(args)):
            lake_root = (workdir / group / "lake").as_uri()
            with lab.mongo(workdir / group / "mongo") as server:
                for spec in (s for s in specs(args) if s.group == group):
                    if spec.after and runs.get(spec.after, {}).get("status") != "ok":
                        runs[spec.name] = {"status": "skipped", "error": f"needs the {spec.after} run to succeed"}
                        continue
                    control.set_clock(base_url, spec.hour.start)
                    env = lab.job_env(
                        args.spark_master,
                        LAKE_ROOT=lake_root,
                        TMDB_BASE_URL=base_url,
                        TMDB_PAGES=str(spec.pages),
                        TMDB_RATE_LIMIT=str(spec.rate_limit),
                        **lab.mongo_settings(server, DATABASE),
                    )
                    runs[spec.name] = measure_run(spec, env, workdir / group / "logs", lake_root, server)
    errors = [f"{name}: {run['error']}" for name, run in runs.items() if run.get("error")]
    return {
        "scale": {
            "latency_ms": args.latency_ms,
            "run_rate": args.run_rate,
            "steady_rate": args.steady_rate,
            "test_pages": args.test_pages,
            "full_pages": args.full_pages,
            "catalogue": f"{args.movies} movies, {args.people} people",
            "spark_master": args.spark_master,
        },
        "runs": runs,
        "errors": errors,
    }


def measure_run(spec: RunSpec, env: dict[str, str], log_dir: Path, lake_root: str, server: str) -> dict[str, Any]:
    """The four stages of one run in order; stops at the first that fails."""
    log.info("run %s: %d pages, %g requests/s, %s", spec.name, spec.pages, spec.rate_limit, spec.hour.batch_run_id)
    stages: dict[str, dict[str, Any]] = {}
    run: dict[str, Any] = {
        "status": "ok",
        "batch_run_id": spec.hour.batch_run_id,
        "pages": spec.pages,
        "rate_limit": spec.rate_limit,
        "stages": stages,
    }
    for stage in STAGES:
        measured = run_measured(
            stage_argv(stage, spec.hour), env, log_dir / f"{spec.name}-{stage}.log", cwd=PROJECT_ROOT
        )
        stages[stage] = measured.as_dict()
        if measured.returncode:
            run.update(status="failed", error=f"{stage} exited with {measured.returncode}:\n{tail(measured.log_file)}")
            break
    run["total_seconds"] = round(sum(stage["wall_seconds"] for stage in stages.values()), 1)
    run["facts"] = facts(spec, lake_root, server)
    bronze = run["facts"].get("bronze") or {}
    if bronze.get("requests") and "bronze" in stages:
        stages["bronze"]["requests_per_second"] = round(bronze["requests"] / stages["bronze"]["wall_seconds"], 2)
    log.info("run %s: %s in %.1f s", spec.name, run["status"], run["total_seconds"])
    return run


def facts(spec: RunSpec, lake_root: str, server: str) -> dict[str, Any]:
    """What each stage did, from its run record: requests, rows, documents."""
    run_id = spec.hour.batch_run_id
    ingestion = lab.read_run_record(lake_root, "ingestion_runs", run_id) or {}
    silver = lab.read_run_record(lake_root, "silver_runs", run_id) or {}
    gold = lab.read_run_record(lake_root, "gold_runs", run_id) or {}
    keys = ("mode", "requests", "rate_limited", "retries", "failed", "bronze_rows", "duration_seconds")
    found: dict[str, Any] = {"bronze": {key: ingestion[key] for key in keys if key in ingestion}}
    if ingestion.get("endpoints"):
        found["bronze"]["requests_by_endpoint"] = {
            endpoint: tally.get("expected") for endpoint, tally in ingestion["endpoints"].items()
        }
    found["silver"] = {key: silver.get(key) for key in ("mode", "duration_seconds", "counts") if key in silver}
    found["gold"] = {key: gold.get(key) for key in ("status", "duration_seconds", "counts") if key in gold}
    try:
        found["export"] = lab.served_run(server, DATABASE, run_id)
    except PyMongoError as error:  # a fact we could not read is reported; the figures stand
        found["export"] = {"error": type(error).__name__}
    return found
