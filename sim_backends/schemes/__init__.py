"""What the optical table computes per computing scheme, one module each.

A scheme module gives the optical table (:mod:`sim_backends.table`) two things:

* ``awgs(topology) -> list[str]``: the AWGs whose waveforms run the scheme;
* ``detect(table, frames, period, n, acqs, avg) -> dict``: the noise-free
  optical powers at every photodiode over one period, for a batch of frames
  (a leading frames axis), with what the receiver's noise model needs
  (keys documented in :meth:`sim_backends.table.OpticalTable.detected`);
* ``cw_input(table, edge, i) -> float``: the CW power (W) that port index ``i``
  of ``edge`` launches with its modulator undriven (power-meter taps).

Adding a scheme = adding a module here named after the scheme's kind (the
bench file's ``[topology] scheme``, the discriminator of the centre model):
:data:`SCHEMES` lists this package's modules and the table looks a scheme up
by the bench's parsed kind, so no scheme name is written here.
sim_backends imports nothing of labctl, so it reads the topology by duck typing.
"""
from __future__ import annotations

import pkgutil
from functools import lru_cache
from importlib import import_module
from types import ModuleType

from sim_backends.physics import units
from sim_backends.physics.edfa import EDFA

#: scheme kind -> module of this package (each scheme module is named after its kind)
SCHEMES = {m.name: m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_")}


def for_topology(topology) -> ModuleType:
    """The scheme module of a bench topology."""
    return _scheme_module(getattr(topology.centre, "kind", None) or topology.scheme)


@lru_cache(maxsize=None)
def _scheme_module(name: str) -> ModuleType:
    """The module of scheme ``name``, imported once (asked for several times a frame)."""
    try:
        return import_module(f"{__name__}.{SCHEMES[name]}")
    except KeyError:
        raise ValueError(f"no simulated optical table for scheme {name!r}; "
                         f"known: {sorted(SCHEMES)}") from None


def booster(table, edge, wavelength: float) -> tuple[float, float]:
    """The edge node's booster EDFA (``edge.booster_gain_db``: after the comb or
    seed laser, before the split to the port modulators), constant gain:
    (linear gain G_b, ASE PSD per polarisation at its output in W/Hz,
    NF G_b h nu / 2 with the bench's EDFA noise figure, physics.edfa.EDFA).
    (1, 0) without a booster; PSD 0 with the ``ase`` noise switch off.

    The schemes carry the PSD to the centre like the lines: divided by the
    port split, times the port's mean modulator transmission and the span/DCM
    loss, times the centre EDFA gain (the modulator's time variation of the
    ASE is replaced by its mean: the signal-ASE beat is then P_s(t) S)."""
    return table._memo(("booster", edge.name, wavelength, table.noise.ase),
                       lambda: _booster(table, edge, wavelength))


def _booster(table, edge, wavelength: float) -> tuple[float, float]:
    """:func:`booster`, computed (the table keeps it: a device constant)."""
    g_db = float(getattr(edge, "booster_gain_db", 0.0) or 0.0)
    if g_db <= 0:
        return 1.0, 0.0
    g = float(units.db_to_lin(g_db))
    if not table.noise.ase:
        return g, 0.0
    nf = table.topology.devices.edfa.noise_figure_db
    return g, float(EDFA(noise_figure_db=nf).ase_psd(g, wavelength))
