"""`make bench`: measure every stage's speed and memory and write one report under ``bench/results/``.

    make bench                                     # ingestion, runs, processing, export at full scale
    make bench ARGS="--with-stack"                 # and end to end on the running embedded stack (make up first)
    make bench ARGS="--only processing --days 1,30"
    make bench ARGS="--days 1 --only processing,export --documents 5000"   # a quick look at a small scale
    .venv/bin/python -m bench.run --help

Sections (``--only`` picks some; the others are carried over from the previous report unless ``--fresh``):

- ``ingestion``: requests per second against the configured limit at 40 and 4 requests/s with 150 ms of simulated
  latency, requests of a first and of a steady-state run (``scripts/bench_ingestion.py``);
- ``runs``: the seed's test run (2 pages), its full production run (20 pages x 3 lists) and the steady-state run
  (the next hour at 4 requests/s), each stage in its own process as a user runs them (:mod:`bench.pipeline_runs`);
- ``processing``: Bronze -> Silver (full refresh, incremental), Silver -> Gold, Gold -> MongoDB at history sizes
  of ``--days`` (default 1, 30 and 90 days of 6 runs a day): wall time, rows per second, peak memory;
- ``export``: ``--documents`` (50,000) documents of one view into nx-27017 (``scripts/bench_export.py``);
- ``serving`` (only with ``--only serving``): ``--serving-movies`` (1,000,000) movies' documents in
  ``batch_views``: the first export, the next run's export of the changed ones (``--changed-share``), the seed's
  four sample queries' latency and the server's memory, on nx-27017 (``scripts/bench_serving.py``);
- ``stack`` (only with ``--with-stack`` or ``--only stack``): ``tmdb_batch_pipeline`` triggered on the running
  embedded stack, seconds from the trigger to its last served document, and the stack's memory at rest and peak;
- ``catalogue-ingestion`` (only with ``--only``): the catalogue mode's first load (``TMDB_CATALOGUE=full``) at
  ``--catalogue-ingestion-sizes`` movies against the simulator at 1,000 requests/s (:mod:`bench.catalogue_ingestion`);
- ``task-startup`` and ``backfill`` (also on the running stack): a Spark task's own start-up (process start to its
  first Spark Connect request answered), and ``make backfill`` of ``--backfill``'s dates with the seed's month
  projected from it (:mod:`bench.stack_tasks`);
- ``catalogue`` (only with ``--only catalogue``, on the running stack; 100,000 movies take about 40 minutes on two
  cores, 1,000,000 several hours and executors of 2 GB a core, docs/scaling.md): the catalogue mode's Bronze
  generated at each of ``--catalogue-sizes`` movies on the stack's HDFS, then Silver's full refresh, Gold, and a
  daily run (its Bronze, the incremental Silver run, Gold) as Spark Connect clients of the stack's server, with
  the time and memory curve and the sizes not measured projected (:mod:`bench.catalogue_scale`).

Outputs: ``latest.json`` (everything, with the machine's facts), ``README.md`` (our figures beside the seed's and
the targets), ``stages.png``, ``processing.png``, ``stack_memory.png``, ``catalogue.png``, and one line appended to
``history.md``.
Lakes, databases and logs live in a temporary folder that is removed at the end (``--keep-work`` keeps it).
A section that fails is reported as failed, with the end of its output; the others still run. Only one Spark
process runs at a time (the machines this runs on have two cores); the full scale takes one to two hours.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from bench import charts, report
from bench.pipeline_runs import run_section
from bench.stage_benchmarks import export_section, ingestion_section, processing_section, serving_section
from bench.targets import judge, seed_comparison
from config.settings import PROJECT_ROOT

log = logging.getLogger("bench")


def _stack_section(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    # Imported only when asked: it talks to the running stack's services.
    from bench.stack import stack_section

    return stack_section(args, workdir)


def _catalogue_ingestion_section(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from bench.catalogue_ingestion import catalogue_ingestion_section

    return catalogue_ingestion_section(args, workdir)


def _task_startup_section(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from bench.stack_tasks import task_startup_section

    return task_startup_section(args, workdir)


def _backfill_section(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from bench.stack_tasks import backfill_section

    return backfill_section(args, workdir)


def _catalogue_section(args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    from bench.catalogue_scale import catalogue_section

    return catalogue_section(args, workdir)


Section = Callable[[argparse.Namespace, Path], dict[str, Any]]
SECTIONS: dict[str, Section] = {
    "ingestion": ingestion_section,
    "runs": run_section,
    "processing": processing_section,
    "export": export_section,
    "serving": serving_section,
    "stack": _stack_section,
    "task-startup": _task_startup_section,
    "backfill": _backfill_section,
    "catalogue": _catalogue_section,
    "catalogue-ingestion": _catalogue_ingestion_section,
}
DEFAULT_SECTIONS = ("ingestion", "runs", "processing", "export")
# On the running embedded stack (make up first): --with-stack or --only.
STACK_SECTIONS = ("stack", "task-startup", "backfill")
# "catalogue" is on the running stack too, and long (hours at its full scale): only with --only.


def _int_list(text: str) -> list[int]:
    values = [int(part) for part in text.split(",") if part.strip()]
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected days such as 1,30,90, got {text!r}")
    return values


def _sizes(text: str) -> list[int]:
    values = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    if not values or min(values) < 10:
        raise argparse.ArgumentTypeError(f"expected catalogue sizes such as 10000,100000, got {text!r}")
    return sorted(values)


def _sections(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = sorted(set(names) - set(SECTIONS))
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown sections {unknown}; expected some of {', '.join(SECTIONS)}")
    return names


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    add = parser.add_argument
    add("--only", type=_sections, help=f"comma-separated sections to run: {', '.join(SECTIONS)}")
    add("--with-stack", action="store_true", help="also run the stack, task-startup and backfill sections (make up)")
    add("--fresh", action="store_true", help="do not carry over the sections this invocation does not run")
    add("--days", type=_int_list, default=[1, 30, 90], help="history sizes of the processing section (1,30,90)")
    add("--runs-per-day", type=int, default=6)
    add(
        "--catalogue-ingestion-sizes",
        type=_int_list,
        default=[10_000, 100_000],
        help="catalogue-ingestion: catalogue sizes of the first load (10000,100000)",
    )
    add("--documents", type=int, default=50_000, help="documents of the export section (50000)")
    add("--serving-movies", type=_int_list, default=[1_000_000], help="serving: movies of each size (1000000)")
    add("--changed-share", type=float, default=0.02, help="serving: share of keys the next run changes (0.02)")
    add("--ferretdb", type=Path, help="serving: also measure this FerretDB v1 binary (docs/serving-at-scale.md)")
    add("--ferretdb-movies", type=_int_list, default=[2_000], help="serving: movies of FerretDB's sizes (2000)")
    add("--ferretdb-servers", type=lambda text: text.split(","), default=["ferretdb-postgresql"],
        help="serving: FerretDB's backends, ferretdb-postgresql and/or ferretdb-sqlite")  # fmt: skip
    add("--test-pages", type=int, default=2, help="pages a list of the test run (the seed's 2)")
    add("--full-pages", type=int, default=20, help="pages a list of the full and steady runs (the seed's 20)")
    add("--ingestion-pages", type=int, default=20, help="pages a list of the ingestion section's fast runs (20)")
    add("--latency-ms", type=float, default=150.0, help="simulated latency of every TMDB response (150)")
    add("--run-rate", type=float, default=40.0, help="TMDB_RATE_LIMIT of first runs (40 requests/s)")
    add("--steady-rate", type=float, default=4.0, help="TMDB_RATE_LIMIT of the steady-state run (4, TMDB's default)")
    add("--simulator-rate-limit", type=float, default=100.0, help="the simulator's own limit (100)")
    add("--movies", type=int, default=20_000, help="movies in the simulator's catalogue")
    add("--people", type=int, default=50_000, help="people in the simulator's catalogue")
    add("--spark-master", default="local[*]", help="SPARK_MASTER_URL of the jobs (local[*])")
    add("--rest-seconds", type=float, default=10.0, help="stack: seconds of sampling at rest before the trigger")
    add("--stack-timeout", type=float, default=3600.0, help="stack: seconds to wait for the run and its documents")
    add("--stack-logical-date", help="stack: logical hour of the run (default: the latest schedule boundary)")
    add("--probes", type=int, default=5, help="task-startup: start-ups measured (5)")
    add("--backfill", default="2024-01-01,2024-01-02", help="backfill: START,END of make backfill (2 days, 12 runs)")
    add("--catalogue-sizes", type=_sizes, default=[10_000, 100_000, 1_000_000],
        help="catalogue: movies of each catalogue measured (10000,100000,1000000)")  # fmt: skip
    add("--results-dir", type=Path, default=PROJECT_ROOT / "bench" / "results")
    add("--work-dir", type=Path, help="where the temporary folder goes (default: the system's temp)")
    add("--keep-work", action="store_true", help="keep the temporary lakes, databases and logs")
    args = parser.parse_args(argv)
    args.sections = args.only or [*DEFAULT_SECTIONS, *(STACK_SECTIONS if args.with_stack else [])]
    return args


# -------------------------------------------------------------------------------------------- facts
def git_commit() -> str:
    def git(*argv: str) -> str:
        done = subprocess.run(["git", *argv], cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip() if done.returncode == 0 else ""

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    return f"{commit}+uncommitted changes" if git("status", "--porcelain", "--untracked-files=no") else commit


def machine_facts() -> dict[str, Any]:
    from config.settings import get_settings
    from local_stack.stack import EmbeddedStack

    return {
        "cpu_count": os.cpu_count(),
        "load_average_at_start": [round(load, 2) for load in os.getloadavg()],
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "commit": git_commit(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        # Services of the embedded stack running meanwhile share the machine with the measured jobs.
        "embedded_stack_running": EmbeddedStack(get_settings()).running(),
    }


# -------------------------------------------------------------------------------------------- running
def scale_of(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """The options a section ran with (its result restates them with what it found)."""
    keys = {
        "ingestion": ("latency_ms", "ingestion_pages", "run_rate", "steady_rate"),
        "runs": ("latency_ms", "run_rate", "steady_rate", "test_pages", "full_pages", "spark_master"),
        "processing": ("days", "runs_per_day", "spark_master"),
        "export": ("documents",),
        "serving": ("serving_movies", "changed_share", "ferretdb_movies"),
        "stack": ("stack_logical_date", "rest_seconds"),
        "task-startup": ("probes",),
        "backfill": ("backfill",),
        "catalogue": ("catalogue_sizes",),
        "catalogue-ingestion": ("catalogue_ingestion_sizes",),
    }[name]
    return {key: getattr(args, key) for key in keys}


def run_one(name: str, args: argparse.Namespace, workdir: Path, commit: str) -> dict[str, Any]:
    """One section; its failure becomes the section's status and error, never the end of the benchmark."""
    section: dict[str, Any] = {"measured_at": _now(), "commit": commit, "scale": scale_of(name, args)}
    started = time.monotonic()
    log.info("section %s: start", name)
    try:
        result = SECTIONS[name](args, workdir)
        section.update(status="partial" if result.get("errors") else "ok", result=result)
    except Exception as error:  # a failed section is reported; the others and the report go on
        log.exception("section %s failed", name)
        section.update(status="failed", error=f"{type(error).__name__}: {error}")
    section["seconds"] = round(time.monotonic() - started, 1)
    log.info("section %s: %s in %.0f s", name, section["status"], section["seconds"])
    return section


