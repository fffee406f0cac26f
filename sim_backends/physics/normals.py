"""Fast standard normal draws for the simulated bench's noise (compiled).

Each noise stream of :class:`sim_backends.physics.streams.Streams` is a
``numpy.random.SeedSequence``; numpy's own ``Generator.standard_normal`` costs
about 15 ns per value on the 2-core test machine, which made drawing the
noise the largest single cost of a simulated frame. This module draws the same
distribution from the same seeds in compiled, vectorised passes:

* bits: SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number
  generators", OOPSLA 2014; the output function of Java's SplittableRandom,
  which passes TestU01's BigCrush) used as a counter-based generator: word m of
  a stream is mix64(key + (m + 1) gamma), gamma = 0x9E3779B97F4A7C15, with the
  stream's 64-bit ``key`` from its 256-bit state (``Streams.state``: BLAKE2b-256
  of the seed and the names' spawn-key words, or a
  ``SeedSequence.generate_state(4, uint64)``). A word depends only on (key, m),
  so a whole row is drawn by one SIMD loop;
* normals: the ziggurat method of Marsaglia & Tsang (J. Stat. Softw. 5(8), 2000)
  with 256 layers, as numpy's legacy float64 sampler builds it (tables below):
  a 64-bit word gives the layer (8 bits), the sign (1 bit) and a 52-bit abscissa,
  so layer and abscissa never share bits (Doornik's correction, 2005). Value m
  is the ziggurat's fast accept of word m (about 98.8 % of values); the others
  finish the ziggurat (wedge test, new candidates, the exact tail beyond r =
  3.6541528853610088, Marsaglia 1964) in a scalar pass on words of their own
  sub-stream mix64(key2 + (m + 1) gamma) + j gamma (key2: the state's second word).

The draws are exact N(0, 1) in distribution (tests/physics/test_normals.py
checks the moments, the tail probabilities and a Kolmogorov-Smirnov distance
against the closed-form CDF); they are not numpy's numbers. Value m of a stream
depends only on its state and m (prefix-stable), so frames stay
batch-independent. About 1.9 ns a value here (the SIMD words, then a scalar
ziggurat pass; xoshiro256** with the same ziggurat, the previous sampler: 2.7 ns).
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


_GAMMA = np.uint64(0x9E3779B97F4A7C15)   # SplitMix64's increment (2^64 / golden ratio, odd)


@njit(cache=True, inline="always")
def _mix(z):
    """SplitMix64's output function (Stafford's variant 13 of the MurmurHash3 finaliser)."""
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


@njit(cache=True, inline="always")
def _uniform(word):
    """Uniform double in [0, 1) from the top 53 bits of a word."""
    return np.float64(word >> np.uint64(11)) * (1.0 / 9007199254740992.0)


@njit(cache=True)
def _finish(key, key2, m, ki, wi, fi):
    """Value m of a stream whose word m missed the ziggurat's fast accept:
    the rest of Marsaglia & Tsang's procedure (wedge test, a new candidate
    word, the exact tail beyond _R) on the sub-stream mix64(key2 + (m + 1)
    gamma) + j gamma, j = 1, 2, ... (words mix64 of those)."""
    mask = np.uint64(0x000FFFFFFFFFFFFF)
    sub = _mix(key2 + np.uint64(m + 1) * _GAMMA)
    r = _mix(key + np.uint64(m + 1) * _GAMMA)
    while True:
        idx = np.int64(r & np.uint64(0xFF))
        negative = ((r >> np.uint64(8)) & np.uint64(1)) != 0
        rabs = (r >> np.uint64(9)) & mask
        x = np.float64(rabs) * wi[idx]
        if negative:
            x = -x
        if rabs < ki[idx]:
            return x
        if idx == 0:             # the base strip's tail (Marsaglia 1964)
            while True:
                sub += _GAMMA
                xx = -np.log1p(-_uniform(_mix(sub))) / _R
                sub += _GAMMA
                yy = -np.log1p(-_uniform(_mix(sub)))
                if yy + yy > xx * xx:
                    return -(_R + xx) if negative else _R + xx
        sub += _GAMMA
        if (fi[idx - 1] - fi[idx]) * _uniform(_mix(sub)) + fi[idx] < np.exp(-0.5 * x * x):
            return x
        sub += _GAMMA
        r = _mix(sub)


@njit(cache=True)
def _words(key, first, out):
    """out[j] = mix64(key + (first + j + 1) gamma) (one SIMD loop)."""
    for j in range(out.size):
        out[j] = _mix(key + np.uint64(first + j + 1) * _GAMMA)


#: Values drawn per block (512 KiB of uint64 words: the block stays in L2; the
#: frame path's rows, <= 51,840 values, are one block).
BLOCK = 65536


@njit(cache=True)
def fill_normals(states, out, ki, wi, fi):
    """Row i of ``out`` [streams, n] (float32 or float64) from the stream
    state ``states[i]`` [4] (uint64; key = word 0, sub-stream key = word 1),
    in blocks of BLOCK values: the block's words (vectorised), the ziggurat's
    fast accepts, then the block's misses finished one by one (module
    docstring). Value m depends only on the state and m, not on the blocks."""
    mask = np.uint64(0x000FFFFFFFFFFFFF)
    n = out.shape[1]
    words = np.empty(min(n, BLOCK), np.uint64)
    misses = np.empty(min(n, BLOCK), np.int64)
    for i in range(out.shape[0]):
        key = states[i, 0]
        row = out[i]
        for first in range(0, n, BLOCK):
            count = min(BLOCK, n - first)
            block = words[:count]
            part = row[first:first + count]
            _words(key, first, block)
            nmiss = 0
            for j in range(count):
                r = block[j]
                idx = np.int64(r & np.uint64(0xFF))
                rabs = (r >> np.uint64(9)) & mask
                x = np.float64(rabs) * wi[idx]
                part[j] = -x if (r >> np.uint64(8)) & np.uint64(1) else x
                if rabs >= ki[idx]:
                    misses[nmiss] = j
                    nmiss += 1
            for j in range(nmiss):
                m = misses[j]
                part[m] = _finish(key, states[i, 1], first + m, ki, wi, fi)


def seed_state(seq: np.random.SeedSequence) -> np.ndarray:
    """Stream state [4] (uint64, never all zero) from a SeedSequence."""
    st = seq.generate_state(4, np.uint64)
    if not st.any():
        st[0] = 1
    return st


def standard_normal(seqs, n: int, dtype=np.float32) -> np.ndarray:
    """[len(seqs), n] standard normals, row i from ``seqs[i]``: a SeedSequence
    or a ready state [4] (uint64, e.g. ``Streams.state``)."""
    states = (np.stack([s if isinstance(s, np.ndarray) else seed_state(s) for s in seqs])
              if len(seqs) else np.zeros((0, 4), np.uint64))
    out = np.empty((len(seqs), int(n)), dtype)
    fill_normals(states, out, KI, WI, FI)
    return out
