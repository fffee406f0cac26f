"""The engine's in-process batches: the batched path is taken on the in-process
table, and batch sizes 1, 7 and 64 give identical products (a frame's codes do
not depend on its batch)."""
from __future__ import annotations

import numpy as np
import pytest

from labctl.bench import load_bench
from labctl.mvm import SimBackend
from labctl.mvm.local_frames import batched


@pytest.fixture(scope="module")
def calibrated():
    bench = load_bench()
    return bench, SimBackend(bench, seed=1).calibration


def _product(bench, cal, batch):
    be = SimBackend(bench, seed=2, calibration=cal)
    be.engine.frame_batch = batch
    rng = np.random.default_rng(0)
    w, x = rng.uniform(-1, 1, (24, 40)), rng.uniform(-1, 1, (40, 16))
    return be.engine, be.matmul(w, x)


def test_in_process_table_takes_the_batched_path(calibrated):
    engine, _ = _product(*calibrated, batch=8)
    assert batched(engine)
    engine.frame_batch = 1
    assert not batched(engine)


@pytest.mark.parametrize("batch", [7, 64])
def test_batch_size_does_not_change_the_product(calibrated, batch):
    _, serial = _product(*calibrated, batch=1)
    engine, y = _product(*calibrated, batch=batch)
    assert engine.frames_run > batch or batch == 64
    assert y.tobytes() == serial.tobytes()
