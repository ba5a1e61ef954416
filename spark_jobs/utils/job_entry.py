"""How a job runs: on a session its caller owns, or as a program with a session of its own.

Every job module has ``run(spark, argv)``, the job itself on a session it is given (an Airflow task's Spark
Connect session, a test's local one), which raises when the job fails, and ``main(argv)``, the program
``python -m <module> --logical-date ...``: it builds the session the settings and the launcher say (``local[*]``,
spark-submit's master, or ``SPARK_REMOTE``), runs ``run`` on it and turns the job's known failures into exit
code 1 with the reason in the log.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from master_dataset.partitioning import LogicalHour
from spark_jobs.utils.logging_utils import configure_logging

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)

JobRun = Callable[["SparkSession", Sequence[str]], Any]


def run_as_program(
    job: str,
    parse_args: Callable[[Sequence[str]], argparse.Namespace],
    run: JobRun,
    argv: Sequence[str] | None = None,
    *,
    failures: tuple[type[Exception], ...] = (),
    report: Callable[[Any], None] | None = None,
) -> int:
    """Runs ``run`` on a session of its own; 0 when it succeeds, 1 when it raises one of ``failures``."""
    from config.settings import get_settings
    from spark_jobs.utils.spark_session import build_spark_session

    argv = list(sys.argv[1:] if argv is None else argv)
    hour = LogicalHour.parse(parse_args(argv).logical_date)
    configure_logging(job, hour.batch_run_id)
    spark = build_spark_session(get_settings(), f"{job}_{hour.batch_run_id}")
    try:
        result = run(spark, argv)
    except failures as failure:
        log.error("%s of %s failed: %s", job, hour.batch_run_id, failure)
        return 1
    finally:
        spark.stop()
    if report is not None:
        report(result)
    return 0
