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
import functools
import io
import json
import logging
import math
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from pyspark.sql import functions as F

from config.settings import Settings, get_settings
from master_dataset import catalogue, ingestion, schema
from master_dataset.ingestion import BronzeRecord, ExtractionFailed, RunPlan, StepResult
from master_dataset.partitioning import LogicalHour
from master_dataset.tmdb_client import TMDBClient, TMDBError
from spark_jobs.bronze import transforms
from spark_jobs.utils import tables
from spark_jobs.utils.job_entry import run_as_program
from spark_jobs.utils.lake import BRONZE_CATALOGUE, BRONZE_DATASETS, LakeFiles, open_lake

if TYPE_CHECKING:
    import pyarrow as pa
    from pyspark.sql import DataFrame, SparkSession

log = logging.getLogger(__name__)

STEPS = ("extract-movies", "extract-reviews", "extract-people", "validate", "store", "update-metadata")
# The catalogue mode's staging: the day's export file, the details answers (one Parquet file per progress
# interval), and what the download found (its summary under _steps/).
CATALOGUE_DETAILS = "catalogue_details"
EXPORT_FACTS = "catalogue-export"
DETAILS_PER_FILE = 50_000
# Movie ids handed to the extraction per query of the list of details to fetch.
ID_CHUNK = 10_000


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
            result = StepResult("extract-movies")
            if s.tmdb_catalogue == "full":
                # The catalogue first: it is the long part, and the lists then find its movies staged.
                self._extract_catalogue(client, plan, result)
                known: Any = functools.partial(self._last_fetched, fetched_now=plan.server_time)
            else:
                known = self._latest_fetches("movies", schema.MOVIE_DETAILS)
            return ingestion.extract_movies(
                client,
                plan,
                pages=s.tmdb_pages,
                known_details=known,
                details_max_age_hours=s.tmdb_details_max_age_hours,
                progress_interval=s.tmdb_progress_interval_seconds,
                result=result,
            )

    def _extract_catalogue(self, client: TMDBClient, plan: RunPlan, result: StepResult) -> None:
        """The catalogue mode's part of extract-movies (see master_dataset/catalogue.py): stage the day's export,
        read the change feed, fetch the details of new and changed movies; resumes what an earlier attempt of
        this step staged."""
        export = catalogue.plan_export(plan, self._stored_exports())
        if export is None:
            reason = "export stored already" if plan.mode == "live" else "a backfill loads no export"
            result.info["catalogue"] = {"loaded": False, "reason": reason}
            return
        facts = self._stage_export(client, export)
        window = export.change_window
        include_adult = self.settings.tmdb_catalogue_include_adult
        changed = catalogue.read_changes(client, window, result, include_adult=include_adult) if window else set()
        staged_before = self._staged_details_count()
        todo = self._details_to_fetch(facts["path"], changed).localCheckpoint()
        total = todo.count()
        log.info(
            "catalogue %s: details of %d movies to fetch (%d changed since %s), %d staged by an earlier attempt",
            export.file_name,
            total,
            len(changed),
            export.previous_export,
            staged_before,
        )
        catalogue.fetch_details(
            client,
            _ids_in_chunks(todo),
            total=total,
            stage=self._stage_details,
            report=self._write_progress,
            result=result,
            progress_interval=self.settings.tmdb_progress_interval_seconds,
        )
        result.info["catalogue"] = {
            **export.to_dict(),
            "loaded": True,
            "entries": facts["entries"],
            "received_at": facts["received_at"],
            "changed": len(changed),
            "details_to_fetch": total,
            "details_staged_before": staged_before,
            "details_staged": self._staged_details_count(),
        }

    def extract_reviews(self) -> StepResult:
        self._plan()  # fails clearly when extract-movies has not staged this hour yet
        movies = self._listed_details()
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
        movies = self._listed_details()
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
        if (facts := self._export_facts()) is not None:
            bronze_rows[BRONZE_CATALOGUE] = self._publish_export(facts)
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
        from ge_expectations.batch_layer_suite import bronze_audit_frame, bronze_suite, validate

        frames = [frame for dataset in BRONZE_DATASETS if (frame := self._staged(dataset)) is not None]
        if (facts := self._export_facts()) is not None:
            frames.append(self._catalogue_rows(facts).drop("export_date"))
        if not frames:
            return {"success": True, "evaluated": 0, "failed": 0, "critical_failures": []}
        staged = frames[0]
        for frame in frames[1:]:
            staged = staged.unionByName(frame)
        report = validate(
            bronze_audit_frame(staged),
            "bronze",
            bronze_suite(),
            batch_run_id=self.batch_run_id,
            quality_path=self.paths.quality("bronze", self.batch_run_id),
            lake_files=self.fs,
            dataset="bronze",
        )
        return {**report.summary(), "success": report.publishable}

    # ---- lake I/O ----------------------------------------------------------------------------------------------

    def _latest_fetches(self, dataset: str, endpoint: str, only: DataFrame | None = None) -> dict[int, datetime]:
        """When each id's ``endpoint`` response was last stored in bronze, in the hours before this one; for the
        ids of ``only`` (a ``movie_id`` column) when given."""
        bronze = tables.read(self.spark, self.paths.bronze(dataset), schema.BRONZE_SCHEMA)
        if only is not None:
            bronze = bronze.join(only, "movie_id", "left_semi")
        rows = bronze.transform(transforms.latest_fetches, endpoint, self.hour).collect()
        return {int(row.movie_id): datetime.fromtimestamp(row.last_fetched, UTC) for row in rows}

    def _stored_exports(self) -> list[date]:
        """The days whose export bronze/catalogue holds (a few dozen partition values, not the catalogue)."""
        stored = tables.read(self.spark, self.paths.bronze(BRONZE_CATALOGUE), schema.CATALOGUE_SCHEMA)
        return [row.export_date for row in stored.select("export_date").distinct().collect()]

    def _export_facts(self) -> dict[str, Any] | None:
        path = self._summary_path(EXPORT_FACTS)
        return json.loads(self.fs.read_text(path)) if self.fs.exists(path) else None

    def _stage_export(self, client: TMDBClient, export: catalogue.ExportPlan) -> dict[str, Any]:
        """Downloads the export (checked whole) and copies it to the staging area, unless an earlier attempt did."""
        facts = self._export_facts()
        if facts is not None and facts["export_date"] == export.export_date.isoformat():
            log.info("daily export %s staged by an earlier attempt: %s", export.file_name, facts["path"])
            return facts
        with tempfile.TemporaryDirectory(prefix="tmdb-export-") as folder:
            download = client.download_export(export.export_date, folder)
            target = f"{self._staging_path('catalogue_export')}/{download.file_name}"
            self.fs.upload(download.path, target)
        facts = {
            "export_date": export.export_date.isoformat(),
            "file_name": download.file_name,
            "url": download.url,
            "entries": download.entries,
            "size_bytes": download.size_bytes,
            "received_at": download.received_at.isoformat(),
            "attempts": download.attempts,
            "path": target,
        }
        self.fs.write_text(self._summary_path(EXPORT_FACTS), json.dumps(facts))
        return facts

    def _export_entries(self, path: str) -> DataFrame:
        """The staged export's entries, the adult ones left out unless TMDB_CATALOGUE_INCLUDE_ADULT."""
        entries = self.spark.read.text(path).transform(transforms.export_entries)
        return entries if self.settings.tmdb_catalogue_include_adult else entries.where(~F.col("adult"))

    def _staged_details(self) -> DataFrame | None:
        return self._read_staging(CATALOGUE_DETAILS)

    def _staged_details_count(self) -> int:
        staged = self._staged_details()
        return staged.count() if staged is not None else 0

    def _details_to_fetch(self, export_path: str, changed: set[int]) -> DataFrame:
        """``movie_id`` of the export's movies bronze has no details of, and of the changed ones, less those
        staged already; ascending. Computed by Spark: only the ids to fetch reach this process, as it fetches."""
        fetched = (
            tables.read(self.spark, self.paths.bronze("movies"), schema.BRONZE_SCHEMA)
            .where(F.col("api_endpoint") == schema.MOVIE_DETAILS)
            .select("movie_id")
        )
        wanted = self._export_entries(export_path).select("movie_id").join(fetched, "movie_id", "left_anti")
        if changed:
            wanted = wanted.unionByName(self.spark.createDataFrame([(i,) for i in sorted(changed)], "movie_id int"))
        staged = self._staged_details()
        if staged is not None:
            wanted = wanted.join(staged.select("movie_id"), "movie_id", "left_anti")
        return wanted.distinct().orderBy("movie_id")

    def _last_fetched(self, movie_ids: set[int], *, fetched_now: datetime) -> dict[int, datetime]:
        """When the details of each listed movie were last fetched: from bronze, or now when staged by this run."""
        if not movie_ids:
            return {}
        listed = self.spark.createDataFrame([(i,) for i in sorted(movie_ids)], "movie_id int")
        fetched = self._latest_fetches("movies", schema.MOVIE_DETAILS, only=listed)
        staged = self._staged_details()
        if staged is not None:
            for row in staged.join(listed, "movie_id", "left_semi").select("movie_id").distinct().collect():
                fetched[int(row.movie_id)] = fetched_now
        return fetched

    def _stage_details(self, records: list[BronzeRecord]) -> None:
        """One Parquet file of details answers in the staging area, written whole or not at all."""
        import pyarrow.parquet as pq

        buffer = io.BytesIO()
        pq.write_table(_arrow_table(sorted(records, key=BronzeRecord.sort_key), self.batch_run_id), buffer)
        path = f"{self._staging_path(CATALOGUE_DETAILS)}/part-{time.time_ns()}.parquet"
        self.fs.write_atomic(path, buffer.getvalue())

    def _write_progress(self, progress: dict[str, Any]) -> None:
        self.fs.write_text(self._summary_path("extract-movies.progress"), json.dumps(progress))

    def _catalogue_rows(self, facts: dict[str, Any]) -> DataFrame:
        return self._export_entries(facts["path"]).transform(
            transforms.catalogue_rows,
            received_at=datetime.fromisoformat(facts["received_at"]),
            batch_run_id=self.batch_run_id,
            export_date=date.fromisoformat(facts["export_date"]),
        )

    def _staging_path(self, dataset: str) -> str:
        return self.paths.staging(self.batch_run_id, dataset)

    def _summary_path(self, step: str) -> str:
        return f"{self.paths.staging(self.batch_run_id)}/_steps/{step}.json"

    def _staged(self, dataset: str) -> DataFrame | None:
        """The records staged for ``dataset``; for movies also the catalogue's details."""
        staged = self._read_staging(dataset)
        details = self._staged_details() if dataset == "movies" else None
        if staged is None or details is None:
            return staged if details is None else details
        return staged.unionByName(details)

    def _read_staging(self, name: str) -> DataFrame | None:
        """The records staged under ``name`` in this run's staging area; None when there are none."""
        path = self._staging_path(name)
        return self.spark.read.schema(schema.BRONZE_RECORD_SCHEMA).parquet(path) if self.fs.exists(path) else None

    def _listed_details(self) -> DataFrame | None:
        """The staged movie records whose further review pages and cast a run fetches: in ``lists`` mode all of
        them; in ``full`` mode those of the movies the lists name, wherever their details were staged (a catalogue
        movie keeps the first review page its details carry: a million more requests would buy little)."""
        movies = self._staged("movies")
        if movies is None or self.settings.tmdb_catalogue == "lists":
            return movies
        listed = movies.where(F.col("source_list").isNotNull()).select("movie_id").distinct()
        return movies.join(listed, "movie_id", "left_semi")

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
        if dataset == "movies" and (details := self._staged_details_count()):
            # A catalogue load: files of about DETAILS_PER_FILE answers each instead of one file of them all.
            rows += details
            staged = staged.repartition(math.ceil(details / DETAILS_PER_FILE))
        else:
            staged = staged.coalesce(1)
        tables.replace_where(
            staged.transform(transforms.with_partition_columns, self.hour),
            self.paths.bronze(dataset),
            tables.predicate(self.hour.partition),
            schema.TABLE_PARTITION_COLUMNS,
        )
        log.info("bronze/%s: %d rows for %s", dataset, rows, self.batch_run_id)
        return rows

    def _publish_export(self, facts: dict[str, Any]) -> int:
        """Writes the staged export as its day's partition of bronze/catalogue (replacing an earlier attempt's)."""
        rows = self._catalogue_rows(facts).localCheckpoint()
        tables.replace_where(
            rows,
            self.paths.bronze(BRONZE_CATALOGUE),
            tables.predicate({"export_date": facts["export_date"]}),
            schema.CATALOGUE_PARTITION_COLUMNS,
        )
        count = rows.count()
        log.info("bronze/catalogue: %d movies of %s for %s", count, facts["file_name"], self.batch_run_id)
        return count

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


def _ids_in_chunks(ids: DataFrame, chunk: int = ID_CHUNK) -> Iterator[int]:
    """The ``movie_id`` values of ``ids`` in ascending order, fetched ``chunk`` at a time by key: a first load of
    hours never holds a result stream open, nor more than one chunk of ids in this process."""
    last = -1
    while rows := ids.where(F.col("movie_id") > last).orderBy("movie_id").limit(chunk).collect():
        yield from (int(row.movie_id) for row in rows)
        last = int(rows[-1].movie_id)


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
