"""``energy``: electrical power breakdown and mW/TOPS at the operating point,
at three boundaries (bench, system, centre: labctl.energy.BOUNDARIES),
reported together with the effective bits measured at the same point, beside
the published reference points (labctl.energy.REFERENCE_POINTS: 118.6 mW/TOPS
for the optical cloud computing system, ~354 for an H100 at INT8 dense,
~641 for an A100). 1 MAC = 2 operations.

One step per scheme (the bench's own scheme, optionally both): a calibrated
in-process product of ``size`` x ``size`` by ``size`` x ``columns`` gives ENOB
and RMSE; the energy report counts only payload symbols as computing, and
divides the MAC rate by the scope averaging (N records per result).  The
top-level streams (``power_w``, ``mw_per_tops``...) are the ``bench`` boundary;
``/entry/metrics/energy/<boundary>/{mw_per_tops, pj_per_mac, <component>}``
hold all three (:func:`boundary_metrics`, also used by ``generate``).
"""
from __future__ import annotations

import numpy as np

from labctl.energy import BOUNDARIES, COMPONENTS
from labctl.engine import Param, Step, Stream
from sequences import sequence
from sequences.precision_sweep import SCHEME_CODES, SCHEMES, _bench_for, _rows


def boundary_streams() -> list[Stream]:
    """Metrics streams ``energy/<boundary>/...`` written by :func:`boundary_metrics`."""
    out = []
    for b in BOUNDARIES:
        out += [Stream(f"energy/{b}/mw_per_tops", "mW/TOPS", group="metrics", help=f"{b} boundary"),
                Stream(f"energy/{b}/pj_per_mac", "pJ/MAC", group="metrics"),
                Stream(f"energy/{b}/power_w", "W", group="metrics", help="electrical power")]
        out += [Stream(f"energy/{b}/{c}", "mW/TOPS", group="metrics", help=f"share of {c}")
                for c in COMPONENTS]
    return out


def boundary_metrics(reports: dict) -> dict:
    """{boundary: EnergyReport} -> metrics of :func:`boundary_streams`."""
    metrics = {}
    for b, rep in reports.items():
        metrics[f"energy/{b}/mw_per_tops"] = (rep.mw_per_tops, "mW/TOPS")
        metrics[f"energy/{b}/pj_per_mac"] = (rep.pj_per_mac, "pJ/MAC")
        metrics[f"energy/{b}/power_w"] = (rep.total_power, "W")
        for c, v in rep.breakdown_mw_per_tops().items():
            metrics[f"energy/{b}/{c}"] = (v, "mW/TOPS")
    return metrics


@sequence(
    "energy",
    help="Energy breakdown and mW/TOPS at three boundaries, with the ENOB measured there",
    params=[
        Param("schemes", list[str], list(SCHEMES), help="computing schemes", choices=SCHEMES),
        Param("size", int, 16, help="n of the n x n check product"),
        Param("columns", int, 64, help="columns of X"),
    ],
    streams=[
        Stream("scheme", "1", np.int64, help=SCHEME_CODES),
        Stream("power_w", "W", shape=(len(COMPONENTS),), help="electrical power per component "
               "(bench boundary): " + ", ".join(COMPONENTS)),
        Stream("breakdown_mw_per_tops", "mW/TOPS", shape=(len(COMPONENTS),)),
        Stream("boundary_mw_per_tops", "mW/TOPS", shape=(len(BOUNDARIES),),
               help="total per boundary: " + ", ".join(BOUNDARIES)),
        Stream("macs_per_second", "MAC/s"),
        Stream("averages", "1", np.int64, help="scope records averaged per acquisition (operating point)"),
        Stream("symbol_rate", "Bd"),
        Stream("mw_per_tops", "mW/TOPS", group="metrics", help="bench boundary"),
        Stream("pj_per_mac", "pJ/MAC", group="metrics", help="bench boundary"),
        Stream("enob", "bit", group="metrics", help="ENOB at the same operating point"),
        Stream("rmse_fs", "1", group="metrics"),
        *boundary_streams(),
    ],
)
def energy_sequence(ctx, schemes, size, columns):
    """Energy breakdown and mW/TOPS with the ENOB at the same operating point."""
    from labctl.energy import REFERENCE_POINTS
    from labctl.metrics import enob, rmse_fs
    from labctl.mvm import SimBackend
    from labctl.mvm.energy_point import boundary_reports

    ctx.set_total(len(schemes))
    for i, scheme in enumerate(schemes):
        bench = _bench_for(ctx, scheme)
        be = SimBackend(bench, seed=ctx.seed)
        rng = ctx.rng("energy", i)
        rows = _rows(bench, size)
        w, x = rng.uniform(-1, 1, (rows, size)), rng.uniform(-1, 1, (size, columns))
        y = be.matmul(w, x)
        reports = boundary_reports(be.engine)
        rep = reports["bench"]
        e = enob(y, w @ x)
        refs = ", ".join(f"{r.name}: {r.mw_per_tops:.1f}" for r in REFERENCE_POINTS)
        per = ", ".join(f"{b} {r.mw_per_tops:.4g}" for b, r in reports.items())
        text = f"{scheme}: {e:.2f} bits; mW/TOPS {per} ({refs})"
        yield Step(text, data={
            "scheme": SCHEMES.index(scheme),
            "power_w": np.array([rep.components[c] for c in COMPONENTS]),
            "breakdown_mw_per_tops": np.array([rep.breakdown_mw_per_tops()[c] for c in COMPONENTS]),
            "boundary_mw_per_tops": np.array([reports[b].mw_per_tops for b in BOUNDARIES]),
            "macs_per_second": rep.macs_per_second, "averages": be.engine.averages,
            "symbol_rate": be.engine.frame.symbol_rate},
            metrics={"mw_per_tops": (rep.mw_per_tops, "mW/TOPS"), "pj_per_mac": (rep.pj_per_mac, "pJ/MAC"),
                     "enob": (e, "bit"), "rmse_fs": (rmse_fs(y, w @ x), "1"),
                     **boundary_metrics(reports)})
