"""Estimators of the twin fit: one function per device figure.

Each is a (weighted) nonlinear least-squares fit, scipy.optimize.least_squares
with bounds; the standard errors are the square roots of the diagonal of
``s^2 (J^T J)^-1``, J the Jacobian of the residuals at the optimum and
``s^2 = sum(r^2) / (n - p)`` the residual variance (n data, p parameters).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import least_squares


@dataclass
class Fitted:
    """A fitted figure: ``value`` and ``stderr`` (same units), per device or one."""

    value: float | np.ndarray
    stderr: float | np.ndarray
    units: str


@dataclass
class ModulatorFit:
    """Result of :func:`fit_modulators` (per modulator: arrays in channel order)."""

    v_pi: Fitted
    bias_offset: Fitted
    extinction_ratio_db: Fitted
    amplitude: Fitted
    dark: Fitted
    channels: list
    rms_residual: float
    predicted: np.ndarray = field(repr=False)   # [M, L] model at the data points (A)


def covariance(res) -> np.ndarray:
    """``s^2 (J^T J)^-1`` of a least_squares result (s^2 = RSS / (n - p))."""
    j = res.jac
    n, p = j.shape
    s2 = float(np.sum(res.fun**2)) / max(n - p, 1)
    return s2 * np.linalg.pinv(j.T @ j)


def mzm_transmission(drive_v, v_pi, bias_offset_v, er_db):
    """Normalised MZM power transmission at a quadrature bias locked ``bias_offset_v`` off::

        h = pi (v + delta) / (2 V_pi) - pi/4
        T = cos^2(h) + eps^2 sin^2(h),   eps = 10^(-ER/20)

    (sim_backends.physics.mzm with v_bias = -V_pi/2 + delta; v the drive volts)."""
    h = np.pi * (np.asarray(drive_v) + bias_offset_v) / (2 * v_pi) - np.pi / 4
    eps2 = 10 ** (-er_db / 10)
    return np.cos(h) ** 2 + eps2 * np.sin(h) ** 2


def fit_modulators(dac_volts: np.ndarray, current: np.ndarray, low: float, low_ratio: float,
                   driver_gain: float, channels: list, v_pi0: float = 5.0) -> ModulatorFit:
    """V_pi, bias offset (per modulator) and extinction ratio (one per bench)
    from modulator staircases.

    Model of the summed photocurrent (A) with modulator m at drive
    v = g V_dac(code), every other modulator at code 0 (drive v_0)::

        I_m(v) = Z + A_m T(v; V_pi,m, delta_m, ER) + sum_{i != m} A_i T(v_0; V_pi,i, delta_i, ER)
        I_low = Z + r sum_i A_i T(v_0; ...)   (every seed laser at r of its power)

    with T of :func:`mzm_transmission`, A_m the peak photocurrent of modulator m
    (laser line power x insertion loss x path gain x responsivity) and Z the
    dark level (dark current + ASE of constant-gain amplifiers, independent of
    the laser power). ER is identified by the absolute level at code 0 against
    the dim record: the light left there is mostly eps^2 of every modulator. Only g / V_pi is observable: V_pi is reported for
    the driver gain ``g`` of the bench file. Residuals are scaled by the
    dark-subtracted full swing so they are O(1e-3); the standard errors follow
    from ``s^2 (J^T J)^-1`` (module doc).
    """
    current = np.asarray(current, float)
    m, n_lv = current.shape
    v = driver_gain * np.asarray(dac_volts, float)
    v0 = v[0]
    dark = float(low)
    scale = float(np.max(current) - dark)
    a0 = (current.max(axis=1) - current.min(axis=1)) / scale
    # parameters: [Z, ER, A_1..M, Vpi_1..M, delta_1..M] (A and Z in units of `scale`)
    x0 = np.concatenate([[0.0, 25.0], a0, np.full(m, v_pi0), np.zeros(m)])
    lo = np.concatenate([[-1.0, 3.0], np.zeros(m), np.full(m, 0.2 * v_pi0), np.full(m, -0.5 * v_pi0)])
    hi = np.concatenate([[1.0, 60.0], np.full(m, 10.0), np.full(m, 5 * v_pi0), np.full(m, 0.5 * v_pi0)])
    y = np.concatenate([((current - dark) / scale).ravel(), [0.0]])

    def model(p):
        z, er = p[0], p[1]
        a, vpi, dl = p[2:2 + m], p[2 + m:2 + 2 * m], p[2 + 2 * m:]
        t = mzm_transmission(v[None, :], vpi[:, None], dl[:, None], er)          # [M, L]
        t0 = mzm_transmission(v0, vpi, dl, er)                                    # [M]
        others = np.sum(a * t0) - a * t0                                          # [M]
        low_model = z + low_ratio * np.sum(a * t0)
        return np.concatenate([(z + a[:, None] * t + others[:, None]).ravel(), [low_model]])

    res = least_squares(lambda p: model(p) - y, x0, bounds=(lo, hi), x_scale="jac")
    cov = covariance(res)
    se = np.sqrt(np.diag(cov))
    p = res.x
    pred = model(p)[:-1].reshape(m, n_lv) * scale + dark
    sl = slice(2, 2 + m)
    return ModulatorFit(
        v_pi=Fitted(p[2 + m:2 + 2 * m], se[2 + m:2 + 2 * m], "V"),
        bias_offset=Fitted(p[2 + 2 * m:], se[2 + 2 * m:], "V"),
        extinction_ratio_db=Fitted(float(p[1]), float(se[1]), "dB"),
        amplitude=Fitted(p[sl] * scale, se[sl] * scale, "A"),
        dark=Fitted(float(p[0] * scale + dark), float(se[0] * scale), "A"),
        channels=list(channels), rms_residual=float(np.sqrt(np.mean(res.fun**2))) * scale,
        predicted=pred)


def weighted_mean(values: np.ndarray, stderr: np.ndarray) -> tuple[float, float]:
    """Inverse-variance weighted mean and its standard error::

        mean = sum(w_i x_i) / sum(w_i),  w_i = 1 / s_i^2,  se = 1 / sqrt(sum w_i)

    (one bench-wide figure from per-device fits)."""
    w = 1 / np.asarray(stderr, float) ** 2
    return float(np.sum(w * values) / np.sum(w)), float(1 / np.sqrt(np.sum(w)))
