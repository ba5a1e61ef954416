"""Callbacks of the batch layer's DAGs."""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("batch_layer.failures")


def failure_summary(context: dict[str, Any]) -> str:
    """One paragraph: which task of which DAG failed, for which logical hour, on which try, and why."""
    task_instance = context.get("task_instance") or context.get("ti")
    dag_run = context.get("dag_run")
    conf = getattr(dag_run, "conf", None) or {}
    logical_hour = conf.get("logical_hour") or context.get("data_interval_end") or context.get("logical_date")
    error = context.get("exception")
    error_text = f"{type(error).__name__}: {error}" if error else "no exception recorded"
    return (
        f"Batch layer task {getattr(task_instance, 'task_id', '?')} of DAG {getattr(task_instance, 'dag_id', '?')} "
        f"failed for logical hour {logical_hour} (run {getattr(dag_run, 'run_id', '?')}, "
        f"try {getattr(task_instance, 'try_number', '?')}): {error_text}. "
        "Its log is in the Airflow UI; fix the cause and clear the task to re-run the same hour, which replaces "
        "exactly that hour's partitions and documents."
    )


def log_failure_summary(context: dict[str, Any]) -> None:
    log.error("%s", failure_summary(context))
