"""Helpers of the driver tests: small benches built in code, served over real sockets."""
from __future__ import annotations

from contextlib import contextmanager
from types import SimpleNamespace

from labctl import sim_servers


def bench_of(**instruments) -> SimpleNamespace:
    """A bench-like object: name=(role, model, settings, limits) -> .instruments[name]."""
    entries = {}
    for name, spec in instruments.items():
        role, model, *rest = spec
        settings = rest[0] if rest else {}
        limits = rest[1] if len(rest) > 1 else None
        entries[name] = SimpleNamespace(role=role, model=model, resource="sim",
                                        settings=settings, limits=limits)
    return SimpleNamespace(instruments=entries)


#: One instrument of every model (settings as a bench file would give them).
EVERY_MODEL = {
    "awg_m": ("awg", "keysight_m8196a"),
    "awg_t": ("awg", "tektronix_awg70002b"),
    "scope_k": ("scope", "keysight_uxr", {"points": 2048}),
    "scope_t": ("scope", "tektronix_dpo70000", {"points": 2048}),
    "laser_s": ("laser", "santec_tsl570"),
    "laser_k": ("laser", "keysight_n7776c"),
    "pm": ("powermeter", "keysight_n7744c"),
    "bias": ("bias", "generic_mbc"),
    "edfa": ("amplifier", "generic_edfa"),
    "heaters": ("heaters", "generic_heaters"),
}


@contextmanager
def serving(bench, table=None):
    with sim_servers.start(bench, table) as servers:
        yield servers
