"""Cyclic N x N arrayed-waveguide grating router (AWGR).

Routing rule: light of channel k (frequency nu_0 + k spacing, k taken mod N)
entering input port p leaves output port q = (p - k) mod N.

Power transfer T[p, q, k] (linear): the routed path gets the insertion loss
and the Gaussian pass-band; output ports adjacent to the routed one (q +- 1
mod N) get the adjacent crosstalk, every other port the non-adjacent
crosstalk (both in dB relative to the routed path)::

    T[p, q, k] = IL * { 1        q = (p - k) mod N
                      { XT_adj   q = (p - k +- 1) mod N
                      { XT_non   otherwise

The pass-band of the routed path is Gaussian in the offset of the carrier
(and of each baseband frequency f) from the channel centre:
|H(df)|^2 = exp(-4 ln2 (df / B_3dB)^2).  Crosstalk paths carry a scalar
leakage.  Outputs add fields coherently (in-band crosstalk from different
inputs on the same wavelength does beat at the photodiode, as it really does).

Noise switch: ``crosstalk=False`` removes all leakage (error budget).

Defaults: a 100 GHz-spaced Gaussian AWG/AWGR (e.g. NTT/Enablence 100 GHz
AWG data sheets): insertion loss ~5 dB, -3 dB pass-band ~0.4 nm (50 GHz),
adjacent crosstalk -25 dB, non-adjacent -30 dB.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim_backends.physics import filters, units


@dataclass(frozen=True)
class AWGR:
    """Cyclic AWGR with ``ports`` inputs and outputs."""

    ports: int = 8
    grid_frequency: float = 193.1e12 - 350e9  # Hz, channel 0 (matches default 8-line comb)
    spacing: float = 100e9                    # Hz
    passband_3db: float = 50e9                # Hz, Gaussian -3 dB full width
    insertion_loss_db: float = 5.0
    adjacent_xt_db: float = -25.0
    nonadjacent_xt_db: float = -30.0
    crosstalk: bool = True

    def route(self, p, k):
        """Output port of channel k entering port p: (p - k) mod N."""
        return (np.asarray(p) - np.asarray(k)) % self.ports

    def channel(self, wavelengths) -> np.ndarray:
        """Grid channel index (mod N) and carrier offset (Hz) of wavelengths."""
        nu = units.wavelength_to_frequency(wavelengths)
        idx = np.rint((nu - self.grid_frequency) / self.spacing)
        offset = nu - (self.grid_frequency + idx * self.spacing)
        return idx.astype(int) % self.ports, offset

    def power_matrix(self, wavelengths) -> np.ndarray:
        """T[p, q, w] linear power transfer at the carriers of ``wavelengths``."""
        k, offset = self.channel(np.atleast_1d(wavelengths))
        n = self.ports
        p = np.arange(n)[:, None, None]
        q = np.arange(n)[None, :, None]
        d = (q - (p - k[None, None, :])) % n
        il = float(units.db_to_lin(-self.insertion_loss_db))
        t = np.where(d == 0, self._passband(offset)[None, None, :], 0.0)
        if self.crosstalk:
            t = t + np.where((d == 1) | (d == n - 1), units.db_to_lin(self.adjacent_xt_db), 0.0)
            t = t + np.where((d > 1) & (d < n - 1), units.db_to_lin(self.nonadjacent_xt_db), 0.0)
        return il * t

    def _passband(self, df):
        """Gaussian pass-band power |H|^2 at frequency offset df (Hz)."""
        return np.exp(-4 * np.log(2) * (np.asarray(df) / self.passband_3db) ** 2)

    def propagate(self, fields, fs: float, wavelengths) -> np.ndarray:
        """Route fields [ports_in, wavelengths, samples] -> [ports_out,
        wavelengths, samples].  The routed path filters each baseband by the
        pass-band; crosstalk paths are scalar leakage."""
        fields = np.asarray(fields)
        n_in, n_w, n_s = fields.shape
        if n_in != self.ports:
            raise ValueError(f"expected {self.ports} input ports, got {n_in}")
        k, offset = self.channel(np.atleast_1d(wavelengths))
        # amplitude pass-band [w, f] around each carrier offset; one whole-record FFT
        # (the pass-band is often wider than the simulated band, so its periodic
        # extension is discontinuous at Nyquist and blocks would not be exact)
        passband = lambda f: np.sqrt(self._passband(offset[:, None] + f[None, :]))  # noqa: E731
        il = np.sqrt(float(units.db_to_lin(-self.insertion_loss_db)))
        main = filters.apply_complex(fields, fs, passband)
        main = main * fields.real.dtype.type(il)
        out = np.zeros_like(fields)
        p = np.arange(n_in)
        for w in range(n_w):
            out[self.route(p, k[w]), w] += main[p, w]
        if self.crosstalk:
            leak = np.sqrt(self.power_matrix(wavelengths))  # [p, q, w] (includes IL)
            n = self.ports
            d = (np.arange(n)[None, :, None] - (p[:, None, None] - k[None, None, :])) % n
            leak = np.where(d == 0, 0.0, leak).astype(fields.real.dtype)
            out += np.einsum("pqw,pws->qws", leak, fields)
        return out
