"""Simulated Tektronix AWG70002B arbitrary waveform generator (10 bit, 2 channels).

Command tree: Tektronix AWG70000A/B Series Programmer Manual:

============================================================  ==============================
``CLOCk:SRATe <Sa/s>``                                        1.49 kSa/s .. 25 GSa/s (opt. 225)
``SOURce<n>:DAC:RESolution 8|9|10``                           DAC resolution (bits)
``SOURce<n>:VOLTage[:LEVel][:IMMediate][:AMPLitude] <V>``     0.25..0.5 Vpp (direct output)
``OUTPut<n>[:STATe] ON|OFF``                                  channel output
``WLISt:WAVeform:NEW "<name>",<size>``                        new waveform (float samples)
``WLISt:WAVeform:DATA "<name>"[,<start>[,<size>]],<block>``   IEEE float32 LE, -1.0..+1.0
``WLISt:WAVeform:DATA? "<name>"[,<start>[,<size>]]``          read back as a block
``WLISt:WAVeform:DELete "<name>"|ALL``                        delete
``WLISt:WAVeform:LENGth? "<name>"``                           length (samples)
``SOURce<n>:CASSet:WAVeform "<name>"``                        assign waveform to channel
``AWGControl:RUN[:IMMediate]`` / ``AWGControl:STOP[:IMMediate]``  run / stop
``AWGControl:RSTate?``                                        0 stopped, 2 running
``TRIGger[:SEQuence][:IMMediate] ATRigger|BTRigger``          force trigger
``CLOCk:SOURce INTernal|EFIXed|EVARiable|EXTernal``            clock source (default INT)
``CLOCk:ECLock:FREQuency <Hz>``                               external clock, 6.25..12.5 GHz
``INSTrument:MODE AWG|FGEN``                                  operating mode (default AWG)
``OUTPut:OFF ON|OFF``                                         all outputs off (default OFF)
``SOURce<n>:VOLTage[:LEVel][:IMMediate]:OFFSet <V>``          0 V only (direct DAC output)
``SOURce<n>:CASSet?`` / ``SOURce<n>:CASSet:CLEar``            assigned asset / clear it
``WLISt:LIST?``                                               waveform names, quoted
``MMEMory:CDIRectory "<dir>"``                                current directory
``MMEMory:DATA "<file>",<block>`` / ``MMEMory:DATA? "<file>"``  write / read a file
``MMEMory:DELete "<file>"``                                   delete (-256 if absent)
``MMEMory:OPEN "<path>.wfmx"``                                load a WFMX file into the
                                                              waveform list (its stem)
``SYSTem:ERRor:CODE? / :COUNt? / :ALL?``                      error queue (SCPI-99 forms)
``SOURce<n>:MARKer<m>:VOLTage[:LEVel][:IMMediate]:HIGH|LOW``  marker levels, -1.4..1.4 V
``OUTPut<n>:WVALue:ANALog[:STATe] FIRSt|ZERO``                analog output while waiting
``OUTPut<n>:WVALue:MARKer<m> FIRSt|LOW|HIGH``                 marker output while waiting
``OUTPut<n>:SVALue:MARKer<m> OFF|LOW``                        marker output when stopped
============================================================  ==============================

The direct DAC output has no offset control: ``offset`` stays 0 V.
Float sample f (-1..1) -> DAC code c = round((f + 1) (2**bits - 1) / 2).

WFMX file (AWG70000 waveform file): an XML header whose ``DataFile`` element's
``offset`` attribute is the header length in bytes, ``NumberSamples`` N and
``MarkersIncluded``; then N IEEE float32 little-endian samples (-1..1), then, with
markers, N marker bytes.  The file system is a dictionary of paths held in memory.
"""
from __future__ import annotations

import re

import numpy as np

from sim_backends.scpi.awg import SimAWG
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

MAX_SAMPLES = 2_000_000_000  # AWG70002B waveform memory: 2 GSa
DEFAULT_DIRECTORY = "\\Users\\OEM\\Documents"
CLOCK_SOURCES = {"INTernal": "INT", "EFIXed": "EFIX", "EVARiable": "EVAR", "EXTernal": "EXT"}


