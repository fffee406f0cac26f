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
``DATa:ENCdg ASCIi|RIBinary|RPBinary|``     ASCII or binary: signed (RI) or unsigned (RP)
``SRIbinary|SRPbinary``                     integers, MSB first, or LSB first (S...)
``DATa:STARt <n>`` / ``DATa:STOP <n>``      first / last point (1-based)
``WFMOutpre:ENCdg BINary|ASCii``            the same choice as DATa:ENCdg, by parts:
``WFMOutpre:BN_Fmt RI|RP``                  signed / unsigned integers
``WFMOutpre:BYT_Or MSB|LSB``                byte order
``WFMOutpre:BYT_Nr 1|2``                    bytes per point (2: the 8-bit code in the high
                                            byte, value = 256 * 1-byte value)
``WFMOutpre:YMUlt?`` ``YOFf?`` ``YZEro?``   scaling
``WFMOutpre:XINcr?`` ``WFMOutpre:NR_Pt?``   (NR_Pt before any acquisition: the points the
                                            next record will have, DATa:STARt..STOP)
``WFMOutpre:XUNit?`` / ``YUNit?``           ``"s"`` / ``"V"``
``CURVe?``                                  the data as a definite-length block (binary)
                                            or comma-separated values (ASCIi)
``HORizontal:MAIn:UNIts?``                  ``"s"``
``HORizontal:MODE:SCAle <s/div>``           time per division: record length / sample
                                            rate / 10 (AUTO, CONStant modes; sets the
                                            record length, rounded)
``HORizontal:POSition <%>``                 trigger position (stored)
``HORizontal:ROLL AUTO|ON|OFF``             roll mode (stored)
``CH<n>:COUPling DC``                       input coupling (the SX inputs: 50 ohm DC)
``CH<n>:POSition <div>``                    vertical position (stored)
``CH<n>:TERmination 50``                    input termination (ohm)
``TRIGger:{A|B}:TYPe EDGE``                 trigger type (edge only here)
``TRIGger:{A|B}:EDGE:SOUrce CH<n>|AUX``     edge source, ``:SLOpe RISe|FALL|EITHer``,
``TRIGger:{A|B}:EDGE:COUPling DC|...``      coupling (stored)
``TRIGger:{A|B}:LEVel <V>``                 trigger level
``TRIGger:{A|B}:READY?``                    1 while acquiring (RUN), else 0
``TRIGger:STATE?``                          SAVE when stopped after an acquisition,
                                            READY while running, else ARMED
``HEADer ON|OFF``                           replies with the query's header (ON:
                                            ``:CH1:SCALE 0.1``) or without (OFF, default)
``VERBose ON|OFF``                          headers in long (ON, default) or short form
``*ESR?``                                   Standard Event Status Register; reading it
                                            makes the queued events readable (below)
``EVMsg?`` / ``EVENT?`` / ``ALLEv?``        next event as ``<code>,"<message>"`` / its
                                            code / all of them
=========================================  ===========================================

