"""The Gold view registry: the generated files match it, its entries are checked, a view added as one module and
one entry goes through the Gold job's build and validation and the exporter's documents, and the packages import
downward only."""

from __future__ import annotations

import ast
import logging
import subprocess
import sys
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, Row
from pyspark.sql import functions as F
from pyspark.sql import types as T
from pyspark.testing import assertDataFrameEqual

from batch_views.common import conform_to, with_run_columns
from batch_views.export_to_mongo import serving_view, to_documents
from batch_views.generated import served_views_table
from batch_views.gold_view import RUN_FIELDS, GoldInputs, GoldView, Serving, expect, struct
from batch_views.registry import GOLD_VIEWS, generated_files, registry_of, serving_indexes
from master_dataset.partitioning import LogicalHour
from spark_jobs.gold.run import build_views
from spark_jobs.utils.lake import LakeFiles, LakePaths
from spark_jobs.utils.logging_utils import JobMetrics

PROJECT_ROOT = Path(__file__).resolve().parent.parent
HOUR = LogicalHour.parse("batch_2025_06_01_12")


def test_generated_files_are_what_the_registry_generates() -> None:
    for path, text in generated_files().items():
        assert path.read_text() == text, f"{path.relative_to(PROJECT_ROOT)} is out of date: run `make generate`"


# --------------------------------------------------------------------------- a view added the documented way
# docs/adding-a-view.md: one module (schema, builder, GoldView entry), one entry in the registry.

TITLE_LENGTHS = struct(
    ("movie_id", T.IntegerType()),
    ("title", T.StringType()),
    ("title_length", T.IntegerType()),
    *RUN_FIELDS,
)


def title_lengths(movies: DataFrame, *, computed_at: datetime) -> DataFrame:
    """One row per movie: the length of its title."""
    return (
        movies.select("movie_id", "title", F.length("title").alias("title_length"))
        .transform(with_run_columns, computed_at)
        .transform(conform_to, TITLE_LENGTHS)
    )


TITLE_LENGTHS_VIEW = GoldView(
    name="title_lengths",
    build=lambda run: title_lengths(run.movies, computed_at=run.computed_at),
    schema=TITLE_LENGTHS,
    key=("movie_id",),
    grain="movie",
    inputs=("movies",),
    expectations=(expect("ExpectColumnValuesToBeBetween", column="title_length", min_value=1),),
    serving=Serving(
        "title_length",
        key=("movie_id",),
        renames={"title_length": "length"},
        indexes=((("view_type", 1), ("length", -1)),),
    ),
)


def test_a_view_added_as_one_module_and_one_entry_is_built_validated_and_served(spark, lake_root: str) -> None:
    views = registry_of(*GOLD_VIEWS.values(), TITLE_LENGTHS_VIEW)
    run = HOUR.batch_run_id
    movies = spark.createDataFrame([(1, "Alpha"), (2, "Up"), (3, "")], "movie_id int, title string")
    inputs = GoldInputs(computed_at=HOUR.start, top_cast=5, top_collaborators=5, movies=movies)

    built, reports = build_views(
        inputs,
        [views["title_lengths"]],
        JobMetrics("gold", run, logging.getLogger(__name__)),
        LakeFiles(lake_root),
        LakePaths(lake_root),
        run,
    )

    view = built["title_lengths"]
    assert view.columns == ["movie_id", "title", "title_length", "batch_run_id", "computed_at"]
    assertDataFrameEqual(view.drop("computed_at"), [Row(1, "Alpha", 5, run), Row(2, "Up", 2, run), Row(3, "", 0, run)])
    # The suite is the one every view gets plus the view's own check, which the empty title fails.
    report = reports["title_lengths"]
    assert report.suite_name == "gold_title_lengths"
    assert report.statistics["evaluated_expectations"] == 4
    assert len(report.critical_failures) == 1 and "title_length" in report.critical_failures[0]
    assert LakeFiles(lake_root).exists(f"{LakePaths(lake_root).quality('gold_title_lengths', run)}/index.html")

    documents = to_documents(view.where("movie_id = 1"), serving_view(views["title_lengths"])).collect()
    assert [document.asDict() for document in documents] == [
        {
            "_id": "title_length:1",
            "view_type": "title_length",
            "batch_run_id": run,
            "computed_at": datetime(2025, 6, 1, 12),
            "data_freshness": "batch",
            "update_frequency": "4_hours",
            "movie_id": 1,
            "title": "Alpha",
            "length": 5,
        }
    ]
    # What is derived from the registry takes the new view in: its index, its row of the README's table.
    indexes = serving_indexes(views.values())["batch_views"]
    assert indexes[-1] == (("view_type", 1), ("length", -1))
    assert set(indexes[:-1]) == set(serving_indexes(GOLD_VIEWS.values())["batch_views"])
    assert (
        served_views_table(list(views.values()))[-1]
        == "| `title_length` | `title_length:{movie_id}` | movie_id, title, length |"
    )


