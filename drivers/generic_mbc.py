"""Generic 4-channel MZM bias controller (generic SCPI set, documented in docs/readme/drivers.md).

Commands: ``:BIAS<n>:MODE QUADrature|PEAK|NULL|MANual``, ``:BIAS<n>:VOLTage <V>``,
``:BIAS<n>:LOCK?``, ``:OUTPut<n>[:STATe]``.  Role adapter: :class:`MBCBias`
(labctl.roles.BiasController); ``limits.max_modulator_voltage`` bounds |bias|.
"""
from __future__ import annotations

from pymeasure.instruments import Channel, Instrument
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from drivers.role_adapter import checked
from drivers.scpi_instrument import LabInstrument
from labctl.role_settings import MODELS
from labctl.roles import BiasController

#: Ranges and wire formats (labctl.role_settings).
SETTINGS = MODELS["generic_mbc"]
#: Lock point -> its SCPI mnemonic (the declared choices).
MODES = dict(zip(SETTINGS["mode"].choices, ("QUAD", "PEAK", "NULL", "MAN")))


class MBCChannel(Channel):
    """One bias channel."""

    mode = Channel.control(
        ":BIAS{ch}:MODE?", ":BIAS{ch}:MODE %s",
        """Control the lock point ('quadrature', 'peak', 'null' or 'manual').""",
        validator=strict_discrete_set, values=MODES, map_values=True, cast=str,
        check_set_errors=True)

    voltage = Channel.control(
        ":BIAS{ch}:VOLTage?", ":BIAS{ch}:VOLTage " + SETTINGS["voltage"].scpi,
        "Control the bias voltage (V, %g to %g; set point in manual mode, applied bias on read)."
        % tuple(SETTINGS["voltage"].span),
        validator=strict_range, values=SETTINGS["voltage"].span, check_set_errors=True)

    locked = Channel.measurement(
        ":BIAS{ch}:LOCK?", """Get whether the bias loop is locked (bool).""", cast=bool)


class GenericMBC(LabInstrument):
    """Generic 4-channel MZM bias controller (pymeasure driver)."""

    channels = Instrument.MultiChannelCreator(MBCChannel, SETTINGS.channels, prefix="ch_")

    def __init__(self, adapter, name: str = "Generic MBC", **kwargs):
        super().__init__(adapter, name, **kwargs)


class MBCBias(BiasController):
    """The generic MBC in the BiasController role."""
    settings = SETTINGS
    channels = SETTINGS.channels

    def __init__(self, instrument: GenericMBC, name: str, limits=None):
        super().__init__(name, limits)
        self.instrument = instrument

    def _ch(self, channel: int) -> MBCChannel:
        if channel not in self.channels:
            raise ValueError(f"{self.name}: channel {channel} not in {self.channels}")
        return self.instrument.channels[channel]

    def identity(self) -> str:
        return self.instrument.identity

    def set_mode(self, channel: int, mode: str) -> None:
        self._ch(channel).mode = checked(self, "mode", mode)

    def mode(self, channel: int) -> str:
        return self._ch(channel).mode

    def set_voltage(self, channel: int, voltage: float) -> None:
        voltage = checked(self, "voltage", voltage, "bias voltage")
        self._ch(channel).voltage = voltage

    def voltage(self, channel: int) -> float:
        return self._ch(channel).voltage

    def snapshot(self) -> dict:
        snap = {}
        for ch in self.channels:
            snap[f"ch{ch}_mode"] = (self.mode(ch), "")
            snap[f"ch{ch}_voltage"] = (self.voltage(ch), "V")
        return snap

    def close(self) -> None:
        self.instrument.adapter.close()


def open_role(resource, name: str, limits=None, **options) -> MBCBias:
    """Connect to a generic MBC at ``resource`` and return it in the BiasController role."""
    return MBCBias(GenericMBC(resource, name, **options), name, limits)
