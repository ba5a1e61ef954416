"""The "catalogue" section: the catalogue mode's daily runs at growing catalogue sizes, on the running embedded stack.

For each size N of ``--catalogue-sizes`` (default 10,000, 100,000 and 1,000,000 movies) a lake under the stack's
HDFS (``hdfs://127.0.0.1:8020/bench/catalogue-N``, removed at the end) goes through, each step in its own process
and a Spark Connect client of the stack's server, as a DAG task runs:

1. Bronze of the first load (day 1: the export and the details of all N movies) and of day 2 (the export and
   the details of the movies changed that day, about 2 %), generated on the executors
   (:mod:`bench.catalogue_lake`);
2. ``python -m spark_jobs.silver.run --logical-date <day 2> --full-refresh``, then ``spark_jobs.gold.run``;
3. the daily run of day 3: its Bronze, the incremental Silver run, Gold.

Each step reports its wall time (the client's start included), the peak PSS of its own process tree and of the
whole stack (every service's process tree, the Connect server and its executors among them), and what it read,
from the run records; after each Gold the lake's tables (files, average file size, rows). Sizes not measured are
projected from the measured ones (:func:`project`), and said to be.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench import lab
from bench.catalogue_lake import run_hour
from bench.measure import PeakSampler, run_measured, tail, tree_memory
from bench.pipeline_runs import stage_argv
from config.settings import PROJECT_ROOT, get_settings
from spark_jobs.utils.lake import LakeFiles, LakePaths

log = logging.getLogger(__name__)

GIB = 2**30
FIRST_DAY = date(2025, 11, 8)
SAMPLE_SECONDS = 1.0
REST_SECONDS = 5.0
TARGET_MOVIES = 1_000_000
# The steps of one size, in order: (key, what it is).
STEPS = {
    "bronze_first_load": "Bronze, first load (export + every movie's details)",
    "bronze_day_2": "Bronze, day 2 (export + changed movies' details)",
    "silver_full_refresh": "Silver, full refresh (days 1-2)",
    "gold": "Gold after the full refresh",
    "bronze_daily": "Bronze, daily run (export + changed movies' details)",
    "silver_incremental": "Silver, daily incremental run",
    "gold_daily": "Gold, daily run",
}
# The daily run end to end: its Bronze commit, the incremental Silver run and Gold.
DAILY_STEPS = ("bronze_daily", "silver_incremental", "gold_daily")
# What the curve is drawn and projected for.
CURVE_STEPS = ("bronze_first_load", "silver_full_refresh", "gold", "silver_incremental", "gold_daily", "daily")


# The counts of a Silver run record that are Bronze rows read.
SILVER_ROWS_READ = ("bronze_movie_rows", "bronze_review_pages", "catalogue_entries")


class StepError(RuntimeError):
    """A step of the catalogue section failed; the message carries the end of its output."""


def lake_for(namenode: str, movies: int) -> str:
    return f"{namenode.rstrip('/')}/bench/catalogue-{movies}"


def catalogue_section(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """Every size in turn on the running stack; a failed size is reported and the next one still runs."""
    from bench.stack import stack_pids
    from local_stack.stack import EmbeddedStack

    settings = get_settings()
    pids = stack_pids(EmbeddedStack(settings))
    with PeakSampler(lambda: tree_memory(pids.values()), SAMPLE_SECONDS) as rest:
        _sleep(REST_SECONDS)
    remote = f"sc://127.0.0.1:{settings.spark_connect_port}"
    sizes, errors = [], []
    for movies in args.catalogue_sizes:
        lake = lake_for(settings.hdfs_namenode, movies)
        size_dir = workdir / f"catalogue-{movies}"
        size_dir.mkdir(parents=True, exist_ok=True)
        size: dict[str, Any] = {"movies": movies, "lake_root": lake, "steps": {}}
        try:
            measure_size(size, lake, remote, pids, size_dir)
        except StepError as error:
            errors.append(f"{movies} movies: {error}")
        finally:
            LakeFiles(lake).delete(lake)
        size.update(summarise(size))
        sizes.append(size)
    return {
        "scale": {
            "catalogue_sizes": list(args.catalogue_sizes),
            "spark": f"{remote} (stack's server: {settings.spark_worker_cores} cores, {settings.spark_worker_memory})",
            "lake": f"{settings.hdfs_namenode}/bench/catalogue-N, replication {settings.hdfs_replication}",
        },
        "stack_at_rest_gib": round(rest.mean / GIB, 2),
        "sizes": sizes,
        "projection": project(sizes, TARGET_MOVIES),
        "errors": errors,
    }


def _sleep(seconds: float) -> None:
    import time

    time.sleep(seconds)


def measure_size(size: dict[str, Any], lake: str, remote: str, pids: Mapping[str, int], size_dir: Path) -> None:
    """The seven steps of one size (see the module's docstring); ``size`` collects them as they end."""
    movies = size["movies"]
    env = lab.job_env("local[*]", SPARK_REMOTE=remote, LAKE_ROOT=lake)
    day_1, day_2, day_3 = (FIRST_DAY + timedelta(days=n) for n in range(3))
    steps = size["steps"]
    log.info("catalogue of %d movies in %s", movies, lake)

    def bronze(key: str, day: date, first_load: bool) -> None:
        output = size_dir / f"{key}.json"
        argv = [lab.PYTHON, "-m", "bench.catalogue_lake", "generate", "--lake-root", lake, "--movies", str(movies)]
        argv += ["--day", day.isoformat(), "--output", str(output), *(["--first-load"] if first_load else [])]
        steps[key] = measured_step(argv, env, size_dir / f"{key}.log", pids)
        written = json.loads(output.read_text())
        rows = written["catalogue_rows"] + written["details_rows"]
        steps[key].update(written=written, rows_written=rows, rows_per_second=_rate(rows, steps[key]))

    def job(key: str, stage: str, day: date, *extra: str) -> None:
        hour = run_hour(day)
        argv = [*stage_argv(stage, hour), *extra]
        steps[key] = measured_step(argv, env, size_dir / f"{key}.log", pids)
        steps[key].update(run_figures(lake, stage, hour.batch_run_id))

    def table_figures(key: str) -> dict[str, Any]:
        output = size_dir / f"{key}.json"
        argv = [lab.PYTHON, "-m", "bench.catalogue_lake", "tables", "--lake-root", lake, "--output", str(output)]
        _checked(run_measured(argv, env, size_dir / f"{key}.log", PROJECT_ROOT))
        return json.loads(output.read_text())

    bronze("bronze_first_load", day_1, first_load=True)
    bronze("bronze_day_2", day_2, first_load=False)
    job("silver_full_refresh", "silver", day_2, "--full-refresh")
    job("gold", "gold", day_2)
    size["tables_after_full_refresh"] = table_figures("tables-full-refresh")
    steps["gold"].update(gold_rows_read(steps["gold"], size["tables_after_full_refresh"]))
    bronze("bronze_daily", day_3, first_load=False)
    job("silver_incremental", "silver", day_3)
    job("gold_daily", "gold", day_3)
    size["tables"] = table_figures("tables-daily")
    steps["gold_daily"].update(gold_rows_read(steps["gold_daily"], size["tables"]))


def measured_step(
    argv: Sequence[str], env: Mapping[str, str], log_file: Path, pids: Mapping[str, int]
) -> dict[str, Any]:
    """Runs one step to its end: wall time, the peak PSS of its process tree and of the whole stack meanwhile."""
    with PeakSampler(lambda: tree_memory(pids.values()), SAMPLE_SECONDS) as stack:
        measured = _checked(run_measured(argv, env, log_file, PROJECT_ROOT))
    return {
        "wall_seconds": round(measured.wall_seconds, 1),
        "job_peak_memory_mb": measured.peak_memory_mb,
        "stack_peak_gib": round(stack.peak / GIB, 2),
    }


def _checked(measured: Any) -> Any:
    if measured.returncode:
        raise StepError(f"{measured.command} exited with {measured.returncode}:\n{tail(measured.log_file)}")
    return measured


def _rate(rows: int | None, step: Mapping[str, Any]) -> int | None:
    return round(rows / step["wall_seconds"]) if rows and step.get("wall_seconds") else None


def run_figures(lake: str, stage: str, batch_run_id: str) -> dict[str, Any]:
    """What a Silver or Gold run says it did, from its run record under ``metadata/``."""
    record_name = {"silver": "silver_runs", "gold": "gold_runs"}[stage]
    path = f"{LakePaths(lake).metadata(record_name, batch_run_id)}/run.json"
    try:
        record = json.loads(LakeFiles(lake).read_text(path))
    except (FileNotFoundError, ValueError):
        return {}
    counts = record.get("counts", {})
    figures: dict[str, Any] = {
        "job_seconds": record.get("duration_seconds"),
        "stages": record.get("stages", {}),
        "counts": counts,
    }
    if stage == "silver":
        figures["mode"] = record.get("mode")
        # Bronze rows the run parsed: details and list entries, review pages, the export's entries.
        figures["rows_read"] = sum(counts.get(key) or 0 for key in SILVER_ROWS_READ)
    return figures


def gold_rows_read(step: Mapping[str, Any], lake_tables: Mapping[str, Any]) -> dict[str, Any]:
    """Gold reads Silver: the rows of the Silver tables as the run found them."""
    rows = sum(figures.get("rows", 0) for name, figures in lake_tables.items() if name.startswith("silver/"))
    return {"rows_read": rows, "rows_per_second": _rate(rows, step)}


def summarise(size: Mapping[str, Any]) -> dict[str, Any]:
    """Derived figures of one size: rows per second of the Silver steps, the daily run end to end, the peaks."""
    steps = size["steps"]
    for key in ("silver_full_refresh", "silver_incremental"):
        if key in steps and steps[key].get("rows_read"):
            steps[key]["rows_per_second"] = _rate(steps[key]["rows_read"], steps[key])
    done = [key for key in DAILY_STEPS if key in steps]
    daily = (
        {"wall_seconds": round(sum(steps[key]["wall_seconds"] for key in DAILY_STEPS), 1), "steps": list(DAILY_STEPS)}
        if len(done) == len(DAILY_STEPS)
        else None
    )
    return {
        "daily": daily,
        "stack_peak_gib": max((step["stack_peak_gib"] for step in steps.values()), default=None),
        "job_peak_memory_mb": max((step["job_peak_memory_mb"] for step in steps.values()), default=None),
    }


# -------------------------------------------------------------------------------------------- projection
def curve_points(sizes: Sequence[Mapping[str, Any]], key: str, figure: str = "wall_seconds") -> list[tuple[int, float]]:
    """(movies, value) of one step (or ``daily``, or ``stack`` for the stack's peak) at every measured size."""
    points = []
    for size in sizes:
        if key == "stack":
            value = size.get("stack_peak_gib")
        elif key == "daily":
            value = (size.get("daily") or {}).get(figure)
        else:
            value = (size.get("steps", {}).get(key) or {}).get(figure)
        if value is not None:
            points.append((int(size["movies"]), float(value)))
    return sorted(points)


def fit_power(points: Sequence[tuple[int, float]]) -> tuple[float, float] | None:
    """``value = a * movies ** b`` through the two largest sizes measured (the fixed costs weigh least there);
    None with fewer than two points."""
    if len(points) < 2:
        return None
    (n1, v1), (n2, v2) = points[-2], points[-1]
    if n1 == n2 or v1 <= 0 or v2 <= 0:
        return None
    exponent = math.log(v2 / v1) / math.log(n2 / n1)
    return v2 / n2**exponent, exponent


def project(sizes: Sequence[Mapping[str, Any]], movies: int) -> dict[str, Any]:
    """Each curve's value at ``movies`` when that size was not measured, from the two largest sizes measured.

    A time is the larger of two readings of those sizes: a straight line (a fixed cost plus a cost per movie, what
    the jobs' start, Delta's snapshots and the rows make) and the power law through them (``a * N ** b``, which
    catches growth faster than the rows). The stack's memory follows its power law: its JVMs' heaps are capped,
    so it grows ever more slowly as they fill (the rows do not stay in memory; what a job holds at once is a task's
    batch). Empty when ``movies`` was measured, or fewer than two sizes were.
    """
    if any(size["movies"] == movies and size.get("daily") for size in sizes):
        return {}
    projected: dict[str, Any] = {}
    for key in (*CURVE_STEPS, "stack"):
        points = curve_points(sizes, key)
        fit = fit_power(points)
        if fit is None:
            continue
        (n1, v1), (n2, v2) = points[-2:]
        line = v2 + (v2 - v1) / (n2 - n1) * (movies - n2)
        power = fit[0] * movies ** fit[1]
        if key == "stack":
            value, method = round(power, 2), f"power law N^{fit[1]:.2f}"
        else:
            value = round(max(line, power), 1)
            method = (
                f"straight line ({(v2 - v1) / (n2 - n1) * 1000:.2f} s per 1,000 movies)"
                if line >= power
                else (f"power law N^{fit[1]:.2f}")
            )
        projected[key] = {
            "movies": movies,
            "value": value,
            "unit": "GiB" if key == "stack" else "s",
            "method": method,
            "from_sizes": [n1, n2],
        }
    return projected
