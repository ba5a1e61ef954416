"""Gold view definitions (pure DataFrame functions) and the serving export.

The registry below is plain data, safe to import anywhere (no Spark import): for each Gold view, the seed's
layout columns (its partitions in the seed; columns of every row here, the table being partitioned by
``batch_run_id`` alone) and its natural key. It is the code form of the Gold table in ``spark_jobs/README.md``;
the views themselves live in the modules of this package.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GoldView:
    name: str
    layout_columns: tuple[str, ...]
    key: tuple[str, ...]


GOLD_VIEWS: dict[str, GoldView] = {
    view.name: view
    for view in (
        GoldView("genre_analytics", ("year", "month"), ("genre", "year", "month")),
        GoldView("trending_scores", ("window", "year", "month"), ("movie_id", "window")),
        GoldView("temporal_analysis", ("period",), ("period", "year", "month")),
        GoldView("actor_networks", ("year", "month"), ("actor_id",)),
        GoldView("actor_collaborations", ("year", "month"), ("actor_a_id", "actor_b_id")),
        GoldView("sentiment_trends", ("year", "month"), ("genre", "year", "month")),
        GoldView("movie_analytics", (), ("movie_id",)),
    )
}
