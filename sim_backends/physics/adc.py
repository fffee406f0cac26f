"""Real-time oscilloscope front end and ADC: volts -> integer codes.

Model::

    v = IFFT{ FFT{v} H_bw(f) }                      front-end bandwidth (Gaussian)
    v(t_n), t_n = delay + n / (fs_adc (1 + ppm 1e-6))   sample clock, resampled
    v += N(0, sigma_enob^2)                          ENOB noise (switch: ``noise``)
    code = clip(floor((v - offset + range/2) / step), 0, 2**bits - 1)
    step = range / 2**bits                           (full scale / 2^b)

``sigma_enob^2 = range^2/12 (2**(-2 enob) - 2**(-2 bits))`` so that a
full-scale sine has SINAD 6.02 enob + 1.76 dB.  Codes are ``numpy.uint16``
and clip to the end codes (0, 2**bits - 1) exactly as a real ADC.  The
inverse mapping for DSP is ``to_volts(codes) = offset - range/2 + (code +
1/2) step``.

Sample-clock offset relative to the AWG: ``clock_ppm`` (frequency error) and
``delay`` (s) move the sampling instants; :meth:`resample` evaluates the
band-limited input there with scipy's polyphase resampler (rational rate
ratios) or a cubic spline (scipy.ndimage.map_coordinates) otherwise.

Noise switch: ``noise=False`` or ``rng=None``.

Defaults: Keysight Infiniium UXR0334A data sheet: 10-bit ADC, 128 GSa/s,
33 GHz bandwidth, ENOB ~6.5 bits at full bandwidth (5.5-7 across the UXR
family); vertical range and offset are instrument settings.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy import ndimage, signal

from sim_backends.physics import filters, quantiser


@dataclass(frozen=True)
class ADC:
    """Scope channel + ADC. SI units: V, Sa/s, Hz, s."""

    bits: int = 10               # UXR: 10-bit
    sample_rate: float = 128e9   # UXR0334A: 128 GSa/s
    bandwidth: float = 33e9      # UXR0334A: 33 GHz
    enob: float = 6.5            # UXR ENOB ~6-7
    range: float = 0.5           # V full scale (setting)
    offset: float = 0.0          # V at mid-scale (setting)
    clock_ppm: float = 0.0       # sample-clock frequency error vs the AWG, ppm
    delay: float = 0.0           # s, sampling phase
    noise: bool = True

    @property
    def step(self) -> float:
        """Code step (V) = range / 2**bits."""
        return quantiser.step(self.range, self.bits)

    @property
    def max_code(self) -> int:
        return 2**self.bits - 1

    def noise_sigma(self) -> float:
        """Std (V) of the extra ENOB noise."""
        return quantiser.enob_sigma(self.range, self.bits, self.enob)

    def response(self, f):
        """Front-end response: Gaussian, -3 dB at ``bandwidth``."""
        return filters.gaussian(f, self.bandwidth)

    def halo(self, fs: float) -> int:
        """Front-end impulse-response half-width in samples at ``fs``."""
        return filters.gaussian_halo(self.bandwidth, fs)

    def frontend(self, volts, fs: float) -> np.ndarray:
        """Apply the analog bandwidth to ``volts`` sampled at ``fs``."""
        return filters.apply_real(np.asarray(volts), fs, self.response, key=self, width=self.halo(fs))

    def resample(self, volts, fs_in: float, n_out: int | None = None) -> np.ndarray:
        """Sample ``volts`` [..., samples] (at ``fs_in``) at the ADC instants
        t_n = delay + n / (sample_rate (1 + clock_ppm 1e-6))."""
        volts = np.asarray(volts)
        fs_out = self.sample_rate * (1 + self.clock_ppm * 1e-6)
        n_in = volts.shape[-1]
        if n_out is None:
            n_out = int(np.floor((n_in / fs_in - self.delay) * fs_out))
        if self.clock_ppm == 0 and self.delay == 0:
            ratio = Fraction(self.sample_rate / fs_in).limit_denominator(1000)
            if abs(float(ratio) - self.sample_rate / fs_in) < 1e-12:
                if ratio == 1:
                    return volts[..., :n_out].copy()
                y = signal.resample_poly(volts, ratio.numerator, ratio.denominator, axis=-1)
                return y[..., :n_out].astype(volts.dtype, copy=False)
        pos = (self.delay + np.arange(n_out) / fs_out) * fs_in
        flat = volts.reshape(-1, n_in)
        out = np.stack([ndimage.map_coordinates(row, [pos], order=3, mode="nearest") for row in flat])
        return out.reshape(volts.shape[:-1] + (n_out,)).astype(volts.dtype, copy=False)

    def to_codes(self, volts, rng: np.random.Generator | None = None, normals=None) -> np.ndarray:
        """Quantise volts (already at the ADC rate) -> uint16 codes, with
        ENOB noise when ``noise`` and rng (or pre-drawn ``normals``) given."""
        v = np.asarray(volts)
        if self.noise and (rng is not None or normals is not None) and self.noise_sigma() > 0:
            z = normals if normals is not None else rng.standard_normal(v.shape, dtype=np.float32)
            v = v + z.astype(v.dtype, copy=False) * v.dtype.type(self.noise_sigma())
        return quantiser.to_codes(v, self.range, self.offset, self.bits)

    def to_volts(self, codes) -> np.ndarray:
        """Codes -> volts (centre of each code bin)."""
        return quantiser.to_volts(codes, self.range, self.offset, self.bits)

    def acquire(self, volts, fs_in: float, rng: np.random.Generator | None = None,
                n_out: int | None = None) -> np.ndarray:
        """Full scope path: bandwidth, sample clock, ENOB noise, quantiser."""
        return self.to_codes(self.resample(self.frontend(volts, fs_in), fs_in, n_out), rng)
