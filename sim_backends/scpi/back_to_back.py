"""Electrical back-to-back table: AWG channel n cabled straight to scope channel n.

A real lab check (no optics): each scope channel sees the AWG channel of the same
number through its coaxial cable.  Signal path per channel, with the device
models of :mod:`sim_backends.physics`::

    codes --DAC(bits, sample_rate, vpp, offset of the AWG channel)--> volts at fs_awg
          --ADC(bits, sample_rate, range, offset of the scope channel)--> codes

The AWG waveform repeats (the AWG loops its segment) to fill the scope record.
A channel whose AWG output is off, or whose AWG is stopped, carries 0 V.
Noise streams come from ``Streams(seed).rng("back_to_back", scope, acquisition, ch)``,
so the same seed gives byte-identical scope codes.
"""
from __future__ import annotations

import numpy as np

from sim_backends.physics.adc import ADC
from sim_backends.physics.dac import DAC
from sim_backends.physics.streams import Streams


class BackToBackTable:
    """Minimal table of the INTERFACES.md protocol for one AWG and one or more scopes.

    ``awg``: name of the AWG instrument; ``noise``: device noise on/off.
    Instruments are given with :meth:`attach` (done by the server start-up).
    """

    def __init__(self, awg: str, seed: int = 0, noise: bool = True):
        self.awg = awg
        self.streams = Streams(seed)
        self.noise = noise
        self.instruments: dict = {}
        self._count: dict[str, int] = {}

    def attach(self, instruments: dict) -> None:
        self.instruments = instruments

    def acquire(self, scope_name: str) -> dict[int, np.ndarray]:
        """Scope codes of every channel for one acquisition of ``scope_name``."""
        scope = self.instruments[scope_name].state
        awg = self.instruments[self.awg].state
        index = self._count[scope_name] = self._count.get(scope_name, -1) + 1
        out = {}
        for ch, sc in scope["channels"].items():
            adc = ADC(bits=scope["bits"], sample_rate=scope["sample_rate"], range=sc["range"],
                      offset=sc["offset"], noise=self.noise)
            rng = self.streams.rng("back_to_back", scope_name, index, ch)
            volts = self._awg_volts(awg, ch, scope["points"] * awg["sample_rate"] / scope["sample_rate"], rng)
            out[ch] = adc.acquire(volts, awg["sample_rate"], rng, n_out=scope["points"])
        return out

    def _awg_volts(self, awg: dict, ch: int, duration_samples: float, rng) -> np.ndarray:
        n = int(np.ceil(duration_samples)) + 1
        channel = awg["channels"].get(ch)
        if channel is None or not channel["output"] or not awg["running"] or channel["codes"].size == 0:
            return np.zeros(n)
        dac = DAC(bits=awg["bits"], sample_rate=awg["sample_rate"], vpp=channel["vpp"],
                  offset=channel["offset"], noise=self.noise)
        codes = np.resize(channel["codes"], n)
        return dac.to_volts(codes, rng)

    def optical_power(self, meter_name: str, channel: int) -> float:
        """No optics on an electrical back-to-back bench: 0 W."""
        return 0.0
