import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from sim_backends.physics import units
from sim_backends.physics.streams import Streams


@given(st.floats(-60, 40))
def test_dbm_round_trip(p_dbm):
    assert np.isclose(units.w_to_dbm(units.dbm_to_w(p_dbm)), p_dbm, atol=1e-9)


def test_dbm_reference_points():
    assert units.dbm_to_w(0) == 1e-3
    assert np.isclose(units.dbm_to_w(30), 1.0)
    assert np.isclose(units.db_per_km_to_neper_per_m(0.2) * 20e3, np.log(10 ** 0.4))


def test_streams_are_deterministic_in_seed_and_names():
    a = Streams(7).rng("laser", "edge_a", 3).standard_normal(16)
    b = Streams(7).rng("laser", "edge_a", 3).standard_normal(16)
    assert np.array_equal(a, b)


def test_streams_do_not_depend_on_request_order():
    s = Streams(7)
    s.rng("pd").random(100)
    x = s.rng("adc").random(8)
    assert np.array_equal(x, Streams(7).rng("adc").random(8))


@given(st.integers(0, 2**32), st.text(min_size=1, max_size=8), st.integers(0, 1000))
def test_different_names_or_seeds_give_different_streams(seed, name, index):
    base = Streams(seed).rng(name, index).integers(0, 2**62, 4)
    assert not np.array_equal(base, Streams(seed).rng(name, index + 1).integers(0, 2**62, 4))
    assert not np.array_equal(base, Streams(seed + 1).rng(name, index).integers(0, 2**62, 4))
