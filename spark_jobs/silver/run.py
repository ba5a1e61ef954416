"""Silver job: the Delta tables bronze/{movies,reviews} -> silver/{movies,reviews,movie_observations}.

    python -m spark_jobs.silver.run --logical-date 2025-10-17T14:00:00+00:00 [--full-refresh]

Plan from the tables themselves: the bronze runs up to the logical hour that ``silver/movie_observations`` does
not hold yet are merged (incremental); none left means the run is up to date and commits nothing; a full
refresh rebuilds from every bronze run up to the hour, when asked (``--full-refresh``), when Silver has no table
yet, or when a run Silver holds was re-ingested in bronze since Silver's last commit (a merge cannot take back
what the old version of an hour contributed; a rebuild can).

Extract the bronze runs of the plan and the current Silver rows; transform them (parse, quarantine, fold the
touched movies and reviews again, score sentiment, build the runs' observations); validate the rows to be
committed with the Great Expectations suites; load them (write, audit, publish): ``MERGE`` into silver/movies by
movie_id and silver/reviews by review_id, the runs' observations with ``replaceWhere`` on their batch_run_id,
observations last, so a run that fails or is killed before them is merged again (the same rows) by its re-run.
Every commit carries the run's batch_run_id. A run summary goes under ``metadata/silver_runs/``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from master_dataset.partitioning import LogicalHour
from spark_jobs.silver import movies, observations, parse, reviews, schemas
from spark_jobs.silver.genres import genre_map
from spark_jobs.utils import tables
from spark_jobs.utils.job_entry import run_as_program
from spark_jobs.utils.lake import BRONZE_CATALOGUE, LakeFiles, LakePaths, open_lake
from spark_jobs.utils.logging_utils import JobMetrics

if TYPE_CHECKING:
    from config.settings import Settings
    from ge_expectations.batch_layer_suite import ValidationReport

log = logging.getLogger(__name__)

JOB = "silver"
# Silver must keep at least this share of the distinct movies bronze brought (the rest is quarantined).
MIN_ROW_SHARE = 0.9
SILVER_DATASETS = {
    "movies": schemas.SILVER_MOVIES,
    "reviews": schemas.SILVER_REVIEWS,
    "movie_observations": schemas.MOVIE_OBSERVATIONS,
}
KEYS = {"movies": ["movie_id"], "reviews": ["review_id"]}
# A MERGE marks the rows it replaces in deletion vectors instead of rewriting whole files.
MERGED_TABLE_PROPERTIES = {"delta.enableDeletionVectors": "true"}

Mode = Literal["full", "incremental", "up_to_date"]


@dataclass(frozen=True)
class SilverPlan:
    mode: Mode
    reason: str
    runs: tuple[str, ...]  # the bronze runs this run reads
    rebuilt_runs: tuple[str, ...] = ()  # on a full refresh: every run bronze holds (those after the hour go)


@dataclass(frozen=True)
class SilverInputs:
    bronze_movies: DataFrame
    bronze_reviews: DataFrame
    bronze_catalogue: DataFrame  # the daily export entries the runs loaded (catalogue mode), else empty
    movies: DataFrame  # the current silver/movies (empty on a full refresh)
    reviews: DataFrame  # the current silver/reviews (empty on a full refresh)


@dataclass(frozen=True)
class SilverOutputs:
    movies: DataFrame  # the rows of silver/movies this run replaces or adds (all of them on a full refresh)
    reviews: DataFrame  # the rows of silver/reviews this run replaces or adds
    observations: DataFrame  # the observations of the runs read
    quarantine: dict[str, DataFrame]
    parsed_movies: DataFrame
    parsed_pages: DataFrame
    parsed_exports: DataFrame
    review_records: DataFrame  # every review this bronze brought, with or without an id


# ---------------------------------------------------------------------------------------------- plan


def _runs(df: DataFrame) -> set[str]:
    # A few hundred run ids at most: names of hours, not pipeline data.
    return {row.batch_run_id for row in df.select("batch_run_id").distinct().collect()}


def plan_run(spark: SparkSession, paths: LakePaths, hour: LogicalHour, *, full_refresh: bool) -> SilverPlan:
    """What a run for ``hour`` reads: see the module's docstring."""
    bronze_movies = paths.bronze("movies")
    bronze_runs = _runs(tables.read(spark, bronze_movies, schemas.BRONZE))
    up_to_hour = sorted(run for run in bronze_runs if run <= hour.batch_run_id)

    def full(reason: str) -> SilverPlan:
        return SilverPlan("full", reason, tuple(up_to_hour), tuple(sorted(bronze_runs)))

    observations_path = paths.silver("movie_observations")
    if full_refresh:
        return full("full refresh requested")
    if not all(tables.exists(spark, paths.silver(name)) for name in SILVER_DATASETS):
        return full("no Silver tables yet")
    merged = _runs(tables.read(spark, observations_path, schemas.MOVIE_OBSERVATIONS))
    silver_commit = tables.last_commit(spark, observations_path)["timestamp"]
    reingested = (
        sorted(
            row.userMetadata
            for row in tables.history(spark, bronze_movies)
            .where(F.col("userMetadata").isin(*merged) & (F.col("timestamp") > F.lit(silver_commit)))
            .select("userMetadata")
            .distinct()
            .collect()
        )
        if merged
        else []
    )
    if reingested:
        return full(f"{len(reingested)} merged bronze run(s) were re-ingested since, e.g. {reingested[0]}")
    new = tuple(run for run in up_to_hour if run not in merged)
    if not new:
        return SilverPlan("up_to_date", "every bronze run up to this hour is merged", ())
    return SilverPlan("incremental", f"{len(new)} new bronze run(s)", new)


