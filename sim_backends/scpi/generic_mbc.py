"""Simulated generic 4-channel MZM bias controller (documented generic SCPI set).

No public command set exists for lab MZM bias controllers; this one is defined
here and documented in docs/readme/drivers.md:

===========================================  ===========================================
``:BIAS<n>:MODE QUADrature|PEAK|NULL|MANual``  lock point of channel n (QUAD: positive slope)
``:BIAS<n>:VOLTage <V>``                      bias in MANual mode; query: applied bias
``:BIAS<n>:LOCK?``                            1 when locked (any mode but MANual)
``:OUTPut<n>[:STATe] ON|OFF``                 bias output on
===========================================  ===========================================

In the locked modes the applied bias is where the controller's dither loop settles
on the modulator of :class:`sim_backends.physics.mzm.MZM` (its default V_pi),
from :func:`sim_backends.physics.mzm.bias_voltage`: peak 0 V, quadrature -V_pi/2,
null -V_pi.  Range -10..+10 V.
"""
from __future__ import annotations

from sim_backends.physics.mzm import MZM, bias_voltage
from sim_backends.scpi.commands import Command
from sim_backends.scpi.instrument import Call, SimInstrument, boolean, choice, fmt_bool, number

MODES = {"QUADrature": "quadrature", "PEAK": "peak", "NULL": "null", "MANual": "manual"}
VOLTAGE = number(-10.0, 10.0)


class GenericMBC(SimInstrument):
    model = "generic_mbc"
    role = "bias"
    idn = "labctl,MBC-4,SIM0001,1.0"
    n_channels = 4

    def initial_state(self) -> dict:
        return {"channels": {ch: {"mode": "manual", "voltage": 0.0, "setpoint": 0.0, "output": True}
                             for ch in range(1, self.n_channels + 1)}}

    def configure(self, settings: dict) -> None:
        for channel in self.state["channels"].values():
            if "mode" in settings:
                channel["mode"] = str(settings["mode"])
            if "voltage" in settings:
                channel["setpoint"] = float(settings["voltage"])
            self._settle(channel)

    def commands(self) -> list[Command]:
        return [
            Command(":BIAS<n>:MODE", self._mode),
            Command(":BIAS<n>:VOLTage", self._voltage),
            Command(":BIAS<n>:LOCK", lambda call: fmt_bool(self._channel(call)["mode"] != "manual")),
            self.setting(":OUTPut<n>[:STATe]", "channels.output", boolean, fmt_bool),
        ]

    def _channel(self, call: Call) -> dict:
        return self._target("channels.mode", call.n)[0]

    def _mode(self, call: Call):
        channel = self._channel(call)
        if call.query:
            return {v: k[:4].upper() for k, v in MODES.items()}[channel["mode"]]
        channel["mode"] = choice(MODES)(call.arg())
        self._settle(channel)

    def _voltage(self, call: Call):
        channel = self._channel(call)
        if call.query:
            return f"{channel['voltage']:.6g}"
        channel["setpoint"] = VOLTAGE(call.arg())
        self._settle(channel)

    @staticmethod
    def _settle(channel: dict) -> None:
        mode = channel["mode"]
        channel["voltage"] = channel["setpoint"] if mode == "manual" else bias_voltage(mode, MZM.v_pi)
