"""``twin-fit``: fit the simulated bench's device parameters to a measured bench.

The bench of the run (``--bench``: the real bench, or any bench reached through
its instruments) is measured through the calibrated engine
(``calibration_file``: its skew, ranges and frame format) by
:mod:`labctl.twin.measure`, and fitted by :mod:`labctl.twin.estimators`
(scipy.optimize.least_squares with bounds; standard errors from
``s^2 (J^T J)^-1``):

* modulators: V_pi and quadrature bias offset per modulator, one extinction
  ratio per bench, from DC staircases of every modulator (the others at code
  0) and one dim record (lasers at -20 dB) that fixes the dark level.

Writes ``fitted_file``: the bench file text with ``[topology.devices.mzm]``
replaced (each value's standard error in a comment, every instrument
simulated), and beside the run file a PNG of measured vs twin-predicted
staircases. One step per modulator: its measured and predicted curve.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from labctl.engine import Param, Step, Stream
from sequences import sequence

#: Staircase levels per modulator (labctl.twin.measure.STAIR_LEVELS).
LEVELS = 24


def _setup(ctx):
    ctx.provenance["calibration_file"] = str(Path(ctx.params["calibration_file"]).resolve())


def _levels(params):
    return (int(params["levels"]),)


@sequence(
    "twin-fit",
    help="Fit the twin's device parameters (MZM V_pi, bias offsets, ER) to the bench -> fitted bench file",
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
    from labctl.twin.estimators import fit_modulators, weighted_mean
    from labctl.twin.measure import modulator_staircases

    bench = ctx.bench
    with open_backend(bench, path, calibration=calibration_file, seed=ctx.seed) as backend:
        st = modulator_staircases(backend.engine, levels)
    d = bench.topology.devices.mzm
    fit = fit_modulators(st.volts, st.current, st.low, st.low_ratio, d.driver_gain, st.channels,
                         v_pi0=d.v_pi)
    Path(fitted_file).write_text(fitted_bench_text(bench.source_text, fit), encoding="utf-8")
    ctx.provenance["fitted_file"] = str(Path(fitted_file).resolve())
    ctx.set_total(len(st.channels))
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
    if ctx.out is not None:
        write_plot(ctx.out.with_suffix(".png"), st, fit)


def write_plot(path: Path, st, fit) -> Path:
    """PNG: measured staircases (markers) and the twin's prediction (lines) per
    modulator, and the residuals (measured - twin) below."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax, res) = plt.subplots(2, 1, figsize=(7.5, 6.5), sharex=True,
                                  gridspec_kw={"height_ratios": [3, 1]})
    colours = plt.cm.tab10(np.arange(len(st.channels)) % 10)
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
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
