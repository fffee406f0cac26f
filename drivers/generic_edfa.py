"""Generic C-band EDFA (generic SCPI set, documented in docs/readme/drivers.md).

Commands: ``:AMPLifier:MODE GAIN|POWer``, ``:AMPLifier:GAIN <dB>``,
``:AMPLifier:POWer <W>``, ``:OUTPut[:STATe]``.  Role adapter: :class:`EDFAAmplifier`
(labctl.roles.OpticalAmplifier); ``limits.max_laser_power`` bounds the output
power set point (W).
"""
from __future__ import annotations

from pymeasure.instruments import Instrument
from pymeasure.instruments.validators import strict_discrete_set, strict_range

from drivers.role_adapter import checked
from drivers.scpi_instrument import LabInstrument
from labctl.role_settings import MODELS
from labctl.roles import OpticalAmplifier

#: Ranges and wire formats (labctl.role_settings).
SETTINGS = MODELS["generic_edfa"]


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
        ":AMPLifier:GAIN?", ":AMPLifier:GAIN " + SETTINGS["gain"].scpi,
        "Control the gain set point (dB, %g to %g)." % tuple(SETTINGS["gain"].span),
        validator=strict_range, values=SETTINGS["gain"].span, check_set_errors=True)

    power = Instrument.control(
        ":AMPLifier:POWer?", ":AMPLifier:POWer " + SETTINGS["power"].scpi,
        "Control the output power set point (W, %g to %g)." % tuple(SETTINGS["power"].span),
        validator=strict_range, values=SETTINGS["power"].span, check_set_errors=True)

    output_enabled = Instrument.control(
        ":OUTPut:STATe?", ":OUTPut:STATe %d",
        """Control whether the pump (output) is on (bool).""",
        validator=strict_discrete_set, values={True: 1, False: 0}, map_values=True,
        check_set_errors=True)


class EDFAAmplifier(OpticalAmplifier):
    """The generic EDFA in the OpticalAmplifier role."""
    settings = SETTINGS

    def __init__(self, instrument: GenericEDFA, name: str, limits=None):
        super().__init__(name, limits)
        self.instrument = instrument

    def identity(self) -> str:
        return self.instrument.identity

    def set_mode(self, mode: str) -> None:
        self.instrument.mode = checked(self, "mode", mode)

    def set_gain(self, gain_db: float) -> None:
        self.instrument.gain = checked(self, "gain", gain_db)

    def set_power(self, power: float) -> None:
        self.instrument.power = checked(self, "power", power, "output power")

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
