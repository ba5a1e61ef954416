"""The TMDB simulator for tests: a small catalogue served from this process on a free port, clock frozen."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from master_dataset.simulator import Faults, RunningSimulator, SimulatorConfig, control

TEST_CLOCK = datetime(2025, 11, 9, 12, tzinfo=UTC)
TEST_CONFIG = SimulatorConfig(
    seed=7,
    movies=500,
    people=2000,
    review_page_size=5,
    clock=TEST_CLOCK,
    frozen=True,
    # No latency and a generous limit: tests that need faults or a tight limit set them explicitly.
    faults=Faults(rate_limit=10000, stall_seconds=1.5),
)


def start_simulator(**overrides: Any) -> RunningSimulator:
    return RunningSimulator(replace(TEST_CONFIG, **overrides))


def reset(simulator: RunningSimulator) -> None:
    """Back to the starting faults and clock, with fresh counters, so tests sharing a server stay independent."""
    control.set_faults(simulator.base_url, reset=True)
    control.set_clock(simulator.base_url, TEST_CLOCK, frozen=True)
    control.reset_stats(simulator.base_url)
