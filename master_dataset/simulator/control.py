"""Client helpers for the simulator's control endpoints, used by tests, the demo and the benchmark.

``base_url`` may be the server root (``http://127.0.0.1:8765``) or the API base (``.../3``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from master_dataset.simulator.server import API_PREFIX


def _root(base_url: str) -> str:
    root = base_url.rstrip("/")
    return root[: -len(API_PREFIX)] if root.endswith(API_PREFIX) else root


def _call(method: str, base_url: str, path: str, payload: dict[str, Any] | None = None) -> dict[str, Any]:
    response = httpx.request(method, _root(base_url) + path, json=payload, timeout=10.0)
    response.raise_for_status()
    return response.json()


def set_clock(base_url: str, moment: datetime | None, frozen: bool = False) -> dict[str, Any]:
    """Sets the simulated clock (None returns to real time); it then advances with real time unless frozen."""
    if moment is not None and moment.tzinfo is None:
        raise ValueError(f"the simulator clock needs a timezone-aware moment, got {moment!r}")
    payload = {"now": moment.isoformat() if moment else None, "frozen": frozen}
    return _call("PUT", base_url, "/__simulator/clock", payload)


def get_clock(base_url: str) -> dict[str, Any]:
    return _call("GET", base_url, "/__simulator/clock")


def set_faults(base_url: str, **changes: Any) -> dict[str, Any]:
    """Changes latency, rate limit, fault shares or rules, e.g. ``set_faults(url, rate_limit=5, latency_ms=150)``.

    ``rules=[{"path": "/3/movie/14", "kind": "server_error", "times": 2}]`` targets one path deterministically;
    ``reset=True`` returns to the faults the server started with.
    """
    return _call("PUT", base_url, "/__simulator/faults", changes)


def get_stats(base_url: str) -> dict[str, int]:
    return _call("GET", base_url, "/__simulator/stats")


def reset_stats(base_url: str) -> None:
    _call("DELETE", base_url, "/__simulator/stats")
