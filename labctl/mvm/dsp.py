"""Receiver DSP for matrix products: scope codes -> per-symbol estimates.

Steps (docs/DESIGN.md, data path step 6):

1. ``to_volts``: ADC codes -> V with the scope's range/offset
   (v = offset - range/2 + (code + 1/2) range/2^bits, as sim_backends.physics.adc).
2. ``resample``: scope rate -> ``sps`` samples per symbol with
   scipy.signal.resample_poly (rational ratio), then one frame period is cut
   out (the AWGs repeat, so the record is periodic).
3. ``synchronise``: circular cross-correlation of the period with the known
   preamble (rectangular pulses) through scipy.signal.correlate (FFT method);
   the peak gives the frame start in samples.
4. ``tap_matrix``: for each symbol, the samples around its centre (a
   fractionally spaced window of ``taps`` samples).
5. ``Equaliser``: a linear feed-forward equaliser plus gain/offset and known
   side terms, trained by least squares (numpy.linalg.lstsq, small ridge) on
   the symbols whose targets are known (preamble + training), applied to the
   payload.
"""
from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from math import gcd

import numpy as np
from numba import njit
from scipy import signal


def to_volts(codes: np.ndarray, bits: int, vrange: float, offset: float) -> np.ndarray:
    """Scope codes -> volts (centre of each code bin)."""
    return offset - vrange / 2 + (np.asarray(codes, float) + 0.5) * vrange / 2**bits


@lru_cache(maxsize=8)
def preamble(order: int = 6) -> np.ndarray:
    """Maximum-length sequence of length 2^order - 1 as 0/1 floats
    (scipy.signal.max_len_seq), made once per order and read-only."""
    out = signal.max_len_seq(order)[0].astype(float)
    out.flags.writeable = False
    return out


def resample(volts: np.ndarray, fs_in: float, fs_out: float) -> np.ndarray:
    """Polyphase resampling fs_in -> fs_out (rational ratio, denominator <= 4096)."""
    ratio = Fraction(fs_out / fs_in).limit_denominator(4096)
    return _polyphase(np.asarray(volts, float), ratio.numerator, ratio.denominator)


