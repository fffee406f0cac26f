"""Common state and acquisition of simulated real-time oscilloscopes (role "scope").

State keys (docs/INTERFACES.md): ``sample_rate`` (Sa/s), ``points``, ``bits``,
``channels[ch]`` with ``range`` (V full scale), ``offset`` (V), ``enabled``;
``averaging`` (bool) and ``average_count`` (records averaged point by point
into one acquisition, as the scopes' averaging acquisition mode does).
An acquisition asks the optical table for the codes of every channel
(``table.acquire(name) -> {ch: uint16 codes}``) and keeps them in ``memory``
until the next acquisition, as the scope's acquisition memory does.
"""
from __future__ import annotations

import numpy as np

from sim_backends.scpi.instrument import SCPIError, SimInstrument


class SimScope(SimInstrument):
    role = "scope"
    n_channels = 4
    bits = 8
    default_sample_rate = 100e9
    default_points = 65536
    default_range = 0.5

    def __init__(self, *args, **kwargs):
        self.memory: dict[int, np.ndarray] = {}
        self.acquisitions = 0
        super().__init__(*args, **kwargs)

    def initial_state(self) -> dict:
        return {
            "sample_rate": self.default_sample_rate, "points": self.default_points,
            "bits": self.bits, "running": False, "averaging": False, "average_count": 16,
            "channels": {ch: {"range": self.default_range, "offset": 0.0, "enabled": True}
                         for ch in range(1, self.n_channels + 1)},
        }

    def configure(self, settings: dict) -> None:
        """Bench settings: sample_rate, points, range, offset."""
        for key, cast in (("sample_rate", float), ("points", int)):
            if key in settings:
                self.state[key] = cast(settings[key])
        for channel in self.state["channels"].values():
            for key in ("range", "offset"):
                if key in settings:
                    channel[key] = float(settings[key])

    def acquire(self) -> None:
        """One single-shot acquisition of every enabled channel (blocking)."""
        if self.table is None:
            raise SCPIError(-224, "no optical table attached: nothing to acquire")
        codes = self.table.acquire(self.name)
        points = self.state["points"]
        self.memory = {ch: np.asarray(c, dtype=np.uint16)[:points]
                       for ch, c in codes.items() if self.state["channels"][ch]["enabled"]}
        self.acquisitions += 1

    def channel_codes(self, ch: int) -> np.ndarray:
        """Codes of channel ``ch`` from the last acquisition (-224 if there is none)."""
        if ch not in self.memory:
            raise SCPIError(-224, f"no acquired data on channel {ch}")
        return self.memory[ch]