def run_sections(args: argparse.Namespace, commit: str) -> dict[str, dict[str, Any]]:
    workdir = Path(tempfile.mkdtemp(prefix="tmdb-bench-", dir=args.work_dir))
    log.info("sections %s; temporary folder %s", ", ".join(args.sections), workdir)
    done: dict[str, dict[str, Any]] = {}
    try:
        for name in args.sections:
            (workdir / name).mkdir()
            done[name] = run_one(name, args, workdir / name, commit)
    except KeyboardInterrupt:
        log.warning("interrupted: the report keeps the sections that finished")
    finally:
        if args.keep_work:
            log.info("temporary folder kept: %s", workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return done


def merged(fresh: dict[str, dict[str, Any]], previous_file: Path, carry_over: bool) -> dict[str, dict[str, Any]]:
    """This invocation's sections, and the earlier report's for the sections it did not run."""
    previous: dict[str, Any] = {}
    if carry_over and previous_file.exists():
        try:
            previous = json.loads(previous_file.read_text()).get("sections", {})
        except ValueError:
            log.warning("%s is not JSON: nothing carried over", previous_file)
    sections = {}
    for name in SECTIONS:
        if name in fresh:
            sections[name] = fresh[name]
        elif name in previous:
            sections[name] = {**previous[name], "carried_over": True}
    return sections


def write_outputs(args: argparse.Namespace, machine: dict[str, Any], fresh: dict[str, dict[str, Any]]) -> dict:
    out = args.results_dir
    out.mkdir(parents=True, exist_ok=True)
    sections = merged(fresh, out / "latest.json", carry_over=not args.fresh)
    runs = (sections.get("runs") or {}).get("result")
    result = {
        "generated_at": _now(),
        "command": " ".join(["python -m bench.run", *sys.argv[1:]]),
        "machine": machine,
        "sections": sections,
        "targets": judge(sections),
        "seed_comparison": seed_comparison(runs),
    }
    (out / "latest.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    charts.draw_all(sections, out)
    (out / "README.md").write_text(report.markdown(result))
    report.append_history(out / "history.md", report.history_line(result, list(fresh)))
    log.info("report written: %s, %s, %s", out / "latest.json", out / "README.md", out / "history.md")
    return result


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    machine = machine_facts()
    log.info("machine: %s", machine)
    fresh = run_sections(args, machine["commit"])
    result = write_outputs(args, machine, fresh)
    for verdict in result["targets"]:
        if verdict.get("value") is not None:
            scale = "" if verdict["at_target_scale"] else " (reduced scale)"
            log.info("%-58s %s%s: %s", verdict["target"], verdict["verdict"], scale, verdict["value"])
    interrupted = [name for name in args.sections if name not in fresh]
    failed = [name for name, section in fresh.items() if section["status"] == "failed"]
    if failed or interrupted:
        log.error("sections failed: %s; not run: %s", failed or "none", interrupted or "none")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
