"""A self-contained Data Docs page for one validation result: one HTML file, no external assets.

GX's own site builder writes to a local folder through its stores, which an ephemeral context on an
``hdfs://`` lake does not have; so the page is rendered here from the result and written through the lake.
"""

from __future__ import annotations

import html
import json
from typing import Any

_STYLE = """
body { font-family: -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif; margin: 2rem; color: #1f2933; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; } .sub { color: #52606d; margin-top: 0; }
.badge { display: inline-block; padding: .2rem .6rem; border-radius: .3rem; font-weight: 600; color: #fff; }
.pass { background: #2f855a; } .fail { background: #c53030; } .warn { background: #b7791f; }
table { border-collapse: collapse; width: 100%; margin-top: 1rem; font-size: .9rem; }
th, td { border: 1px solid #d9e2ec; padding: .4rem .6rem; text-align: left; vertical-align: top; }
th { background: #f0f4f8; } tr.failed td { background: #fff5f5; } tr.failed.warning td { background: #fffaf0; }
.stats td:first-child { width: 18rem; color: #52606d; } code { font-size: .85rem; }
details { margin-top: 1.5rem; } pre { background: #f7fafc; padding: 1rem; overflow: auto; font-size: .8rem; }
"""


def _join(values: Any) -> str:
    return ", ".join(str(value) for value in values) if isinstance(values, list | tuple | set) else str(values)


def _number(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _range(column: Any, low: Any, high: Any) -> str:
    low, high = _number(low), _number(high)
    if high is None:
        return f"{column} is at least {low}"
    if low is None:
        return f"{column} is at most {high}"
    return f"{column} is between {low} and {high}"


def _condition(condition: Any) -> str:
    """A GX row condition, as an object or as its JSON form ({"column": {"name"}, "operator", "parameter"})."""
    if isinstance(condition, dict) and "operator" in condition:
        column = condition.get("column", {})
        name = column.get("name") if isinstance(column, dict) else column
        return f"{name} {condition['operator']} {condition.get('parameter')}"
    return str(condition)


def describe(expectation_type: str, kwargs: dict[str, Any]) -> str:
    """A sentence a person can read for an expectation configuration."""
    column = kwargs.get("column")
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    sentences = {
        "expect_column_values_to_not_be_null": f"{column} is never null",
        "expect_column_values_to_be_null": f"{column} is always null",
        "expect_column_values_to_be_unique": f"{column} values are unique",
        "expect_compound_columns_to_be_unique": f"({_join(kwargs.get('column_list', []))}) together are unique",
        "expect_column_values_to_be_in_set": f"{column} is one of: {_join(kwargs.get('value_set', []))}",
        "expect_column_values_to_not_be_in_set": f"{column} is none of: {_join(kwargs.get('value_set', []))}",
        "expect_column_values_to_be_between": _range(column, low, high),
        "expect_table_row_count_to_be_between": (
            f"the table has at least {low} rows" if high is None else f"the table has {low} to {high} rows"
        ),
        "expect_table_columns_to_match_ordered_list": (
            f"the columns are exactly, in order: {_join(kwargs.get('column_list', []))}"
        ),
    }
    sentence = sentences.get(expectation_type) or f"{expectation_type}({json.dumps(kwargs, default=str)})"
    if kwargs.get("row_condition"):
        sentence += f", on rows where {_condition(kwargs['row_condition'])}"
    mostly = kwargs.get("mostly")
    if mostly is not None and mostly < 1:
        sentence += f", for at least {mostly:.0%} of the rows"
    return sentence


def _observed(result: dict[str, Any]) -> str:
    if "observed_value" in result:
        return _join(result["observed_value"])
    if "unexpected_count" in result:
        text = f"{result['unexpected_count']} unexpected of {result.get('element_count', '?')}"
        if result.get("unexpected_percent") is not None:
            text += f" ({result['unexpected_percent']:.3g}%)"
        sample = result.get("partial_unexpected_list") or []
        if sample:
            text += f"; e.g. {_join(sample[:10])}"
        return text
    return ""


def render_page(record: dict[str, Any]) -> str:
    """The HTML page of a validation record as written by ``batch_layer_suite.validate``."""
    result = record["result"]
    critical_failed = bool(record["critical_failures"])
    if critical_failed:
        badge = '<span class="badge fail">FAILED: not published</span>'
    elif record["success"]:
        badge = '<span class="badge pass">PASSED</span>'
    else:
        badge = '<span class="badge warn">PASSED with warnings</span>'
    stats = result.get("statistics", {})
    rows = []
    for index, item in enumerate(result.get("results", []), start=1):
        config = item.get("expectation_config", {})
        kwargs = {key: value for key, value in config.get("kwargs", {}).items() if key != "batch_id"}
        critical = (config.get("meta") or {}).get("critical", True)
        passed = bool(item.get("success"))
        css = "" if passed else ("failed" if critical else "failed warning")
        rows.append(
            f'<tr class="{css}"><td>{index}</td><td>{"✅ passed" if passed else "❌ failed"}</td>'
            f"<td>{'critical' if critical else 'warning'}</td>"
            f"<td>{html.escape(describe(config.get('type', '?'), kwargs))}</td>"
            f"<td>{html.escape(_observed(item.get('result') or {}))}</td></tr>"
        )
    stat_rows = "".join(
        f"<tr><td>{html.escape(label)}</td><td>{html.escape(str(value))}</td></tr>"
        for label, value in (
            ("Dataset", record.get("dataset", "")),
            ("Batch run", record["batch_run_id"]),
            ("Validated at (UTC)", record.get("validated_at", "")),
            ("Evaluated expectations", stats.get("evaluated_expectations")),
            ("Successful", stats.get("successful_expectations")),
            ("Unsuccessful", stats.get("unsuccessful_expectations")),
            ("Critical failures", len(record["critical_failures"])),
            ("Great Expectations", result.get("meta", {}).get("great_expectations_version", "")),
        )
    )
    title = f"{record['suite_name']} · {record['batch_run_id']}"
    raw = html.escape(json.dumps(result, indent=2, default=str))
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        f"<title>Data Docs: {html.escape(title)}</title><style>{_STYLE}</style></head><body>"
        f"<h1>Data Docs: {html.escape(record['suite_name'])}</h1>"
        f"<p class='sub'>Expectation suite validation result, {html.escape(record['batch_run_id'])} {badge}</p>"
        f"<table class='stats'>{stat_rows}</table>"
        "<table><tr><th>#</th><th>Status</th><th>Severity</th><th>Expectation</th><th>Observed</th></tr>"
        f"{''.join(rows)}</table>"
        "<p class='sub'>A failed critical expectation fails the job and publishes nothing; "
        "a failed warning is recorded here only.</p>"
        f"<details><summary>Raw validation result (JSON)</summary><pre>{raw}</pre></details>"
        "</body></html>\n"
    )
