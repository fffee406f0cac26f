"""Santec TSL-570 tunable laser: pymeasure's ``TSL570`` driver with strict I/O and ranges.

Reuses :class:`pymeasure.instruments.santec.TSL570` (command tree of the
TSL-570 instruction manual); this module adds the strict error handling of
:class:`drivers.scpi_instrument.LabInstrument`, validated set points in SI
units and the Laser role adapter :class:`TSL570Laser`.  At connection the
laser is put in the SCPI command set (wavelength in m) and power unit mW.
"""
from __future__ import annotations

from pymeasure.instruments import Instrument
from pymeasure.instruments.santec import TSL570
from pymeasure.instruments.validators import strict_range

from drivers.role_adapter import LaserRole, checked
from drivers.scpi_instrument import LabInstrument
from labctl.role_settings import MODELS

#: Ranges and wire formats of the TSL-570 (data sheet: 1480-1640 nm; -15..+13 dBm output).
SETTINGS = MODELS["santec_tsl570"]
WAVELENGTH_RANGE = SETTINGS["wavelength"].span
POWER_RANGE_MW = [SETTINGS["power"].low * 1e3, SETTINGS["power"].high * 1e3]


class SantecTSL570(LabInstrument, TSL570):
    """Santec TSL-570 (pymeasure TSL570 + strict I/O)."""

    def __init__(self, adapter, name: str = "Santec TSL-570", **kwargs):
        super().__init__(adapter, name, **kwargs)

    wavelength_setpoint = Instrument.control(
        ":WAVelength?", ":WAVelength " + SETTINGS["wavelength"].scpi,
        f"""Control the output wavelength (m, SCPI command set; {WAVELENGTH_RANGE[0]:g} to
        {WAVELENGTH_RANGE[1]:g}).""",
        validator=strict_range, values=WAVELENGTH_RANGE, check_set_errors=True)

    power_setpoint = Instrument.control(
        ":POWer?", ":POWer " + SETTINGS["power"].scpi,
        f"""Control the output power set point (mW with power_unit 'mW'; {POWER_RANGE_MW[0]:.4g}
        to {POWER_RANGE_MW[1]:.4g}).""",
        validator=strict_range, values=POWER_RANGE_MW, check_set_errors=True)


class TSL570Laser(LaserRole):
    """The TSL-570 in the Laser role; ``limits.max_laser_power`` (W) bounds the power."""
    settings = SETTINGS

    def __init__(self, instrument: SantecTSL570, name: str, limits=None):
        super().__init__(instrument, name, limits)
        instrument.command_set = "SCPI"
        instrument.power_unit = "mW"

    def set_wavelength(self, wavelength: float) -> None:
        self.instrument.wavelength_setpoint = checked(self, "wavelength", wavelength)

    def wavelength(self) -> float:
        return self.instrument.wavelength_setpoint

    def set_power(self, power: float) -> None:
        power = checked(self, "power", power, "optical power")
        self.instrument.power_setpoint = SETTINGS["power"].to_wire(power)       # mW

    def power(self) -> float:
        return self.instrument.power_setpoint * 1e-3



def open_role(resource, name: str, limits=None, **options) -> TSL570Laser:
    """Connect to a TSL-570 at ``resource`` and return it in the Laser role."""
    return TSL570Laser(SantecTSL570(resource, name, **options), name, limits)
