"""Great Expectations suites of the batch layer, defined in code, and the runner a job validates with.

Write, audit, publish: a job writes its output somewhere invisible, validates it with :func:`validate`, and
publishes only when no *critical* expectation failed. Each expectation says whether it is critical in its
``meta``; failed warnings are recorded in the result and its Data Docs page but block nothing.

Each validation leaves, under ``quality/<suite>/batch_run_id=<id>/``, ``validation_result.json`` (GX's result
plus the run's verdict) and ``index.html``, Great Expectations' own Data Docs page of the result (built by
:mod:`ge_expectations.data_docs`, with the suite's page and the files they link to beside it).

One function per suite returns its expectations: ``bronze_suite``, ``silver_movies_suite``,
``silver_reviews_suite``, ``silver_observations_suite``, and ``gold_suite`` for every Gold view (from the view's
registry entry). Great Expectations is imported only inside them and inside the runner: the import alone takes
about ten seconds.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ge_expectations.data_docs import describe, publish

if TYPE_CHECKING:
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.data_context import AbstractDataContext
    from great_expectations.expectations import Expectation
    from pyspark.sql import DataFrame

    from batch_views.gold_view import GoldView
    from spark_jobs.utils.lake import LakeFiles

log = logging.getLogger(__name__)

RESULT_FILE = "validation_result.json"
DATA_SOURCE = "batch_layer"
# Result formats: counts and observed values, and the same with up to ten unexpected values per expectation.
COUNTS_ONLY = {"result_format": "SUMMARY", "partial_unexpected_count": 0}
WITH_EXAMPLES = {"result_format": "SUMMARY", "partial_unexpected_count": 10}

SENTIMENT_LABELS = ["positive", "neutral", "negative"]
QUALITY_FLAGS = ["OK", "WARNING", "ERROR"]
BRONZE_ENDPOINTS = [
    "/movie/popular",
    "/movie/top_rated",
    "/movie/now_playing",
    "/movie/upcoming",
    "/discover/movie",
    "/movie/{id}",
    "/movie/{id}/reviews",
    "/person/{id}",
    "/p/exports/movie_ids",
]


class DataQualityError(RuntimeError):
    """A critical expectation failed: the data must not be published."""


@dataclass(frozen=True)
class ValidationReport:
    suite_name: str
    success: bool  # every expectation passed, warnings included
    critical_failures: list[str]
    statistics: dict[str, Any]
    results_path: str
    docs_path: str
    warnings: list[str] = field(default_factory=list)

    @property
    def publishable(self) -> bool:
        return not self.critical_failures

    def raise_for_critical(self) -> None:
        if self.critical_failures:
            raise DataQualityError(
                f"{self.suite_name}: {len(self.critical_failures)} critical expectation(s) failed: "
                f"{'; '.join(self.critical_failures)}. Data Docs: {self.docs_path}"
            )

    def summary(self) -> dict[str, Any]:
        return {
            "suite": self.suite_name,
            "success": self.success,
            "evaluated": self.statistics.get("evaluated_expectations"),
            "passed": self.statistics.get("successful_expectations"),
            "failed": self.statistics.get("unsuccessful_expectations"),
            "critical_failures": self.critical_failures,
            "warnings": self.warnings,
            "docs": self.docs_path,
        }


def preload() -> None:
    """Starts importing Great Expectations in a background thread.

    The import takes about ten seconds; a job that calls this first overlaps it with its Spark work, and its
    later ``import`` simply waits for the thread's to finish.
    """
    threading.Thread(target=_gx, name="import-great-expectations", daemon=True).start()


def _gx() -> ModuleType:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx

    return gx


def critical(expectation: Expectation) -> Expectation:
    """Marks an expectation whose failure blocks publishing."""
    expectation.meta = {**(expectation.meta or {}), "critical": True}
    return expectation


def warning(expectation: Expectation) -> Expectation:
    """Marks an expectation whose failure is recorded but publishes anyway."""
    expectation.meta = {**(expectation.meta or {}), "critical": False}
    return expectation


_CONTEXT_LOCK = threading.Lock()


@functools.cache
def _context() -> AbstractDataContext:
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    # The runner decides about caching (and releases what it cached); GX's own persist is never released.
    context.data_sources.add_spark(DATA_SOURCE, persist=False)
    return context


def _batch_definition(context: AbstractDataContext, asset_name: str) -> BatchDefinition:
    source = context.data_sources.get(DATA_SOURCE)
    try:
        asset = source.get_asset(asset_name)
    except LookupError:
        asset = source.add_dataframe_asset(asset_name)
    try:
        return asset.get_batch_definition("whole")
    except KeyError:
        return asset.add_batch_definition_whole_dataframe("whole")


def validate(
    df: DataFrame,
    suite_name: str,
    expectations: Sequence[Expectation],
    *,
    batch_run_id: str,
    quality_path: str,
    lake_files: LakeFiles,
    dataset: str = "",
    cache: bool = True,
) -> ValidationReport:
    """Validates ``df`` with the expectations, writes the result and its Data Docs page under ``quality_path``.

    GX scans the frame once per metric, so by default it is cached for the validation and released after.
    Examples of unexpected values cost GX one more query per expectation, so a suite runs first with counts
    and observed values only, and again with examples when something failed: the result and the page of a
    failure show them.
    ``cache=False`` suits a frame read from a few Parquet files with heavy columns no expectation looks at:
    each scan then reads only the columns it needs.

    An expectation is critical unless its ``meta`` says ``critical: False`` (see :func:`warning`). The caller
    decides what a failure means, usually with :meth:`ValidationReport.raise_for_critical`.
    """
    gx = _gx()
    frame = df.persist() if cache else df
    try:
        # One context serves the whole process, and GX's stores and Spark execution engine keep per-batch state:
        # validations from several threads (Gold validates each view as it is built) take turns.
        with _CONTEXT_LOCK:
            context = _context()
            suite = context.suites.add_or_update(gx.ExpectationSuite(name=suite_name, expectations=list(expectations)))
            batch = _batch_definition(context, suite_name).get_batch(batch_parameters={"dataframe": frame})
            result = batch.validate(suite, result_format=COUNTS_ONLY)
            if not result.success:
                result = batch.validate(suite, result_format=WITH_EXAMPLES)
            batch_id = batch.id
    finally:
        if cache:
            frame.unpersist()

    critical_failures: list[str] = []
    warnings: list[str] = []
    for item in result.results:
        if item.success:
            continue
        config = item.expectation_config
        kwargs = {key: value for key, value in config.kwargs.items() if key != "batch_id"}
        text = describe(config.type, kwargs)
        (critical_failures if (config.meta or {}).get("critical", True) else warnings).append(text)

    validated_at = datetime.now(UTC)
    record = {
        "suite_name": suite_name,
        "dataset": dataset,
        "batch_run_id": batch_run_id,
        "validated_at": validated_at.isoformat(timespec="seconds"),
        "success": bool(result.success),
        "publishable": not critical_failures,
        "critical_failures": critical_failures,
        "warnings": warnings,
        "result": result.to_json_dict(),
    }
    results_path = f"{quality_path}/{RESULT_FILE}"
    lake_files.write_text(results_path, json.dumps(record, indent=2, default=str))
    with _CONTEXT_LOCK:
        docs_path = publish(
            context,
            result,
            batch_id=batch_id,
            batch_run_id=batch_run_id,
            run_time=validated_at,
            quality_path=quality_path,
            lake_files=lake_files,
        )
    report = ValidationReport(
        suite_name=suite_name,
        success=bool(result.success),
        critical_failures=critical_failures,
        statistics=dict(result.statistics),
        results_path=results_path,
        docs_path=docs_path,
        warnings=warnings,
    )
    log.info(
        "suite %s: %s of %s expectations passed, %d critical failure(s), %d warning(s); Data Docs %s",
        suite_name,
        report.statistics.get("successful_expectations"),
        report.statistics.get("evaluated_expectations"),
        len(critical_failures),
        len(warnings),
        docs_path,
    )
    return report


# ---------------------------------------------------------------------------------------------- suites


def bronze_suite() -> list[Expectation]:
    """A bronze dataset (movies, reviews or people) as stored by the ingestion."""
    e = _gx().expectations
    return [
        critical(e.ExpectColumnValuesToNotBeNull(column="movie_id")),
        critical(e.ExpectColumnValuesToNotBeNull(column="raw_json")),
        critical(e.ExpectColumnValuesToNotBeNull(column="extraction_timestamp")),
        critical(e.ExpectColumnValuesToNotBeNull(column="batch_run_id")),
        critical(e.ExpectColumnValuesToBeInSet(column="api_endpoint", value_set=BRONZE_ENDPOINTS)),
        warning(e.ExpectColumnValuesToBeBetween(column="list_rank", min_value=1, max_value=10_000)),
    ]


def silver_movies_suite(columns: Sequence[str], min_rows: int) -> list[Expectation]:
    """silver/movies: ``columns`` is the contract's column list, ``min_rows`` the least acceptable row count."""
    e = _gx().expectations
    from great_expectations.expectations.row_conditions import Column

    not_error = Column("quality_flag") != "ERROR"
    return [
        critical(e.ExpectTableColumnsToMatchOrderedList(column_list=list(columns))),
        critical(e.ExpectTableRowCountToBeBetween(min_value=min_rows)),
        critical(e.ExpectColumnValuesToNotBeNull(column="movie_id")),
        critical(e.ExpectColumnValuesToBeUnique(column="movie_id")),
        critical(e.ExpectColumnValuesToNotBeNull(column="quality_flag")),
        critical(e.ExpectColumnValuesToBeInSet(column="quality_flag", value_set=QUALITY_FLAGS)),
        # A value out of range is TMDB's, kept and flagged ERROR by the quality rules; any other row in range.
        critical(
            e.ExpectColumnValuesToBeBetween(column="vote_average", min_value=0, max_value=10, row_condition=not_error)
        ),
        critical(e.ExpectColumnValuesToBeBetween(column="sentiment_score", min_value=-1, max_value=1)),
        critical(e.ExpectColumnValuesToBeInSet(column="sentiment_label", value_set=SENTIMENT_LABELS)),
        critical(e.ExpectColumnValuesToNotBeNull(column="last_observed_at")),
        critical(e.ExpectColumnValuesToNotBeNull(column="genre")),
        warning(e.ExpectColumnValuesToNotBeInSet(column="quality_flag", value_set=["ERROR"], mostly=0.95)),
        warning(e.ExpectColumnValuesToNotBeNull(column="details_fetched_at", mostly=0.5)),
        warning(e.ExpectColumnValuesToBeBetween(column="popularity", min_value=0)),
        warning(e.ExpectColumnValuesToBeBetween(column="runtime", min_value=1, max_value=1000)),
    ]


