"""Values -> integer DAC codes and heater currents (docs/DESIGN.md, data path step 2).

Modulators: an intensity value u in [0, 1] is sent as the normalised
transmission ``t = T_LO + (T_HI - T_LO) u`` of the modulator's measured
transfer curve (the calibration's code -> normalised transmission table),
inverted by monotone interpolation: this is the pre-distortion of the MZM cos^2.
Without a calibration the nominal curve of a quadrature-biased MZM is used::

    t_nom(v) = cos^2( pi g v / (2 V_pi) - pi/4 ),  v = DAC volts, g = driver gain

normalised over the code range (sim_backends.physics.mzm convention, rising slope).

Micro-rings: a weight sets the through-port power transmission of one ring,
``T = 1 - d / (1 + (2 (P - P0) / G)^2)`` (Lorentzian notch in heater power P,
lock power P0, width G, depth d); the inverse on the red side is
``P = P0 + (G/2) sqrt(d / (1 - T) - 1)``. Thermal crosstalk between
neighbouring heaters (coefficient c) is undone by solving
``(I + c A) P_applied = P_wanted`` (A: neighbour adjacency in one port bank).
"""
from __future__ import annotations

import numpy as np

#: Window of the normalised modulator transfer used for values 0..1 (the flat
#: ends of cos^2 waste DAC resolution).
T_LO, T_HI = 0.05, 0.95


def dac_levels(bits: int, vpp: float, offset: float) -> np.ndarray:
    """Output volts of every code (mid-rise, as sim_backends.physics.dac)."""
    step = vpp / 2**bits
    return offset - vpp / 2 + (np.arange(2**bits) + 0.5) * step


def nominal_curve(bits: int, vpp: float, offset: float, v_pi: float, driver_gain: float):
    """(codes, normalised transmission) of a nominal quadrature-biased MZM."""
    v = dac_levels(bits, vpp, offset) * driver_gain
    t = np.cos(np.pi * v / (2 * v_pi) - np.pi / 4) ** 2
    return np.arange(2**bits), (t - t.min()) / (t.max() - t.min())


def monotone_inverse(codes: np.ndarray, t_norm: np.ndarray):
    """Restrict (codes, t) to its longest rising stretch; return (t_sorted, codes)
    usable by np.interp for t -> code."""
    t = np.asarray(t_norm, float)
    c = np.asarray(codes, float)
    if t[-1] < t[0]:
        t, c = t[::-1], c[::-1]
    lo, hi = int(np.argmin(t)), int(np.argmax(t))
    if hi <= lo:
        raise ValueError("modulator transfer curve has no rising stretch")
    t, c = t[lo:hi + 1], c[lo:hi + 1]
    t = np.maximum.accumulate(t)
    t = (t - t[0]) / (t[-1] - t[0])
    keep = np.concatenate([[True], np.diff(t) > 0])
    return t[keep], c[keep]


def codes_for(u: np.ndarray, curve, bits: int) -> np.ndarray:
    """Values u in [0, 1] -> uint16 codes through the inverse transfer ``curve``
    ((codes, t_norm) as measured or nominal)."""
    t_sorted, c_sorted = monotone_inverse(*curve)
    target = T_LO + (T_HI - T_LO) * np.clip(np.asarray(u, float), 0, 1)
    c = np.interp(target, t_sorted, c_sorted)
    return np.clip(np.rint(c), 0, 2**bits - 1).astype(np.uint16)


#: Ring transmissions are clipped to [1 - RING_T_DEPTH_FRACTION d, RING_T_MAX]
#: before inversion: the notch bottom and T = 1 need infinite or no detuning.
RING_T_DEPTH_FRACTION = 0.999
RING_T_MAX = 0.9999


def ring_power_for(t: np.ndarray, p0: np.ndarray, width: np.ndarray, depth: float) -> np.ndarray:
    """Heater power (W) giving through transmission t on the red side of the notch."""
    t = np.clip(np.asarray(t, float), 1 - RING_T_DEPTH_FRACTION * depth, RING_T_MAX)
    return p0 + width / 2 * np.sqrt(depth / (1 - t) - 1)


def undo_thermal_crosstalk(p_wanted: np.ndarray, c: float) -> np.ndarray:
    """Applied heater powers [ports, lines] whose neighbour-coupled sum equals p_wanted."""
    n = p_wanted.shape[-1]
    a = np.eye(n) + c * (np.eye(n, k=1) + np.eye(n, k=-1))
    p = np.linalg.solve(a, p_wanted.T).T
    return np.maximum(p, 0.0)
