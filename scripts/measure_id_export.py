"""The simulator's daily ID export at scale: time to serve it and the simulator's peak memory while it does.

    python scripts/measure_id_export.py [--movies 1000000] [--warm-up] [--out figures.json]

Starts the simulator in its own process (``--no-warm-up`` unless ``--warm-up``: the cores the lists sort by are
not the export's), downloads one day's export with the TMDB client (``download_export``: streamed to a file, the
gzip stream and every line checked on the way), counts its entries with ``read_export``, and samples the
simulator's resident memory (RSS, psutil) every 0.1 s. Prints the figures as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from master_dataset.tmdb_client import TMDBClient, read_export

DAY = date(2025, 11, 9)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--movies", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--warm-up", action="store_true", help="let the simulator build every movie core first")
    parser.add_argument("--out", type=Path, help="also write the figures as JSON here")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PeakRss(threading.Thread):
    """Samples a process's RSS until stopped."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.process = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, self.process.memory_info().rss)
            self.stopped.wait(self.interval)


def main() -> int:
    args = parse_args()
    port = free_port()
    clock = datetime(DAY.year, DAY.month, DAY.day, 12, tzinfo=UTC).isoformat()
    argv = [sys.executable, "-m", "master_dataset.simulator", "--port", str(port), "--seed", str(args.seed)]
    argv += ["--movies", str(args.movies), "--people", "1000", "--clock", clock, "--freeze-clock"]
    argv += ["--log-level", "WARNING"] + ([] if args.warm_up else ["--no-warm-up"])
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(argv, cwd=root, start_new_session=True)
    try:
        for _ in range(300):
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1.0).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        if args.warm_up:
            # Crude but enough: the warm-up is done when the first list page answers at once.
            httpx.get(f"http://127.0.0.1:{port}/3/movie/popular", timeout=600.0)
        rss_before = psutil.Process(process.pid).memory_info().rss
        sampler = PeakRss(process.pid)
        sampler.start()
        with (
            tempfile.TemporaryDirectory() as directory,
            TMDBClient(f"http://127.0.0.1:{port}/3", files_base_url=f"http://127.0.0.1:{port}/files", timeout=60) as c,
        ):
            started = time.monotonic()
            download = c.download_export(DAY, directory)
            served = time.monotonic() - started
            sampler.stopped.set()
            sampler.join()
            started = time.monotonic()
            entries = sum(1 for _ in read_export(download.path))
            read = time.monotonic() - started
        figures = {
            "movies": args.movies,
            "warm_up": args.warm_up,
            "file": download.file_name,
            "entries": entries,
            "compressed_mb": round(download.size_bytes / 1e6, 1),
            "serve_seconds": round(served, 1),
            "movies_per_second": round(entries / served),
            "simulator_rss_before_mb": round(rss_before / 2**20),
            "simulator_rss_peak_mb": round(sampler.peak / 2**20),
            "read_export_seconds": round(read, 1),
        }
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    text = json.dumps(figures, indent=2)
    sys.stdout.write(text + "\n")
    if args.out:
        args.out.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
