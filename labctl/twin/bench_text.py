"""The fitted bench file: the measured bench's text with ``[topology.devices.*]``
tables rewritten from the fit (standard errors in comments) and every
instrument made simulated (``resource = "sim"``): a digital twin of the bench.

The bench model holds one V_pi and one extinction ratio per bench
(``[topology.devices.mzm]``) and a per-modulator quadrature lock error drawn
with spread ``lock_error_v``: per-modulator fits are therefore written as their
inverse-variance weighted mean (V_pi, with its standard error) and as the RMS
of the fitted bias offsets (``lock_error_v``), each modulator's own values
listed in comments. Receiver noise: ``[topology.devices.photodiode]``
``input_noise_a_per_rthz`` and ``[topology.devices.adc]`` ``enob`` per scope
model (the signal-ASE / shot ratio per output is a comment). Rings: ``fab_offset_nm`` = the uniform range of the per-ring fitted
offsets (the bench model draws each ring's offset uniformly in it) and
``thermal_crosstalk``; per-ring offsets listed in comments. Links
(:mod:`labctl.twin.links`): each edge's spans scaled to the fitted total length
and set to the fitted loss per km, with a comment line of both standard errors.
Scaled figures (:mod:`labctl.twin.scaled`): ring ``q_loaded``,
``[topology.devices.edfa] noise_figure_db`` and ``[topology.devices.laser]
rin_db_per_hz``, each with its standard error.
"""
from __future__ import annotations

import re

import numpy as np

from labctl.twin.estimators import ModulatorFit, NoiseFit, uniform_range, weighted_mean

_RESOURCE = re.compile(r'^(\s*resource\s*=\s*)"[^"]*"', re.M)


def replace_table(text: str, header: str, body: list[str]) -> str:
    """``text`` with the TOML table ``[header]`` (up to the next table header)
    replaced by ``[header]`` + ``body`` lines; appended when absent."""
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.strip().startswith(f"[{header}]")), None)
    block = [f"[{header}]", *body]
    if start is None:
        return text.rstrip("\n") + "\n\n" + "\n".join(block) + "\n"
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")),
               len(lines))
    while end > start + 1 and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[:start] + block + lines[end:]) + "\n"


def table_values(text: str, header: str) -> dict[str, str]:
    """key -> raw value text of the TOML table ``[header]`` (comments dropped)."""
    out = {}
    lines = text.splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.strip().startswith(f"[{header}]")), None)
    if start is None:
        return out
    for ln in lines[start + 1:]:
        if ln.lstrip().startswith("["):
            break
        m = re.match(r"\s*([A-Za-z_0-9]+)\s*=\s*([^#]+?)\s*(#.*)?$", ln)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def update_table(text: str, header: str, values: dict[str, tuple[str, str]],
                 notes: list[str] = ()) -> str:
    """``text`` with the keys of ``values`` (key -> (TOML value, comment)) set in
    table ``[header]``, the table's other keys kept, ``notes`` as comment lines."""
    body = ["# fitted by `labctl twin fit` (labctl.twin): value +- standard error"]
    body += [f"{key} = {value}   # {comment}" for key, (value, comment) in values.items()]
    body += [f"# {note}" for note in notes]
    body += [f"{key} = {value}" for key, value in table_values(text, header).items()
             if key not in values]
    return replace_table(text, header, body)


