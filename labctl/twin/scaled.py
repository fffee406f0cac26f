"""Figures fitted by scaling the twin's own: ring loaded Q, EDFA noise figure, laser RIN.

Each of these enters a fitted coefficient of :mod:`labctl.twin.estimators`
through a factor the simple estimator model does not hold exactly (the tails of
a port's other notches and AWGR leakage of the neighbouring lines distort each
ring notch, so a single Lorentzian's width is off by -0.9 .. +1.6 % per line at
Q = 1e4; the signal-ASE beat of an output mixes the two edges' amplifiers through
path losses; the RIN term mixes two lasers' shares of the photocurrent). The
fit therefore measures the same coefficient on an in-process twin (the fitted
bench file, :func:`labctl.twin.links.twin_text`, with the bench's calibration
file) whose own figure X_j is known, and scales it (fixed point, as for the
span lengths)::

    X_{j+1} = X_j * c_meas / c_twin(X_j)          (2 iterations from the bench file's X_0)

then measures the twin once more at the result. Standard error: the ratio's own
error and the remaining mismatch ``|c_meas / c_twin(X) - 1|`` in quadrature,
times X. The twin must carry the figures the coefficient also depends on: the
noise's beta_q depends on the rings' transmission at the lines (a beat term
goes as w^2, the signal as w), so Q is fitted first and NF / RIN on a twin with
it. The coefficients:

* ring loaded Q (``[topology.devices.ring] q_loaded``): c = the mean over the 64
  rings of the per-ring ratio Q_meas,i / Q_twin,i of the notch fits
  (Q = lambda / (tuning x FWHM in heater power), :func:`~labctl.twin.estimators.fit_rings`;
  loaded Q = lambda / FWHM of the ring model). Ratio error: std of the per-ring
  ratios / sqrt(64), and the crosstalk's error carried into the bench's notch
  widths (:func:`labctl.twin.rings.q_crosstalk_stderr`).
* EDFA noise figure (``[topology.devices.edfa] noise_figure_db``): the
  signal-ASE beat coefficient beta_q of :func:`~labctl.twin.estimators.fit_receiver_noise`
  (variance 4 R^2 P_s S_ase B = beta_q I) with the ASE PSD per polarisation
  S_ase = n_sp h nu (G - 1) = NF G h nu / 2 (NF = 2 n_sp (G - 1) / G, the
  simulation's law), so at the bench's fixed gains beta_q is proportional to NF:
  c = inverse-variance weighted mean over the outputs of beta_meas,q / beta_twin,q
  (ratio error from both fits' covariances of beta_q, :func:`noise_ratios`:
  the beat and RIN terms trade off, so the beta_q errors correlate).
* laser RIN (``[topology.devices.laser] rin_db_per_hz``): the variance term
  RIN B sum_lasers I_laser^2, quadratic in the photocurrent (the fit's rin
  coefficient; the twin's lasers share each output as the bench's do): c =
  rin_meas / rin_twin (ratio error from both fits' standard errors).
  For both, the ratio's change with the twin's ring offsets moved by their
  error is added (the lit records pass the rings' notch tails), and a figure
  the bench's fit does not resolve (MAX_RELATIVE_ERROR) is not fitted.

NF and RIN are fitted together (one twin run gives both coefficients) and written
in dB with standard errors 10 / ln 10 x (relative error).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labctl.twin.estimators import Fitted

#: Fixed-point iterations of each scaled figure (a last twin run checks the result).
ITERATIONS = 2


@dataclass
class Scaled:
    """One scaled figure: ``fitted`` (value +- standard error), the twin's
    trial values ``trials`` and the measured / twin coefficient ratios at them
    (the last: the check at the fitted value); ``identified`` False when the
    bench's coefficient is not resolved (``relative_error`` >= MAX_RELATIVE_ERROR)."""

    fitted: Fitted
    trials: list
    ratios: list
    identified: bool = True           # False: not fitted, the bench file's value kept
    relative_error: float = 0.0       # of the bench's coefficient (identifiability)


def _twin(text: str, calibration: str, seed):
    from labctl.twin.links import twin_backend, twin_text
    return twin_backend(twin_text(text), calibration, seed)


def _set(text: str, header: str, key: str, value: float) -> str:
    """Bench ``text`` with ``key`` of table ``[header]`` set to ``value``."""
    from labctl.twin.bench_text import update_table
    return update_table(text, header, {key: (f"{value:.8g}", "trial value of the twin fit")})


def _with_ring_q(topology, q_loaded: float):
    """``topology`` with ``devices.ring.q_loaded`` replaced (pydantic copies)."""
    dev = topology.devices
    ring = dev.ring.model_copy(update={"q_loaded": q_loaded})
    return topology.model_copy(update={"devices": dev.model_copy(update={"ring": ring})})


