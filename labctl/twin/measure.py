"""Raw measurements of the twin fit, through an OpticalEngine's bench IO only.

``modulator_staircases``: for every modulator in turn, ``levels`` constant
codes (DC records of DC_RECORD_SYMBOLS symbols), the other modulators at code
0; the detector volts of every output are linearised through the nominal TIA
(``I = I_sat atanh(V / (Z_t I_sat))``, the bench file's photodiode figures) and
summed over the outputs (A). A last record, every modulator at code 0, with every
seed laser at LOW_LIGHT_RATIO of its power gives the dark level by difference
(dark current + ASE of the constant-gain amplifiers: the estimator models it).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labctl.mvm.calibrate import DC_RANGE_HEADROOM, DC_RANGE_MARGIN_V, DC_RECORD_SYMBOLS
from labctl.mvm.encode import dac_levels
from labctl.mvm.scope_setup import PROBE_RANGE, ranges_above
from labctl.mvm.waveforms import DC_SYMBOLS

#: Seed laser power (fraction of the bench setting) of the dark-level record:
#: -20 dB, inside every laser's set-point range (a laser switched off is not
#: used: the simulated comb then has no line power to share its ASE over).
LOW_LIGHT_RATIO = 0.01
#: Code levels of each modulator's staircase (evenly spaced over the DAC range).
STAIR_LEVELS = 24


@dataclass
class Staircases:
    """Modulator staircases: ``codes`` [L], ``volts`` [L] (DAC output, V),
    ``current`` [M, L] (A, summed linearised photocurrent with modulator m at
    codes[l], the others at code 0), ``low`` (A, every modulator at code 0 and every seed laser at
    ``low_ratio`` of its power), ``channels``
    [(awg, ch, edge)], ``bits`` of the AWGs."""

    codes: np.ndarray
    volts: np.ndarray
    current: np.ndarray
    low: float
    low_ratio: float
    channels: list
    bits: int


def linear_current(engine, volts: dict) -> float:
    """Sum over the outputs of the mean photocurrent (A): each output's mean
    volts through the inverse of the nominal TIA, I = I_sat atanh(V/(Z_t I_sat))."""
    pdp = engine.topo.devices.photodiode
    zt, isat = pdp.transimpedance_ohm, pdp.saturation_current_a
    total = 0.0
    for key in engine.outputs:
        v = float(np.mean(volts[key]))
        total += isat * np.arctanh(np.clip(v / (zt * isat), -0.999, 0.999))
    return total


def modulator_staircases(engine, levels: int = STAIR_LEVELS) -> Staircases:
    """Measure every modulator's staircase and the dark level (see the module doc)."""
    chans = engine.modulator_channels()
    awg0 = chans[0][0]
    info = engine.io.awg_info(awg0)
    bits = int(info["bits"])
    codes = np.linspace(0, 2**bits - 1, levels).round().astype(int)
    volts_dac = dac_levels(bits, info["vpp"], info["offset"])[codes]
    low = {(a, ch): 0 for a, ch, _ in chans}
    # ranges over 0 .. the brightest level (every modulator at full code)
    engine.set_ranges({k: PROBE_RANGE for k in engine.outputs})
    engine.record_symbols(DC_RECORD_SYMBOLS)
    bright = engine.run(engine.const_waves({k: 2**bits - 1 for k in low}, DC_SYMBOLS))
    engine.set_ranges(ranges_above({k: float(np.mean(bright[k])) for k in engine.outputs},
                                   DC_RANGE_HEADROOM, DC_RANGE_MARGIN_V))
    current = np.zeros((len(chans), levels))
    for m, (awg, ch, _) in enumerate(chans):
        for j, c in enumerate(codes):
            codes_now = dict(low)
            codes_now[(awg, ch)] = int(c)
            current[m, j] = linear_current(engine, engine.run(engine.const_waves(codes_now, DC_SYMBOLS)))
    powers = engine.laser_powers()
    for name, p in powers.items():
        engine.io.set_laser_power(name, p * LOW_LIGHT_RATIO)
    try:
        dim = linear_current(engine, engine.run(engine.const_waves(low, DC_SYMBOLS)))
    finally:
        for name, p in powers.items():
            engine.io.set_laser_power(name, p)
    engine.record_symbols(None)
    engine.set_ranges(dict(engine.cal.scope_ranges) if engine.cal is not None else None)
    return Staircases(codes, volts_dac, current, dim, LOW_LIGHT_RATIO, chans, bits)
