"""``labctl energy``: the three energy boundaries at a bench's operating point.

    labctl energy [--bench FILE] [--symbol-rate R] [--averages N] [--ports N] [--json]

Nothing runs: :func:`labctl.energy.scaling_energy` (or the bench's own
operating point) from the bench file's ``[power]`` figures and topology.
Prints one block per boundary (bench, system, centre) with its components in
W and mW/TOPS, or one JSON object (``--json``):
``{"boundaries": {name: {"mw_per_tops", "pj_per_mac", "power_w", "components",
"components_w", "counts"}}, "macs_per_second", "references", "operating_point"}``.
"""
from __future__ import annotations

import json
import math

from labctl.cli import UsageError


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "energy", help="mW/TOPS at three boundaries (bench, system, centre), nothing run",
        description="Energy per operation of a bench's operating point at three boundaries: "
                    "bench (the lab instruments as run), system (a deployed system of "
                    "integrated parts), centre (what the computing centre adds).")
    p.add_argument("--bench", help="bench file or embedded name: default (the default), default-time, high-rate, ..."
                   )
    p.add_argument("--symbol-rate", type=float,
                   help="symbol rate, Bd (default: the bench's symbol_rate_hz)")
    p.add_argument("--averages", type=int,
                   help="scope records averaged per result (default: the bench's scope_averages)")
    p.add_argument("--ports", type=int,
                   help="N of the centre (ports in wdm, lanes in time; default: the bench's)")
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=cmd_energy)


def cmd_energy(args) -> int:
    from labctl.bench import BenchError, load_bench
    from labctl.energy import report_dict, scaling_energy

    try:
        bench = load_bench(args.bench)
    except BenchError as exc:
        raise UsageError(str(exc)) from None
    topo = bench.topology
    rate = topo.symbol_rate_hz if args.symbol_rate is None else args.symbol_rate
    averages = topo.scope_averages if args.averages is None else args.averages
    ports = topo.size if args.ports is None else args.ports
    if not (math.isfinite(rate) and rate > 0):
        raise UsageError(f"--symbol-rate: must be a positive number of Bd, got {rate}")
    if averages < 1:
        raise UsageError(f"--averages: must be >= 1, got {averages}")
    try:
        reports = scaling_energy(bench, ports, rate, averages)
    except ValueError as exc:
        raise UsageError(f"--ports: {exc}") from None
    out = report_dict(reports)
    out["operating_point"] = {"scheme": topo.scheme, "ports": ports, "symbol_rate_bd": rate,
                              "averages": averages, "bench": bench.name}
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    print(f"{bench.name or 'bench'}: {topo.scheme}, N = {ports}, {rate / 1e9:g} GBd, "
          f"{averages} record(s) per result, {out['macs_per_second']:.4g} MAC/s")
    for name, b in out["boundaries"].items():
        print(f"\n{name:7s} {b['mw_per_tops']:12.4g} mW/TOPS {b['pj_per_mac']:10.4g} pJ/MAC "
              f"{b['power_w']:9.4g} W")
        print(f"        counts: {b['counts']}")
        for c, mw in b["components"].items():
            print(f"        {c:18s} {b['components_w'][c]:9.4g} W {mw:12.4g} mW/TOPS")
    refs = ", ".join(f"{n}: {v:.1f}" for n, v in out["references"].items())
    print(f"\nreference points (mW/TOPS): {refs}")
    return 0