def twin_ring_q(text: str, calibration: str, seed, sweep_q: float) -> np.ndarray:
    """[port, line] loaded Q of the notch fits on the twin of ``text`` (its
    ring sweeps measured as the calibration does, the effective heater powers
    recoupled with the twin's own crosstalk). The sweeps are laid out as the
    bench's were, for a ring of Q ``sweep_q`` (the measuring bench file's: the
    calibration sweeps 2.75 nominal widths, and the fitted width depends on the
    span through the notch distortion, 0.25 % in Q between spans for Q 1e4 and
    1.2e4 on the default bench)."""
    from labctl.bench import parse_bench
    from labctl.mvm.calibrate import measure_rings, range_for_dc
    from labctl.mvm.rings import DESIGN_WAVELENGTH_M
    from labctl.twin.estimators import fit_rings, recoupled_powers

    ring = parse_bench(text, origin="<twin>").topology.devices.ring
    with _twin(text, calibration, seed) as tw:
        te = tw.engine
        range_for_dc(te)
        te.topo = _with_ring_q(te.topo, sweep_q)     # the sweep design only: not the physics
        sweep = measure_rings(te)
    power, _ = recoupled_powers(sweep["curve_p"], sweep["thermal_xt"], ring.thermal_crosstalk)
    return fit_rings(power, sweep["curve_v"], sweep["dark"], ring.tuning_nm_per_mw,
                     DESIGN_WAVELENGTH_M).q_loaded.value


def fit_ring_q(q_meas: np.ndarray, text: str, calibration: str, seed,
               crosstalk_se: float = 0.0) -> Scaled:
    """Loaded Q of the bench's rings from their notch fits ``q_meas`` [port,
    line] against twins of ``text`` (module doc; the bench's calibration swept
    for ``text``'s own Q); ``crosstalk_se``: the error of
    mean(q_meas) carried by the fitted crosstalk's
    (:func:`labctl.twin.rings.q_crosstalk_stderr`), added in quadrature."""
    from labctl.bench import parse_bench

    q = sweep_q = float(parse_bench(text, origin="<twin>").topology.devices.ring.q_loaded)
    trials, ratios, spread = [], [], 0.0
    for j in range(ITERATIONS + 1):
        r = np.ravel(q_meas / twin_ring_q(_set(text, "topology.devices.ring", "q_loaded", q),
                                          calibration, seed, sweep_q))
        trials.append(q)
        ratios.append(float(np.mean(r)))
        spread = float(np.std(r, ddof=1) / np.sqrt(r.size))
        if j < ITERATIONS:
            q *= ratios[-1]
    rel = np.sqrt(spread**2 + (ratios[-1] - 1) ** 2 + (crosstalk_se / np.mean(q_meas)) ** 2)
    return Scaled(Fitted(q, q * float(rel), "1"), trials, ratios)


def twin_noise(text: str, calibration: str, seed):
    """:class:`~labctl.twin.estimators.NoiseFit` of the twin of ``text``: the
    same noise records and fit as on the bench (the same record count too, so
    the fit's own bias at that count cancels in the ratio; 3 x the records on
    the twin moved the NF by -0.1 dB on both the hidden and the default bench)."""
    from labctl.bench import parse_bench
    from labctl.twin.estimators import fit_receiver_noise, receiver_enbw
    from labctl.twin.measure import noise_records

    bench = parse_bench(text, origin="<twin>")
    with _twin(text, calibration, seed) as tw:
        rec = noise_records(tw.engine)
        rates = {s: tw.engine.io.scope_info(s)["sample_rate"] for s, _ in rec.outputs}
    models = [bench.instruments[s].model for s, _ in rec.outputs]
    return fit_receiver_noise(rec.full_scale, rec.mean_a, rec.var_a2, rec.lit,
                              receiver_enbw(bench, rec.outputs, rates),
                              bench.topology.devices.photodiode.transimpedance_ohm, models,
                              rec.outputs)


def noise_ratios(meas, twin) -> tuple[float, float, float, float]:
    """(beta ratio, its relative error, rin ratio, its relative error) of two
    NoiseFits: per output r_q = beta_meas,q / beta_twin,q, combined as
    c = sum w_q r_q / sum w_q with w_q = 1 / var(r_q); errors from both fits'
    relative covariances of (beta_q, rin) (C = C_meas + C_twin): var(c) / c^2 =
    w^T C_beta w / (sum w)^2, which keeps the beat terms' common trade-off with
    the RIN term (module doc)."""
    r = meas.beat.value / twin.beat.value
    cov = meas.beta_rin_rel_cov + twin.beta_rin_rel_cov
    nq = r.size
    w = 1 / np.diag(cov)[:nq]
    c = float(np.sum(w * r) / np.sum(w))
    se = float(np.sqrt(w @ cov[:nq, :nq] @ w) / np.sum(w))
    return c, se, float(meas.rin.value / twin.rin.value), float(np.sqrt(cov[nq, nq]))


