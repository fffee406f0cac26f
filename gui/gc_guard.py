"""Cyclic garbage collection only in the GUI thread while worker threads run.

CPython's cyclic collector runs in whichever thread happens to allocate when
a generation threshold is crossed.  If that is a worker thread and the garbage
holds Qt wrappers (closed widgets caught in reference cycles, e.g. through
connected lambdas), Qt objects are destroyed off the GUI thread and the
process dies with a segmentation fault.

pyqtgraph's :class:`~pyqtgraph.util.garbage_collector.GarbageCollector`
disables automatic collection and collects from a ``QTimer`` in the GUI thread
instead.  :func:`hold` switches it on when the first worker thread starts and
:func:`release` hands collection back to CPython (after one full collection in
the GUI thread) when the last one stops.  Both must be called from the GUI
thread.
"""
from __future__ import annotations

import gc

_holders: set[int] = set()
_collector = None

#: Seconds between the GUI thread's collection checks (pyqtgraph's default is 1 s).
INTERVAL_S = 0.5


def hold(owner: object) -> None:
    """Collect only in the GUI thread until every ``owner`` has been released."""
    global _collector
    if not _holders:
        from pyqtgraph.util.garbage_collector import GarbageCollector
        gc.collect()                  # clear garbage made so far, here in the GUI thread
        _collector = GarbageCollector(interval=INTERVAL_S)
    _holders.add(id(owner))


def release(owner: object) -> None:
    """Drop ``owner``'s hold; the last release collects once and re-enables automatic GC."""
    global _collector
    if id(owner) not in _holders:
        return
    _holders.discard(id(owner))
    if not _holders and _collector is not None:
        _collector.timer.stop()
        _collector = None
        gc.collect()
        gc.enable()


def holding() -> bool:
    """True while automatic collection is off and the GUI thread collects."""
    return bool(_holders)
