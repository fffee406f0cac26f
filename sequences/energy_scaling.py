"""``energy-scaling``: mW/TOPS at the three energy boundaries (bench, system,
centre; labctl.energy.BOUNDARIES) versus the size N of the computing centre
and the symbol rate, beside the effective bits the simulator measures there,
and a PNG plot beside the run file (``<run>.png``).

Energy (:func:`labctl.energy.scaling_energy`): the run's bench resized to N
(centre ports in wdm, lanes in time: :func:`labctl.bench.topology.with_ports`),
the same instruments and ``[power]`` figures, the edge lasers' optical power
scaled as N / N_bench (the same power per comb line or lane), the frame format
of :class:`labctl.mvm.frames.FrameFormat` at each symbol rate, and
``averages`` scope records per result (energy per MAC x averages).

Precision: for each (symbol rate, averages) one calibrated in-process signed
product W [rows, size] X [size, columns] (uniform in [-1, 1]) on the run's own
bench, N = N_bench: a representative sub-bench.  Effective bits at larger N are
not simulated (an N = 64 wdm bench has 4,096 rings and 64 receivers per frame);
the step records the measured figure with the N it was measured at
(``enob_ports``).  At fixed power per comb line each output sums N products,
so signal and shot noise grow with N while thermal and quantisation noise do
not: the measured figure is a lower bound for larger N as long as the receiver
does not saturate and AWGR crosstalk (adjacent -25 dB) stays below the noise.

Reference lines: :data:`labctl.energy.REFERENCE_POINTS` (the paper's 118.6
mW/TOPS, H100 353.7, A100 641.0).  Netcast (Sludds et al., Science 378, 270
(2022)) reports optical energy per MAC at the client, not a system mW/TOPS
figure, so it is not drawn.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from labctl.energy import BOUNDARIES
from labctl.engine import Param, ParameterError, Step, Stream
from sequences import sequence


def _check(ctx) -> None:
    """Set-up: every list non-empty and positive; N at least the bench's edge nodes."""
    p = ctx.params
    for name in ("ports", "symbol_rates", "averages"):
        if not p[name] or min(p[name]) <= 0:
            raise ParameterError(f"parameter {name}: expected positive values, got {p[name]}")
    edges = len(ctx.bench.topology.edges)
    if min(p["ports"]) < edges:
        raise ParameterError(f"parameter ports: N >= {edges} (one port per edge node at least), "
                             f"got {min(p['ports'])}")


@sequence(
    "energy-scaling",
    help="mW/TOPS at three boundaries vs ports N and symbol rate, with measured ENOB; PNG plot",
    params=[
        Param("ports", list[int], [8, 16, 32, 64], help="sizes N of the computing centre"),
        Param("symbol_rates", list[float], [2.875e9, 5.75e9, 11.5e9, 23e9, 32e9], "Bd",
              "symbol rates"),
        Param("averages", list[int], [1, 32], help="scope records averaged per result"),
        Param("size", int, 16, help="n of the n x n precision check product"),
        Param("columns", int, 32, help="columns of X in the precision check"),
    ],
    streams=[
        Stream("ports", "1", np.int64, help="N: centre ports (wdm) or lanes (time)"),
        Stream("symbol_rate", "Bd"),
        Stream("averages", "1", np.int64, help="scope records averaged per result"),
        Stream("mw_per_tops", "mW/TOPS", shape=(len(BOUNDARIES),),
               help="per boundary: " + ", ".join(BOUNDARIES)),
        Stream("pj_per_mac", "pJ/MAC", shape=(len(BOUNDARIES),),
               help="per boundary: " + ", ".join(BOUNDARIES)),
        Stream("macs_per_second", "MAC/s"),
        Stream("enob", "bit", help="effective bits measured at this rate and averaging"),
        Stream("enob_ports", "1", np.int64, help="N of the bench the ENOB was measured on"),
        *[Stream(f"min_mw_per_tops/{b}", "mW/TOPS", group="metrics",
                 help=f"lowest {b}-boundary figure of the sweep") for b in BOUNDARIES],
    ],
    setup=_check,
)
def energy_scaling(ctx, ports, symbol_rates, averages, size, columns):
    """mW/TOPS per boundary for every (averages, rate, N), ENOB per (averages, rate)
    (:func:`measured_enob`, farmed out to ``ctx.farm`` when there is one)."""
    from labctl.energy import scaling_energy

    ctx.set_total(len(averages) * len(symbol_rates) * len(ports))
    points = [(navg, rate) for navg in averages for rate in symbol_rates]
    tasks = [(ctx.bench, rate, navg, size, columns,
              int(ctx.rng("energy-scaling", "seed", rate, navg).integers(2**31)),
              int(ctx.rng("energy-scaling", "product", rate, navg).integers(2**31)))
             for navg, rate in points]
    # one pure task per (averages, rate): farmed out to Dask workers when the run has a farm
    measured = ctx.farm.map(measured_enob, tasks, ctx.check_abort) if ctx.farm is not None \
        else (measured_enob(*t) for t in tasks)
    rows, best = [], {b: np.inf for b in BOUNDARIES}
    for (navg, rate), bits in zip(points, measured):
        for n in ports:
            reports = scaling_energy(ctx.bench, n, rate, navg)
            mw = np.array([reports[b].mw_per_tops for b in BOUNDARIES])
            rows.append((navg, rate, n, mw, bits))
            metrics = {}
            for b, v in zip(BOUNDARIES, mw):
                if v < best[b]:
                    best[b] = v
                    metrics[f"min_mw_per_tops/{b}"] = (float(v), "mW/TOPS")
            yield Step(f"N={n} {rate / 1e9:g} GBd x{navg}: " + ", ".join(
                f"{b} {v:.4g}" for b, v in zip(BOUNDARIES, mw)) + f" mW/TOPS, {bits:.2f} bits",
                data={"ports": n, "symbol_rate": rate, "averages": navg, "mw_per_tops": mw,
                      "pj_per_mac": np.array([reports[b].pj_per_mac for b in BOUNDARIES]),
                      "macs_per_second": reports["bench"].macs_per_second, "enob": bits,
                      "enob_ports": ctx.bench.topology.size}, metrics=metrics)
    if ctx.out is not None:
        write_plot(ctx.out.with_suffix(".png"), rows, ctx.bench.topology.scheme)


