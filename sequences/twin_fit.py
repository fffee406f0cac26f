"""``twin-fit``: fit the simulated bench's device parameters to a measured bench.

The bench of the run (``--bench``: the real bench, or any bench reached through
its instruments) is measured through the calibrated engine
(``calibration_file``: its skew, ranges and frame format) by
:mod:`labctl.twin.measure`, and fitted by :mod:`labctl.twin.estimators`
(scipy.optimize.least_squares with bounds; standard errors from
``s^2 (J^T J)^-1``):

* modulators: V_pi and quadrature bias offset per modulator, one extinction
  ratio per bench, from DC staircases of every modulator (the others at code
  0) and one dim record (lasers at -20 dB) that fixes the dark level;
* receiver noise: TIA input noise (A/rtHz), converter ENOB per scope model and
  the shot / signal-ASE / RIN split, from the variance of single constant-level
  records vs full scale (dim light, amplifiers at unity gain) and vs optical
  power (every modulator at full code, seed lasers 0 .. -10 dB); the EDFA noise
  figure and the laser RIN by scaling twins of known NF and RIN until their
  signal-ASE and quadratic coefficients match the bench's (:mod:`labctl.twin.scaled`);
* micro-rings (wdm): neighbour thermal crosstalk from heater steps around each
  ring's notch centre (neighbours biased at half depth, their slopes there
  measured), then every ring's
  resonance offset, width and depth from the calibration's fine ring sweeps
  (their effective heater powers recomputed with the fitted crosstalk), and
  the rings' loaded Q by scaling twins until their notch widths match;
* links (:mod:`labctl.twin.links`): per edge, the span length (group delay
  L n_g / c) from the preamble arrival times against in-process twins (modulo
  the frame period; the period count from a second, 16-symbol shorter frame
  format, unambiguous within 7.5 periods of the bench file's length), and the span
  loss from the power-meter taps with every modulator at its peak transmission.

Writes ``fitted_file``: the bench file text with ``[topology.devices.mzm]``
and ``[topology.devices.photodiode]`` / ``[topology.devices.adc]`` /
``[topology.devices.ring]`` / ``[topology.devices.edfa]`` / ``[topology.devices.laser]``
and each edge's spans updated (each value's standard error in a comment, every
instrument simulated), and beside the run file a PNG of measured vs twin-predicted
staircases, noise variances and ring curves. One step per modulator (its
measured and predicted staircase), then one per output (its noise records,
measured and predicted variance), then one per centre port (wdm: its rings'
offsets, widths, measured and predicted sweeps), then one per edge node (its
fitted span length and loss).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from labctl.engine import Param, Step, Stream
from sequences import sequence

#: Staircase levels per modulator (labctl.twin.measure.STAIR_LEVELS).
LEVELS = 24


def _ring_shape(params):
    return (8,)


def _ring_curves(params):
    from labctl.mvm.calibrate import FINE_STEPS
    return (8, FINE_STEPS)


def _setup(ctx):
    ctx.provenance["calibration_file"] = str(Path(ctx.params["calibration_file"]).resolve())


def _levels(params):
    return (int(params["levels"]),)


def _noise_records(params):
    from labctl.twin.measure import NOISE_LASER_OFFSETS_DB, NOISE_RANGES, NOISE_REPEATS
    return ((len(NOISE_RANGES) + len(NOISE_LASER_OFFSETS_DB)) * NOISE_REPEATS,)


def _fitted(name: str, unit: str, text: str) -> list[Stream]:
    """A fitted figure's metric and its standard error (same unit)."""
    return [Stream(name, unit, group="metrics", help=text),
            Stream(f"{name}_stderr", unit, group="metrics")]


