"""Compiled per-sample passes of the link device models (MZM, photodiode,
PAM transmitter and reference receiver).

The device models (:mod:`mzm`, :mod:`photodiode`, :mod:`pam`) compute the
physics; these numba kernels only fuse their per-sample arithmetic into
single passes, with the same floating-point operations in the same order as
the numpy expressions they replace (no fast-math: no reassociation, no fused
multiply-adds), so results are bit-identical to the numpy versions
(tests/physics/test_link_kernels.py).  numpy made one full-size temporary
per operation; a chunk of the link (:mod:`chunks`) went through a dozen.
The trigonometry stays in numpy (its SIMD float32 cos/sin, ~0.4 ns a value,
beat the scalar libm calls numba would make, ~7 ns).  Compiled once and
cached on disk (``cache=True``); calls on fewer than ``COMPILED_MIN``
elements stay in numpy.

Formulas, per sample (in the dtype of the inputs, float32 or float64):

* ``mzm_field``:     E = (g (a cos half), g (b sin half)) as (re, im), half = pi (v + v_bias)
  / (2 V_pi) (numpy, as its cos and sin), a = sqrt(IL),
  b = sqrt(IL) eps, g a real field amplitude (sqrt W; 1 for the bare transfer)
* ``detect``:        I = R sum_w (re_w^2 + im_w^2) + I_d (A; wavelengths summed in order)
* ``add_noise``:     I += z sqrt(max(I, 0) q fs + i_n^2 fs / 2) (shot + thermal, A)
* ``gray_encode``:   k bits (MSB first) -> Gray word -> binary level index
  (``gray_encode_pairs``: the PAM4 case on bit pairs read as uint16)
* ``gray_decode``:   level index s -> Gray word s ^ (s >> 1) -> k bits (MSB first)
  (``gray_decode_pairs``: the PAM4 case)
* ``count_different``: bit errors, #{i : a_i != b_i}
* ``hold``:          NRZ shaping, each value repeated sps times
* ``level_sums``:    per transmitted level: count, sum y, sum y^2 (float64, in sample order)
* ``decide``:        rx = lut[#{j : y > t_j}]
"""
from __future__ import annotations

import numpy as np
from numba import njit

#: Calls on fewer elements than this take the models' numpy path (the same
#: operations in the same order, so the same values): a short call, e.g. a
#: short test's first, never waits for numba's compilation (seconds on a cold
#: cache), and at that size the compiled passes gain nothing measurable.
COMPILED_MIN = 1 << 15


def as_rows(a: np.ndarray, copy_strided: bool = False) -> np.ndarray:
    """``a`` [..., n] as [rows, n] for the row kernels: a view of a
    contiguous ``a`` (kernels writing into it write into ``a``); an input
    with gaps between its rows (a chunk of :mod:`chunks` is a strided
    window) is copied when ``copy_strided``, because numba vectorises only
    C-contiguous loops (a strided [8, 16384] float32 noise pass: 2.5 ms,
    copy + contiguous pass: 0.3 ms)."""
    rows = a.reshape(-1, a.shape[-1]) if a.ndim else a.reshape(1, 1)
    return np.ascontiguousarray(rows) if copy_strided else rows


@njit(cache=True)
def mzm_field(c, s, a, b, g, out):
    """out[2i] = g (a c[i]), out[2i + 1] = g (b s[i]): the (re, im) pairs
    of a complex field [n] viewed as reals [2n]; c, s = cos, sin of the half
    phase [n]."""
    for i in range(c.size):
        out[2 * i] = g * (a * c[i])
        out[2 * i + 1] = g * (b * s[i])


@njit(cache=True)
def detect(ri, resp, dark, out):
    """out[r, i] = resp sum_w (re^2 + im^2) + dark; ``ri`` [rows, W, 2n] is the
    complex field [rows, W, n] viewed as (re, im) pairs (A from sqrt W)."""
    for r in range(out.shape[0]):
        for i in range(out.shape[1]):
            re = ri[r, 0, 2 * i]
            im = ri[r, 0, 2 * i + 1]
            p = re * re + im * im
            for w in range(1, ri.shape[1]):
                re = ri[r, w, 2 * i]
                im = ri[r, w, 2 * i + 1]
                p += re * re + im * im
            out[r, i] = p * resp + dark


