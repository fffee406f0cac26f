"""The micro-ring part of the twin fit (wdm centres): crosstalk measured, then
the calibration's ring sweeps refitted with it (labctl.twin.estimators)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labctl.mvm.rings import DESIGN_WAVELENGTH_M
from labctl.twin.estimators import (
    Fitted,
    RingFit,
    fit_rings,
    fit_thermal_crosstalk,
    line_detuning_nm,
    recoupled_powers,
    ring_offsets,
)
from labctl.twin.measure import crosstalk_steps


@dataclass
class CentreRings:
    """Rings of a wdm centre: ``crosstalk`` (fitted neighbour coupling),
    ``fit`` (notches refitted on the recoupled powers), ``offsets`` [p, k] (nm,
    blue of the design wavelength), ``power_w`` / ``measured_v`` [p, k, steps]
    (the sweeps fitted: effective heater power, output volts minus dark)."""

    crosstalk: Fitted
    fit: RingFit
    offsets: Fitted
    power_w: np.ndarray
    measured_v: np.ndarray


def fit_centre_rings(engine) -> CentreRings:
    """Measure the thermal crosstalk on ``engine`` (its calibration's ring sweeps
    give the first notch fits the heater steps are set from), then refit the
    sweeps with the measured crosstalk and derive every ring's offset."""
    cal = engine.cal
    d = engine.topo.devices.ring
    first = fit_rings(cal.ring_curve_p, cal.ring_curve_v, cal.ring_dark, d.tuning_nm_per_mw,
                      DESIGN_WAVELENGTH_M)
    rec = crosstalk_steps(engine, first.lock_power_w.value, first.width_w.value, cal.thermal_xt)
    xt = fit_thermal_crosstalk(rec.dv, rec.slope, rec.step_w)
    return refit_centre_rings(cal, xt, engine.bench)


def refit_centre_rings(cal, xt: Fitted, bench) -> CentreRings:
    """The calibration's ring sweeps refitted on effective heater powers
    recoupled with crosstalk ``xt``, and every ring's offset from them."""
    d = bench.topology.devices.ring
    power, neighbours = recoupled_powers(cal.ring_curve_p, cal.thermal_xt, xt.value)
    fit = fit_rings(power, cal.ring_curve_v, cal.ring_dark, d.tuning_nm_per_mw, DESIGN_WAVELENGTH_M)
    offsets = ring_offsets(fit, neighbours, power, xt, line_detuning_nm(bench),
                           d.tuning_nm_per_mw)
    return CentreRings(xt, fit, offsets, power, cal.ring_curve_v - cal.ring_dark[..., None])


def q_crosstalk_stderr(cal, xt: Fitted, tuning_nm_per_mw: float) -> float:
    """Error of the mean fitted loaded Q that the crosstalk's standard error
    carries: the calibration's sweeps refitted on powers recoupled with
    xt + se_xt (the effective-power axis, hence each notch width, scales with
    1 + xt x neighbours), |mean Q(xt + se) - mean Q(xt)|."""
    qs = []
    for c in (xt.value, xt.value + xt.stderr):
        power, _ = recoupled_powers(cal.ring_curve_p, cal.thermal_xt, c)
        qs.append(np.mean(fit_rings(power, cal.ring_curve_v, cal.ring_dark, tuning_nm_per_mw,
                                    DESIGN_WAVELENGTH_M).q_loaded.value))
    return float(abs(qs[1] - qs[0]))
