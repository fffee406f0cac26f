import numpy as np
import pytest

from labctl.mvm import encode
from labctl.mvm.plan import frames_needed, plan_product
from labctl.mvm.signed import signed_from_unsigned, to_unsigned


@pytest.mark.parametrize("scheme", ["wdm", "time"])
@pytest.mark.parametrize("m,k,b", [(1, 1, 1), (7, 13, 5), (9, 8, 300), (17, 200, 3)])
def test_tiles_cover_every_element_once(scheme, m, k, b):
    plan = plan_product(m, k, b, scheme, ports=8, lanes=2, frame_slots=128)
    cover = np.zeros((m, k, b), int)
    for t in plan.tiles:
        assert t.rows <= plan.tile_rows and t.ks <= plan.tile_k and t.bs <= plan.tile_b
        cover[t.r0:t.r0 + t.rows, t.k0:t.k0 + t.ks, t.b0:t.b0 + t.bs] += 1
    assert (cover == 1).all()
    assert plan.frames == frames_needed(m, k, b, plan.tile_rows, plan.tile_k, plan.tile_b)


def test_time_tiles_fit_the_frame():
    plan = plan_product(4, 40, 10, "time", lanes=2, frame_slots=128)
    assert plan.tile_k * plan.tile_b <= 128


def test_offset_encoding_is_exact(rng):
    w = rng.uniform(-1, 1, (5, 7))
    x = rng.uniform(-1, 1, (7, 3))
    wu, xu = to_unsigned(w), to_unsigned(x)
    assert np.all((wu >= 0) & (wu <= 1))
    np.testing.assert_allclose(signed_from_unsigned(wu @ xu, wu, xu), w @ x, atol=1e-12)


def test_nominal_predistortion_inverts_cos2():
    codes, t = encode.nominal_curve(10, 0.5, 0.0, 5.0, 10.0)
    u = np.linspace(0, 1, 11)
    c = encode.codes_for(u, (codes, t), 10)
    got = (t[c] - encode.T_LO) / (encode.T_HI - encode.T_LO)
    # 10-bit codes: the transmission step near quadrature is pi/2/1024 of the range
    np.testing.assert_allclose(got, u, atol=3e-3)


def test_ring_inverse_matches_lorentzian():
    p0, width, depth = 1e-3, 0.6e-3, 0.95
    t = np.array([0.1, 0.4, 0.8])
    p = encode.ring_power_for(t, p0, width, depth)
    lor = 1 - depth / (1 + (2 * (p - p0) / width) ** 2)
    np.testing.assert_allclose(lor, t, rtol=1e-9)
    assert np.all(p >= p0)


def test_thermal_crosstalk_is_undone():
    rng = np.random.default_rng(1)
    want = rng.uniform(0.5e-3, 2e-3, (2, 8))
    applied = encode.undo_thermal_crosstalk(want, 0.05)
    eff = applied.copy()
    eff[:, 1:] += 0.05 * applied[:, :-1]
    eff[:, :-1] += 0.05 * applied[:, 1:]
    np.testing.assert_allclose(eff, want, rtol=1e-12)


def test_one_sided_offset_encoding_and_scales_are_exact(rng):
    """decode_offset inverts the offset encoding of either operand exactly,
    and per-row / per-column scales bring every row / column to max |.| = 1."""
    from labctl.mvm.signed import col_scales, decode_offset, row_scales
    w, x = rng.uniform(-1, 1, (5, 7)), rng.uniform(0, 1, (7, 3))
    for ws, xs in ((True, True), (True, False), (False, True), (False, False)):
        wa, xa = (w if ws else np.abs(w)), (x * 2 - 1 if xs else x)
        wu, xu = (to_unsigned(wa) if ws else wa), (to_unsigned(xa) if xs else xa)
        np.testing.assert_allclose(decode_offset(wu @ xu, wu, xu, ws, xs), wa @ xa, atol=1e-12)
    a = rng.normal(size=(4, 6)) * np.array([[1], [1e-3], [0], [5]])
    np.testing.assert_allclose(np.abs(a / row_scales(a)[:, None]).max(axis=1), [1, 1, 0, 1])
    np.testing.assert_allclose(col_scales(a), row_scales(a.T))
