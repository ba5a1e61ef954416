"""The seed's published stage times and the performance issue's targets, and how our figures compare.

A target is judged on the figure it names (the full production run at 40 requests/s, Gold over 90 days, ...).
When the benchmark ran at a smaller scale the verdict is still given, marked as not at the target's scale.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

STAGES = ("bronze", "silver", "gold", "export")
STAGE_NAMES = {
    "bronze": "Bronze ingestion",
    "silver": "Silver transformation",
    "gold": "Gold aggregation",
    "export": "MongoDB export",
    "total": "Total",
}

# The seed's "Performance Metrics" ("Expected Execution Times"), in seconds: (low, high).
SEED_SECONDS: dict[str, dict[str, tuple[float, float]]] = {
    "test": {"bronze": (30, 60), "silver": (60, 120), "gold": (60, 120), "export": (10, 30), "total": (180, 300)},
    "full": {
        "bronze": (180, 300),
        "silver": (300, 600),
        "gold": (300, 600),
        "export": (120, 300),
        "total": (900, 1800),
    },
}

GIB = 2**30
EXPORT_DOCUMENTS = 50_000
FULL_PAGES = 20
TARGET_DAYS = 90
CATALOGUE_MOVIES = 1_000_000
SERVING_MOVIES = 1_000_000


@dataclass(frozen=True)
class Figure:
    """One measured figure a target is judged on, and whether it was measured at the target's scale."""

    value: float
    measured_at: str
    at_target_scale: bool
    limit: float


@dataclass(frozen=True)
class Target:
    key: str
    name: str
    limit: float
    unit: str
    at_least: bool
    figure: Callable[[Mapping[str, Any], float], Figure | None]


