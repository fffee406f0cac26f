"""What the optical table computes per computing scheme, one module each.

A scheme module gives the optical table (:mod:`sim_backends.table`) two things:

* ``awgs(topology) -> list[str]``: the AWGs whose waveforms run the scheme;
* ``detect(table, frames, period, n, acqs, avg) -> dict``: the noise-free
  optical powers at every photodiode over one period, for a batch of frames
  (a leading frames axis), with what the receiver's noise model needs
  (keys documented in :meth:`sim_backends.table.OpticalTable.detected`);
* ``cw_input(table, edge, i) -> float``: the CW power (W) that port index ``i``
  of ``edge`` launches with its modulator undriven (power-meter taps).

Adding a scheme = adding a module here and its name to :data:`SCHEMES`. The
table looks a scheme up by the bench's parsed ``topology.scheme`` (the
discriminator of the centre model): that is the only place the name is used.
sim_backends imports nothing of labctl, so it reads the topology by duck typing.
"""
from __future__ import annotations

from importlib import import_module
from types import ModuleType

#: scheme name (bench file ``[topology] scheme``) -> module of this package
SCHEMES = {"wdm": "wdm", "time": "time"}


def for_topology(topology) -> ModuleType:
    """The scheme module of a bench topology."""
    name = getattr(topology.centre, "kind", None) or topology.scheme
    try:
        return import_module(f"{__name__}.{SCHEMES[name]}")
    except KeyError:
        raise ValueError(f"no simulated optical table for scheme {name!r}; "
                         f"known: {sorted(SCHEMES)}") from None
