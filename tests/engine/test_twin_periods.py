"""The frame-period count of a span length from two frame formats
(:func:`labctl.twin.links.resolve_periods`): pure, on the default frame's periods."""
from __future__ import annotations

import numpy as np
import pytest

from labctl.mvm.frames import FrameFormat
from labctl.twin.links import resolve_periods, second_frame, wrap

FRAME = FrameFormat(symbol_rate=2.875e9)          # the default bench's: 256 symbols, 89.0 ns
FRAME2 = second_frame(FRAME)                      # 240 symbols, 83.5 ns


def _residual2(k: int, extra: float = 0.0) -> float:
    """Frame-2 residual of a true delay k T1 + extra (s) beyond the frame-1 match,
    as the bench would show it (modulo T2)."""
    return float(wrap(k * FRAME.period + extra, FRAME2.period))


def test_second_frame_is_sixteen_symbols_shorter():
    assert (FRAME.n_symbols, FRAME2.n_symbols) == (256, 240)
    assert FRAME2.symbol_rate == FRAME.symbol_rate


@pytest.mark.parametrize("k", range(-7, 8))
def test_period_count_recovered_within_half_the_alias_range(k):
    got, mismatch, ok = resolve_periods(_residual2(k, 3e-12), FRAME.period, FRAME2.period)
    assert ok and got == k
    assert abs(mismatch - 3e-12) < 1e-15


def test_aliases_beyond_seven_periods():
    """15 T1 = 16 T2: a delay 8 periods long looks like -7 (documented limit)."""
    assert 15 * FRAME.period == pytest.approx(16 * FRAME2.period, rel=1e-12)
    got, _, ok = resolve_periods(_residual2(8), FRAME.period, FRAME2.period)
    assert ok and got == -7


def test_inconsistent_residual_is_ambiguous():
    """A residual half-way between two period counts (step T1 - T2 = 16 symbols,
    5.57 ns) fits neither: k = 0 and not resolved."""
    step = FRAME.period - FRAME2.period
    got, mismatch, ok = resolve_periods(_residual2(2) + 0.5 * step, FRAME.period, FRAME2.period)
    assert not ok and got == 0 and abs(mismatch) == pytest.approx(step / 2, rel=1e-9)
    # a quarter step off is still ambiguous, a fifth is not
    assert not resolve_periods(_residual2(2) + 0.26 * step, FRAME.period, FRAME2.period)[2]
    assert resolve_periods(_residual2(2) + 0.2 * step, FRAME.period, FRAME2.period)[:3:2] == (2, True)


def test_one_frame_alone_cannot_tell_a_period():
    """Frame 1 alone: delays k T1 apart give the same arrival modulo T1."""
    assert np.allclose([wrap(k * FRAME.period + 1e-9, FRAME.period) for k in range(-3, 4)], 1e-9,
                       atol=1e-18)