@sequence(
    "twin-fit",
    help="Fit the twin's device parameters (MZM V_pi, bias offsets, ER; receiver noise, ADC ENOB) "
         "to the bench -> fitted bench file",
    params=[
        Param("calibration_file", str, "calibration.h5", help="calibration HDF5 file of the bench"),
        Param("fitted_file", str, "fitted.toml", help="bench file of the fitted twin (written)"),
        Param("path", str, "inprocess", help="simulated bench: in-process table or SCPI sockets",
              choices=("inprocess", "socket")),
        Param("levels", int, LEVELS, help="code levels of each modulator's staircase"),
    ],
    streams=[
        Stream("code", "1", np.int64, shape=_levels, help="AWG code of each staircase level"),
        Stream("measured_a", "A", shape=_levels, help="summed linearised photocurrent, measured"),
        Stream("predicted_a", "A", shape=_levels, help="the same predicted by the fitted twin"),
        Stream("v_pi", "V", help="this modulator's fitted V_pi"),
        Stream("v_pi_stderr", "V"),
        Stream("bias_offset_v", "V", help="this modulator's fitted quadrature bias offset"),
        Stream("bias_offset_stderr", "V"),
        Stream("noise_full_scale_v", "V", shape=_noise_records, help="scope full scale per record"),
        Stream("noise_lit", "1", np.int64, shape=_noise_records,
               help="1: lit record (modulators at full code), 0: dim (lasers -20 dB, unity gain)"),
        Stream("noise_mean_a", "A", shape=_noise_records, help="mean photocurrent per record"),
        Stream("noise_var_a2", "A^2", shape=_noise_records, help="photocurrent variance, measured"),
        Stream("noise_predicted_a2", "A^2", shape=_noise_records, help="the same, fitted twin"),
        Stream("adc_enob", "bit", help="fitted ENOB of this output's scope model"),
        Stream("adc_enob_stderr", "bit"),
        Stream("beat_per_shot", "1", help="signal-ASE beat / shot noise coefficient of this output"),
        Stream("beat_per_shot_stderr", "1"),
        Stream("ring_offset_nm", "nm", shape=_ring_shape,
               help="per ring of this port: resonance offset blue of its design wavelength"),
        Stream("ring_offset_stderr", "nm", shape=_ring_shape),
        Stream("ring_q_loaded", "1", shape=_ring_shape, help="lambda / (tuning x notch width)"),
        Stream("ring_curve_w", "W", shape=_ring_curves, help="effective heater power (recoupled)"),
        Stream("ring_measured_v", "V", shape=_ring_curves, help="ring output minus dark, measured"),
        Stream("ring_predicted_v", "V", shape=_ring_curves, help="the same, fitted notch"),
        Stream("span_length_m", "m", help="this edge's fitted span length (nearest the nominal)"),
        Stream("span_length_stderr", "m"),
        Stream("span_loss_db", "dB", help="this edge's fitted total span loss"),
        Stream("span_loss_stderr", "dB"),
        Stream("arrival_s", "s", help="this edge's mean preamble arrival (mod frame period)"),
        Stream("twin_arrival_s", "s", help="the same on the twin at the fitted length"),
        Stream("span_periods", "1", np.int64,
               help="frame periods added to the nearest-nominal length by the second frame format"),
        Stream("period_mismatch_s", "s", help="second frame format's residual after them"),
        Stream("period_resolved", "1", np.int64, help="1: period count unambiguous, 0: ambiguous"),
        Stream("thermal_crosstalk", "1", group="metrics", help="neighbour heater coupling"),
        Stream("thermal_crosstalk_stderr", "1", group="metrics"),
        Stream("fab_offset_lo_nm", "nm", group="metrics", help="uniform range of the ring offsets"),
        Stream("fab_offset_hi_nm", "nm", group="metrics"),
        Stream("fab_offset_range_stderr", "nm", group="metrics"),
        Stream("tia_input_noise", "A/rtHz", group="metrics", help="TIA input-referred noise"),
        Stream("tia_input_noise_stderr", "A/rtHz", group="metrics"),
        Stream("rin_per_hz", "1/Hz", group="metrics",
               help="relative intensity noise of the noise fit (I^2/2 split model)"),
        Stream("rin_per_hz_stderr", "1/Hz", group="metrics"),
        *_fitted("rin_db_per_hz", "dB/Hz", "laser RIN scaled against twins (written to the fitted file)"),
        *_fitted("noise_figure_db", "dB", "EDFA noise figure: signal-ASE beat scaled against twins"),
        *_fitted("q_loaded", "1", "ring loaded Q: mean notch-fit Q scaled against twins"),
        Stream("v_pi_mean", "V", group="metrics", help="inverse-variance weighted mean V_pi"),
        Stream("v_pi_mean_stderr", "V", group="metrics"),
        Stream("extinction_ratio_db", "dB", group="metrics"),
        Stream("extinction_ratio_stderr", "dB", group="metrics"),
        Stream("rms_residual_a", "A", group="metrics", help="RMS of the staircase fit residuals"),
    ],
    setup=_setup,
)
def twin_fit(ctx, calibration_file, fitted_file, path, levels):
    """Measure the bench, fit the twin, write the fitted bench file and a PNG."""
    from labctl.mvm.backends import open_backend
    from labctl.twin.bench_text import fitted_bench_text
    from labctl.twin.estimators import (
        fit_modulators,
        fit_receiver_noise,
        receiver_enbw,
        uniform_range,
        weighted_mean,
    )
    from labctl.twin.links import fit_links
    from labctl.twin.measure import modulator_staircases, noise_records
    from labctl.twin.rings import fit_centre_rings, q_crosstalk_stderr
    from labctl.twin.scaled import fit_amplifier_noise, fit_ring_q

    bench = ctx.bench
    with open_backend(bench, path, calibration=calibration_file, seed=ctx.seed) as backend:
        engine = backend.engine
        st = modulator_staircases(engine, levels)
        rec = noise_records(engine)
        rates = {s: engine.io.scope_info(s)["sample_rate"] for s, _ in rec.outputs}
        rings = fit_centre_rings(engine) if engine.cal.ring_curve_p is not None else None
        dev = bench.topology.devices
        fit = fit_modulators(st.volts, st.current, st.low, st.low_ratio, dev.mzm.driver_gain,
                             st.channels, v_pi0=dev.mzm.v_pi)
        links = fit_links(engine, calibration_file, fit, seed=ctx.seed)
        cal = engine.cal
    models = [bench.instruments[s].model for s, _ in rec.outputs]
    noise = fit_receiver_noise(rec.full_scale, rec.mean_a, rec.var_a2, rec.lit,
                               receiver_enbw(bench, rec.outputs, rates),
                               dev.photodiode.transimpedance_ohm, models, rec.outputs)
    scaled = {}

    def text():
        return fitted_bench_text(bench.source_text, fit, noise, dict(dev.adc.enob),
                                 (rings.offsets, rings.crosstalk) if rings is not None else None,
                                 links, scaled)

    if rings is not None:   # Q first: the noise coefficients depend on the rings' transmission
        scaled["q_loaded"] = fit_ring_q(
            rings.fit.q_loaded.value, text(), calibration_file, ctx.seed,
            q_crosstalk_stderr(cal, rings.crosstalk, dev.ring.tuning_nm_per_mw))
    offset_se = uniform_range(rings.offsets.value)[2] if rings is not None else 0.0
    scaled["noise_figure_db"], scaled["rin_db_per_hz"] = fit_amplifier_noise(
        noise, text(), calibration_file, ctx.seed, offset_se)
    Path(fitted_file).write_text(text(), encoding="utf-8")
    ctx.provenance["fitted_file"] = str(Path(fitted_file).resolve())
    ctx.set_total(len(st.channels) + len(rec.outputs)
                  + (rings.offsets.value.shape[0] if rings is not None else 0) + len(links))
    v_pi, v_pi_se = weighted_mean(fit.v_pi.value, fit.v_pi.stderr)
    for m, (awg, ch, edge) in enumerate(st.channels):
        metrics = {}
        if m == len(st.channels) - 1:
            metrics = {"v_pi_mean": (v_pi, "V"), "v_pi_mean_stderr": (v_pi_se, "V"),
                       "extinction_ratio_db": (fit.extinction_ratio_db.value, "dB"),
                       "extinction_ratio_stderr": (fit.extinction_ratio_db.stderr, "dB"),
                       "rms_residual_a": (fit.rms_residual, "A")}
        yield Step(f"{awg}:{ch} ({edge}) v_pi {fit.v_pi.value[m]:.4g} V", data={
            "code": st.codes, "measured_a": st.current[m], "predicted_a": fit.predicted[m],
            "v_pi": fit.v_pi.value[m], "v_pi_stderr": fit.v_pi.stderr[m],
            "bias_offset_v": fit.bias_offset.value[m],
            "bias_offset_stderr": fit.bias_offset.stderr[m]}, metrics=metrics)
    for q, (scope, ch) in enumerate(rec.outputs):
        metrics = {}
        if q == len(rec.outputs) - 1:
            metrics = {"tia_input_noise": (noise.input_noise.value, "A/rtHz"),
                       "tia_input_noise_stderr": (noise.input_noise.stderr, "A/rtHz"),
                       "rin_per_hz": (noise.rin.value, "1/Hz"),
                       "rin_per_hz_stderr": (noise.rin.stderr, "1/Hz")}
            for key, units in (("noise_figure_db", "dB"), ("rin_db_per_hz", "dB/Hz")):
                metrics[key] = (scaled[key].fitted.value, units)
                metrics[f"{key}_stderr"] = (scaled[key].fitted.stderr, units)
        enob = noise.enob[models[q]]
        yield Step(f"{scope}:{ch} noise", data={
            "noise_full_scale_v": rec.full_scale[:, q], "noise_lit": rec.lit.astype(np.int64),
            "noise_mean_a": rec.mean_a[:, q], "noise_var_a2": rec.var_a2[:, q],
            "noise_predicted_a2": noise.predicted[:, q], "adc_enob": enob.value,
            "adc_enob_stderr": enob.stderr,
            "beat_per_shot": noise.beat.value[q] / noise.shot[q],
            "beat_per_shot_stderr": noise.beat.stderr[q] / noise.shot[q]}, metrics=metrics)
    if rings is not None:
        yield from _ring_steps(rings, scaled["q_loaded"].fitted)
    for k in links:
        yield Step(f"{k.edge} span {k.length_m:.4f} +- {k.length_stderr:.2g} m, "
                   f"{k.loss_db:.4f} +- {k.loss_stderr:.2g} dB", data={
                       "span_length_m": k.length_m, "span_length_stderr": k.length_stderr,
                       "span_loss_db": k.loss_db, "span_loss_stderr": k.loss_stderr,
                       "arrival_s": float(np.mean(k.arrival_s)), "twin_arrival_s": k.twin_arrival_s,
                       "span_periods": k.periods, "period_mismatch_s": k.period_mismatch_s,
                       "period_resolved": int(k.resolved)})
    if ctx.out is not None:
        write_plot(ctx.out.with_suffix(".png"), st, fit, rec, noise, rings, scaled)


