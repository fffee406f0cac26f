"""``labctl gui [--bench FILE] [--runs DIR]``: the desktop GUI (PySide6 + pyqtgraph)."""
from __future__ import annotations


def register(subparsers) -> None:
    parser = subparsers.add_parser(
        "gui", help="desktop GUI: bench panel, live view, sequences, run browser",
        description="Open the desktop GUI on a bench (default: the embedded simulated bench).")
    parser.add_argument("--bench", metavar="FILE", default=None,
                        help="bench file (TOML); default: the embedded simulated bench")
    parser.add_argument("--runs", metavar="DIR", default="runs",
                        help="directory for new run files (default: ./runs)")
    parser.set_defaults(func=run)


def run(args) -> int:
    from labctl.bench import BenchError, load_bench
    from labctl.cli import UsageError
    try:
        load_bench(args.bench)          # report a bad bench file as one line, before Qt starts
    except BenchError as exc:
        raise UsageError(str(exc)) from None
    from gui.app import main
    return main(args.bench, args.runs)
