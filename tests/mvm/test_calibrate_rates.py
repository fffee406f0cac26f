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
