"""Generic C-band EDFA (generic SCPI set, documented in docs/readme/drivers.md).

Commands: ``:AMPLifier:MODE GAIN|POWer``, ``:AMPLifier:GAIN <dB>``,
``:AMPLifier:POWer <W>``, ``:OUTPut[:STATe]``.  Role adapter: :class:`EDFAAmplifier`
(labctl.roles.OpticalAmplifier); ``limits.max_laser_power`` bounds the output
power set point (W).
"""
from __future__ import annotations

from pymeasure.instruments import Instrument
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from drivers.scpi_instrument import LabInstrument
from labctl.roles import OpticalAmplifier, check_limit


class GenericEDFA(LabInstrument):
    """Generic EDFA (pymeasure driver)."""

    def __init__(self, adapter, name: str = "Generic EDFA", **kwargs):
        super().__init__(adapter, name, **kwargs)

    mode = Instrument.control(
        ":AMPLifier:MODE?", ":AMPLifier:MODE %s",
        """Control the control mode ('gain': constant gain, 'power': constant output power).""",
        validator=strict_discrete_set, values={"gain": "GAIN", "power": "POW"}, map_values=True,
        cast=str, check_set_errors=True)

    gain = Instrument.control(
        ":AMPLifier:GAIN?", ":AMPLifier:GAIN %g",
        """Control the gain set point (dB, 0 to 30).""",
        validator=strict_range, values=[0.0, 30.0], check_set_errors=True)

    power = Instrument.control(
        ":AMPLifier:POWer?", ":AMPLifier:POWer %g",
        """Control the output power set point (W, 1e-4 to 0.2).""",
        validator=strict_range, values=[1e-4, 0.2], check_set_errors=True)

    output_enabled = Instrument.control(
        ":OUTPut:STATe?", ":OUTPut:STATe %d",
        """Control whether the pump (output) is on (bool).""",
        validator=strict_discrete_set, values={True: 1, False: 0}, map_values=True,
        check_set_errors=True)


class EDFAAmplifier(OpticalAmplifier):
    """The generic EDFA in the OpticalAmplifier role."""

    def __init__(self, instrument: GenericEDFA, name: str, limits=None):
        super().__init__(name, limits)
        self.instrument = instrument

    def identity(self) -> str:
        return self.instrument.identity

    def set_mode(self, mode: str) -> None:
        self.instrument.mode = mode

    def set_gain(self, gain_db: float) -> None:
        self.instrument.gain = gain_db

    def set_power(self, power: float) -> None:
        check_limit(self.name, "output power", power, self.limit("max_laser_power"), "W")
        self.instrument.power = power

    def set_output(self, enabled: bool) -> None:
        self.instrument.output_enabled = bool(enabled)

    def gain(self) -> float:
        return self.instrument.gain

    def power(self) -> float:
        return self.instrument.power

    def snapshot(self) -> dict:
        return {"mode": (self.instrument.mode, ""), "gain": (self.gain(), "dB"),
                "power": (self.power(), "W"), "output": (self.instrument.output_enabled, "")}

    def close(self) -> None:
        self.instrument.adapter.close()


def open_role(resource, name: str, limits=None, **options) -> EDFAAmplifier:
    """Connect to a generic EDFA at ``resource`` and return it in the OpticalAmplifier role."""
    return EDFAAmplifier(GenericEDFA(resource, name, **options), name, limits)
