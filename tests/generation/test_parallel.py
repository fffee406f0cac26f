"""Parallel products on disjoint edge nodes of one wdm centre stay apart."""
from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from labctl.generation.parallel import (
    ParallelCentre,
    Rendezvous,
    edge_partitions,
    measure_crosstalk,
)
from labctl.metrics import enob
from labctl.mvm import SimBackend
from sim_backends.table import NoiseSwitches


@pytest.fixture(scope="module")
def quiet(bench, calibration_file):
    """Deterministic table (no random noise) that keeps the hardware's crosstalk."""
    noise = dataclasses.replace(NoiseSwitches.none(), crosstalk=True)
    return SimBackend(bench, seed=bench.seed, calibration=str(calibration_file), noise=noise)


def test_partitions_follow_the_edge_nodes(bench):
    parts = edge_partitions(bench, 2)
    assert [p.name for p in parts] == [e.name for e in bench.topology.edges[:2]]
    assert set(parts[0].ports).isdisjoint(parts[1].ports)
    with pytest.raises(ValueError, match="edge nodes"):
        edge_partitions(bench, len(bench.topology.edges) + 1)


def test_each_model_gets_its_own_product_and_not_the_other(quiet, bench):
    rng = np.random.default_rng(7)
    w1, x1 = rng.uniform(-1, 1, (6, 10)), rng.uniform(-1, 1, (10, 24))
    w2, x2 = rng.uniform(-1, 1, (9, 5)), rng.uniform(-1, 1, (5, 40))
    centre = ParallelCentre(quiet.engine, edge_partitions(bench, 2))
    y1, y2 = centre.run_together([(w1, x1), (w2, x2)])
    assert y1.shape == (6, 24) and y2.shape == (9, 40)
    assert enob(y1, w1 @ x1) > 4.0 and enob(y2, w2 @ x2) > 4.0
    # the same product 1 beside *different* data of model 2: only crosstalk may differ
    y1b, _ = centre.run_together([(w1, x1), (w2, -x2)])
    # (a mixed-up centre would move it by the order of model 2's product range, ~1)
    leak = np.std(y1b - y1) / np.ptp(w1 @ x1)
    assert leak < 0.02, f"model 2's data moved model 1's result by {leak:.3g} of its range"


def test_rendezvous_serves_clients_with_different_numbers_of_products(quiet, bench):
    rng = np.random.default_rng(3)
    w, x = rng.uniform(-1, 1, (4, 4)), rng.uniform(-1, 1, (4, 3))
    rv = Rendezvous(ParallelCentre(quiet.engine, edge_partitions(bench, 2)))
    one, three = rv.run([lambda be: be.matmul(w, x), lambda be: [be.matmul(w, x) for _ in range(3)]])
    assert one.shape == (4, 3) and len(three) == 3
    assert all(enob(y, w @ x) > 2.0 for y in [one, *three])
    assert rv.centre.frames == 3  # the first frame shared, two more for the second client alone


def test_rendezvous_hands_a_client_error_back():
    class Boom(Exception):
        pass

    def fail(_backend):
        raise Boom("model failed")

    rv = Rendezvous(centre=None)
    with pytest.raises(Boom):
        rv.run([fail])


def test_crosstalk_is_measured_below_the_signal(quiet, bench):
    xt = measure_crosstalk(quiet.engine, edge_partitions(bench, 2), frames=1, seed=1)
    assert xt.shape == (2, 2) and np.isnan(xt[0, 0]) and np.isnan(xt[1, 1])
    off = xt[~np.eye(2, dtype=bool)]
    assert np.all(off[np.isfinite(off)] < -10.0)
