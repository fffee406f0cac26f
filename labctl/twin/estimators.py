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


#: Elementary charge (C).
Q_E = 1.602176634e-19


@dataclass
class NoiseFit:
    """Result of :func:`fit_receiver_noise`."""

    input_noise: Fitted                 # A/rtHz, TIA input-referred (one per bench)
    enob: dict                          # scope model -> Fitted (bit)
    beat: Fitted                        # per output: signal-ASE beat coefficient (A^2 / A)
    shot: np.ndarray                    # per output: 2 q ENBW (A^2 / A), the shot coefficient
    rin: Fitted                         # relative intensity noise coefficient (1/Hz)
    ase_ase: Fitted                     # per output: ASE-ASE beat variance, amplifiers on (A^2)
    enbw_hz: np.ndarray                 # per output
    outputs: list
    predicted: np.ndarray = field(repr=False)   # [n, Q] model variance (A^2)


def fit_receiver_noise(full_scale: np.ndarray, mean_a: np.ndarray, var_a2: np.ndarray,
                       lit: np.ndarray, enbw_hz: np.ndarray, zt_ohm: float, models: list[str],
                       outputs: list) -> NoiseFit:
    """TIA input noise, converter ENOB per scope model and the shot / signal-ASE
    split from the variance of constant-level records (per output q, record n)::

        var_I = i_n^2 B_q + 2 q I B_q + FS^2 2^(-2 ENOB_s) / (12 Z_t^2)
                + [lit records] (beta_q I + rin B_q I^2 / 2 + a_q)

    with B_q the equivalent noise bandwidth of the receiver (PD x scope,
    Gaussian: integral of |H|^2 over 0 .. fs/2, from the bench file's
    bandwidths), I the mean photocurrent, FS the scope full scale (V), s the
    scope model of output q, a_q the ASE-ASE beat (amplifiers on; the dim
    records run them at unity gain, where there is no ASE). The thermal term does not depend on light or
    full scale, the converter term grows as FS^2 (the dim records at several
    full scales separate the two), shot noise is fixed by physics (2 q I B),
    so the remaining term linear in I is the signal-ASE beat ``beta_q``
    (different per output: each mixes the two edges' amplifiers), and the
    quadratic one the lasers' RIN (each output adds two lasers' lines: I^2/2
    for equal halves). Residuals are relative (measured / model - 1)."""
    full_scale, mean_a, var_a2 = (np.asarray(a, float) for a in (full_scale, mean_a, var_a2))
    n, nq = var_a2.shape
    kinds = list(dict.fromkeys(models))
    kind_of = np.array([kinds.index(m) for m in models])
    shot = 2 * Q_E * np.asarray(enbw_hz, float)
    b = np.asarray(enbw_hz, float)[None, :]
    # parameters: [i_n (pA/rtHz), ENOB per model, beta_q / shot_q (Q), rin (1e-15 / Hz),
    #              a_q (1e-12 A^2, Q)]
    nk = len(kinds)
    lit = np.asarray(lit, bool)[:, None]
    x0 = np.concatenate([[20.0], np.full(nk, 6.0), np.ones(nq), [1.0], np.zeros(nq)])
    lo = np.concatenate([[0.1], np.full(nk, 1.0), np.full(nq, -1.0), [0.0], np.full(nq, -1e3)])
    hi = np.concatenate([[1e3], np.full(nk, 16.0), np.full(nq, 1e3), [1e6], np.full(nq, 1e3)])
    sl_beta, i_rin = slice(1 + nk, 1 + nk + nq), 1 + nk + nq
    sl_aa = slice(i_rin + 1, i_rin + 1 + nq)

    def model(p):
        i_n = p[0] * 1e-12
        enob = p[1:1 + nk][kind_of][None, :]
        beta = p[sl_beta][None, :] * shot[None, :]
        rin = p[i_rin] * 1e-15
        amps = beta * mean_a + rin * b * mean_a**2 / 2 + p[sl_aa][None, :] * 1e-12
        return (i_n**2 * b + shot[None, :] * mean_a + np.where(lit, amps, 0.0)
                + full_scale**2 * 2.0 ** (-2 * enob) / (12 * zt_ohm**2))

    res = least_squares(lambda p: (var_a2 / model(p) - 1).ravel(), x0, bounds=(lo, hi),
                        x_scale="jac")
    se = np.sqrt(np.diag(covariance(res)))
    p = res.x
    return NoiseFit(
        input_noise=Fitted(float(p[0] * 1e-12), float(se[0] * 1e-12), "A/rtHz"),
        enob={k: Fitted(float(p[1 + i]), float(se[1 + i]), "bit") for i, k in enumerate(kinds)},
        beat=Fitted(p[sl_beta] * shot, se[sl_beta] * shot, "A"),
        shot=shot, rin=Fitted(float(p[i_rin] * 1e-15), float(se[i_rin] * 1e-15), "1/Hz"),
        ase_ase=Fitted(p[sl_aa] * 1e-12, se[sl_aa] * 1e-12, "A^2"),
        enbw_hz=np.asarray(enbw_hz, float), outputs=list(outputs), predicted=model(p))


def receiver_enbw(bench, outputs: list, sample_rates: dict) -> np.ndarray:
    """Equivalent noise bandwidth (Hz) of each output's receiver: photodiode and
    scope front end, both Gaussian (-3 dB at their bench-file bandwidths), i.e.
    one Gaussian of 1/f^2 = 1/f_pd^2 + 1/f_scope^2, integrated over 0 .. fs/2
    (sim_backends.physics.filters.gaussian_noise_bandwidth)."""
    from sim_backends.physics.filters import gaussian_noise_bandwidth
    dev = bench.topology.devices
    out = []
    for scope, _ in outputs:
        model = bench.instruments[scope].model
        f_sc = dev.adc.bandwidth_hz.get(model, dev.adc.default_bandwidth_hz)
        f_eff = (dev.photodiode.bandwidth_hz**-2 + f_sc**-2) ** -0.5
        out.append(gaussian_noise_bandwidth(f_eff, sample_rates[scope]))
    return np.array(out)