def silver_reviews_suite(columns: Sequence[str], min_rows: int) -> list[Expectation]:
    """silver/reviews."""
    e = _gx().expectations
    return [
        critical(e.ExpectTableColumnsToMatchOrderedList(column_list=list(columns))),
        critical(e.ExpectTableRowCountToBeBetween(min_value=min_rows)),
        critical(e.ExpectColumnValuesToNotBeNull(column="review_id")),
        critical(e.ExpectColumnValuesToBeUnique(column="review_id")),
        critical(e.ExpectColumnValuesToNotBeNull(column="movie_id")),
        critical(e.ExpectColumnValuesToBeBetween(column="sentiment_score", min_value=-1, max_value=1)),
        critical(e.ExpectColumnValuesToBeInSet(column="sentiment_label", value_set=SENTIMENT_LABELS)),
        warning(e.ExpectColumnValuesToNotBeNull(column="sentiment_score", mostly=0.99)),
        warning(e.ExpectColumnValuesToBeBetween(column="rating", min_value=0, max_value=10)),
    ]


def silver_observations_suite(columns: Sequence[str], min_rows: int) -> list[Expectation]:
    """silver/movie_observations (the partitions a run rewrites)."""
    e = _gx().expectations
    return [
        critical(e.ExpectTableColumnsToMatchOrderedList(column_list=list(columns))),
        critical(e.ExpectTableRowCountToBeBetween(min_value=min_rows)),
        critical(e.ExpectColumnValuesToNotBeNull(column="movie_id")),
        critical(e.ExpectColumnValuesToNotBeNull(column="batch_run_id")),
        critical(e.ExpectColumnValuesToNotBeNull(column="observed_at")),
        critical(e.ExpectCompoundColumnsToBeUnique(column_list=["movie_id", "batch_run_id"])),
        warning(e.ExpectColumnValuesToBeBetween(column="vote_average", min_value=0, max_value=10)),
        warning(e.ExpectColumnValuesToBeBetween(column="popularity", min_value=0)),
        warning(e.ExpectColumnValuesToBeBetween(column="list_rank", min_value=1, max_value=10_000)),
    ]


