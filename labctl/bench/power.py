"""Electrical power figures of the bench's components, for energy accounting.

The ``[power]`` table of a bench file.  Each figure is what one unit of that
component draws from the wall (electrical power, W), or for the data converters
the energy per sample (J/Sa), so that power = energy_per_sample * sample_rate.
:mod:`labctl.energy` turns these figures and an operating point into mW/TOPS at
three boundaries (bench, system, centre); ``[power.system]`` and
``[power.centre]`` say what changes between them.
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


class SystemConverters(_Strict):
    """The ``system`` boundary: converters of a deployed system run at the
    samples per symbol the DSP needs, not at the lab instruments' rates, and
    its lasers are integrated sources.

    DAC power = energy_per_sample * dac_samples_per_symbol * symbol_rate per
    channel; ADC likewise with ``adc_samples_per_symbol`` (None: the receiver
    DSP's own ``sps_rx``, labctl.mvm.frames.FrameFormat);
    ``laser_wall_plug_efficiency`` (None: ``[power.laser]``'s) for the system
    and centre boundaries."""
    dac_samples_per_symbol: float = Field(1.0, gt=0, description="Sa/symbol per DAC channel")
    adc_samples_per_symbol: float | None = Field(None, gt=0, description="Sa/symbol per ADC channel")
    laser_wall_plug_efficiency: float | None = Field(None, gt=0, le=1,
                                                     description="optical W out per electrical W in")


class CentreCounts(_Strict):
    """The ``centre`` boundary: what the computing centre adds beyond the edge
    transmitters the metro network already has.

    Always counted: rings and their heaters, photodiodes + TIAs + ADCs of the
    outputs, modulators (DAC channels + drivers) that sit at the centre (none
    in wdm; the weight modulators in time), routing (a passive AWGR, 0 W).
    Never counted: edge lasers, edge DACs and modulator drivers.
    ``edge_amplifiers``: count the edge-path EDFAs as the centre's (true when
    they boost beyond what the metro link needs, e.g. a centre booster);
    ``laser_optical_power``: optical power of lasers the centre itself provides (W).
    """
    edge_amplifiers: bool = False
    laser_optical_power: float = Field(0.0, ge=0, description="W, optical")


class PowerFigures(_Strict):
    """The ``[power]`` table: one entry per component class, plus what the
    ``system`` and ``centre`` boundaries change."""
    laser: LaserPower
    dac: ConverterPower
    adc: ConverterPower
    modulator_driver: PerChannelPower
    tia: PerChannelPower
    amplifier: AmplifierPower
    heater: HeaterPower
    system: SystemConverters = SystemConverters()
    centre: CentreCounts = CentreCounts()

    def integrated(self) -> "PowerFigures":
        """The figures of the ``system`` and ``centre`` boundaries: the lasers at
        ``[power.system] laser_wall_plug_efficiency`` when it is set."""
        eff = self.system.laser_wall_plug_efficiency
        if eff is None:
            return self
        return self.model_copy(update={"laser": LaserPower(wall_plug_efficiency=eff)})
