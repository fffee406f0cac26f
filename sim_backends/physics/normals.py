"""Fast standard normal draws for the simulated bench's noise (compiled).

Each noise stream of :class:`sim_backends.physics.streams.Streams` is a
``numpy.random.SeedSequence``; numpy's own ``Generator.standard_normal`` costs
about 15 ns per value on the 2-core test machine, which made drawing the
noise the largest single cost of a simulated frame. This module draws the same
distribution from the same seeds in one compiled pass:

* bits: xoshiro256** (Blackman & Vigna, "Scrambled linear pseudorandom number
  generators", ACM TOMS 47, 2021), its 256-bit state from the stream's names
  (``Streams.state``: BLAKE2b-256 of the seed and the names' spawn-key words)
  or from a ``SeedSequence.generate_state(4, uint64)``;
* normals: the ziggurat method of Marsaglia & Tsang (J. Stat. Softw. 5(8), 2000)
  with 256 layers, as numpy's legacy float64 sampler builds it (tables below):
  a 64-bit word gives the layer (8 bits), the sign (1 bit) and a 52-bit abscissa,
  so layer and abscissa never share bits (Doornik's correction, 2005); the base
  strip's tail beyond r = 3.6541528853610088 is sampled exactly (Marsaglia 1964).

The draws are exact N(0, 1) in distribution (tests/physics/test_normals.py
checks the moments, the tail probabilities and a Kolmogorov-Smirnov distance
against the closed-form CDF); they are not numpy's numbers. One stream's values
depend only on its seed and their count, so frames stay batch-independent.
"""
from __future__ import annotations

import numpy as np
from numba import njit

_R = 3.6541528853610088          # start of the tail (right edge of the base strip)
_V = 0.00492867323399            # area of each of the 256 strips


def _tables():
    """(ki, wi, fi) of the 256-layer normal ziggurat (Marsaglia & Tsang 2000;
    the construction of numpy's ``ziggurat_constants.h``, 52-bit abscissae)."""
    m = 2.0 ** 52
    ki = np.zeros(256, np.uint64)
    wi = np.zeros(256)
    fi = np.zeros(256)
    dn = tn = _R
    q = _V / np.exp(-0.5 * dn * dn)
    ki[0] = np.uint64((dn / q) * m)
    ki[1] = 0
    wi[0] = q / m
    wi[255] = dn / m
    fi[0] = 1.0
    fi[255] = np.exp(-0.5 * dn * dn)
    for i in range(254, 0, -1):
        dn = np.sqrt(-2.0 * np.log(_V / dn + np.exp(-0.5 * dn * dn)))
        ki[i + 1] = np.uint64((dn / tn) * m)
        tn = dn
        fi[i] = np.exp(-0.5 * dn * dn)
        wi[i] = dn / m
    return ki, wi, fi


KI, WI, FI = _tables()


@njit(cache=True, inline="always")
def _rotl(x, k):
    return (x << np.uint64(k)) | (x >> np.uint64(64 - k))


@njit(cache=True, inline="always")
def _next(s):
    """xoshiro256** step on the state s[0:4] (uint64), in place."""
    result = _rotl(s[1] * np.uint64(5), 7) * np.uint64(9)
    t = s[1] << np.uint64(17)
    s[2] ^= s[0]
    s[3] ^= s[1]
    s[1] ^= s[2]
    s[0] ^= s[3]
    s[2] ^= t
    s[3] = _rotl(s[3], 45)
    return result


@njit(cache=True, inline="always")
def _uniform(s):
    """Uniform double in [0, 1) from the top 53 bits."""
    return np.float64(_next(s) >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def _tail(s, negative):
    """A draw from the normal tail beyond _R (Marsaglia 1964)."""
    while True:
        xx = -np.log1p(-_uniform(s)) / _R
        yy = -np.log1p(-_uniform(s))
        if yy + yy > xx * xx:
            return -(_R + xx) if negative else _R + xx


@njit(cache=True)
def fill_normals(states, out, ki, wi, fi):
    """Row i of ``out`` [streams, n] (float32 or float64) from the xoshiro256**
    state ``states[i]`` [4] (uint64, advanced in place)."""
    mask = np.uint64(0x000FFFFFFFFFFFFF)
    for i in range(out.shape[0]):
        s = states[i]
        for m in range(out.shape[1]):
            while True:
                r = _next(s)
                idx = np.int64(r & np.uint64(0xFF))
                negative = ((r >> np.uint64(8)) & np.uint64(1)) != 0
                rabs = (r >> np.uint64(9)) & mask
                x = np.float64(rabs) * wi[idx]
                if negative:
                    x = -x
                if rabs < ki[idx]:
                    break
                if idx == 0:
                    x = _tail(s, negative)
                    break
                if (fi[idx - 1] - fi[idx]) * _uniform(s) + fi[idx] < np.exp(-0.5 * x * x):
                    break
            out[i, m] = x


def seed_state(seq: np.random.SeedSequence) -> np.ndarray:
    """xoshiro256** state [4] (uint64, never all zero) from a SeedSequence."""
    st = seq.generate_state(4, np.uint64)
    if not st.any():
        st[0] = 1
    return st


def standard_normal(seqs, n: int, dtype=np.float32) -> np.ndarray:
    """[len(seqs), n] standard normals, row i from ``seqs[i]``: a SeedSequence
    or a ready xoshiro256** state [4] (uint64, e.g. ``Streams.state``)."""
    states = (np.stack([s if isinstance(s, np.ndarray) else seed_state(s) for s in seqs])
              if len(seqs) else np.zeros((0, 4), np.uint64))
    out = np.empty((len(seqs), int(n)), dtype)
    fill_normals(states, out, KI, WI, FI)
    return out
