"""AWG / DAC output stage: integer codes -> analog volts.

Model (mid-rise quantiser, as a real AWG: full scale fixed, never
auto-scaled to the data)::

    v[n]  = offset - vpp/2 + (code[n] + 1/2) * vpp / 2**bits   (quantiser.py)
    v    += N(0, sigma_enob^2)                   ENOB noise, switch: ``noise``
    v     = IFFT{ FFT{v} * H_zoh(f) * H_bw(f) }  sinc roll-off (optional), analog BW

``sigma_enob^2 = vpp^2/12 * (2**(-2 enob) - 2**(-2 bits))`` is the extra
white noise that brings the total (quantisation + noise) SNR of a full-scale
sine from 6.02 bits + 1.76 dB down to 6.02 enob + 1.76 dB.

Noise switch: ``DAC(noise=False)`` or ``rng=None`` gives the noiseless
output (quantisation remains, as it is part of the codes).

Defaults: Keysight M8196A 92 GSa/s arbitrary waveform generator data sheet
(5992-0971EN): 8-bit DAC, 92 GSa/s, analog bandwidth 32 GHz (-3 dB),
single-ended amplitude 0.1..1.0 Vpp, ENOB ~5.5 bits.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np

from sim_backends.physics import filters, quantiser


@dataclass(frozen=True)
class DAC:
    """One AWG channel. SI units: V, Sa/s, Hz."""

    bits: int = 8                 # M8196A: 8-bit
    sample_rate: float = 92e9     # M8196A: 92 GSa/s
    vpp: float = 0.5              # V peak-to-peak full scale (M8196A settable 0.1..1.0 V)
    offset: float = 0.0           # V, centre of the full scale
    bandwidth: float = 32e9       # Hz, -3 dB analog bandwidth (M8196A: 32 GHz)
    enob: float = 5.5             # bits, effective number of bits (M8196A typical)
    sinc_rolloff: bool = True     # zero-order-hold sinc(f/fs) roll-off
    noise: bool = True            # ENOB noise on/off (error-budget switch)

    def __post_init__(self):
        if not 1 <= self.bits <= 16:
            raise ValueError(f"bits must be 1..16, got {self.bits}")
        if self.vpp <= 0 or self.sample_rate <= 0 or self.bandwidth <= 0:
            raise ValueError("vpp, sample_rate and bandwidth must be > 0")

    def __hash__(self) -> int:
        """Hash of the fields, computed once (a DAC keys the optical table's
        memo of transfer functions, looked up several times a frame)."""
        h = self.__dict__.get("_hash")
        if h is None:
            h = hash(tuple(getattr(self, f.name) for f in fields(self)))
            object.__setattr__(self, "_hash", h)
        return h

    @property
    def step(self) -> float:
        """Code step in V: vpp / 2**bits."""
        return quantiser.step(self.vpp, self.bits)

    @property
    def max_code(self) -> int:
        return 2**self.bits - 1

    def levels(self, codes) -> np.ndarray:
        """Ideal output levels (V) of integer codes, no noise or filtering."""
        codes = np.asarray(codes)
        if codes.size and (codes.min() < 0 or codes.max() > self.max_code):
            raise ValueError(f"codes must lie in 0..{self.max_code}")
        return quantiser.to_volts(codes, self.vpp, self.offset, self.bits)

    def codes_for(self, volts) -> np.ndarray:
        """Codes (uint16) for target volts, clipped to the end codes (the
        inverse of :meth:`levels`, used by encoders)."""
        return quantiser.to_codes(volts, self.vpp, self.offset, self.bits)

    def noise_sigma(self) -> float:
        """Std of the extra white ENOB noise in V (0 when enob >= bits)."""
        return quantiser.enob_sigma(self.vpp, self.bits, self.enob)

    def response(self, f):
        """Complex frequency response: ZOH sinc (optional) x Gaussian BW."""
        h = filters.gaussian(f, self.bandwidth)
        if self.sinc_rolloff:
            h = h * filters.zero_order_hold(f, self.sample_rate)
        return h

    def halo(self) -> int:
        """Impulse-response half-width in samples (for chunked evaluation)."""
        return filters.gaussian_halo(self.bandwidth, self.sample_rate) + 1   # + ZOH: one sample

    def to_volts(self, codes, rng: np.random.Generator | None = None,
                 dtype=np.float32, normals=None) -> np.ndarray:
        """Codes [..., samples] at ``sample_rate`` -> analog volts at the same
        rate (ENOB noise if ``noise`` and rng given, then the frequency
        response).  ``normals``: pre-drawn standard normals of the codes'
        shape, used instead of ``rng`` (chunked evaluation)."""
        v = self.levels(codes).astype(dtype)
        if self.noise and (rng is not None or normals is not None) and self.noise_sigma() > 0:
            z = normals if normals is not None else rng.standard_normal(v.shape, dtype=np.float32)
            v += z.astype(dtype, copy=False) * dtype(self.noise_sigma())
        return filters.apply_real(v, self.sample_rate, self.response, key=self, width=self.halo())
