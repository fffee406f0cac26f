"""Calibration at symbol rates where the bench's two scopes (UXR 128 GSa/s,
DPO70000SX 100 GSa/s) resample to records of different lengths."""
from __future__ import annotations

import numpy as np

from labctl.bench import load_bench
from labctl.metrics import enob
from labctl.mvm import FrameFormat, SimBackend


def test_default_bench_calibrates_and_computes_at_30_67_gbd():
    bench = load_bench()
    rate = 92e9 / 3                         # 3 Sa/symbol on the M8196A
    be = SimBackend(bench, seed=3, frame=FrameFormat(symbol_rate=rate))
    skews = be.calibration.skew_s
    period = FrameFormat(symbol_rate=rate).n_symbols / rate
    assert set(skews) == {e.name for e in bench.topology.edges}
    assert all(0 <= s < period for s in skews.values())
    rng = np.random.default_rng(0)
    w, x = rng.uniform(-1, 1, (8, 8)), rng.uniform(-1, 1, (8, 16))
    assert enob(be.matmul(w, x), w @ x) > 1.0    # a product, not noise


def test_measured_skew_follows_the_fibre_group_delay():
    """Lengthening edge B's span by dL moves its measured arrival by dL n_g / c
    (modulo the frame period): a whole period is correlated, not a cut-short one."""
    from labctl.bench import parse_bench
    from labctl.bench.topology import SPEED_OF_LIGHT
    base = load_bench()
    span = base.topology.edges[1].spans[0]
    arrivals = []
    for extra in (0.0, 6.0):
        text = base.source_text.replace("length_m = 40e3", f"length_m = {40e3 + extra}", 1)
        arrivals.append(SimBackend(parse_bench(text), seed=1).calibration.skew_s["edge_b"])
    period = FrameFormat(symbol_rate=base.topology.symbol_rate_hz).n_symbols \
        / base.topology.symbol_rate_hz
    moved = (arrivals[1] - arrivals[0]) % period
    expected = 6.0 * span.group_index / SPEED_OF_LIGHT                 # 29.4 ns
    assert abs(moved - expected) < 0.5e-9, (moved, expected)