def test_the_registry_refuses_a_view_name_or_view_type_twice() -> None:
    with pytest.raises(ValueError, match=r"share a name: \['genre_analytics'\]"):
        registry_of(*GOLD_VIEWS.values(), GOLD_VIEWS["genre_analytics"])
    twin = replace(TITLE_LENGTHS_VIEW, serving=Serving("movie_analytics", key=("movie_id",)))
    with pytest.raises(ValueError, match=r"share a view_type: \['movie_analytics'\]"):
        registry_of(*GOLD_VIEWS.values(), twin)


def test_a_view_entry_naming_columns_its_schema_lacks_is_refused() -> None:
    with pytest.raises(ValueError, match=r"'title_lengths': key \['title_len'\] not among"):
        replace(TITLE_LENGTHS_VIEW, key=("movie_id", "title_len"))
    with pytest.raises(ValueError, match=r"inputs \['people'\]"):
        replace(TITLE_LENGTHS_VIEW, inputs=("people",))
    # Served under its document name `length`, the Gold name is no field of the documents an index could use.
    renamed_but_indexed = replace(TITLE_LENGTHS_VIEW.serving, indexes=((("view_type", 1), ("title_length", 1)),))
    with pytest.raises(ValueError, match=r"index field \['title_length'\]"):
        replace(TITLE_LENGTHS_VIEW, serving=renamed_but_indexed)


def test_every_served_view_keeps_its_seed_view_type_and_trending_score_name() -> None:
    served = {view.name: view.serving.view_type for view in GOLD_VIEWS.values() if view.serving}
    assert served == {
        "genre_analytics": "genre_analytics",
        "trending_scores": "trending_movies",
        "temporal_analysis": "temporal_analytics",
        "actor_networks": "actor_network",
        "sentiment_trends": "sentiment_trends",
        "movie_analytics": "movie_analytics",
    }
    # One name from Gold to MongoDB: the seed's queries sort on trending_score.
    assert ("trending_score", "trending_score") in GOLD_VIEWS["trending_scores"].document_fields
    assert (("view_type", 1), ("window_days", 1), ("trending_score", -1)) in serving_indexes(GOLD_VIEWS.values())[
        "batch_views"
    ]


# ------------------------------------------------------------------------------------------ import direction


def _imported_modules(path: Path) -> set[str]:
    """Every module a file imports, at its top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def test_spark_jobs_utils_import_no_gold_view() -> None:
    offenders = {
        str(path.relative_to(PROJECT_ROOT)): sorted(m for m in _imported_modules(path) if m.startswith("batch_views"))
        for path in (PROJECT_ROOT / "spark_jobs" / "utils").glob("*.py")
    }
    assert {path: modules for path, modules in offenders.items() if modules} == {}


def test_the_registry_imports_no_job_and_starts_no_spark() -> None:
    probe = (
        "import sys, batch_views.registry\n"
        "from pyspark.sql import SparkSession\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('spark_jobs', 'great_expectations', 'pymongo')))\n"
        "print(SparkSession.getActiveSession())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True, timeout=120
    ).stdout
    assert out.split("\n")[:2] == ["[]", "None"]
