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
    #: relative covariance of (beta_1 .. beta_Q, rin): cov / (value value^T); the
    #: beat and RIN terms trade off (both grow with the light), so they correlate
    beta_rin_rel_cov: np.ndarray | None = field(default=None, repr=False)


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
    cov = covariance(res)
    se = np.sqrt(np.diag(cov))
    p = res.x
    idx = np.r_[np.arange(sl_beta.start, sl_beta.stop), i_rin]
    rel_cov = cov[np.ix_(idx, idx)] / np.outer(p[idx], p[idx])
    return NoiseFit(
        input_noise=Fitted(float(p[0] * 1e-12), float(se[0] * 1e-12), "A/rtHz"),
        enob={k: Fitted(float(p[1 + i]), float(se[1 + i]), "bit") for i, k in enumerate(kinds)},
        beat=Fitted(p[sl_beta] * shot, se[sl_beta] * shot, "A"),
        shot=shot, rin=Fitted(float(p[i_rin] * 1e-15), float(se[i_rin] * 1e-15), "1/Hz"),
        ase_ase=Fitted(p[sl_aa] * 1e-12, se[sl_aa] * 1e-12, "A^2"),
        enbw_hz=np.asarray(enbw_hz, float), outputs=list(outputs), predicted=model(p),
        beta_rin_rel_cov=rel_cov)


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


@dataclass
class RingFit:
    """Result of :func:`fit_rings` ([port, line] arrays)."""

    amplitude: Fitted             # V, output level far from the notch (dark removed)
    lock_power_w: Fitted          # effective heater power that puts the notch on the line
    width_w: Fitted               # notch full width at half depth, in heater power
    depth: Fitted                 # notch depth (1 - on-resonance transmission)
    offset_nm: Fitted             # resonance offset blue of the line: P0 x tuning
    q_loaded: Fitted              # lambda / (width x tuning)
    predicted: np.ndarray = field(repr=False)   # [p, k, steps] model volts (V, dark removed)


def fit_rings(curve_p: np.ndarray, curve_v: np.ndarray, dark: np.ndarray,
              tuning_nm_per_mw: float, wavelength_m: float) -> RingFit:
    """Resonance offset, width and depth of every micro-ring from the
    calibration's fine sweeps (labctl.mvm.calibrate.measure_rings: volts at
    the ring's output vs effective heater power P, dark level removed)::

        V(P) - V_dark = A [1 - d / (1 + (2 (P - P0) / G)^2)]

    (the all-pass ring's Lorentzian notch near resonance, FSR >> width). The
    heater red-shifts the resonance by ``tuning`` nm/mW, so the resonance sits
    ``offset = tuning P0`` blue of its comb line, and the loaded Q is
    ``lambda / (tuning G)``. Only P0 x tuning is observable: the offset is
    reported for the bench file's tuning efficiency. One least-squares fit per
    ring; standard errors from ``s^2 (J^T J)^-1``."""
    n, nk, steps = curve_v.shape
    out = {k: np.zeros((n, nk)) for k in ("a", "p0", "g", "d", "sa", "sp0", "sg", "sd")}
    pred = np.zeros_like(curve_v, dtype=float)
    for p in range(n):
        for k in range(nk):
            x = np.asarray(curve_p[p, k], float)
            y = np.asarray(curve_v[p, k], float) - float(dark[p, k])
            top = float(np.max(y))
            i0 = int(np.argmin(y))
            d0 = max(1 - y[i0] / top, 0.05)
            g0 = max(float(np.ptp(x)) / 2.75, 1e-9)     # the sweep spans 2.75 notch widths
            x0 = [top, d0, x[i0], g0]
            lo = [0.0, 0.0, x.min() - np.ptp(x), 1e-3 * g0]
            hi = [10 * top + 1e-12, 1.0, x.max() + np.ptp(x), 100 * g0]

            def model(q, x=x):
                return q[0] * (1 - q[1] / (1 + (2 * (x - q[2]) / q[3]) ** 2))

            res = least_squares(lambda q, y=y, model=model: (model(q) - y) / top, x0,
                                bounds=(lo, hi), x_scale="jac")
            se = np.sqrt(np.diag(covariance(res)))
            for i, name in enumerate(("a", "d", "p0", "g")):
                out[name][p, k], out["s" + name][p, k] = res.x[i], se[i]
            pred[p, k] = model(res.x)
    t = tuning_nm_per_mw * 1e3      # nm per W
    q = wavelength_m * 1e9 / (t * out["g"])
    return RingFit(amplitude=Fitted(out["a"], out["sa"], "V"),
                   lock_power_w=Fitted(out["p0"], out["sp0"], "W"),
                   width_w=Fitted(out["g"], out["sg"], "W"),
                   depth=Fitted(out["d"], out["sd"], "1"),
                   offset_nm=Fitted(out["p0"] * t, out["sp0"] * t, "nm"),
                   q_loaded=Fitted(q, q * out["sg"] / out["g"], "1"),
                   predicted=pred)


