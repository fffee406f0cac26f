"""Keysight N7744C 4-port optical power meter.

Commands: Keysight N7744C/N7745C/N7747C/N7748C programming guide:
``:SENSe<n>:POWer:WAVelength``, ``:SENSe<n>:POWer:UNIT`` (1 = W),
``:SENSe<n>:POWer:ATIMe``, ``:READ<n>:POWer?``.  No pymeasure driver exists for
it.  Role adapter: :class:`N7744CPowerMeter` (labctl.roles.PowerMeter).
"""
from __future__ import annotations

from pymeasure.instruments import Channel, Instrument
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from drivers.role_adapter import checked
from drivers.scpi_instrument import LabInstrument
from labctl.role_settings import MODELS
from labctl.roles import PowerMeter

#: Ranges, ports and wire formats (labctl.role_settings; N7744C data sheet).
SETTINGS = MODELS["keysight_n7744c"]


class N7744CPort(Channel):
    """One detector port of the N7744C."""

    wavelength = Channel.control(
        ":SENSe{ch}:POWer:WAVelength?", ":SENSe{ch}:POWer:WAVelength " + SETTINGS["wavelength"].scpi,
        "Control the calibration wavelength (m, %g to %g)." % tuple(SETTINGS["wavelength"].span),
        validator=strict_range, values=SETTINGS["wavelength"].span, check_set_errors=True)

    unit = Channel.control(
        ":SENSe{ch}:POWer:UNIT?", ":SENSe{ch}:POWer:UNIT %d",
        """Control the power unit of readings ('dBm' or 'W').""",
        validator=strict_discrete_set, values={"dBm": 0, "W": 1}, map_values=True,
        check_set_errors=True)

    averaging_time = Channel.control(
        ":SENSe{ch}:POWer:ATIMe?", ":SENSe{ch}:POWer:ATIMe %g",
        """Control the averaging time (s, 1e-6 to 10).""",
        validator=strict_range, values=[1e-6, 10.0], check_set_errors=True)

    power = Channel.measurement(
        ":READ{ch}:POWer?",
        """Measure the optical power (W when unit is 'W').""")


class KeysightN7744C(LabInstrument):
    """Keysight N7744C optical power meter (pymeasure driver)."""

    ports = Instrument.MultiChannelCreator(N7744CPort, SETTINGS.channels, prefix="port_")

    def __init__(self, adapter, name: str = "Keysight N7744C", **kwargs):
        super().__init__(adapter, name, **kwargs)


class N7744CPowerMeter(PowerMeter):
    """The N7744C in the PowerMeter role (readings in W)."""
    settings = SETTINGS
    channels = SETTINGS.channels

    def __init__(self, instrument: KeysightN7744C, name: str, limits=None):
        super().__init__(name, limits)
        self.instrument = instrument
        for ch in self.channels:
            instrument.ports[ch].unit = "W"

    def _port(self, channel: int) -> N7744CPort:
        if channel not in self.channels:
            raise ValueError(f"{self.name}: channel {channel} not in {self.channels}")
        return self.instrument.ports[channel]

    def identity(self) -> str:
        return self.instrument.identity

    def set_wavelength(self, channel: int, wavelength: float) -> None:
        self._port(channel).wavelength = checked(self, "wavelength", wavelength)

    def power(self, channel: int) -> float:
        return self._port(channel).power

    def snapshot(self) -> dict:
        return {f"ch{ch}_wavelength": (self._port(ch).wavelength, "m") for ch in self.channels}

    def close(self) -> None:
        self.instrument.adapter.close()


def open_role(resource, name: str, limits=None, **options) -> N7744CPowerMeter:
    """Connect to an N7744C at ``resource`` and return it in the PowerMeter role."""
    return N7744CPowerMeter(KeysightN7744C(resource, name, **options), name, limits)
