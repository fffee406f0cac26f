"""Mid-rise uniform quantiser shared by the DAC (AWG) and ADC (scope) models.

Convention (a real converter with fixed full scale ``fs_v`` centred on
``offset``)::

    step  = fs_v / 2**bits                       (full scale / 2^b, not 2^b - 1)
    code  = clip(floor((v - offset + fs_v/2) / step), 0, 2**bits - 1)
    v(c)  = offset - fs_v/2 + (c + 1/2) step

A full-scale sine quantised this way has SNR 6.02 bits + 1.76 dB (Bennett).
ENOB noise: white Gaussian noise of variance
``fs_v^2/12 (2**(-2 enob) - 2**(-2 bits))`` added to the analog value brings
the total down to 6.02 enob + 1.76 dB (IEEE Std 1241 definition of ENOB).
"""
from __future__ import annotations

import numpy as np


def step(full_scale: float, bits: int) -> float:
    """Code step (V): full_scale / 2**bits."""
    return full_scale / 2**bits


def enob_sigma(full_scale: float, bits: int, enob: float) -> float:
    """Std (V) of the extra white noise that makes a b-bit converter's
    full-scale-sine SINAD equal 6.02 enob + 1.76 dB (0 if enob >= bits)."""
    var = full_scale**2 / 12 * (2.0 ** (-2 * enob) - 2.0 ** (-2 * bits))
    return float(np.sqrt(max(var, 0.0)))


def to_codes(volts, full_scale: float, offset: float, bits: int) -> np.ndarray:
    """Volts -> uint16 codes, clipped to the end codes 0 and 2**bits - 1."""
    c = np.floor((np.asarray(volts) - offset + full_scale / 2) / step(full_scale, bits))
    return np.clip(c, 0, 2**bits - 1).astype(np.uint16)


def to_volts(codes, full_scale: float, offset: float, bits: int) -> np.ndarray:
    """Codes -> centre of their bin in volts (float64)."""
    return offset - full_scale / 2 + (np.asarray(codes, dtype=np.float64) + 0.5) * step(full_scale, bits)
