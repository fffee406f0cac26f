"""Fixtures of the driver tests."""
from __future__ import annotations

import pytest
from drivers_sim_bench import EVERY_MODEL, bench_of, serving


@pytest.fixture(scope="module")
def every_model():
    """All ten models served on loopback for the module (no table)."""
    bench = bench_of(**EVERY_MODEL)
    with serving(bench) as servers:
        yield bench, servers