@njit(cache=True)
def add_noise(i_a, z, q_fs, thermal_var):
    """i_a[r, k] += z[r, k] sqrt(max(i_a, 0) q_fs + thermal_var) (shot +
    thermal, in place; q_fs = 0 leaves thermal only)."""
    zero = q_fs - q_fs                           # 0 in the record's dtype (no float64 promotion)
    for r in range(i_a.shape[0]):
        for k in range(i_a.shape[1]):
            x = i_a[r, k]
            sigma = x if x > zero else zero          # max(x, 0)
            i_a[r, k] = x + z[r, k] * np.sqrt(sigma * q_fs + thermal_var)


@njit(cache=True)
def gray_encode(bits, k, out):
    """out[j] = binary index of the Gray word of bits[j k .. j k + k - 1] (MSB first)."""
    for j in range(out.size):
        gray = 0
        for t in range(k):
            gray = (gray << 1) | np.int64(bits[j * k + t])
        idx = gray
        for t in range(1, k):                    # xor of all right shifts (fixed count:
            idx ^= gray >> t                     # no data-dependent branch)
        out[j] = idx


@njit(cache=True)
def gray_encode_pairs(pairs, out):
    """PAM4 case of :func:`gray_encode`: ``pairs`` [n] (uint16) are the bit
    pairs read little-endian (MSB bit in the low byte): out[j] = g ^ (g >> 1),
    g = 2 msb + lsb (one vectorised pass)."""
    for j in range(out.size):
        w = pairs[j]
        g = ((w & 0xFF) << 1) | (w >> 8)
        out[j] = g ^ (g >> 1)


@njit(cache=True)
def gray_decode_pairs(symbols, pairs):
    """PAM4 case of :func:`gray_decode`: pairs[j] (uint16, little-endian) =
    msb | lsb << 8 of the Gray word g = s ^ (s >> 1) (one vectorised pass)."""
    for j in range(symbols.size):
        s = np.uint16(symbols[j])
        g = s ^ (s >> 1)
        pairs[j] = ((g >> 1) & 1) | ((g & 1) << 8)


@njit(cache=True)
def gray_decode(symbols, k, out):
    """out[j k + t] = bit t (MSB first) of the Gray word s ^ (s >> 1), s = symbols[j]."""
    for j in range(symbols.size):
        s = np.int64(symbols[j])
        gray = s ^ (s >> 1)
        for t in range(k):
            out[j * k + t] = (gray >> (k - 1 - t)) & 1


@njit(cache=True)
def count_different(a, b):
    """Number of indices i with a[i] != b[i]."""
    n = 0
    for i in range(a.size):
        n += a[i] != b[i]
    return n


@njit(cache=True)
def hold(x, sps, out):
    """out[i sps + j] = x[i], j < sps (NRZ; the sps = 2 loop is written out
    so that it vectorises)."""
    if sps == 2:
        for i in range(x.size):
            out[2 * i] = x[i]
            out[2 * i + 1] = x[i]
        return
    for i in range(x.size):
        for j in range(sps):
            out[i * sps + j] = x[i]


@njit(cache=True)
def level_sums(y, s, m, counts, sums, squares):
    """Accumulate, for every sample with level s[i] < m, its count, y[i] and
    y[i]^2 (as float64) into counts, sums, squares [m] (sample order, as
    numpy's bincount)."""
    for i in range(y.size):
        lv = s[i]
        if lv < m:
            v = np.float64(y[i])
            counts[lv] += 1
            sums[lv] += v
            squares[lv] += v * v


@njit(cache=True)
def decide(y, thr, lut, out):
    """out[i] = lut[number of thresholds thr[j] with y[i] > thr[j]] (one
    vectorised comparison pass per threshold, then the lookup)."""
    out[:] = 0
    for j in range(thr.size):
        t = thr[j]
        for i in range(y.size):
            out[i] += y[i] > t
    for i in range(y.size):
        out[i] = lut[out[i]]
