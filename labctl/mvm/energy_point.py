"""Energy per operation of the optical products as the engine runs them.

Built on :mod:`labctl.energy` (1 MAC = 2 operations): the bench's operating
point (``operating_point_from_bench``) with the symbol rate the engine uses,
the frame efficiency (only payload symbols compute: preamble, training and
guard symbols cost energy but give no MACs), scope averaging (N records per
acquisition: every device runs N frame periods per result, so the MAC rate is
divided by N at the same power), the AWG sample rates actually
programmed (integer samples per symbol) and the seed-laser powers of the
operating point.
"""
from __future__ import annotations

import dataclasses

from labctl.energy import EnergyReport, energy, operating_point_from_bench


def energy_report(engine) -> EnergyReport:
    """Energy report of ``engine`` (an :class:`labctl.mvm.engine.OpticalEngine`)."""
    bench, f = engine.bench, engine.frame
    op = operating_point_from_bench(bench, f.symbol_rate)
    efficiency = f.payload / f.n_symbols / engine.averages
    edge_rate = engine.awg_rate(bench.topology.edges[0].awg)[1]
    if getattr(bench.topology.centre, "weight_awg", None) is not None:  # time scheme
        dac_rate = (edge_rate + engine.awg_rate(bench.topology.centre.weight_awg)[1]) / 2
    else:
        dac_rate = edge_rate
    op = dataclasses.replace(op, symbol_rate=f.symbol_rate * efficiency, dac_sample_rate=dac_rate,
                             laser_optical_power=sum(engine.laser_powers().values()))
    return energy(bench.power, op)
