"""``energy``: electrical power breakdown and mW/TOPS at the operating point,
reported together with the effective bits measured at the same point, beside
the published reference points (labctl.energy.REFERENCE_POINTS: 118.6 mW/TOPS
for the optical cloud computing system, ~354 for an H100 at INT8 dense,
~641 for an A100). 1 MAC = 2 operations.

One step per scheme (the bench's own scheme, optionally both): a calibrated
in-process product of ``size`` x ``size`` by ``size`` x ``columns`` gives ENOB
and RMSE; the energy report counts only payload symbols as computing, and
divides the MAC rate by the scope averaging (N records per result).
"""
from __future__ import annotations

import numpy as np

from labctl.engine import Param, Step, Stream
from sequences import sequence
from sequences.precision_sweep import SCHEMES, _bench_for, _rows

COMPONENTS = ("lasers", "dacs", "adcs", "modulator_drivers", "tias", "amplifiers", "heaters")


@sequence(
    "energy",
    help="Energy breakdown and mW/TOPS at the operating point, with the ENOB measured there",
    params=[
        Param("schemes", list[str], ["wdm", "time"], help="computing schemes", choices=SCHEMES),
        Param("size", int, 16, help="n of the n x n check product"),
        Param("columns", int, 64, help="columns of X"),
    ],
    streams=[
        Stream("scheme", "1", np.int64, help="0 wdm, 1 time"),
        Stream("power_w", "W", shape=(len(COMPONENTS),), help="electrical power per component: "
               + ", ".join(COMPONENTS)),
        Stream("breakdown_mw_per_tops", "mW/TOPS", shape=(len(COMPONENTS),)),
        Stream("macs_per_second", "MAC/s"),
        Stream("averages", "1", np.int64, help="scope records averaged per acquisition (operating point)"),
        Stream("symbol_rate", "Bd"),
        Stream("mw_per_tops", "mW/TOPS", group="metrics"),
        Stream("pj_per_mac", "pJ/MAC", group="metrics"),
        Stream("enob", "bit", group="metrics", help="ENOB at the same operating point"),
        Stream("rmse_fs", "1", group="metrics"),
    ],
)
def energy_sequence(ctx, schemes, size, columns):
    """Energy breakdown and mW/TOPS with the ENOB at the same operating point."""
    from labctl.energy import REFERENCE_POINTS
    from labctl.metrics import enob, rmse_fs
    from labctl.mvm import SimBackend
    from labctl.mvm.energy_point import energy_report

    ctx.set_total(len(schemes))
    for i, scheme in enumerate(schemes):
        bench = _bench_for(ctx, scheme)
        be = SimBackend(bench, seed=ctx.seed)
        rng = ctx.rng("energy", i)
        rows = _rows(bench, size)
        w, x = rng.uniform(-1, 1, (rows, size)), rng.uniform(-1, 1, (size, columns))
        y = be.matmul(w, x)
        rep = energy_report(be.engine)
        refs = ", ".join(f"{r.name}: {r.mw_per_tops:.1f}" for r in REFERENCE_POINTS)
        yield Step(f"{scheme}: {rep.mw_per_tops:.1f} mW/TOPS at {enob(y, w @ x):.2f} bits ({refs})", data={
            "scheme": SCHEMES.index(scheme),
            "power_w": np.array([rep.components[c] for c in COMPONENTS]),
            "breakdown_mw_per_tops": np.array([rep.breakdown_mw_per_tops()[c] for c in COMPONENTS]),
            "macs_per_second": rep.macs_per_second, "averages": be.engine.averages,
            "symbol_rate": be.engine.frame.symbol_rate},
            metrics={"mw_per_tops": (rep.mw_per_tops, "mW/TOPS"), "pj_per_mac": (rep.pj_per_mac, "pJ/MAC"),
                     "enob": (enob(y, w @ x), "bit"), "rmse_fs": (rmse_fs(y, w @ x), "1")})
