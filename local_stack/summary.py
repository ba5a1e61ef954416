"""The run summary `make demo` prints: per run and stage, duration, rows in and out, quarantined records and
expectations passed, then the documents served per view_type. Everything comes from `moviedb.batch_runs`,
where each stage records itself (`batch_views.serving.record_stage`) and the export copies the layers' records.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from batch_views.serving import BATCH_RUNS, BATCH_VIEWS, MongoTarget, connect
from config.settings import Settings
from master_dataset.partitioning import LogicalHour


def _seconds(value: Any) -> str:
    return f"{float(value):6.1f} s" if isinstance(value, int | float) else "     - "


def _counts(values: Mapping[str, Any] | None) -> str:
    return ", ".join(f"{key} {value}" for key, value in (values or {}).items()) or "-"


def _expectations(summary: Mapping[str, Any]) -> str:
    checks = summary.get("expectations") or {}
    if isinstance(checks, Mapping) and "passed" in checks:
        return f"expectations {checks.get('passed')}/{checks.get('evaluated')} passed"
    if isinstance(checks, Mapping) and checks:
        passed = sum(int(item.get("passed") or 0) for item in checks.values() if isinstance(item, Mapping))
        total = sum(int(item.get("evaluated") or 0) for item in checks.values() if isinstance(item, Mapping))
        return f"expectations {passed}/{total} passed"
    return "expectations -"


def run_lines(record: Mapping[str, Any]) -> list[str]:
    stages = record.get("stages") or {}
    layers = record.get("layers") or {}
    ingestion = (stages.get("ingestion") or {}).get("summary") or {}
    transform = (stages.get("transform") or {}).get("summary") or {}
    gold = (stages.get("aggregate") or {}).get("summary") or layers.get("gold") or {}
    lines = [f"{record['_id']}  {record.get('status', '?')}"]
    lines.append(
        f"  ingestion  {_seconds(ingestion.get('duration_seconds'))}  {ingestion.get('mode', '?')} run, "
        f"{ingestion.get('requests', '?')} requests (429s {ingestion.get('rate_limited', 0)}, "
        f"retries {ingestion.get('retries', 0)}, failed {ingestion.get('failed', 0)}); "
        f"bronze rows: {_counts(ingestion.get('bronze_rows'))}; {_expectations(ingestion)}"
    )
    lines.append(
        f"  silver     {_seconds(transform.get('duration_seconds'))}  rows in: {_counts(transform.get('rows_in'))}; "
        f"out: {_counts(transform.get('rows_out'))}; quarantined {transform.get('quarantined', 0)}; "
        f"{_expectations(transform)}"
    )
    lines.append(
        f"  gold       {_seconds(gold.get('duration_seconds'))}  rows: {_counts(gold.get('counts'))}; "
        f"{_expectations(gold)}"
    )
    lines.append(f"  export     {_seconds(record.get('duration_seconds'))}  documents: {_counts(record.get('counts'))}")
    return lines


def summary_lines(records: Sequence[Mapping[str, Any]], served: Mapping[str, int]) -> list[str]:
    lines = ["", "== Run summary =="]
    for record in records:
        lines.extend(run_lines(record))
    lines.append("")
    lines.append("== moviedb.batch_views: documents per view_type ==")
    lines.extend(f"  {view_type:20} {count}" for view_type, count in sorted(served.items()))
    return lines


def print_summary(settings: Settings, hours: Sequence[LogicalHour]) -> None:
    target = MongoTarget.from_settings(settings)
    with connect(target) as client:
        db = client[target.database]
        ids = [hour.batch_run_id for hour in hours]
        records = sorted(db[BATCH_RUNS].find({"_id": {"$in": ids}}), key=lambda record: record["_id"])
        served: dict[str, int] = {}
        for document in db[BATCH_VIEWS].find({}, {"view_type": 1}):
            served[document["view_type"]] = served.get(document["view_type"], 0) + 1
    print("\n".join(summary_lines(records, served)))
