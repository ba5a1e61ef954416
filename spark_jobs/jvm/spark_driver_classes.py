"""Loads the classes a Spark driver uses for the pipeline's jobs, so that ``-XX:ArchiveClassesAtExit`` archives
them.

    python spark_jobs/jvm/spark_driver_classes.py build/jvm/spark-driver.jsa

Run by scripts/build_jvm.sh. Starts a classic local session with the settings' configuration (the lake jar on
its classpath, as every job of a file:// lake has), generates a day of synthetic Bronze with the Silver
benchmark's generator, and runs a Silver full refresh on it (joins, windows, aggregations, JSON parsing, a pandas
UDF, partitioned Parquet writes, the Great Expectations suites) in a temporary lake: about a minute. When the JVM
exits it writes the archive: the classes of Spark SQL, Parquet, Arrow and Hadoop that a job's driver (and the
Spark Connect server) would otherwise read and verify from Spark's jars as it starts and runs its first queries.
Adding the incremental path and Gold to the training made no measurable difference to an incremental hour.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import sys
import tempfile
from pathlib import Path
from types import ModuleType

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))

from config.settings import load_settings  # noqa: E402
from master_dataset.partitioning import LogicalHour  # noqa: E402
from spark_jobs.utils.lake import LakePaths  # noqa: E402
from spark_jobs.utils.spark_session import build_spark_session, spark_conf  # noqa: E402

log = logging.getLogger("spark_driver_classes")

LAST_HOUR = LogicalHour.parse("2025-11-09T08:00:00+00:00")
HISTORY = argparse.Namespace(days=1, runs_per_day=6, list_size=120, movies=300)


def synthetic_bronze() -> ModuleType:
    """scripts/bench_silver.py (a script, not a package module), whose generator writes synthetic Bronze."""
    spec = importlib.util.spec_from_file_location("bench_silver", PROJECT_ROOT / "scripts" / "bench_silver.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive", type=Path, help="where the JVM writes the archive when it exits")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")

    from spark_jobs.silver.run import run_silver

    with tempfile.TemporaryDirectory(prefix="spark-driver-classes-") as folder:
        settings = load_settings(lake_root=Path(folder).as_uri())
        java_options = spark_conf(settings, "spark_driver_classes")["spark.driver.extraJavaOptions"].split()
        # The archive is written for the classpath and options the jobs start with, minus any earlier archive.
        java_options = [option for option in java_options if not option.startswith("-XX:SharedArchiveFile")]
        extra_conf = {
            "spark.driver.extraJavaOptions": " ".join([*java_options, f"-XX:ArchiveClassesAtExit={args.archive}"]),
            "spark.ui.enabled": "false",
        }
        spark = build_spark_session(settings, "spark_driver_classes", master="local[2]", extra_conf=extra_conf)
        generator = synthetic_bronze()
        paths = LakePaths(settings.lake_root)
        generator.write_bronze(spark, paths, HISTORY, LAST_HOUR, range(HISTORY.days * HISTORY.runs_per_day))
        run_silver(spark, settings, LAST_HOUR, full_refresh=True)
        spark.stop()
    # The JVM writes the archive as it exits, which it does when the gateway's stdin closes.
    from pyspark import SparkContext

    gateway_process = SparkContext._gateway.proc
    gateway_process.stdin.close()
    code = gateway_process.wait()
    if code or not args.archive.exists():
        log.error("the JVM exited with %s and wrote no archive at %s", code, args.archive)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
