"""``precision-sweep``: effective bits and RMSE of optical products versus
optical power, symbol rate and size, for both computing schemes, with the
energy per operation (mW/TOPS) of every point: the precision-energy
trade-off curve.

Definitions (labctl.metrics): ENOB = log2(range / (sqrt(12) sigma_err)),
range = max - min of the exact product; RMSE relative to that range.
Products: W [n, n] and X [n, columns] uniform in [-1, 1], signed (offset
encoding, labctl.mvm.signed).

Sweeps (one step per point): 0 optical power (seed lasers ``laser_offsets_db``
below their bench setting), 1 symbol rate, 2 size, 3 scope averaging (records
averaged per acquisition: receiver noise / sqrt(N), energy per MAC x N).
Every other parameter stays at the bench's operating point (``[topology]``
``symbol_rate_hz`` and ``scope_averages``). The bench's own scheme runs
on ``ctx.bench``; the other scheme on the embedded bench of that scheme.
Each (scheme, symbol rate) is calibrated once in process (cached for the run).
"""
from __future__ import annotations

import numpy as np

from labctl.engine import Param, Step, Stream
from labctl.mvm.schemes import kinds, scheme_named, stream_codes_help
from sequences import sequence

#: values of the ``schemes`` parameter: the registered schemes, in the order of
#: their run-file code (stream ``scheme`` holds it: ``SCHEMES.index(kind)``)
SCHEMES = kinds()
#: what the ``scheme`` stream's values mean ("0 wdm, 1 time")
SCHEME_CODES = stream_codes_help()


def _bench_for(ctx, scheme):
    """The bench of parameter value ``scheme``: the run's bench if it has that
    scheme, else the embedded bench of that scheme (labctl.mvm.embedded_benches)."""
    if ctx.bench.topology.scheme == scheme:
        return ctx.bench
    from labctl.mvm.embedded_benches import embedded_bench
    return embedded_bench(scheme)


def _rows(bench, size):
    """Rows of the sweeps' ``size`` products on ``bench`` (its scheme's ``benchmark_rows``)."""
    from labctl.mvm.schemes import scheme_for
    return scheme_for(bench.topology).benchmark_rows(bench.topology, size)


def _points(p):
    pts = []
    for scheme in p["schemes"]:
        pts += [(scheme, 0, off, 0.0, p["size"], 0) for off in p["laser_offsets_db"]]
        pts += [(scheme, 1, 0.0, r, p["size"], 0) for r in p["symbol_rates"]]
        pts += [(scheme, 2, 0.0, 0.0, n, 0) for n in p["sizes"]]
        pts += [(scheme, 3, 0.0, 0.0, p["size"], a) for a in p["averages"]]
    return pts