def _polyphase(volts: np.ndarray, up: int, down: int, first: int = 0,
               count: int | None = None) -> np.ndarray:
    """scipy.signal.resample_poly(volts, up, down, axis=-1) with
    :func:`_polyphase_filter` (zero padding), outputs ``first`` to ``first +
    count`` only (default: all ceil(n up / down)); a 1:1 ratio (e.g. 32 GBd x
    4 Sa/symbol from a 128 GSa/s scope) is the identity. Output k is

        y[k] = sum_i x[i] up h[k down + L - i up]     (h: 2 L + 1 taps, centred)

    computed by :func:`_polyphase_rows` (compiled) from the filter's ``up``
    polyphase branches, so only the outputs asked for cost anything."""
    x = np.asarray(volts, float)
    n_in = x.shape[-1]
    n_out = -(-n_in * up // down)
    count = n_out - first if count is None else count
    if up == down:
        return x[..., first:first + count].copy()
    branches, half = _polyphase_branches(up, down)
    g = gcd(up, down)           # scipy reduces the ratio and keeps the filter
    up, down = up // g, down // g
    rows = np.ascontiguousarray(x.reshape(-1, n_in))
    y = _polyphase_rows(rows, branches, up, down, half, first, count)
    return y.reshape(x.shape[:-1] + (count,))


@lru_cache(maxsize=16)
def _polyphase_branches(up: int, down: int) -> tuple[np.ndarray, int]:
    """(branches [u, taps], L): branch p holds u h[p + t u] for t = 0, 1, ...
    (zero past the filter's end), h the :func:`_polyphase_filter` of 2 L + 1
    taps designed for (up, down), u = up / gcd(up, down)."""
    h = _polyphase_filter(up, down)
    up = up // gcd(up, down)
    h = h * up
    half = (h.size - 1) // 2
    taps = -(-h.size // up)
    out = np.zeros((up, taps))
    for p in range(up):
        b = h[p::up]
        out[p, :b.size] = b
    out.flags.writeable = False
    return out, half


@njit(cache=True, fastmath=True)
def _polyphase_rows(x, branches, up, down, half, first, count):
    """y[r, k - first] = sum_i x[r, i] h[k down + half - i up] (see :func:`_polyphase`):
    per output, one contiguous dot product of the reversed branch with a
    zero-padded window of x. Outputs outer, rows inner: the branch and the
    window position (one integer division) are found once per output for
    every row, and the branch stays in cache across the rows."""
    nr, n_in = x.shape
    taps = branches.shape[1]
    rev = branches[:, ::-1].copy()              # rev[p, s] = h[p + (taps - 1 - s) up]
    xp = np.zeros((nr, n_in + 2 * taps))
    xp[:, taps:taps + n_in] = x
    y = np.empty((nr, count))
    for kk in range(count):
        m = (first + kk) * down + half          # filter index of x[i] is m - i up
        w = rev[m % up]
        lo = m // up - taps + 1 + taps          # x[m // up - taps + 1] in xp
        for r in range(nr):
            xr = xp[r, lo:lo + taps]
            acc = 0.0
            for s in range(taps):
                acc += xr[s] * w[s]
            y[r, kk] = acc
    return y


@lru_cache(maxsize=16)
def _polyphase_filter(up: int, down: int) -> np.ndarray:
    """The FIR filter scipy.signal.resample_poly designs by default (Kaiser
    window, beta 5, cutoff 1/max(up, down), 20 max(up, down) + 1 taps),
    designed once per ratio instead of on every call."""
    m = max(up, down)
    h = signal.firwin(2 * 10 * m + 1, 1.0 / m, window=("kaiser", 5.0))
    h.flags.writeable = False
    return h


def one_period(volts: np.ndarray, fs_in: float, symbol_rate: float, sps: int, n_symbols: int,
               margin: int = 16) -> np.ndarray:
    """One frame period (n_symbols * sps samples) from a record of at least a
    period plus ``margin`` symbols each side, taken from the middle of the
    record, away from the resampler's edge transients."""
    y = resample(volts, fs_in, symbol_rate * sps)
    n = n_symbols * sps
    start = max(0, min(margin * sps, (y.size - n) // 2))
    if y.size < n:
        raise ValueError(f"record holds {y.size} samples, a frame needs {n}")
    return y[start:start + n], start


def _correlation(period: np.ndarray, template_symbols: np.ndarray, sps: int) -> np.ndarray:
    t = np.repeat(template_symbols - template_symbols.mean(), sps)
    x = period - period.mean()
    ext = np.concatenate([x, x[:t.size]])
    return signal.correlate(ext, t, mode="valid", method="fft")[:x.size]


def synchronise(period: np.ndarray, template_symbols: np.ndarray, sps: int) -> int:
    """Frame start (sample index into ``period``) by circular correlation with
    the zero-mean preamble upsampled by ``sps``."""
    return int(np.argmax(_correlation(period, template_symbols, sps)))


def synchronise_fine(period: np.ndarray, template_symbols: np.ndarray, sps: int) -> float:
    """Frame start in fractional samples: the correlation peak refined by a
    parabola through it and its neighbours (for skew measurements)."""
    c = _correlation(period, template_symbols, sps)
    i = int(np.argmax(c))
    y0, y1, y2 = c[i - 1], c[i], c[(i + 1) % c.size]
    den = y0 - 2 * y1 + y2
    return float(i + (0.5 * (y0 - y2) / den if den < 0 else 0.0))


def tap_matrix(period: np.ndarray, start: int, sps: int, n_symbols: int, taps: int) -> np.ndarray:
    """[n_symbols, taps] samples around each symbol centre (circular)."""
    centre = start + np.arange(n_symbols) * sps + sps // 2
    offs = np.arange(taps) - taps // 2
    return period[(centre[:, None] + offs[None, :]) % period.size]


@dataclass
class Equaliser:
    """y_hat = F @ taps + c + side @ b, least-squares trained (ridge ``lam``)."""

    coef: np.ndarray

    @classmethod
    def train(cls, taps: np.ndarray, side: np.ndarray, target: np.ndarray, lam: float = 1e-9) -> "Equaliser":
        a = _design(taps, side)
        scale = np.sqrt(np.mean(a**2, axis=0)) + 1e-30
        an = a / scale
        g = an.T @ an + lam * len(an) * np.eye(an.shape[1])
        coef = np.linalg.solve(g, an.T @ target) / scale
        return cls(coef)

    def apply(self, taps: np.ndarray, side: np.ndarray) -> np.ndarray:
        return _design(taps, side) @ self.coef


def _design(taps: np.ndarray, side: np.ndarray) -> np.ndarray:
    return np.hstack([taps, np.ones((taps.shape[0], 1)), side.reshape(taps.shape[0], -1)])


def _design_rows(taps: np.ndarray, side: np.ndarray) -> np.ndarray:
    """:func:`_design` of every output: taps [Q, K, T], side [K] / [K, s]
    (shared) or [Q, K, s] -> [Q, K, T + 1 + s]."""
    q, k = taps.shape[:2]
    side = np.asarray(side)
    side = np.broadcast_to(side.reshape(k, -1) if side.ndim < 3 else side,
                           (q, k, side.size // k if side.ndim < 3 else side.shape[-1]))
    return np.concatenate([taps, np.ones((q, k, 1)), side], axis=-1)


def train_apply_rows(taps: np.ndarray, side: np.ndarray, target: np.ndarray,
                     taps_out: np.ndarray, side_out: np.ndarray, lam: float = 1e-9) -> np.ndarray:
    """:meth:`Equaliser.train` on (taps[q], side, target[q]) followed by
    :meth:`Equaliser.apply` on (taps_out[q], side_out) for every output q at
    once (stacked matrix products and one batched solve of the normal
    equations): taps [Q, K, T], target [Q, K], taps_out [Q, P, T], sides as
    :func:`_design_rows` -> estimates [Q, P]. Equal to the per-output
    equalisers to rounding (1e-15)."""
    a = _design_rows(taps, side)
    scale = np.sqrt(np.mean(a**2, axis=1)) + 1e-30                      # [Q, C]
    an = a / scale[:, None, :]
    at = an.transpose(0, 2, 1)
    g = at @ an + lam * an.shape[1] * np.eye(an.shape[2])
    coef = np.linalg.solve(g, at @ target[..., None])[..., 0] / scale
    return (_design_rows(taps_out, side_out) @ coef[..., None])[..., 0]


def one_periods(volts: np.ndarray, fs_in: float, symbol_rate: float, sps: int, n_symbols: int,
                margin: int = 16) -> np.ndarray:
    """:func:`one_period` of every row of ``volts`` [rows, samples] at once ->
    [rows, n_symbols * sps] (one polyphase call along the last axis; each row
    gives what :func:`one_period` gives for it)."""
    ratio = Fraction(symbol_rate * sps / fs_in).limit_denominator(4096)
    up, down = ratio.numerator, ratio.denominator
    volts = np.asarray(volts)
    n_out = -(-volts.shape[-1] * up // down)
    n = n_symbols * sps
    if n_out < n:
        raise ValueError(f"record holds {n_out} samples, a frame needs {n}")
    start = max(0, min(margin * sps, (n_out - n) // 2))
    return _polyphase(volts, up, down, start, n)


def synchronise_rows(periods: np.ndarray, template_symbols: np.ndarray, sps: int) -> np.ndarray:
    """:func:`synchronise` of every row of ``periods`` [rows, N]: the argmax of
    the circular cross-correlation c[i] = sum_j x[(i + j) mod N] t[j] of the
    zero-mean period x with the zero-mean preamble t (upsampled by ``sps``),
    computed as irfft(X conj(T)) -> frame starts [rows] (samples)."""
    n = periods.shape[-1]
    x = periods - periods.mean(axis=-1, keepdims=True)
    t = _template_spectrum(np.asarray(template_symbols, float).tobytes(), sps, n)
    c = np.fft.irfft(np.fft.rfft(x, axis=-1) * t, n=n, axis=-1)
    return np.argmax(c, axis=-1)


@lru_cache(maxsize=16)
def _template_spectrum(template: bytes, sps: int, n: int) -> np.ndarray:
    """conj(rfft) of the zero-mean preamble upsampled by ``sps``, zero-padded to n."""
    sym = np.frombuffer(template)
    t = np.zeros(n)
    rep = np.repeat(sym - sym.mean(), sps)
    t[:rep.size] = rep
    out = np.conj(np.fft.rfft(t))
    out.flags.writeable = False
    return out


def tap_matrices(periods: np.ndarray, starts: np.ndarray, sps: int, n_symbols: int,
                 taps: int) -> np.ndarray:
    """:func:`tap_matrix` of every row: [rows, n_symbols, taps] (circular)."""
    periods = np.ascontiguousarray(periods, dtype=float)
    return _tap_rows(periods, np.asarray(starts, np.int64).reshape(-1), sps, n_symbols, taps)


@njit(cache=True)
def _tap_rows(periods, starts, sps, n_symbols, taps):
    """out[r, i, t] = periods[r, (starts[r] + i sps + sps // 2 + t - taps // 2) mod N]."""
    nr, n = periods.shape
    out = np.empty((nr, n_symbols, taps))
    for r in range(nr):
        for i in range(n_symbols):
            c = starts[r] + i * sps + sps // 2 - taps // 2
            for t in range(taps):
                out[r, i, t] = periods[r, (c + t) % n]
    return out
