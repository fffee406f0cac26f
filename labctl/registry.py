"""The sequence registry: sequences by name, and the decorator that registers them.

::

    from labctl.registry import sequence      # re-exported as sequences.sequence

    @sequence("my-sweep", help="...", params=[Param("points", int, 11)],
              streams=[Stream("x", "V")])
    def my_sweep(ctx, points):
        ...

    get("my-sweep") -> Sequence        # KeyError naming the known ones (and any
                                       # module that failed to import, with its error)
    available() -> list[str]           # every registered name, sorted
    import_errors() -> dict            # module -> error, for modules that failed

Sequences live in packages above labctl (``sequences/``, a lab's own package):
labctl never imports them by name in its code.  Like an entry-point group, the
registry holds only the *names* of the packages to scan, :data:`SEQUENCE_PACKAGES`;
on first use of :func:`get`, :func:`available` or :func:`import_errors` it imports
every public module of each of them, so their ``@sequence`` decorators run.  A
module that fails to import is reported by :func:`import_errors` (and by
``labctl sequences``) rather than hiding every other sequence.
"""
from __future__ import annotations

import importlib
import pkgutil
from contextlib import AbstractContextManager
from typing import Any, Callable

from labctl.declarations import Param, Sequence, Stream

#: Packages whose public modules define sequences, imported on first look-up.
SEQUENCE_PACKAGES: list[str] = ["sequences"]

_REGISTRY: dict[str, Sequence] = {}
_ERRORS: dict[str, str] = {}
_LOADED: set[str] = set()


def sequence(name: str, *, params: list[Param] = (), streams: list[Stream] = (), help: str = "",
             setup: Callable[[Any], AbstractContextManager | None] | None = None):
    """Register a generator function ``plan(ctx, **params)`` as sequence ``name``.

    ``setup(ctx)``, optional, runs before the run file is created (check
    parameters, set ``ctx.provenance`` entries such as ``calibration_file``, open
    instruments).  It returns a context manager or None: the engine enters the
    context manager first and exits it after the run, whether the run completed,
    was aborted or failed, or the set-up itself raised half way.  Write it as a
    :func:`contextlib.contextmanager` generator whose ``with`` blocks hold what it
    opens, and put what the plan needs in ``ctx.state``.
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
    for package_name in SEQUENCE_PACKAGES:
        if package_name in _LOADED:
            continue
        _LOADED.add(package_name)
        try:
            package = importlib.import_module(package_name)
        except Exception as exc:  # reported by import_errors() and `labctl sequences`
            _ERRORS[package_name] = f"{type(exc).__name__}: {exc}"
            continue
        for info in pkgutil.iter_modules(package.__path__):
            if info.name.startswith("_"):
                continue
            try:
                importlib.import_module(f"{package_name}.{info.name}")
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
        broken = "; ".join(f"{module}: {error}" for module, error in sorted(_ERRORS.items()))
        raise KeyError(f"unknown sequence {name!r} (known: {known})"
                       + (f"; sequence modules that failed to import: {broken}" if broken else "")
                       ) from None


def import_errors() -> dict[str, str]:
    """Sequence modules that failed to import: module name -> error line."""
    _load_all()
    return dict(_ERRORS)