def edge_spans(text: str, lengths: dict[str, float] | None = None,
              losses: dict[str, float] | None = None, notes: dict[str, str] | None = None) -> str:
    """Bench ``text`` with, per edge name, the spans of its ``[[topology.edges]]``
    block scaled to total length ``lengths[edge]`` (m) and set to ``losses[edge]``
    dB/km; ``notes[edge]``: a comment line added above the spans."""
    lengths, losses, notes = lengths or {}, losses or {}, notes or {}
    lines = text.splitlines()
    edge = None
    for i, ln in enumerate(lines):
        s = ln.strip()
        if s.startswith("["):
            edge = None
        m = re.match(r'name\s*=\s*"([^"]+)"', s)
        if m:
            edge = m.group(1)
        if edge is None or not s.startswith("spans"):
            continue
        spans = re.findall(r"length_m\s*=\s*([0-9.eE+-]+)", ln)
        total = sum(float(v) for v in spans)
        if edge in lengths:
            k = lengths[edge] / total
            ln = re.sub(r"length_m\s*=\s*([0-9.eE+-]+)",
                        lambda mm: f"length_m = {float(mm.group(1)) * k:.10g}", ln)
        if edge in losses:
            ln = re.sub(r"loss_db_per_km\s*=\s*[0-9.eE+-]+",
                        f"loss_db_per_km = {losses[edge]:.5g}", ln)
        lines[i] = (f"# {notes[edge]}\n" if edge in notes else "") + ln
    return "\n".join(lines) + "\n"


def _periods(link) -> str:
    """How the frame-period ambiguity of ``link``'s length was settled (comment text)."""
    if not link.resolved:
        return (f"frame-period count AMBIGUOUS (second-frame mismatch "
                f"{link.period_mismatch_s * 1e9:.3g} ns): kept nearest the nominal "
                f"{link.nominal_length_m:.6g} m")
    return (f"{link.periods:+d} frame periods from the nominal {link.nominal_length_m:.6g} m's "
            f"nearest solution, by the second frame format (mismatch "
            f"{link.period_mismatch_s * 1e12:.3g} ps)")


def mzm_values(fit: ModulatorFit) -> tuple[dict, list[str]]:
    """``[topology.devices.mzm]`` keys from the modulator fit (V_pi: weighted mean;
    lock_error_v: RMS of the bias offsets) and one note per modulator."""
    v_pi, v_pi_se = weighted_mean(fit.v_pi.value, fit.v_pi.stderr)
    offsets = np.asarray(fit.bias_offset.value)
    rms = float(np.sqrt(np.mean(offsets**2)))
    # standard error of an RMS of n values each known to s_i: sqrt(sum (x_i s_i)^2) / (n rms)
    rms_se = float(np.sqrt(np.sum((offsets * fit.bias_offset.stderr) ** 2)) / (offsets.size * rms))
    er, er_se = fit.extinction_ratio_db.value, fit.extinction_ratio_db.stderr
    values = {"v_pi": (f"{v_pi:.5g}", f"+- {v_pi_se:.2g} V: weighted mean of the per-modulator fits"),
              "extinction_ratio_db": (f"{er:.4g}", f"+- {er_se:.2g} dB (one per bench)"),
              "lock_error_v": (f"{rms:.4g}", f"+- {rms_se:.2g} V: RMS of the fitted bias offsets")}
    notes = [f"{awg}:{ch} ({edge}): v_pi {vp:.5g} +- {vs:.2g} V, bias offset {d:+.4g} +- {ds:.2g} V"
             for (awg, ch, edge), vp, vs, d, ds in zip(fit.channels, fit.v_pi.value, fit.v_pi.stderr,
                                                      offsets, fit.bias_offset.stderr)]
    return values, notes