def silver_suite(dataset: str, columns: Sequence[str], min_rows: int) -> list[Expectation]:
    """The suite of a Silver dataset (movies, reviews or movie_observations)."""
    suites = {
        "movies": silver_movies_suite,
        "reviews": silver_reviews_suite,
        "movie_observations": silver_observations_suite,
    }
    return suites[dataset](columns, min_rows)


# ---------------------------------------------------------------------------------------------- gold suites
# Each expectation costs at least one Spark job over the view: the gold suites check what can go wrong (keys,
# bounds, allowed values), not what holds by construction (batch_run_id and computed_at are literals).


def gold_suite(view: GoldView) -> list[Expectation]:
    """A Gold view's suite (``gold_<view>``): what every view promises, its contract's columns in order and its
    natural key present (``GoldView.key_never_null``) and unique, then the view's own ``expectations``."""
    e = _gx().expectations
    key = list(view.key)
    unique_key = (
        e.ExpectColumnValuesToBeUnique(column=key[0])
        if len(key) == 1
        else e.ExpectCompoundColumnsToBeUnique(column_list=key)
    )
    return [
        critical(e.ExpectTableColumnsToMatchOrderedList(column_list=view.columns)),
        *(critical(e.ExpectColumnValuesToNotBeNull(column=column)) for column in view.key_never_null),
        critical(unique_key),
        *(
            (critical if check.critical else warning)(getattr(e, check.expectation)(**check.kwargs))
            for check in view.expectations
        ),
    ]
