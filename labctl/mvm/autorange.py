"""Autorange: vertical ranges from the brightest level any product can reach.

Every output is first set to the probe range (labctl.mvm.scope_setup.PROBE_RANGE,
which covers every photodiode + TIA output of the benches); every modulator is
held at full transmission (u = 1, constant codes of ``DC_SYMBOLS`` symbols) and
every weight at 1 (the scheme's ``bright_heaters``); the mean volts of each
output then set its range to 0 .. AUTORANGE_HEADROOM x level +
AUTORANGE_MARGIN_V (labctl.mvm.scope_setup.ranges_above).
"""
from __future__ import annotations

import numpy as np

from labctl.mvm.scope_setup import (
    AUTORANGE_HEADROOM,
    AUTORANGE_MARGIN_V,
    PROBE_RANGE,
    ranges_above,
)
from labctl.mvm.waveforms import DC_SYMBOLS


def autorange(engine) -> None:
    """Measure the brightest level of every output of ``engine``
    (labctl.mvm.engine.OpticalEngine) and set and send its vertical range."""
    scopes, tx, io = engine.scopes, engine.tx, engine.io
    scopes.ranges = {k: PROBE_RANGE for k in engine.outputs}
    scopes.configure()
    io.load_awgs({a: (tx.awg_rate(a)[1], waves)
                  for a, waves in tx.const_waves(tx.bright_codes(), DC_SYMBOLS).items()})
    heaters = engine.scheme.bright_heaters(engine)
    if heaters is not None:
        io.set_heater_currents(heaters)
    volts = engine.acquire()
    levels = {key: float(np.mean(volts[key])) for key in engine.outputs}
    scopes.ranges = ranges_above(levels, AUTORANGE_HEADROOM, AUTORANGE_MARGIN_V)
    scopes.configure()
