"""``labctl twin fit``: fit a digital twin (the simulated bench's device
parameters) to a measured bench.

    labctl twin fit --calibration FILE [--bench FILE] --out fitted.toml [--run FILE]
                    [--path inprocess|socket] [--seed N]

Runs the ``twin-fit`` sequence (sequences/twin_fit.py) on ``--bench`` (default:
the embedded simulated bench) with its calibration file, writes the fitted bench
file ``--out`` and the run file ``--run`` (default: ``--out`` with suffix
``.h5``; the measured vs twin-predicted curves, and a PNG beside it).
"""
from __future__ import annotations

import sys
from pathlib import Path

from labctl.cli import UsageError


def register(subparsers) -> None:
    p = subparsers.add_parser("twin", help="digital twin of a bench: fit device parameters")
    sub = p.add_subparsers(dest="twin_command", metavar="ACTION", parser_class=type(p))
    f = sub.add_parser("fit", help="fit the twin's device parameters -> fitted bench file")
    f.add_argument("--calibration", required=True, help="calibration HDF5 file of the bench")
    f.add_argument("--bench", help="bench file (default: the embedded simulated bench)")
    f.add_argument("--out", required=True, help="fitted bench file (TOML) to write")
    f.add_argument("--run", help="run file (default: --out with suffix .h5)")
    f.add_argument("--path", choices=("inprocess", "socket"), default="inprocess",
                   help="simulated bench: in-process table or SCPI sockets")
    f.add_argument("--seed", type=int, help="run seed (default: the bench file's seed)")
    f.set_defaults(func=cmd_fit)
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def cmd_fit(args) -> int:
    import sequences
    from labctl.bench import BenchError, load_bench
    from labctl.engine import ParameterError, RunEngine

    if not Path(args.calibration).is_file():
        raise UsageError(f"calibration file not found: {args.calibration}")
    seq = sequences.get("twin-fit")
    try:
        params = seq.resolve_params(text={"calibration_file": args.calibration,
                                          "fitted_file": args.out, "path": args.path})
        bench = load_bench(args.bench)
    except (ParameterError, BenchError) as exc:
        raise UsageError(str(exc)) from None
    run = Path(args.run) if args.run else Path(args.out).with_suffix(".h5")
    result = RunEngine().run(seq, params, bench, out=run, seed=args.seed)
    print(f"{result.status}: {result.steps} steps -> {run}; twin bench -> {args.out}")
    if result.status == "failed":
        print(f"error: {result.error}", file=sys.stderr)
    return 0 if result.status == "completed" else 1