# ---------------------------------------------------------------------------------------------- extract


def read_bronze(spark: SparkSession, paths: LakePaths, dataset: str, runs: Sequence[str]) -> DataFrame:
    """The rows of the given runs of a bronze table, typed as the contract says, with ``bronze_partition``."""
    frame = tables.read(spark, paths.bronze(dataset), schemas.BRONZE)
    if runs:
        # The runs' days first: Delta skips the other days' folders before it reads a file.
        days = {
            (hour.partition["year"], hour.partition["month"], hour.partition["day"])
            for hour in map(LogicalHour.parse, runs)
        }
        in_days = F.struct("year", "month", "day").isin(*(F.struct(*map(F.lit, day)) for day in days))
        frame = frame.where(in_days & F.col("batch_run_id").isin(*runs))
    else:
        frame = frame.limit(0)
    return schemas.conform(frame, schemas.BRONZE).transform(parse.with_bronze_partition, dataset)


def read_catalogue(spark: SparkSession, paths: LakePaths, runs: Sequence[str]) -> DataFrame:
    """The bronze/catalogue rows the given runs loaded (each file holds one run's export: Delta's file
    statistics on batch_run_id skip the other days)."""
    frame = tables.read(spark, paths.bronze(BRONZE_CATALOGUE), schemas.CATALOGUE)
    return frame.where(F.col("batch_run_id").isin(*runs)) if runs else frame.limit(0)


def extract(spark: SparkSession, paths: LakePaths, plan: SilverPlan) -> SilverInputs:
    """Only the bronze runs the plan names are read; the current Silver rows only on an incremental run."""

    def current(dataset: str) -> DataFrame:
        schema = SILVER_DATASETS[dataset]
        if plan.mode == "incremental":
            return tables.read(spark, paths.silver(dataset), schema)
        return schemas.empty(spark, schema)

    return SilverInputs(
        bronze_movies=read_bronze(spark, paths, "movies", plan.runs),
        bronze_reviews=read_bronze(spark, paths, "reviews", plan.runs),
        bronze_catalogue=read_catalogue(spark, paths, plan.runs),
        movies=current("movies"),
        reviews=current("reviews"),
    )


# ---------------------------------------------------------------------------------------------- transform


