"""Chunked evaluation of a shift-invariant signal chain.

A chain of memoryless steps (modulator, square-law detection, noise added
from pre-drawn normals) and linear time-invariant filters (DAC, driver,
fibre dispersion, receiver) has finite memory: output sample n depends only
on inputs n - halo .. n + halo, where halo is the sum of the filters'
impulse-response half-widths (each from :func:`filters.halo`).  Such a
chain can be run on short overlapping chunks, each with a circular halo,
and the kept centres concatenated: the result equals running the chain on
the whole record at once (circular convolution semantics) to the filters'
HALO_TOL, while every array of a chunk stays in the CPU cache.  This is
what makes long records fast (benchmarks/bench_link.py); equality with the
whole-record run is tested in tests/physics/test_filters.py.

Randomness must not depend on the chunking: draw the noise for the whole
record first (e.g. ``rng.standard_normal(n)``) and pass it in as an input.
"""
from __future__ import annotations

import numpy as np

#: Default chunk length (samples, halo included).
CHUNK = 16384


def evaluate(fn, inputs, halo: int, chunk: int = CHUNK) -> np.ndarray:
    """Run ``fn(*chunks) -> ndarray [..., m]`` over ``inputs`` (arrays sharing
    the last axis length n) in chunks of ``chunk`` samples with ``halo``
    samples of circular context on each side; returns the [..., n] result.

    ``fn`` must be shift invariant with memory <= halo samples."""
    inputs = [np.asarray(x) for x in inputs]
    n = inputs[0].shape[-1]
    chunk = max(chunk, 1 << int(np.ceil(np.log2(4 * halo + 1))))   # halo <= a quarter
    step = chunk - 2 * halo
    if n <= 2 * chunk:
        return fn(*inputs)                     # short record: one pass
    nblocks = -(-n // step)
    tail = nblocks * step - n + halo
    padded = [np.concatenate([x[..., n - halo:], x, x[..., :tail]], axis=-1) for x in inputs]
    first = fn(*[p[..., :chunk] for p in padded])
    out = np.empty(first.shape[:-1] + (nblocks * step,), dtype=first.dtype)
    out[..., :step] = first[..., halo:halo + step]
    for b in range(1, nblocks):
        piece = fn(*[p[..., b * step:b * step + chunk] for p in padded])
        out[..., b * step:(b + 1) * step] = piece[..., halo:halo + step]
    return out[..., :n]
