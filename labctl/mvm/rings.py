"""Ring programming (wdm): unsigned weights -> heater currents of the micro-ring bank.

The ring of port ``p`` and comb line ``k`` (heater channel ``first_channel +
p * N + k``) sets the weight ``w[q, p]`` of AWGR output ``q = awgr_map[p, k]``.
Two ways to choose its heater power:

* with a calibration (``Calibration.ring_curve_p`` / ``ring_curve_v``, from
  labctl.mvm.calibrate.measure_rings): the measured curve "volts at output q vs
  effective heater power" of every ring, inverted on the red side of its notch;
* without: the nominal design (:func:`nominal_ring`): every ring's resonance on
  its comb line at zero heater power, Lorentzian notch of depth ``d`` and
  power half-width ``G`` (W), no thermal crosstalk, ideal AWGR routing.

Heater powers P (W) become currents I = sqrt(P / R) with the heater resistance R.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labctl.mvm import encode
from sim_backends.physics.microring import MicroRing

#: Ring weight window as fractions of the notch: lowest transmission
#: 1 - 0.9 d (near the lock) and highest 1 - d / (1 + 3^2) (3 half-widths of detuning).
RING_LO_FRACTION = 0.9
RING_HI_DETUNE = 3.0
#: Design wavelength of the nominal ring model (m): the comb centre, 1550 nm.
DESIGN_WAVELENGTH_M = 1550e-9


@dataclass(frozen=True)
class NominalRing:
    """Design figures of every ring: notch depth ``depth`` (1 - |t|^2 on
    resonance) and ``width_w``, the heater power (W) that detunes the ring by
    its resonance full width (lambda / Q over the tuning efficiency)."""

    depth: float
    width_w: float


def nominal_ring(topology) -> NominalRing:
    """The nominal design ring (``topology.devices.ring``), not a calibration."""
    d = topology.devices.ring
    ring = MicroRing(resonance=DESIGN_WAVELENGTH_M, fsr=d.fsr_m, q_loaded=d.q_loaded,
                     round_trip_loss_db=d.round_trip_loss_db)
    depth = 1 - abs(ring.through(DESIGN_WAVELENGTH_M)) ** 2
    width = (DESIGN_WAVELENGTH_M / d.q_loaded) / (d.tuning_nm_per_mw * 1e-6)
    return NominalRing(float(depth), float(width))


def awgr_map(centre, cal=None) -> np.ndarray:
    """Output q [p, k] that ring (p, k) feeds: measured (calibration) or the
    cyclic AWGR's design routing q = (p - k) mod N."""
    if cal is not None and cal.awgr_map is not None:
        return cal.awgr_map.astype(int)
    p, k = np.meshgrid(np.arange(centre.ports), np.arange(centre.wavelengths), indexing="ij")
    return (p - k) % centre.ports


def nominal_transmissions(w_u: np.ndarray, depth: float, qmap: np.ndarray) -> np.ndarray:
    """Unsigned weights w_u [output q, port p] -> ring transmissions [p, k]
    mapped linearly onto the weight window [lo, hi] of a notch of depth ``depth``:
    t = lo + (hi - lo) w, lo = 1 - RING_LO_FRACTION d, hi = 1 - d / (1 + RING_HI_DETUNE^2)."""
    lo = 1 - RING_LO_FRACTION * depth
    hi = 1 - depth / (1 + RING_HI_DETUNE**2)
    t = np.empty_like(qmap, dtype=float)
    for p in range(qmap.shape[0]):
        for k in range(qmap.shape[1]):
            t[p, k] = lo + (hi - lo) * w_u[qmap[p, k], p]
    return t


def calibrated_ring_powers(cal, w_u: np.ndarray) -> np.ndarray:
    """Effective heater powers [p, k] (W) from the measured ring curves: per
    output q, every path's volts are mapped onto the common window
    [max of the notch minima, min of the red-side maxima] (this equalises
    the path gains), then inverted on the red side of each notch."""
    qmap = cal.awgr_map.astype(int)
    e = cal.ring_curve_v - cal.ring_dark[..., None]
    n, nk, _ = e.shape
    lo = np.full(n, -np.inf)
    hi = np.full(n, np.inf)
    for p in range(n):
        for k in range(nk):
            q = qmap[p, k]
            lo[q] = max(lo[q], e[p, k].min())
            hi[q] = min(hi[q], e[p, k, -1])
    out = np.zeros((n, nk))
    for p in range(n):
        for k in range(nk):
            q = qmap[p, k]
            i0 = int(np.argmin(e[p, k]))
            ev = np.maximum.accumulate(e[p, k, i0:])
            pv = cal.ring_curve_p[p, k, i0:]
            target = lo[q] + (hi[q] - lo[q]) * w_u[q, p]
            out[p, k] = np.interp(target, ev, pv)
    return out


def heater_currents(topology, p: np.ndarray) -> dict[int, float]:
    """Applied heater powers p [port, line] (W) -> currents I = sqrt(p / R) (A) per channel."""
    r = topology.devices.ring.heater_resistance_ohm
    c = topology.centre
    cur = np.sqrt(p / r)
    return {c.rings.first_channel + i * c.wavelengths + k: float(cur[i, k])
            for i in range(c.ports) for k in range(c.wavelengths)}


def heaters_for_weights(topology, cal, w_u: np.ndarray) -> dict[int, float]:
    """Unsigned weights w_u [output q, port p] in [0, 1] -> heater currents (A)
    per channel: from the calibrated ring curves when ``cal`` holds them, else
    from the nominal design; the neighbour thermal crosstalk (calibrated, 0
    nominally) is undone."""
    if cal is not None and cal.ring_curve_p is not None:
        p_eff, xt = calibrated_ring_powers(cal, w_u), cal.thermal_xt
    else:
        c = topology.centre
        ring = nominal_ring(topology)
        shape = (c.ports, c.wavelengths)
        t = nominal_transmissions(w_u, ring.depth, awgr_map(c, cal))
        p_eff = encode.ring_power_for(t, np.zeros(shape), np.full(shape, ring.width_w), ring.depth)
        xt = 0.0
    return heater_currents(topology, encode.undo_thermal_crosstalk(p_eff, xt))
