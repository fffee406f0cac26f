"""``calibrate``: measure the bench for optical matrix products.

Stages (labctl.mvm.calibrate): timing skew of each edge node (10 km vs 40 km
of fibre, modulo the frame period), every modulator's transfer curve (the
inverse is the encoder's pre-distortion), the micro-ring heater curves that
lock each resonance to its comb line (with the thermal crosstalk and the
AWGR port/wavelength map; wdm only), the receiver ranges and a static
feed-forward equaliser per output trained on fully known frames. The result is
written to an HDF5 calibration file (``calibration_file``) that later runs
load (``SimBackend(..., calibration=path)``); the run file records its path.

A last step measures the precision gained: the same random signed product
with the nominal design values and with the calibration.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from labctl.engine import Param, Step, Stream
from sequences import sequence

MAX_EDGES = 8
STAGES = ("skew", "modulators", "rings", "ranges", "equaliser", "check")
#: stages some centres run (labctl.mvm.schemes ``centre_stages``), not every one
CENTRE_STAGES = ("rings",)


def _setup(ctx):
    ctx.provenance["calibration_file"] = str(Path(ctx.params["calibration_file"]).resolve())


@sequence(
    "calibrate",
    help="Calibrate skew, modulator transfer, ring locks and AWGR map -> calibration HDF5 file",
    params=[
        Param("calibration_file", str, "calibration.h5", help="HDF5 file the calibration is written to"),
        Param("symbol_rate", float, 0.0, "Bd", "symbol rate of the products (0: the bench topology's)"),
        Param("path", str, "inprocess", help="simulated bench: in-process table or SCPI sockets",
              choices=("inprocess", "socket")),
        Param("check_size", int, 16, help="size of the square check product"),
        Param("averages", int, 0, help="scope records averaged per acquisition (0: the bench topology's)"),
    ],
    streams=[
        Stream("stage", "1", np.int64, help="0 skew, 1 modulators, 2 rings, 3 ranges, 4 equaliser, 5 check"),
        Stream("skew_s", "s", shape=(MAX_EDGES,), help="arrival time per edge node modulo the frame (NaN padded)"),
        Stream("thermal_xt", "1", help="measured neighbour heater coupling"),
        Stream("awgr_map_cyclic", "1", np.int64, help="1 if the measured map is q = (p - k) mod N"),
        Stream("enob_nominal", "bit", group="metrics", help="check product, nominal design values"),
        Stream("enob_calibrated", "bit", group="metrics", help="check product, calibrated"),
    ],
    setup=_setup,
)
def calibrate_sequence(ctx, calibration_file, symbol_rate, path, check_size, averages):
    """Calibrate the bench and write the calibration file."""
    from labctl.metrics import enob
    from labctl.mvm import FrameFormat
    from labctl.mvm.backends import open_backend
    from labctl.mvm.calibrate import calibration_stages
    from labctl.mvm.schemes import scheme_for

    topo = ctx.bench.topology
    frame = FrameFormat(symbol_rate=symbol_rate or topo.symbol_rate_hz)
    ctx.set_total(len(STAGES) - len(CENTRE_STAGES) + len(scheme_for(topo).centre_stages))
    edges = [e.name for e in topo.edges]
    with open_backend(ctx.bench, path, calibration=False, frame=frame, seed=ctx.seed,
                      averages=averages or None) as backend:
        cal = None
        for name, cal in calibration_stages(backend.engine):
            skew = np.full(MAX_EDGES, np.nan)
            skew[:len(edges)] = [cal.skew_s.get(e, np.nan) for e in edges]
            cyclic = -1
            if cal.awgr_map is not None:
                n = cal.awgr_map.shape[0]
                p, k = np.meshgrid(np.arange(n), np.arange(cal.awgr_map.shape[1]), indexing="ij")
                cyclic = int(np.array_equal(cal.awgr_map, (p - k) % n))
            yield Step(name, data={"stage": STAGES.index(name), "skew_s": skew,
                                   "thermal_xt": cal.thermal_xt, "awgr_map_cyclic": cyclic})
        cal.save(calibration_file)
        rng = ctx.rng("calibrate", "check")
        rows = check_size
        w = rng.uniform(-1, 1, (rows, check_size))
        x = rng.uniform(-1, 1, (check_size, check_size))
        e_cal = enob(backend.matmul(w, x), w @ x)
        backend.engine.cal = None
        backend.engine.scopes.ranges = None
        e_nom = enob(backend.matmul(w, x), w @ x)
        backend.engine.cal = cal
        yield Step("check", data={"stage": STAGES.index("check"), "skew_s": skew,
                                  "thermal_xt": cal.thermal_xt, "awgr_map_cyclic": cyclic},
                   metrics={"enob_nominal": (e_nom, "bit"), "enob_calibrated": (e_cal, "bit")})