def _ring_steps(rings, q_loaded):
    """One step per centre port: its rings' offsets, Q and sweeps; metrics on the
    last (with the bench's loaded Q ``q_loaded``, labctl.twin.scaled)."""
    from labctl.twin.estimators import uniform_range

    off = rings.offsets
    lo, hi, se = uniform_range(off.value)
    n = off.value.shape[0]
    for p in range(n):
        metrics = {}
        if p == n - 1:
            metrics = {"thermal_crosstalk": (rings.crosstalk.value, "1"),
                       "thermal_crosstalk_stderr": (rings.crosstalk.stderr, "1"),
                       "fab_offset_lo_nm": (lo, "nm"), "fab_offset_hi_nm": (hi, "nm"),
                       "fab_offset_range_stderr": (se, "nm"),
                       "q_loaded": (q_loaded.value, "1"), "q_loaded_stderr": (q_loaded.stderr, "1")}
        yield Step(f"port {p} rings: offsets {off.value[p].min():.3f} .. {off.value[p].max():.3f} nm",
                   data={"ring_offset_nm": off.value[p], "ring_offset_stderr": off.stderr[p],
                         "ring_q_loaded": rings.fit.q_loaded.value[p],
                         "ring_curve_w": rings.power_w[p], "ring_measured_v": rings.measured_v[p],
                         "ring_predicted_v": rings.fit.predicted[p]}, metrics=metrics)


