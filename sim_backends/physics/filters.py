"""Frequency responses of the analog front ends, applied exactly in the
frequency domain.

Every band-limited device (DAC, driver, photodiode/TIA, scope) takes one of
these responses.  The default is a Gaussian low-pass, |H(f)|^2 =
exp(-ln2 (f/f3dB)^2), which has no group-delay (zero phase, so symbol
centres stay put) and a closed-form noise bandwidth
ENBW = integral_0^inf |H|^2 df = (1/2) sqrt(pi/ln2) f3dB ~ 1.0645 f3dB.
A 4th-order Bessel-Thomson (the reference receiver of IEEE 802.3 / ITU-T
G.691 tests) is available through scipy.signal for users who want the phase
response too.

Filtering uses ``scipy.fft`` over the last axis, so arrays of shape
[..., samples] are filtered in one call.  Long records are filtered by
overlap-save (:func:`overlap_save`): the exact frequency response sampled on an
``nfft``-point grid is applied to overlapping blocks, with a halo on each side
sized from the response's own impulse response (energy outside the halo
< 1e-12 of the total).  The result equals the whole-record circular
convolution to that tolerance while running ~5x faster, because a batch of
4096-point FFTs stays in cache and a 2^21-point FFT does not (measured in
benchmarks/bench_link.py; agreement tested in tests/physics/test_filters.py).
"""
from __future__ import annotations

import numpy as np
import scipy.fft as sfft
from scipy import signal

_LN2 = np.log(2.0)


def gaussian(f, f3db: float):
    """Gaussian low-pass amplitude response H(f) = exp(-(ln2/2) (f/f3dB)^2);
    |H|^2 is 1/2 at f = f3dB.  Zero phase."""
    f = np.asarray(f, dtype=float)
    return np.exp(-0.5 * _LN2 * (f / f3db) ** 2)


def gaussian_noise_bandwidth(f3db: float) -> float:
    """Equivalent noise bandwidth of :func:`gaussian`: (1/2) sqrt(pi/ln2) f3dB."""
    return 0.5 * np.sqrt(np.pi / _LN2) * f3db


def bessel(f, f3db: float, order: int = 4):
    """Bessel-Thomson low-pass complex response (scipy.signal.bessel, norm='mag',
    -3 dB at f3db), evaluated at frequencies f (Hz)."""
    b, a = signal.bessel(order, 2 * np.pi * f3db, btype="low", analog=True, norm="mag")
    _, h = signal.freqs(b, a, worN=2 * np.pi * np.asarray(f, dtype=float))
    return h


def zero_order_hold(f, fs: float):
    """Sinc roll-off of a zero-order-hold DAC: H(f) = sinc(f/fs) (numpy sinc)."""
    return np.sinc(np.asarray(f, dtype=float) / fs)


def apply_real(x, fs: float, response, block: bool = True) -> np.ndarray:
    """Filter real signal(s) ``x`` [..., samples] sampled at ``fs`` (Hz) by the
    response ``response(f) -> H`` given on the rfft frequency grid.  The
    output keeps x's float dtype (float32 stays float32).  ``block`` allows
    overlap-save for long records."""
    x = np.asarray(x)
    if block:
        y = overlap_save(x, fs, response, real=True)
        if y is not None:
            return y
    n = x.shape[-1]
    f = sfft.rfftfreq(n, 1.0 / fs)
    h = np.asarray(response(f))
    spec = sfft.rfft(x, axis=-1, workers=-1)
    spec *= h.astype(spec.dtype, copy=False)
    return sfft.irfft(spec, n=n, axis=-1, workers=-1).astype(x.dtype, copy=False)


def apply_complex(x, fs: float, response, block: bool = True) -> np.ndarray:
    """Filter complex baseband field(s) ``x`` [..., samples] by ``response(f)``
    on the (two-sided) fft frequency grid (overlap-save when ``block``)."""
    x = np.asarray(x)
    if block:
        y = overlap_save(x, fs, response, real=False)
        if y is not None:
            return y
    n = x.shape[-1]
    f = sfft.fftfreq(n, 1.0 / fs)
    spec = sfft.fft(x, axis=-1, workers=-1)
    spec *= np.asarray(response(f)).astype(spec.dtype, copy=False)
    return sfft.ifft(spec, axis=-1, workers=-1, overwrite_x=True)


#: Smallest overlap-save FFT length (a batch of these stays in cache).
MIN_NFFT = 4096
#: Impulse-response energy allowed outside the halo, relative to the total.
HALO_TOL = 1e-12


def impulse_halo(h) -> int:
    """Half-width (samples) of a circular impulse response ``h`` [..., nfft]
    (centred on index 0) holding all but HALO_TOL of its energy."""
    h = np.asarray(h)
    n = h.shape[-1]
    e = np.sum(np.abs(h.reshape(-1, n)) ** 2, axis=0)
    k = np.arange(n)
    dist = np.minimum(k, n - k)
    per_dist = np.bincount(dist, weights=e)
    outside = e.sum() - np.cumsum(per_dist)
    return int(np.argmax(outside <= HALO_TOL * e.sum()))


def overlap_save(x, fs: float, response, real: bool, min_nfft: int = MIN_NFFT):
    """Filter ``x`` [..., n] by ``response(f)`` block by block (overlap-save
    with a circular halo, so the result matches the whole-record circular
    convolution).  Returns None when the record is too short for blocks to
    pay off (caller then uses one FFT)."""
    n = x.shape[-1]
    nfft = min_nfft
    while True:
        if 4 * nfft > n:
            return None
        f = sfft.rfftfreq(nfft, 1.0 / fs) if real else sfft.fftfreq(nfft, 1.0 / fs)
        h_f = np.asarray(response(f))
        h_t = sfft.irfft(h_f, n=nfft, axis=-1) if real else sfft.ifft(h_f, axis=-1)
        halo = impulse_halo(h_t)
        if 4 * halo <= nfft:
            break
        nfft *= 2
    step = nfft - 2 * halo
    nblocks = -(-n // step)
    tail = nblocks * step - n + halo
    xp = np.concatenate([x[..., n - halo:], x, x[..., :tail]], axis=-1) if halo or tail else x
    segs = np.lib.stride_tricks.sliding_window_view(xp, nfft, axis=-1)[..., ::step, :]
    spec = (sfft.rfft if real else sfft.fft)(segs, axis=-1, workers=-1)
    h_b = h_f.astype(spec.dtype, copy=False)
    spec *= h_b[..., None, :] if h_b.ndim > 1 else h_b          # [..., blocks, nfft]
    if real:
        y = sfft.irfft(spec, n=nfft, axis=-1, workers=-1, overwrite_x=True)
    else:
        y = sfft.ifft(spec, axis=-1, workers=-1, overwrite_x=True)
    y = y[..., halo:halo + step].reshape(x.shape[:-1] + (nblocks * step,))[..., :n]
    if not real and not np.iscomplexobj(x):
        return y
    return y.astype(x.dtype, copy=False)