def transform(spark: SparkSession, inputs: SilverInputs) -> SilverOutputs:
    """The whole Silver fold: pure DataFrame work, nothing is read or written here.

    Only the movies and reviews this bronze touches are folded again, with their current rows; the result is
    exactly the rows to merge. Parsed bronze and the rows to merge are each used by several outputs (counts,
    validation, the commit), so they are checkpointed (locally, when first computed): every bronze body is
    parsed once and every new review scored once. A checkpoint also cuts the plans of everything built on it,
    and it keeps the rows to merge apart from the table they are merged into. The session's end releases them.
    """
    parsed_movies = parse.parse_bronze_movies(inputs.bronze_movies).localCheckpoint(eager=False)
    parsed_pages = parse.parse_review_pages(inputs.bronze_reviews).localCheckpoint(eager=False)
    parsed_exports = parse.parse_export_entries(inputs.bronze_catalogue).localCheckpoint(eager=False)

    listed = movies.listed_entries(parse.list_entries(parsed_movies), genre_map(spark))
    details = parse.details_records(parsed_movies)
    review_records = parse.review_records(parsed_movies, parsed_pages)

    new_reviews = reviews.latest_reviews(parse.reviews_with_id(review_records))
    candidates = movies.bronze_candidates(listed, details)
    touched = candidates.select("movie_id").unionByName(new_reviews.select("movie_id")).distinct()
    # Every review of a touched movie: its statistics are folded again, and its partition values may move.
    movie_reviews = reviews.merge_touched(new_reviews, inputs.reviews).unionByName(
        reviews.untouched(new_reviews, inputs.reviews).join(F.broadcast(touched), "movie_id", "left_semi")
    )
    refolded = movies.refold_touched(
        candidates, inputs.movies, touched, reviews.review_stats(movie_reviews)
    ).localCheckpoint(eager=False)

    return SilverOutputs(
        movies=refolded,
        reviews=reviews.finalize_reviews(movie_reviews, refolded).localCheckpoint(eager=False),
        observations=observations.run_observations(
            listed, details, parse.export_entries(parsed_exports)
        ).localCheckpoint(eager=False),
        quarantine={
            "silver_movies": parse.quarantined(parsed_movies).unionByName(parse.quarantined(parsed_exports)),
            "silver_reviews": parse.quarantined(parsed_pages).unionByName(parse.reviews_without_id(review_records)),
        },
        parsed_movies=parsed_movies,
        parsed_pages=parsed_pages,
        parsed_exports=parsed_exports,
        review_records=review_records,
    )


# ---------------------------------------------------------------------------------------------- validate


def minimum_rows(counts: dict[str, int], share: float) -> dict[str, int]:
    """The least row count each batch to commit must have: a share of the distinct movies, reviews and
    movie-runs bronze brought (a merge never removes a row, so Silver never shrinks)."""

    def at_least(count: int) -> int:
        return math.ceil(share * count)

    return {
        "movies": at_least(counts["bronze_distinct_movies"]),
        "reviews": at_least(counts["new_reviews"]),
        "movie_observations": at_least(counts["bronze_distinct_movie_runs"]),
    }


def validate_outputs(
    outputs: SilverOutputs, paths: LakePaths, lake: LakeFiles, batch_run_id: str, min_rows: dict[str, int]
) -> list[ValidationReport]:
    """Runs each dataset's suite on the rows this run is about to commit, before any commit."""
    from ge_expectations import batch_layer_suite as suites

    frames = {"movies": outputs.movies, "reviews": outputs.reviews, "movie_observations": outputs.observations}
    reports = []
    for dataset, schema in SILVER_DATASETS.items():
        suite_name = f"silver_{dataset}"
        reports.append(
            suites.validate(
                frames[dataset],
                suite_name,
                suites.silver_suite(dataset, schema.fieldNames(), min_rows[dataset]),
                batch_run_id=batch_run_id,
                quality_path=paths.quality(suite_name, batch_run_id),
                lake_files=lake,
                dataset=paths.silver(dataset),
                # Checkpointed already: scanning only the columns a metric needs beats caching cast and crew.
                cache=False,
            )
        )
    return reports


# ---------------------------------------------------------------------------------------------- load


