"""Eye diagram as a 2-D histogram (pure numpy, fast enough for 100k-sample traces).

Each sample ``i`` of a trace sampled at ``fs`` lands at time-in-eye
``phase_i = (i / sps) mod ui`` (in unit intervals), with ``sps = fs / baud``
the (possibly fractional) number of samples per symbol, and at its voltage
``v_i``.  The eye is the count of samples per (phase, voltage) cell, i.e. the
persistence display of a sampling scope triggered on the symbol clock.
Binning uses integer indices and one ``np.bincount`` (O(N), no sort).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Eye:
    """Counts ``[time_bins, volt_bins]`` over ``[0, ui]`` UI x ``[v_min, v_max]`` V."""
    counts: np.ndarray
    ui: float
    v_min: float
    v_max: float


def eye_histogram(volts: np.ndarray, samples_per_symbol: float, ui: int = 2,
                  time_bins: int = 128, volt_bins: int = 128,
                  v_range: tuple[float, float] | None = None, step: float | None = None) -> Eye:
    """Histogram of ``volts`` folded on ``ui`` unit intervals (see module docstring).

    ``v_range``: voltage span of the display (default: the trace's min..max);
    samples outside it are dropped.  ``step``: the ADC's quantisation step (V);
    when given, every voltage bin holds the same whole number of ADC codes
    (otherwise quantised traces show empty stripes, a binning alias).
    """
    volts = np.asarray(volts, dtype=np.float64)
    if samples_per_symbol <= 0:
        raise ValueError("samples_per_symbol must be positive")
    v_min, v_max = v_range if v_range is not None else (float(volts.min()), float(volts.max()))
    if step:
        codes = int(round((v_max - v_min) / step)) + 1
        per_bin = -(-codes // volt_bins)                    # ceil
        volt_bins = -(-codes // per_bin)
        v_min -= step / 2
        v_max = v_min + volt_bins * per_bin * step
    if v_max <= v_min:
        v_max = v_min + 1e-12
    phase = np.mod(np.arange(volts.size) / samples_per_symbol, ui)
    t_idx = np.minimum((phase * (time_bins / ui)).astype(np.int64), time_bins - 1)
    v_pos = (volts - v_min) * (volt_bins / (v_max - v_min))
    inside = (v_pos >= 0) & (v_pos <= volt_bins)
    v_idx = np.minimum(v_pos[inside].astype(np.int64), volt_bins - 1)
    flat = t_idx[inside] * volt_bins + v_idx
    counts = np.bincount(flat, minlength=time_bins * volt_bins).reshape(time_bins, volt_bins)
    return Eye(counts, float(ui), v_min, v_max)
