"""Simulated Tektronix AWG70002B arbitrary waveform generator (10 bit, 2 channels).

Command tree: Tektronix AWG70000A/B Series Programmer Manual:

============================================================  ==============================
``CLOCk:SRATe <Sa/s>``                                        1.49 kSa/s .. 25 GSa/s (opt. 225)
``SOURce<n>:DAC:RESolution 8|9|10``                           DAC resolution (bits)
``SOURce<n>:VOLTage[:LEVel][:IMMediate][:AMPLitude] <V>``     0.25..0.5 Vpp (direct output)
``OUTPut<n>[:STATe] ON|OFF``                                  channel output
``WLISt:WAVeform:NEW "<name>",<size>``                        new waveform (float samples)
``WLISt:WAVeform:DATA "<name>",<start>,<size>,<block>``       IEEE float32 LE, -1.0..+1.0
``WLISt:WAVeform:DATA? "<name>",<start>,<size>``              read back as a block
``WLISt:WAVeform:DELete "<name>"|ALL``                        delete
``WLISt:WAVeform:LENGth? "<name>"``                           length (samples)
``SOURce<n>:CASSet:WAVeform "<name>"``                        assign waveform to channel
``AWGControl:RUN[:IMMediate]`` / ``AWGControl:STOP[:IMMediate]``  run / stop
``AWGControl:RSTate?``                                        0 stopped, 2 running
``TRIGger[:SEQuence][:IMMediate] ATRigger|BTRigger``          force trigger
============================================================  ==============================

The direct DAC output has no offset control: ``offset`` stays 0 V.
Float sample f (-1..1) -> DAC code c = round((f + 1) (2**bits - 1) / 2).
"""
from __future__ import annotations

import numpy as np

from sim_backends.scpi.awg import SimAWG
from sim_backends.scpi.commands import Command
from sim_backends.scpi.instrument import Block, Call, SCPIError, boolean, fmt_bool, integer, number

MAX_SAMPLES = 2_000_000_000  # AWG70002B waveform memory: 2 GSa


class TektronixAWG70002B(SimAWG):
    model = "tektronix_awg70002b"
    idn = "TEKTRONIX,AWG70002B,B020000,FV:7.3.0047.0"
    n_channels = 2
    bits = 10
    default_sample_rate = 25e9
    default_vpp = 0.5

    def __init__(self, *args, **kwargs):
        self.waveforms: dict[str, np.ndarray] = {}
        super().__init__(*args, **kwargs)

    def initial_state(self) -> dict:
        state = super().initial_state()
        for channel in state["channels"].values():
            channel["waveform"] = ""
        return state

    def configure(self, settings: dict) -> None:
        settings = {k: v for k, v in settings.items() if k != "offset"}
        super().configure(settings)

    def commands(self) -> list[Command]:
        return [
            self.setting("CLOCk:SRATe", "sample_rate", number(1.49e3, 25e9)),
            Command("SOURce<n>:DAC:RESolution", self._resolution),
            self.setting("SOURce<n>:VOLTage[:LEVel][:IMMediate][:AMPLitude]", "channels.vpp",
                         number(0.25, 0.5)),
            self.setting("OUTPut<n>[:STATe]", "channels.output", boolean, fmt_bool),
            Command("WLISt:WAVeform:NEW", self._new),
            Command("WLISt:WAVeform:DATA", self._data),
            Command("WLISt:WAVeform:DELete", self._delete),
            Command("WLISt:WAVeform:LENGth", lambda call: str(self.waveforms[self._wave(call)].size)),
            Command("WLISt:SIZE", lambda call: str(len(self.waveforms))),
            Command("SOURce<n>:CASSet:WAVeform", self._assign),
            Command("AWGControl:RUN[:IMMediate]", lambda call: self._run(True)),
            Command("AWGControl:STOP[:IMMediate]", lambda call: self._run(False)),
            Command("AWGControl:RSTate", lambda call: "2" if self.state["running"] else "0"),
            Command("TRIGger[:SEQuence][:IMMediate]", lambda call: None),
        ]

    def _run(self, running: bool) -> None:
        self.state["running"] = running

    def _resolution(self, call: Call):
        if call.query:
            return str(self.state["bits"])
        bits = integer(8, 10)(call.arg())
        if bits not in (8, 10):
            raise SCPIError(-224, "resolution 8 or 10")
        self.state["bits"] = bits
        for ch in self.state["channels"]:
            self._load(ch)

    def _wave(self, call: Call, index: int = 0) -> str:
        name = call.arg(index).strip('"')
        if name not in self.waveforms:
            raise SCPIError(-224, f"no waveform {name!r}")
        return name

    def _new(self, call: Call):
        name = call.arg(0).strip('"')
        size = integer(1, MAX_SAMPLES)(call.arg(1))
        self.waveforms[name] = np.zeros(size, dtype=np.float32)

    def _data(self, call: Call):
        wave = self.waveforms[self._wave(call)]
        start = integer(0, wave.size)(call.arg(1))
        if call.query:
            size = integer(0, wave.size - start)(call.arg(2))
            return Block(wave[start:start + size].astype("<f4").tobytes())
        if call.block is None:
            raise SCPIError(-104, "block data expected")
        size = integer(0, wave.size - start)(call.arg(2))
        samples = np.frombuffer(call.block, dtype="<f4")
        if samples.size != size:
            raise SCPIError(-224, f"size {size} but {samples.size} samples in the block")
        if not np.all(np.abs(samples) <= 1.0):
            raise SCPIError(-222, "samples outside -1.0..1.0")
        wave[start:start + size] = samples

    def _delete(self, call: Call):
        if call.arg().strip('"').upper() == "ALL":
            self.waveforms.clear()
        else:
            del self.waveforms[self._wave(call)]

    def _assign(self, call: Call):
        channel = self.state["channels"].get(call.n)
        if channel is None:
            raise SCPIError(-113, f"no channel {call.n}")
        if call.query:
            return f'"{channel["waveform"]}"'
        channel["waveform"] = self._wave(call)
        self._load(call.n)

    def _load(self, ch: int) -> None:
        """Quantise the assigned float waveform to DAC codes of the current resolution."""
        channel = self.state["channels"][ch]
        wave = self.waveforms.get(channel["waveform"])
        if wave is None:
            return
        full = 2 ** self.state["bits"] - 1
        codes = np.rint((wave.astype(np.float64) + 1.0) * full / 2)
        channel["codes"] = np.clip(codes, 0, full).astype(np.uint16)
