"""Keysight N7776C tunable laser source: pymeasure's ``KeysightN7776C`` with strict I/O.

Reuses :class:`pymeasure.instruments.keysight.KeysightN7776C` (command tree of
the N7776C programming guide: ``SOUR0:WAV <nm>nm``, ``SOUR0:POW <mW> mW``,
``SOUR0:POW:STAT``); adds strict error handling, a power range check and the
Laser role adapter :class:`N7776CLaser` in SI units.
"""
from __future__ import annotations

import warnings

from pymeasure.instruments.keysight import KeysightN7776C as PymeasureN7776C

from drivers.role_adapter import LaserRole, checked
from drivers.scpi_instrument import LabInstrument
from labctl.role_settings import MODELS

#: N7776C data sheet: about +10 dBm maximum (high-power option +13 dBm); 1480-1620 nm.
SETTINGS = MODELS["keysight_n7776c"]
POWER_RANGE = tuple(SETTINGS["power"].span)


class KeysightN7776C(LabInstrument, PymeasureN7776C):
    """Keysight N7776C (pymeasure KeysightN7776C + strict I/O)."""

    def __init__(self, adapter, name: str = "Keysight N7776C", **kwargs):
        with warnings.catch_warnings():  # pymeasure flags its SCPI support as unknown; it is SCPI
            warnings.simplefilter("ignore", FutureWarning)
            super().__init__(adapter, name, **kwargs)


class N7776CLaser(LaserRole):
    """The N7776C in the Laser role; ``limits.max_laser_power`` (W) bounds the power."""
    settings = SETTINGS

    def set_wavelength(self, wavelength: float) -> None:
        wavelength = checked(self, "wavelength", wavelength)
        self.instrument.wavelength = SETTINGS["wavelength"].to_wire(wavelength)    # nm
        self.instrument.check_set_errors()

    def wavelength(self) -> float:
        return self.instrument.wavelength * 1e-9

    def set_power(self, power: float) -> None:
        power = checked(self, "power", power, "optical power")
        self.instrument.output_power_mW = SETTINGS["power"].to_wire(power)         # mW
        self.instrument.check_set_errors()

    def power(self) -> float:
        return self.instrument.output_power_mW * 1e-3


def open_role(resource, name: str, limits=None, **options) -> N7776CLaser:
    """Connect to an N7776C at ``resource`` and return it in the Laser role."""
    return N7776CLaser(KeysightN7776C(resource, name, **options), name, limits)
