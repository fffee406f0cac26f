"""Measurement sequences, importable and runnable by name.

Each module of this package defines one or more sequences with the
:func:`sequence` decorator (see :mod:`labctl.engine` for how to write one)::

    from labctl.engine import Param, Step, Stream
    from sequences import sequence

    @sequence("my-sweep", help="...", params=[Param("points", int, 11)],
              streams=[Stream("x", "V")])
    def my_sweep(ctx, points):
        ...

Registry (:mod:`labctl.registry`, re-exported here)::

    sequences.available() -> list[str]        # every registered name, sorted
    sequences.get("ber-sweep") -> Sequence    # raises KeyError with the known names
    sequences.import_errors() -> dict         # module -> error, for modules that failed

Modules are imported on first use of :func:`available` or :func:`get`; a module
that fails to import is reported by :func:`import_errors` (and by
``labctl sequences``) rather than hiding every other sequence.
"""
from __future__ import annotations

from labctl.declarations import Param, Sequence, Stream
from labctl.registry import available, get, import_errors, sequence

__all__ = ["sequence", "get", "available", "import_errors", "Param", "Stream", "Sequence"]
