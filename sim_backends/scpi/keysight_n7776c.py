"""Simulated Keysight N7776C tunable laser source (the commands pymeasure's ``KeysightN7776C`` sends).

Command tree: Keysight N7776C/N7778C/N7779C Programming Guide:

====================================  ===============================================
``:SOURce0:POWer:STATe 0|1``           laser output
``:SOURce0:POWer:UNIT 0|1``            0 dBm, 1 W (queries answer in this unit)
``:SOURce0:POWer <value>[unit]``       power; suffixes W, mW, uW, dBm
``:SOURce0:WAVelength <value>[unit]``  wavelength; suffixes m, nm, pm; query in m
``:LOCK?`` / ``:LOCK 0|1,<pw>``        laser lock
====================================  ===============================================

Ranges (N7776C data sheet): 1480-1620 nm; output up to about +10 dBm (high-power
option up to +13 dBm, accepted here).
"""
from __future__ import annotations

import math

from sim_backends.scpi.commands import Command
from sim_backends.scpi.instrument import (
    Call,
    SCPIError,
    SimInstrument,
    boolean,
    fmt_bool,
    integer,
    number,
)

WAVELENGTH = number(1480e-9, 1620e-9, {"M": 1.0, "NM": 1e-9, "PM": 1e-12})
POWER_W = number(1e-6, 0.020, {"W": 1.0, "MW": 1e-3, "UW": 1e-6})


class KeysightN7776C(SimInstrument):
    model = "keysight_n7776c"
    role = "laser"
    idn = "Keysight Technologies,N7776C,MY00000001,V2.1.0"

    def initial_state(self) -> dict:
        return {"wavelength": 1550e-9, "power": 1e-3, "output": False, "unit": 0, "locked": False}

    def configure(self, settings: dict) -> None:
        for key in ("wavelength", "power"):
            if key in settings:
                self.state[key] = float(settings[key])

    def commands(self) -> list[Command]:
        return [
            self.setting(":SOURce<n>:POWer:STATe", "output", boolean, fmt_bool),
            Command(":SOURce<n>:POWer:UNIT", self._unit),
            Command(":SOURce<n>:POWer[:LEVel][:IMMediate][:AMPLitude]", self._power),
            self.setting(":SOURce<n>:WAVelength[:CW]", "wavelength", WAVELENGTH),
            Command(":LOCK", self._lock),
        ]

    def _unit(self, call: Call):
        if call.query:
            return str(self.state["unit"])
        self.state["unit"] = integer(0, 1)(call.arg())

    def _power(self, call: Call):
        if call.query:
            watts = self.state["power"]
            return f"{10 * math.log10(watts / 1e-3) if self.state['unit'] == 0 else watts:.8g}"
        text = call.arg().strip()
        if text.upper().endswith("DBM") or (self.state["unit"] == 0 and text[-1:].isdigit()):
            try:
                dbm = float(text[:-3] if text.upper().endswith("DBM") else text)
            except ValueError:
                raise SCPIError(-104, text) from None
            text = f"{1e-3 * 10 ** (dbm / 10)!r}"
        self.state["power"] = POWER_W(text)

    def _lock(self, call: Call):
        if call.query:
            return fmt_bool(self.state["locked"])
        self.state["locked"] = boolean(call.arg(0))
