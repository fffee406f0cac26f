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

Filtering uses ``scipy.fft`` real transforms (``rfft``/``irfft``) over the last
axis, so arrays of shape [..., samples] are filtered in one call.
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


def apply_real(x, fs: float, response) -> np.ndarray:
    """Filter real signal(s) ``x`` [..., samples] sampled at ``fs`` (Hz) by the
    response ``response(f) -> H`` given on the rfft frequency grid.  The
    output keeps x's float dtype (float32 stays float32)."""
    x = np.asarray(x)
    n = x.shape[-1]
    f = sfft.rfftfreq(n, 1.0 / fs)
    h = np.asarray(response(f))
    spec = sfft.rfft(x, axis=-1, workers=-1)
    spec *= h.astype(spec.dtype, copy=False)
    return sfft.irfft(spec, n=n, axis=-1, workers=-1).astype(x.dtype, copy=False)


def apply_complex(x, fs: float, response) -> np.ndarray:
    """Filter complex baseband field(s) ``x`` [..., samples] by ``response(f)``
    on the (two-sided) fft frequency grid."""
    x = np.asarray(x)
    n = x.shape[-1]
    f = sfft.fftfreq(n, 1.0 / fs)
    spec = sfft.fft(x, axis=-1, workers=-1)
    spec *= np.asarray(response(f)).astype(spec.dtype, copy=False)
    return sfft.ifft(spec, axis=-1, workers=-1, overwrite_x=True)
