"""``python -m spark_jobs.lake_cli COMMAND``: the lake's layers and tables, their history and time travel.

    ls                                  layers and datasets: each Delta table's version, last run, files, size;
                                        the runs of the plain folders (quality/, metadata/, staging/)
    tables                              the Delta tables alone (make hdfs-ls prints it after hdfs dfs -ls -R)
    create-dirs                         the layer folders
    quality-docs [--runs N]             where the Data Docs pages of each quality suite are
    history TABLE [--limit N]           DESCRIBE HISTORY: version, time, operation, batch_run_id, rows, files
    show TABLE (--as-of-run RUN | --version N) [--limit N] [--where SQL]
                                        the table as of a version, or as of the last commit of a run
    diff VIEW RUN_A RUN_B [--sample N]  a Gold view's rows added, removed and changed from run A to run B

TABLE is ``layer/name``: ``silver/movies``, ``gold/trending_scores``, ``quarantine/silver_movies``.

Plain files go through :class:`LakeFiles` (no JVM); tables through one local Spark session, started only by the
commands that read tables. A local lake and HDFS alike.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import datetime
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Any

from batch_views.registry import GOLD_VIEWS as VIEW_DEFINITIONS
from config.settings import get_settings
from spark_jobs.utils import tables
from spark_jobs.utils.lake import LAYERS, LakeFiles, LakePaths, open_lake
from spark_jobs.utils.logging_utils import configure_logging

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# Columns that only say which run a Gold row belongs to: a diff of two runs does not compare them (nor a view's
# computed year/month partition, see RunDiff).
RUN_COLUMNS = ("batch_run_id", "computed_at", "computed_date")
CELL_WIDTH = 40


def table_path(paths: LakePaths, table: str) -> str:
    """The path of a table named ``layer/name``; ValueError for another layer or an unknown dataset."""
    layer, _, name = table.strip("/").partition("/")
    if layer not in tables.TABLE_LAYERS or not name or "/" in name:
        raise ValueError(f"a table is layer/name with a layer of {tables.TABLE_LAYERS}, got {table!r}")
    if layer == "bronze":
        return paths.bronze(name)
    if layer == "silver":
        return paths.silver(name)
    if layer == "gold":
        if name not in VIEW_DEFINITIONS:
            raise ValueError(f"unknown gold view {name!r}; expected one of {sorted(VIEW_DEFINITIONS)}")
        return paths.gold(name)
    return paths.quarantine(name)


def cell(value: Any) -> str:
    """A value as one table cell: timestamps to the second, long values cut."""
    if value is None:
        return "-"
    text = value.isoformat(sep=" ", timespec="seconds") if isinstance(value, datetime) else str(value)
    return text if len(text) <= CELL_WIDTH else text[: CELL_WIDTH - 3] + "..."


def render(columns: list[str], rows: list[tuple[Any, ...]]) -> list[str]:
    """Rows as an aligned text table under a header."""
    cells = [[cell(value) for value in row] for row in rows]
    widths = [max([len(column)] + [len(row[i]) for row in cells]) for i, column in enumerate(columns)]
    lines = ["  ".join(column.ljust(width) for column, width in zip(columns, widths, strict=True)).rstrip()]
    lines.extend("  ".join(c.ljust(width) for c, width in zip(row, widths, strict=True)).rstrip() for row in cells)
    return lines


# ---------------------------------------------------------------------------------------------- layers


def create_dirs(files: LakeFiles, paths: LakePaths) -> list[str]:
    created = []
    for layer in LAYERS:
        if not files.exists(paths.layer(layer)):
            files.mkdirs(paths.layer(layer))
            created.append(paths.layer(layer))
    return created


def size_text(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1e3:.1f} kB"


def table_summary(spark: SparkSession, path: str) -> str:
    """A Delta table in one line: latest version, the run of its last commit, files and size."""
    commit, detail = tables.last_commit(spark, path), tables.detail(spark, path)
    partitioned = ", ".join(detail["partitionColumns"] or []) or "none"
    return (
        f"Delta v{commit['version']} by {commit['userMetadata'] or '-'} ({commit['operation']}, "
        f"{cell(commit['timestamp'])}), {detail['numFiles']} files, {size_text(detail['sizeInBytes'])}, "
        f"partitioned by {partitioned}"
    )


def table_lines(spark: SparkSession, files: LakeFiles, paths: LakePaths) -> list[str]:
    """Every Delta table of the lake in one line each (what make hdfs-ls prints after the folders)."""
    found = tables.find(files, paths)
    if not found:
        return [f"no Delta tables under {paths.root} yet"]
    return [f"Delta tables under {paths.root} (latest version, run of the last commit, files, size):"] + [
        f"  {table}  {table_summary(spark, path)}" for table, path in found
    ]


def _runs(files: LakeFiles, path: str) -> list[str]:
    return [child.name for child in files.list(path) if child.is_dir and child.name.startswith("batch_run_id=")]


def listing(spark: SparkSession, files: LakeFiles, paths: LakePaths, max_runs: int) -> list[str]:
    """One line per dataset: a table's version, last run, files and size; a plain folder's runs and size."""
    found = dict(tables.find(files, paths))
    lines = [f"lake: {paths.root}"]
    for layer in LAYERS:
        layer_path = paths.layer(layer)
        if not files.exists(layer_path):
            lines.append(f"{layer}/  (missing: make hdfs-create-dirs)")
            continue
        children = [child for child in files.list(layer_path) if child.is_dir]
        runs = [child.name for child in children if child.name.startswith("batch_run_id=")]
        datasets = [child for child in children if not child.name.startswith("batch_run_id=")]
        lines.append(f"{layer}/  ({len(datasets)} datasets{f', {len(runs)} runs' if runs else ''})")
        lines.extend(f"    {run}" for run in runs[-max_runs:])
        for dataset in datasets:
            table = f"{layer}/{dataset.name}"
            if table in found:
                lines.append(f"  {dataset.name}/  {table_summary(spark, found[table])}")
                continue
            dataset_runs = _runs(files, dataset.path)
            lines.append(f"  {dataset.name}/  {len(dataset_runs)} runs, {size_text(files.size(dataset.path))}")
            lines.extend(f"    {run}" for run in dataset_runs[-max_runs:])
    return lines


def quality_docs(files: LakeFiles, paths: LakePaths, runs: int, local_copies: Path) -> list[str]:
    """The Data Docs pages of each suite's newest runs. A browser cannot open ``hdfs://``: a run's folder of an HDFS
    lake (the page, the suite's page and the files they link to) is copied to ``local_copies`` and listed there."""
    root = paths.layer("quality")
    suites = [child for child in files.list(root) if child.is_dir]
    if not suites:
        return [f"no validation results under {root} yet: run the pipeline (make demo or make trigger-dag)"]
    lines = [f"Data Docs under {root} (open a page in a browser; newest runs last):"]
    for suite in suites:
        run_folders = [child for child in files.list(suite.path) if child.is_dir and "batch_run_id=" in child.name]
        lines.append(f"  {suite.name}  ({len(run_folders)} runs)")
        for run in run_folders[-runs:]:
            page = f"{run.path}/index.html"
            if not files.exists(page):
                continue
            if not page.startswith("file://"):
                folder = local_copies / suite.name / run.name
                _copy_folder(files, run.path, folder)
                page = (folder / "index.html").resolve().as_uri()
            lines.append(f"    {run.name.removeprefix('batch_run_id=')}  {page}")
    return lines


def _copy_folder(files: LakeFiles, path: str, local: Path) -> None:
    for child in files.list(path):
        if child.is_dir:
            _copy_folder(files, child.path, local / child.name)
        else:
            local.mkdir(parents=True, exist_ok=True)
            (local / child.name).write_bytes(files.read_bytes(child.path))


# ---------------------------------------------------------------------------------------------- time travel


def history_lines(spark: SparkSession, table: str, path: str, limit: int | None = 20) -> list[str]:
    """``DESCRIBE HISTORY``, newest first: version, time, operation, the run (userMetadata), rows and files."""
    commits = tables.history(spark, path, limit).collect()
    rows = [
        (
            commit.version,
            commit.timestamp,
            commit.operation,
            commit.userMetadata,
            (commit.operationMetrics or {}).get("numOutputRows"),
            (commit.operationMetrics or {}).get("numFiles"),
        )
        for commit in commits
    ]
    header = f"{table}: {len(rows)} commits, newest first" + (f" (at most {limit})" if limit else "")
    return [header, *render(["version", "timestamp", "operation", "batch_run_id", "numOutputRows", "numFiles"], rows)]


def resolve_version(spark: SparkSession, table: str, path: str, *, version: int | None, run: str | None) -> int:
    """The version to read: ``version``, or the last one ``run`` committed (LookupError when it never did)."""
    if run is None:
        if version is None:
            raise ValueError("give a version or a run")
        return version
    found = tables.version_of_run(spark, path, run)
    if found is None:
        raise LookupError(f"{run} never committed to {table} (make history TABLE={table} lists its runs)")
    return found


def show_lines(
    spark: SparkSession,
    table: str,
    path: str,
    *,
    version: int | None = None,
    run: str | None = None,
    where: str | None = None,
    limit: int = 20,
) -> list[str]:
    """The table as of ``version`` (or of ``run``'s last commit): its row count and its first ``limit`` rows."""
    version = resolve_version(spark, table, path, version=version, run=run)
    df = spark.read.format("delta").option("versionAsOf", version).load(path)
    if where:
        df = df.where(where)
    total = df.count()
    rows = [tuple(row) for row in df.limit(limit).collect()]
    header = (
        f"{table} as of version {version}{f' (the last commit of {run})' if run else ''}: {total} rows"
        f"{f' where {where}' if where else ''}{f', {len(rows)} shown' if total > len(rows) else ''}"
    )
    return [header, *render(df.columns, rows)]


@dataclass(frozen=True)
class RunDiff:
    """A Gold view's rows from run A to run B, matched on the view's key: added (only in B), removed (only in A),
    changed (a compared column differs) and unchanged; a few of each, by key."""

    view: str
    key: tuple[str, ...]
    compared: tuple[str, ...]
    versions: tuple[int | None, int | None]
    counts: dict[str, int]
    samples: dict[str, list[dict[str, Any]]]


def run_snapshot(spark: SparkSession, path: str, run: str) -> tuple[DataFrame, int | None]:
    """A run's partition of a Gold table as that run last committed it (still readable after retention deleted
    it, until VACUUM); the latest version when no commit names the run."""
    from pyspark.sql import functions as F

    version = tables.version_of_run(spark, path, run)
    reader = spark.read.format("delta")
    if version is not None:
        reader = reader.option("versionAsOf", version)
    return reader.load(path).where(F.col("batch_run_id") == run), version


def diff_runs(spark: SparkSession, paths: LakePaths, view: str, run_a: str, run_b: str, sample: int = 5) -> RunDiff:
    """Compares two runs' snapshots of a Gold view on its key. The columns that only name the run (and a view's
    computed year/month partition, when not part of its key) are not compared."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    definition = VIEW_DEFINITIONS[view]
    key = definition.key
    path = paths.gold(view)
    (a, version_a), (b, version_b) = run_snapshot(spark, path, run_a), run_snapshot(spark, path, run_b)
    skipped = {*RUN_COLUMNS, *(set(definition.layout_columns) - set(key))}
    compared = tuple(column for column in a.columns if column not in key and column not in skipped)

    def side(df: DataFrame, prefix: str) -> DataFrame:
        columns = [F.col(column).alias(f"{prefix}{column}") for column in (*key, *compared)]
        return df.select(*columns, F.lit(True).alias(f"{prefix}present"))

    on = [F.col(f"a_{column}").eqNullSafe(F.col(f"b_{column}")) for column in key]
    differs = [~F.col(f"a_{column}").eqNullSafe(F.col(f"b_{column}")) for column in compared]
    status = (
        F.when(F.col("a_present").isNull(), "added")
        .when(F.col("b_present").isNull(), "removed")
        .when(reduce(lambda left, right: left | right, differs, F.lit(False)), "changed")
        .otherwise("unchanged")
    )
    order = [F.coalesce(F.col(f"a_{column}"), F.col(f"b_{column}")) for column in key]
    joined = side(a, "a_").join(side(b, "b_"), reduce(lambda left, right: left & right, on), "full_outer")
    by_status = Window.partitionBy("status").orderBy(*order)
    rows = (
        joined.withColumn("status", status)
        .withColumn("n", F.count(F.lit(1)).over(Window.partitionBy("status")))
        .withColumn("rank", F.row_number().over(by_status))
        .where(F.col("rank") <= max(sample, 1))
        .collect()
    )
    counts = {"added": 0, "removed": 0, "changed": 0, "unchanged": 0}
    samples: dict[str, list[dict[str, Any]]] = {"added": [], "removed": [], "changed": []}
    for row in sorted(rows, key=lambda r: r["rank"]):
        counts[row["status"]] = int(row["n"])
        if row["status"] in samples and row["rank"] <= sample:
            samples[row["status"]].append(row.asDict(recursive=False))
    for run, rows_of_run in ((run_a, counts["removed"]), (run_b, counts["added"])):
        if not rows_of_run + counts["changed"] + counts["unchanged"]:
            raise LookupError(f"{run} has no rows in gold/{view} (make history TABLE=gold/{view} lists its runs)")
    return RunDiff(view, key, compared, (version_a, version_b), counts, samples)


def diff_lines(diff: RunDiff, run_a: str, run_b: str) -> list[str]:
    counts = diff.counts
    rows_a = counts["removed"] + counts["changed"] + counts["unchanged"]
    rows_b = counts["added"] + counts["changed"] + counts["unchanged"]
    lines = [
        f"gold/{diff.view} by ({', '.join(diff.key)}): {run_a} ({rows_a} rows, version {diff.versions[0]}) -> "
        f"{run_b} ({rows_b} rows, version {diff.versions[1]})",
        f"  added {counts['added']}, removed {counts['removed']}, changed {counts['changed']}, "
        f"unchanged {counts['unchanged']} (compared: {', '.join(diff.compared) or 'the key alone'})",
    ]
    for status in ("added", "removed", "changed"):
        if not diff.samples[status]:
            continue
        lines.append(f"{status} (first {len(diff.samples[status])} by key):")
        # An added row exists in run B only; the others are named by their row in run A.
        side = "b_" if status == "added" else "a_"
        for row in diff.samples[status]:
            ident = ", ".join(f"{column}={cell(row[side + column])}" for column in diff.key)
            if status == "changed":
                values = "; ".join(
                    f"{column}: {cell(row['a_' + column])} -> {cell(row['b_' + column])}"
                    for column in diff.compared
                    if row["a_" + column] != row["b_" + column]
                )
            else:
                values = ", ".join(f"{column}={cell(row[side + column])}" for column in diff.compared)
            lines.append(f"  {ident}  {values}")
    return lines


# ---------------------------------------------------------------------------------------------- command line


def parser() -> argparse.ArgumentParser:
    cli = argparse.ArgumentParser(
        prog="python -m spark_jobs.lake_cli",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = cli.add_subparsers(dest="command", required=True)
    ls = commands.add_parser("ls", help="layers, datasets, tables")
    ls.add_argument("--runs", type=int, default=3, help="newest runs shown per plain folder")
    commands.add_parser("tables", help="each Delta table's version, last run, files and size")
    commands.add_parser("create-dirs", help="the layer folders")
    docs = commands.add_parser("quality-docs", help="the Data Docs pages of each suite's newest runs")
    docs.add_argument("--runs", type=int, default=2, help="newest runs shown per quality suite")
    history = commands.add_parser("history", help="DESCRIBE HISTORY of a table")
    history.add_argument("table", help="layer/name, e.g. silver/movies")
    history.add_argument("--limit", type=int, default=20, help="newest commits shown (0: all)")
    show = commands.add_parser("show", help="a table as of a run or a version")
    show.add_argument("table", help="layer/name, e.g. gold/genre_analytics")
    as_of = show.add_mutually_exclusive_group(required=True)
    as_of.add_argument("--as-of-run", dest="run", help="the last version a run committed (batch_YYYY_MM_DD_HH)")
    as_of.add_argument("--version", type=int, help="a version of DESCRIBE HISTORY")
    show.add_argument("--limit", type=int, default=20, help="rows shown")
    show.add_argument("--where", help="a SQL condition on the rows, e.g. \"genre = 'Drama'\"")
    diff = commands.add_parser("diff", help="a Gold view's rows added, removed and changed between two runs")
    diff.add_argument("view", choices=sorted(VIEW_DEFINITIONS))
    diff.add_argument("run_a")
    diff.add_argument("run_b")
    diff.add_argument("--sample", type=int, default=5, help="rows shown of each kind")
    return cli


def run(options: argparse.Namespace, files: LakeFiles, paths: LakePaths, spark: SparkSession) -> list[str]:
    """The output lines of a command that reads tables."""
    if options.command == "ls":
        return listing(spark, files, paths, options.runs)
    if options.command == "tables":
        return table_lines(spark, files, paths)
    if options.command == "diff":
        return diff_lines(
            diff_runs(spark, paths, options.view, options.run_a, options.run_b, options.sample),
            options.run_a,
            options.run_b,
        )
    path = table_path(paths, options.table)
    if not tables.exists(spark, path):
        raise LookupError(f"no Delta table at {path}")
    if options.command == "history":
        return history_lines(spark, options.table, path, options.limit or None)
    return show_lines(
        spark, options.table, path, version=options.version, run=options.run, where=options.where, limit=options.limit
    )


def main(argv: list[str] | None = None) -> int:
    options = parser().parse_args(argv)
    configure_logging("lake_cli")
    settings = get_settings()
    paths = open_lake(settings.lake_root)
    files = LakeFiles(paths.root)
    if options.command == "create-dirs":
        created = create_dirs(files, paths)
        print(f"created {len(created)} layer folders under {paths.root}" + "".join(f"\n  {p}" for p in created))
        return 0
    if options.command == "quality-docs":
        print("\n".join(quality_docs(files, paths, options.runs, settings.data_dir / "quality-docs")))
        return 0

    from spark_jobs.utils.spark_session import build_spark_session

    spark = build_spark_session(settings, "lake_cli", master="local[1]", extra_conf={"spark.ui.enabled": "false"})
    try:
        lines = run(options, files, paths, spark)
    except (LookupError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        if "FILE_NOT_EXIST" not in str(error) and "FileNotFoundException" not in str(error):
            raise
        print(
            "error: the files of that version are gone: VACUUM deleted them (it keeps the files of the last "
            f"DELTA_VACUUM_RETENTION_HOURS={settings.delta_vacuum_retention_hours} hours of versions)",
            file=sys.stderr,
        )
        return 2
    finally:
        spark.stop()
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
