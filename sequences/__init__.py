"""Measurement sequences, importable and runnable by name.

Each module of this package defines one or more sequences with the
:func:`sequence` decorator (see :mod:`labctl.engine` for how to write one)::

    from labctl.engine import Param, Step, Stream
    from sequences import sequence

    @sequence("my-sweep", help="...", params=[Param("points", int, 11)],
              streams=[Stream("x", "V")])
    def my_sweep(ctx, points):
        ...

Registry::

    sequences.available() -> list[str]        # every registered name, sorted
    sequences.get("ber-sweep") -> Sequence    # raises KeyError with the known names
    sequences.import_errors() -> dict         # module -> error, for modules that failed

Modules are imported on first use of :func:`available` or :func:`get`; a module
that fails to import is reported by :func:`import_errors` (and by
``labctl sequences``) rather than hiding every other sequence.
"""
from __future__ import annotations

import importlib
import pkgutil
from typing import Callable

from labctl.engine import Param, Sequence, Stream

__all__ = ["sequence", "get", "available", "import_errors", "Param", "Stream", "Sequence"]

_REGISTRY: dict[str, Sequence] = {}
_ERRORS: dict[str, str] = {}
_LOADED = False


def sequence(name: str, *, params: list[Param] = (), streams: list[Stream] = (), help: str = "",
             setup: Callable | None = None):
    """Register a generator function ``plan(ctx, **params)`` as sequence ``name``.

    ``setup(ctx)``, optional, runs before the run file is created (set
    ``ctx.provenance`` entries such as ``calibration_file`` there).
    """
    def register(plan):
        if name in _REGISTRY and _REGISTRY[name].plan is not plan:
            raise ValueError(f"sequence {name!r} registered twice")
        doc = help or (plan.__doc__ or "").strip().split("\n")[0]
        _REGISTRY[name] = Sequence(name, plan, list(params),
                                  streams if callable(streams) else list(streams), doc, setup)
        plan.sequence = _REGISTRY[name]
        return plan
    return register


def _load_all() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        try:
            importlib.import_module(f"{__name__}.{info.name}")
        except Exception as exc:  # reported by import_errors() and `labctl sequences`
            _ERRORS[info.name] = f"{type(exc).__name__}: {exc}"


def available() -> list[str]:
    """Names of every registered sequence, sorted."""
    _load_all()
    return sorted(_REGISTRY)


def get(name: str) -> Sequence:
    """The sequence registered as ``name``; KeyError naming the known ones."""
    _load_all()
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise KeyError(f"unknown sequence {name!r} (known: {known})") from None


def import_errors() -> dict[str, str]:
    """Sequence modules that failed to import: module name -> error line."""
    _load_all()
    return dict(_ERRORS)