def uniform_range(values: np.ndarray) -> tuple[float, float, float]:
    """Endpoints (lo, hi) of a uniform distribution from n samples and the
    standard error of each (minimum-variance unbiased estimators)::

        lo = min - (max - min) / (n - 1),  hi = max + (max - min) / (n - 1),
        se = (max - min) / (n - 1)   (about the std of a sample extreme)."""
    v = np.ravel(np.asarray(values, float))
    span = float(v.max() - v.min())
    step = span / (v.size - 1)
    return float(v.min() - step), float(v.max() + step), step


def fit_thermal_crosstalk(dv: np.ndarray, slope: np.ndarray, step_w: np.ndarray) -> Fitted:
    """Neighbour heater coupling c from neighbour steps: a step of dP applied
    to ring j adds c dP to the effective power of rings j +- 1, whose output
    (biased at half depth on the notch's red side, slope s there measured:
    labctl.twin.measure.notch_slopes; A d / G for an ideal Lorentzian) moves by::

        dV = s c dP      ->  c = argmin sum (dV - s c dP)^2

    (one parameter, least_squares with bounds 0 <= c < 1). Stepping j by +-dP
    and taking both neighbours cancels, to first order, the tail of ring j's
    own notch moving along the neighbours' lines (it moves towards one and away
    from the other)."""
    x = np.asarray(slope, float) * np.asarray(step_w, float)
    y = np.asarray(dv, float)
    scale = float(np.max(np.abs(x)))
    res = least_squares(lambda c: (x * c[0] - y) / scale, [0.05], bounds=([0.0], [0.999]))
    return Fitted(float(res.x[0]), float(np.sqrt(covariance(res)[0, 0])), "1")


def recoupled_powers(curve_p: np.ndarray, xt_cal: float, xt: float) -> tuple[np.ndarray, np.ndarray]:
    """The calibration's effective heater powers [p, k, step] (computed with its
    crosstalk ``xt_cal``) recomputed with ``xt``: applied = (I + xt_cal A)^-1 P_eff
    per sweep step (A: neighbour adjacency in a port bank), P_eff' = (I + xt A)
    applied. Returns (P_eff', A applied): the second is dP_eff / dxt."""
    n, nk, steps = curve_p.shape
    adj = np.eye(nk, k=1) + np.eye(nk, k=-1)
    m = np.eye(nk) + xt_cal * adj
    applied = np.linalg.solve(m, curve_p.transpose(1, 0, 2).reshape(nk, -1))
    neighbours = (adj @ applied).reshape(nk, n, steps).transpose(1, 0, 2)
    applied = applied.reshape(nk, n, steps).transpose(1, 0, 2)
    return applied + xt * neighbours, neighbours


def line_detuning_nm(bench) -> np.ndarray:
    """[port, line] comb line wavelength minus the ring's design wavelength (nm):
    the seed laser's wavelength setting vs the grid centre of the bench file
    (lines at f0 + (k - (N-1)/2) spacing, design at grid + the same)."""
    c0 = 299_792_458.0
    c = bench.topology.centre
    offs = (np.arange(c.wavelengths) - (c.wavelengths - 1) / 2) * c.comb_spacing_hz
    design = c0 / (c.grid_centre_hz + offs)
    out = np.zeros((c.ports, c.wavelengths))
    for e in bench.topology.edges:
        lam = float(bench.instruments[e.laser].settings.get("wavelength", c0 / c.grid_centre_hz))
        out[e.ports] = (c0 / (c0 / lam + offs) - design) * 1e9
    return out


#: Model floor (nm) of a ring offset: the single-ring Lorentzian ignores the tails
#: of the port's other notches, which move with the sweep (the calibration sweeps
#: a port's rings together); on the default bench this biases the offsets by
#: -0.12 +- 0.07 pm (64 rings), so 0.3 pm is added in quadrature to each error.
RING_MODEL_FLOOR_NM = 3e-4


def ring_offsets(ring: RingFit, neighbours: np.ndarray, curve_p: np.ndarray, xt: Fitted,
                 detuning_nm: np.ndarray, tuning_nm_per_mw: float) -> Fitted:
    """Fabrication offsets [p, k] (nm, blue of the design wavelength) from a
    ring fit made on powers recoupled with the fitted crosstalk ``xt``::

        offset = tuning P0 - (lambda_line - lambda_design)

    standard error sqrt(se_fit^2 + (tuning dP0/dc se_c)^2 + floor^2), dP0/dc =
    the neighbours' applied power at the lock point (``neighbours``,
    interpolated along each sweep at P0), floor = RING_MODEL_FLOOR_NM."""
    t = tuning_nm_per_mw * 1e3
    n, nk = ring.lock_power_w.value.shape
    dp_dc = np.zeros((n, nk))
    for p in range(n):
        for k in range(nk):
            order = np.argsort(curve_p[p, k])
            dp_dc[p, k] = np.interp(ring.lock_power_w.value[p, k], curve_p[p, k][order],
                                    neighbours[p, k][order])
    value = ring.lock_power_w.value * t - detuning_nm
    se = np.sqrt((ring.lock_power_w.stderr * t) ** 2 + (dp_dc * t * xt.stderr) ** 2
                 + RING_MODEL_FLOOR_NM**2)
    return Fitted(value, se, "nm")
