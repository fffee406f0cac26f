"""Operating point of the light path: seed-laser powers and edge-amplifier gains.

Optical-power sweeps move every seed laser by ``laser_offset_db`` from its bench
setting, P = P_bench 10^(offset / 10) (W), and every edge amplifier (constant
gain) by ``gain_offset_db`` from its nominal gain: the topology's
``amplifier_gain_db``, else the amplifier's bench setting ``gain`` (dB).
"""
from __future__ import annotations


def laser_powers(bench, laser_offset_db: float = 0.0) -> dict[str, float]:
    """Seed laser powers (W) by laser name: bench setting ``power`` x 10^(offset / 10)."""
    return {e.laser: float(bench.instruments[e.laser].settings.get("power", 0.0))
            * 10 ** (laser_offset_db / 10) for e in bench.topology.edges}


def amplifier_gains(bench, gain_offset_db: float = 0.0) -> dict[str, float]:
    """Edge amplifier gains (dB) by amplifier name: nominal gain + ``gain_offset_db``."""
    gains = {}
    for e in bench.topology.edges:
        if e.amplifier is None:
            continue
        g = e.amplifier_gain_db
        if g is None:
            g = float(bench.instruments[e.amplifier].settings.get("gain", 0.0))
        gains[e.amplifier] = g + gain_offset_db
    return gains


def apply(bench, io, gain_offset_db: float = 0.0, laser_offset_db: float = 0.0) -> None:
    """Set the operating point through the bench IO: seed lasers (only when
    ``laser_offset_db`` is not 0: otherwise they stay at their bench power),
    then the edge amplifiers (always: constant gain)."""
    if laser_offset_db:
        for name, p in laser_powers(bench, laser_offset_db).items():
            io.set_laser_power(name, p)
    for name, g in amplifier_gains(bench, gain_offset_db).items():
        io.set_amplifier_gain(name, g)
