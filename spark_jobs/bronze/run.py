"""Bronze job: extract one logical hour from TMDB, stage it on the lake, then store it in the Bronze Delta tables.

    python -m spark_jobs.bronze.run --logical-date 2025-11-09T12:00:00+00:00 --step all

Steps (the ingestion DAG runs each as a task, ``store`` and ``update-metadata`` as one; ``--step`` repeated runs
several in one session, ``all`` every step in order):

- ``extract-movies``: API health, list pages (or discover pages in a backfill), details of new or stale movies.
- ``extract-reviews``: further review pages of the movies whose details this run staged.
- ``extract-people``: the top-billed cast of those movies, when new or stale.
- ``validate``: compare expected and fetched per endpoint (the run fails past ``TMDB_FAILURE_SHARE``) and run
  the bronze Great Expectations suite on the staged records; nothing is stored unless both pass.
- ``store``: write the hour into the Delta tables ``bronze/{movies,reviews,people}``, one commit each that
  replaces exactly this hour (``replaceWhere`` on year/month/day/hour), so a retried store leaves no duplicate.
- ``update-metadata``: write the run record (``metadata/ingestion_runs``), record the stage in MongoDB
  ``batch_runs`` (the transform waits for it) and remove the staging area.

Bronze is immutable: once an hour's run record says it succeeded, a later run of the same hour skips every step
and changes nothing. ``--reingest`` is the explicit way to fetch a stored hour again and replace it (the pipeline
DAG's ``reingest`` parameter passes it, and then rebuilds Silver and that hour's Gold).

The driver runs the threaded TMDB client; everything it keeps goes to ``staging/batch_run_id=.../<dataset>``
on the lake (never a worker's local disk), with a JSON summary per step under ``_steps/``.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from config.settings import Settings, get_settings
from master_dataset import ingestion, schema
from master_dataset.ingestion import BronzeRecord, ExtractionFailed, RunPlan, StepResult
from master_dataset.partitioning import LogicalHour
from master_dataset.tmdb_client import TMDBClient, TMDBError
from spark_jobs.bronze import transforms
from spark_jobs.utils import tables
from spark_jobs.utils.job_entry import run_as_program
from spark_jobs.utils.lake import BRONZE_DATASETS, LakeFiles, open_lake

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)

STEPS = ("extract-movies", "extract-reviews", "extract-people", "validate", "store", "update-metadata")


class BronzeJob:
    """The steps of one logical hour, sharing the session, the settings and the lake paths."""

    def __init__(self, spark: SparkSession, settings: Settings, hour: LogicalHour, *, reingest: bool = False) -> None:
        self.spark = spark
        self.settings = settings
        self.hour = hour
        self.reingest = reingest
        self.paths = open_lake(settings.lake_root)
        self.fs = LakeFiles(self.paths.root)
        tables.commits_as(spark, hour.batch_run_id)

    @property
    def batch_run_id(self) -> str:
        return self.hour.batch_run_id

    def client(self) -> TMDBClient:
        return TMDBClient.from_settings(self.settings)

    # ---- steps -----------------------------------------------------------------------------------------------

    def stored_record(self) -> dict[str, Any] | None:
        """The run record of this hour when its bronze is stored and complete (the hour is then immutable)."""
        record = ingestion.read_run_record(self.fs, self.paths, self.batch_run_id)
        return record if record and record.get("status") == "succeeded" else None

    def run(self, step: str) -> dict[str, Any]:
        if not self.reingest and (record := self.stored_record()) is not None:
            if step == "update-metadata":
                return self._confirm_stored(record)
            log.info(
                "%s: bronze of this hour is stored already; %s skipped (--reingest replaces it)",
                self.batch_run_id,
                step,
            )
            return {"skipped": "hour already stored", "batch_run_id": self.batch_run_id}
        finishing = {"validate": self.validate, "store": self.store, "update-metadata": self.update_metadata}
        if step in finishing:
            return finishing[step]()
        try:
            result = {
                "extract-movies": self.extract_movies,
                "extract-reviews": self.extract_reviews,
                "extract-people": self.extract_people,
            }[step]()
        except TMDBError as exc:
            # A fatal API error (bad key, API down) still leaves a run record saying what happened.
            self._record_failure(step, str(exc))
            raise
        self._stage(result)
        return result.summary()

    def extract_movies(self) -> StepResult:
        s = self.settings
        with self.client() as client:
            server_time = ingestion.check_api_health(client)
            plan = ingestion.plan_run(self.hour, server_time, s.batch_interval_hours)
            log.info("%s run of %s (API clock %s)", plan.mode, self.hour.iso, server_time.isoformat())
            known = self._latest_fetches("movies", schema.MOVIE_DETAILS)
            return ingestion.extract_movies(
                client,
                plan,
                pages=s.tmdb_pages,
                known_details=known,
                details_max_age_hours=s.tmdb_details_max_age_hours,
                progress_interval=s.tmdb_progress_interval_seconds,
            )

    def extract_reviews(self) -> StepResult:
        self._plan()  # fails clearly when extract-movies has not staged this hour yet
        movies = self._staged("movies")
        pages: dict[int, int] = {}
        if movies is not None:
            rows = movies.transform(transforms.review_page_counts).collect()
            pages = {int(row.movie_id): int(row.total_pages) for row in rows}
        with self.client() as client:
            return ingestion.extract_reviews(
                client,
                pages,
                cap=self.settings.tmdb_review_pages_cap,
                progress_interval=self.settings.tmdb_progress_interval_seconds,
            )

    def extract_people(self) -> StepResult:
        plan = self._plan()
        movies = self._staged("movies")
        cast: list[int] = []
        if movies is not None and self.settings.tmdb_top_cast > 0:
            rows = movies.transform(transforms.top_billed_cast, self.settings.tmdb_top_cast).collect()
            cast = [int(row.person_id) for row in rows]
        known = self._latest_fetches("people", schema.PERSON) if cast else {}
        with self.client() as client:
            return ingestion.extract_people(
                client,
                cast,
                known_people=known,
                now=plan.server_time,
                max_age_hours=self.settings.tmdb_people_max_age_hours,
                progress_interval=self.settings.tmdb_progress_interval_seconds,
            )

    def validate(self) -> dict[str, Any]:
        """Expected against fetched per endpoint, then the bronze expectations on the staged records."""
        summaries = self._step_summaries()
        try:
            validation = ingestion.validate_extraction(summaries, self.settings.tmdb_failure_share)
        except ExtractionFailed as exc:
            self._write_record(summaries, exc.report, status="failed", error=str(exc))
            raise
        validation["expectations"] = self._run_bronze_suite()
        if not validation["expectations"]["success"]:
            error = f"bronze expectations failed: {validation['expectations']['critical_failures']}"
            self._write_record(summaries, validation, status="failed", error=error)
            raise ExtractionFailed(error, validation)
        self.fs.write_text(self._summary_path("validate"), json.dumps(validation, default=str))
        return validation

    def store(self) -> dict[str, Any]:
        """Publishes the staged records as this hour's bronze partitions, once `validate` passed."""
        validation = self._validation()
        summaries = self._step_summaries()
        staged_rows = {dataset: rows for summary in summaries for dataset, rows in summary["rows"].items()}
        bronze_rows = {dataset: self._publish(dataset, staged_rows.get(dataset, 0)) for dataset in BRONZE_DATASETS}
        stored = {"bronze_rows": bronze_rows, "passed_validation": validation.get("failure_share")}
        self.fs.write_text(self._summary_path("store"), json.dumps(stored))
        return stored

    def update_metadata(self) -> dict[str, Any]:
        """Writes the run record, records the stage's success for the transform, removes the staging area."""
        from batch_views.serving import MongoTarget, connect, record_stage

        summaries = self._step_summaries()
        stored_path = self._summary_path("store")
        if not self.fs.exists(stored_path):
            raise RuntimeError(f"{self.batch_run_id}: nothing stored yet; run the store step first")
        stored = json.loads(self.fs.read_text(stored_path))
        record = self._write_record(
            summaries, self._validation(), status="succeeded", bronze_rows=stored["bronze_rows"]
        )
        target = MongoTarget.from_settings(self.settings)
        with connect(target) as client:
            record_stage(client[target.database], self.batch_run_id, "ingestion", "success", _stage_summary(record))
        self.fs.delete(self.paths.staging(self.batch_run_id))
        return record

    def _confirm_stored(self, record: dict[str, Any]) -> dict[str, Any]:
        """A re-run of a stored hour records the stage's success again and changes nothing on the lake."""
        from batch_views.serving import MongoTarget, connect, record_stage

        target = MongoTarget.from_settings(self.settings)
        with connect(target) as client:
            record_stage(client[target.database], self.batch_run_id, "ingestion", "success", _stage_summary(record))
        return {**record, "run_record": ingestion.run_record_path(self.paths, self.batch_run_id)}

    def _validation(self) -> dict[str, Any]:
        path = self._summary_path("validate")
        if not self.fs.exists(path):
            raise RuntimeError(f"{self.batch_run_id}: the extraction is not validated; run the validate step first")
        return json.loads(self.fs.read_text(path))

    def _run_bronze_suite(self) -> dict[str, Any]:
        """The bronze Great Expectations suite over every staged record of this hour."""
        from ge_expectations.batch_layer_suite import bronze_suite, validate

        frames = [frame for dataset in BRONZE_DATASETS if (frame := self._staged(dataset)) is not None]
        if not frames:
            return {"success": True, "evaluated": 0, "failed": 0, "critical_failures": []}
        staged = frames[0]
        for frame in frames[1:]:
            staged = staged.unionByName(frame)
        report = validate(
            staged,
            "bronze",
            bronze_suite(),
            batch_run_id=self.batch_run_id,
            quality_path=self.paths.quality("bronze", self.batch_run_id),
            lake_files=self.fs,
            dataset="bronze",
        )
        return {**report.summary(), "success": report.publishable}

    # ---- lake I/O ----------------------------------------------------------------------------------------------

    def _latest_fetches(self, dataset: str, endpoint: str) -> dict[int, datetime]:
        """When each id's ``endpoint`` response was last stored in bronze, in the hours before this one."""
        bronze = tables.read(self.spark, self.paths.bronze(dataset), schema.BRONZE_SCHEMA)
        rows = bronze.transform(transforms.latest_fetches, endpoint, self.hour).collect()
        return {int(row.movie_id): datetime.fromtimestamp(row.last_fetched, UTC) for row in rows}

    def _staging_path(self, dataset: str) -> str:
        return self.paths.staging(self.batch_run_id, dataset)

    def _summary_path(self, step: str) -> str:
        return f"{self.paths.staging(self.batch_run_id)}/_steps/{step}.json"

    def _staged(self, dataset: str) -> DataFrame | None:
        path = self._staging_path(dataset)
        if not self.fs.exists(path):
            return None
        return self.spark.read.schema(schema.BRONZE_RECORD_SCHEMA).parquet(path)

    def _stage(self, result: StepResult) -> None:
        """Overwrites this step's staged datasets and summary, so a retried step replaces what it staged."""
        for dataset, records in result.records.items():
            ordered = sorted(records, key=BronzeRecord.sort_key)
            frame = self.spark.createDataFrame(_arrow_table(ordered, self.batch_run_id), schema.BRONZE_RECORD_SCHEMA)
            frame.coalesce(1).write.mode("overwrite").parquet(self._staging_path(dataset))
            log.info("staged %d %s records at %s", len(ordered), dataset, self._staging_path(dataset))
        self.fs.write_text(self._summary_path(result.step), json.dumps(result.summary(), default=str))

    def _step_summaries(self) -> list[dict[str, Any]]:
        summaries = []
        for step in ingestion.STEPS:
            path = self._summary_path(step)
            if self.fs.exists(path):
                summaries.append(json.loads(self.fs.read_text(path)))
        return summaries

    def _plan(self) -> RunPlan:
        for summary in self._step_summaries():
            if "plan" in summary:
                return RunPlan.from_dict(summary["plan"])
        raise RuntimeError(f"{self.batch_run_id}: nothing staged by extract-movies; run that step first")

    def _publish(self, dataset: str, rows: int) -> int:
        """Writes the staged rows of ``dataset`` (``rows`` of them, as its step counted) as this hour, in one commit
        that replaces whatever an earlier attempt of the hour wrote."""
        staged = self._staged(dataset)
        if staged is None and rows:
            raise RuntimeError(f"{self.batch_run_id}: {dataset} extracted {rows} rows but none are staged")
        if staged is None:
            staged = self.spark.createDataFrame([], schema.BRONZE_RECORD_SCHEMA)
        tables.replace_where(
            staged.transform(transforms.with_partition_columns, self.hour).coalesce(1),
            self.paths.bronze(dataset),
            tables.predicate(self.hour.partition),
            schema.TABLE_PARTITION_COLUMNS,
        )
        log.info("bronze/%s: %d rows for %s", dataset, rows, self.batch_run_id)
        return rows

    def _write_record(
        self,
        summaries: list[dict[str, Any]],
        validation: dict[str, Any],
        *,
        status: str,
        bronze_rows: dict[str, int] | None = None,
        error: str | None = None,
    ) -> dict[str, Any]:
        record = ingestion.build_run_record(
            self.hour,
            summaries,
            validation,
            status=status,  # type: ignore[arg-type]
            base_url=self.settings.tmdb_effective_base_url,
            bronze_rows=bronze_rows,
            error=error,
        )
        record["run_record"] = ingestion.update_metadata(self.fs, self.paths, record)
        return record

    def _record_failure(self, step: str, error: str) -> None:
        summaries = self._step_summaries()
        self._write_record(summaries, {}, status="failed", error=f"{step}: {error}")


