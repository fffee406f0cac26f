"""Common state of simulated arbitrary waveform generators (role "awg").

State keys (docs/INTERFACES.md): ``sample_rate`` (Sa/s), ``bits``, ``running``,
``channels[ch]`` with ``codes`` (uint16, 0..2**bits-1), ``vpp`` (V), ``offset``
(V), ``output`` (bool).  Models convert their wire format to these codes.
"""
from __future__ import annotations

import numpy as np

from sim_backends.scpi.instrument import SimInstrument


class SimAWG(SimInstrument):
    """An AWG with ``n_channels`` channels of ``bits`` resolution."""
    role = "awg"
    n_channels = 1
    bits = 8
    default_sample_rate = 1e9
    default_vpp = 0.5

    def initial_state(self) -> dict:
        return {
            "sample_rate": self.default_sample_rate, "bits": self.bits, "running": False,
            "channels": {ch: {"codes": np.zeros(0, np.uint16), "vpp": self.default_vpp,
                              "offset": 0.0, "output": False}
                         for ch in range(1, self.n_channels + 1)},
        }

    def configure(self, settings: dict) -> None:
        """Bench settings: sample_rate, vpp, offset (applied to every channel)."""
        if "sample_rate" in settings:
            self.state["sample_rate"] = float(settings["sample_rate"])
        for channel in self.state["channels"].values():
            for key in ("vpp", "offset"):
                if key in settings:
                    channel[key] = float(settings[key])
