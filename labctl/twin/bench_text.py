"""The fitted bench file: the measured bench's text with ``[topology.devices.*]``
tables rewritten from the fit (standard errors in comments) and every
instrument made simulated (``resource = "sim"``): a digital twin of the bench.

The bench model holds one V_pi and one extinction ratio per bench
(``[topology.devices.mzm]``) and a per-modulator quadrature lock error drawn
with spread ``lock_error_v``: per-modulator fits are therefore written as their
inverse-variance weighted mean (V_pi, with its standard error) and as the RMS
of the fitted bias offsets (``lock_error_v``), each modulator's own values
listed in comments.
"""
from __future__ import annotations

import re

import numpy as np

from labctl.twin.estimators import ModulatorFit, weighted_mean

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


def mzm_table(text: str, fit: ModulatorFit) -> list[str]:
    """Body of ``[topology.devices.mzm]``: fitted V_pi, ER, lock_error_v; other keys kept."""
    v_pi, v_pi_se = weighted_mean(fit.v_pi.value, fit.v_pi.stderr)
    offsets = np.asarray(fit.bias_offset.value)
    rms = float(np.sqrt(np.mean(offsets**2)))
    # standard error of an RMS of n values each known to s_i: sqrt(sum (x_i s_i)^2) / (n rms)
    rms_se = float(np.sqrt(np.sum((offsets * fit.bias_offset.stderr) ** 2)) / (offsets.size * rms))
    er, er_se = fit.extinction_ratio_db.value, fit.extinction_ratio_db.stderr
    body = ["# fitted by `labctl twin fit` (labctl.twin): value +- standard error",
            f"v_pi = {v_pi:.5g}                # +- {v_pi_se:.2g} V: weighted mean of the per-modulator "
            "fits below",
            f"extinction_ratio_db = {er:.4g}   # +- {er_se:.2g} dB (one per bench)",
            f"lock_error_v = {rms:.4g}         # +- {rms_se:.2g} V: RMS of the fitted bias offsets"]
    for (awg, ch, edge), vp, vs, d, ds in zip(fit.channels, fit.v_pi.value, fit.v_pi.stderr,
                                             offsets, fit.bias_offset.stderr):
        body.append(f"# {awg}:{ch} ({edge}): v_pi {vp:.5g} +- {vs:.2g} V, "
                    f"bias offset {d:+.4g} +- {ds:.2g} V")
    for key, value in table_values(text, "topology.devices.mzm").items():
        if key not in ("v_pi", "extinction_ratio_db", "lock_error_v"):
            body.append(f"{key} = {value}")
    return body


def fitted_bench_text(text: str, mzm: ModulatorFit) -> str:
    """The bench file text of the twin (see the module doc)."""
    text = _RESOURCE.sub(lambda m: f'{m.group(1)}"sim"', text)
    return replace_table(text, "topology.devices.mzm", mzm_table(text, mzm))
