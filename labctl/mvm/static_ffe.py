"""The static equaliser: one FFE per output, trained at calibration, optionally used at decode.

The channel from the modulators to a scope is static between frames, so an FFE
trained once by least squares over ``frames`` fully known frames (the scheme's
``known_frame``: random inputs and weights in [0, 1], every symbol known to the
receiver) replaces most of what each frame's short training section has to
estimate; gain, offset and side terms stay per frame. The taps go into
``Calibration.ffe``; decoding uses them when ``engine.static_ffe`` is on (off by
default). Measured: +0.05-0.1 bit at 11.5 GBd with single records, -0.3 bit at the
default operating point (the per-frame FFE follows each frame's mix of port responses).
"""
from __future__ import annotations

import numpy as np

from labctl.mvm.dsp import Equaliser
from labctl.mvm.receiver import frame_taps


def train(engine, frames: int, rng: np.random.Generator) -> dict:
    """{output key: FFE taps [frame.taps]} by least squares over ``frames`` known
    frames run on ``engine`` (labctl.mvm.engine.OpticalEngine), drawn from ``rng``."""
    rows: dict = {key: ([], [], []) for key in engine.outputs}
    for _ in range(frames):
        drive, known = engine.codec.known_frame(rng)
        taps = frame_taps(engine.run(drive.waves, drive.heaters), engine.io, engine.frame)
        for key, (side, target) in known.items():
            rows[key][0].append(taps[key])
            rows[key][1].append(side)
            rows[key][2].append(target)
    n = engine.frame.taps
    return {key: Equaliser.train(np.vstack(t), np.vstack(s), np.concatenate(y)).coef[:n]
            for key, (t, s, y) in rows.items()}


def taps_for(engine, key) -> np.ndarray | None:
    """The calibrated static FFE taps of output ``key`` when ``engine.static_ffe``
    is on (None: the per-frame equaliser trains the full FFE)."""
    if engine.cal is None or not engine.static_ffe:
        return None
    return engine.cal.ffe.get(key)
