"""Tektronix AWG70002B arbitrary waveform generator: 10-bit DAC, 2 channels.

Commands: Tektronix AWG70000A/B Series Programmer Manual.  Waveforms live in
the waveform list as IEEE float32 samples -1.0..1.0 (``WLISt:WAVeform:DATA``);
the DAC resolution (``SOURce<n>:DAC:RESolution``, 8 or 10 bit) quantises them.
Codes c (0..2**bits-1) are sent as f = (2c - (2**bits - 1)) / (2**bits - 1),
which the DAC maps back to c exactly.  The direct output has no offset control.
Role adapter: :class:`AWG70002BAWG` (labctl.roles.AWG).
"""
from __future__ import annotations

import numpy as np
from pymeasure.instruments import Channel, Instrument
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from drivers.awg_common import AWGRole, check_codes, codes_to_unit_float, unit_float_to_codes
from drivers.scpi_instrument import LabInstrument
from labctl.role_settings import MODELS

#: Ranges, resolution and wire formats (labctl.role_settings; AWG70002B data sheet).
SETTINGS = MODELS["tektronix_awg70002b"]
MAX_SAMPLES = 2_000_000_000
BITS = SETTINGS.bits


class AWG70002BChannel(Channel):
    """One output channel of the AWG70002B."""

    amplitude = Channel.control(
        "SOURce{ch}:VOLTage:AMPLitude?", "SOURce{ch}:VOLTage:AMPLitude " + SETTINGS["vpp"].scpi,
        "Control the output amplitude (V peak-to-peak, %g to %g)." % tuple(SETTINGS["vpp"].span),
        validator=strict_range, values=SETTINGS["vpp"].span, check_set_errors=True)

    resolution = Channel.control(
        "SOURce{ch}:DAC:RESolution?", "SOURce{ch}:DAC:RESolution %d",
        """Control the DAC resolution (bits, 8 or 10).""",
        validator=strict_discrete_set, values=[8, 10], cast=int, check_set_errors=True)

    output_enabled = Channel.control(
        "OUTPut{ch}:STATe?", "OUTPut{ch}:STATe %d",
        """Control whether the channel output is on (bool).""",
        validator=strict_discrete_set, values={True: 1, False: 0}, map_values=True,
        check_set_errors=True)

    @property
    def waveform_name(self) -> str:
        """Get the name of the waveform assigned to this channel."""
        return self.ask(f"SOURce{self.id}:CASSet:WAVeform?").strip().strip('"')

    def upload(self, codes, bits: int = BITS) -> None:
        """Set the channel's waveform to DAC codes 0..2**bits-1 (waveform list entry "labctl_ch<n>")."""
        codes = check_codes(codes, bits, 1, MAX_SAMPLES)
        name = f"labctl_ch{self.id}"
        self.write(f'WLISt:WAVeform:NEW "{name}",{codes.size}')
        self.check_set_errors()
        self.parent.write_block(f'WLISt:WAVeform:DATA "{name}",0,{codes.size},',
                                codes_to_unit_float(codes, bits).tobytes())
        self.write(f'SOURce{self.id}:CASSet:WAVeform "{name}"')
        self.check_set_errors()

    def download(self, bits: int = BITS) -> np.ndarray:
        """Get the assigned waveform back as DAC codes (uint16)."""
        name = self.waveform_name
        length = int(self.values(f'WLISt:WAVeform:LENGth? "{name}"')[0])
        data = self.parent.query_block(f'WLISt:WAVeform:DATA? "{name}",0,{length}')
        return unit_float_to_codes(np.frombuffer(data, dtype="<f4"), bits)


class TektronixAWG70002B(LabInstrument):
    """Tektronix AWG70002B arbitrary waveform generator (pymeasure driver)."""

    channels = Instrument.MultiChannelCreator(AWG70002BChannel, SETTINGS.channels, prefix="ch_")

    def __init__(self, adapter, name: str = "Tektronix AWG70002B", **kwargs):
        super().__init__(adapter, name, **kwargs)

    sample_rate = Instrument.control(
        "CLOCk:SRATe?", "CLOCk:SRATe " + SETTINGS["sample_rate"].scpi,
        "Control the sample rate (Sa/s, %g to %g with option 225)."
        % tuple(SETTINGS["sample_rate"].span),
        validator=strict_range, values=SETTINGS["sample_rate"].span, check_set_errors=True)

    run_state = Instrument.measurement(
        "AWGControl:RSTate?",
        """Get the run state (0 stopped, 1 waiting for trigger, 2 running).""",
        cast=int)

    def run(self) -> None:
        """Start signal generation."""
        self.write("AWGControl:RUN:IMMediate")
        self.check_set_errors()

    def stop(self) -> None:
        """Stop signal generation."""
        self.write("AWGControl:STOP:IMMediate")
        self.check_set_errors()

    def trigger(self) -> None:
        """Force a trigger event on the A trigger."""
        self.write("TRIGger:IMMediate ATRigger")
        self.check_set_errors()


class AWG70002BAWG(AWGRole):
    """The AWG70002B in the AWG role (10-bit resolution set at connection)."""
    settings = SETTINGS
    channels = SETTINGS.channels
    bits = BITS

    def __init__(self, instrument: TektronixAWG70002B, name: str, limits=None):
        super().__init__(instrument, name, limits)
        for ch in self.channels:
            self._ch(ch).resolution = self.bits

    def set_offset(self, channel: int, offset: float) -> None:
        if offset != 0.0:
            raise ValueError(f"{self.name}: the AWG70002B direct output has no offset (0 V only)")
        self._ch(channel)


def open_role(resource, name: str, limits=None, **options) -> AWG70002BAWG:
    """Connect to an AWG70002B at ``resource`` and return it in the AWG role."""
    return AWG70002BAWG(TektronixAWG70002B(resource, name, **options), name, limits)
