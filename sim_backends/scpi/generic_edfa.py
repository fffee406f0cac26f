"""Simulated generic C-band EDFA (documented generic SCPI set).

EDFA vendors use private command sets; this generic one is defined here and
documented in docs/readme/drivers.md:

=================================  ==================================================
``:AMPLifier:MODE GAIN|POWer``      automatic gain control or automatic power control
``:AMPLifier:GAIN <dB>``            gain set point (AGC), 0..30 dB
``:AMPLifier:POWer <W>``            output power set point (APC), 0.1 mW..200 mW
``:OUTPut[:STATe] ON|OFF``          pump on/off
=================================  ==================================================
"""
from __future__ import annotations

from sim_backends.scpi.commands import Command
from sim_backends.scpi.instrument import SimInstrument, boolean, choice, fmt_bool, number


class GenericEDFA(SimInstrument):
    model = "generic_edfa"
    role = "amplifier"
    idn = "labctl,EDFA-C,SIM0001,1.0"

    def initial_state(self) -> dict:
        return {"mode": "gain", "gain": 0.0, "power": 1e-3, "output": False}

    def configure(self, settings: dict) -> None:
        for key, cast in (("mode", str), ("gain", float), ("power", float), ("output", bool)):
            if key in settings:
                self.state[key] = cast(settings[key])

    def commands(self) -> list[Command]:
        return [
            self.setting(":AMPLifier:MODE", "mode", choice({"GAIN": "gain", "POWer": "power"}),
                         lambda v: "GAIN" if v == "gain" else "POW"),
            self.setting(":AMPLifier:GAIN", "gain", number(0.0, 30.0)),
            self.setting(":AMPLifier:POWer", "power", number(1e-4, 0.2)),
            self.setting(":OUTPut[:STATe]", "output", boolean, fmt_bool),
        ]
