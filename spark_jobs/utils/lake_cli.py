"""``python -m spark_jobs.utils.lake_cli {ls,create-dirs,quality-docs}``: the lake's layers and partitions, and
where the Data Docs of each quality suite are.

Goes through Spark's Hadoop FileSystem API, so it lists a local lake and HDFS alike.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from config.settings import get_settings
from spark_jobs.utils.lake import LAYERS, LakeFS, LakePaths, open_lake
from spark_jobs.utils.logging_utils import configure_logging
from spark_jobs.utils.spark_session import build_spark_session


def create_dirs(lake: LakeFS, paths: LakePaths) -> list[str]:
    created = []
    for layer in LAYERS:
        if not lake.exists(paths.layer(layer)):
            lake.mkdirs(paths.layer(layer))
            created.append(paths.layer(layer))
    return created


def listing(lake: LakeFS, paths: LakePaths, max_partitions: int) -> list[str]:
    """One line per dataset: its partition count, size, and its newest partitions."""
    lines = [f"lake: {paths.root}"]
    for layer in LAYERS:
        layer_path = paths.layer(layer)
        if not lake.exists(layer_path):
            lines.append(f"{layer}/  (missing: make hdfs-create-dirs)")
            continue
        datasets = [child for child in lake.list(layer_path) if child.is_dir]
        lines.append(f"{layer}/  ({len(datasets)} datasets)")
        for dataset in datasets:
            partitions = list(lake.walk_partitions(dataset.path))
            size = sum(lake.size(path) for _, path in partitions) if partitions else lake.size(dataset.path)
            lines.append(f"  {dataset.name}/  {len(partitions)} partitions, {size / 1e6:.1f} MB")
            for values, _ in partitions[-max_partitions:]:
                lines.append("    " + "/".join(f"{key}={value}" for key, value in values.items()))
    return lines


def quality_docs(lake: LakeFS, paths: LakePaths, runs: int, local_copies: Path) -> list[str]:
    """The Data Docs pages of each suite's newest runs. A browser cannot open ``hdfs://``: pages of an HDFS lake
    are copied to ``local_copies`` (one self-contained HTML file each) and listed there."""
    root = paths.layer("quality")
    suites = [child for child in lake.list(root) if child.is_dir]
    if not suites:
        return [f"no validation results under {root} yet: run the pipeline (make demo or make trigger-dag)"]
    lines = [f"Data Docs under {root} (open a page in a browser; newest runs last):"]
    for suite in suites:
        run_folders = [child for child in lake.list(suite.path) if child.is_dir and "batch_run_id=" in child.name]
        lines.append(f"  {suite.name}  ({len(run_folders)} runs)")
        for run in run_folders[-runs:]:
            page = f"{run.path}/index.html"
            if not lake.exists(page):
                continue
            if not page.startswith("file://"):
                copy = local_copies / suite.name / run.name / "index.html"
                copy.parent.mkdir(parents=True, exist_ok=True)
                copy.write_text(lake.read_text(page))
                page = copy.resolve().as_uri()
            lines.append(f"    {run.name.removeprefix('batch_run_id=')}  {page}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["ls", "create-dirs", "quality-docs"])
    parser.add_argument("--partitions", type=int, default=6, help="newest partitions shown per dataset")
    parser.add_argument("--runs", type=int, default=2, help="newest runs shown per quality suite")
    options = parser.parse_args(argv)
    configure_logging("lake_cli")
    settings = get_settings()
    spark = build_spark_session(settings, "lake_cli", master="local[1]", extra_conf={"spark.ui.enabled": "false"})
    try:
        lake, paths = LakeFS(spark), open_lake(settings.lake_root)
        if options.command == "create-dirs":
            created = create_dirs(lake, paths)
            print(f"created {len(created)} layer folders under {paths.root}" + "".join(f"\n  {p}" for p in created))
        elif options.command == "quality-docs":
            print("\n".join(quality_docs(lake, paths, options.runs, settings.data_dir / "quality-docs")))
        else:
            print("\n".join(listing(lake, paths, options.partitions)))
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
