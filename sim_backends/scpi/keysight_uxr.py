"""Simulated Keysight Infiniium UXR real-time oscilloscope (10-bit ADC, 4 channels).

Command tree: Keysight Infiniium Oscilloscopes Programmer's Guide (UXR series):

=====================================  ==============================================
``:ACQuire:SRATe[:ANALog] <Sa/s>``      sample rate, up to 256 GSa/s
``:ACQuire:POINts[:ANALog] <n>``        memory depth (points per channel)
``:CHANnel<n>:RANGe <V>``               vertical full-scale range
``:CHANnel<n>:OFFSet <V>``              voltage at the centre of the screen
``:CHANnel<n>:DISPlay ON|OFF``          channel on
``:ACQuire:AVERage ON|OFF``            averaging acquisition mode
``:ACQuire[:AVERage]:COUNt <n>``        records averaged (2 .. 1M; default 16)
``:ACQuire:BANDwidth <Hz>|AUTO|MAX``    bandwidth limit (AUTO/MAX: 33 GHz, the UXR0334A's)
``:ACQuire:{BANDwidth|POINts|SRATe}:TESTLIMITS?``  ``1,<numeric><min>:<max>``
``:ACQuire:MODE RTIMe|...``             acquisition mode (RTIMe only here)
``:ACQuire:INTerpolate 0|1|INT<n>``     interpolation (stored)
``:TIMebase:RANGe <s>``                 full-scale time: record length / sample rate (sets
                                        the points, rounded)
``:TIMebase:POSition <s>`` / ``:TIMebase:ROLL:ENABle``  stored
``:TRIGger:MODE?`` (EDGE), ``:TRIGger:SWEep AUTO|TRIGgered``, ``:TRIGger:EDGE:SOURce``,
``:TRIGger:EDGE:SLOPe``, ``:TRIGger:LEVel <source>,<V>`` / ``:TRIGger:LEVel? <source>``
``:CHANnel<n>:INPut DC50``              input coupling (50 ohm DC only)
``:RSTate?``                            RUN or STOP (a single acquisition completes at
                                        once, so SING is never seen)
``:AST?``                               ADONE after an acquisition, else ARM
``:SYSTem:HEADer ON|OFF``               replies with the query's header in short form
                                        (ON: ``:CHAN2:RANG 4e-01``) or without (OFF)
``:WAVeform:YUNits?`` / ``:XUNits?``    VOLT / SECOND
``:DIGitize`` / ``:SINGle``             one acquisition (complete before the next command)
``:RUN`` / ``:STOP``                    free run / stop
``:ADER?``                              1 once an acquisition completed (read clears)
``:WAVeform:SOURce CHANnel<n>``         channel to transfer
``:WAVeform:FORMat WORD|BYTE``          16-bit or 8-bit signed integers
``:WAVeform:BYTeorder LSBFirst|MSBFirst``
``:WAVeform:STReaming ON|OFF``          ON: ``:WAVeform:DATA?`` answers an indefinite
                                        block ``#0<data>`` + NL; OFF: ``#<n><len><data>``
``:WAVeform:PREamble?``                 24 comma-separated fields: format (1 BYTE,
                                        2 WORD), type (1 RAW, 2 AVERage), points, count,
                                        xincrement, xorigin, xreference, yincrement,
                                        yorigin, yreference, coupling (2 DCFIFTY), x
                                        display range and origin, y display range and
                                        origin, date, time, frame model, acquisition
                                        mode (0 RTIMe), completion (%), x units
                                        (2 SECOND), y units (1 VOLT), max/min bandwidth
``:WAVeform:DATA?``                     the data as a block (see STReaming)
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
MAX_BANDWIDTH = 33e9          # UXR0334A: 33 GHz
SAMPLE_RATE_LIMITS = (1e3, 256e9)
POINTS_LIMITS = (16, 1 << 30)
TRIGGER_SOURCES = ("CHAN1", "CHAN2", "CHAN3", "CHAN4", "AUX")


class KeysightUXR(SimScope):
    model = "keysight_uxr"
    idn = "KEYSIGHT TECHNOLOGIES,UXR0334A,MY00000001,11.30.00304"
    n_channels = 4
    bits = 10
    default_sample_rate = 128e9

    def initial_state(self) -> dict:
        state = super().initial_state()
        state.update(source=1, format="WORD", byteorder="LSBFirst", streaming=False,
                     bandwidth=MAX_BANDWIDTH, interpolate="0", timebase_position=0.0, roll=False,
                     sweep="TRIGGERED", edge_source="CHAN1", edge_slope="POSITIVE",
                     trigger_levels={source: 0.0 for source in TRIGGER_SOURCES},
                     run_state="RUN", mode="RTIM")
        return state

    def __init__(self, *args, **kwargs):
        self.done = False
        super().__init__(*args, **kwargs)

    def commands(self) -> list[Command]:
        return [
            self.setting(":ACQuire:SRATe[:ANALog]", "sample_rate", number(*SAMPLE_RATE_LIMITS)),
            self.setting(":ACQuire:POINts[:ANALog]", "points", integer(*POINTS_LIMITS), str),
            self.setting(":ACQuire:AVERage", "averaging", boolean, fmt_bool),
            self.setting(":ACQuire[:AVERage]:COUNt", "average_count", integer(2, 1 << 20), str),
            Command(":ACQuire:BANDwidth", self._bandwidth),
            Command(":ACQuire:BANDwidth:TESTLIMITS",
                    lambda call: f"1,<numeric>{1e9:.6E}:{MAX_BANDWIDTH:.6E}"),
            Command(":ACQuire:POINts[:ANALog]:TESTLIMITS",
                    lambda call: f"1,<numeric>{POINTS_LIMITS[0]}:{POINTS_LIMITS[1]}"),
            Command(":ACQuire:SRATe[:ANALog]:TESTLIMITS",
                    lambda call: "1,<numeric>{:.6E}:{:.6E}".format(*SAMPLE_RATE_LIMITS)),
            self.setting(":ACQuire:MODE", "mode", choice({"RTIMe": "RTIM"}), str),
            self.setting(":ACQuire:INTerpolate", "interpolate",
                         choice({w: w.upper() for w in ("0", "1", "OFF", "ON", "INT1", "INT2",
                                                        "INT4", "INT8", "INT16", "INT32")}), str),
            Command(":TIMebase:RANGe", self._time_range),
            self.setting(":TIMebase:POSition", "timebase_position", number(-1e3, 1e3)),
            self.setting(":TIMebase:ROLL:ENABle", "roll", boolean, fmt_bool),
            Command(":TRIGger:MODE", lambda call: "EDGE" if call.query else None),
            self.setting(":TRIGger:SWEep", "sweep",
                         choice({"AUTO": "AUTO", "TRIGgered": "TRIGGERED"}), lambda v: v[:4]),
            self.setting(":TRIGger:EDGE:SOURce", "edge_source",
                         choice({s: s for s in TRIGGER_SOURCES}), str),
            self.setting(":TRIGger:EDGE:SLOPe", "edge_slope",
                         choice({"POSitive": "POSITIVE", "NEGative": "NEGATIVE",
                                 "EITHer": "EITHER"}), lambda v: v[:3]),
            Command(":TRIGger:LEVel", self._trigger_level),
            Command(":CHANnel<n>:INPut", self._input),
            Command(":RSTate", lambda call: self.state["run_state"]),
            Command(":AST", lambda call: "ADONE" if self.acquisitions else "ARM"),
            Command(":SYSTem:HEADer", self._header),
            Command(":WAVeform:YUNits", lambda call: "VOLT"),
            Command(":WAVeform:XUNits", lambda call: "SECOND"),
            self.setting(":CHANnel<n>:RANGe", "channels.range", number(0.008, 2.0)),
            self.setting(":CHANnel<n>:OFFSet", "channels.offset", number(-2.0, 2.0)),
            self.setting(":CHANnel<n>:DISPlay", "channels.enabled", boolean, fmt_bool),
            Command(":DIGitize", self._single),
            Command(":SINGle", self._single),
            Command(":RUN", lambda call: self.state.update(running=True, run_state="RUN")),
            Command(":STOP", lambda call: self.state.update(running=False, run_state="STOP")),
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
            Command(":WAVeform:POINts", lambda call: str(self._points())),
            Command(":WAVeform:DATA", self._data),
        ]

    def _single(self, call: Call):
        self.acquire()
        self.state["running"] = False
        self.state["run_state"] = "STOP"   # a single acquisition completes at once
        self.done = True

    def _bandwidth(self, call: Call):
        if call.query:
            return f"{self.state['bandwidth']:.6E}"
        token = call.arg().upper()
        if token in ("AUTO", "MAX", "MAXIMUM"):
            self.state["bandwidth"] = MAX_BANDWIDTH
        else:
            self.state["bandwidth"] = number(1e9, MAX_BANDWIDTH)(call.arg())

    def _time_range(self, call: Call):
        """Full-scale time = points / sample rate; setting it sets the points (rounded)."""
        if call.query:
            return f"{self.state['points'] / self.state['sample_rate']:.12g}"
        seconds = number(1e-12, 1e3)(call.arg())
        self.state["points"] = integer(*POINTS_LIMITS)(str(round(seconds * self.state["sample_rate"])))

    def _trigger_level(self, call: Call):
        source = call.arg(0).upper()
        source = "CHAN" + source[7:] if source.startswith("CHANNEL") else source
        if source not in TRIGGER_SOURCES:
            raise SCPIError(-224, call.arg(0))
        if call.query:
            return f"{self.state['trigger_levels'][source]:.12g}"
        self.state["trigger_levels"][source] = number(-5.0, 5.0)(call.arg(1))

    def _input(self, call: Call):
        if call.n not in self.state["channels"]:
            raise SCPIError(-113, f"no channel {call.n}")
        if call.query:
            return "DC50"
        if call.arg().upper() not in ("DC50", "DC"):
            raise SCPIError(-224, "the UXR inputs are 50 ohm DC coupled")

    def _header(self, call: Call):
        if call.query:
            return fmt_bool(self.headers)
        self.headers = boolean(call.arg())

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

    def _points(self) -> int:
        """Points of the source's record: the last acquisition's, or the memory depth
        set when nothing was acquired yet (the preamble describes the next record)."""
        codes = self.memory.get(self.state["source"])
        return self.state["points"] if codes is None else codes.size

    def _preamble(self, call: Call):
        points = self._points()
        yinc, yorg = self._scaling()
        channel = self.state["channels"][self.state["source"]]
        averaging = self.state["averaging"]
        fields = [FORMATS[self.state["format"]], 2 if averaging else 1, points,
                  self.state["average_count"] if averaging else 1,
                  f"{1 / self.state['sample_rate']:.12g}", 0.0, 0, f"{yinc:.12g}", f"{yorg:.12g}", 0,
                  2, f"{points / self.state['sample_rate']:.12g}", 0.0,
                  f"{channel['range']:.12g}", f"{channel['offset']:.12g}",
                  '"24 NOV 2026"', '"00:00:00:00"', '"UXR0334A:MY00000001"', 0, 100, 2, 1,
                  f"{self.state['bandwidth']:.6E}", "0"]
        return ",".join(str(f) for f in fields)

    def _data(self, call: Call):
        codes = self.channel_codes(self.state["source"]).astype(np.int32)
        streaming = self.state["streaming"]
        if self.state["format"] == "BYTE":
            data = ((codes >> (self.bits - 8)) - 128).astype(np.int8).tobytes()
            return Block(data, indefinite=streaming)
        order = "<" if self.state["byteorder"] == "LSBFirst" else ">"
        return Block((codes - 2 ** (self.bits - 1)).astype(order + "i2").tobytes(),
                     indefinite=streaming)
