"""Keysight M8196A 92 GSa/s arbitrary waveform generator: 8 bit, 4 channels.

Commands: Keysight M8196A User's Guide, SCPI command reference (the data format
of ``:TRACe`` is that of the M8195A guide, rev. 2, section 6.21: signed 8-bit
samples -128..127).  One waveform segment (id 1) per channel, 128..524288
samples in steps of 128.  Role adapter: :class:`M8196AAWG` (labctl.roles.AWG).

Example::

    awg = KeysightM8196A("TCPIP0::127.0.0.1::5025::SOCKET")
    awg.sample_rate = 92e9
    awg.ch_1.upload(codes)          # uint codes 0..255
    awg.ch_1.output_enabled = True
    awg.run()
"""
from __future__ import annotations

import numpy as np
from pymeasure.instruments import Channel, Instrument
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from drivers.awg_common import AWGRole, check_codes
from drivers.scpi_instrument import LabInstrument
from labctl.role_settings import MODELS

#: Ranges, resolution and wire formats (labctl.role_settings; M8196A data sheet).
SETTINGS = MODELS["keysight_m8196a"]
BITS = SETTINGS.bits
GRANULARITY = 128
MAX_SAMPLES = 512 * 1024


class M8196AChannel(Channel):
    """One output channel of the M8196A."""

    amplitude = Channel.control(
        ":VOLTage{ch}:AMPLitude?", ":VOLTage{ch}:AMPLitude " + SETTINGS["vpp"].scpi,
        "Control the single-ended output amplitude (V peak-to-peak, %g to %g)."
        % tuple(SETTINGS["vpp"].span),
        validator=strict_range, values=SETTINGS["vpp"].span, check_set_errors=True)

    offset = Channel.control(
        ":VOLTage{ch}:OFFSet?", ":VOLTage{ch}:OFFSet " + SETTINGS["offset"].scpi,
        "Control the output offset (V, %g to %g)." % tuple(SETTINGS["offset"].span),
        validator=strict_range, values=SETTINGS["offset"].span, check_set_errors=True)

    output_enabled = Channel.control(
        ":OUTPut{ch}?", ":OUTPut{ch} %d",
        """Control whether the channel output is on (bool).""",
        validator=strict_discrete_set, values={True: 1, False: 0}, map_values=True,
        check_set_errors=True)

    def upload(self, codes) -> None:
        """Set the channel's waveform to DAC codes 0..255 (sent as signed bytes -128..127)."""
        codes = check_codes(codes, BITS, GRANULARITY, MAX_SAMPLES, GRANULARITY)
        self.write(f":TRACe{self.id}:DEFine 1,{codes.size}")
        self.check_set_errors()
        data = (codes.astype(np.int16) - 128).astype(np.int8).tobytes()
        self.parent.write_block(f":TRACe{self.id}:DATA 1,0,", data)

    def download(self) -> np.ndarray:
        """Get the channel's waveform back as DAC codes (uint16 0..255)."""
        length = int(self.values(f":TRACe{self.id}:CATalog?")[1])
        data = self.parent.query_block(f":TRACe{self.id}:DATA? 1,0,{length}")
        return (np.frombuffer(data, dtype=np.int8).astype(np.int16) + 128).astype(np.uint16)


class KeysightM8196A(LabInstrument):
    """Keysight M8196A arbitrary waveform generator (pymeasure driver)."""

    channels = Instrument.MultiChannelCreator(M8196AChannel, SETTINGS.channels, prefix="ch_")

    def __init__(self, adapter, name: str = "Keysight M8196A", **kwargs):
        super().__init__(adapter, name, **kwargs)

    sample_rate = Instrument.control(
        ":FREQuency:RASTer?", ":FREQuency:RASTer " + SETTINGS["sample_rate"].scpi,
        "Control the sample rate (Sa/s, %g to %g)." % tuple(SETTINGS["sample_rate"].span),
        validator=strict_range, values=SETTINGS["sample_rate"].span, check_set_errors=True)

    def run(self) -> None:
        """Start signal generation on all channels."""
        self.write(":INITiate:IMMediate")
        self.check_set_errors()

    def stop(self) -> None:
        """Stop signal generation."""
        self.write(":ABORt")
        self.check_set_errors()

    def trigger(self) -> None:
        """Send a trigger event (begin)."""
        self.write(":TRIGger:BEGin")
        self.check_set_errors()


class M8196AAWG(AWGRole):
    """The M8196A in the AWG role."""
    settings = SETTINGS
    channels = SETTINGS.channels
    bits = BITS


def open_role(resource, name: str, limits=None, **options) -> M8196AAWG:
    """Connect to an M8196A at ``resource`` and return it in the AWG role."""
    return M8196AAWG(KeysightM8196A(resource, name, **options), name, limits)
