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
from functools import lru_cache

import numpy as np
from numba import njit

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
    return _nominal_ring(d.fsr_m, d.q_loaded, d.round_trip_loss_db, d.tuning_nm_per_mw)


@lru_cache(maxsize=16)
def _nominal_ring(fsr_m: float, q_loaded: float, loss_db: float, tuning_nm_per_mw: float) -> NominalRing:
    ring = MicroRing(resonance=DESIGN_WAVELENGTH_M, fsr=fsr_m, q_loaded=q_loaded,
                     round_trip_loss_db=loss_db)
    depth = 1 - abs(ring.through(DESIGN_WAVELENGTH_M)) ** 2
    width = (DESIGN_WAVELENGTH_M / q_loaded) / (tuning_nm_per_mw * 1e-6)
    return NominalRing(float(depth), float(width))


def awgr_map(centre, cal=None) -> np.ndarray:
    """Output q [p, k] that ring (p, k) feeds: measured (calibration) or the
    cyclic AWGR's design routing q = (p - k) mod N."""
    if cal is not None and cal.awgr_map is not None:
        return cal.awgr_map.astype(int)
    return _design_awgr_map(centre.ports, centre.wavelengths)


@lru_cache(maxsize=16)
def _design_awgr_map(ports: int, wavelengths: int) -> np.ndarray:
    """q = (p - k) mod N [p, k], made once per size and read-only."""
    p, k = np.meshgrid(np.arange(ports), np.arange(wavelengths), indexing="ij")
    out = (p - k) % ports
    out.flags.writeable = False
    return out


def nominal_transmissions(w_u: np.ndarray, depth: float, qmap: np.ndarray) -> np.ndarray:
    """Unsigned weights w_u [output q, port p] -> ring transmissions [p, k]
    mapped linearly onto the weight window [lo, hi] of a notch of depth ``depth``:
    t = lo + (hi - lo) w, lo = 1 - RING_LO_FRACTION d, hi = 1 - d / (1 + RING_HI_DETUNE^2)."""
    lo = 1 - RING_LO_FRACTION * depth
    hi = 1 - depth / (1 + RING_HI_DETUNE**2)
    ports = np.arange(qmap.shape[0])[:, None]
    return lo + (hi - lo) * np.asarray(w_u, float)[qmap, ports]


def calibrated_ring_powers(cal, w_u: np.ndarray) -> np.ndarray:
    """Effective heater powers [p, k] (W) from the measured ring curves: per
    output q, every path's volts are mapped onto the common window
    [max of the notch minima, min of the red-side maxima] (this equalises
    the path gains), then inverted on the red side of each notch
    (np.interp of the running maximum of the volts from the notch on; the
    curves' part is prepared once per calibration, :func:`_ring_inverse`,
    and all rings are interpolated in one compiled pass)."""
    qmap, lo, hi, ev, pv, lengths = _ring_inverse(cal)
    n = qmap.shape[0]
    target = lo[qmap] + (hi[qmap] - lo[qmap]) * np.asarray(w_u, float)[qmap, np.arange(n)[:, None]]
    return _interp_rows(target.ravel(), ev, pv, lengths).reshape(qmap.shape)


def _ring_inverse(cal):
    """Per calibration (cached while its ring arrays are the same objects):
    (qmap [p, k], lo [q], hi [q], running-max volts [p k, L] and powers
    [p k, L] from each notch on, padded, their lengths [p k])."""
    src = (cal.awgr_map, cal.ring_curve_v, cal.ring_dark, cal.ring_curve_p)
    hit = _RING_INVERSES.get(id(cal))
    if hit is not None and all(a is b for a, b in zip(hit[0], src)):
        return hit[1]
    qmap = cal.awgr_map.astype(int)
    e = cal.ring_curve_v - cal.ring_dark[..., None]
    n, nk, m = e.shape
    lo = np.full(n, -np.inf)
    hi = np.full(n, np.inf)
    for p in range(n):
        for k in range(nk):
            q = qmap[p, k]
            lo[q] = max(lo[q], e[p, k].min())
            hi[q] = min(hi[q], e[p, k, -1])
    ev = np.zeros((n * nk, m))
    pv = np.zeros((n * nk, m))
    lengths = np.zeros(n * nk, np.int64)
    for p in range(n):
        for k in range(nk):
            i0 = int(np.argmin(e[p, k]))
            j = p * nk + k
            lengths[j] = m - i0
            ev[j, :m - i0] = np.maximum.accumulate(e[p, k, i0:])
            pv[j, :m - i0] = cal.ring_curve_p[p, k, i0:]
    out = (qmap, lo, hi, ev, pv, lengths)
    if len(_RING_INVERSES) > 8:
        _RING_INVERSES.clear()
    _RING_INVERSES[id(cal)] = (src, out)
    return out


#: id(calibration) -> (its ring arrays, held so the ids stay theirs; _ring_inverse's result)
_RING_INVERSES: dict = {}


@njit(cache=True)
def _interp_rows(x, xp, fp, lengths):
    """np.interp(x[i], xp[i, :lengths[i]], fp[i, :lengths[i]]) for every i, with
    numpy's arithmetic: j the last index with xp[j] <= x, fp[j] on an exact
    hit, else slope (x - xp[j]) + fp[j]; the end values outside [xp[0], xp[-1]]."""
    out = np.empty(x.size)
    for i in range(x.size):
        n = lengths[i]
        a, b = xp[i], fp[i]
        v = x[i]
        if v > a[n - 1]:
            out[i] = b[n - 1]
        elif v < a[0]:
            out[i] = b[0]
        else:
            lo, hi = 0, n                     # last j with a[j] <= v (bisection)
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if a[mid] <= v:
                    lo = mid
                else:
                    hi = mid
            j = lo
            if j == n - 1 or a[j] == v:
                out[i] = b[j]
            else:
                slope = (b[j + 1] - b[j]) / (a[j + 1] - a[j])
                r = slope * (v - a[j]) + b[j]
                if np.isnan(r):
                    r = slope * (v - a[j + 1]) + b[j + 1]
                    if np.isnan(r) and b[j] == b[j + 1]:
                        r = b[j]
                out[i] = r
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
