"""The bench file: one TOML file describing one optical bench.

Public API::

    from labctl.bench import load_bench, Bench, BenchError
    bench = load_bench()                  # embedded simulated bench (scheme "wdm")
    bench = load_bench("my_bench.toml")   # a real or simulated bench of your own
    bench = load_bench(DEFAULT_TIME)      # embedded simulated bench, scheme "time"
    bench = load_bench("high-rate")       # embedded high-rate bench (11.5 GBd single records);
                                          # short names: EMBEDDED ("high-rate-time", ...)

``Bench`` (see :mod:`labctl.bench.model`) holds ``instruments`` (name ->
:class:`InstrumentConfig` with ``role``, ``model``, ``resource``, ``settings``,
``limits``), ``topology`` (schema owned by :mod:`labctl.bench.topology`),
``devices`` (physics parameters, same owner), ``power`` (electrical power
figures for energy accounting), ``seed``, ``source_text`` and ``path``.

Units: SI in every numeric key (W, V, A, m, s, Hz, Sa/s, J) unless the key's
name or its comment says dB/dBm.  Any error while reading or validating a file
raises :class:`BenchError` whose one-line message names the file, the key path
and what was expected.
"""
from __future__ import annotations

from labctl.bench.loader import (
    DEFAULT_SIM,
    DEFAULT_TIME,
    EMBEDDED,
    HIGH_RATE,
    HIGH_RATE_TIME,
    BenchError,
    load_bench,
    parse_bench,
)
from labctl.bench.model import Bench, InstrumentConfig, SafetyLimits
from labctl.bench.power import PowerFigures

__all__ = [
    "Bench", "BenchError", "InstrumentConfig", "SafetyLimits", "PowerFigures",
    "load_bench", "parse_bench", "DEFAULT_SIM", "DEFAULT_TIME", "HIGH_RATE", "HIGH_RATE_TIME",
    "EMBEDDED",
]
