"""MZM transfer (cos^2), extinction ratio, insertion loss, bias points."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim_backends.physics.mzm import MZM, bias_voltage


def test_ideal_mzm_intensity_is_cos_squared():
    mzm = MZM(v_pi=4.0, v_bias=0.0, extinction_ratio_db=np.inf, insertion_loss_db=0.0)
    v = np.linspace(-8, 8, 1001)
    assert np.allclose(mzm.power_transfer(v), np.cos(np.pi * v / (2 * 4.0)) ** 2, atol=1e-12)


@pytest.mark.parametrize("er_db,il_db", [(25.0, 4.5), (30.0, 5.0), (20.0, 3.0)])
def test_extinction_ratio_and_insertion_loss(er_db, il_db):
    mzm = MZM(v_pi=5.0, v_bias=0.0, extinction_ratio_db=er_db, insertion_loss_db=il_db)
    v = np.linspace(0, 2 * 5.0, 20001)
    t = mzm.power_transfer(v)
    assert np.isclose(10 * np.log10(t.max() / t.min()), er_db, atol=1e-3)
    assert np.isclose(-10 * np.log10(t.max()), il_db, atol=1e-6)
    assert np.isclose(v[np.argmin(t)], 5.0, atol=1e-3)    # null at V_pi from the peak


def test_bias_points():
    mzm = MZM.biased("quadrature", v_pi=5.0, extinction_ratio_db=np.inf, insertion_loss_db=0.0)
    assert np.isclose(mzm.power_transfer(0.0), 0.5)
    assert mzm.power_transfer(0.1) > 0.5                  # rising slope at quadrature
    assert np.isclose(MZM.biased("null", v_pi=5.0, extinction_ratio_db=np.inf).power_transfer(0.0), 0.0)
    assert bias_voltage("peak", 5.0) == 0.0
    with pytest.raises(ValueError):
        bias_voltage("sideways", 5.0)


@given(st.floats(-20, 20), st.floats(1, 8))
def test_modulated_field_power_matches_power_transfer(v, v_pi):
    mzm = MZM(v_pi=v_pi, v_bias=-v_pi / 2)
    field = np.full((2, 4), 0.03 + 0.0j, dtype=np.complex64)
    out = mzm.modulate(field, np.full(4, v))
    assert np.allclose(np.abs(out) ** 2, 0.03**2 * mzm.power_transfer(v), rtol=1e-4, atol=1e-12)


def test_quadrature_small_signal_slope_is_pi_over_2vpi():
    """dT/dV at quadrature = IL pi / (2 V_pi) (1 - eps^2)."""
    mzm = MZM(v_pi=5.0, v_bias=-2.5, extinction_ratio_db=25.0, insertion_loss_db=4.5)
    dv = 1e-4
    slope = (mzm.power_transfer(dv) - mzm.power_transfer(-dv)) / (2 * dv)
    eps2 = 10 ** (-2.5)
    assert np.isclose(slope, 10 ** (-0.45) * np.pi / (2 * 5.0) * (1 - eps2), rtol=1e-6)
