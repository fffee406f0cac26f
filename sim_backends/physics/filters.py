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
overlap-save (:func:`overlap_save`) when the caller gives the impulse-response
half-width ``width`` (devices do: :func:`gaussian_halo`, the fibre's
group-delay spread): the exact frequency response sampled on an ``nfft``-point
grid is applied to overlapping blocks with a circular halo of ``width`` on
each side.  The result equals the whole-record circular convolution to ~1e-4
of full scale for band-limited signals (tests/physics/test_filters.py) while
running several times faster, because a batch of 4096-point FFTs stays in
cache and a 2^21-point FFT does not.  Without ``width`` one whole-record FFT
is used.  :func:`halo` estimates a half-width from the energy of the sampled
impulse response (conservative: the kink of a response at Nyquist leaves slow
ringing tails).

Responses are callables ``response(f) -> H``.  Devices pass a hashable
``key`` (the frozen device dataclass itself) so that the response sampled on
a given (n, fs) grid and its impulse-response halo are computed once and
reused (a small LRU cache), which matters when a record is processed in many
chunks (:mod:`sim_backends.physics.chunks`).
"""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import scipy.fft as sfft
from scipy import signal, special

_LN2 = np.log(2.0)


def gaussian(f, f3db: float):
    """Gaussian low-pass amplitude response H(f) = exp(-(ln2/2) (f/f3dB)^2);
    |H|^2 is 1/2 at f = f3dB.  Zero phase."""
    f = np.asarray(f, dtype=float)
    return np.exp(-0.5 * _LN2 * (f / f3db) ** 2)


def gaussian_noise_bandwidth(f3db: float, fs: float | None = None) -> float:
    """Equivalent noise bandwidth of :func:`gaussian`, integral of |H|^2 over
    [0, fs/2]: (1/2) sqrt(pi/ln2) f3dB erf(sqrt(ln2) fs / (2 f3dB));
    fs=None integrates to infinity."""
    full = 0.5 * np.sqrt(np.pi / _LN2) * f3db
    return full if fs is None else full * float(special.erf(np.sqrt(_LN2) * fs / (2 * f3db)))


#: Samples added to analytic impulse-response half-widths: the responses are
#: sampled on a periodic grid, so the kink at Nyquist adds a small ringing
#: tail that couples only to signal content near fs/2 (chunked and
#: whole-record results agree to 1e-4 of full scale even for signals with
#: strong content at Nyquist, i.e. below a 10-bit LSB; test_filters.py).
HALO_MARGIN = 64


def gaussian_halo(f3db: float, fs: float) -> int:
    """Impulse-response half-width (samples) of :func:`gaussian`: the analog
    impulse response is a Gaussian of sigma = sqrt(ln2) / (2 pi f3dB); 8 sigma
    holds all but ~1e-15 of it."""
    sigma = np.sqrt(_LN2) / (2 * np.pi * f3db)
    return int(np.ceil(8 * sigma * fs)) + HALO_MARGIN


def bessel(f, f3db: float, order: int = 4):
    """Bessel-Thomson low-pass complex response (scipy.signal.bessel, norm='mag',
    -3 dB at f3db), evaluated at frequencies f (Hz)."""
    b, a = signal.bessel(order, 2 * np.pi * f3db, btype="low", analog=True, norm="mag")
    _, h = signal.freqs(b, a, worN=2 * np.pi * np.asarray(f, dtype=float))
    return h


def zero_order_hold(f, fs: float):
    """Sinc roll-off of a zero-order-hold DAC: H(f) = sinc(f/fs) (numpy sinc)."""
    return np.sinc(np.asarray(f, dtype=float) / fs)


#: Smallest overlap-save FFT length (a batch of these stays in cache).
MIN_NFFT = 4096
#: Impulse-response energy allowed outside the halo, relative to the total.
HALO_TOL = 1e-12

_CACHE: OrderedDict = OrderedDict()
_CACHE_SIZE = 128


def sampled(response, n: int, fs: float, real: bool, key=None, dtype=None) -> np.ndarray:
    """``response`` on the n-point rfft (``real``) or fft grid at ``fs``,
    cast to ``dtype`` if given (the spectrum's, e.g. complex64); cached under
    ``key`` when one is given (so a chunked record casts it once)."""
    if key is None:
        f = sfft.rfftfreq(n, 1.0 / fs) if real else sfft.fftfreq(n, 1.0 / fs)
        h = np.asarray(response(f))
        return h if dtype is None else h.astype(dtype, copy=False)
    k = ("H", key, n, float(fs), real, None if dtype is None else np.dtype(dtype).str)
    if k not in _CACHE:
        _CACHE[k] = (sampled(response, n, fs, real) if dtype is None
                     else sampled(response, n, fs, real, key).astype(dtype, copy=False))
        if len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    _CACHE.move_to_end(k)
    return _CACHE[k]


def impulse_halo(h) -> int:
    """Half-width (samples) of a circular impulse response ``h`` [..., nfft]
    (centred on index 0) holding all but HALO_TOL of its energy."""
    h = np.asarray(h)
    n = h.shape[-1]
    e = np.sum(np.abs(h.reshape(-1, n)) ** 2, axis=0)
    k = np.arange(n)
    per_dist = np.bincount(np.minimum(k, n - k), weights=e)
    outside = e.sum() - np.cumsum(per_dist)
    return int(np.argmax(outside <= HALO_TOL * e.sum()))


def halo(response, fs: float, real: bool, key=None, n_max: int | None = None) -> tuple[int, int]:
    """(halo, nfft): the impulse-response half-width of ``response`` at
    ``fs`` and the smallest FFT length >= MIN_NFFT with nfft >= 4 halo
    (so that blocks waste at most half their length).  ``n_max`` caps the
    search (returns (halo, nfft) with nfft > n_max when blocks cannot pay)."""
    k = ("halo", key, float(fs), real, n_max)
    if key is not None and k in _CACHE:
        return _CACHE[k]
    nfft = MIN_NFFT
    while True:
        h_t = (sfft.irfft(sampled(response, nfft, fs, real, key), n=nfft, axis=-1) if real
               else sfft.ifft(sampled(response, nfft, fs, real, key), axis=-1))
        width = impulse_halo(h_t)
        if 4 * width <= nfft or (n_max is not None and nfft > n_max):
            break
        nfft *= 2
    if key is not None:
        _CACHE[k] = (width, nfft)
    return width, nfft


def nfft_for(width: int) -> int:
    """Smallest power-of-two FFT length >= MIN_NFFT and >= 4 width."""
    return max(MIN_NFFT, 1 << int(np.ceil(np.log2(4 * width + 1))))


def apply_real(x, fs: float, response, block: bool = True, key=None,
               width: int | None = None) -> np.ndarray:
    """Filter real signal(s) ``x`` [..., samples] sampled at ``fs`` (Hz) by the
    response ``response(f) -> H`` on the rfft frequency grid.  The output
    keeps x's float dtype (float32 stays float32).  ``block`` allows
    overlap-save for long records when the impulse-response half-width
    ``width`` (samples) is given, e.g. :func:`gaussian_halo`, else one
    whole-record FFT; ``key`` caches the sampled response."""
    return _apply(np.asarray(x), fs, response, True, block, key, width)


def apply_complex(x, fs: float, response, block: bool = True, key=None,
                  width: int | None = None) -> np.ndarray:
    """Filter complex baseband field(s) ``x`` [..., samples] by ``response(f)``
    on the (two-sided) fft frequency grid (overlap-save when ``block``;
    ``width`` gives the impulse-response half-width when the caller knows it
    better than the energy criterion, e.g. dispersion's group-delay spread)."""
    return _apply(np.asarray(x), fs, response, False, block, key, width)


def _apply(x, fs, response, real, block, key, width=None):
    n = x.shape[-1]
    if block and width is not None and n > 4 * MIN_NFFT:
        nfft = nfft_for(width)
        if 4 * nfft <= n:
            return overlap_save(x, fs, response, real, nfft, width, key)
    spec = (sfft.rfft if real else sfft.fft)(x, axis=-1)
    spec *= sampled(response, n, fs, real, key, spec.dtype)
    if real:
        return sfft.irfft(spec, n=n, axis=-1, overwrite_x=True).astype(x.dtype, copy=False)
    y = sfft.ifft(spec, axis=-1, overwrite_x=True)
    return y.astype(x.dtype, copy=False) if np.iscomplexobj(x) else y


def overlap_save(x, fs: float, response, real: bool, nfft: int, width: int, key=None) -> np.ndarray:
    """Filter ``x`` [..., n] by ``response(f)`` in blocks of ``nfft`` with a
    circular halo of ``width`` samples on each side, so that the result
    matches the whole-record circular convolution (to HALO_TOL)."""
    n = x.shape[-1]
    step = nfft - 2 * width
    nblocks = -(-n // step)
    tail = nblocks * step - n + width
    xp = np.concatenate([x[..., n - width:], x, x[..., :tail]], axis=-1)
    segs = np.lib.stride_tricks.sliding_window_view(xp, nfft, axis=-1)[..., ::step, :]
    spec = (sfft.rfft if real else sfft.fft)(segs, axis=-1)
    h_b = sampled(response, nfft, fs, real, key, spec.dtype)
    spec *= h_b[..., None, :] if h_b.ndim > 1 else h_b          # [..., blocks, nfft]
    if real:
        y = sfft.irfft(spec, n=nfft, axis=-1, overwrite_x=True)
    else:
        y = sfft.ifft(spec, axis=-1, overwrite_x=True)
    y = y[..., width:width + step].reshape(x.shape[:-1] + (nblocks * step,))[..., :n]
    if not real and not np.iscomplexobj(x):
        return y
    return y.astype(x.dtype, copy=False)
