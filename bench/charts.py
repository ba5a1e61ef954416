"""PNG charts of the report (matplotlib, Agg backend: no display needed).

- ``stages.png``: each run's stage and total times beside the seed's published ranges and the target;
- ``processing.png``: wall time and peak memory of each processing stage against the history size;
- ``stack_memory.png``: the embedded stack's memory during the end-to-end run;
- ``catalogue.png``: time and memory of the catalogue mode's steps against the catalogue size, with the sizes
  projected and the targets at 1,000,000 movies.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.ticker import FuncFormatter

from bench.targets import SEED_SECONDS, STAGES

log = logging.getLogger(__name__)

RUN_TITLES = {"test": "Test run", "full": "Full production run", "steady": "Steady-state run"}
SHORT = {"bronze": "Bronze", "silver": "Silver", "gold": "Gold", "export": "Export", "total": "Total"}
RUN_TARGETS = {"test": 45, "full": 180, "steady": 150}
PROCESSING = {
    "silver_full_refresh": ("Bronze -> Silver, full refresh", 300),
    "silver_incremental": ("Bronze -> Silver, incremental", 60),
    "gold": ("Silver -> Gold", 300),
    "export": ("Gold -> MongoDB", None),
}


def stages_chart(runs: Mapping[str, Any], path: Path) -> Path | None:
    measured = {name: run for name, run in runs.get("runs", {}).items() if run.get("stages")}
    if not measured:
        return None
    figure, axes = plt.subplots(1, len(measured), figsize=(5 * len(measured), 4.5), squeeze=False)
    labels = [*STAGES, "total"]
    for ax, (name, run) in zip(axes[0], measured.items(), strict=True):
        ours = [(run["stages"].get(stage) or {}).get("wall_seconds", 0) for stage in STAGES] + [run["total_seconds"]]
        positions = range(len(labels))
        seed = SEED_SECONDS.get(name)
        if seed:
            low = [seed[label][0] for label in labels]
            high = [seed[label][1] for label in labels]
            ax.bar(positions, [h - lo for lo, h in zip(low, high, strict=True)], bottom=low, width=0.8,
                   color="#cccccc", label="seed's range")  # fmt: skip
        ax.bar(positions, ours, width=0.45, color="#1f77b4", label="ours")
        for x, value in zip(positions, ours, strict=True):
            ax.annotate(f"{value:.0f}", (x, value), ha="center", va="bottom", fontsize=8)
        total = len(labels) - 1
        ax.hlines(RUN_TARGETS[name], total - 0.45, total + 0.45, color="#d62728", linestyles="--",
                  label=f"target for the total, {RUN_TARGETS[name]} s")  # fmt: skip
        ax.set_yscale("log")
        ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
        ax.yaxis.set_minor_formatter(FuncFormatter(lambda value, _: f"{value:g}" if f"{value:g}"[0] in "25" else ""))
        ax.set_xticks(list(positions), [SHORT[label] for label in labels], rotation=20)
        ax.set_ylabel("seconds (log scale)")
        ax.set_title(f"{RUN_TITLES[name]}: {run['pages']} pages, {run['rate_limit']:g}/s", fontsize=10)
        ax.legend(fontsize=8, loc="upper left")
    return _save(figure, path)


def processing_chart(processing: Mapping[str, Any], path: Path) -> Path | None:
    sizes = sorted(processing.get("sizes", []), key=lambda size: size["days"])
    if not sizes:
        return None
    figure, (time_ax, memory_ax) = plt.subplots(1, 2, figsize=(11, 4.5))
    for key, (title, _) in PROCESSING.items():
        points = [(size["days"], size[key]) for size in sizes if (size.get(key) or {}).get("wall_seconds")]
        if not points:
            continue
        days = [day for day, _ in points]
        time_ax.plot(days, [stage["wall_seconds"] for _, stage in points], marker="o", label=title)
        memory_ax.plot(days, [stage["peak_memory_mb"] / 1024 for _, stage in points], marker="o", label=title)
    for limit, text in ((300, "target 300 s (90 days)"), (60, "target 60 s (incremental)")):
        time_ax.axhline(limit, color="#d62728", linestyle="--", linewidth=1)
        time_ax.annotate(text, (sizes[0]["days"], limit), fontsize=8, color="#d62728", va="bottom")
    all_days = [size["days"] for size in sizes]
    for ax in (time_ax, memory_ax):
        ax.set_xticks(all_days)
        ax.set_xlim(0, max(all_days) * 1.1 + 1)
        ax.set_ylim(bottom=0)
    time_ax.set_xlabel("days of history (6 runs a day)")
    time_ax.set_ylabel("wall seconds (JVM start included)")
    time_ax.set_title("Wall time against history size", fontsize=10)
    memory_ax.set_xlabel("days of history (6 runs a day)")
    memory_ax.set_ylabel("peak PSS of the job's processes, GiB")
    memory_ax.set_title("Peak memory against history size", fontsize=10)
    for ax in (time_ax, memory_ax):
        ax.legend(fontsize=8)
        ax.grid(alpha=0.3)
    return _save(figure, path)


def stack_chart(stack: Mapping[str, Any], path: Path) -> Path | None:
    memory = stack.get("memory") or {}
    timeline = memory.get("timeline") or []
    if not timeline:
        return None
    figure, ax = plt.subplots(figsize=(9, 4))
    ax.plot([t for t, _ in timeline], [gib for _, gib in timeline], color="#1f77b4", label="whole stack (PSS)")
    ax.axhline(memory["at_rest_gib"], color="#7f7f7f", linestyle=":", label=f"at rest {memory['at_rest_gib']} GiB")
    ax.axhline(6, color="#d62728", linestyle="--", label="target 6 GiB")
    ax.set_xlabel("seconds since the trigger")
    ax.set_ylabel("GiB")
    ax.set_title("Embedded stack memory during the end-to-end run", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return _save(figure, path)


CATALOGUE_CURVES = {
    "bronze_first_load": "Bronze, first load",
    "silver_full_refresh": "Silver, full refresh",
    "gold": "Gold after the full refresh",
    "silver_incremental": "Silver, daily incremental",
    "daily": "daily run end to end",
}
CATALOGUE_TARGETS = {"silver_full_refresh": 1200, "gold": 600, "daily": 300}


def catalogue_chart(catalogue: Mapping[str, Any], path: Path) -> Path | None:
    from bench.catalogue_scale import TARGET_MOVIES, curve_points

    sizes = catalogue.get("sizes") or []
    if not any(size.get("steps") for size in sizes):
        return None
    projection = catalogue.get("projection") or {}
    figure, (time_ax, memory_ax) = plt.subplots(1, 2, figsize=(12, 4.8))
    for key, title in CATALOGUE_CURVES.items():
        points = curve_points(sizes, key)
        if not points:
            continue
        (line,) = time_ax.plot([n for n, _ in points], [v for _, v in points], marker="o", label=title)
        projected = projection.get(key)
        if projected:
            time_ax.plot([points[-1][0], projected["movies"]], [points[-1][1], projected["value"]],
                         linestyle=":", marker="o", markerfacecolor="none", color=line.get_color())  # fmt: skip
        if key in CATALOGUE_TARGETS:
            time_ax.plot([TARGET_MOVIES], [CATALOGUE_TARGETS[key]], marker="_", markersize=22, markeredgewidth=2,
                         color=line.get_color())  # fmt: skip
    time_ax.set_title("Wall time (dotted: projected; bars at 1M: targets)", fontsize=10)
    time_ax.set_ylabel("seconds (log scale)")
    stack = curve_points(sizes, "stack")
    job = [(n, v / 1024) for n, v in _job_peaks(sizes)]
    for points, title, key in ((stack, "whole stack at peak (PSS)", "stack"), (job, "a step's own process", None)):
        if not points:
            continue
        (line,) = memory_ax.plot([n for n, _ in points], [v for _, v in points], marker="o", label=title)
        projected = projection.get(key) if key else None
        if projected:
            memory_ax.plot([points[-1][0], projected["movies"]], [points[-1][1], projected["value"]],
                           linestyle=":", marker="o", markerfacecolor="none", color=line.get_color())  # fmt: skip
    memory_ax.axhline(12, color="#d62728", linestyle="--", linewidth=1, label="target 12 GiB (stack)")
    memory_ax.set_title("Peak memory", fontsize=10)
    memory_ax.set_ylabel("GiB")
    memory_ax.set_ylim(bottom=0)
    for ax in (time_ax, memory_ax):
        ax.set_xscale("log")
        ax.set_xlabel("movies in the catalogue (log scale)")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    time_ax.set_yscale("log")
    time_ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    return _save(figure, path)


def _job_peaks(sizes: Any) -> list[tuple[int, float]]:
    peaks = [(size["movies"], size.get("job_peak_memory_mb")) for size in sizes]
    return sorted((movies, float(peak)) for movies, peak in peaks if peak is not None)


def _save(figure: Any, path: Path) -> Path:
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def draw_all(sections: Mapping[str, Any], out_dir: Path) -> list[Path]:
    """Every chart whose section has figures; the others are left out (and an older file of theirs removed)."""
    drawn = []
    for name, draw, file_name in (
        ("runs", stages_chart, "stages.png"),
        ("processing", processing_chart, "processing.png"),
        ("stack", stack_chart, "stack_memory.png"),
        ("catalogue", catalogue_chart, "catalogue.png"),
    ):
        result = (sections.get(name) or {}).get("result")
        path = out_dir / file_name
        written = draw(result, path) if result else None
        if written is None:
            path.unlink(missing_ok=True)
        else:
            drawn.append(written)
            log.info("chart %s written", written)
    return drawn
