"""Silver job: bronze/{movies,reviews} -> silver/{movies,reviews,movie_observations}.

    python -m spark_jobs.silver.run --logical-date 2025-10-17T14:00:00+00:00 [--full-refresh]

Extract the bronze partitions the run has to merge and the current Silver state (see
:mod:`spark_jobs.silver.state`); transform them (parse, quarantine, fold into the movie and review state, score
sentiment, build the run's observations); stage and validate the result with the Great Expectations suites;
publish it (see :mod:`spark_jobs.silver.publish`); then record the merged partitions and a run summary under
``metadata/silver_runs/``.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from master_dataset.partitioning import LogicalHour
from spark_jobs.silver import movies, observations, parse, publish, reviews, schemas, state
from spark_jobs.silver.genres import genre_map
from spark_jobs.utils.job_process import exit_now
from spark_jobs.utils.lake import LakeFS, LakePaths, open_lake
from spark_jobs.utils.logging_utils import JobMetrics, configure_logging

if TYPE_CHECKING:
    from config.settings import Settings
    from ge_expectations.batch_layer_suite import ValidationReport

log = logging.getLogger(__name__)

JOB = "silver"
# Silver must keep at least this share of the distinct movies bronze brought (the rest is quarantined).
MIN_ROW_SHARE = 0.9
SILVER_DATASETS = {
    "movies": (schemas.SILVER_MOVIES, schemas.MOVIES_PARTITIONS),
    "reviews": (schemas.SILVER_REVIEWS, schemas.REVIEWS_PARTITIONS),
    "movie_observations": (schemas.MOVIE_OBSERVATIONS, schemas.OBSERVATIONS_PARTITIONS),
}
KEYS = {"movies": "movie_id", "reviews": "review_id"}


@dataclass(frozen=True)
class SilverInputs:
    bronze_movies: DataFrame
    bronze_reviews: DataFrame
    movies: DataFrame  # the current state of silver/movies (empty on a full refresh)
    reviews: DataFrame  # the current state of silver/reviews (empty on a full refresh)


@dataclass(frozen=True)
class SilverOutputs:
    movies: DataFrame  # the complete new silver/movies
    reviews: DataFrame  # the complete new silver/reviews
    observations: DataFrame  # this run's rows only
    quarantine: dict[str, DataFrame]
    parsed_movies: DataFrame
    parsed_pages: DataFrame
    review_records: DataFrame  # every review this bronze brought, with or without an id
    touched_movies: DataFrame  # movie_id of every movie this run may have changed


# ---------------------------------------------------------------------------------------------- extract


def read_dataset(spark: SparkSession, lake: LakeFS, path: str, schema: StructType) -> DataFrame:
    """A Parquet dataset read with its contract's schema; empty when it does not exist yet."""
    if not lake.exists(path):
        return schemas.empty(spark, schema)
    return spark.read.schema(schema).parquet(path)


def read_bronze(spark: SparkSession, paths: LakePaths, dataset: str, partitions: Sequence[str]) -> DataFrame:
    """The given partitions of a bronze dataset, typed as the contract says, with ``bronze_partition``."""
    if partitions:
        frame = spark.read.schema(schemas.BRONZE).option("basePath", paths.bronze(dataset)).parquet(*partitions)
    else:
        frame = schemas.empty(spark, schemas.BRONZE)
    return schemas.conform(frame, schemas.BRONZE).transform(parse.with_bronze_partition, dataset)


def extract(spark: SparkSession, paths: LakePaths, lake: LakeFS, plan: state.SilverPlan) -> SilverInputs:
    """Only the bronze partitions the plan names are read; the current state only on an incremental run."""

    def current(dataset: str) -> DataFrame:
        schema = SILVER_DATASETS[dataset][0]
        if plan.mode == "incremental":
            return read_dataset(spark, lake, state.state_dataset(paths, dataset), schema)
        return schemas.empty(spark, schema)

    return SilverInputs(
        bronze_movies=read_bronze(spark, paths, "movies", plan.paths("movies")),
        bronze_reviews=read_bronze(spark, paths, "reviews", plan.paths("reviews")),
        movies=current("movies"),
        reviews=current("reviews"),
    )


# ---------------------------------------------------------------------------------------------- transform


