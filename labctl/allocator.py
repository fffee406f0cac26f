"""glibc's allocator held to its heap for the simulated bench's per-frame arrays.

A simulated frame allocates and frees a few dozen arrays of 0.1-1 MiB (drive
rows, optical powers, receiver noise, scope records). With glibc's defaults,
arrays above the dynamic mmap threshold are mmapped and those below go to the
heap, whose free top is handed back to the kernel once it exceeds the trim
threshold; either way the next frame page-faults the same memory afresh
(measured: ~0.1 s of system time per 200 frames, a tenth of a frame's CPU).
:func:`hold_heap` raises both thresholds (``mallopt``; the environment
variables ``MALLOC_MMAP_THRESHOLD_`` / ``MALLOC_TRIM_THRESHOLD_`` do the same
for a process started with them, which is how Dask workers get it,
:data:`WORKER_ENV`), so the arrays are reused from the heap. The cost is
resident memory: up to :data:`TRIM_BYTES` of freed heap is kept.

The ``labctl`` command calls it at start; a script that imports labctl keeps
its allocator as it is unless it calls :func:`hold_heap` itself. Not glibc
(musl, macOS): nothing is changed.
"""
from __future__ import annotations

import ctypes
import ctypes.util

#: Arrays below this size come from the heap (B); glibc's default starts at 128 KiB.
MMAP_BYTES = 32 * 2**20
#: Free heap top kept before it is handed back to the kernel (B).
TRIM_BYTES = 256 * 2**20
#: ``mallopt`` parameter numbers (glibc malloc.h).
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
#: The same settings for a process started with this environment (Dask workers).
WORKER_ENV = {"MALLOC_MMAP_THRESHOLD_": str(MMAP_BYTES), "MALLOC_TRIM_THRESHOLD_": str(TRIM_BYTES)}


def hold_heap() -> bool:
    """Raise glibc's mmap and trim thresholds in this process (see the module
    docstring); False where there is no glibc ``mallopt``."""
    name = ctypes.util.find_library("c")
    try:
        mallopt = ctypes.CDLL(name).mallopt
    except (OSError, AttributeError, TypeError):
        return False
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_BYTES)) and bool(mallopt(_M_TRIM_THRESHOLD, TRIM_BYTES))
