"""``labctl recover``: make run files left by a killed writer open in any HDF5 reader.

    labctl recover FILE [FILE ...] [--force]

Clears HDF5's "open for write" consistency flags in the superblock (what
``h5clear -s`` does, in pure Python: hdf5-tools need not be installed), keeps
every completed step and marks the run ``failed`` with the error ``killed: ...``
(:mod:`labctl.recover`).  A file whose writer process still runs on this host
is never touched; one whose writer cannot be checked (another host, or a file
written before labctl recorded its writer) only with ``--force``.  ``labctl
show``, the GUI's run browser and :func:`labctl.runfile.open_run` do the same
transparently when they can tell the writer is gone.

Exit status: 0 every file recovered or already fine, 1 some file refused (its
writer may still run), 2 a file that is missing or not HDF5.
"""
from __future__ import annotations

import sys

from labctl.cli import UsageError


def register(subparsers) -> None:
    p = subparsers.add_parser("recover", help="make run files left by a killed run readable "
                                              "again (status failed, completed steps kept)")
    p.add_argument("files", nargs="+", metavar="FILE", help="HDF5 run file")
    p.add_argument("--force", action="store_true",
                   help="also when the writer cannot be checked (another host, no record); "
                        "a writer seen running here is never touched")
    p.set_defaults(func=cmd_recover)


def cmd_recover(args) -> int:
    from labctl.recover import RecoveryRefused, recover
    refused = 0
    for name in args.files:
        try:
            report = recover(name, force=args.force)
        except RecoveryRefused as exc:
            print(f"refused: {exc}", file=sys.stderr)
            refused += 1
            continue
        except (OSError, ValueError, KeyError) as exc:
            reason = exc.args[-1] if exc.args else type(exc).__name__
            raise UsageError(f"cannot recover {name}: {reason}") from None
        print(report.text())
    return 1 if refused else 0