def transform(spark: SparkSession, inputs: SilverInputs) -> SilverOutputs:
    """The whole Silver fold: pure DataFrame work, nothing is read or written here.

    Only the movies and reviews this bronze touches are folded again; the rest of the state passes through,
    read from its files by each output that needs it. Parsed bronze and the touched reviews and movies are each
    used by several outputs, so they are checkpointed (locally, when first computed): every bronze body is parsed
    once and every new review scored once, and on an incremental run they hold about one hour of rows, not the
    whole state. A checkpoint also cuts the plans of everything built on it: the server plans each later query
    over a few checkpoints instead of the whole fold again, which took most of an hour's Silver run when these
    frames were cached instead. The session's end releases them.
    """
    parsed_movies = parse.parse_bronze_movies(inputs.bronze_movies).localCheckpoint(eager=False)
    parsed_pages = parse.parse_review_pages(inputs.bronze_reviews).localCheckpoint(eager=False)

    listed = movies.listed_entries(parse.list_entries(parsed_movies), genre_map(spark))
    details = parse.details_records(parsed_movies)
    review_records = parse.review_records(parsed_movies, parsed_pages)

    new_reviews = reviews.latest_reviews(parse.reviews_with_id(review_records))
    touched_reviews = reviews.merge_touched(new_reviews, inputs.reviews).localCheckpoint(eager=False)
    all_reviews = touched_reviews.unionByName(reviews.untouched(new_reviews, inputs.reviews))

    candidates = movies.bronze_candidates(listed, details)
    touched = candidates.select("movie_id").unionByName(new_reviews.select("movie_id")).distinct()
    refolded = movies.refold_touched(
        candidates, inputs.movies, touched, reviews.review_stats(all_reviews)
    ).localCheckpoint(eager=False)
    silver_movies = refolded.unionByName(movies.untouched(inputs.movies, touched))

    return SilverOutputs(
        movies=silver_movies,
        reviews=reviews.finalize_reviews(all_reviews, silver_movies),
        observations=observations.run_observations(listed, details),
        quarantine={
            "silver_movies": parse.quarantined(parsed_movies),
            "silver_reviews": parse.quarantined(parsed_pages).unionByName(parse.reviews_without_id(review_records)),
        },
        parsed_movies=parsed_movies,
        parsed_pages=parsed_pages,
        review_records=review_records,
        touched_movies=touched,
    )


# ---------------------------------------------------------------------------------------------- validate


def minimum_rows(counts: dict[str, int], share: float) -> dict[str, int]:
    """The least row count each staged dataset must have.

    A share of the distinct movies (and movie-runs) bronze brought; and on an incremental run never fewer
    movies or reviews than Silver had, since a merge never removes a row.
    """

    def at_least(count: int) -> int:
        return math.ceil(share * count)

    return {
        "movies": max(at_least(counts["bronze_distinct_movies"]), counts["silver_movies_before"]),
        "reviews": max(at_least(counts["new_reviews"]), counts["silver_reviews_before"]),
        "movie_observations": at_least(counts["bronze_distinct_movie_runs"]),
    }


def validate_staged(
    spark: SparkSession, paths: LakePaths, lake: LakeFS, batch_run_id: str, min_rows: dict[str, int]
) -> list[ValidationReport]:
    """Runs each dataset's suite on what was staged: the complete new movies and reviews, and the
    movie_observations partitions the run rewrites. Publishing then copies from exactly these files."""
    from ge_expectations import batch_layer_suite as suites

    reports = []
    for dataset, (schema, _) in SILVER_DATASETS.items():
        suite_name = f"silver_{dataset}"
        reports.append(
            suites.validate(
                spark.read.schema(schema).parquet(staged(paths, batch_run_id, dataset)),
                suite_name,
                suites.silver_suite(dataset, schema.fieldNames(), min_rows[dataset]),
                batch_run_id=batch_run_id,
                quality_path=paths.quality(suite_name, batch_run_id),
                lake_fs=lake,
                dataset=paths.silver(dataset),
                # A few files: scanning only the columns a metric needs beats caching cast and crew arrays.
                cache=False,
            )
        )
    return reports


# ---------------------------------------------------------------------------------------------- load


def staged(paths: LakePaths, batch_run_id: str, dataset: str) -> str:
    """Where a run stages a dataset for validation: movies and reviews whole, observations' rewritten dates."""
    return paths.staging(batch_run_id, f"silver_{dataset}_validated")


def write_quarantine(lake: LakeFS, paths: LakePaths, batch_run_id: str, name: str, rows: DataFrame, count: int) -> None:
    """Writes this run's ``count`` quarantined records, replacing what a previous attempt of the run wrote."""
    path = paths.quarantine(name, batch_run_id)
    lake.delete(path)
    if count:
        rows.coalesce(1).write.mode("overwrite").parquet(path)
        log.warning("%d record(s) quarantined in %s", count, path)


