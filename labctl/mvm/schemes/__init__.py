"""Computing schemes of the matrix-product code, one module each.

A scheme (docs/DESIGN.md, "The data path") is everything that differs between
two ways of computing ``y = W x`` on the bench: which scope channels are the
outputs, which AWG channels drive modulators, how a product is tiled into
frames, what one frame sends and how its scope volts become tile estimates,
and which calibration stages the centre needs. Each module holds one object
implementing :class:`Scheme` and registers it with :func:`register`; all other
code asks :func:`scheme_for` (a bench topology) and never names a scheme.

Adding a scheme = a centre model in labctl.bench.topology (its ``kind``
literal, in ``CENTRES``), a module here that registers its :class:`Scheme`,
and (for the simulated bench) a module in sim_backends.schemes.
"""
from __future__ import annotations

from labctl.mvm.schemes import time, wdm  # noqa: F401  (register the built-in schemes)
from labctl.mvm.schemes.base import (
    SCHEMES,
    EnergyCounts,
    FrameCodec,
    FrameDrive,
    Scheme,
    kinds,
    register,
    scheme_for,
    scheme_named,
    stream_codes_help,
)

__all__ = ["SCHEMES", "EnergyCounts", "FrameCodec", "FrameDrive", "Scheme", "kinds", "register",
           "scheme_for", "scheme_named", "stream_codes_help"]
