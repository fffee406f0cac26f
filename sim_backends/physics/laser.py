"""CW lasers and comb sources: optical fields with RIN and phase noise.

Field model (complex baseband around the laser's own optical frequency, in
sqrt(W); ``|E|^2`` is the instantaneous power)::

    P(t)   = P0 (1 + r(t)),   r ~ N(0, RIN_lin * fs/2)          white RIN
    phi(t) = cumsum N(0, 2 pi dnu / fs)                          Wiener phase
    E(t)   = sqrt(P(t)) exp(j phi(t))

RIN is the one-sided relative intensity noise density in dB/Hz
(RIN_lin = 10**(RIN_dB/10) 1/Hz), so over the simulated one-sided band fs/2
the relative power variance is RIN_lin fs/2 (Agrawal, Fiber-Optic
Communication Systems, 4th ed., eq. 4.6.x).  ``dnu`` is the Lorentzian
full-width half-maximum linewidth (Wiener phase with increment variance
2 pi dnu T; Agrawal sec. 4.6).

Noise switch: ``noise=False`` (or ``rng=None``) gives a noiseless CW field;
``rin=False`` / ``phase_noise=False`` switch the two sources separately.

Defaults: Santec TSL-570 tunable laser data sheet (ECL; output up to
+13 dBm, RIN about -145 dB/Hz, linewidth ~100 kHz typical) at 1550 nm.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim_backends.physics import units


@dataclass(frozen=True)
class Laser:
    """A CW laser. SI units: W, m, Hz; RIN in dB/Hz."""

    power: float = float(units.dbm_to_w(10.0))  # W (10 dBm, within TSL-570 +13 dBm max)
    wavelength: float = 1550e-9                 # m
    rin_db_hz: float = -145.0                   # dB/Hz (TSL-570 / typical DFB -145..-155)
    linewidth: float = 100e3                    # Hz FWHM (TSL-570 typ. ~100 kHz)
    noise: bool = True
    rin: bool = True
    phase_noise: bool = True

    @classmethod
    def from_dbm(cls, power_dbm: float, **kw) -> "Laser":
        """A laser set in dBm (as on the front panel / bench file)."""
        return cls(power=float(units.dbm_to_w(power_dbm)), **kw)

    @property
    def frequency(self) -> float:
        """Optical frequency in Hz."""
        return float(units.wavelength_to_frequency(self.wavelength))

    def rin_variance(self, fs: float) -> float:
        """Relative power variance over the simulated band: RIN_lin * fs / 2."""
        return float(units.db_to_lin(self.rin_db_hz)) * fs / 2

    def field(self, n_samples: int, fs: float, rng: np.random.Generator | None = None,
              dtype=np.complex64) -> np.ndarray:
        """CW field [1, n_samples] in sqrt(W) sampled at ``fs``."""
        return _cw_fields(np.array([self.power]), n_samples, fs, self.rin_db_hz,
                          self.linewidth, rng if self.noise else None,
                          self.rin, self.phase_noise, dtype)


@dataclass(frozen=True)
class CombSource:
    """An N-line frequency comb: lines at nu_k = nu_c + (k - (N-1)/2) spacing,
    k = 0..N-1, each with its own independent RIN and phase noise (a
    multi-laser comb; a mode-locked comb's correlated phase is not modelled).

    Defaults: 8 lines on the ITU 100 GHz grid around 193.1 THz, 0 dBm per
    line (typical of an EO/Kerr comb after flattening), RIN -145 dB/Hz and
    100 kHz linewidth per line as the seed laser above.
    """

    lines: int = 8
    centre_frequency: float = 193.1e12          # Hz (ITU grid anchor)
    spacing: float = 100e9                      # Hz (ITU-T G.694.1 100 GHz grid)
    power_per_line: float = float(units.dbm_to_w(0.0))  # W
    rin_db_hz: float = -145.0
    linewidth: float = 100e3
    noise: bool = True
    rin: bool = True
    phase_noise: bool = True

    @property
    def frequencies(self) -> np.ndarray:
        """Line frequencies in Hz, shape [lines]."""
        k = np.arange(self.lines) - (self.lines - 1) / 2
        return self.centre_frequency + k * self.spacing

    @property
    def wavelengths(self) -> np.ndarray:
        """Line wavelengths in m, shape [lines]."""
        return units.frequency_to_wavelength(self.frequencies)

    def field(self, n_samples: int, fs: float, rng: np.random.Generator | None = None,
              dtype=np.complex64) -> np.ndarray:
        """Fields [lines, n_samples] in sqrt(W), each line at its own baseband."""
        p = np.full(self.lines, self.power_per_line)
        return _cw_fields(p, n_samples, fs, self.rin_db_hz, self.linewidth,
                          rng if self.noise else None, self.rin, self.phase_noise, dtype)


def _cw_fields(power, n, fs, rin_db_hz, linewidth, rng, rin, phase_noise, dtype):
    """CW fields [len(power), n] with white RIN and Wiener phase noise."""
    power = np.asarray(power, dtype=float)[:, None]
    shape = (power.shape[0], n)
    if rng is None or not (rin or phase_noise):
        return np.broadcast_to(np.sqrt(power), shape).astype(dtype)
    p = np.broadcast_to(power, shape).astype(np.float32)
    if rin:
        sigma = np.sqrt(float(units.db_to_lin(rin_db_hz)) * fs / 2)
        p = p * (1 + sigma * rng.standard_normal(shape, dtype=np.float32))
    amp = np.sqrt(np.maximum(p, 0))
    if not phase_noise or linewidth <= 0:
        return amp.astype(dtype)
    phi = rng.standard_normal(shape)
    phi *= np.sqrt(2 * np.pi * linewidth / fs)
    np.cumsum(phi, axis=-1, out=phi)
    # amp exp(j phi) = amp cos(phi) + j amp sin(phi).  The walk is summed in
    # float64, wrapped to [-pi, pi] and only then rounded to float32 (error
    # <= 2.4e-7 rad, far below the 5e-3 rad per-sample phase step of a
    # 100 kHz laser at 20 GSa/s), so cos/sin run in float32 SIMD: ~10x
    # faster than a complex128 exp for a complex64 field.
    phi -= (2 * np.pi) * np.rint(phi * (1 / (2 * np.pi)))
    wrapped = phi.astype(np.float32)
    real = np.float32 if np.dtype(dtype) == np.complex64 else np.float64
    out = np.empty(shape, dtype)
    trig = np.cos(wrapped).astype(real, copy=False)
    np.multiply(amp, trig, out=out.real)
    np.sin(wrapped, out=wrapped)
    np.multiply(amp, wrapped.astype(real, copy=False), out=out.imag)
    return out