def count_rows(inputs: SilverInputs, outputs: SilverOutputs) -> dict[str, int]:
    """Rows in and quarantined, in a few aggregations over checkpointed frames (which they also fill).

    The rows out are counted once staged (see :func:`stage_outputs`), from the files' footers.
    """
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
    reviews_in = outputs.review_records.agg(
        F.count_distinct("review_id").alias("new_reviews"),
        F.count(F.when(F.col("review_id").isNull(), 1)).alias("reviews_without_id"),
    ).first()
    counts = {**movies_in.asDict(), **pages_in.asDict(), **reviews_in.asDict()}
    counts["quarantined_silver_reviews"] = counts.pop("quarantined_pages") + counts.pop("reviews_without_id")
    counts["silver_movies_before"] = inputs.movies.count()
    counts["silver_reviews_before"] = inputs.reviews.count()
    return counts


def stage_outputs(
    spark: SparkSession,
    paths: LakePaths,
    lake: LakeFS,
    plan: state.SilverPlan,
    batch_run_id: str,
    outputs: SilverOutputs,
) -> dict[str, int]:
    """Stages the new movies and reviews (whole, in a few files) and the observation dates the run adds rows
    to (all of them on a full refresh), with the rows of other runs in those dates carried over.

    Returns the rows staged: movies_out, reviews_out and the observations this run adds.
    """
    fresh = outputs.observations.localCheckpoint(eager=False)
    existing = read_dataset(spark, lake, paths.silver("movie_observations"), schemas.MOVIE_OBSERVATIONS)
    if plan.mode == "incremental":
        # The dates this run writes: a handful of partition values, not pipeline data.
        dates = [row.observed_date for row in fresh.select("observed_date").distinct().collect()]
        existing = existing.where(F.col("observed_date").isin(*dates))
    written = {}
    for dataset, frame in (("movies", outputs.movies), ("reviews", outputs.reviews)):
        path = staged(paths, batch_run_id, dataset)
        lake.delete(path)
        publish.write_state(frame, path)
        written[f"{dataset}_out"] = spark.read.schema(SILVER_DATASETS[dataset][0]).parquet(path).count()
    lake.delete(staged(paths, batch_run_id, "movie_observations"))
    publish.write_partitioned(
        observations.replace_runs(existing, fresh, plan.rebuilt_runs),
        staged(paths, batch_run_id, "movie_observations"),
        schemas.OBSERVATIONS_PARTITIONS,
    )
    return {**written, "observations_written": fresh.count()}


def publish_staged(
    spark: SparkSession,
    paths: LakePaths,
    lake: LakeFS,
    plan: state.SilverPlan,
    batch_run_id: str,
    inputs: SilverInputs,
    touched_movies: DataFrame,
) -> dict[str, int]:
    """Makes the validated datasets visible, then replaces the state; returns the folders rewritten per dataset."""
    rewritten: dict[str, int] = {}
    previous = {"movies": inputs.movies, "reviews": inputs.reviews}
    for dataset, key in KEYS.items():
        schema, partition_by = SILVER_DATASETS[dataset]
        validated = spark.read.schema(schema).parquet(staged(paths, batch_run_id, dataset))
        live = paths.silver(dataset)
        if plan.mode == "full" or not lake.exists(live):
            whole = paths.staging(batch_run_id, f"silver_{dataset}")
            publish.write_partitioned(validated, whole, partition_by)
            publish.swap_dataset(lake, whole, live, f"{whole}_replaced")
            rewritten[dataset] = validated.select(*partition_by).distinct().count()
            continue
        started = time.monotonic()
        if dataset == "movies":
            touched = publish.touched_partitions(previous[dataset], validated, key, touched_movies, partition_by)
        else:
            touched = publish.changed_partitions(previous[dataset], validated, key, partition_by)
        found = time.monotonic()
        rewritten[dataset] = len(touched)
        publish.rewrite_partitions(spark, lake, validated, live, touched, partition_by)
        log.info(
            "%s: %d folder(s) to rewrite found in %.1f s, rewritten in %.1f s",
            live,
            len(touched),
            found - started,
            time.monotonic() - found,
        )
    observations_staged = staged(paths, batch_run_id, "movie_observations")
    live = paths.silver("movie_observations")
    if plan.mode == "full":
        publish.swap_dataset(lake, observations_staged, live, f"{observations_staged}_replaced")
    else:
        publish.swap_partitions(lake, observations_staged, live, f"{observations_staged}_replaced")
    # The state goes last: until it is replaced, a re-run recomputes and republishes the same rows.
    for dataset in state.STATE_DATASETS:
        target = state.state_dataset(paths, dataset)
        publish.swap_dataset(lake, staged(paths, batch_run_id, dataset), target, f"{target}_replaced")
    state.write_merged(lake, paths, plan.merged_after, batch_run_id)
    lake.delete(paths.staging(batch_run_id))
    return rewritten


