"""Test patterns for tuning the bench by eye (live view).

A random M-PAM symbol sequence mapped to evenly spaced DAC codes over the
full scale: level ``m`` of ``M`` -> code ``round(m (2**bits - 1) / (M - 1))``,
each held for ``samples_per_symbol`` samples (rectangular pulses; the DAC and
driver bandwidth of the bench shape them).
"""
from __future__ import annotations

import numpy as np


def pam_levels(levels: int, bits: int) -> np.ndarray:
    """The ``levels`` evenly spaced DAC codes spanning ``0 .. 2**bits - 1`` (uint16)."""
    if levels < 2:
        raise ValueError("a PAM pattern needs at least 2 levels")
    return np.round(np.arange(levels) * (2**bits - 1) / (levels - 1)).astype(np.uint16)


def pam_codes(rng: np.random.Generator, levels: int, symbols: int, samples_per_symbol: int,
              bits: int) -> np.ndarray:
    """Random ``levels``-PAM waveform as uint16 DAC codes, ``symbols * samples_per_symbol`` long."""
    symbols_idx = rng.integers(0, levels, symbols)
    return np.repeat(pam_levels(levels, bits)[symbols_idx], samples_per_symbol)
