"""Packages import downward only: settings and run identity, then TMDB and the lake, then the layers, then the
jobs, then the stack and the bench. Every import counts, the ones inside functions too (grimp's graph)."""

from __future__ import annotations

import itertools

import pytest

# Lowest first. A module belongs to the most specific prefix listed; imports within one unit are free.
LAYERS: list[tuple[str, list[str]]] = [
    ("settings and run identity", ["config", "master_dataset.partitioning"]),
    ("TMDB and the lake", ["master_dataset", "master_dataset.simulator", "spark_jobs.utils"]),
    ("layers", ["spark_jobs.bronze", "spark_jobs.silver", "batch_views", "ge_expectations"]),
    (
        "jobs",
        [
            "spark_jobs.bronze.run",
            "spark_jobs.silver.run",
            "spark_jobs.silver.checks",
            "spark_jobs.gold",
            "spark_jobs.retention",
            "spark_jobs.lake_cli",
            "batch_views.export_to_mongo",
        ],
    ),
    ("stack and bench", ["local_stack", "bench"]),
]
PACKAGES = ("config", "master_dataset", "spark_jobs", "batch_views", "ge_expectations", "local_stack", "bench")
RANK = {unit: rank for rank, (_, units) in enumerate(LAYERS) for unit in units}


def unit_of(module: str) -> str:
    parts = module.split(".")
    for size in range(len(parts), 0, -1):
        prefix = ".".join(parts[:size])
        if prefix in RANK:
            return prefix
    raise AssertionError(f"{module} is in no layer of tests/test_import_layers.py: add it where it belongs")


@pytest.fixture(scope="module")
def unit_imports() -> dict[tuple[str, str], list[str]]:
    """(importing unit, imported unit) -> the module imports behind that edge."""
    import grimp

    graph = grimp.build_graph(*PACKAGES, include_external_packages=False, cache_dir=None)
    edges: dict[tuple[str, str], list[str]] = {}
    for module in graph.modules:
        for imported in graph.find_modules_directly_imported_by(module):
            source, target = unit_of(module), unit_of(imported)
            if source != target:
                edges.setdefault((source, target), []).append(f"{module} -> {imported}")
    return edges


def test_every_import_goes_down_or_across_a_layer(unit_imports) -> None:
    upward = {edge: modules for edge, modules in unit_imports.items() if RANK[edge[0]] < RANK[edge[1]]}
    assert upward == {}, "imports from a lower layer into a higher one"


def test_the_units_import_each_other_without_cycles(unit_imports) -> None:
    import graphlib

    sorter = graphlib.TopologicalSorter()
    for source, target in unit_imports:
        sorter.add(source, target)
    try:
        sorter.prepare()
    except graphlib.CycleError as cycle:
        units = cycle.args[1]
        pytest.fail(f"import cycle {' -> '.join(units)}: {[unit_imports.get(e) for e in itertools.pairwise(units)]}")


def test_product_code_imports_neither_the_bench_nor_the_scripts(unit_imports) -> None:
    product = {unit for unit in RANK if not unit.startswith(("bench", "local_stack"))}
    assert not [edge for edge in unit_imports if edge[0] in product and edge[1].startswith("bench")]


def test_the_dags_import_airflow_and_their_own_package_at_parse_time() -> None:
    """A DAG file is parsed often: it declares, and the tasks import the product when they run."""
    import ast

    from tests.conftest import _PROJECT

    for path in (_PROJECT / "dags").rglob("*.py"):
        tree = ast.parse(path.read_text())
        top_level = [node for node in tree.body if isinstance(node, ast.Import | ast.ImportFrom)]
        roots = {
            (alias.name if isinstance(node, ast.Import) else node.module or "").split(".")[0]
            for node in top_level
            for alias in node.names
        }
        allowed = {"__future__", "airflow", "batch_layer_dags", "importlib", "logging", "collections", "dataclasses"}
        assert roots <= allowed | {"typing", "datetime"}, (path, roots)