def _stage_summary(record: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "mode",
        "requests",
        "rate_limited",
        "retries",
        "failed",
        "failure_share",
        "bronze_rows",
        "expectations",
        "duration_seconds",
    )
    return {key: record[key] for key in keys if key in record}


def _arrow_table(records: Sequence[BronzeRecord], batch_run_id: str) -> pa.Table:
    """Records as an Arrow table: Spark takes it in columnar batches instead of pickling one task per row set."""
    import pyarrow as pa
    from pyspark.sql.pandas.types import to_arrow_schema

    arrow_schema = to_arrow_schema(schema.BRONZE_RECORD_SCHEMA)
    columns = list(zip(*(record.as_row(batch_run_id) for record in records), strict=True)) or [
        () for _ in arrow_schema.names
    ]
    return pa.Table.from_arrays(
        [pa.array(column, type=arrow_schema.field(i).type) for i, column in enumerate(columns)],
        schema=arrow_schema,
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m spark_jobs.bronze.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--logical-date", required=True, help="Airflow's data_interval_end (ISO-8601) or a batch_run_id"
    )
    parser.add_argument(
        "--reingest",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="fetch and replace an hour whose bronze is stored already (otherwise a stored hour is kept as it is)",
    )
    parser.add_argument(
        "--step",
        action="append",
        choices=(*STEPS, "all"),
        help="the step to run; repeat it to run several in one session, in the order given (default: all)",
    )
    return parser.parse_args(argv)


