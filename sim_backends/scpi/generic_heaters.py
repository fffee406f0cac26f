"""Simulated generic 64-channel heater current source (documented generic SCPI set).

For micro-ring thermal tuning; defined here and documented in docs/readme/drivers.md:

===========================================  ===========================================
``:SOURce<n>:FUNCtion CURRent|VOLTage``       channel n sources current or voltage
``:SOURce<n>:CURRent <A>``                    current set point, 0..0.1 A (CURR mode)
``:SOURce<n>:VOLTage <V>``                    voltage set point, 0..20 V (VOLT mode)
``:MEASure<n>:CURRent?`` ``:MEASure<n>:VOLTage?``  applied current / voltage
``:OUTPut[:STATe] ON|OFF``                    all outputs
===========================================  ===========================================

Each channel drives a resistive heater of ``resistance`` ohms (V = I R), clipped
at the compliance of the other quantity.
"""
from __future__ import annotations

from sim_backends.scpi.commands import Command
from sim_backends.scpi.instrument import Call, SimInstrument, boolean, choice, fmt_bool, number

CURRENT = number(0.0, 0.1)
VOLTAGE = number(0.0, 20.0)
#: Integrated TiN / doped-Si micro-heaters: a few hundred ohms (typical 200-500 ohm).
RESISTANCE = 300.0


class GenericHeaters(SimInstrument):
    model = "generic_heaters"
    role = "heaters"
    idn = "labctl,HEATER-64,SIM0001,1.0"
    n_channels = 64

    def initial_state(self) -> dict:
        return {"output": False,
                "channels": {ch: {"function": "current", "current": 0.0, "voltage": 0.0,
                                  "resistance": RESISTANCE}
                             for ch in range(1, self.n_channels + 1)}}

    def commands(self) -> list[Command]:
        return [
            self.setting(":SOURce<n>:FUNCtion", "channels.function",
                         choice({"CURRent": "current", "VOLTage": "voltage"}), lambda v: v[:4].upper()),
            Command(":SOURce<n>:CURRent", lambda call: self._source(call, "current", CURRENT)),
            Command(":SOURce<n>:VOLTage", lambda call: self._source(call, "voltage", VOLTAGE)),
            Command(":MEASure<n>:CURRent", lambda call: f"{self._channel(call)['current']:.8g}"),
            Command(":MEASure<n>:VOLTage", lambda call: f"{self._channel(call)['voltage']:.8g}"),
            self.setting(":OUTPut[:STATe]", "output", boolean, fmt_bool),
        ]

    def _channel(self, call: Call) -> dict:
        return self._target("channels.current", call.n)[0]

    def _source(self, call: Call, quantity: str, parse):
        channel = self._channel(call)
        if call.query:
            return f"{channel[quantity]:.8g}"
        value = parse(call.arg())
        r = channel["resistance"]
        if quantity == "current":
            channel["current"], channel["voltage"] = value, min(value * r, 20.0)
        else:
            channel["voltage"], channel["current"] = value, min(value / r, 0.1)
