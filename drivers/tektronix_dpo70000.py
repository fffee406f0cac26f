"""Tektronix DPO70000SX real-time oscilloscope: 8-bit ADC, 4 channels.

Commands: Tektronix MSO/DPO70000 Series Programmer Manual: ``HORizontal:MODE``,
``HORizontal:MODE:SAMPLERate``, ``HORizontal:MODE:RECOrdlength``, ``CH<n>:SCAle``
(V/div, 10 divisions full scale), ``CH<n>:OFFSet``, ``SELect:CH<n>``,
``ACQuire:STOPAfter SEQuence`` + ``ACQuire:STATE RUN``, ``DATa:SOUrce``,
``DATa:ENCdg RIBinary``, ``WFMOutpre:BYT_Nr 1``, ``WFMOutpre:YMUlt?/YOFf?/YZEro?/XINcr?``,
``CURVe?``.  volts = (value - YOFf) * YMUlt + YZEro; ADC code = value + 128.
Errors are read the manual's way ("Status and Events"): ``*ESR?``, then ``EVMsg?``
until event 0 (queue empty) or 1 (new events pending ``*ESR?``); the
instrument has no ``:SYSTem:ERRor?``.  ``HEADer OFF`` at connection makes
replies bare values.
Role adapter: :class:`DPO70000Scope` (labctl.roles.Oscilloscope).
"""
from __future__ import annotations

import numpy as np
from pymeasure.instruments import Channel, Instrument
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from drivers.scope_common import ScopeRole
from drivers.scpi_instrument import LabInstrument
from labctl.role_settings import MODELS
from labctl.roles import Trace

#: Ranges, resolution and wire formats (labctl.role_settings; DPO70000SX data sheet).
SETTINGS = MODELS["tektronix_dpo70000"]
BITS = SETTINGS.bits
DIVISIONS = SETTINGS["range"].wire_scale   # 10 divisions: the range goes on the wire as V/div
#: Vertical scale (V/div): the declared full-scale range over 10 divisions (its wire unit).
SCALE_RANGE = [SETTINGS["range"].to_wire(v) for v in SETTINGS["range"].span]


class DPO70000Channel(Channel):
    """One input channel of the DPO70000."""

    scale = Channel.control(
        "CH{ch}:SCAle?", "CH{ch}:SCAle " + SETTINGS["range"].scpi,
        "Control the vertical scale (V/div, %g to %g; full scale is 10 divisions)."
        % tuple(SCALE_RANGE),
        validator=strict_range, values=SCALE_RANGE, check_set_errors=True)

    offset = Channel.control(
        "CH{ch}:OFFSet?", "CH{ch}:OFFSet " + SETTINGS["offset"].scpi,
        "Control the vertical offset, the voltage at mid-scale (V, %g to %g)."
        % tuple(SETTINGS["offset"].span),
        validator=strict_range, values=SETTINGS["offset"].span, check_set_errors=True)

    enabled = Channel.control(
        "SELect:CH{ch}?", "SELect:CH{ch} %d",
        """Control whether the channel is on (bool).""",
        validator=strict_discrete_set, values={True: 1, False: 0}, map_values=True,
        check_set_errors=True)

    @property
    def full_scale(self) -> float:
        """Control the vertical full-scale range (V) = 10 x scale."""
        return DIVISIONS * self.scale

    @full_scale.setter
    def full_scale(self, volts: float) -> None:
        self.scale = SETTINGS["range"].to_wire(volts)

    def download(self) -> Trace:
        """Get the last acquisition of this channel as ADC codes with their scaling."""
        self.write(f"DATa:SOUrce CH{self.id};:DATa:ENCdg RIBinary;:DATa:STARt 1;"
                   f":DATa:STOP {1 << 30};:WFMOutpre:BYT_Nr 1")
        self.check_set_errors()
        y_mult, y_off, y_zero, x_incr = self.values(
            "WFMOutpre:YMUlt?;:WFMOutpre:YOFf?;:WFMOutpre:YZEro?;:WFMOutpre:XINcr?", separator=";")
        values = np.frombuffer(self.parent.query_block("CURVe?"), dtype=np.int8)
        codes = (values.astype(np.int16) + 128).astype(np.uint16)
        return Trace(self.id, codes, BITS, y_mult, y_zero - (128 + y_off) * y_mult, x_incr)


class TektronixDPO70000(LabInstrument):
    """Tektronix DPO70000SX oscilloscope (pymeasure driver)."""

    channels = Instrument.MultiChannelCreator(DPO70000Channel, SETTINGS.channels, prefix="ch_")

    error_query = "EVMsg?"
    no_error_codes = (0, 1)     # 0: queue empty; 1: new events pending *ESR?

    def __init__(self, adapter, name: str = "Tektronix DPO70000", **kwargs):
        super().__init__(adapter, name, **kwargs)
        self.write("HEADer OFF")     # replies without command headers

    def prepare_error_read(self) -> None:
        """``*ESR?`` summarises the queued events and makes ``EVMsg?`` return them."""
        self.ask("*ESR?")

    horizontal_mode = Instrument.control(
        "HORizontal:MODE?", "HORizontal:MODE %s",
        """Control the horizontal mode (AUTO, CONSTANT or MANUAL; MANUAL sets rate and length).""",
        validator=strict_discrete_set, values=["AUTO", "CONSTANT", "MANUAL"], cast=str,
        check_set_errors=True)

    sample_rate = Instrument.control(
        "HORizontal:MODE:SAMPLERate?", "HORizontal:MODE:SAMPLERate " + SETTINGS["sample_rate"].scpi,
        "Control the sample rate (Sa/s, %g to %g)." % tuple(SETTINGS["sample_rate"].span),
        validator=strict_range, values=SETTINGS["sample_rate"].span, check_set_errors=True)

    points = Instrument.control(
        "HORizontal:MODE:RECOrdlength?", "HORizontal:MODE:RECOrdlength " + SETTINGS["points"].scpi,
        "Control the record length (points per channel, %d to %d)." % tuple(SETTINGS["points"].span),
        validator=strict_range, values=SETTINGS["points"].span, cast=int, check_set_errors=True)

    def set_averages(self, count: int) -> None:
        """Averaging acquisition of ``count`` records (``ACQuire:NUMAVg``,
        ``ACQuire:MODe AVErage``); ``count`` = 1 returns to sample mode."""
        if count > 1:
            self.write(f"ACQuire:NUMAVg {int(count)};:ACQuire:MODe AVErage")
        else:
            self.write("ACQuire:MODe SAMple")
        self.check_set_errors()

    def single(self) -> None:
        """Take one single-sequence acquisition (ACQuire:STOPAfter SEQuence; ACQuire:STATE RUN)."""
        self.write("ACQuire:STOPAfter SEQuence;:ACQuire:STATE RUN")
        self.check_set_errors()


class DPO70000Scope(ScopeRole):
    """The DPO70000 in the Oscilloscope role (horizontal mode MANUAL set at connection)."""
    settings = SETTINGS
    channels = SETTINGS.channels
    bits = BITS

    def __init__(self, instrument: TektronixDPO70000, name: str, limits=None):
        super().__init__(instrument, name, limits)
        instrument.horizontal_mode = "MANUAL"


def open_role(resource, name: str, limits=None, **options) -> DPO70000Scope:
    """Connect to a DPO70000 at ``resource`` and return it in the Oscilloscope role."""
    return DPO70000Scope(TektronixDPO70000(resource, name, **options), name, limits)
