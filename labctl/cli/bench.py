"""``labctl bench check``: connect every instrument of a bench and report.

Starts the simulated servers first when the bench has ``resource = "sim"``
instruments.  Prints identity, role and key settings per instrument; exit
status 1 if any instrument fails.
"""
from __future__ import annotations

import contextlib

from labctl.cli import UsageError


def register(subparsers) -> None:
    parser = subparsers.add_parser("bench", help="bench file tools: check the instruments")
    sub = parser.add_subparsers(dest="bench_command", metavar="BENCH_COMMAND", parser_class=type(parser))
    check = sub.add_parser("check", help="connect every instrument, print identity and settings")
    check.add_argument("--bench", metavar="FILE", default=None,
                       help="bench TOML file (default: the embedded simulated bench)")
    check.add_argument("--timeout", type=float, default=2.0, help="I/O timeout per instrument (s)")
    check.set_defaults(func=run_check)


def _format(value) -> str:
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def check_instrument(bench, name: str, timeout: float) -> tuple[bool, str]:
    """(ok, one report line) for instrument ``name``."""
    from labctl import instruments
    config = bench.instruments[name]
    try:
        role = instruments.connect(bench, name, timeout=timeout)
    except Exception as exc:  # report every failure, keep checking the others
        return False, f"FAIL {name} ({config.role}, {config.model}): {exc}"
    try:
        identity = role.identity()
        snap = role.snapshot()
    except Exception as exc:
        return False, f"FAIL {name} ({config.role}, {config.model}): {exc}"
    finally:
        role.close()
    shown = ", ".join(f"{k}={_format(v)}{(' ' + u) if u else ''}" for k, (v, u) in list(snap.items())[:6])
    return True, f"ok   {name} ({config.role}, {config.model}): {identity}\n       {shown}"


def run_check(args) -> int:
    from labctl import sim_servers
    from labctl.bench import BenchError, load_bench
    try:
        bench = load_bench(args.bench)
    except BenchError as exc:
        raise UsageError(str(exc)) from None
    simulated = any(cfg.resource == "sim" for cfg in bench.instruments.values())
    failures = 0
    with sim_servers.start(bench) if simulated else contextlib.nullcontext():
        for name in bench.instruments:
            ok, line = check_instrument(bench, name, args.timeout)
            failures += not ok
            print(line, flush=True)
    print(f"{len(bench.instruments) - failures}/{len(bench.instruments)} instruments ok")
    return 1 if failures else 0
