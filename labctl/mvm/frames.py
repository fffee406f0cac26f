"""Frame formats shared by encoding, calibration and decoding.

A frame is one AWG period of ``n_symbols`` symbols::

    [ preamble (m-sequence, 63 symbols) | training (``train`` symbols) | payload | guard ]

The guard pads the frame to a multiple of ``align`` symbols (AWG waveform
granularity: the Keysight M8196A takes multiples of 128 samples = 16 symbols
at 8 samples/symbol).

The preamble synchronises the receiver; preamble and training symbols carry
values known to the receiver and train its equaliser; the payload carries the
product. Every AWG plays ``sps`` samples per symbol (integer: the AWG sample
rate is set to ``sps * symbol_rate``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labctl.mvm.dsp import preamble

#: Symbols recorded before and after the decoded frame period (resampler transients).
MARGIN_SYMBOLS = 16


@dataclass(frozen=True)
class FrameFormat:
    """Symbol rate (Bd), payload slots, training slots, receiver samples per
    symbol and equaliser taps."""

    symbol_rate: float = 11.5e9
    payload: int = 128
    train: int = 64
    sps_rx: int = 4
    taps: int = 17
    preamble_order: int = 6
    align: int = 16

    @property
    def pre(self) -> np.ndarray:
        return preamble(self.preamble_order)

    @property
    def n_pre(self) -> int:
        return 2**self.preamble_order - 1

    @property
    def n_symbols(self) -> int:
        n = self.n_pre + self.train + self.payload
        return -(-n // self.align) * self.align

    @property
    def period(self) -> float:
        return self.n_symbols / self.symbol_rate

    @property
    def known(self) -> slice:
        """Symbols with receiver-known values (preamble + training)."""
        return slice(0, self.n_pre + self.train)

    @property
    def payload_slice(self) -> slice:
        return slice(self.n_pre + self.train, self.n_pre + self.train + self.payload)

    def awg_sps(self, nominal_rate: float) -> int:
        """Integer samples per symbol closest to (not above) an AWG's nominal rate."""
        return max(1, int(np.floor(nominal_rate / self.symbol_rate + 1e-9)))

    def scope_points(self, fs: float) -> int:
        """Record length: one frame period plus ``MARGIN_SYMBOLS`` on each side
        (the resampler's edge transients), the part the DSP uses."""
        return int(np.ceil((self.n_symbols + 2 * MARGIN_SYMBOLS) / self.symbol_rate * fs))