def fitted_bench_text(text: str, mzm: ModulatorFit, noise: NoiseFit | None = None,
                      adc_enob: dict | None = None, rings: tuple | None = None,
                      links: list | None = None, scaled: dict | None = None) -> str:
    """The bench file text of the twin (see the module doc); ``adc_enob``: the
    bench's ENOB per scope model, kept for the models the fit did not see;
    ``rings``: (offsets Fitted [p, k] in nm, crosstalk Fitted) or None;
    ``links``: [:class:`labctl.twin.links.EdgeLink`] or None; ``scaled``:
    {"q_loaded", "noise_figure_db", "rin_db_per_hz": :class:`labctl.twin.scaled.Scaled`},
    any subset (written to the ring, edfa and laser tables)."""
    scaled = scaled or {}
    text = _RESOURCE.sub(lambda m: f'{m.group(1)}"sim"', text)
    if links:
        text = edge_spans(
            text, {k.edge: k.length_m for k in links}, {k.edge: k.loss_db_per_km for k in links},
            {k.edge: f"fitted by `labctl twin fit`: length_m = {k.length_m:.10g} +- "
                     f"{k.length_stderr:.2g} m (delay {k.delay_s * 1e6:.6f} us; {_periods(k)}), "
                     f"loss_db_per_km = {k.loss_db_per_km:.5g} +- {k.loss_per_km_stderr:.2g} "
                     f"(span {k.loss_db:.4f} +- {k.loss_stderr:.2g} dB)" for k in links})
    text = update_table(text, "topology.devices.mzm", *mzm_values(mzm))
    if noise is not None:
        i_n = noise.input_noise
        text = update_table(text, "topology.devices.photodiode", {"input_noise_a_per_rthz": (
            f"{i_n.value:.4g}", f"+- {i_n.stderr:.2g} A/rtHz: TIA input noise (thermal)")}, [
            "signal-ASE beat / shot noise per output: "
            + ", ".join(f"{b / s:.3g}" for b, s in zip(noise.beat.value, noise.shot))])
        merged = {**(adc_enob or {}), **{k: f.value for k, f in noise.enob.items()}}
        enob = ", ".join(f"{k} = {v:.4g}" for k, v in merged.items())
        se = ", ".join(f"{k} +- {f.stderr:.2g}" for k, f in noise.enob.items())
        text = update_table(text, "topology.devices.adc", {"enob": (f"{{ {enob} }}", f"bit; {se}")})
    if rings is not None:
        offsets, xt = rings
        lo, hi, se = uniform_range(offsets.value)
        notes = [f"port {p} offsets (nm): " + ", ".join(f"{v:.4f}" for v in row)
                 for p, row in enumerate(offsets.value)]
        notes.append(f"per-ring standard error (nm): median {np.median(offsets.stderr):.2g}, "
                     f"max {np.max(offsets.stderr):.2g}")
        text = update_table(text, "topology.devices.ring", {
            "fab_offset_nm": (f"[{lo:.4f}, {hi:.4f}]",
                              f"+- {se:.2g} nm each: uniform range of the {offsets.value.size} "
                              "fitted resonance offsets (listed below)"),
            "thermal_crosstalk": (f"{xt.value:.4g}", f"+- {xt.stderr:.2g}: neighbour heater coupling"),
            **_scaled_values(scaled, ("q_loaded",))}, notes)
    for header, key in (("topology.devices.edfa", "noise_figure_db"),
                        ("topology.devices.laser", "rin_db_per_hz")):
        if key in scaled:
            text = update_table(text, header, _scaled_values(scaled, (key,)))
    return text


#: Comment of each scaled figure (labctl.twin.scaled): units and what was scaled.
_SCALED_NOTES = {
    "q_loaded": ("", "mean notch-fit Q of the 64 rings, scaled to twins of known Q"),
    "noise_figure_db": (" dB", "signal-ASE beat coefficients, scaled to twins of known NF"),
    "rin_db_per_hz": (" dB/Hz", "quadratic noise term, scaled to twins of known RIN"),
}


def _scaled_values(scaled: dict, keys) -> dict:
    """update_table values of the ``keys`` present in ``scaled``."""
    out = {}
    for key in keys:
        if key in scaled:
            f = scaled[key].fitted
            units, how = _SCALED_NOTES[key]
            if scaled[key].identified:
                out[key] = (f"{f.value:.6g}", f"+- {f.stderr:.2g}{units}: {how}")
            else:
                out[key] = (f"{f.value:.6g}", f"NOT IDENTIFIABLE on this bench (its coefficient's "
                            f"relative error {scaled[key].relative_error:.2g}): file value kept")
    return out
