"""Electrical power figures of the bench's components, for energy accounting.

The ``[power]`` table of a bench file.  Each figure is what one unit of that
component draws from the wall (electrical power, W), or for the data converters
the energy per sample (J/Sa), so that power = energy_per_sample * sample_rate.
:mod:`labctl.energy` turns these figures and an operating point into mW/TOPS.
"""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class LaserPower(_Strict):
    """Lasers and comb sources: P_electrical = P_optical / wall_plug_efficiency."""
    wall_plug_efficiency: float = Field(gt=0, le=1, description="optical W out per electrical W in")


class ConverterPower(_Strict):
    """DAC or ADC: P = energy_per_sample [J/Sa] * sample_rate [Sa/s] per channel."""
    energy_per_sample: float = Field(gt=0, description="J/Sa per channel")


class PerChannelPower(_Strict):
    """A component drawing a fixed electrical power per channel (W)."""
    power_per_channel: float = Field(ge=0, description="W per channel")


class AmplifierPower(_Strict):
    """Optical amplifier (EDFA): electrical power per unit, pumps + control (W)."""
    power_per_unit: float = Field(ge=0, description="W per amplifier")


class HeaterPower(_Strict):
    """Micro-ring heaters: mean electrical power per tuned ring (W)."""
    power_per_ring: float = Field(ge=0, description="W per ring")


class PowerFigures(_Strict):
    """The ``[power]`` table: one entry per component class."""
    laser: LaserPower
    dac: ConverterPower
    adc: ConverterPower
    modulator_driver: PerChannelPower
    tia: PerChannelPower
    amplifier: AmplifierPower
    heater: HeaterPower
