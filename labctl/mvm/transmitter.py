"""The transmit side of one bench: what the AWGs and the ring heaters are sent.

:class:`Transmitter` turns symbol values into AWG codes (labctl.mvm.waveforms:
each modulator's transfer curve inverted, held ``sps`` samples per symbol at
the AWG's rate ``sps * symbol_rate`` Sa/s, advanced by the edge's skew),
builds constant (DC) waveforms, converts weights or heater powers into heater
currents (labctl.mvm.rings) and draws each frame's training symbols. It uses
the calibration in :attr:`Transmitter.cal` where present (transfer curves,
skews, ring curves), else the nominal design values.
"""
from __future__ import annotations

import numpy as np

from labctl.mvm import encode, rings, waveforms


class Transmitter:
    """AWG waveforms, heater currents and training symbols of one bench
    (``bench``, its bench IO ``io``, frame format ``frame``, scheme ``scheme``,
    random streams ``streams``)."""

    def __init__(self, bench, io, frame, scheme, streams, cal=None):
        self.bench, self.io, self.frame, self.scheme, self.streams = bench, io, frame, scheme, streams
        self.topo = bench.topology
        #: the calibration in use (labctl.mvm.calibration.Calibration) or None
        self.cal = cal

    def awg_rate(self, awg: str) -> tuple[int, float]:
        """(samples per symbol, sample rate Sa/s) of ``awg``."""
        return waveforms.awg_rate(self.bench, self.frame, awg)

    def curve(self, awg: str, ch: int):
        """(codes, normalised transmission) of a modulator: calibrated or nominal."""
        return waveforms.transfer_curve(self.topo, self.io, self.cal, awg, ch)

    def skew(self, edge: str) -> float:
        """Calibrated arrival time (s) of ``edge`` modulo the frame period (0 nominally)."""
        return self.cal.skew_s.get(edge, 0.0) if self.cal is not None else 0.0

    def modulator_channels(self) -> list[tuple[str, int, str | None]]:
        """(awg, channel, edge or None) of every modulator the scheme uses."""
        return self.scheme.modulator_channels(self.topo)

    def waveform(self, awg: str, ch: int, u: np.ndarray | None, skew_s: float = 0.0,
                 raw_codes: np.ndarray | None = None) -> np.ndarray:
        """Symbol values u (n_symbols,) in [0, 1] (or ``raw_codes``) -> AWG codes
        at sps samples/symbol, advanced by ``skew_s`` (s; circularly: the AWG repeats)."""
        if raw_codes is None:
            return self.waveforms(awg, [ch], [u], skew_s)[ch]
        return waveforms.hold_and_skew(raw_codes, *self.awg_rate(awg), skew_s)

    def waveforms(self, awg: str, chans, rows_u, skew_s: float = 0.0) -> dict[int, np.ndarray]:
        """:meth:`waveform` of several channels of one AWG at once: {ch: codes}
        for the symbol rows ``rows_u`` [channel, n_symbols] (values in [0, 1])."""
        # waveforms.symbol_codes (encode.codes_for) with each curve's inverse cached
        bits = self.io.awg_info(awg)["bits"]
        target = encode.T_LO + (encode.T_HI - encode.T_LO) * np.clip(np.asarray(rows_u, float), 0, 1)
        c = np.stack([np.interp(t, *self._inverse(awg, ch)) for t, ch in zip(target, chans)])
        codes = waveforms.hold_and_skew(np.clip(np.rint(c), 0, 2 ** bits - 1), *self.awg_rate(awg),
                                        skew_s)
        return dict(zip(chans, codes))

    def _inverse(self, awg: str, ch: int):
        """encode.monotone_inverse of :meth:`curve` (t_sorted, codes), cached per
        channel while its source is the same: the calibration's curve object
        (held, compared by identity) or the nominal curve's inputs (AWG bits,
        Vpp, offset; V_pi, driver gain)."""
        cal = self.cal
        if cal is not None and (awg, ch) in cal.mzm:
            src, key = cal.mzm[(awg, ch)], (awg, ch, "cal")
        else:
            info, d = self.io.awg_info(awg), self.topo.devices.mzm
            src = None
            key = (awg, ch, info["bits"], info["vpp"], info["offset"], d.v_pi, d.driver_gain)
        cache = self.__dict__.setdefault("_inverses", {})
        hit = cache.get(key)
        if hit is None or hit[0] is not src:
            hit = cache[key] = (src, encode.monotone_inverse(*self.curve(awg, ch)))
        return hit[1]

    def const_waves(self, codes_by_channel: dict, n: int | None = None) -> dict:
        """{awg: {ch: codes}} holding one constant code per channel (``n``
        symbols long, default a frame: a short period is enough for DC measurements)."""
        n = self.frame.n_symbols if n is None else n
        waves: dict = {}
        for (awg, ch), code in codes_by_channel.items():
            waves.setdefault(awg, {})[ch] = self.waveform(awg, ch, None, raw_codes=np.full(n, code))
        return waves

    def bright_codes(self) -> dict:
        """{(awg, ch): code} of every modulator at full transmission (u = 1)."""
        out = {}
        for awg, ch, _ in self.modulator_channels():
            bits = self.io.awg_info(awg)["bits"]
            out[(awg, ch)] = int(waveforms.symbol_codes(np.ones(1), self.curve(awg, ch), bits)[0])
        return out

    def heaters_for_weights(self, w_u: np.ndarray) -> dict[int, float]:
        """Unsigned weights w_u [output q, port p] -> heater currents (A) per channel."""
        return rings.heaters_for_weights(self.topo, self.cal, w_u)

    def heater_currents(self, p: np.ndarray) -> dict[int, float]:
        """Applied heater powers p [port, line] (W) -> heater currents (A) per channel."""
        return rings.heater_currents(self.topo, p)

    def training(self, shape, index: int) -> np.ndarray:
        """Training symbols (uniform in [0, 1]) of frame ``index``, from the
        ("training", index) stream: a frame's symbols do not depend on batching."""
        return self.streams.rng("training", index).uniform(0, 1, shape)
