"""``labctl sequences``, ``labctl run`` and ``labctl show``.

    labctl sequences                                   # list sequences and their parameters
    labctl run SEQUENCE [--bench FILE] [--out FILE] [--seed N] [--set name=value ...]
                        [--workers N | --scheduler ADDRESS]
    labctl show FILE                                   # status, parameters, metrics of a run file
                                                       # (recovers a file left by a killed run)

``run`` uses the embedded simulated bench unless ``--bench`` is given and
writes ``runs/<YYYYmmdd-HHMMSS>_<sequence>.h5`` unless ``--out`` is given; it
prints where the file went.  Exit status: 0 completed, 1 failed or aborted,
2 usage error (unknown sequence or parameter, bad value, unreadable file).
"""
from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path

import numpy as np

from labctl.cli import UsageError
from labctl.cli.farm_options import add_farm_options, farm_for


def register(subparsers) -> None:
    p = subparsers.add_parser("sequences", help="list measurement sequences and their parameters")
    p.set_defaults(func=cmd_sequences)

    p = subparsers.add_parser("run", help="run a measurement sequence into an HDF5 run file")
    p.add_argument("sequence", help="sequence name (see `labctl sequences`)")
    p.add_argument("--bench", help="bench file or embedded name: default (the default), default-time, high-rate, ..."
                   )
    p.add_argument("--out", help="run file (default: runs/<timestamp>_<sequence>.h5)")
    p.add_argument("--seed", type=int, help="run seed (default: the bench file's seed)")
    add_farm_options(p)
    p.add_argument("--set", dest="assignments", action="append", default=[], metavar="NAME=VALUE",
                   help="set a sequence parameter (repeatable; lists as a,b,c)")
    p.set_defaults(func=cmd_run)

    p = subparsers.add_parser("show", help="summarise a run file: status, parameters, metrics")
    p.add_argument("file", help="HDF5 run file")
    p.set_defaults(func=cmd_show)


# --------------------------------------------------------------- sequences
def cmd_sequences(args) -> int:
    import sequences
    for name in sequences.available():
        seq = sequences.get(name)
        print(f"{name}: {seq.help}")
        for p in seq.params:
            unit = f" {p.unit}" if p.unit else ""
            choices = f" (one of {', '.join(map(str, p.choices))})" if p.choices else ""
            print(f"    {p.name} = {_show_value(p.default)}{unit}  [{p.type_name()}]  {p.help}{choices}")
    for module, error in sequences.import_errors().items():
        print(f"warning: sequences/{module}.py failed to import: {error}", file=sys.stderr)
    return 0


# --------------------------------------------------------------- run
def cmd_run(args) -> int:
    import sequences
    from labctl.bench import BenchError, load_bench
    from labctl.engine import ParameterError, RunEngine

    try:
        seq = sequences.get(args.sequence)
    except KeyError as exc:
        raise UsageError(exc.args[0]) from None
    text = {}
    for item in args.assignments:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise UsageError(f"--set expects NAME=VALUE, got {item!r}")
        text[name.strip()] = value.strip()
    try:
        params = seq.resolve_params(text=text)      # check before loading anything else
        bench = load_bench(args.bench)
    except (ParameterError, BenchError) as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.out) if args.out else default_out_path(seq.name)
    try:
        with farm_for(args) as farm:
            result = RunEngine().run(seq, params, bench, out=out, seed=args.seed, farm=farm)
    except ParameterError as exc:  # found by the sequence's setup (e.g. an unknown model)
        raise UsageError(str(exc)) from None
    print(f"{result.status}: {result.steps} steps -> {out}")
    _print_energy(out)
    if result.status == "failed":
        print(f"error: {result.error}", file=sys.stderr)
    return 0 if result.status == "completed" else 1


def _print_energy(path: Path) -> None:
    """One line per energy boundary the run recorded (energy, generate...)."""
    from labctl.energy import boundary_summary
    from labctl.runfile import read_summary
    try:
        metrics = read_summary(path).metrics
    except (OSError, KeyError):
        return
    for line in boundary_summary(metrics):
        print(f"  {line}")


def default_out_path(sequence: str, now: datetime | None = None) -> Path:
    """runs/<YYYYmmdd-HHMMSS>_<sequence>.h5 under the current directory."""
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return Path("runs") / f"{stamp}_{sequence}.h5"


# --------------------------------------------------------------- show
def cmd_show(args) -> int:
    from labctl.runfile import read_summary
    try:
        s = read_summary(args.file)
    except (OSError, KeyError, ValueError) as exc:
        reason = exc.args[0] if exc.args else type(exc).__name__
        raise UsageError(f"cannot read run file {args.file}: {reason}") from None
    status = s.status
    if status == "running":   # not recovered: its writer runs, or cannot be checked from here
        writer = {"alive": "its writer is still running",
                  "dead": "its writer is gone but the file could not be recovered (read-only?)"
                  }.get(s.writer, "its writer cannot be checked from here (another host or "
                                  "no record): `labctl recover --force` if it is gone")
        status = f"running (live: {s.live_status}; {writer})"
    print(f"file:      {s.path}")
    print(f"sequence:  {s.sequence}")
    print(f"status:    {status}")
    print(f"steps:     {s.steps}")
    print(f"started:   {s.start_time}")
    print(f"ended:     {s.end_time or '-'}")
    if s.error:
        print(f"error:     {s.error}")
    if s.recovered:
        print(f"recovered: {s.recovered}")
    print(f"git:       {s.provenance.get('git_commit', '?')}"
          f"{' (dirty)' if s.provenance.get('git_dirty') else ''}")
    if s.provenance.get("calibration_file"):
        print(f"calibration: {s.provenance['calibration_file']}")
    print("parameters:")
    for name, value in s.params.items():
        print(f"    {name} = {_show_value(value)}")
    print("metrics:")
    for name, (values, unit) in s.metrics.items():
        print(f"    {name} = {_show_array(values)} {unit}".rstrip())
    if s.images:
        print("images:   " + ", ".join(f"{k} {list(v)}" for k, v in s.images.items()))
    return 0


def _show_value(value) -> str:
    return json.dumps(value) if isinstance(value, (list, str, bool)) or value is None else str(value)


def _show_array(values: np.ndarray) -> str:
    values = np.asarray(values)
    if values.size == 1:
        return f"{values.reshape(()).item():.6g}"
    if values.ndim == 1 and values.size <= 12:
        return "[" + ", ".join(f"{v:.4g}" for v in values) + "]"
    return f"array {values.shape}, last {np.ravel(values[-1])[:4]}"
