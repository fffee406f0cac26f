"""The compiled polyphase resampler of the receiver DSP equals
scipy.signal.resample_poly with the same filter, and computing only the
outputs a frame needs gives exactly those outputs."""
import numpy as np
import pytest
from scipy import signal

from labctl.mvm import dsp


@pytest.mark.parametrize("up,down", [(23, 256), (115, 1000), (1, 2), (3, 1), (2, 3)])
def test_polyphase_equals_scipy_resample_poly(up, down):
    x = np.random.default_rng(up * 1000 + down).normal(size=(3, 2000))
    ref = signal.resample_poly(x, up, down, axis=-1, window=dsp._polyphase_filter(up, down))
    y = dsp._polyphase(x, up, down)
    assert y.shape == ref.shape
    np.testing.assert_allclose(y, ref, rtol=0, atol=1e-12 * np.abs(ref).max())
    part = dsp._polyphase(x, up, down, 17, 40)
    np.testing.assert_array_equal(part, y[:, 17:57])


def test_one_periods_equals_one_period_per_row():
    rng = np.random.default_rng(2)
    volts = rng.normal(size=(4, 12823))
    rows = dsp.one_periods(volts, 128e9, 2.875e9, 4, 256)
    for r in range(4):
        np.testing.assert_array_equal(rows[r], dsp.one_period(volts[r], 128e9, 2.875e9, 4, 256)[0])