def _scaled_label(scaled: dict, key: str, fmt: str, units: str) -> str:
    """'key value +- se units' of a scaled figure, or 'key not identifiable'."""
    f = scaled.get(key)
    if f is None:
        return ""
    if not f.identified:
        return f"{key}: not identifiable"
    return f"{key} {f.fitted.value:{fmt}} +- {f.fitted.stderr:.2g}{units}"


def write_plot(path: Path, st, fit, rec, noise, rings=None, scaled=None) -> Path:
    """PNG, left: measured staircases (markers) and the twin's prediction
    (lines) per modulator, residuals below; right: photocurrent variance vs
    mean photocurrent (lit records) and vs scope full scale (dim records),
    measured (markers) and twin (lines), per output; third column (wdm): the
    ring sweeps of port 0 measured vs fitted, and every ring's fitted offset.
    ``scaled``: the scaled figures (labctl.twin.scaled) named in the titles."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    cols = 3 if rings is not None else 2
    fig, axes = plt.subplots(2, cols, figsize=(6.5 * cols, 7), gridspec_kw={"height_ratios": [3, 2]})
    ax, res = axes[0][0], axes[1][0]
    colours = plt.cm.tab10(np.arange(max(len(st.channels), len(rec.outputs))) % 10)
    for m, ((awg, ch, edge), colour) in enumerate(zip(st.channels, colours)):
        ax.plot(st.codes, st.current[m] * 1e3, "o", ms=3, color=colour,
                label=f"{awg}:{ch} V_pi {fit.v_pi.value[m]:.3f} V")
        ax.plot(st.codes, fit.predicted[m] * 1e3, "-", lw=1, color=colour)
        res.plot(st.codes, (st.current[m] - fit.predicted[m]) * 1e6, ".-", lw=0.6, color=colour)
    ax.set(ylabel="summed photocurrent (mA)",
           title=f"modulator staircases: measured (o) vs twin (-); ER "
                 f"{fit.extinction_ratio_db.value:.2f} +- {fit.extinction_ratio_db.stderr:.2f} dB")
    ax.legend(fontsize=7, ncol=2)
    res.set(xlabel="AWG code", ylabel="measured - twin (uA)")
    lit_ax, dim_ax = axes[0][1], axes[1][1]
    lit, dim = rec.lit, ~rec.lit
    for q, ((scope, ch), colour) in enumerate(zip(rec.outputs, colours)):
        order = np.argsort(rec.mean_a[lit, q])
        lit_ax.plot(rec.mean_a[lit, q] * 1e3, rec.var_a2[lit, q] * 1e12, "o", ms=3, color=colour,
                    label=f"{scope}:{ch}")
        lit_ax.plot(rec.mean_a[lit, q][order] * 1e3, noise.predicted[lit, q][order] * 1e12, "-",
                    lw=1, color=colour)
        order = np.argsort(rec.full_scale[dim, q])
        dim_ax.plot(rec.full_scale[dim, q], rec.var_a2[dim, q] * 1e12, "o", ms=3, color=colour)
        dim_ax.plot(rec.full_scale[dim, q][order], noise.predicted[dim, q][order] * 1e12, "-",
                    lw=1, color=colour)
    enobs = ", ".join(f"{k} {f.value:.2f}" for k, f in noise.enob.items())
    scaled = scaled or {}
    amp = "; ".join(x for x in (_scaled_label(scaled, "noise_figure_db", ".2f", " dB"),
                                _scaled_label(scaled, "rin_db_per_hz", ".1f", " dB/Hz")) if x)
    lit_ax.set(xlabel="mean photocurrent per output (mA)", ylabel="variance (uA^2)",
               title=f"receiver noise: TIA {noise.input_noise.value * 1e12:.2f} +- "
                     f"{noise.input_noise.stderr * 1e12:.2f} pA/rtHz" + (f"\n{amp}" if amp else ""))
    lit_ax.legend(fontsize=7, ncol=2)
    dim_ax.set(xscale="log", yscale="log", xlabel="scope full scale (V), dim light",
               ylabel="variance (uA^2)", title=f"converter ENOB: {enobs}")
    if rings is not None:
        curve_ax, off_ax = axes[0][2], axes[1][2]
        for k, colour in zip(range(rings.power_w.shape[1]), colours):
            curve_ax.plot(rings.power_w[0, k] * 1e3, rings.measured_v[0, k] * 1e3, "o", ms=3,
                          color=colour, label=f"ring (0, {k})")
            curve_ax.plot(rings.power_w[0, k] * 1e3, rings.fit.predicted[0, k] * 1e3, "-", lw=1,
                          color=colour)
        curve_ax.set(xlabel="effective heater power (mW)", ylabel="ring output - dark (mV)",
                     title=f"port 0 rings: measured (o) vs twin (-); crosstalk "
                           f"{rings.crosstalk.value:.4f} +- {rings.crosstalk.stderr:.4f}"
                           f"\n{_scaled_label(scaled, 'q_loaded', '.0f', '')}")
        curve_ax.legend(fontsize=7, ncol=2)
        off = rings.offsets
        idx = np.arange(off.value.size)
        off_ax.errorbar(idx, off.value.ravel(), yerr=off.stderr.ravel(), fmt=".", ms=4)
        off_ax.set(xlabel="ring (port x lines + line)", ylabel="resonance offset (nm)",
                   title="fitted ring resonance offsets (blue of design)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
