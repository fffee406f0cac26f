"""Generic 64-channel heater current source (generic SCPI set, documented in docs/readme/drivers.md).

Commands: ``:SOURce<n>:FUNCtion CURRent|VOLTage``, ``:SOURce<n>:CURRent <A>``,
``:SOURce<n>:VOLTage <V>``, ``:MEASure<n>:CURRent?``, ``:MEASure<n>:VOLTage?``,
``:OUTPut[:STATe]``.  Role adapter: :class:`HeaterBank` (labctl.roles.HeaterArray);
``limits.max_heater_current`` (A) and ``limits.max_heater_voltage`` (V) bound the set points.
"""
from __future__ import annotations

from pymeasure.instruments import Channel, Instrument
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from drivers.role_adapter import checked
from drivers.scpi_instrument import LabInstrument
from labctl.role_settings import MODELS
from labctl.roles import HeaterArray

#: Ranges, channels and wire formats (labctl.role_settings).
SETTINGS = MODELS["generic_heaters"]
N_CHANNELS = len(SETTINGS.channels)


class HeaterChannel(Channel):
    """One heater channel."""

    function = Channel.control(
        ":SOURce{ch}:FUNCtion?", ":SOURce{ch}:FUNCtion %s",
        """Control the source function ('current' or 'voltage').""",
        validator=strict_discrete_set, values={"current": "CURR", "voltage": "VOLT"},
        map_values=True, cast=str, check_set_errors=True)

    current_setpoint = Channel.control(
        ":SOURce{ch}:CURRent?", ":SOURce{ch}:CURRent " + SETTINGS["current"].scpi,
        "Control the current set point (A, %g to %g)." % tuple(SETTINGS["current"].span),
        validator=strict_range, values=SETTINGS["current"].span, check_set_errors=True)

    voltage_setpoint = Channel.control(
        ":SOURce{ch}:VOLTage?", ":SOURce{ch}:VOLTage " + SETTINGS["voltage"].scpi,
        "Control the voltage set point (V, %g to %g)." % tuple(SETTINGS["voltage"].span),
        validator=strict_range, values=SETTINGS["voltage"].span, check_set_errors=True)

    current = Channel.measurement(":MEASure{ch}:CURRent?", """Measure the heater current (A).""")

    voltage = Channel.measurement(":MEASure{ch}:VOLTage?", """Measure the heater voltage (V).""")


class GenericHeaters(LabInstrument):
    """Generic 64-channel heater driver (pymeasure driver)."""

    channels = Instrument.MultiChannelCreator(HeaterChannel, SETTINGS.channels, prefix="ch_")

    def __init__(self, adapter, name: str = "Generic heaters", **kwargs):
        super().__init__(adapter, name, **kwargs)

    output_enabled = Instrument.control(
        ":OUTPut:STATe?", ":OUTPut:STATe %d",
        """Control whether the outputs are on (bool).""",
        validator=strict_discrete_set, values={True: 1, False: 0}, map_values=True,
        check_set_errors=True)


class HeaterBank(HeaterArray):
    """The generic heater driver in the HeaterArray role."""
    settings = SETTINGS
    channels = SETTINGS.channels

    def __init__(self, instrument: GenericHeaters, name: str, limits=None):
        super().__init__(name, limits)
        self.instrument = instrument

    def _ch(self, channel: int) -> HeaterChannel:
        if channel not in self.channels:
            raise ValueError(f"{self.name}: channel {channel} not in 1..{N_CHANNELS}")
        return self.instrument.channels[channel]

    def identity(self) -> str:
        return self.instrument.identity

    def set_current(self, channel: int, current: float) -> None:
        current = checked(self, "current", current, f"heater {channel} current")
        heater = self._ch(channel)
        heater.function = "current"
        heater.current_setpoint = current

    def set_voltage(self, channel: int, voltage: float) -> None:
        voltage = checked(self, "voltage", voltage, f"heater {channel} voltage")
        heater = self._ch(channel)
        heater.function = "voltage"
        heater.voltage_setpoint = voltage

    def current(self, channel: int) -> float:
        return self._ch(channel).current

    def voltage(self, channel: int) -> float:
        return self._ch(channel).voltage

    def snapshot(self) -> dict:
        return {f"ch{ch}_current": (self.current(ch), "A") for ch in self.channels}

    def close(self) -> None:
        self.instrument.adapter.close()


def open_role(resource, name: str, limits=None, **options) -> HeaterBank:
    """Connect to the heater driver at ``resource`` and return it in the HeaterArray role."""
    return HeaterBank(GenericHeaters(resource, name, **options), name, limits)