def count_rows(outputs: SilverOutputs) -> dict[str, int]:
    """Rows in, quarantined and to commit, in a few aggregations over checkpointed frames (which they also fill)."""
    reason = F.col("reason")
    movies_in = outputs.parsed_movies.agg(
        F.count(F.lit(1)).alias("bronze_movie_rows"),
        F.count_distinct("movie_id").alias("bronze_distinct_movies"),
        F.count_distinct("movie_id", "batch_run_id").alias("bronze_distinct_movie_runs"),
        F.count(F.when(reason.isNull(), 1)).alias("movie_records_parsed"),
        F.count(reason).alias("quarantined_silver_movies"),
    ).first()
    pages_in = outputs.parsed_pages.agg(
        F.count(F.lit(1)).alias("bronze_review_pages"), F.count(reason).alias("quarantined_pages")
    ).first()
    exports_in = outputs.parsed_exports.agg(
        F.count(F.lit(1)).alias("catalogue_entries"), F.count(reason).alias("quarantined_exports")
    ).first()
    reviews_in = outputs.review_records.agg(
        F.count_distinct("review_id").alias("new_reviews"),
        F.count(F.when(F.col("review_id").isNull(), 1)).alias("reviews_without_id"),
    ).first()
    counts = {**movies_in.asDict(), **pages_in.asDict(), **exports_in.asDict(), **reviews_in.asDict()}
    counts["quarantined_silver_movies"] += counts.pop("quarantined_exports")
    counts["quarantined_silver_reviews"] = counts.pop("quarantined_pages") + counts.pop("reviews_without_id")
    counts["movies_merged"] = outputs.movies.count()
    counts["reviews_merged"] = outputs.reviews.count()
    counts["observations_written"] = outputs.observations.count()
    return counts


def write_quarantine(paths: LakePaths, plan: SilverPlan, name: str, rows: DataFrame, count: int) -> None:
    """Replaces the quarantined records of the bronze runs read (what an earlier attempt wrote for them)."""
    path = paths.quarantine(name)
    tables.replace_where(rows.coalesce(1), path, tables.is_in("batch_run_id", plan.runs), ["batch_run_id"])
    if count:
        log.warning("%d record(s) quarantined in %s", count, path)


def commit(spark: SparkSession, paths: LakePaths, plan: SilverPlan, outputs: SilverOutputs) -> None:
    """Commits the validated rows: movies and reviews, then the runs' observations, which mark them merged."""
    for dataset, frame in (("movies", outputs.movies), ("reviews", outputs.reviews)):
        if plan.mode == "full":
            tables.overwrite(frame, paths.silver(dataset), properties=MERGED_TABLE_PROPERTIES)
        else:
            tables.merge(spark, frame, paths.silver(dataset), KEYS[dataset], properties=MERGED_TABLE_PROPERTIES)
    runs = plan.rebuilt_runs if plan.mode == "full" else plan.runs
    # On a full refresh the runs bronze holds are rebuilt (those after the hour dropped, a later run merges them
    # again); observations of runs bronze no longer has (retention) are kept: they are the only record left.
    tables.replace_where(
        outputs.observations.repartition(*schemas.OBSERVATIONS_PARTITIONS),
        paths.silver("movie_observations"),
        tables.is_in("batch_run_id", runs),
        schemas.OBSERVATIONS_PARTITIONS,
    )
    if plan.mode == "full":
        # Files clustered by movie: a lookup or a merge by movie_id reads few of them.
        tables.optimize(spark, paths.silver("movies"), zorder_by=["movie_id"])


def write_summary(lake: LakeFiles, paths: LakePaths, batch_run_id: str, summary: dict[str, Any]) -> str:
    path = f"{paths.metadata('silver_runs', batch_run_id)}/run.json"
    lake.write_text(path, json.dumps(summary, indent=2, default=str))
    return path


# ---------------------------------------------------------------------------------------------- job


