"""Command line of the embedded stack: ``python -m local_stack COMMAND``: up, down, health, logs, the Airflow and
HDFS shells, the lake's listing, the demo, trigger-dag and backfill."""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from config.settings import SettingsError, get_settings
from local_stack import hdfs, processes
from local_stack.processes import ServiceError
from local_stack.services import airflow_env
from local_stack.stack import EmbeddedStack
from master_dataset.partitioning import LogicalHour
from spark_jobs.utils.lake import LAYERS

if TYPE_CHECKING:
    from airflow_client.client import ApiClient

LOG_GROUPS = {
    "airflow": ("airflow-",),
    "spark": ("spark-",),
    "hdfs": ("hdfs-",),
    "mongo": ("mongo", "nx-27017", "mongo-express"),
    "simulator": ("tmdb-simulator",),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack", description=__doc__)
    parser.add_argument("command", choices=sorted(COMMANDS))
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        stack = EmbeddedStack(get_settings())
        return COMMANDS[options.command](stack, options.args)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ServiceError as error:  # an AirflowAPIError too: the API refused a request or is unreachable
        print(f"error: {error}", file=sys.stderr)
        return 1


def up(stack: EmbeddedStack, _: list[str]) -> int:
    started = time.monotonic()
    stack.up()
    print(f"embedded stack healthy in {time.monotonic() - started:.0f} s")
    ui(stack, [])
    return 0


def down(stack: EmbeddedStack, _: list[str]) -> int:
    stopped = stack.down()
    print(f"stopped: {', '.join(stopped) if stopped else 'nothing was running'}")
    return 0


def down_v(stack: EmbeddedStack, args: list[str]) -> int:
    down(stack, args)
    stack.destroy_data()
    print(f"deleted {stack.settings.data_dir}")
    return 0


def ps(stack: EmbeddedStack, _: list[str]) -> int:
    print(f"{'SERVICE':22} {'PID':>8}  {'STATE':8} PORTS")
    for service, pid, _healthy in stack.status():
        state = "running" if pid else "stopped"
        ports = ",".join(str(port) for port in service.ports) or "-"
        print(f"{service.name:22} {pid or '-':>8}  {state:8} {ports}")
    return 0


def health(stack: EmbeddedStack, _: list[str]) -> int:
    failures = 0
    for service, pid, healthy in stack.status():
        if healthy:
            detail = "healthy"
            if service.name == "spark-master":
                detail += f" ({stack.spark_workers()} alive worker(s))"
            elif service.name == "hdfs-namenode":
                live = len(hdfs.live_datanodes(stack.hdfs))
                detail += f" (out of safe mode, {live} of {len(stack.hdfs.datanodes)} DataNodes live)"
        else:
            failures += 1
            detail = "UNHEALTHY (running)" if pid else "DOWN"
        print(f"{service.name:22} {detail}")
    return 1 if failures else 0


def ui(stack: EmbeddedStack, _: list[str]) -> int:
    rows = stack.urls()
    width = max(len(name) for name, _, _ in rows)
    for name, url, login in rows:
        print(f"{name:{width}} {url:45} {login}")
    return 0


def logs(stack: EmbeddedStack, args: list[str]) -> int:
    prefixes = LOG_GROUPS.get(args[0], (args[0],)) if args else ("",)
    files = sorted(str(path) for path in stack.run_dir.glob("*.log") if any(path.name.startswith(p) for p in prefixes))
    if not files:
        print(f"no logs under {stack.run_dir} yet: start the stack with make up", file=sys.stderr)
        return 1
    os.execvp("tail", ["tail", "-n", "50", "-F", *files])  # noqa: S606 - hands the terminal to tail
    return 0


def api(stack: EmbeddedStack) -> AbstractContextManager[ApiClient]:
    """Airflow's client, logged in as the stack's admin (imported here: the client takes seconds to import)."""
    from local_stack.airflow_api import connect

    s = stack.settings
    return connect(
        f"http://127.0.0.1:{s.airflow_api_port}", s.airflow_admin_username, s.airflow_admin_password.get_secret_value()
    )


def scheduler_running(stack: EmbeddedStack) -> Callable[[], None]:
    """A check for the loops that wait on runs: without the scheduler no run of the stack moves on."""

    def check() -> None:
        scheduler = stack.service("airflow-scheduler")
        if processes.read_pid(scheduler.pid_file) is None:
            raise ServiceError(
                f"the Airflow scheduler is not running (its log: {scheduler.log_file}); `make up` starts it "
                "again and the runs carry on from where they are"
            )

    return check


def trigger_dag(stack: EmbeddedStack, args: list[str]) -> int:
    """Triggers tmdb_batch_pipeline (unpausing it) and prints each task's state as it changes."""
    parser = argparse.ArgumentParser(prog="make trigger-dag")
    parser.add_argument("--logical-date", help="ISO timestamp (default: now; the run processes its hour)")
    parser.add_argument(
        "--reingest", action="store_true", help="fetch a stored hour again and rebuild what depends on it"
    )
    options = parser.parse_args(args)
    dag_id = stack.settings.pipeline_dag_id
    logical_date = datetime.fromisoformat(options.logical_date) if options.logical_date else datetime.now(UTC)
    if logical_date.tzinfo is None:
        logical_date = logical_date.replace(tzinfo=UTC)
    from airflow_client.client import DAGApi, DAGPatchBody, DagRunApi, TriggerDAGRunPostBody

    from local_stack.airflow_api import TIMEOUT, follow

    with api(stack) as client:
        DAGApi(client).patch_dag(dag_id, DAGPatchBody(is_paused=False), ["is_paused"], _request_timeout=TIMEOUT)
        body = TriggerDAGRunPostBody(logical_date=logical_date, conf={"reingest": True} if options.reingest else {})
        run_id = DagRunApi(client).trigger_dag_run(dag_id, body, _request_timeout=TIMEOUT).dag_run_id
        hour = LogicalHour.of(logical_date)
        print(f"triggered {dag_id} run {run_id} for {hour.batch_run_id}; following it (Ctrl-C stops following only)")
        state = follow(client, dag_id, run_id, print, check=scheduler_running(stack))
    print(f"run {run_id}: {state}  (http://localhost:{stack.settings.airflow_api_port}/dags/{dag_id})")
    return 0 if state == "success" else 1


def backfill_bound(text: str, *, end_of_day: bool) -> datetime:
    """A backfill bound in UTC: a date covers its whole day, a timestamp is taken as it is."""
    bound = datetime.fromisoformat(text)
    if bound.tzinfo is None:
        bound = bound.replace(tzinfo=UTC)
    if end_of_day and len(text) == len("YYYY-MM-DD"):
        bound += timedelta(hours=23, minutes=59)
    return bound


def backfill(stack: EmbeddedStack, args: list[str]) -> int:
    """Creates an Airflow backfill of tmdb_batch_pipeline for [START, END] and reports each run as it ends."""
    parser = argparse.ArgumentParser(prog="make backfill")
    parser.add_argument("start", help="YYYY-MM-DD (from 00:00 UTC) or an ISO timestamp such as 2025-11-09T08:00")
    parser.add_argument("end", help="YYYY-MM-DD (until its 20:00 run) or an ISO timestamp (inclusive)")
    options = parser.parse_args(args)
    try:
        start, end = backfill_bound(options.start, end_of_day=False), backfill_bound(options.end, end_of_day=True)
    except ValueError:
        print(
            f"error: START and END must be dates YYYY-MM-DD or ISO timestamps, got {options.start!r} and "
            f"{options.end!r}",
            file=sys.stderr,
        )
        return 2
    if end < start:
        print(f"error: END {options.end} is before START {options.start}", file=sys.stderr)
        return 2
    from airflow_client.client import BackfillApi, BackfillPostBody, DAGApi, DAGPatchBody, ReprocessBehavior

    from local_stack.airflow_api import TIMEOUT, wait_backfill

    dag_id = stack.settings.pipeline_dag_id
    body = BackfillPostBody(
        dag_id=dag_id,
        from_date=start,
        to_date=end,
        run_backwards=False,
        dag_run_conf={},
        reprocess_behavior=ReprocessBehavior.COMPLETED,
        max_active_runs=1,
    )
    with api(stack) as client:
        DAGApi(client).patch_dag(dag_id, DAGPatchBody(is_paused=False), ["is_paused"], _request_timeout=TIMEOUT)
        created = BackfillApi(client).create_backfill(body, _request_timeout=TIMEOUT)
        print(f"backfill {created.id} of {dag_id} from {start:%Y-%m-%d} to {end:%Y-%m-%d}; waiting for its runs")
        runs = wait_backfill(client, created, print, check=scheduler_running(stack))
    failed = [run for run in runs if run.state.value != "success"]
    print(f"backfill {created.id}: {len(runs) - len(failed)} of {len(runs)} runs succeeded")
    return 1 if failed else 0


def hdfs_shell(stack: EmbeddedStack, args: list[str]) -> int:
    """``hdfs dfs ARGS`` (Hadoop's FsShell) against the embedded stack's NameNode; ``dfs`` itself may be omitted."""
    if args[:1] == ["dfs"]:
        args = args[1:]
    argv = hdfs.fs_shell_argv(stack.hdfs, *args)
    os.execvp(argv[0], argv)  # noqa: S606 - hands the terminal to Hadoop's shell
    return 0


def hdfs_ls(stack: EmbeddedStack, _: list[str]) -> int:
    """make hdfs-ls: the lake's folders down to its partitions, with the files in each, from ``hdfs dfs -ls -R``."""
    root = stack.settings.lake_root
    listing = subprocess.run(
        hdfs.fs_shell_argv(stack.hdfs, "-ls", "-R", root), capture_output=True, text=True, check=False
    )
    if listing.returncode != 0:
        print(f"error: hdfs dfs -ls -R {root} failed:\n{listing.stderr.strip()[-2000:]}", file=sys.stderr)
        return 1
    folders: dict[str, list[int]] = {}
    for line in listing.stdout.splitlines():
        fields = line.split()
        if len(fields) < 8:
            continue
        path = fields[-1].removeprefix(root).lstrip("/")
        if line.startswith("d"):
            folders.setdefault(path, [])
        else:
            folders.setdefault(path.rpartition("/")[0], []).append(int(fields[4]))
    print(f"hdfs dfs -ls -R {root}  (folders; files and bytes where a folder holds files)")
    for folder, sizes in sorted(folders.items()):
        detail = f"  {len(sizes)} files, {sum(sizes) / 1024:.0f} KiB" if sizes else ""
        print(f"  {folder}/{detail}")
    return 0


def hdfs_create_dirs(stack: EmbeddedStack, _: list[str]) -> int:
    """make hdfs-create-dirs: ``hdfs dfs -mkdir -p`` of the lake's layer folders."""
    root = stack.settings.lake_root
    layers = [f"{root}/{layer}" for layer in LAYERS]
    created = subprocess.run(hdfs.fs_shell_argv(stack.hdfs, "-mkdir", "-p", *layers), check=False)
    if created.returncode == 0:
        print(f"layer folders under {root}: {', '.join(LAYERS)}")
    return created.returncode


def airflow(stack: EmbeddedStack, args: list[str]) -> int:
    """Runs the airflow CLI against the embedded stack's metadata and configuration."""
    env = {**os.environ, **airflow_env(stack.settings)}
    binary = os.path.join(os.path.dirname(sys.executable), "airflow")
    os.execve(binary, [binary, *args], env)  # noqa: S606
    return 0


def demo(_stack: EmbeddedStack, args: list[str]) -> int:
    from local_stack.demo import main as run_demo

    parser = argparse.ArgumentParser(prog="make demo")
    parser.add_argument("--runs", type=int, default=2, help="logical hours of history (4 hours apart)")
    parser.add_argument(
        "--catalogue",
        choices=("lists", "full"),
        default="lists",
        help="lists: the seed's run; full: TMDB_CATALOGUE=full over a small simulated catalogue (make down-v first)",
    )
    options = parser.parse_args(args)
    return run_demo(options.runs, options.catalogue)


COMMANDS = {
    "demo": demo,
    "trigger-dag": trigger_dag,
    "backfill": backfill,
    "up": up,
    "down": down,
    "down-v": down_v,
    "ps": ps,
    "health": health,
    "ui": ui,
    "logs": logs,
    "airflow": airflow,
    "hdfs": hdfs_shell,
    "hdfs-ls": hdfs_ls,
    "hdfs-create-dirs": hdfs_create_dirs,
}

if __name__ == "__main__":
    sys.exit(main())
