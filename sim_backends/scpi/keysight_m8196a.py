"""Simulated Keysight M8196A 92 GSa/s arbitrary waveform generator (8 bit, 4 channels).

Command tree: Keysight M8196A User's Guide, chapter "SCPI command reference"
(the M8195A guide, rev. 2, 6.21, documents the same :TRACe data format):

==========================================  ==========================================
``:FREQuency:RASTer <Sa/s>``                sample rate, 88..93.4 GSa/s
``:VOLTage<n>[:AMPLitude] <V>``             single-ended amplitude, 0.1..1.0 Vpp
``:VOLTage<n>:OFFSet <V>``                  offset, -1.0..+1.0 V
``:OUTPut<n>[:STATe] ON|OFF``               channel output
``:TRACe<n>:DEFine 1,<length>``             the channel's one segment; 128..524288
                                            samples, a multiple of 128
``:TRACe<n>:CATalog?``                      "1,<length>" of the defined segment
``:TRACe<n>[:DATA] 1,<offset>,<block>``     samples, signed 8-bit (-128..127)
``:TRACe<n>[:DATA]? 1,<offset>,<length>``   read back as a block
``:INITiate[:IMMediate]`` / ``:ABORt``      start / stop signal generation
``:TRIGger[:SEQuence][:STARt]:BEGin``       trigger event
==========================================  ==========================================

Wire sample s (int8) <-> DAC code c (0..255): c = s + 128.
"""
from __future__ import annotations

import numpy as np

from sim_backends.scpi.awg import SimAWG
from sim_backends.scpi.commands import Command
from sim_backends.scpi.instrument import Block, Call, SCPIError, boolean, fmt_bool, integer, number

GRANULARITY = 128          # samples, M8196A waveform granularity
MAX_SAMPLES = 512 * 1024   # samples per channel (M8196A: 512 kSa)


class KeysightM8196A(SimAWG):
    model = "keysight_m8196a"
    idn = "Keysight Technologies,M8196A,MY00000001,3.1.0.0-2"
    n_channels = 4
    bits = 8
    default_sample_rate = 92e9
    default_vpp = 0.5

    def commands(self) -> list[Command]:
        return [
            self.setting(":FREQuency:RASTer", "sample_rate", number(88e9, 93.4e9)),
            self.setting(":VOLTage<n>:OFFSet", "channels.offset", number(-1.0, 1.0)),
            self.setting(":VOLTage<n>[:AMPLitude]", "channels.vpp", number(0.1, 1.0)),
            self.setting(":OUTPut<n>[:STATe]", "channels.output", boolean, fmt_bool),
            Command(":TRACe<n>:DEFine", self._define),
            Command(":TRACe<n>:CATalog", self._catalog),
            Command(":TRACe<n>[:DATA]", self._data),
            Command(":INITiate[:IMMediate]", lambda call: self._run(True)),
            Command(":ABORt", lambda call: self._run(False)),
            Command(":TRIGger[:SEQuence][:STARt]:BEGin[:IMMediate]", lambda call: None),
        ]

    def _run(self, running: bool) -> None:
        self.state["running"] = running

    def _channel(self, call: Call) -> dict:
        if call.n not in self.state["channels"]:
            raise SCPIError(-113, f"no channel {call.n}")
        if integer(1, 1)(call.arg(0)) != 1:
            raise SCPIError(-222, "segment id must be 1")
        return self.state["channels"][call.n]

    def _define(self, call: Call):
        channel = self._channel(call)
        length = integer(GRANULARITY, MAX_SAMPLES)(call.arg(1))
        if length % GRANULARITY:
            raise SCPIError(-224, f"length {length} not a multiple of {GRANULARITY}")
        channel["codes"] = np.full(length, 128, dtype=np.uint16)

    def _catalog(self, call: Call):
        channel = self.state["channels"].get(call.n)
        if channel is None:
            raise SCPIError(-113, f"no channel {call.n}")
        return f"1,{channel['codes'].size}"

    def _data(self, call: Call):
        channel = self._channel(call)
        offset = integer(0, MAX_SAMPLES)(call.arg(1))
        codes = channel["codes"]
        if call.query:
            length = integer(0, MAX_SAMPLES)(call.arg(2))
            if offset + length > codes.size:
                raise SCPIError(-222, "beyond the defined segment")
            return Block((codes[offset:offset + length].astype(np.int16) - 128).astype(np.int8).tobytes())
        if call.block is None:
            raise SCPIError(-104, "block data expected")
        samples = np.frombuffer(call.block, dtype=np.int8)
        if offset + samples.size > codes.size:
            raise SCPIError(-222, "data beyond the defined segment")
        codes[offset:offset + samples.size] = samples.astype(np.int16) + 128
