"""Simulated Tektronix DPO70000SX real-time oscilloscope (8-bit ADC, 4 channels).

Command tree: Tektronix MSO/DPO70000 Series Programmer Manual:

=========================================  ===========================================
``HORizontal:MODE AUTO|CONStant|MANual``    horizontal mode
``HORizontal:MODE:SAMPLERate <Sa/s>``       sample rate (up to 200 GSa/s)
``HORizontal:MODE:RECOrdlength <n>``        record length (points)
``CH<n>:SCAle <V/div>``                     vertical scale; 10 divisions full scale
``CH<n>:OFFSet <V>``                        offset
``SELect:CH<n> ON|OFF``                     channel on
``ACQuire:MODe SAMple|AVErage``            acquisition mode (AVErage: NUMAVg records
                                            averaged point by point)
``ACQuire:NUMAVg <n>``                      records averaged (2 .. 10000; default 16)
``ACQuire:STOPAfter RUNSTop|SEQuence``      single sequence
``ACQuire:STATE RUN|STOP|ON|OFF|1|0``       start; with SEQuence ends after one
                                            acquisition (STATE? then 0)
``DATa:SOUrce CH<n>``                       channel to transfer
``DATa:ENCdg RIBinary|SRIbinary``           signed integers, MSB / LSB first
``DATa:STARt <n>`` / ``DATa:STOP <n>``      first / last point (1-based)
``WFMOutpre:BYT_Nr 1``                      bytes per point
``WFMOutpre:YMUlt?`` ``YOFf?`` ``YZEro?``   scaling
``WFMOutpre:XINcr?`` ``WFMOutpre:NR_Pt?``
``CURVe?``                                  the data as a definite-length block
=========================================  ===========================================

Scaling (programmer manual, WFMOutpre:YMUlt): volts = (value - YOFf) * YMUlt + YZEro.
Values are the ADC code minus mid-scale (value = code - 128); YMUlt = range / 2**8,
YOFf = -0.5 (centre of each code bin), YZEro = channel offset.
"""
from __future__ import annotations

import numpy as np

from sim_backends.scpi.commands import Command
from sim_backends.scpi.instrument import (Block, Call, SCPIError, boolean, choice, fmt_bool,
                                          integer, number)
from sim_backends.scpi.scope import SimScope

DIVISIONS = 10


class TektronixDPO70000(SimScope):
    model = "tektronix_dpo70000"
    idn = "TEKTRONIX,DPO73304SX,C000001,CF:91.1CT FV:10.8.3 Build 3"
    n_channels = 4
    bits = 8
    default_sample_rate = 100e9

    def initial_state(self) -> dict:
        state = super().initial_state()
        state.update(source=1, encoding="RIBINARY", start=1, stop=1 << 30, stop_after="RUNSTOP",
                     horizontal_mode="AUTO")
        return state

    def commands(self) -> list[Command]:
        return [
            self.setting("HORizontal:MODE", "horizontal_mode",
                         choice({w: w.upper() for w in ("AUTO", "CONStant", "MANual")}), str),
            self.setting("HORizontal:MODE:SAMPLERate", "sample_rate", number(1e3, 200e9)),
            self.setting("HORizontal:MODE:RECOrdlength", "points", integer(500, 1 << 30), str),
            Command("CH<n>:SCAle", self._scale),
            self.setting("CH<n>:OFFSet", "channels.offset", number(-2.5, 2.5)),
            self.setting("SELect:CH<n>", "channels.enabled", boolean, fmt_bool),
            Command("ACQuire:MODe", self._mode),
            self.setting("ACQuire:NUMAVg", "average_count", integer(2, 10000), str),
            self.setting("ACQuire:STOPAfter", "stop_after",
                         choice({"RUNSTop": "RUNSTOP", "SEQuence": "SEQUENCE"}), str),
            Command("ACQuire:STATE", self._state),
            Command("DATa:SOUrce", self._source),
            self.setting("DATa:ENCdg", "encoding",
                         choice({"RIBinary": "RIBINARY", "SRIbinary": "SRIBINARY"}), str),
            self.setting("DATa:STARt", "start", integer(1, 1 << 30), str),
            self.setting("DATa:STOP", "stop", integer(1, 1 << 30), str),
            Command("WFMOutpre:BYT_Nr", self._byte_nr),
            Command("WFMOutpre:YMUlt", lambda call: f"{self._step():.12g}"),
            Command("WFMOutpre:YOFf", lambda call: "-0.5"),
            Command("WFMOutpre:YZEro", lambda call: f"{self._channel()['offset']:.12g}"),
            Command("WFMOutpre:XINcr", lambda call: f"{1 / self.state['sample_rate']:.12g}"),
            Command("WFMOutpre:NR_Pt", lambda call: str(self._points().size)),
            Command("CURVe", self._curve),
        ]

    def _scale(self, call: Call):
        channel = self.state["channels"].get(call.n)
        if channel is None:
            raise SCPIError(-113, f"no channel {call.n}")
        if call.query:
            return f"{channel['range'] / DIVISIONS:.12g}"
        channel["range"] = DIVISIONS * number(1e-3, 0.5)(call.arg())

    def _mode(self, call: Call):
        if call.query:
            return "AVERAGE" if self.state["averaging"] else "SAMPLE"
        self.state["averaging"] = choice({"SAMple": False, "AVErage": True})(call.arg())

    def _state(self, call: Call):
        if call.query:
            return fmt_bool(self.state["running"])
        token = call.arg().upper()
        if token in ("RUN", "ON", "1"):
            if self.state["stop_after"] == "SEQUENCE":
                self.acquire()
                self.state["running"] = False
            else:
                self.state["running"] = True
        elif token in ("STOP", "OFF", "0"):
            self.state["running"] = False
        else:
            raise SCPIError(-224, call.arg())

    def _source(self, call: Call):
        if call.query:
            return f"CH{self.state['source']}"
        token = call.arg().upper()
        if token.startswith("CH") and token[2:].isdigit() and int(token[2:]) in self.state["channels"]:
            self.state["source"] = int(token[2:])
            return None
        raise SCPIError(-224, call.arg())

    def _byte_nr(self, call: Call):
        if call.query:
            return "1"
        if integer(1, 8)(call.arg()) != 1:
            raise SCPIError(-224, "only 1 byte per point in this simulation")

    def _channel(self) -> dict:
        return self.state["channels"][self.state["source"]]

    def _step(self) -> float:
        return self._channel()["range"] / 2 ** self.bits

    def _points(self) -> np.ndarray:
        codes = self.channel_codes(self.state["source"])
        return codes[self.state["start"] - 1:self.state["stop"]]

    def _curve(self, call: Call):
        return Block((self._points().astype(np.int16) - 128).astype(np.int8).tobytes())
