"""Modulator driver amplifier: linear gain, bandwidth and output swing limit.

Model::

    v_out = clip( IFFT{ FFT{v_in} * H_bw(f) } * 10**(gain_dB/20), +-swing/2 )

with an optional soft limit ``v_sat tanh(v / v_sat)`` (``soft=True``).
The driver adds no noise in this model (its input-referred noise, ~10 nV/rtHz
for such parts, is far below the DAC's ENOB noise); the error budget switches
are therefore on the DAC.

Defaults: a 50 GHz-class linear modulator driver, e.g. SHF S807 C data sheet
(gain ~22 dB, -3 dB bandwidth ~55 GHz, max output ~6 Vpp single-ended).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim_backends.physics import filters


@dataclass(frozen=True)
class DriverAmp:
    """Driver amplifier. SI units: V, Hz; gain in dB (voltage, 20 log10)."""

    gain_db: float = 22.0     # SHF S807 C: ~22 dB
    bandwidth: float = 55e9   # Hz, SHF S807 C: ~55 GHz
    swing: float = 6.0        # V peak-to-peak output limit (SHF S807 C ~6 Vpp)
    soft: bool = False        # tanh compression instead of a hard clip

    @property
    def gain(self) -> float:
        """Linear voltage gain."""
        return 10 ** (self.gain_db / 20)

    def response(self, f):
        """Gaussian small-signal response, -3 dB at ``bandwidth``."""
        return filters.gaussian(f, self.bandwidth)

    def halo(self, fs: float) -> int:
        """Impulse-response half-width in samples at ``fs``."""
        return filters.gaussian_halo(self.bandwidth, fs)

    def amplify(self, volts, fs: float) -> np.ndarray:
        """Amplify ``volts`` [..., samples] sampled at ``fs`` (Hz) -> V."""
        v = filters.apply_real(np.asarray(volts), fs, self.response, key=self, width=self.halo(fs))
        v = v * v.dtype.type(self.gain)
        half = self.swing / 2
        if self.soft:
            return (half * np.tanh(v / half)).astype(v.dtype, copy=False)
        return np.clip(v, -half, half)
