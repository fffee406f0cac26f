"""Keysight Infiniium UXR real-time oscilloscope: 10-bit ADC, 4 channels.

Commands: Keysight Infiniium Oscilloscopes Programmer's Guide (UXR series):
``:ACQuire:SRATe:ANALog``, ``:ACQuire:POINts:ANALog``, ``:CHANnel<n>:RANGe``,
``:CHANnel<n>:OFFSet``, ``:CHANnel<n>:DISPlay``, ``:DIGitize``,
``:WAVeform:SOURce/FORMat/BYTeorder/STReaming``, ``:WAVeform:PREamble?``,
``:WAVeform:DATA?``.  Data are transferred as WORD (int16, LSB first):
volts = yincrement * value + yorigin (preamble fields 8 and 9); the ADC code
is value + 2**(bits-1).  Role adapter: :class:`UXRScope` (labctl.roles.Oscilloscope).
"""
from __future__ import annotations

import numpy as np
from pymeasure.instruments import Channel, Instrument
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from drivers.scope_common import ScopeRole
from drivers.scpi_instrument import LabInstrument
from labctl.role_settings import MODELS
from labctl.roles import InstrumentReplyError, Trace

#: Ranges, resolution and wire formats (labctl.role_settings; UXR data sheet).
SETTINGS = MODELS["keysight_uxr"]
BITS = SETTINGS.bits


class UXRChannel(Channel):
    """One input channel of the UXR."""

    full_scale = Channel.control(
        ":CHANnel{ch}:RANGe?", ":CHANnel{ch}:RANGe " + SETTINGS["range"].scpi,
        "Control the vertical full-scale range (V, %g to %g)." % tuple(SETTINGS["range"].span),
        validator=strict_range, values=SETTINGS["range"].span, check_set_errors=True)

    offset = Channel.control(
        ":CHANnel{ch}:OFFSet?", ":CHANnel{ch}:OFFSet " + SETTINGS["offset"].scpi,
        "Control the vertical offset, the voltage at mid-scale (V, %g to %g)."
        % tuple(SETTINGS["offset"].span),
        validator=strict_range, values=SETTINGS["offset"].span, check_set_errors=True)

    enabled = Channel.control(
        ":CHANnel{ch}:DISPlay?", ":CHANnel{ch}:DISPlay %d",
        """Control whether the channel is on (bool).""",
        validator=strict_discrete_set, values={True: 1, False: 0}, map_values=True,
        check_set_errors=True)

    def download(self) -> Trace:
        """Get the last acquisition of this channel as ADC codes with their scaling."""
        self.write(f":WAVeform:SOURce CHANnel{self.id};:WAVeform:FORMat WORD;"
                   ":WAVeform:BYTeorder LSBFirst;:WAVeform:STReaming OFF")
        self.check_set_errors()
        preamble = self.values(":WAVeform:PREamble?", cast=str)
        if len(preamble) < 10 or preamble[0].strip() != "2":
            raise InstrumentReplyError(f"{self.parent.name}: unexpected preamble {preamble[:10]}")
        x_increment, y_increment, y_origin = (float(preamble[i]) for i in (4, 7, 8))
        values = np.frombuffer(self.parent.query_block(":WAVeform:DATA?"), dtype="<i2")
        mid = 2 ** (BITS - 1)
        codes = (values.astype(np.int32) + mid).astype(np.uint16)
        return Trace(self.id, codes, BITS, y_increment, y_origin - mid * y_increment, x_increment)


class KeysightUXR(LabInstrument):
    """Keysight Infiniium UXR oscilloscope (pymeasure driver)."""

    channels = Instrument.MultiChannelCreator(UXRChannel, SETTINGS.channels, prefix="ch_")

    def __init__(self, adapter, name: str = "Keysight UXR", **kwargs):
        super().__init__(adapter, name, **kwargs)

    sample_rate = Instrument.control(
        ":ACQuire:SRATe:ANALog?", ":ACQuire:SRATe:ANALog " + SETTINGS["sample_rate"].scpi,
        "Control the analog sample rate (Sa/s, %g to %g)." % tuple(SETTINGS["sample_rate"].span),
        validator=strict_range, values=SETTINGS["sample_rate"].span, check_set_errors=True)

    points = Instrument.control(
        ":ACQuire:POINts:ANALog?", ":ACQuire:POINts:ANALog " + SETTINGS["points"].scpi,
        "Control the memory depth (points per channel, %d to %d)." % tuple(SETTINGS["points"].span),
        validator=strict_range, values=SETTINGS["points"].span, cast=int, check_set_errors=True)

    def set_averages(self, count: int) -> None:
        """Averaging acquisition of ``count`` records (``:ACQuire:COUNt``,
        ``:ACQuire:AVERage ON``); ``count`` = 1 returns to normal acquisition."""
        if count > 1:
            self.write(f":ACQuire:COUNt {int(count)};:ACQuire:AVERage ON")
        else:
            self.write(":ACQuire:AVERage OFF")
        self.check_set_errors()

    def single(self) -> None:
        """Take one acquisition of all channels (:DIGitize; complete before the next command)."""
        self.write(":DIGitize")
        self.check_set_errors()


class UXRScope(ScopeRole):
    """The UXR in the Oscilloscope role."""
    settings = SETTINGS
    channels = SETTINGS.channels
    bits = BITS


def open_role(resource, name: str, limits=None, **options) -> UXRScope:
    """Connect to a UXR at ``resource`` and return it in the Oscilloscope role."""
    return UXRScope(KeysightUXR(resource, name, **options), name, limits)
