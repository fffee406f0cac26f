"""Simulated Keysight Infiniium UXR real-time oscilloscope (10-bit ADC, 4 channels).

Command tree: Keysight Infiniium Oscilloscopes Programmer's Guide (UXR series):

=====================================  ==============================================
``:ACQuire:SRATe[:ANALog] <Sa/s>``      sample rate, up to 256 GSa/s
``:ACQuire:POINts[:ANALog] <n>``        memory depth (points per channel)
``:CHANnel<n>:RANGe <V>``               vertical full-scale range
``:CHANnel<n>:OFFSet <V>``              voltage at the centre of the screen
``:CHANnel<n>:DISPlay ON|OFF``          channel on
``:ACQuire:AVERage ON|OFF``            averaging acquisition mode
``:ACQuire:COUNt <n>``                  records averaged (2 .. 1M; default 16)
``:DIGitize`` / ``:SINGle``             one acquisition (complete before the next command)
``:RUN`` / ``:STOP``                    free run / stop
``:ADER?``                              1 once an acquisition completed (read clears)
``:WAVeform:SOURce CHANnel<n>``         channel to transfer
``:WAVeform:FORMat WORD|BYTE``          16-bit or 8-bit signed integers
``:WAVeform:BYTeorder LSBFirst|MSBFirst``
``:WAVeform:STReaming ON|OFF``
``:WAVeform:PREamble?``                 24 comma-separated fields (format, type, points,
                                        count, xincrement, xorigin, xreference,
                                        yincrement, yorigin, yreference, ...)
``:WAVeform:DATA?``                     the data as a definite-length block
=====================================  ==============================================

Scaling: volts = yincrement * value + yorigin.  WORD values are the ADC code
minus mid-scale (value = code - 2**(bits-1)), so yincrement = range / 2**bits
and yorigin = offset + yincrement / 2 (mid-rise quantiser: centre of each code bin).
"""
from __future__ import annotations

import numpy as np

from sim_backends.scpi.commands import Command
from sim_backends.scpi.instrument import (
    Block,
    Call,
    SCPIError,
    boolean,
    choice,
    fmt_bool,
    integer,
    number,
)
from sim_backends.scpi.scope import SimScope

FORMATS = {"ASCii": 0, "BYTE": 1, "WORD": 2}


class KeysightUXR(SimScope):
    model = "keysight_uxr"
    idn = "KEYSIGHT TECHNOLOGIES,UXR0334A,MY00000001,11.30.00304"
    n_channels = 4
    bits = 10
    default_sample_rate = 128e9

    def initial_state(self) -> dict:
        state = super().initial_state()
        state.update(source=1, format="WORD", byteorder="LSBFirst", streaming=False)
        return state

    def __init__(self, *args, **kwargs):
        self.done = False
        super().__init__(*args, **kwargs)

    def commands(self) -> list[Command]:
        return [
            self.setting(":ACQuire:SRATe[:ANALog]", "sample_rate", number(1e3, 256e9)),
            self.setting(":ACQuire:POINts[:ANALog]", "points", integer(16, 1 << 30), str),
            self.setting(":ACQuire:AVERage", "averaging", boolean, fmt_bool),
            self.setting(":ACQuire:COUNt", "average_count", integer(2, 1 << 20), str),
            self.setting(":CHANnel<n>:RANGe", "channels.range", number(0.008, 2.0)),
            self.setting(":CHANnel<n>:OFFSet", "channels.offset", number(-2.0, 2.0)),
            self.setting(":CHANnel<n>:DISPlay", "channels.enabled", boolean, fmt_bool),
            Command(":DIGitize", self._single),
            Command(":SINGle", self._single),
            Command(":RUN", lambda call: self.state.update(running=True)),
            Command(":STOP", lambda call: self.state.update(running=False)),
            Command(":ADER", self._ader),
            Command(":WAVeform:SOURce", self._source),
            self.setting(":WAVeform:FORMat", "format", choice({k: k for k in ("WORD", "BYTE")}),
                         lambda v: v),
            self.setting(":WAVeform:BYTeorder", "byteorder",
                         choice({"LSBFirst": "LSBFirst", "MSBFirst": "MSBFirst"}),
                         lambda v: v.upper()[:3]),
            self.setting(":WAVeform:STReaming", "streaming", boolean, fmt_bool),
            Command(":WAVeform:PREamble", self._preamble),
            Command(":WAVeform:YINCrement", lambda call: f"{self._scaling()[0]:.12g}"),
            Command(":WAVeform:YORigin", lambda call: f"{self._scaling()[1]:.12g}"),
            Command(":WAVeform:XINCrement", lambda call: f"{1 / self.state['sample_rate']:.12g}"),
            Command(":WAVeform:POINts", lambda call: str(self.channel_codes(self.state["source"]).size)),
            Command(":WAVeform:DATA", self._data),
        ]

    def _single(self, call: Call):
        self.acquire()
        self.state["running"] = False
        self.done = True

    def _ader(self, call: Call):
        done, self.done = self.done, False
        return fmt_bool(done)

    def _source(self, call: Call):
        if call.query:
            return f"CHAN{self.state['source']}"
        token = call.arg().upper()
        for prefix in ("CHANNEL", "CHAN"):
            if token.startswith(prefix) and token[len(prefix):].isdigit():
                ch = int(token[len(prefix):])
                if ch in self.state["channels"]:
                    self.state["source"] = ch
                    return None
        raise SCPIError(-224, call.arg())

    def _scaling(self) -> tuple[float, float]:
        """(yincrement, yorigin) of the source channel in the current format."""
        channel = self.state["channels"][self.state["source"]]
        step = channel["range"] / 2 ** self.bits
        if self.state["format"] == "BYTE":
            step *= 2 ** (self.bits - 8)
        return step, channel["offset"] + step / 2

    def _preamble(self, call: Call):
        codes = self.channel_codes(self.state["source"])
        yinc, yorg = self._scaling()
        channel = self.state["channels"][self.state["source"]]
        fields = [FORMATS[self.state["format"]], 1, codes.size, 1,
                  f"{1 / self.state['sample_rate']:.12g}", 0.0, 0, f"{yinc:.12g}", f"{yorg:.12g}", 0,
                  3, f"{codes.size / self.state['sample_rate']:.12g}", 0.0,
                  f"{channel['range']:.12g}", f"{channel['offset']:.12g}",
                  '"24 NOV 2026"', '"00:00:00:00"', '"UXR0334A:MY00000001"', 0, 100, 2, 1,
                  "33E+09", "0"]
        return ",".join(str(f) for f in fields)

    def _data(self, call: Call):
        codes = self.channel_codes(self.state["source"]).astype(np.int32)
        if self.state["format"] == "BYTE":
            return Block(((codes >> (self.bits - 8)) - 128).astype(np.int8).tobytes())
        order = "<" if self.state["byteorder"] == "LSBFirst" else ">"
        return Block((codes - 2 ** (self.bits - 1)).astype(order + "i2").tobytes())
