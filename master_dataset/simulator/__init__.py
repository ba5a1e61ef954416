"""The TMDB simulator: a local server speaking the subset of TMDB v3 the ingestion uses.

Run it with ``python -m master_dataset.simulator --host H --port P``; embed it with :class:`RunningSimulator`;
steer it with :mod:`master_dataset.simulator.control`. See ``master_dataset/README.md``.
"""

from __future__ import annotations

from master_dataset.simulator.server import FaultRule, Faults, RunningSimulator, SimulatorConfig, make_server

__all__ = ["FaultRule", "Faults", "RunningSimulator", "SimulatorConfig", "make_server"]