Errors follow the manual's "Status and Events" chapter, not SCPI ``:SYSTem:ERRor?``
(which this instrument does not have): an error sets its SESR bit (CME 32 for
command errors, EXE 16 execution, DDE 8 device, QYE 4 query) and queues an event
whose code is the SCPI code without its sign (113 "Undefined header", 222 "Data out
of range", 350 "Queue overflow").  ``*ESR?`` returns and clears the SESR and makes
the events queued so far available to ``EVMsg?``; events that ``*ESR?`` summarised
but nobody read are dropped by the next ``*ESR?``.  With nothing available,
``EVMsg?`` answers ``1,"No events to report - new events pending *ESR?"`` or
``0,"No events to report - queue empty"``.

Scaling (programmer manual, WFMOutpre:YMUlt): volts = (value - YOFf) * YMUlt + YZEro.
RI values are the ADC code minus mid-scale (value = code - 128), YOFf = -0.5 (centre of
each code bin); RP values are the code, YOFf = 127.5; YMUlt = range / 2**8; YZEro =
channel offset.  With 2 bytes per point, value, YOFf are 256 times larger and YMUlt 256
times smaller.
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

DIVISIONS = 10


#: SESR bit of an error, by the hundreds of its code (IEEE 488.2 / programmer manual).
SESR_BITS = {1: 32, 2: 16, 3: 8, 4: 4}
NO_EVENTS = '0,"No events to report - queue empty"'
PENDING = '1,"No events to report - new events pending *ESR?"'


class TektronixDPO70000(SimScope):
    model = "tektronix_dpo70000"
    idn = "TEKTRONIX,DPO73304SX,C000001,CF:91.1CT FV:10.8.3 Build 3"
    n_channels = 4
    bits = 8
    default_sample_rate = 100e9
    error_reads = (b"*ESR", b"EVM", b"EVENT", b"ALLEV")

    def __init__(self, *args, **kwargs):
        self._sesr = 0          # Standard Event Status Register bits since the last *ESR?
        self._available = 0     # queued events that the last *ESR? made readable
        super().__init__(*args, **kwargs)
        self.verbose = True     # VERBose ON at power-on (programmer manual)

    # --- status and events (programmer manual, "Status and Events") ---------------
    def status_commands(self) -> list[Command]:
        return [Command("*ESR", self._esr), Command("EVMsg", self._evmsg),
                Command("EVENT", self._event), Command("ALLEv", self._allev),
                Command("HEADer", self._header), Command("VERBose", self._verbose)]

    def push_error(self, code: int, message: str | None = None) -> None:
        super().push_error(code, message)
        self._sesr |= SESR_BITS.get(abs(code) // 100, 0)

    def _cls(self, call: Call):
        super()._cls(call)
        self._sesr, self._available = 0, 0

    def _esr(self, call: Call):
        for _ in range(min(self._available, len(self.errors))):   # summarised, never read: gone
            self.errors.popleft()
        value, self._sesr, self._available = self._sesr, 0, len(self.errors)
        return str(value)

    def _next_event(self) -> tuple[int, str] | None:
        if not (self._available and self.errors):
            return None
        self._available -= 1
        code, message = self.errors.popleft()
        return abs(code), message

    def _nothing(self) -> str:
        """The reply when no event is readable: new ones pending *ESR?, or none at all."""
        return PENDING if self.errors else NO_EVENTS

    def _evmsg(self, call: Call):
        event = self._next_event()
        return f'{event[0]},"{event[1]}"' if event else self._nothing()

    def _event(self, call: Call):
        event = self._next_event()
        return str(event[0]) if event else self._nothing().split(",")[0]

    def _allev(self, call: Call):
        events = list(iter(self._next_event, None))
        if not events:
            return self._nothing()
        return ",".join(f'{code},"{message}"' for code, message in events)

    def _header(self, call: Call):
        if call.query:
            return fmt_bool(self.headers)
        self.headers = boolean(call.arg())

    def _verbose(self, call: Call):
        if call.query:
            return fmt_bool(self.verbose)
        self.verbose = boolean(call.arg())

    def initial_state(self) -> dict:
        state = super().initial_state()
        state.update(source=1, start=1, stop=1 << 30, stop_after="RUNSTOP",
                     horizontal_mode="AUTO", ascii=False, bn_fmt="RI", byte_order="MSB",
                     byte_nr=1, horizontal_position=50.0, roll="AUTO",
                     positions={ch: 0.0 for ch in state["channels"]},
                     triggers={t: {"type": "EDGE", "source": "CH1", "slope": "RISE",
                                   "coupling": "DC", "level": 0.0} for t in "AB"})
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
            Command("DATa:ENCdg", self._encoding),
            self.setting("DATa:STARt", "start", integer(1, 1 << 30), str),
            self.setting("DATa:STOP", "stop", integer(1, 1 << 30), str),
            self.setting("WFMOutpre:ENCdg", "ascii",
                         choice({"ASCii": True, "BINary": False}),
                         lambda v: "ASCII" if v else "BINARY"),
            self.setting("WFMOutpre:BN_Fmt", "bn_fmt", choice({"RI": "RI", "RP": "RP"}), str),
            self.setting("WFMOutpre:BYT_Or", "byte_order", choice({"MSB": "MSB", "LSB": "LSB"}),
                         str),
            Command("WFMOutpre:BYT_Nr", self._byte_nr),
            Command("WFMOutpre:YMUlt", lambda call: f"{self._step() / self._scale_up():.12g}"),
            Command("WFMOutpre:YOFf", lambda call: f"{self._y_off() * self._scale_up():.12g}"),
            Command("WFMOutpre:YZEro", lambda call: f"{self._channel()['offset']:.12g}"),
            Command("WFMOutpre:XINcr", lambda call: f"{1 / self.state['sample_rate']:.12g}"),
            Command("WFMOutpre:NR_Pt", lambda call: str(self._record_points())),
            Command("WFMOutpre:XUNit", lambda call: '"s"'),
            Command("WFMOutpre:YUNit", lambda call: '"V"'),
            Command("CURVe", self._curve),
            Command("HORizontal:MAIn:UNIts", lambda call: '"s"'),
            Command("HORizontal:MODE:SCAle", self._horizontal_scale),
            self.setting("HORizontal:POSition", "horizontal_position", number(0.0, 100.0)),
            self.setting("HORizontal:ROLL", "roll", choice({w: w for w in ("AUTO", "ON", "OFF")}),
                         str),
            Command("CH<n>:COUPling", self._coupling),
            Command("CH<n>:POSition", self._position),
            Command("CH<n>:TERmination", self._termination),
            Command("TRIGger:STATE", self._trigger_state),
        ] + [command for t in "AB" for command in self._trigger_commands(t)]

    def _trigger_commands(self, t: str) -> list[Command]:
        def field(key, parse, fmt=str):
            def handler(call: Call):
                if call.query:
                    return fmt(self.state["triggers"][t][key])
                self.state["triggers"][t][key] = parse(call.arg())
            return handler
        sources = {f"CH{n}": f"CH{n}" for n in range(1, self.n_channels + 1)} | {"AUX": "AUX"}
        return [
            Command(f"TRIGger:{t}:TYPe", field("type", choice({"EDGE": "EDGE"}))),
            Command(f"TRIGger:{t}:EDGE:SOUrce", field("source", choice(sources))),
            Command(f"TRIGger:{t}:EDGE:SLOpe", field("slope", choice(
                {"RISe": "RISE", "FALL": "FALL", "EITHer": "EITHER"}))),
            Command(f"TRIGger:{t}:EDGE:COUPling", field("coupling", choice(
                {w: w.upper() for w in ("AC", "DC", "HFRej", "LFRej", "NOISErej", "ATRIGger")}))),
            Command(f"TRIGger:{t}:LEVel", field("level", number(-5.0, 5.0),
                                                lambda v: f"{v:.12g}")),
            Command(f"TRIGger:{t}:READY", lambda call: fmt_bool(self.state["running"])),
        ]

    def _trigger_state(self, call: Call):
        if self.state["running"]:
            return "READY"
        return "SAVE" if self.acquisitions else "ARMED"

    ENCODINGS = {("RI", "MSB"): "RIBINARY", ("RI", "LSB"): "SRIBINARY",
                 ("RP", "MSB"): "RPBINARY", ("RP", "LSB"): "SRPBINARY"}

    def _encoding(self, call: Call):
        """DATa:ENCdg: ASCIi, or binary format and byte order in one word."""
        state = self.state
        if call.query:
            return "ASCII" if state["ascii"] else self.ENCODINGS[state["bn_fmt"], state["byte_order"]]
        token = choice({"ASCIi": "ASCII", "RIBinary": "RIBINARY", "RPBinary": "RPBINARY",
                        "SRIbinary": "SRIBINARY", "SRPbinary": "SRPBINARY"})(call.arg())
        state["ascii"] = token == "ASCII"
        for (fmt, order), word in self.ENCODINGS.items():
            if word == token:
                state["bn_fmt"], state["byte_order"] = fmt, order

    def _horizontal_scale(self, call: Call):
        """Time per division = record length / sample rate / 10 divisions."""
        state = self.state
        if call.query:
            return f"{state['points'] / state['sample_rate'] / DIVISIONS:.12g}"
        if state["horizontal_mode"] == "MANUAL":
            raise SCPIError(-221, "the scale is read only in MANual mode")
        seconds = number(1e-12, 1e3)(call.arg())
        state["points"] = integer(500, 1 << 30)(str(round(DIVISIONS * seconds * state["sample_rate"])))

    def _coupling(self, call: Call):
        self._channel_of(call.n)
        if call.query:
            return "DC"
        if call.arg().upper() != "DC":
            raise SCPIError(-224, "the DPO70000SX inputs are 50 ohm DC coupled")

    def _position(self, call: Call):
        self._channel_of(call.n)
        if call.query:
            return f"{self.state['positions'][call.n]:.12g}"
        self.state["positions"][call.n] = number(-8.0, 8.0)(call.arg())

    def _termination(self, call: Call):
        self._channel_of(call.n)
        if call.query:
            return "50"
        if number(1.0, 1e6)(call.arg()) != 50.0:
            raise SCPIError(-224, "the DPO70000SX inputs are terminated in 50 ohm")

    def _channel_of(self, n: int) -> dict:
        if n not in self.state["channels"]:
            raise SCPIError(-113, f"no channel {n}")
        return self.state["channels"][n]

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
            return str(self.state["byte_nr"])
        count = integer(1, 8)(call.arg())
        if count not in (1, 2):
            raise SCPIError(-224, "1 or 2 bytes per point for integer data")
        self.state["byte_nr"] = count

    def _scale_up(self) -> int:
        """Factor from a 1-byte value to the value sent (256 with 2 bytes per point)."""
        return 256 if self.state["byte_nr"] == 2 else 1

    def _y_off(self) -> float:
        """YOFf of 1-byte values: RI values are centred on 0, RP values on 128."""
        return -0.5 if self.state["bn_fmt"] == "RI" else 127.5

    def _record_points(self) -> int:
        """Points CURVe? sends: DATa:STARt..STOP of the last record, or of the record
        length when nothing was acquired yet."""
        source = self.state["source"]
        total = self.memory[source].size if source in self.memory else self.state["points"]
        start, stop = self.state["start"], min(self.state["stop"], total)
        return max(0, stop - start + 1)

    def _channel(self) -> dict:
        return self.state["channels"][self.state["source"]]

    def _step(self) -> float:
        return self._channel()["range"] / 2 ** self.bits

    def _points(self) -> np.ndarray:
        codes = self.channel_codes(self.state["source"])
        return codes[self.state["start"] - 1:self.state["stop"]]

    def _curve(self, call: Call):
        """CURVe?: values (code - 128 for RI, code for RP; times 256 with 2 bytes)."""
        values = self._points().astype(np.int32)
        if self.state["bn_fmt"] == "RI":
            values = values - 128
        values = values * self._scale_up()
        if self.state["ascii"]:
            return ",".join(str(v) for v in values.tolist())
        kind = "i" if self.state["bn_fmt"] == "RI" else "u"
        order = ">" if self.state["byte_order"] == "MSB" else "<"
        return Block(values.astype(f"{order}{kind}{self.state['byte_nr']}").tobytes())
