"""``python -m master_dataset.simulator --host H --port P [...]``: serve the TMDB simulator until stopped.

Defaults come from the settings (``TMDB_SIMULATOR_*``); every option overrides its setting.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from dataclasses import replace
from types import FrameType

from config.settings import get_settings
from master_dataset.simulator.server import SimulatorConfig, make_server, parse_moment

log = logging.getLogger("master_dataset.simulator")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    settings = get_settings()
    parser = argparse.ArgumentParser(prog="python -m master_dataset.simulator", description=__doc__)
    parser.add_argument("--host", default=settings.bind_host)
    parser.add_argument("--port", type=int, default=settings.tmdb_simulator_port)
    parser.add_argument("--seed", type=int, default=settings.tmdb_simulator_seed)
    parser.add_argument("--movies", type=int, default=settings.tmdb_simulator_movies)
    parser.add_argument("--people", type=int, default=settings.tmdb_simulator_people)
    parser.add_argument("--api-key", default=None, help="enforce this key (api_key param or Bearer); default any")
    parser.add_argument("--rate-limit", type=float, default=settings.tmdb_simulator_rate_limit, help="requests/s")
    parser.add_argument("--latency-ms", type=float, default=settings.tmdb_simulator_latency_ms)
    parser.add_argument("--error-rate", type=float, default=settings.tmdb_simulator_error_rate, help="5xx share")
    parser.add_argument("--timeout-rate", type=float, default=settings.tmdb_simulator_timeout_rate)
    parser.add_argument("--malformed-rate", type=float, default=settings.tmdb_simulator_malformed_rate)
    parser.add_argument("--truncated-rate", type=float, default=settings.tmdb_simulator_truncated_rate)
    parser.add_argument("--drop-rate", type=float, default=settings.tmdb_simulator_drop_rate)
    parser.add_argument("--stall-seconds", type=float, default=30.0, help="how long a timeout fault stalls")
    parser.add_argument("--review-page-size", type=int, default=settings.tmdb_simulator_review_page_size)
    parser.add_argument("--clock", default=settings.tmdb_simulator_clock, help="start the clock at this ISO time")
    parser.add_argument("--freeze-clock", action="store_true", help="keep the clock at --clock")
    parser.add_argument(
        "--no-warm-up",
        action="store_true",
        help="do not build every movie's core at start (lists build them on first use; exports never keep them)",
    )
    parser.add_argument("--log-level", default="INFO")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=args.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    base = SimulatorConfig.from_settings(get_settings())
    faults = base.faults.updated(
        {
            "rate_limit": args.rate_limit,
            "latency_ms": args.latency_ms,
            "error_rate": args.error_rate,
            "timeout_rate": args.timeout_rate,
            "malformed_rate": args.malformed_rate,
            "truncated_rate": args.truncated_rate,
            "drop_rate": args.drop_rate,
            "stall_seconds": args.stall_seconds,
        }
    )
    config = replace(
        base,
        seed=args.seed,
        movies=args.movies,
        people=args.people,
        api_key=args.api_key,
        review_page_size=args.review_page_size,
        clock=parse_moment(args.clock) if args.clock else None,
        frozen=args.freeze_clock,
        faults=faults,
    )
    server = make_server(config, args.host, args.port)

    def stop(signum: int, frame: FrameType | None) -> None:
        log.info("signal %d: stopping", signum)
        server.state.stopping.set()
        # shutdown() waits for serve_forever to return, so it must not run on the serving thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info(
        "TMDB simulator on http://%s:%d/3 (files: /files): %d movies, %d people, seed %d, clock %s, rate limit %g/s, "
        "latency %g ms",
        args.host,
        args.port,
        config.movies,
        config.people,
        config.seed,
        server.state.clock.describe()["now"],
        faults.rate_limit,
        faults.latency_ms,
    )
    # Build the per-movie cores in the background so that the first list request is fast, without delaying /health.
    if not args.no_warm_up:
        threading.Thread(target=server.state.catalogue.warm_up, daemon=True).start()
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
