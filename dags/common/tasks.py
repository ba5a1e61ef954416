"""Python callables of the DAGs' non-Spark tasks. Heavy imports happen inside them, at run time only."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)


def check_api_health(logical_hour: str) -> dict[str, Any]:
    """Fails the run early, with a clear reason, when TMDB (or the simulator) cannot serve it; says whether
    the hour runs as a regular observation or as a backfill (see master_dataset/README.md)."""
    from config.settings import get_settings
    from master_dataset.ingestion import check_api_health as check
    from master_dataset.ingestion import plan_run
    from master_dataset.partitioning import LogicalHour
    from master_dataset.tmdb_client import TMDBClient

    settings = get_settings()
    hour = LogicalHour.parse(logical_hour)
    with TMDBClient.from_settings(settings) as client:
        server_time = check(client)
    plan = plan_run(hour, server_time, settings.batch_interval_hours)
    log.info("TMDB at %s answers; %s is a %s run", settings.tmdb_effective_base_url, hour.batch_run_id, plan.mode)
    return {"batch_run_id": hour.batch_run_id, "api_time": server_time.isoformat(), "mode": plan.mode}


def stage_succeeded(stage: str, logical_hour: str) -> bool:
    """True once `stage` has recorded success for this logical hour in `moviedb.batch_runs`."""
    from batch_views.serving import stage_status
    from config.settings import get_settings
    from master_dataset.partitioning import LogicalHour

    hour = LogicalHour.parse(logical_hour)
    status = stage_status(get_settings(), hour.batch_run_id, stage)
    log.info("stage %s of %s: %s", stage, hour.batch_run_id, status or "not recorded yet")
    return status == "success"


def update_serving_indexes() -> list[str]:
    """Creates the serving collection's indexes (idempotent) and returns their names."""
    from batch_views.serving import MongoTarget, connect
    from batch_views.serving import update_serving_indexes as create
    from config.settings import get_settings

    target = MongoTarget.from_settings(get_settings())
    with connect(target) as client:
        return create(client[target.database])
