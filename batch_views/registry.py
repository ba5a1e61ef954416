"""The Gold view registry: every Gold view, once, and what is derived from it.

Each view module declares its :class:`~batch_views.gold_view.GoldView` beside its builder; :data:`GOLD_VIEWS`
lists them, in the order the Gold job builds them and the docs show them. From it come the Gold job's views
(``spark_jobs.gold.run``), their Great Expectations suites (``ge_expectations.batch_layer_suite.gold_suite``), the
exporter's documents (``batch_views.export_to_mongo``), the serving indexes (:data:`SERVING_INDEXES`, created by
``batch_views.serving.update_serving_indexes``) and the generated files: ``docker/mongo-init.js`` and the view
tables of README.md, spark_jobs/README.md and batch_views/README.md.

    python -m batch_views.registry            # says which generated files are out of date (exit 1 if any)
    python -m batch_views.registry --write    # rewrites them (make generate)

Plain data: importing it imports the view modules (pyspark's functions and types), never starts a session, and
imports no job.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from batch_views import actor_networks, genre_trends, movie_analytics, sentiment_trends, temporal_analysis, trending
from batch_views.gold_view import GoldView, IndexKeys

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def registry_of(*views: GoldView) -> dict[str, GoldView]:
    """The views by name, in the order given; names and served view types must be unique."""
    for what, names in (
        ("name", [view.name for view in views]),
        ("view_type", [view.serving.view_type for view in views if view.serving]),
    ):
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:
            raise ValueError(f"Gold views share a {what}: {repeated}")
    return {view.name: view for view in views}


GOLD_VIEWS: dict[str, GoldView] = registry_of(
    genre_trends.GENRE_ANALYTICS_VIEW,
    trending.TRENDING_SCORES_VIEW,
    temporal_analysis.TEMPORAL_ANALYSIS_VIEW,
    actor_networks.ACTOR_NETWORKS_VIEW,
    actor_networks.ACTOR_COLLABORATIONS_VIEW,
    sentiment_trends.SENTIMENT_TRENDS_VIEW,
    movie_analytics.MOVIE_ANALYTICS_VIEW,
)

# The indexes of moviedb.batch_views that every view type's documents are read by, whatever their fields.
COMMON_INDEXES: tuple[IndexKeys, ...] = (
    (("view_type", 1), ("computed_at", -1)),  # the seed's freshness queries
    (("batch_run_id", 1),),  # the seed's batch run tracking; the export's stale removal
    (("computed_at", -1),),  # the seed's "Batch Views (MongoDB Export)" index
)
# A reader finds the latest complete run by status, then finish time or run id (``_id``, always indexed; an ``_id``
# inside a compound index is not portable: nx-27017 keeps ``_id`` outside the indexed JSON document).
BATCH_RUNS_INDEXES: tuple[IndexKeys, ...] = ((("status", 1), ("finished_at", -1)),)


def batch_views_indexes(views: Iterable[GoldView]) -> tuple[IndexKeys, ...]:
    """The common indexes, then each served view's own, each index once."""
    indexes = [*COMMON_INDEXES, *(keys for view in views if view.serving for keys in view.serving.indexes)]
    return tuple(dict.fromkeys(indexes))


def serving_indexes(views: Iterable[GoldView]) -> dict[str, tuple[IndexKeys, ...]]:
    """The key patterns of every serving collection. Names are MongoDB's defaults (``view_type_1_genre_1_...``),
    the names docker/mongo-init.js gives them too, so creating them again anywhere is a no-op."""
    return {"batch_views": batch_views_indexes(views), "batch_runs": BATCH_RUNS_INDEXES}


SERVING_INDEXES: dict[str, tuple[IndexKeys, ...]] = serving_indexes(GOLD_VIEWS.values())


def generated_files(views: Mapping[str, GoldView] = GOLD_VIEWS, root: Path = PROJECT_ROOT) -> dict[Path, str]:
    """Each generated file under ``root`` with the text the registry gives it."""
    from batch_views import generated

    return generated.render_all(list(views.values()), serving_indexes(views.values()), root)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m batch_views.registry", description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="rewrite the generated files that are out of date")
    args = parser.parse_args(argv)
    stale = {path: text for path, text in generated_files().items() if path.read_text() != text}
    for path, text in stale.items():
        if args.write:
            path.write_text(text)
        sys.stdout.write(f"{'rewrote' if args.write else 'out of date'}: {path.relative_to(PROJECT_ROOT)}\n")
    if stale and not args.write:
        sys.stdout.write("run `python -m batch_views.registry --write` (make generate)\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