class TektronixAWG70002B(SimAWG):
    model = "tektronix_awg70002b"
    idn = "TEKTRONIX,AWG70002B,B020000,FV:7.3.0047.0"
    n_channels = 2
    bits = 10
    default_sample_rate = 25e9
    default_vpp = 0.5

    def __init__(self, *args, **kwargs):
        self.waveforms: dict[str, np.ndarray] = {}
        self.files: dict[str, bytes] = {}      # normalised path -> file contents
        super().__init__(*args, **kwargs)

    def initial_state(self) -> dict:
        state = super().initial_state()
        for channel in state["channels"].values():
            channel["waveform"] = ""
        state.update(clock_source="INT", external_clock=6.25e9, mode="AWG", all_off=False,
                     directory=DEFAULT_DIRECTORY)
        for channel in state["channels"].values():
            channel.update(hold="FIRST", markers={m: {"HIGH": 1.0, "LOW": 0.0, "WAIT": "FIRST",
                                                       "STOPPED": "OFF"} for m in (1, 2)})
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
            self.setting("CLOCk:SOURce", "clock_source", choice(CLOCK_SOURCES), str),
            self.setting("CLOCk:ECLock:FREQuency", "external_clock", number(6.25e9, 12.5e9)),
            self.setting("INSTrument:MODE", "mode", choice({"AWG": "AWG", "FGEN": "FGEN"}), str),
            self.setting("OUTPut:OFF", "all_off", boolean, fmt_bool),
            Command("SOURce<n>:VOLTage[:LEVel][:IMMediate]:OFFSet", self._offset),
            Command("SOURce<n>:CASSet", self._asset),
            Command("SOURce<n>:CASSet:CLEar", self._clear_asset),
            Command("WLISt:LIST", self._list),
            Command("MMEMory:CDIRectory", self._cdir),
            Command("MMEMory:DATA", self._file_data),
            Command("MMEMory:DELete", self._file_delete),
            Command("MMEMory:OPEN", self._open),
            Command("OUTPut<n>:WVALue:ANALog[:STATe]", self._hold),
            Command("SOURce<n>:MARKer<n>:VOLTage[:LEVel][:IMMediate]:HIGH",
                    lambda call: self._marker(call, "HIGH", number(-1.4, 1.4), "{:.12g}")),
            Command("SOURce<n>:MARKer<n>:VOLTage[:LEVel][:IMMediate]:LOW",
                    lambda call: self._marker(call, "LOW", number(-1.4, 1.4), "{:.12g}")),
            Command("OUTPut<n>:WVALue:MARKer<n>", lambda call: self._marker(
                call, "WAIT", choice({"FIRSt": "FIRST", "LOW": "LOW", "HIGH": "HIGH"}), "{}")),
            Command("OUTPut<n>:SVALue:MARKer<n>", lambda call: self._marker(
                call, "STOPPED", choice({"OFF": "OFF", "LOW": "LOW"}), "{}")),
        ]

    def _hold(self, call: Call):
        channel = self._channel(call.n)
        if call.query:
            return channel["hold"]
        channel["hold"] = choice({"FIRSt": "FIRST", "ZERO": "ZERO"})(call.arg())

    def _marker(self, call: Call, key: str, parse, fmt: str):
        channel = self._channel(call.suffixes[0])
        marker = call.suffixes[1] if len(call.suffixes) > 1 else 1
        if marker not in channel["markers"]:
            raise SCPIError(-113, f"no marker {marker}")
        if call.query:
            return fmt.format(channel["markers"][marker][key])
        channel["markers"][marker][key] = parse(call.arg())

    def _offset(self, call: Call):
        if call.query:
            return "0"
        if number(-2.0, 2.0)(call.arg()) != 0.0:
            raise SCPIError(-221, "the direct DAC output has no offset")

    def _asset(self, call: Call):
        channel = self._channel(call.n)
        if not call.query:
            raise SCPIError(-113, "CASSet is a query")
        return f'"{channel["waveform"]}"'

    def _clear_asset(self, call: Call):
        channel = self._channel(call.n)
        channel["waveform"] = ""
        channel["codes"] = np.zeros(0, np.uint16)

    def _channel(self, n: int) -> dict:
        if n not in self.state["channels"]:
            raise SCPIError(-113, f"no channel {n}")
        return self.state["channels"][n]

    def _list(self, call: Call):
        return ",".join(f'"{name}"' for name in self.waveforms) or '""'

    # --- mass memory (MMEMory subsystem) ----------------------------------------
    def _path(self, text: str) -> str:
        """Normalised absolute path of ``text`` (drive letter dropped, case folded)."""
        path = text.strip().strip('"').replace("/", "\\")
        path = re.sub(r"^[A-Za-z]:", "", path)
        if not path.startswith("\\"):
            path = self.state["directory"].rstrip("\\") + "\\" + path
        return path.lower()

    def _cdir(self, call: Call):
        if call.query:
            return f'"{self.state["directory"]}"'
        self.state["directory"] = call.arg().strip('"')

    def _file_data(self, call: Call):
        path = self._path(call.arg(0))
        if call.query:
            if path not in self.files:
                raise SCPIError(-256, call.arg(0))
            return Block(self.files[path])
        if call.block is None:
            raise SCPIError(-104, "block data expected")
        self.files[path] = call.block

    def _file_delete(self, call: Call):
        path = self._path(call.arg(0))
        if self.files.pop(path, None) is None:
            raise SCPIError(-256, call.arg(0))

    def _open(self, call: Call):
        """Load a WFMX file into the waveform list under the file's stem."""
        path = self._path(call.arg(0))
        if path not in self.files:
            raise SCPIError(-256, call.arg(0))
        name = call.arg(0).strip('"').replace("/", "\\").rsplit("\\", 1)[-1]
        if not name.lower().endswith(".wfmx"):
            raise SCPIError(-224, "only .wfmx files load into the waveform list")
        self.waveforms[name[:-5]] = parse_wfmx(self.files[path])

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
        if call.query:   # WLISt:WAVeform:DATA? "<name>"[,<start>[,<size>]]
            start = integer(0, wave.size)(call.args[1]) if len(call.args) > 1 else 0
            size = (integer(0, wave.size - start)(call.args[2]) if len(call.args) > 2
                    else wave.size - start)
            return Block(wave[start:start + size].astype("<f4").tobytes())
        # WLISt:WAVeform:DATA "<name>"[,<start>[,<size>]],<block>
        if call.block is None:
            raise SCPIError(-104, "block data expected")
        if len(call.block) % 4:
            raise SCPIError(-224, "block length not a multiple of 4 bytes (float32 samples)")
        samples = np.frombuffer(call.block, dtype="<f4")
        given = [a for a in call.args[1:] if a != ""]
        start = integer(0, wave.size)(given[0]) if given else 0
        size = integer(0, wave.size - start)(given[1]) if len(given) > 1 else samples.size
        if start + size > wave.size:
            raise SCPIError(-222, f"{size} samples from {start} exceed {wave.size}")
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


def parse_wfmx(data: bytes) -> np.ndarray:
    """Samples (float32, -1..1) of a WFMX file: XML header of ``offset`` bytes, then data.

    Samples outside -1..1 are clipped, as the instrument clips them (-222 not raised).
    """
    head = data[:4096].decode("latin-1")
    found = re.search(r'<DataFile[^>]*offset="(\d+)"', head)
    if found is None:
        raise SCPIError(-224, "not a WFMX file (no DataFile offset)")
    offset = int(found.group(1))
    header = data[:offset].decode("latin-1")
    samples = re.search(r"<NumberSamples>(\d+)</NumberSamples>", header)
    endian = re.search(r"<Endian>(\w+)</Endian>", header)
    if samples is None:
        raise SCPIError(-224, "WFMX header without NumberSamples")
    n = int(samples.group(1))
    order = ">" if endian is not None and endian.group(1).lower() == "big" else "<"
    if len(data) < offset + 4 * n:
        raise SCPIError(-224, f"WFMX file shorter than {n} samples")
    wave = np.frombuffer(data, dtype=order + "f4", count=n, offset=offset)
    return np.clip(wave, -1.0, 1.0).astype(np.float32)