#: A coefficient is identifiable when the bench's fit measures it to better than
#: this relative error (3 standard errors from zero).
MAX_RELATIVE_ERROR = 1 / 3


def relative_errors(meas) -> dict[str, float]:
    """Relative error of the bench's signal-ASE coefficient (all outputs,
    inverse-variance combined: 1 / sqrt(sum (beta_q / se_q)^2)) and of its RIN
    coefficient (se / value), keyed like the fitted file."""
    beta = np.asarray(meas.beat.value, float) / np.asarray(meas.beat.stderr, float)
    nf = float(1 / np.sqrt(np.sum(np.clip(beta, 0, None) ** 2))) if np.any(beta > 0) else np.inf
    rin = float(meas.rin.stderr / meas.rin.value) if meas.rin.value > 0 else np.inf
    return {"noise_figure_db": nf, "rin_db_per_hz": rin}


def _shifted_rings(text: str, shift_nm: float) -> str:
    """Bench ``text`` with its ring ``fab_offset_nm`` range moved by ``shift_nm``."""
    from labctl.bench import parse_bench
    from labctl.twin.bench_text import update_table

    lo, hi = parse_bench(text, origin="<twin>").topology.devices.ring.fab_offset_nm
    return update_table(text, "topology.devices.ring", {
        "fab_offset_nm": (f"[{lo + shift_nm:.8g}, {hi + shift_nm:.8g}]", "shifted by its error")})


def fit_amplifier_noise(meas, text: str, calibration: str, seed,
                        offset_se_nm: float = 0.0) -> tuple[Scaled, Scaled]:
    """(EDFA noise figure in dB, laser RIN in dB/Hz) of the bench from its
    NoiseFit ``meas`` against twins of ``text`` (module doc). The lit records
    run at zero heater power, where each line passes its ring's notch tail
    (1 - d / (1 + (2 offset / FWHM)^2)): the twin's rings differ from the bench's
    by the error ``offset_se_nm`` of the fitted offset range, so one more twin
    with the range moved by it gives the rings' share of each ratio's error,
    |c(shifted) - c| (in quadrature; wdm only). A figure whose
    coefficient the bench's fit does not resolve (relative error above
    MAX_RELATIVE_ERROR: e.g. RIN under thermal and shot noise at low
    photocurrents) is not fitted: it keeps the bench file's value, with
    ``identified`` False and ``relative_error`` saying why."""
    from labctl.bench import parse_bench

    dev = parse_bench(text, origin="<twin>").topology.devices
    keys = ("noise_figure_db", "rin_db_per_hz")
    x = {"noise_figure_db": 10 ** (dev.edfa.noise_figure_db / 10),
         "rin_db_per_hz": 10 ** (dev.laser.rin_db_per_hz / 10)}
    rel = relative_errors(meas)
    fitted = [k for k in keys if rel[k] < MAX_RELATIVE_ERROR]
    trials = {k: [] for k in keys}
    ratios = {k: [] for k in keys}
    se = {}
    for j in range(ITERATIONS + 1 if fitted else 0):
        trial = _set(_set(text, "topology.devices.edfa", "noise_figure_db",
                          10 * np.log10(x["noise_figure_db"])),
                     "topology.devices.laser", "rin_db_per_hz", 10 * np.log10(x["rin_db_per_hz"]))
        r_nf, se_nf, r_rin, se_rin = noise_ratios(meas, twin_noise(trial, calibration, seed))
        now = {"noise_figure_db": (r_nf, se_nf), "rin_db_per_hz": (r_rin, se_rin)}
        for k in fitted:
            trials[k].append(10 * np.log10(x[k]))
            ratios[k].append(now[k][0])
            se[k] = float(np.hypot(now[k][1], now[k][0] - 1))
            if j < ITERATIONS:
                x[k] *= now[k][0]
    if fitted and offset_se_nm > 0:
        shifted = noise_ratios(meas, twin_noise(_shifted_rings(trial, offset_se_nm), calibration,
                                                seed))
        for k, r in zip(keys, shifted[::2]):
            if k in se:
                se[k] = float(np.hypot(se[k], r - ratios[k][-1]))
    db = 10 / np.log(10)
    out = []
    for k, units in zip(keys, ("dB", "dB/Hz")):
        value = float(10 * np.log10(x[k]))
        out.append(Scaled(Fitted(value, db * se[k] if k in se else np.nan, units),
                          trials[k], ratios[k], k in fitted, rel[k]))
    return out[0], out[1]
