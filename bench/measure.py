"""Measuring a command: wall time and the peak memory (PSS) of its process tree, sampled from a thread.

PSS (proportional set size) shares the pages that processes share (Spark forks its Python workers, Airflow its
task runners) among them, so a tree's sum is what the tree costs the machine, not the double count of RSS.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import psutil

log = logging.getLogger(__name__)

MIB = 2**20


def proportional_memory(process: psutil.Process) -> int:
    """PSS of one process in bytes (``/proc/PID/smaps_rollup``); RSS where the kernel does not tell PSS.

    Reading PSS walks the process's page tables: about 40 ms of CPU for a JVM of 2 GB, hence the sampling
    intervals of a second or half a second.
    """
    try:
        with open(f"/proc/{process.pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except PermissionError:
        pass
    except OSError:  # gone meanwhile (ENOENT, ESRCH), or a kernel without smaps_rollup
        if not process.is_running():
            raise psutil.NoSuchProcess(process.pid) from None
    return int(process.memory_info().rss)


def tree_memory(pids: Iterable[int]) -> int:
    """Sum of the PSS of the processes ``pids`` and all their descendants, in bytes; vanished ones count 0."""
    seen: set[int] = set()
    total = 0
    for pid in pids:
        try:
            root = psutil.Process(pid)
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            continue
        for process in tree:
            if process.pid in seen:
                continue
            seen.add(process.pid)
            try:
                total += proportional_memory(process)
            except (psutil.Error, OSError):
                continue
    return total


class PeakSampler:
    """Samples ``probe()`` (bytes) every ``interval`` seconds in a thread while the ``with`` block runs."""

    def __init__(self, probe: Callable[[], int], interval: float = 1.0) -> None:
        self._probe = probe
        self._interval = interval
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="peak-sampler", daemon=True)
        self.samples: list[tuple[float, int]] = []

    def _sample(self) -> None:
        while not self._done.is_set():
            try:
                self.samples.append((time.monotonic(), self._probe()))
            except (psutil.Error, OSError) as error:  # a process ended between listing and reading
                log.debug("memory sample skipped: %s", error)
            self._done.wait(self._interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self._done.set()
        self._thread.join()

    @property
    def peak(self) -> int:
        return max((value for _, value in self.samples), default=0)

    @property
    def mean(self) -> float:
        return sum(value for _, value in self.samples) / len(self.samples) if self.samples else 0.0


@dataclass(frozen=True)
class Measured:
    """What one command cost: wall time, peak memory of its tree, exit code, and where its output went."""

    command: str
    wall_seconds: float
    peak_memory_mb: int
    returncode: int
    log_file: Path

    def as_dict(self) -> dict[str, object]:
        return {
            "command": self.command,
            "wall_seconds": round(self.wall_seconds, 1),
            "peak_memory_mb": self.peak_memory_mb,
            "returncode": self.returncode,
        }


def run_measured(
    argv: Sequence[str], env: Mapping[str, str], log_file: Path, cwd: Path, interval: float = 1.0
) -> Measured:
    """Runs ``argv`` to its end with stdout and stderr in ``log_file``; never raises on a non-zero exit."""
    command = " ".join(argv)
    log.info("running %s (output in %s)", command, log_file)
    log_file.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with log_file.open("wb") as stream:
        process = subprocess.Popen(list(argv), env=dict(env), cwd=cwd, stdout=stream, stderr=subprocess.STDOUT)
        with PeakSampler(lambda: tree_memory([process.pid]), interval) as sampler:
            returncode = process.wait()
    measured = Measured(command, time.monotonic() - started, round(sampler.peak / MIB), returncode, log_file)
    log.info(
        "%s: exit %d in %.1f s, peak %d MiB", label(argv), returncode, measured.wall_seconds, measured.peak_memory_mb
    )
    return measured


def label(argv: Sequence[str]) -> str:
    """A short name of a command: the module of ``python -m M``, else the script's file name."""
    args = list(argv)
    if "-m" in args[:-1]:
        return args[args.index("-m") + 1]
    return Path(args[1]).name if len(args) > 1 else Path(args[0]).name


def tail(path: Path, lines: int = 25) -> str:
    """The last ``lines`` lines of a log, for an error message."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return f"(no log at {path})"