def measured_enob(bench, rate: float, averages: int, size: int, columns: int,
                  seed: int, product_seed: int) -> float:
    """ENOB of one calibrated signed product W [rows, size] X [size, columns]
    (uniform in [-1, 1], drawn from ``product_seed``) on ``bench`` at ``rate``
    (Bd) with ``averages`` records per result, the simulated bench's noise from
    ``seed``: precision-sweep's :func:`calibrate_task` and :func:`point_task`.
    Pure: a Dask task."""
    from sequences.precision_sweep import _rows, calibrate_task, point_task

    rng = np.random.default_rng(product_seed)
    rows = _rows(bench, size)
    w, x = rng.uniform(-1, 1, (rows, size)), rng.uniform(-1, 1, (size, columns))
    cal = calibrate_task(bench, rate, seed)
    return float(point_task(bench, cal, 0.0, averages, seed, w, x)["enob"])


def write_plot(path: Path, rows: list, scheme: str) -> Path:
    """PNG: mW/TOPS vs symbol rate, one panel per averaging, a colour per N, a
    line style per boundary, the reference points as horizontal lines, and the
    measured effective bits on a second axis."""
    import matplotlib
    import matplotlib.ticker
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from labctl.energy import REFERENCE_POINTS

    avgs = sorted({r[0] for r in rows})
    ports = sorted({r[2] for r in rows})
    styles = dict(zip(BOUNDARIES, ("-", "--", ":")))
    colours = plt.cm.viridis(np.linspace(0, 0.85, len(ports)))
    fig, axes = plt.subplots(1, len(avgs), figsize=(6.5 * len(avgs), 5), squeeze=False)
    for ax, navg in zip(axes[0], avgs):
        sel = [r for r in rows if r[0] == navg]
        for colour, n in zip(colours, ports):
            pts = sorted((r[1], r[3]) for r in sel if r[2] == n)
            rates = np.array([p[0] for p in pts]) / 1e9
            for i, b in enumerate(BOUNDARIES):
                ax.plot(rates, [p[1][i] for p in pts], styles[b], color=colour, marker="o",
                        ms=3, label=f"N={n} {b}")
        for ref, grey in zip(REFERENCE_POINTS, ("tab:red", "0.4", "0.6")):
            ax.axhline(ref.mw_per_tops, color=grey, lw=1)
            ax.annotate(f"{ref.name}: {ref.mw_per_tops:.1f}", (0.01, ref.mw_per_tops),
                        xycoords=("axes fraction", "data"), fontsize=7, va="bottom", color=grey)
        ax.set(xscale="log", yscale="log", xlabel="symbol rate (GBd)", ylabel="mW/TOPS",
               title=f"{scheme}: {navg} scope record(s) per result")
        ticks = sorted({r[1] / 1e9 for r in sel})
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.xaxis.set_minor_locator(matplotlib.ticker.NullLocator())
        bits = sorted({(r[1], r[4]) for r in sel})
        twin = ax.twinx()
        twin.plot([b[0] / 1e9 for b in bits], [b[1] for b in bits], "k^-", ms=5,
                  label="effective bits (measured)")
        twin.set_ylabel("effective bits (measured, N of the bench)")
        twin.set_ylim(0, 10)
        twin.legend(loc="upper right", fontsize=7)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", fontsize=7, ncol=len(ports) * len(BOUNDARIES) // 2)
    fig.tight_layout(rect=(0, 0.12, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
