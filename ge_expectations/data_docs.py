"""Data Docs of one validation, from Great Expectations' own site builder, published to the lake.

GX's site builder writes to a local folder: :func:`publish` builds GX's validation page (and the suite's page) in a
temporary local site and copies the pages and the local files they link to under the run's quality folder, the
validation page as ``index.html``. The page loads its styles and scripts from GX's CDNs, as GX's own site does.

:func:`describe` turns an expectation into a sentence, for the failures a job reports and raises.
"""

from __future__ import annotations

import copy
import json
import logging
import posixpath
import re
import tempfile
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from urllib.request import url2pathname

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuiteValidationResult
    from great_expectations.data_context import AbstractDataContext

    from spark_jobs.utils.lake import LakeFiles

log = logging.getLogger(__name__)

DOCS_FILE = "index.html"
SITE_NAME = "batch_layer_run"
# A relative link in a page: no scheme, not a fragment or a query of the page itself.
_RELATIVE_LINK = re.compile(r'\b(href|src)="([^"#?:]+)"')


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


def publish(
    context: AbstractDataContext,
    result: ExpectationSuiteValidationResult,
    *,
    batch_id: str,
    batch_run_id: str,
    run_time: datetime,
    quality_path: str,
    lake_files: LakeFiles,
) -> str:
    """Builds GX's Data Docs of ``result`` and copies them under ``quality_path``; returns the page's path there.

    The result goes into the context's validation results store for the build and out of it after, so a
    long-running process keeps none. ``result`` itself is not changed: the page shows the run through a copy.
    """
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    started = time.perf_counter()
    suite_id = ExpectationSuiteIdentifier(name=result.suite_name)
    run_id = RunIdentifier(run_name=batch_run_id, run_time=run_time)
    result_id = ValidationResultIdentifier(
        expectation_suite_identifier=suite_id, run_id=run_id, batch_identifier=batch_id
    )
    shown = copy.deepcopy(result)
    shown.meta["run_id"] = run_id
    store = context.validation_results_store
    with tempfile.TemporaryDirectory(prefix="gx-data-docs-") as site:
        context.add_data_docs_site(
            SITE_NAME,
            {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": site},
            },
        )
        store.set(result_id, shown)
        try:
            context.build_data_docs(
                site_names=[SITE_NAME], resource_identifiers=[result_id, suite_id], build_index=False
            )
            url = context.get_docs_sites_urls(resource_identifier=result_id, site_name=SITE_NAME)[0]["site_url"]
        finally:
            store.remove_key(result_id)
            context.delete_data_docs_site(SITE_NAME)
        if not url:
            # GX logs a page it failed to render and goes on.
            raise RuntimeError(f"Great Expectations rendered no Data Docs page for {result.suite_name} {batch_run_id}")
        written = _copy_site(Path(site), Path(url2pathname(urlsplit(url).path)), lake_files, quality_path)
    docs_path = f"{quality_path}/{DOCS_FILE}"
    log.info("Data Docs %s (%d files) in %.2f s", docs_path, written, time.perf_counter() - started)
    return docs_path


def _copy_site(site: Path, page: Path, lake_files: LakeFiles, quality_path: str) -> int:
    """Copies ``page`` to ``quality_path/index.html`` and the site's files it links to (and they link to, such as
    the suite's page and its favicon) to the same place under ``quality_path`` as in the site."""
    page_folder = page.parent.relative_to(site).as_posix()

    def from_root(match: re.Match[str]) -> str:
        return f'{match[1]}="{posixpath.normpath(posixpath.join(page_folder, match[2]))}"'

    text = _RELATIVE_LINK.sub(from_root, page.read_text(encoding="utf-8"))
    lake_files.write_text(f"{quality_path}/{DOCS_FILE}", text)
    pending, seen = [(DOCS_FILE, text)], {DOCS_FILE, page.relative_to(site).as_posix()}
    while pending:
        name, html_text = pending.pop()
        for match in _RELATIVE_LINK.finditer(html_text):
            target = posixpath.normpath(posixpath.join(posixpath.dirname(name), match[2]))
            source = site / target
            if target in seen or target.startswith("../") or not source.is_file():
                continue
            seen.add(target)
            lake_files.write_bytes(f"{quality_path}/{target}", source.read_bytes())
            if source.suffix == ".html":
                pending.append((target, source.read_text(encoding="utf-8")))
    return len(seen) - 1
