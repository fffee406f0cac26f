"""The receiver DSP's all-rows-at-once functions (labctl.mvm.dsp) against their
one-row definitions: tap windows, preamble synchronisation, and the batched
equaliser against one Equaliser per output."""
import numpy as np
import pytest

from labctl.mvm import dsp


def test_tap_matrices_equal_tap_matrix_per_row_with_wraparound():
    rng = np.random.default_rng(0)
    periods = rng.normal(size=(3, 1024))
    starts = np.array([0, 5, 1019])             # windows wrap at both ends of the period
    got = dsp.tap_matrices(periods, starts, 4, 256, 17)
    for r in range(3):
        np.testing.assert_array_equal(got[r], dsp.tap_matrix(periods[r], int(starts[r]), 4, 256, 17))


def test_synchronise_rows_equals_synchronise_per_row():
    rng = np.random.default_rng(1)
    pre = dsp.preamble(6)
    sym = np.concatenate([pre, rng.uniform(0, 1, 256 - pre.size)])
    base = np.repeat(sym, 4) + rng.normal(0, 0.05, 1024)
    periods = np.stack([np.roll(base, s) for s in (0, 37, 1000)])
    got = dsp.synchronise_rows(periods, pre, 4)
    assert list(got) == [dsp.synchronise(p, pre, 4) for p in periods] == [0, 37, 1000]


@pytest.mark.parametrize("side_shape", ["shared", "per-row"])
def test_train_apply_rows_equals_one_equaliser_per_output(side_shape):
    rng = np.random.default_rng(2)
    q, k, p, t = 5, 127, 128, 17
    taps, taps_out = rng.normal(size=(q, k, t)), rng.normal(size=(q, p, t))
    target = rng.normal(size=(q, k))
    if side_shape == "shared":
        side, side_out = rng.normal(size=k), rng.normal(size=p)
        per = [(side, side_out)] * q
    else:
        side, side_out = rng.normal(size=(q, k, 2)), rng.normal(size=(q, p, 2))
        per = list(zip(side, side_out))
    got = dsp.train_apply_rows(taps, side, target, taps_out, side_out)
    for i, (s, so) in enumerate(per):
        ref = dsp.Equaliser.train(taps[i], s, target[i]).apply(taps_out[i], so)
        np.testing.assert_allclose(got[i], ref, rtol=1e-10, atol=1e-12)
