"""What the receiver does with one frame's scope volts, for every scheme.

1. :func:`frame_taps`: per scope, every output's record is cut to one frame
   period at ``sps_rx`` samples per symbol, synchronised on the preamble and
   windowed into a tap matrix [slot, taps] (labctl.mvm.dsp).
2. :func:`train_equaliser`: the per-frame equaliser of one output, trained on
   the frame's known symbols (preamble + training): a linear FFE on the taps
   plus gain, offset and side terms (labctl.mvm.dsp.Equaliser). With a
   calibrated static FFE (``ffe``: its taps) only the gain, offset and side
   terms are trained per frame, on the static FFE's output.
"""
from __future__ import annotations

import numpy as np

from labctl.mvm.dsp import Equaliser, one_periods, synchronise_rows, tap_matrices


def frame_taps(volts: dict, io, frame) -> dict:
    """Scope volts {(scope, ch): V} -> {output: tap matrix [slot, taps]}: every
    output's period cut, synchronised and windowed at once per scope."""
    f = frame
    out = {}
    for scope in dict.fromkeys(k[0] for k in volts):
        keys = [k for k in volts if k[0] == scope]
        fs = io.scope_info(scope)["sample_rate"]
        per = one_periods(np.stack([volts[k] for k in keys]), fs, f.symbol_rate, f.sps_rx,
                          f.n_symbols)
        starts = synchronise_rows(per, f.pre, f.sps_rx)
        for k, t in zip(keys, tap_matrices(per, starts, f.sps_rx, f.n_symbols, f.taps)):
            out[k] = t
    return out


def equaliser_input(ffe: np.ndarray | None, taps: np.ndarray) -> np.ndarray:
    """Tap matrix -> what the per-frame equaliser sees: the taps themselves, or
    the static FFE output ``taps @ ffe`` as one column when ``ffe`` is given."""
    return taps if ffe is None else (taps @ ffe)[:, None]


def train_equaliser(ffe: np.ndarray | None, taps: np.ndarray, side: np.ndarray,
                    target: np.ndarray) -> Equaliser:
    """Per-frame equaliser trained on known symbols: ``taps`` [slot, taps],
    side terms [slot, s] and the intended outputs ``target`` [slot]."""
    return Equaliser.train(equaliser_input(ffe, taps), side, target)
