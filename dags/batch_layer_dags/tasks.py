"""The DAGs' tasks. A Spark task is a Spark Connect client: the job's Python runs in the task's own process on
the session the Spark provider's ``@task.pyspark`` builds from the `spark_connect_default` connection, and the
work runs on the server's executors. The jobs are imported when a task runs, never when a DAG file is parsed.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow.sdk import Asset, task

from batch_layer_dags.defaults import SPARK_CONNECTION

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunRequest:
    """What one DAG run processes: a logical hour, and whether its stored Bronze is replaced."""

    logical_hour: str
    reingest: bool

    @classmethod
    def of(cls, context: Mapping[str, Any]) -> RunRequest:
        """The hour a user or the pipeline passed (conf ``logical_hour``), else the hour of the asset event that
        triggered the run, else the run's data interval end (a scheduled or backfilled pipeline run)."""
        conf = context["dag_run"].conf or {}
        triggering = context.get("triggering_asset_events") or {}
        events = [event for asset in triggering for event in triggering[asset]]
        extra = events[-1].extra if events else {}
        hour = conf.get("logical_hour") or extra.get("logical_hour") or context["data_interval_end"].isoformat()
        reingest = bool(context["params"].get("reingest") or extra.get("reingest"))
        return cls(logical_hour=str(hour), reingest=reingest)

    def announce(self, context: Mapping[str, Any], assets: Sequence[Asset]) -> None:
        """Puts this request on the asset events the task emits, for the runs they trigger."""
        for asset in assets:
            context["outlet_events"][asset].extra = {"logical_hour": self.logical_hour, "reingest": self.reingest}


def spark_task(
    task_id: str,
    job: str,
    *args: str,
    reingest_flag: str | None = None,
    outlets: Sequence[Asset] = (),
    **task_kwargs: Any,
) -> Any:
    """The job module ``job`` (``run(spark, argv)``) for the run's hour, as a Spark Connect client task.

    ``reingest_flag`` names the job's flag (``--x``/``--no-x``) that follows the run's ``reingest`` request.
    """

    @task.pyspark(task_id=task_id, conn_id=SPARK_CONNECTION, outlets=list(outlets), **task_kwargs)
    def spark_job(spark: SparkSession, **context: Any) -> None:
        from spark_jobs.utils.logging_utils import quiet_libraries

        quiet_libraries()
        request = RunRequest.of(context)
        argv = ["--logical-date", request.logical_hour, *args]
        if reingest_flag:
            argv.append(f"--{'' if request.reingest else 'no-'}{reingest_flag}")
        log.info("%s %s", job, " ".join(argv))
        importlib.import_module(job).run(spark, argv)
        request.announce(context, outlets)

    return spark_job()


@task
def check_api_health(**context: Any) -> dict[str, Any]:
    """Fails the run early, with a clear reason, when TMDB (or the simulator) cannot serve it; says whether
    the hour runs as a regular observation or as a backfill (see master_dataset/README.md)."""
    from config.settings import get_settings
    from master_dataset.ingestion import check_api_health as check
    from master_dataset.ingestion import plan_run
    from master_dataset.partitioning import LogicalHour
    from master_dataset.tmdb_client import TMDBClient

    settings = get_settings()
    hour = LogicalHour.parse(RunRequest.of(context).logical_hour)
    with TMDBClient.from_settings(settings) as client:
        server_time = check(client)
    plan = plan_run(hour, server_time, settings.batch_interval_hours)
    log.info("TMDB at %s answers; %s is a %s run", settings.tmdb_effective_base_url, hour.batch_run_id, plan.mode)
    return {"batch_run_id": hour.batch_run_id, "api_time": server_time.isoformat(), "mode": plan.mode}


@task
def update_serving_indexes() -> list[str]:
    """Creates the serving collection's indexes (idempotent) and returns their names."""
    from batch_views.serving import MongoTarget, connect
    from batch_views.serving import update_serving_indexes as create
    from config.settings import get_settings

    target = MongoTarget.from_settings(get_settings())
    with connect(target) as client:
        return create(client[target.database])