def run_silver(
    spark: SparkSession,
    settings: Settings,
    hour: LogicalHour,
    *,
    full_refresh: bool = False,
    min_row_share: float = MIN_ROW_SHARE,
) -> dict[str, Any]:
    """Builds Silver for a logical hour and returns the run summary (also written under metadata/).

    Raises DataQualityError, after writing the summary and the Data Docs, when a critical expectation failed:
    then no table has a new version.
    """
    batch_run_id = hour.batch_run_id
    paths = open_lake(settings.lake_root)
    lake = LakeFiles(paths.root)
    tables.commits_as(spark, batch_run_id)
    metrics = JobMetrics(JOB, batch_run_id, log)

    with metrics.stage("plan"):
        plan = plan_run(spark, paths, hour, full_refresh=full_refresh)
    log.info("%s run: %s; %d bronze run(s) to read", plan.mode, plan.reason, len(plan.runs))
    summary: dict[str, Any] = {
        "job": JOB,
        "batch_run_id": batch_run_id,
        "logical_hour": hour.iso,
        "mode": plan.mode,
        "reason": plan.reason,
        "bronze_runs_read": list(plan.runs),
    }
    if plan.mode == "up_to_date":
        summary.update(status="up_to_date", **metrics.summary())
        summary["summary_path"] = write_summary(lake, paths, batch_run_id, summary)
        return summary

    outputs = transform(spark, extract(spark, paths, plan))
    with metrics.stage("transform"):
        counts = count_rows(outputs)
    # The list entries and details of one movie in one run fold into one observation.
    counts["deduplicated_movie_records"] = counts["movie_records_parsed"] - counts["observations_written"]
    with metrics.stage("validate"):
        reports = validate_outputs(outputs, paths, lake, batch_run_id, minimum_rows(counts, min_row_share))
    summary["validations"] = [report.summary() for report in reports]
    failed = [report for report in reports if not report.publishable]
    if failed:
        for name, value in counts.items():
            metrics.count(name, value)
        summary.update(status="failed_validation", **metrics.summary())
        summary["summary_path"] = write_summary(lake, paths, batch_run_id, summary)
        failed[0].raise_for_critical()
    with metrics.stage("quarantine"):
        for name, rows in outputs.quarantine.items():
            write_quarantine(paths, plan, name, rows, counts[f"quarantined_{name}"])
    with metrics.stage("commit"):
        commit(spark, paths, plan, outputs)
    counts["movies_out"] = tables.read(spark, paths.silver("movies"), schemas.SILVER_MOVIES).count()
    counts["reviews_out"] = tables.read(spark, paths.silver("reviews"), schemas.SILVER_REVIEWS).count()
    for name, value in counts.items():
        metrics.count(name, value)
    summary.update(status="published", **metrics.summary())
    summary["summary_path"] = write_summary(lake, paths, batch_run_id, summary)
    log.info("silver %s run committed in %.1f s: %s", plan.mode, summary["duration_seconds"], summary["stages"])
    return summary


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m spark_jobs.silver.run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--logical-date",
        required=True,
        help="Airflow's data_interval_end (ISO-8601) or a batch_run_id such as batch_2025_10_17_14",
    )
    parser.add_argument("--full-refresh", action="store_true", help="rebuild Silver from every bronze partition")
    parser.add_argument(
        "--min-row-share",
        type=float,
        default=MIN_ROW_SHARE,
        help="least share of bronze's distinct movies Silver must keep (default %(default)s)",
    )
    return parser.parse_args(argv)


def run(spark: SparkSession, argv: Sequence[str]) -> dict[str, Any]:
    """The job on a session its caller owns (an Airflow task's Spark Connect session, a test's); raises
    DataQualityError when a critical expectation fails, having committed nothing."""
    from config.settings import get_settings
    from ge_expectations.batch_layer_suite import preload

    # Great Expectations takes seconds to import: let it load while the transform runs.
    preload()
    args = parse_args(argv)
    hour = LogicalHour.parse(args.logical_date)
    summary = run_silver(spark, get_settings(), hour, full_refresh=args.full_refresh, min_row_share=args.min_row_share)
    for report in summary.get("validations", []):
        log.info("Data Docs of %s: %s", report["suite"], report["docs"])
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    from ge_expectations.batch_layer_suite import DataQualityError

    return run_as_program(JOB, parse_args, run, argv, failures=(DataQualityError,))


if __name__ == "__main__":
    sys.exit(main())