def write_summary(lake: LakeFS, paths: LakePaths, batch_run_id: str, summary: dict[str, Any]) -> str:
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

    Raises DataQualityError, after writing the summary and the Data Docs, when a critical expectation failed.
    """
    batch_run_id = hour.batch_run_id
    paths = open_lake(settings.lake_root)
    lake = LakeFS(spark)
    metrics = JobMetrics(JOB, batch_run_id, log)

    with metrics.stage("plan"):
        plan = state.plan_run(spark, lake, paths, hour, full_refresh=full_refresh)
    log.info("%s run: %s; %d bronze partition(s) to read", plan.mode, plan.reason, len(plan.to_read))
    summary: dict[str, Any] = {
        "job": JOB,
        "batch_run_id": batch_run_id,
        "logical_hour": hour.iso,
        "mode": plan.mode,
        "reason": plan.reason,
        "bronze_partitions_read": [partition.key for partition in plan.to_read],
    }
    if plan.mode == "up_to_date":
        summary.update(status="up_to_date", **metrics.summary())
        summary["summary_path"] = write_summary(lake, paths, batch_run_id, summary)
        return summary

    inputs = extract(spark, paths, lake, plan)
    outputs = transform(spark, inputs)
    with metrics.stage("transform"):
        counts = count_rows(inputs, outputs)
    with metrics.stage("quarantine"):
        for name, rows in outputs.quarantine.items():
            write_quarantine(lake, paths, batch_run_id, name, rows, counts[f"quarantined_{name}"])
    with metrics.stage("stage"):
        counts.update(stage_outputs(spark, paths, lake, plan, batch_run_id, outputs))
    # The list entries and details of one movie in one run fold into one observation.
    counts["deduplicated_movie_records"] = counts["movie_records_parsed"] - counts["observations_written"]
    for name, value in counts.items():
        metrics.count(name, value)
    with metrics.stage("validate"):
        reports = validate_staged(spark, paths, lake, batch_run_id, minimum_rows(counts, min_row_share))
    summary["validations"] = [report.summary() for report in reports]
    failed = [report for report in reports if not report.publishable]
    if failed:
        lake.delete(paths.staging(batch_run_id))
        summary.update(status="failed_validation", **metrics.summary())
        summary["summary_path"] = write_summary(lake, paths, batch_run_id, summary)
        failed[0].raise_for_critical()
    with metrics.stage("publish"):
        rewritten = publish_staged(spark, paths, lake, plan, batch_run_id, inputs, outputs.touched_movies)
    for dataset, folders in rewritten.items():
        metrics.count(f"silver_{dataset}_folders_written", folders)
    summary.update(status="published", **metrics.summary())
    summary["summary_path"] = write_summary(lake, paths, batch_run_id, summary)
    log.info("silver %s run published in %.1f s: %s", plan.mode, summary["duration_seconds"], summary["stages"])
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


def main(argv: Sequence[str] | None = None) -> int:
    from config.settings import get_settings
    from ge_expectations.batch_layer_suite import DataQualityError, preload
    from spark_jobs.utils.spark_session import build_spark_session

    # Great Expectations takes ~10 s to import: let it load while the JVM starts and the transform runs.
    preload()
    args = parse_args(argv)
    hour = LogicalHour.parse(args.logical_date)
    configure_logging(JOB, hour.batch_run_id)
    settings = get_settings()
    spark = build_spark_session(settings, f"{JOB}_{hour.batch_run_id}")
    try:
        summary = run_silver(spark, settings, hour, full_refresh=args.full_refresh, min_row_share=args.min_row_share)
    except DataQualityError as error:
        log.error("nothing published: %s", error)
        return 1
    finally:
        spark.stop()
    for report in summary.get("validations", []):
        log.info("Data Docs of %s: %s", report["suite"], report["docs"])
    return 0


if __name__ == "__main__":
    exit_now(main())
