"""Gold job: Silver -> the Gold views of one logical hour, validated before they are published.

    python -m spark_jobs.gold.run --logical-date 2025-11-09T10:00:00+00:00 [--views genre_analytics trending_scores]

The views are those of the Gold view registry (``batch_views.registry.GOLD_VIEWS``): extract reads the Silver
datasets the selected views read (``silver/{movies,reviews,movie_observations}``); transform builds each view with
its builder, a pure function of ``batch_views``; validate runs each view's Great Expectations suite
(``gold_<view>``, results under ``quality/``); load commits the views, only when every selected view passed: each
view is a Delta table partitioned by ``batch_run_id``, and a run replaces exactly its own partition
(``replaceWhere``) in one commit named after it. The run record goes to ``metadata/gold_runs/batch_run_id=R/run.json``.
``computed_at`` is the logical hour, never the wall clock. A re-run of an hour whose views are published leaves
them as they are (``--force`` rebuilds them from the Silver of now).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from batch_views.gold_view import GoldInputs, GoldView
from batch_views.registry import GOLD_VIEWS
from master_dataset.partitioning import LogicalHour
from spark_jobs.utils import tables
from spark_jobs.utils.job_entry import run_as_program
from spark_jobs.utils.lake import LakeFiles, LakePaths, open_lake
from spark_jobs.utils.logging_utils import JobMetrics

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from config.settings import Settings
    from ge_expectations.batch_layer_suite import ValidationReport

log = logging.getLogger(__name__)

JOB = "gold"
VIEW_NAMES = tuple(GOLD_VIEWS)
# Views built at the same time on the session (see build_views).
VIEWS_BUILT_AT_ONCE = 3


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m spark_jobs.gold.run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--logical-date",
        required=True,
        help="Airflow's data_interval_end (ISO-8601) or a batch_run_id such as batch_2025_11_09_10",
    )
    parser.add_argument(
        "--views",
        nargs="+",
        default=list(VIEW_NAMES),
        metavar="VIEW",
        help=f"views to build (space- or comma-separated), default all: {', '.join(VIEW_NAMES)}",
    )
    parser.add_argument(
        "--force",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="rebuild views this run already published (by default a re-run leaves them as they are)",
    )
    args = parser.parse_args(argv)
    views = [name for value in args.views for name in value.split(",") if name]
    unknown = sorted(set(views) - set(VIEW_NAMES))
    if unknown:
        parser.error(f"unknown views {unknown}; expected some of {list(VIEW_NAMES)}")
    # Keep the registry's order (the order of spark_jobs/README.md) whatever order they were given in.
    args.views = [name for name in VIEW_NAMES if name in views]
    return args


def run(spark: SparkSession, argv: Sequence[str]) -> dict[str, Any]:
    """The job on a session its caller owns (an Airflow task's Spark Connect session, a test's)."""
    from config.settings import get_settings
    from ge_expectations.batch_layer_suite import preload

    preload()  # overlaps Great Expectations' import with reading Silver
    args = parse_args(argv)
    return run_gold(spark, get_settings(), LogicalHour.parse(args.logical_date), views=args.views, force=args.force)


def main(argv: Sequence[str] | None = None) -> int:
    return run_as_program(JOB, parse_args, run, argv)


def run_gold(
    spark: SparkSession,
    settings: Settings,
    hour: LogicalHour,
    views: Sequence[str] = VIEW_NAMES,
    *,
    force: bool = False,
) -> dict[str, Any]:
    """Builds, validates and publishes ``views`` for ``hour``; returns the run record (also written to the lake).

    Views this run already published are left as they are unless ``force``: Silver holds the latest state, so
    rebuilding an older hour after later ones merged would mix in what was observed after it.

    Each view is materialised once (local checkpoint), so validation and the write read the same rows without
    computing the view twice. Nothing is published unless every selected view passed its critical expectations.
    """
    run_id = hour.batch_run_id
    paths = open_lake(settings.lake_root)
    lake = LakeFiles(paths.root)
    tables.commits_as(spark, run_id)
    metrics = JobMetrics(JOB, run_id, log)
    record_path = f"{paths.metadata('gold_runs', run_id)}/run.json"
    previous = _read_record(lake, record_path)
    if not force and previous and previous.get("status") == "success" and set(views) <= set(previous["views"]):
        log.info("gold run %s already published %s; nothing to do (--force rebuilds)", run_id, ", ".join(views))
        return previous
    record: dict[str, Any] = {"logical_hour": hour.iso, "views": list(views), "status": "running"}
    selected = [GOLD_VIEWS[name] for name in views]
    silver: dict[str, DataFrame] = {}
    try:
        with metrics.stage("extract"):
            silver = extract_silver(spark, paths, hour, selected)
        inputs = GoldInputs(
            computed_at=hour.start,
            top_cast=settings.gold_top_cast,
            top_collaborators=settings.gold_top_collaborators,
            **silver,
        )
        built, reports = build_views(inputs, selected, metrics, lake, paths, run_id)
        record["expectations"] = {name: report.summary() for name, report in reports.items()}
        for report in reports.values():
            report.raise_for_critical()
        with metrics.stage("publish"):
            _write_record(lake, record_path, {**record, "status": "publishing"}, metrics)
            for name, df in built.items():
                # A view of one run is small: one file.
                tables.replace_where(
                    df.coalesce(1), paths.gold(name), tables.predicate({"batch_run_id": run_id}), ["batch_run_id"]
                )
        record["status"] = "success"
        return record
    except Exception as exc:
        record["status"] = "failed"
        record["error"] = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        if "movies" in silver:
            silver["movies"].unpersist()
        _write_record(lake, record_path, record, metrics)
        log.info("gold run %s: %s, rows %s, record %s", run_id, record["status"], metrics.counts, record_path)


def _write_record(lake: LakeFiles, path: str, record: dict[str, Any], metrics: JobMetrics) -> None:
    """The run record: status, views, stage durations, rows per view, expectation results."""
    record.update(metrics.summary())
    lake.write_text(
        path, json.dumps(merge_records(_read_record(lake, path), record), indent=2, sort_keys=True, default=str)
    )


def _read_record(lake: LakeFiles, path: str) -> dict[str, Any] | None:
    return json.loads(lake.read_text(path)) if lake.exists(path) else None


def merge_records(previous: dict[str, Any] | None, current: dict[str, Any]) -> dict[str, Any]:
    """The run's record after `current` built some of its views.

    The pipeline builds every view in one invocation; a user may rebuild some of them by hand (``--views``):
    the record keeps the outcome of the views built before, and `current` replaces what it rebuilt. Status and
    stages are `current`'s.
    """
    if not previous:
        return current
    rebuilt = set(current.get("views", []))
    others = [view for view in previous.get("views", []) if view not in rebuilt]
    if not others:
        return current

    def kept(field: str) -> dict[str, Any]:
        return {key: value for key, value in (previous.get(field) or {}).items() if key in others}

    return {
        **current,
        "views": others + list(current.get("views", [])),
        "counts": {**kept("counts"), **(current.get("counts") or {})},
        "expectations": {**kept("expectations"), **(current.get("expectations") or {})},
        "duration_seconds": round(
            float(previous.get("duration_seconds") or 0) + float(current.get("duration_seconds") or 0), 3
        ),
    }


def extract_silver(
    spark: SparkSession, paths: LakePaths, hour: LogicalHour, views: Sequence[GoldView]
) -> dict[str, DataFrame]:
    """Reads the Silver datasets the views read (``GoldView.inputs``), conformed to the Silver contract.

    Movies flagged ERROR by Silver are left out (``usable_movies``) and the rest cached, as every view reads
    them; the observations are cut to the longest trending window at read time, so only those partitions are
    scanned.
    """
    from pyspark.sql import functions as F

    from batch_views.common import usable_movies
    from batch_views.trending import TRENDING_WINDOWS
    from spark_jobs.silver.schemas import MOVIE_OBSERVATIONS, SILVER_MOVIES, SILVER_REVIEWS, conform

    needed = {dataset for view in views for dataset in view.inputs}
    frames: dict[str, DataFrame] = {}
    if "movies" in needed:
        movies = conform(_read(spark, paths, "movies", required=True), SILVER_MOVIES)
        frames["movies"] = usable_movies(movies).persist()
    if "reviews" in needed:
        frames["reviews"] = conform(_read(spark, paths, "reviews", SILVER_REVIEWS), SILVER_REVIEWS)
    if "movie_observations" in needed:
        oldest = (hour.start - timedelta(days=max(TRENDING_WINDOWS.values()))).date()
        observations = _read(spark, paths, "movie_observations", MOVIE_OBSERVATIONS).where(
            F.col("observed_date").between(F.lit(oldest), F.lit(hour.start.date()))
        )
        frames["movie_observations"] = conform(observations, MOVIE_OBSERVATIONS)
    return frames


def _read(spark: SparkSession, paths: LakePaths, dataset: str, schema: Any = None, required: bool = False) -> DataFrame:
    path = paths.silver(dataset)
    if tables.exists(spark, path):
        return spark.read.format("delta").load(path)
    if required:
        raise FileNotFoundError(f"silver/{dataset} not found at {path}: run the Silver job for this hour first")
    log.warning("silver/%s not found at %s: the views read it as empty", dataset, path)
    return spark.createDataFrame([], schema)


def build_views(
    inputs: GoldInputs,
    views: Sequence[GoldView],
    metrics: JobMetrics,
    lake: LakeFiles,
    paths: LakePaths,
    batch_run_id: str,
) -> tuple[dict[str, DataFrame], dict[str, ValidationReport]]:
    """Builds, materialises and validates ``views`` from ``inputs``; returns the views and their reports, by name.

    A view is a chain of small Spark jobs (actor_networks one per propagation round) whose latency, more than the
    cluster's cores, bounds it on an hour's data, so several are built at a time and the jobs of the others fill
    the gaps. Each view is checkpointed by its count, so that validation and the write read these rows, not a
    recomputation, and it is validated as soon as it is built, one at a time, while the others are still being
    built. (Starting actor_networks first saved a second or two on an hour's data, but over 90 days of history
    its small propagation jobs then queued behind the other views' large ones for twice as long.)
    """

    def build(view: GoldView) -> DataFrame:
        with metrics.stage(f"build_{view.name}"):
            # Lazy, except the label-propagation rounds of actor_networks.
            df = view.build(inputs).localCheckpoint(eager=False)
            metrics.count(view.name, df.count())
            return df

    def check(view: GoldView, df: DataFrame) -> ValidationReport:
        with metrics.stage(f"validate_{view.name}"):
            return validate_view(lake, paths, view, df, batch_run_id)

    with (
        ThreadPoolExecutor(max_workers=VIEWS_BUILT_AT_ONCE, thread_name_prefix="gold-build") as builders,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="gold-validate") as validator,
    ):
        building = {builders.submit(build, view): view for view in views}
        built: dict[str, DataFrame] = {}
        checking: dict[str, Future[ValidationReport]] = {}
        for future in as_completed(building):
            view = building[future]
            built[view.name] = future.result()
            checking[view.name] = validator.submit(check, view, built[view.name])
        names = [view.name for view in views]
        return {name: built[name] for name in names}, {name: checking[name].result() for name in names}


def validate_view(
    lake: LakeFiles, paths: LakePaths, view: GoldView, df: DataFrame, batch_run_id: str
) -> ValidationReport:
    """Runs the view's Great Expectations suite (``gold_<view>``); the report lands under ``quality/``."""
    from ge_expectations import batch_layer_suite as suites

    suite_name = f"gold_{view.name}"
    return suites.validate(
        df,
        suite_name,
        suites.gold_suite(view),
        batch_run_id=batch_run_id,
        quality_path=paths.quality(suite_name, batch_run_id),
        lake_files=lake,
        dataset=f"gold/{view.name}",
        cache=False,  # the view is checkpointed already (see run_gold): each metric reads the checkpoint
    )


if __name__ == "__main__":
    sys.exit(main())