@sequence(
    "precision-sweep",
    help=f"ENOB/RMSE of products vs optical power, symbol rate and size ({', '.join(SCHEMES)}) "
         "with mW/TOPS",
    params=[
        Param("schemes", list[str], list(SCHEMES), help="computing schemes", choices=SCHEMES),
        Param("laser_offsets_db", list[float], [0.0, -3.0, -6.0, -10.0], "dB",
              "seed-laser power relative to the bench setting"),
        Param("symbol_rates", list[float], [11.5e9, 5.75e9, 2.875e9], "Bd", "symbol rates"),
        Param("sizes", list[int], [8, 16, 32], help="n of the n x n weight matrices"),
        Param("averages", list[int], [1, 4, 16, 32, 64, 128], help="scope records averaged per acquisition"),
        Param("size", int, 16, help="n during the power, symbol-rate and averaging sweeps"),
        Param("columns", int, 64, help="columns of X"),
    ],
    streams=[
        Stream("scheme", "1", np.int64, help=SCHEME_CODES),
        Stream("sweep", "1", np.int64, help="0 optical power, 1 symbol rate, 2 size, 3 scope averaging"),
        Stream("laser_offset_db", "dB"),
        Stream("symbol_rate", "Bd"),
        Stream("size", "1", np.int64),
        Stream("averages", "1", np.int64, help="scope records averaged per acquisition"),
        Stream("enob", "bit", help="log2(range / (sqrt(12) sigma_err))"),
        Stream("rmse_fs", "1", help="RMS error / range of the exact product"),
        Stream("mw_per_tops", "mW/TOPS", help="energy per operation at this point (1 MAC = 2 ops)"),
        Stream("pj_per_mac", "pJ/MAC"),
        Stream("enob_default", "bit", group="metrics", help="ENOB at the default operating point, per scheme"),
    ],
)
def precision_sweep(ctx, schemes, laser_offsets_db, symbol_rates, sizes, averages, size, columns):
    """ENOB/RMSE vs optical power, symbol rate and size, with mW/TOPS.

    Each (scheme, symbol rate) is calibrated once and each point is a pure task
    (:func:`calibrate_task`, :func:`point_task`): with ``ctx.farm`` (Dask) the
    calibrations, then the points, run on the workers; results equal the serial run's."""
    points = []
    for i, (scheme, sweep, off, rate, n, navg) in enumerate(_points(ctx.params)):
        bench = _bench_for(ctx, scheme)
        rate = rate or bench.topology.symbol_rate_hz
        navg = navg or bench.topology.scope_averages
        seed = int(ctx.rng("precision-sweep", "seed", i).integers(2**31))
        rng = ctx.rng("precision-sweep", i)
        rows = _rows(bench, n)
        w, x = rng.uniform(-1, 1, (rows, n)), rng.uniform(-1, 1, (n, columns))
        points.append((bench, scheme, sweep, off, rate, n, navg, seed, w, x))
    ctx.set_total(len(points))
    keys = list(dict.fromkeys((p[1], p[4]) for p in points))
    benches = {(p[1], p[4]): p[0] for p in points}
    cal_tasks = [(benches[k], k[1], ctx.seed) for k in keys]
    if ctx.farm is not None:
        cals = dict(zip(keys, ctx.farm.map(calibrate_task, cal_tasks, ctx.check_abort)))
        tasks = [(p[0], cals[(p[1], p[4])], p[3], p[6], p[7], p[8], p[9]) for p in points]
        results = ctx.farm.map(point_task, tasks, ctx.check_abort)
    else:
        cals = {}

        def serial():
            for p in points:
                key = (p[1], p[4])
                if key not in cals:  # calibrate at the default optical power, on first use
                    cals[key] = calibrate_task(benches[key], key[1], ctx.seed)
                yield point_task(p[0], cals[key], p[3], p[6], p[7], p[8], p[9])
        results = serial()
    for (bench, scheme, sweep, off, rate, n, navg, _, _, _), r in zip(points, results):
        metrics = {}
        if sweep == 0 and off == 0.0 and rate == bench.topology.symbol_rate_hz:
            metrics["enob_default"] = (r["enob"], "bit")
        yield Step(f"{scheme} sweep{sweep} {off:g} dB {rate:.3g} Bd n={n} N={navg}", data={
            "scheme": scheme_named(scheme).stream_code, "sweep": sweep, "laser_offset_db": off,
            "symbol_rate": rate, "size": n, "averages": navg, **r}, metrics=metrics)


def calibrate_task(bench, rate: float, seed: int):
    """Calibration of ``bench`` at symbol rate ``rate`` (Bd), default optical power. Pure."""
    from labctl.mvm import FrameFormat, SimBackend
    return SimBackend(bench, seed=seed, frame=FrameFormat(symbol_rate=rate)).calibration


def point_task(bench, cal, laser_offset_db: float, averages: int, seed: int,
               w: np.ndarray, x: np.ndarray) -> dict:
    """One sweep point: the product ``w @ x`` through the calibrated in-process
    bench at the laser offset (dB) and averaging -> {"enob" (bit), "rmse_fs",
    "mw_per_tops", "pj_per_mac"} (bench boundary). Pure: a Dask task."""
    from labctl.metrics import enob, rmse_fs
    from labctl.mvm import SimBackend
    from labctl.mvm.energy_point import energy_report

    be = SimBackend(bench, seed=seed, calibration=cal, laser_offset_db=laser_offset_db,
                    averages=averages)
    y = be.matmul(w, x)
    rep = energy_report(be.engine)
    return {"enob": enob(y, w @ x), "rmse_fs": rmse_fs(y, w @ x),
            "mw_per_tops": rep.mw_per_tops, "pj_per_mac": rep.pj_per_mac}
