"""Command line of the embedded stack: ``python -m local_stack {up,down,down-v,ps,health,ui,logs,airflow}``."""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time

from config.settings import SettingsError, get_settings
from local_stack.processes import ServiceError
from local_stack.services import airflow_env
from local_stack.stack import EmbeddedStack

LOG_GROUPS = {
    "airflow": ("airflow-",),
    "spark": ("spark-",),
    "mongo": ("mongo", "nx-27017"),
    "simulator": ("tmdb-simulator",),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local_stack", description=__doc__)
    parser.add_argument("command", choices=["up", "down", "down-v", "ps", "health", "ui", "logs", "airflow"])
    parser.add_argument("args", nargs=argparse.REMAINDER)
    options = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    try:
        stack = EmbeddedStack(get_settings())
        return COMMANDS[options.command](stack, options.args)
    except SettingsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ServiceError as error:
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
        else:
            failures += 1
            detail = "UNHEALTHY (running)" if pid else "DOWN"
        print(f"{service.name:22} {detail}")
    return 1 if failures else 0


def ui(stack: EmbeddedStack, _: list[str]) -> int:
    for name, url, login in stack.urls():
        print(f"{name:20} {url:45} {login}")
    return 0


def logs(stack: EmbeddedStack, args: list[str]) -> int:
    prefixes = LOG_GROUPS.get(args[0], (args[0],)) if args else ("",)
    files = sorted(str(path) for path in stack.run_dir.glob("*.log") if any(path.name.startswith(p) for p in prefixes))
    if not files:
        print(f"no logs under {stack.run_dir} yet: start the stack with make up", file=sys.stderr)
        return 1
    os.execvp("tail", ["tail", "-n", "50", "-F", *files])  # noqa: S606 - hands the terminal to tail
    return 0


def airflow(stack: EmbeddedStack, args: list[str]) -> int:
    """Runs the airflow CLI against the embedded stack's metadata and configuration."""
    env = {**os.environ, **airflow_env(stack.settings)}
    binary = os.path.join(os.path.dirname(sys.executable), "airflow")
    os.execve(binary, [binary, *args], env)  # noqa: S606
    return 0


COMMANDS = {
    "up": up,
    "down": down,
    "down-v": down_v,
    "ps": ps,
    "health": health,
    "ui": ui,
    "logs": logs,
    "airflow": airflow,
}

if __name__ == "__main__":
    sys.exit(main())