def _result(sections: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    section = sections.get(name) or {}
    return section.get("result") if section.get("status") in {"ok", "partial"} else None


def _run_total(name: str, rate: str) -> Callable[[Mapping[str, Any], float], Figure | None]:
    def figure(sections: Mapping[str, Any], limit: float) -> Figure | None:
        runs = _result(sections, "runs")
        run = (runs or {}).get("runs", {}).get(name)
        if not run or run.get("status") != "ok":
            return None
        scale = runs["scale"]
        at_scale = run["pages"] == (2 if name == "test" else FULL_PAGES) and run["rate_limit"] == scale[rate]
        at_scale = at_scale and scale["latency_ms"] == 150
        note = f"{run['pages']} pages a list, {run['rate_limit']:g} requests/s"
        return Figure(run["total_seconds"], note, at_scale, limit)

    return figure


def _request_rate(which: str) -> Callable[[Mapping[str, Any], float], Figure | None]:
    def figure(sections: Mapping[str, Any], limit: float) -> Figure | None:
        ingestion = _result(sections, "ingestion")
        scenario = (ingestion or {}).get("scenarios", {}).get(which)
        if not scenario:
            return None
        note = f"{scenario['rate_limit']:g} requests/s configured, {scenario['requests']} requests"
        return Figure(scenario["share_of_limit"], note, ingestion["scale"]["latency_ms"] == 150, limit)

    return figure


def _processing(stage: str, largest: bool) -> Callable[[Mapping[str, Any], float], Figure | None]:
    """A processing figure over the 90-day history, else over the largest history measured."""

    def figure(sections: Mapping[str, Any], limit: float) -> Figure | None:
        processing = _result(sections, "processing")
        sizes = [size for size in (processing or {}).get("sizes", []) if (size.get(stage) or {}).get("wall_seconds")]
        if not sizes:
            return None
        exact = [size for size in sizes if size["days"] == TARGET_DAYS]
        size = exact[0] if exact and not largest else max(sizes, key=lambda s: s["days"])
        return Figure(
            size[stage]["wall_seconds"],
            f"{size['days']} day{'' if size['days'] == 1 else 's'} of history",
            size["days"] >= TARGET_DAYS,
            limit,
        )

    return figure


def _export(sections: Mapping[str, Any], limit: float) -> Figure | None:
    export = _result(sections, "export")
    if not export or not export.get("runs"):
        return None
    worst = max(export["runs"], key=lambda run: run["seconds"])
    documents = export["documents"]
    scaled = limit * documents / EXPORT_DOCUMENTS
    note = f"{documents:,} documents, slowest of {len(export['runs'])} exports ({worst['run']})"
    return Figure(worst["seconds"], note, documents == EXPORT_DOCUMENTS, scaled)


def _stack_peak(sections: Mapping[str, Any], limit: float) -> Figure | None:
    stack = _result(sections, "stack")
    peak = (stack or {}).get("memory", {}).get("peak_gib")
    if peak is None:
        return None
    return Figure(peak, "sum of PSS of every service's process tree, sampled every 0.5 s", True, limit)


def _task_startup(sections: Mapping[str, Any], limit: float) -> Figure | None:
    startup = _result(sections, "task-startup")
    if not startup:
        return None
    return Figure(startup["median_seconds"], f"median of {startup['probes']} start-ups", True, limit)


def _backfill_month(sections: Mapping[str, Any], limit: float) -> Figure | None:
    backfill = _result(sections, "backfill")
    if not backfill or not backfill.get("projected_seed_month_minutes"):
        return None
    note = f"projected from {backfill['runs']} runs ({' to '.join(backfill['range'])})"
    return Figure(backfill["projected_seed_month_minutes"], note, False, limit)


def _catalogue(curve: str) -> Callable[[Mapping[str, Any], float], Figure | None]:
    """A figure of the catalogue section at 1,000,000 movies, else its projection from the sizes measured, which
    says so; none from a single smaller size (a small catalogue's time says nothing of the full one's)."""

    def figure(sections: Mapping[str, Any], limit: float) -> Figure | None:
        catalogue = _result(sections, "catalogue")
        if not catalogue:
            return None
        sizes = [size for size in catalogue.get("sizes", []) if _catalogue_value(size, curve) is not None]
        exact = [size for size in sizes if size["movies"] == CATALOGUE_MOVIES]
        if exact:
            return Figure(_catalogue_value(exact[0], curve), f"{CATALOGUE_MOVIES:,} movies", True, limit)
        projected = (catalogue.get("projection") or {}).get(curve)
        if projected:
            measured = " and ".join(f"{movies:,}" for movies in projected["from_sizes"])
            note = f"projected to {projected['movies']:,} movies from {measured} measured"
            return Figure(projected["value"], note, False, limit)
        return None

    return figure


def _catalogue_value(size: Mapping[str, Any], curve: str) -> float | None:
    if curve == "stack":
        return size.get("stack_peak_gib")
    if curve == "daily":
        return (size.get("daily") or {}).get("wall_seconds")
    return (size.get("steps", {}).get(curve) or {}).get("wall_seconds")


def _serving_sizes(sections: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    serving = _result(sections, "serving")
    return [size for size in (serving or {}).get("sizes", []) if size.get("server") == "nx-27017"]


def _serving_query(sections: Mapping[str, Any], limit: float) -> Figure | None:
    """The slowest of the seed's four sample queries (95th percentile) at the largest size measured."""
    sizes = _serving_sizes(sections)
    if not sizes:
        return None
    size = max(sizes, key=lambda found: found["movies"])
    name, worst = max(size["queries"].items(), key=lambda item: item[1]["p95_ms"])
    note = f"{name} on nx-27017, p95 of {worst['runs']} runs, {size['documents']:,} documents"
    return Figure(worst["p95_ms"], note, size["movies"] >= SERVING_MOVIES, limit)


def _serving_changed_only(sections: Mapping[str, Any], limit: float) -> Figure | None:
    """Documents the next run's export wrote, as a share of those served (the run changed 2 % of the keys)."""
    sizes = _serving_sizes(sections)
    if not sizes:
        return None
    size = max(sizes, key=lambda found: found["movies"])
    changed = size["exports"]["changed"]
    share = round(changed["upserted"] / changed["documents"], 4) if changed["documents"] else 0.0
    note = f"{changed['upserted']:,} of {changed['documents']:,} documents in {changed['seconds']} s"
    return Figure(share, note, size["movies"] >= SERVING_MOVIES, limit)


TARGETS: tuple[Target, ...] = (
    Target("full_run", "Full production run (20 pages x 3 lists), end to end", 180, "s", False,
           _run_total("full", "run_rate")),
    Target("steady_run", "Steady-state run (next hour) at 4 requests/s", 150, "s", False,
           _run_total("steady", "steady_rate")),
    Target("test_run", "Test run (2 pages), end to end", 45, "s", False, _run_total("test", "run_rate")),
    Target("rate_fast", "Share of the configured request rate at 40/s", 0.95, "share", True,
           _request_rate("first_fast")),
    Target("rate_slow", "Share of the configured request rate at 4/s", 0.95, "share", True,
           _request_rate("first_slow")),
    Target("silver_incremental", "Silver incremental run", 60, "s", False, _processing("silver_incremental", True)),
    Target("silver_full_refresh", "Silver full refresh over 90 days", 300, "s", False,
           _processing("silver_full_refresh", False)),
    Target("gold", "Gold over 90 days", 300, "s", False, _processing("gold", False)),
    Target("export_50k", "50,000 documents exported", 15, "s", False, _export),
    Target("stack_memory", "Whole embedded stack at peak", 6, "GiB", False, _stack_peak),
    Target("task_startup", "A Spark task's start-up to its first Spark Connect request", 1.5, "s", False,
           _task_startup),
    Target("backfill_month", "make backfill of the seed's month (186 runs)", 45, "min", False, _backfill_month),
    Target("catalogue_silver_full_refresh", "Catalogue mode: Silver full refresh of 1,000,000 movies", 1200, "s",
           False, _catalogue("silver_full_refresh")),
    Target("catalogue_gold", "Catalogue mode: Gold over 1,000,000 movies", 600, "s", False, _catalogue("gold")),
    Target("catalogue_stack_memory", "Catalogue mode: embedded stack at peak, 1,000,000 movies", 12, "GiB", False,
           _catalogue("stack")),
    Target("catalogue_daily", "Catalogue mode: daily run (export + ~2 % changed), 1,000,000 movies", 300, "s",
           False, _catalogue("daily")),
    Target("serving_query", "Slowest of the seed's sample queries at 1M movies (p95)", 100, "ms", False,
           _serving_query),
    Target("serving_changed_only", "Share of documents the next run's export writes (2 % changed)", 0.05, "share",
           False, _serving_changed_only),
)  # fmt: skip


def judge(sections: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Every target with our figure, pass or miss, and by how much; "not measured" when its section did not run."""
    verdicts = []
    for target in TARGETS:
        found = target.figure(sections, target.limit)
        row: dict[str, Any] = {
            "key": target.key,
            "target": target.name,
            "unit": target.unit,
            "limit": target.limit,
            "at_least": target.at_least,
        }
        if found is None:
            verdicts.append({**row, "verdict": "not measured"})
            continue
        passed = found.value >= found.limit if target.at_least else found.value <= found.limit
        margin = found.value - found.limit
        verdicts.append(
            {
                **row,
                "limit": found.limit,
                "value": found.value,
                "verdict": "pass" if passed else "miss",
                "margin": round(margin, 3),
                "margin_share": round(margin / found.limit, 3) if found.limit else None,
                "measured_at": found.measured_at,
                "at_target_scale": found.at_target_scale,
            }
        )
    return verdicts


def seed_comparison(runs: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Our stage and total times of the test and full runs beside the seed's ranges."""
    rows: list[dict[str, Any]] = []
    for name in ("test", "full"):
        run = (runs or {}).get("runs", {}).get(name) or {}
        for stage in (*STAGES, "total"):
            ours = (
                run.get("total_seconds")
                if stage == "total"
                else (run.get("stages", {}).get(stage) or {}).get("wall_seconds")
            )
            low, high = SEED_SECONDS[name][stage]
            rows.append(
                {
                    "run": name,
                    "stage": stage,
                    "ours_seconds": ours,
                    "seed_seconds": [low, high],
                    "share_of_seed_low": round(ours / low, 3) if ours is not None else None,
                }
            )
    return rows
