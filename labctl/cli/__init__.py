"""The ``labctl`` command line.

Each sub-command lives in its own module of this package and exposes
``register(subparsers)``; the module adds its parser and sets ``func`` to a
callable ``func(args) -> int``.  Errors meant for the user are raised as
:class:`UsageError` and printed as one line, exit status 2.
"""
from __future__ import annotations

import argparse
import importlib
import sys

#: Sub-command modules, in the order they appear in ``labctl --help``.
COMMAND_MODULES = ("sim", "bench", "run", "recover", "generate", "energy", "train", "gui", "twin")


class UsageError(Exception):
    """A user error: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, non-zero exit
        raise UsageError(f"{self.prog}: {message}")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="labctl", description=__doc__.splitlines()[0])
    from labctl import __version__
    parser.add_argument("--version", action="version", version=f"labctl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        module = importlib.import_module(f"labctl.cli.{name}")
        module.register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from labctl.allocator import hold_heap
    hold_heap()          # the simulated bench's frame arrays stay on the heap (labctl.allocator)
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not getattr(args, "func", None):
            parser.print_help()
            return 2
        return int(args.func(args) or 0)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
