"""Simulated Santec TSL-570 tunable laser (the commands pymeasure's ``TSL570`` driver sends).

Command tree: Santec TSL-570 Instruction Manual, "SCPI commands":

===================================  =================================================
``:SYSTem:COMMunicate:CODe 0|1``     command set: 0 Legacy (nm, THz), 1 SCPI (m, Hz)
``:POWer:UNIT 0|1``                  0 dBm, 1 mW
``:POWer <value>``                   output power set point in that unit
``:POWer:ACTual?``                   monitored output power
``:POWer:STATe 0|1``                 laser diode current on/off
``:WAVelength <value>``              wavelength (m in SCPI set, nm in Legacy set)
``:FREQuency <value>``               optical frequency (Hz in SCPI set, THz in Legacy)
``:WAVelength:SWEep:RANGe:MINimum?``  configurable sweep range (the tuning range here),
``:WAVelength:SWEep:RANGe:MAXimum?``  in the wavelength unit of the command set
``:FREQuency:SWEep:RANGe:MINimum?``   the same range as optical frequencies
``:FREQuency:SWEep:RANGe:MAXimum?``
===================================  =================================================

Ranges (TSL-570 data sheet): 1480-1640 nm, -15..+13 dBm.
"""
from __future__ import annotations

import math

from sim_backends.scpi.commands import Command
from sim_backends.scpi.instrument import Call, SCPIError, SimInstrument, boolean, fmt_bool, integer

C = 299_792_458.0
WAVELENGTH_RANGE = (1480e-9, 1640e-9)
POWER_RANGE = (10 ** (-15 / 10) * 1e-3, 10 ** (13 / 10) * 1e-3)  # W


class SantecTSL570(SimInstrument):
    model = "santec_tsl570"
    role = "laser"
    idn = "SANTEC,TSL-570,24010001,0004.0000.0000"

    def initial_state(self) -> dict:
        return {"wavelength": 1550e-9, "power": 1e-3, "output": False, "scpi_code": 1, "unit": 0}

    def configure(self, settings: dict) -> None:
        for key in ("wavelength", "power"):
            if key in settings:
                self.state[key] = float(settings[key])

    def commands(self) -> list[Command]:
        return [
            Command(":SYSTem:COMMunicate:CODe", self._code),
            Command(":POWer:UNIT", self._unit),
            Command(":POWer:ACTual", self._actual),
            self.setting(":POWer:STATe", "output", boolean, fmt_bool),
            Command(":POWer", self._power),
            Command(":WAVelength", self._wavelength),
            Command(":FREQuency", self._frequency),
            Command(":WAVelength:SWEep:RANGe:MINimum", lambda call: self._range_wavelength(0)),
            Command(":WAVelength:SWEep:RANGe:MAXimum", lambda call: self._range_wavelength(1)),
            Command(":FREQuency:SWEep:RANGe:MINimum", lambda call: self._range_frequency(1)),
            Command(":FREQuency:SWEep:RANGe:MAXimum", lambda call: self._range_frequency(0)),
        ]

    def _range_wavelength(self, index: int) -> str:
        scale = 1.0 if self.state["scpi_code"] == 1 else 1e-9
        return f"{WAVELENGTH_RANGE[index] / scale:.10g}"

    def _range_frequency(self, index: int) -> str:
        scale = 1.0 if self.state["scpi_code"] == 1 else 1e12
        return f"{C / WAVELENGTH_RANGE[index] / scale:.10g}"

    def _code(self, call: Call):
        if call.query:
            return str(self.state["scpi_code"])
        self.state["scpi_code"] = integer(0, 1)(call.arg())

    def _unit(self, call: Call):
        if call.query:
            return str(self.state["unit"])
        self.state["unit"] = integer(0, 1)(call.arg())

    def _to_unit(self, watts: float) -> float:
        return 10 * math.log10(watts / 1e-3) if self.state["unit"] == 0 else watts / 1e-3

    def _power(self, call: Call):
        if call.query:
            return f"{self._to_unit(self.state['power']):.6g}"
        value = _float(call.arg())
        watts = 1e-3 * 10 ** (value / 10) if self.state["unit"] == 0 else value * 1e-3
        if not POWER_RANGE[0] * 0.999 <= watts <= POWER_RANGE[1] * 1.001:
            raise SCPIError(-222, f"power {call.arg()}")
        self.state["power"] = watts

    def _actual(self, call: Call):
        return f"{self._to_unit(self.state['power']) if self.state['output'] else -40.0:.6g}"

    def _wavelength(self, call: Call):
        scale = 1.0 if self.state["scpi_code"] == 1 else 1e-9
        if call.query:
            return f"{self.state['wavelength'] / scale:.10g}"
        self.state["wavelength"] = _in_range(_float(call.arg()) * scale, WAVELENGTH_RANGE, call.arg())

    def _frequency(self, call: Call):
        scale = 1.0 if self.state["scpi_code"] == 1 else 1e12
        if call.query:
            return f"{C / self.state['wavelength'] / scale:.10g}"
        frequency = _float(call.arg()) * scale
        if frequency <= 0:
            raise SCPIError(-222, call.arg())
        self.state["wavelength"] = _in_range(C / frequency, WAVELENGTH_RANGE, call.arg())


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise SCPIError(-104, text) from None


def _in_range(value: float, bounds: tuple[float, float], text: str) -> float:
    if not bounds[0] <= value <= bounds[1]:
        raise SCPIError(-222, text)
    return value
