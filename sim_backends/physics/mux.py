"""WDM multiplexer / demultiplexer (thin-film or AWG type).

Mux: stack single-wavelength fields into one fibre [wavelengths, samples]
with insertion loss IL.  Demux: output port i passes wavelength i with IL and
lets every other wavelength j leak with the isolation (adjacent j = i +- 1,
non-adjacent otherwise, in dB)::

    E_out[i, j, :] = sqrt(IL T[i, j]) E_in[j, :],  T = 1 (i = j), XT_adj, XT_non

Different wavelengths on one output do not beat inside the receiver bandwidth
(spacing >> bandwidth), so the leaked rows stay separate rows.

Noise switch: ``crosstalk=False`` gives ideal isolation.

Defaults: 100 GHz DWDM thin-film filter mux/demux data sheets (e.g.
Fiberdyne/FS.com 8-ch DWDM): IL ~3.5 dB, adjacent isolation 25 dB,
non-adjacent 40 dB.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim_backends.physics import units


@dataclass(frozen=True)
class Mux:
    insertion_loss_db: float = 3.5

    def combine(self, fields) -> np.ndarray:
        """Sequence of [samples] or [1, samples] fields -> [wavelengths, samples]."""
        stacked = np.concatenate([np.atleast_2d(f) for f in fields], axis=0)
        return stacked * np.sqrt(units.db_to_lin(-self.insertion_loss_db)).astype(stacked.real.dtype)


@dataclass(frozen=True)
class Demux:
    insertion_loss_db: float = 3.5
    adjacent_xt_db: float = -25.0
    nonadjacent_xt_db: float = -40.0
    crosstalk: bool = True

    def power_matrix(self, n: int) -> np.ndarray:
        """T[i, j] linear power from wavelength j to output i (IL included)."""
        i, j = np.indices((n, n))
        t = (i == j).astype(float)
        if self.crosstalk:
            t += np.where(np.abs(i - j) == 1, units.db_to_lin(self.adjacent_xt_db), 0.0)
            t += np.where(np.abs(i - j) > 1, units.db_to_lin(self.nonadjacent_xt_db), 0.0)
        return t * units.db_to_lin(-self.insertion_loss_db)

    def split(self, field) -> np.ndarray:
        """[..., wavelengths, samples] -> [..., outputs, wavelengths, samples]."""
        field = np.asarray(field)
        amp = np.sqrt(self.power_matrix(field.shape[-2])).astype(field.real.dtype)
        return amp[:, :, None] * field[..., None, :, :]
