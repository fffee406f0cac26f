"""Erbium-doped fibre amplifier: gain (or constant output power) with ASE.

Model (single polarisation, the polarisation of the signal; Desurvire,
Erbium-Doped Fiber Amplifiers, ch. 2; Agrawal, Fiber-Optic Communication
Systems, eq. 7.2.x)::

    n_sp   = NF G / (2 (G - 1))                (NF as a linear ratio)
    S_ase  = n_sp h nu (G - 1) = NF G h nu / 2   W/Hz per polarisation
    E_out  = sqrt(G) E_in + n,   n complex Gaussian, E|n|^2 = S_ase fs

i.e. white ASE over the whole simulated bandwidth fs of each wavelength row
(the orthogonal polarisation's ASE, which would add ASE-ASE beat noise only,
is not modelled).  In 'power' mode G = P_target / P_in with P_in the mean
total input power over all wavelengths (a gain-clamped AGC amplifier).

Noise switch: ``noise=False`` or ``rng=None`` gives a noiseless gain.

Defaults: a C-band booster/pre-amplifier, e.g. Amonics AEDFA-C / Thorlabs
EDFA100S data sheets: small-signal gain ~20 dB, noise figure ~5 dB.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim_backends.physics import units


@dataclass(frozen=True)
class EDFA:
    """One EDFA. gain in dB, output power in W, NF in dB."""

    gain_db: float = 20.0
    mode: str = "gain"                        # 'gain' | 'power'
    output_power: float = float(units.dbm_to_w(10.0))  # W, total, for 'power' mode
    noise_figure_db: float = 5.0
    noise: bool = True

    def __post_init__(self):
        if self.mode not in ("gain", "power"):
            raise ValueError(f"mode must be 'gain' or 'power', got {self.mode!r}")

    def gain(self, field=None) -> float:
        """Linear power gain for this input field (needed for 'power' mode)."""
        if self.mode == "gain":
            return float(units.db_to_lin(self.gain_db))
        p_in = float(np.sum(np.mean(np.abs(np.asarray(field)) ** 2, axis=-1)))
        if p_in <= 0:
            raise ValueError("EDFA in power mode needs a non-zero input")
        return self.output_power / p_in

    def ase_psd(self, gain: float, wavelength) -> np.ndarray:
        """ASE power spectral density per polarisation, W/Hz: NF G h nu / 2."""
        nf = float(units.db_to_lin(self.noise_figure_db))
        nu = units.wavelength_to_frequency(wavelength)
        return nf * gain * units.H * nu / 2

    def amplify(self, field, fs: float, wavelengths, rng: np.random.Generator | None = None,
                gain: float | None = None, normals=None) -> np.ndarray:
        """Amplify ``field`` [wavelengths, samples] sampled at ``fs``.
        ``gain`` (linear) overrides the mode's gain (chunked evaluation fixes
        it from the whole record); ``normals`` [*field.shape, 2] are pre-drawn
        standard normals used instead of ``rng``."""
        field = np.asarray(field)
        g = self.gain(field) if gain is None else gain
        out = (field * np.sqrt(g)).astype(field.dtype if np.iscomplexobj(field) else np.complex128)
        if self.noise and (rng is not None or normals is not None):
            sigma = np.sqrt(np.atleast_1d(self.ase_psd(g, wavelengths)) * fs / 2)
            sigma = sigma[:, None] if out.ndim >= 2 else sigma.reshape(())
            shape = out.shape
            n = normals if normals is not None else rng.standard_normal(shape + (2,), dtype=np.float32)
            out += (sigma * (n[..., 0] + 1j * n[..., 1])).astype(out.dtype)
        return out
