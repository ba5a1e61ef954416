"""Long-lived local processes: started in their own session, recorded by PID, stopped by process group.

Each process is started with ``setsid`` semantics (``start_new_session=True``) so that it leads its own process
group; stopping it signals the whole group, which also stops the children it forked (Airflow's executors,
Spark's executor JVMs). Nothing here matches processes by name.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Every service of the embedded stack listens on the loopback address only.
HOST = "127.0.0.1"


class ServiceError(RuntimeError):
    """A local service could not be started or is not healthy."""


@dataclass(frozen=True)
class Service:
    """One long-lived process of the embedded stack."""

    name: str
    argv: Sequence[str]
    run_dir: Path
    ports: Sequence[int]
    health: Callable[[], bool]
    env: Mapping[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    start_timeout: float = 60.0
    # What asks its processes to end (KILL follows after the grace period).
    stop_signal: signal.Signals = signal.SIGTERM

    @property
    def pid_file(self) -> Path:
        return self.run_dir / f"{self.name}.pid"

    @property
    def log_file(self) -> Path:
        return self.run_dir / f"{self.name}.log"


def read_pid(pid_file: Path) -> int | None:
    """The PID recorded in ``pid_file`` when that process is still alive, else None."""
    try:
        pid = int(pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if pid_alive(pid) else None


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is not alive for our purposes.
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z"):
            return False
    return True


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return any(pid_alive(pid) for pid in group_members(pgid))


def group_members(pgid: int) -> list[int]:
    """PIDs of every live process in process group ``pgid`` (read from /proc)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # fields: state ppid pgrp ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def http_ok(url: str, timeout: float = 2.0, headers: Mapping[str, str] | None = None) -> bool:
    """True when ``url`` answers 2xx (to a request with ``headers``)."""
    request = urllib.request.Request(url, headers=dict(headers or {}))  # noqa: S310 - local URLs only
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - local URLs only
            return 200 <= response.status < 300
    except (urllib.error.URLError, OSError, ValueError):
        return False


def http_json(url: str, timeout: float = 2.0) -> Any:
    """The JSON ``url`` answers, or None when it does not answer or not with JSON."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - local URLs only
            return json.load(response)
    except (urllib.error.URLError, OSError, ValueError):
        return None


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return f"(no log at {path})"


def start(service: Service) -> int:
    """Starts ``service`` unless it already runs; returns its PID (the leader of its process group)."""
    service.run_dir.mkdir(parents=True, exist_ok=True)
    running = read_pid(service.pid_file)
    if running is not None:
        log.info("%s already running (pid %d)", service.name, running)
        return running
    for port in service.ports:
        if port_in_use(port):
            raise ServiceError(
                f"{service.name}: port {port} is already in use by another process; "
                f"stop it or choose another port (see .env.example)"
            )
    env = {**os.environ, **service.env}
    with service.log_file.open("ab") as log_stream:
        process = subprocess.Popen(
            list(service.argv),
            stdin=subprocess.DEVNULL,
            stdout=log_stream,
            stderr=subprocess.STDOUT,
            cwd=service.cwd,
            env=env,
            start_new_session=True,
        )
    service.pid_file.write_text(f"{process.pid}\n")
    log.info("%s started (pid %d), log %s", service.name, process.pid, service.log_file)
    return process.pid


def wait_healthy(service: Service, deadline: float | None = None) -> None:
    """Waits until ``service.health()`` holds; raises ServiceError with the log's tail when it does not in time."""
    limit = deadline if deadline is not None else time.monotonic() + service.start_timeout
    while time.monotonic() < limit:
        if service.health():
            return
        if read_pid(service.pid_file) is None:
            raise ServiceError(
                f"{service.name} exited during start; last lines of {service.log_file}:\n{tail(service.log_file)}"
            )
        time.sleep(0.5)
    raise ServiceError(
        f"{service.name} not healthy within {service.start_timeout:.0f} s; last lines of {service.log_file}:\n"
        f"{tail(service.log_file)}"
    )


def stop(service: Service, grace: float = 20.0) -> bool:
    """Stops every process of ``service``: its ``stop_signal`` (TERM unless it says otherwise), then KILL after
    ``grace`` seconds. True if it was running.

    A service starts as the leader of a session of its own, so its processes are that session's, in its
    process group or in groups they made (Airflow puts each task in one, and a task's job runs
    there): every group of the session is stopped, not only the leader's.
    """
    try:
        pgid = int(service.pid_file.read_text().strip())
    except (FileNotFoundError, ValueError):
        return False
    groups = {pgid, *session_groups(pgid)}
    was_running = any(group_alive(group) for group in groups)
    if was_running:
        stop_groups(groups, grace, service.stop_signal)
        log.info("%s stopped (process groups %s)", service.name, ", ".join(map(str, sorted(groups))))
    service.pid_file.unlink(missing_ok=True)
    return was_running


def session_groups(sid: int) -> set[int]:
    """The process groups of the processes in session ``sid`` (from /proc; empty where there is none)."""
    groups = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # After "pid (comm) ": state, ppid, pgrp, session, ... (comm may hold spaces and parentheses).
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[3]) == sid:
            groups.add(int(fields[2]))
    return groups


def stop_groups(groups: set[int], grace: float = 20.0, first: signal.Signals = signal.SIGTERM) -> None:
    for group in groups:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, first)
    limit = time.monotonic() + grace
    while time.monotonic() < limit and any(group_alive(group) for group in groups):
        time.sleep(0.2)
    for group in groups:
        if group_alive(group):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
    limit = time.monotonic() + 5
    while time.monotonic() < limit and any(group_alive(group) for group in groups):
        time.sleep(0.1)
