"""Energy per operation of the optical products as the engine runs them.

Built on :mod:`labctl.energy` (1 MAC = 2 operations): the bench's operating
point with the engine's frame (symbol rate; only payload symbols compute:
preamble, training and guard symbols cost energy but give no MACs), scope
averaging (N records per acquisition: every device runs N frame periods per
result, so the MAC rate is divided by N at the same power), the AWG sample
rates actually programmed (integer samples per symbol) and the seed-laser
powers of the operating point, at the three boundaries of
:func:`labctl.energy.boundary_points` (bench, system, centre).
"""
from __future__ import annotations

from labctl.energy import EnergyReport, boundary_energy


def boundary_reports(engine) -> dict[str, EnergyReport]:
    """{boundary: report} of ``engine`` (an :class:`labctl.mvm.engine.OpticalEngine`)."""
    return boundary_energy(engine.bench, engine.frame, engine.averages,
                           sum(engine.laser_powers().values()))


def energy_report(engine) -> EnergyReport:
    """The ``bench`` boundary report of ``engine`` (the lab bench as run)."""
    return boundary_reports(engine)["bench"]
