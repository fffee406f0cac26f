"""Simulated Keysight N7744C 4-port optical power meter.

Command tree: Keysight N7744C/N7745C/N7747C/N7748C Programming Guide:

==================================================  =================================
``:SENSe<n>:POWer:WAVelength <value>[unit]``        wavelength of port n (m; nm, pm)
``:SENSe<n>:POWer:UNIT 0|1``                        0 dBm, 1 W
``:SENSe<n>:POWer:ATIMe <s>``                       averaging time
``:SENSe<n>:POWer:RANGe:AUTO 0|1``                  auto range
``:INITiate<n>[:IMMediate]``                        start a measurement
``:INITiate<n>:CONTinuous 0|1``                     continuous measurement
``:FETCh<n>[:SCALar]:POWer[:DC]?``                  last result
``:READ<n>[:SCALar]:POWer[:DC]?``                   measure and return
==================================================  =================================

Power comes from ``table.optical_power(name, port)`` (W); with no table 0 W.
"""
from __future__ import annotations

import math

from sim_backends.scpi.commands import Command
from sim_backends.scpi.instrument import Call, SimInstrument, boolean, fmt_bool, integer, number

WAVELENGTH = number(1250e-9, 1650e-9, {"M": 1.0, "NM": 1e-9, "PM": 1e-12})


class KeysightN7744C(SimInstrument):
    model = "keysight_n7744c"
    role = "powermeter"
    idn = "Keysight Technologies,N7744C,MY00000001,V2.0.0"
    n_channels = 4

    def initial_state(self) -> dict:
        return {"channels": {ch: {"wavelength": 1550e-9, "unit": 0, "averaging_time": 1e-3,
                                  "auto_range": True, "continuous": True}
                             for ch in range(1, self.n_channels + 1)}}

    def configure(self, settings: dict) -> None:
        if "wavelength" in settings:
            for channel in self.state["channels"].values():
                channel["wavelength"] = float(settings["wavelength"])

    def commands(self) -> list[Command]:
        return [
            self.setting(":SENSe<n>:POWer:WAVelength", "channels.wavelength", WAVELENGTH),
            self.setting(":SENSe<n>:POWer:UNIT", "channels.unit", integer(0, 1), str),
            self.setting(":SENSe<n>:POWer:ATIMe", "channels.averaging_time", number(1e-6, 10.0)),
            self.setting(":SENSe<n>:POWer:RANGe:AUTO", "channels.auto_range", boolean, fmt_bool),
            self.setting(":INITiate<n>:CONTinuous", "channels.continuous", boolean, fmt_bool),
            Command(":INITiate<n>[:IMMediate]", lambda call: None),
            Command(":FETCh<n>[:SCALar]:POWer[:DC]", self._power),
            Command(":READ<n>[:SCALar]:POWer[:DC]", self._power),
        ]

    def _power(self, call: Call):
        channel, _ = self._target("channels.unit", call.n)
        watts = float(self.table.optical_power(self.name, call.n)) if self.table is not None else 0.0
        if channel["unit"] == 1:
            return f"{watts:.8g}"
        return f"{10 * math.log10(watts / 1e-3):.8g}" if watts > 0 else "-200"
