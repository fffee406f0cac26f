"""PIN photodiode + transimpedance amplifier (TIA).

Model (Agrawal, Fiber-Optic Communication Systems, 4th ed., sec. 4.4)::

    I(t)   = R sum_w |E_w(t)|^2 + I_d
    I     += N(0, q (I + I_d) fs)        shot noise, one-sided 2 q I over fs/2
    I     += N(0, i_n^2 fs / 2)          thermal noise, one-sided density i_n
    I      = IFFT{ FFT{I} H(f) }         Gaussian receiver response, -3 dB at B
    I      = I_sat tanh(I / I_sat)       soft saturation (optional)
    V      = Z_t I                       TIA transimpedance

After the receiver filter the noise variances are 2 q (I + I_d) ENBW and
i_n^2 ENBW, with ENBW = (1/2) sqrt(pi/ln2) B erf(sqrt(ln2) fs / (2B)): the
noise exists only in the simulated band [0, fs/2] (ENBW -> 1.0645 B for
fs >> B, 0.79 B at fs = 2B; see filters.py).  The thermal
density may instead come from a load resistor: i_n^2 = 4 k T / R_L
(:func:`thermal_density`).

Several wavelengths on one photodiode add in power: the wavelength axis
(second to last) is summed after |E|^2.  Beat terms between different
wavelengths fall at the channel spacing (>= 50 GHz) and are assumed removed
by the receiver bandwidth; beats between fields of the same wavelength row
(e.g. in-band crosstalk after an AWGR) are kept because they are summed as
fields before detection.

Noise switches: ``noise=False`` or ``rng=None`` (all off); ``shot=False``,
``thermal=False`` separately.

Defaults: a 40 GHz-class InGaAs PIN + linear TIA receiver (e.g. Coherent/
Finisar XPRV2022A, Albis PDCS/TIA data sheets): responsivity 0.8 A/W at
1550 nm, dark current 10 nA, input-referred noise density 20 pA/rtHz,
bandwidth 40 GHz, transimpedance 300 Ohm, input overload ~ +3 dBm (2 mA).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim_backends.physics import filters, link_kernels, units


@dataclass(frozen=True)
class Photodiode:
    """Photodiode + TIA. SI units: A/W, A, A/rtHz, Hz, Ohm."""

    responsivity: float = 0.8
    dark_current: float = 10e-9
    thermal_noise_density: float = 20e-12   # A/sqrt(Hz), input referred
    bandwidth: float = 40e9
    transimpedance: float = 300.0           # Ohm (V per A)
    saturation_current: float | None = 2e-3  # A, None = linear
    noise: bool = True
    shot: bool = True
    thermal: bool = True

    def noise_bandwidth(self, fs: float | None = None) -> float:
        """ENBW (Hz) of the receiver response, integral |H|^2 df over
        [0, fs/2] (the simulated band; fs=None: over [0, inf))."""
        return filters.gaussian_noise_bandwidth(self.bandwidth, fs)

    def response(self, f):
        """Receiver frequency response (Gaussian, -3 dB at ``bandwidth``)."""
        return filters.gaussian(f, self.bandwidth)

    def mean_current(self, power) -> np.ndarray:
        """Noiseless DC photocurrent (A) for optical power (W)."""
        return self.responsivity * np.asarray(power) + self.dark_current

    def halo(self, fs: float) -> int:
        """Impulse-response half-width in samples at ``fs``."""
        return filters.gaussian_halo(self.bandwidth, fs)

    def photocurrent(self, field, fs: float, rng: np.random.Generator | None = None,
                     normals=None) -> np.ndarray:
        """Field [..., wavelengths, samples] (sqrt W) -> current [..., samples] (A).
        ``normals``: pre-drawn standard normals of the output shape, used
        instead of ``rng`` (chunked evaluation)."""
        field = np.asarray(field)
        if field.ndim == 1:
            field = field[None, :]
        real = np.float32 if field.dtype in (np.complex64, np.float32) else np.float64
        i = self._current(field, real)            # i = R P + I_d, one compiled pass
        if self.noise and (rng is not None or normals is not None) and (self.shot or self.thermal):
            thermal_var = real(self.thermal_noise_density**2 * fs / 2 if self.thermal else 0.0)
            z = normals if normals is not None else rng.standard_normal(i.shape, dtype=np.float32)
            z = np.broadcast_to(np.asarray(z, dtype=real), i.shape)
            q_fs = real(units.Q * fs if self.shot else 0.0)   # 0: sqrt(thermal_var), exactly
            if i.size < link_kernels.COMPILED_MIN:            # numpy: the kernel's operations
                sigma = np.maximum(i, 0)
                sigma *= q_fs
                sigma += thermal_var
                np.sqrt(sigma, out=sigma)
                i += np.multiply(z, sigma, out=sigma)
            else:
                link_kernels.add_noise(link_kernels.as_rows(i), link_kernels.as_rows(z, True), q_fs,
                                       thermal_var)
        i = filters.apply_real(i, fs, self.response, key=self, width=self.halo(fs))
        if self.saturation_current:
            s = real(self.saturation_current)
            i = s * np.tanh(i / s)
        return i

    def _current(self, field, real) -> np.ndarray:
        """Noiseless photocurrent R sum_w |E_w|^2 + I_d (A) [..., samples] of a
        field [..., wavelengths, samples] in the float dtype ``real``."""
        if field.size < link_kernels.COMPILED_MIN:           # numpy: the kernel's operations
            power = np.square(field.real, dtype=real)
            if np.iscomplexobj(field):
                power += np.square(field.imag, dtype=real)
            i = power.sum(axis=-2) if power.shape[-2] > 1 else power[..., 0, :]
            i *= real(self.responsivity)
            i += real(self.dark_current)
            return i
        # a real field becomes complex with im = 0 (re^2 + 0 = re^2 exactly)
        field = np.ascontiguousarray(field, dtype=np.complex64 if real == np.float32 else np.complex128)
        out = np.empty(field.shape[:-2] + field.shape[-1:], dtype=real)
        pairs = field.reshape(-1, field.shape[-2], field.shape[-1]).view(real)
        link_kernels.detect(pairs, real(self.responsivity), real(self.dark_current), link_kernels.as_rows(out))
        return out

    def detect(self, field, fs: float, rng: np.random.Generator | None = None, normals=None) -> np.ndarray:
        """Field -> TIA output voltage (V) [..., samples]."""
        i = self.photocurrent(field, fs, rng, normals)
        return i * i.dtype.type(self.transimpedance)


def thermal_density(load_resistance: float, temperature: float = 290.0) -> float:
    """Thermal noise current density sqrt(4 k T / R_L) in A/sqrt(Hz)."""
    return float(np.sqrt(4 * units.K_B * temperature / load_resistance))
