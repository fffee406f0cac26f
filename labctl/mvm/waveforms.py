"""AWG waveform encoding: symbol values -> AWG codes at integer samples per symbol.

A symbol value u in [0, 1] is a modulator transmission; the modulator's
transfer curve (measured: ``Calibration.mzm``; else the nominal quadrature
cos^2 law of labctl.mvm.encode) is inverted to the code that gives it. Each
symbol is held for ``sps`` samples, where ``sps`` is the integer number of
samples per symbol closest to (not above) the AWG's nominal sample rate, and
the AWG is clocked at ``sps * symbol_rate``. A skew ``s`` (s) advances the
waveform circularly by ``round(s * rate)`` samples (the AWG repeats it).
"""
from __future__ import annotations

import numpy as np

from labctl.mvm import encode

#: Period (symbols) of the constant waveforms used for DC measurements.
DC_SYMBOLS = 16
#: Nominal AWG sample rate (Sa/s) when the bench file sets none.
DEFAULT_AWG_RATE = 92e9


def awg_rate(bench, frame, awg: str) -> tuple[int, float]:
    """(samples per symbol, sample rate in Sa/s) of ``awg`` at the frame's symbol rate."""
    nominal = float(bench.instruments[awg].settings.get("sample_rate", DEFAULT_AWG_RATE))
    sps = frame.awg_sps(nominal)
    return sps, sps * frame.symbol_rate


def transfer_curve(topology, io, cal, awg: str, ch: int):
    """(codes, normalised transmission) of one modulator: calibrated or nominal."""
    if cal is not None and (awg, ch) in cal.mzm:
        return cal.mzm[(awg, ch)]
    info = io.awg_info(awg)
    d = topology.devices.mzm
    return encode.nominal_curve(info["bits"], info["vpp"], info["offset"], d.v_pi, d.driver_gain)


def hold_and_skew(symbol_codes: np.ndarray, sps: int, rate: float, skew_s: float) -> np.ndarray:
    """Symbol codes -> AWG samples: each held ``sps`` samples, advanced by
    ``skew_s`` seconds at ``rate`` Sa/s (circular shift); along the last axis,
    so rows [channel, n_symbols] give rows of samples."""
    codes = np.repeat(np.asarray(symbol_codes, np.uint16), sps, axis=-1)
    shift = int(np.rint(skew_s * rate)) % codes.shape[-1]
    return np.roll(codes, -shift, axis=-1) if shift else codes


def symbol_codes(u: np.ndarray, curve, bits: int) -> np.ndarray:
    """Symbol values u in [0, 1] -> codes through the inverse transfer curve."""
    return encode.codes_for(u, curve, bits)
