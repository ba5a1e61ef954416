"""The Markdown report (``bench/results/README.md``) and the history line of ``bench/results/history.md``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bench.targets import SEED_SECONDS, STAGE_NAMES, STAGES

SECTION_TITLES = {
    "ingestion": "Ingestion",
    "runs": "Pipeline runs",
    "processing": "Processing",
    "export": "Export",
    "serving": "Serving at scale",
    "stack": "Embedded stack",
    "task-startup": "Spark task start-up",
    "backfill": "Backfill",
    "catalogue": "Catalogue mode at scale",
    "catalogue-ingestion": "Catalogue first load",
}
HISTORY_COLUMNS = (
    "date (UTC)", "commit", "sections", "scale", "test run", "full run", "steady run", "rate 40/s", "rate 4/s",
    "silver incremental", "silver full refresh", "gold", "export", "stack peak", "targets passed",
)  # fmt: skip


# -------------------------------------------------------------------------------------------- formatting
def seconds(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.1f} s" if value < 120 else f"{value:.0f} s ({value / 60:.1f} min)"


def seed_range(low: float, high: float) -> str:
    return f"{low / 60:g}-{high / 60:g} min" if high >= 120 else f"{low:g}-{high:g} s"


def number(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f}"


def memory(megabytes: float | None) -> str:
    return "-" if megabytes is None else f"{megabytes / 1024:.2f} GiB"


def table(header: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return [*lines, ""]


def _value(verdict: Mapping[str, Any], key: str = "value") -> str:
    value = verdict.get(key)
    if value is None:
        return "-"
    if verdict["unit"] == "share":
        return f"{value:.1%}"
    if verdict["unit"] == "s":
        return f"{value:.1f} s"
    return f"{value:.2f} {verdict['unit']}"


def _margin(verdict: Mapping[str, Any]) -> str:
    if verdict.get("margin") is None:
        return "-"
    margin = verdict["margin"]
    if verdict["unit"] == "share":
        return f"{margin * 100:+.1f} points"
    word = "under" if margin <= 0 else "over"
    unit = verdict["unit"]
    return f"{abs(margin):.1f} {unit} {word} ({verdict['margin_share']:+.0%})"


def _verdict(verdict: Mapping[str, Any]) -> str:
    text = verdict["verdict"]
    if text in {"pass", "miss"}:
        text = f"**{text}**" if verdict["at_target_scale"] else f"{text} (reduced scale)"
    return text


# -------------------------------------------------------------------------------------------- sections
def _result(sections: Mapping[str, Any], name: str) -> Mapping[str, Any] | None:
    return (sections.get(name) or {}).get("result")


def targets_part(verdicts: Sequence[Mapping[str, Any]]) -> list[str]:
    rows = [
        [v["target"], _value(v), ("≥ " if v.get("at_least", v["unit"] == "share") else "≤ ") + _value(v, "limit"),
         _verdict(v), _margin(v), v.get("measured_at", "-")]
        for v in verdicts
    ]  # fmt: skip
    return ["## Targets", "", *table(["target", "ours", "limit", "verdict", "by", "measured at"], rows)]


def seed_part(runs: Mapping[str, Any] | None) -> list[str]:
    measured = (runs or {}).get("runs", {})
    if not measured:
        return []

    def ours(name: str, stage: str) -> str:
        run = measured.get(name) or {}
        if stage == "total":
            return seconds(run.get("total_seconds"))
        return seconds((run.get("stages", {}).get(stage) or {}).get("wall_seconds"))

    rows = [
        [STAGE_NAMES[stage], ours("test", stage), seed_range(*SEED_SECONDS["test"][stage]), ours("full", stage),
         seed_range(*SEED_SECONDS["full"][stage]), ours("steady", stage)]
        for stage in (*STAGES, "total")
    ]  # fmt: skip

    def pages(name: str) -> str:
        run = measured.get(name) or {}
        return f" ({run['pages']} pages, {run['rate_limit']:g}/s)" if run.get("pages") else ""

    header = ["stage", f"test run: ours{pages('test')}", "test run: seed (2 pages)", f"full run: ours{pages('full')}"]
    header += ["full run: seed (20 pages)", f"steady run: ours{pages('steady')}"]
    return [
        "## The seed's published times beside ours",
        "",
        'The seed\'s "Performance Metrics" give expected stage times for its test run (2 pages) and its full '
        "production run (20 pages x 3 lists); it gives none for a later (steady-state) run.",
        "",
        *table(header, rows),
    ]


def runs_part(runs: Mapping[str, Any]) -> list[str]:
    scale = runs["scale"]
    lines = [
        "## Pipeline runs, stage by stage",
        "",
        f"Each stage in its own process, one after another, as a user runs them by hand; simulator with "
        f"{scale['latency_ms']:g} ms latency ({scale['catalogue']}), Spark `{scale['spark_master']}`, temporary lake, "
        "private nx-27017. Wall times include each JVM's start. `test` and `full` start on empty lakes; `steady` is "
        "the next logical hour (4 h later on the simulator's clock) on the full run's lake.",
        "",
    ]
    rows = []
    for name, run in runs["runs"].items():
        stages = run.get("stages", {})
        facts = run.get("facts", {})
        bronze = facts.get("bronze", {})
        peak = max((stage.get("peak_memory_mb", 0) for stage in stages.values()), default=None)
        rows.append(
            [name, run.get("pages", "-"), f"{run.get('rate_limit', 0):g}/s",
             *(seconds((stages.get(stage) or {}).get("wall_seconds")) for stage in STAGES),
             seconds(run.get("total_seconds")), number(bronze.get("requests")),
             (stages.get("bronze") or {}).get("requests_per_second", "-"),
             number((facts.get("export") or {}).get("documents")), memory(peak), run.get("status", "-")]
        )  # fmt: skip
    header = ["run", "pages", "rate", *STAGES, "total", "requests", "req/s (bronze wall)", "documents"]
    lines += table([*header, "peak memory (a stage)", "status"], rows)
    lines += ["![stage times per run beside the seed's ranges](stages.png)", ""]
    return lines


def ingestion_part(ingestion: Mapping[str, Any]) -> list[str]:
    scale = ingestion["scale"]
    rows = [
        [found["scenario"], f"{found['rate_limit']:g}/s", found["pages"], number(found["requests"]),
         found["rate_limited"], f"{found['rate_while_extracting']:.2f}/s", f"{found['share_of_limit']:.1%}",
         f"{found['rate_end_to_end']:.2f}/s", seconds(found["wall_seconds"])]
        for found in ingestion["scenarios"].values()
    ]  # fmt: skip
    header = ["scenario", "limit", "pages", "requests", "429s", "rate while extracting", "of limit", "end to end"]
    share = ingestion.get("steady_share_of_first")
    return [
        "## Ingestion",
        "",
        f"`scripts/bench_ingestion.py`: the Bronze job in one process against the simulator with "
        f"{scale['latency_ms']:g} ms latency ({scale['catalogue']}). The rate while extracting is requests over the "
        "time the client was busy; end to end includes Spark's staging and storing.",
        "",
        *table([*header, "wall"], rows),
        f"A steady-state run makes {share:.1%} of a first run's requests." if share is not None else "",
        "",
    ]


def processing_part(processing: Mapping[str, Any]) -> list[str]:
    rows = []
    for size in sorted(processing["sizes"], key=lambda s: s["days"]):
        for key, title in (
            ("silver_full_refresh", "Bronze -> Silver, full refresh"),
            ("silver_incremental", "Bronze -> Silver, incremental hour, scheduled"),
            ("silver_incremental_first_on_server", "Bronze -> Silver, incremental hour, server's first job"),
            ("silver_incremental_one_shot", "Bronze -> Silver, incremental hour, in one process"),
            ("gold", "Silver -> Gold"),
            ("export", "Gold -> MongoDB"),
        ):
            stage = size.get(key)
            if not stage and key.startswith("silver_incremental_"):
                continue  # reports from before these were measured
            if not stage:
                rows.append([size["days"], title, "failed", "-", "-", "-", "-"])
                continue
            rows.append(
                [size["days"], title, seconds(stage["wall_seconds"]), seconds(stage.get("job_seconds")),
                 number(stage.get("rows_read")), number(stage.get("rows_per_second")), memory(stage["peak_memory_mb"])]
            )  # fmt: skip
    header = ["days", "stage", "wall", "job's own time", "rows read", "rows/s", "peak memory"]
    return [
        "## Processing at history sizes",
        "",
        f"Synthetic history of {', '.join(str(d) for d in processing['scale']['days'])} days, "
        f"{processing['scale']['runs_per_day']} runs a day ({processing['scale']['synthetic']}). Each job runs in its "
        "own process; wall includes the JVM's start, peak memory is the PSS of the job's process tree. The scheduled "
        "incremental hour runs as the DAG's task does, spark-submit --remote to a Spark Connect server with the "
        "stack's configuration that has run the hour before; the server's first job is that hour before; the "
        "hour in one process is `make silver` (scripts/bench_silver.py). Rows read: Bronze rows (Silver), Silver "
        "rows (Gold), documents written (export of that Gold into a fresh nx-27017).",
        "",
        *table(header, rows),
        "![wall time and peak memory against history size](processing.png)",
        "",
    ]


def export_part(export: Mapping[str, Any]) -> list[str]:
    rows = [
        [run["run"], seconds(run["seconds"]), number(run["documents_per_second"]),
         ", ".join(f"{k} {v}" for k, v in (run.get("stale_removed") or {}).items()) or "-"]
        for run in export["runs"]
    ]  # fmt: skip
    return [
        f"## Export of {export['documents']:,} documents",
        "",
        f"`scripts/bench_export.py`: one Gold `trending_scores` run of {export['documents']:,} rows exported to "
        f"nx-27017 (batch size {export['batch_size']}) into an empty database (`first`), again (`again`: nothing "
        f"changed, nothing written), then the next run with every score changed (`next`: every document rewritten). "
        f"Spark session start ({export['session_start_seconds']} s) not "
        f"counted; peak memory of the benchmark's process tree (driver, JVM, nx-27017) "
        f"{memory(export['peak_memory_mb'])}.",
        "",
        *table(["run", "seconds", "documents/s", "stale removed"], rows),
    ]


QUERY_NAMES = {
    "count_by_view_type": "count by view type",
    "genre_action": "genre analytics (Action)",
    "top5_trending": "top 5 trending",
    "temporal_year_month": "temporal (year, month)",
}


def serving_part(serving: Mapping[str, Any]) -> list[str]:
    exports = [
        [size["server"], number(size["movies"]), number(size["documents"]), run,
         seconds(size["exports"][run]["seconds"]), number(size["exports"][run]["upserted"]),
         number(size["exports"][run]["unchanged"]), number(size["exports"][run]["deleted"])]
        for size in serving["sizes"] for run in ("first", "changed")
    ]  # fmt: skip
    queries = [
        [size["server"], number(size["documents"]), QUERY_NAMES.get(name, name), f"{found['median_ms']:.1f}",
         f"{found['p95_ms']:.1f}", str(found["runs"]), "yes" if found["correct"] else "NO"]
        for size in serving["sizes"] for name, found in size["queries"].items()
    ]  # fmt: skip
    memory_rows = [
        [size["server"], number(size["documents"]), memory(size["memory"]["server_peak_mb"]),
         memory(size["memory"]["server_at_rest_mb"]), f"{size['disk_mb']:,.0f} MiB",
         "/".join(f"{load:.0f}" for load in size.get("load_average", {}).get("start", []))]
        for size in serving["sizes"]
    ]  # fmt: skip
    return [
        "## Serving at scale",
        "",
        "`scripts/bench_serving.py`: Gold views generated by Spark (one `movie_analytics` row per movie, one "
        "`trending_scores` row per movie and window, `genre_analytics` and `temporal_analysis`), exported into an "
        f"empty database (`first`), then the next run with {serving['scale']['changed_share']:.0%} of the keys "
        "changed (`changed`, only what differs is written); the seed's four sample queries with the serving "
        "indexes, median and 95th percentile of repeated runs, answers checked against Gold. "
        "[docs/serving-at-scale.md](../../docs/serving-at-scale.md) reads these figures.",
        "",
        *table(["server", "movies", "documents", "export", "seconds", "upserted", "unchanged", "deleted"], exports),
        "",
        *table(["server", "documents", "query", "median ms", "p95 ms", "runs", "correct"], queries),
        "",
        *table(["server", "documents", "server peak (PSS)", "at rest", "on disk", "load at start"], memory_rows),
        "",
    ]


def stack_part(stack: Mapping[str, Any]) -> list[str]:
    e2e, mem, scale = stack["end_to_end"], stack["memory"], stack["scale"]
    by_service = ", ".join(f"{name} {megabytes} MiB" for name, megabytes in mem["at_rest_by_service_mb"].items())
    return [
        "## End to end on the embedded stack",
        "",
        f"`tmdb_batch_pipeline` triggered through Airflow's REST API for {e2e['batch_run_id']} on the running stack "
        f"(TMDB pages {scale['tmdb_pages']}, {scale['tmdb_rate_limit']:g} requests/s, "
        f"{'simulator' if scale['uses_simulator'] else 'real TMDB API'}; Spark worker {scale['spark_worker']}).",
        "",
        *table(
            ["figure", "value"],
            [
                ["run state", e2e["state"]],
                ["trigger to the DAG's end", seconds(e2e["seconds_to_dag_end"])],
                ["trigger to the last document served", seconds(e2e["seconds_to_last_document"])],
                ["documents served", number(e2e["documents"])],
                ["stack memory at rest (PSS)", f"{mem['at_rest_gib']:.2f} GiB"],
                ["stack memory at peak (PSS, every 0.5 s)", f"{mem['peak_gib']:.2f} GiB"],
            ],
        ),
        f"At rest by service: {by_service}.",
        "",
        "![embedded stack memory during the run](stack_memory.png)",
        "",
    ]


def sections_part(sections: Mapping[str, Any]) -> list[str]:
    rows = [
        [SECTION_TITLES[name], section["status"], section.get("measured_at", "-"), section.get("commit", "-"),
         seconds(section.get("seconds")), "earlier invocation" if section.get("carried_over") else "this invocation"]
        for name, section in sections.items()
    ]  # fmt: skip
    lines = ["## Sections", "", *table(["section", "status", "measured at", "commit", "took", "from"], rows)]
    for name, section in sections.items():
        problems = ([section["error"]] if section.get("error") else []) + list(
            (section.get("result") or {}).get("errors", [])
        )
        for problem in problems:
            lines += [f"**{SECTION_TITLES[name]}**:", "", "```", problem[-3000:], "```", ""]
    return lines


def task_startup_part(startup: Mapping[str, Any]) -> list[str]:
    return [
        "## A Spark task's own start-up",
        "",
        f"From a task process's start to the answer of its first Spark Connect request (the DAG package's imports, "
        f"the session `@task.pyspark` builds): median {startup['median_seconds']:.2f} s of {startup['probes']} "
        f"({', '.join(f'{value:.2f}' for value in startup['seconds'])} s).",
        "",
    ]


def backfill_part(backfill: Mapping[str, Any]) -> list[str]:
    start, end = backfill["range"]
    return [
        "## Backfill",
        "",
        f"`make backfill START={start} END={end}` on the running stack: {backfill['succeeded']} of "
        f"{backfill['runs']} runs succeeded in {seconds(backfill['seconds'])}, {seconds(backfill['seconds_per_run'])} "
        f"a run; the seed's example month (186 runs) at that pace: {backfill['projected_seed_month_minutes']} min.",
        "",
    ]


def _bytes(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value / 2**30:.2f} GiB" if value >= 2**30 else f"{value / 2**20:.1f} MiB"


def catalogue_part(catalogue: Mapping[str, Any]) -> list[str]:
    from bench.catalogue_scale import STEPS

    rows = []
    for size in sorted(catalogue["sizes"], key=lambda s: s["movies"]):
        steps = size.get("steps", {})
        for key, title in STEPS.items():
            step = steps.get(key)
            if not step:
                rows.append([f"{size['movies']:,}", title, "not run", *["-"] * 6])
                continue
            rows.append(
                [f"{size['movies']:,}", title, seconds(step["wall_seconds"]), seconds(step.get("job_seconds")),
                 number(step.get("rows_read", step.get("rows_written"))), number(step.get("rows_per_second")),
                 memory(step["job_peak_memory_mb"]), f"{step['stack_peak_gib']:.2f} GiB", step.get("mode", "-")]
            )  # fmt: skip
        if size.get("daily"):
            rows.append([f"{size['movies']:,}", "**daily run end to end** (Bronze + Silver + Gold)",
                         seconds(size["daily"]["wall_seconds"]), *["-"] * 6])  # fmt: skip
    header = ["movies", "step", "wall", "job's own time", "rows read (Bronze: written)", "rows/s", "job peak"]
    lines = [
        "## Catalogue mode at growing catalogue sizes",
        "",
        "Each size's lake on the running embedded stack's HDFS (`hdfs://127.0.0.1:8020/bench/catalogue-N`, removed "
        "afterwards), its Bronze generated on the stack's executors (day 1: the export and every movie's details; "
        "days 2 and 3: the export and the movies changed that day), each step in its own process as a Spark Connect "
        f"client of the stack's server ({catalogue['scale']['spark']}). Wall includes the client's start; job peak is "
        "the PSS of the step's own process tree, stack peak the PSS of every service's process tree meanwhile (the "
        f"Connect server and its executors among them; {catalogue.get('stack_at_rest_gib', '-')} GiB at rest). "
        "Silver's rows read are the Bronze rows its run record counts; Gold's are the Silver tables' rows.",
        "",
        *table([*header, "stack peak", "mode"], rows),
        "![time and memory against the catalogue size](catalogue.png)",
        "",
    ]
    table_rows = [
        [f"{size['movies']:,}", name, number(figures.get("rows")), number(figures["files"]),
         _bytes(figures["avg_file_bytes"]), _bytes(figures["size_bytes"])]
        for size in sorted(catalogue["sizes"], key=lambda s: s["movies"])
        for name, figures in (size.get("tables") or size.get("tables_after_full_refresh") or {}).items()
    ]  # fmt: skip
    if table_rows:
        lines += ["Tables after the daily run:", ""]
        lines += table(["movies", "table", "rows", "files", "average file", "size"], table_rows)
    projection = catalogue.get("projection") or {}
    if projection:
        curve_names = {**STEPS, "daily": "daily run end to end", "stack": "stack peak memory"}
        projected_rows = [
            [curve_names.get(key, key), f"{found['movies']:,}",
             f"{found['value']:.2f} GiB" if found["unit"] == "GiB" else seconds(found["value"]),
             found["method"],
             " and ".join(f"{movies:,}" for movies in found["from_sizes"])]
            for key, found in projection.items()
        ]  # fmt: skip
        lines += [
            "**Projected, not measured**: the two largest sizes measured carried on (a time as the larger of their "
            "straight line and their power law, the stack's memory on its power law: its JVMs' heaps are capped).",
            "",
            *table(["curve", "movies", "projected", "growth", "from sizes measured"], projected_rows),
        ]
    return lines


def catalogue_ingestion_part(result: Mapping[str, Any]) -> list[str]:
    rows = [
        [
            number(size["movies"]),
            seconds(size["wall_seconds"]),
            seconds(size["extract_movies_seconds"]),
            number(size["requests"]),
            f"{size['requests_per_second']:.0f}",
            size["seconds_per_1000_movies"],
            memory(size["peak_memory_mb"]),
            size["movies_answered_twice"],
            seconds(size["projected_seconds_at_tmdb_rate"]),
        ]
        for size in result["sizes"]
    ]
    header = ["movies", "wall", "extract-movies", "requests", "req/s", "s per 1,000 movies", "peak (PSS)"]
    header += ["answered twice", "projected at TMDB's 40/s"]
    return [
        "## Catalogue mode: the first load",
        "",
        "`TMDB_CATALOGUE=full`, one live hour on an empty lake: the day's export downloaded and stored, every "
        "movie's details fetched (against the simulator at 1,000 requests/s: what the pipeline costs per movie), "
        "the lists, validation, store. Peak memory is the job's and the simulator's processes together.",
        "",
        *table(header, rows),
        "",
    ]


PARTS = {
    "runs": runs_part,
    "ingestion": ingestion_part,
    "processing": processing_part,
    "export": export_part,
    "serving": serving_part,
    "stack": stack_part,
    "task-startup": task_startup_part,
    "backfill": backfill_part,
    "catalogue": catalogue_part,
    "catalogue-ingestion": catalogue_ingestion_part,
}


def markdown(report: Mapping[str, Any]) -> str:
    machine, sections = report["machine"], report["sections"]
    lines = [
        "# Benchmark results",
        "",
        f"Written by `{report['command']}` on {report['generated_at']} at commit `{machine['commit']}`. "
        f"Machine: {machine['cpu_count']} CPUs, {machine['memory_gib']} GiB memory, load average "
        f"{'/'.join(f'{load:.1f}' for load in machine['load_average_at_start'])} (1/5/15 min) at the start, "
        f"Python {machine['python']}{_stack_note(machine)}. "
        'Each section states its scale; `make bench` reruns everything, `make bench ARGS="--only SECTION"` one part '
        "(the others are carried over from the previous report). History: [history.md](history.md).",
        "",
        *(f"- **{SECTION_TITLES[name]}**: {_scale_text(section)}" for name, section in sections.items()),
        "",
        *targets_part(report["targets"]),
        *seed_part(_result(sections, "runs")),
    ]
    for name, part in PARTS.items():
        result = _result(sections, name)
        if result:
            lines += part(result)
    lines += sections_part(sections)
    return "\n".join(lines).rstrip() + "\n"


def _stack_note(machine: Mapping[str, Any]) -> str:
    running = machine.get("embedded_stack_running") or []
    return f"; the embedded stack was running meanwhile ({', '.join(running)})" if running else ""


def _scale_text(section: Mapping[str, Any]) -> str:
    scale = (section.get("result") or {}).get("scale") or section.get("scale") or {}
    text = ", ".join(f"{key.replace('_', ' ')} {value}" for key, value in scale.items()) or "-"
    return f"{text} ({section['status']}, {section.get('measured_at', '-')})"


# -------------------------------------------------------------------------------------------- history
def history_line(report: Mapping[str, Any], fresh: Sequence[str]) -> list[str]:
    """One row of key figures measured by this invocation ("-" for what it did not measure)."""
    sections = {name: report["sections"][name] for name in fresh if name in report["sections"]}
    verdicts = {v["key"]: v for v in report["targets"]}

    def figure(key: str) -> str:
        verdict = verdicts.get(key, {})
        section = _TARGET_SECTIONS[key]
        if section not in sections or verdict.get("value") is None:
            return "-"
        return _value(verdict) + ("" if verdict["at_target_scale"] else "*")

    judged = [v for v in verdicts.values() if v.get("value") is not None and _TARGET_SECTIONS[v["key"]] in sections]
    passed = f"{sum(v['verdict'] == 'pass' for v in judged)}/{len(judged)}" if judged else "-"
    scale = "; ".join(_short_scale(name, section) for name, section in sections.items())
    return [
        report["generated_at"][:16].replace("T", " "), report["machine"]["commit"],
        ",".join(f"{name}{'' if s['status'] == 'ok' else ' (' + s['status'] + ')'}" for name, s in sections.items()),
        scale or "-", figure("test_run"), figure("full_run"), figure("steady_run"), figure("rate_fast"),
        figure("rate_slow"), figure("silver_incremental"), figure("silver_full_refresh"), figure("gold"),
        figure("export_50k"), figure("stack_memory"), passed,
    ]  # fmt: skip


_TARGET_SECTIONS = {
    "full_run": "runs", "steady_run": "runs", "test_run": "runs", "rate_fast": "ingestion", "rate_slow": "ingestion",
    "silver_incremental": "processing", "silver_full_refresh": "processing", "gold": "processing",
    "export_50k": "export", "stack_memory": "stack", "task_startup": "task-startup", "backfill_month": "backfill",
    "catalogue_silver_full_refresh": "catalogue", "catalogue_gold": "catalogue", "catalogue_stack_memory": "catalogue",
    "catalogue_daily": "catalogue",
    "serving_query": "serving", "serving_changed_only": "serving",
}  # fmt: skip


def _short_scale(name: str, section: Mapping[str, Any]) -> str:
    scale = (section.get("result") or {}).get("scale") or section.get("scale") or {}
    if name == "processing":
        return f"days {','.join(str(d) for d in scale.get('days', []))}"
    if name == "runs":
        return f"full {scale.get('full_pages')} pages"
    if name == "ingestion":
        return f"ingestion {scale.get('pages', scale.get('ingestion_pages'))} pages"
    if name == "export":
        return f"{scale.get('documents')} documents"
    if name == "catalogue":
        return f"catalogue {','.join(str(n) for n in scale.get('catalogue_sizes', []))} movies"
    return name


def append_history(path: Path, row: Sequence[str]) -> None:
    if not path.exists():
        intro = [
            "# Benchmark history",
            "",
            "One line per `make bench`, newest last. Figures of the sections that invocation ran; `*` marks a "
            "figure measured below the target's scale. The latest full report: [README.md](README.md).",
            "",
            "| " + " | ".join(HISTORY_COLUMNS) + " |",
            "|" + "---|" * len(HISTORY_COLUMNS),
        ]
        path.write_text("\n".join(intro) + "\n")
    with path.open("a") as stream:
        stream.write("| " + " | ".join(row) + " |\n")
