"""``labctl sim serve``: run the simulated SCPI instruments of a bench in the foreground.

Prints, per instrument, its name, role, model and VISA resource string
(``--json``: one JSON object ``{"instruments": [...]}`` on the first line),
then serves until Ctrl-C or SIGTERM.  Binds 127.0.0.1 unless ``--host`` is given.
"""
from __future__ import annotations

import json
import signal
import sys
import threading

from labctl.cli import UsageError


def register(subparsers) -> None:
    parser = subparsers.add_parser("serve", help="serve the bench's simulated instruments over SCPI sockets")
    parser.add_argument("--bench", metavar="FILE", default=None,
                        help="bench TOML file (default: the embedded simulated bench)")
    parser.add_argument("--json", action="store_true", help="print one JSON object on the first line")
    parser.add_argument("--host", default="127.0.0.1",
                        help="interface to bind (default 127.0.0.1, loopback only)")
    parser.set_defaults(func=run)


def listing(bench, resources: dict[str, str]) -> list[dict[str, str]]:
    """[{name, role, model, resource}] of the served instruments, in bench order."""
    return [{"name": name, "role": cfg.role, "model": cfg.model, "resource": resources[name]}
            for name, cfg in bench.instruments.items() if name in resources]


def run(args) -> int:
    from labctl import sim_servers
    from labctl.bench import BenchError, load_bench
    try:
        bench = load_bench(args.bench)
    except BenchError as exc:
        raise UsageError(str(exc)) from None
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        with sim_servers.start(bench, host=args.host) as servers:
            rows = listing(bench, servers.resources)
            if args.json:
                print(json.dumps({"instruments": rows}), flush=True)
            else:
                width = max((len(r["name"]) for r in rows), default=4)
                for row in rows:
                    print(f"{row['name']:<{width}}  {row['role']:<10}  {row['model']:<20}  {row['resource']}")
                print("serving; Ctrl-C to stop", file=sys.stderr, flush=True)
            while not stop.wait(0.5):
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("stopped", file=sys.stderr, flush=True)
    return 0