def run(spark: SparkSession, argv: Sequence[str], settings: Settings | None = None) -> dict[str, Any]:
    """Runs the chosen step(s) for one logical hour on a session its caller owns (an Airflow task's Spark
    Connect session, a test's); returns each step's summary (the run record for update-metadata)."""
    args = parse_args(argv)
    steps = STEPS if not args.step or "all" in args.step else tuple(args.step)
    if "validate" in steps:
        from ge_expectations.batch_layer_suite import preload

        preload()  # overlaps Great Expectations' import with the extraction
    job = BronzeJob(spark, settings or get_settings(), LogicalHour.parse(args.logical_date), reingest=args.reingest)
    return {step: job.run(step) for step in steps}


def main(argv: Sequence[str] | None = None) -> int:
    return run_as_program(
        "bronze", parse_args, run, argv, failures=(TMDBError, ExtractionFailed), report=_print_summary
    )


def _print_summary(results: dict[str, Any]) -> None:
    record = results.get("update-metadata")
    if record is None:
        for step, summary in results.items():
            if "client" in summary:
                client = summary["client"]
                print(
                    f"{step}: {summary['rows']} rows, {client['requests']} requests, {len(summary['failures'])} failed"
                )
            else:
                print(f"{step}: {json.dumps(summary, default=str)[:500]}")
        return
    print(f"{record['batch_run_id']} ({record['mode']}): {record['status']} in {record['duration_seconds']:.1f} s")
    print(
        f"  requests {record['requests']}, 429s {record['rate_limited']}, retries {record['retries']}, "
        f"failed {record['failed']} ({record['failure_share']:.2%})"
    )
    for endpoint, tally in record["endpoints"].items():
        counts = f"expected {tally['expected']:>5}  fetched {tally['fetched']:>5}  failed {tally['failed']:>3}"
        print(f"  {endpoint:<22} {counts}")
    print(f"  bronze rows {record['bronze_rows']}")
    print(f"  run record {record['run_record']}")


if __name__ == "__main__":
    sys.exit(main())
