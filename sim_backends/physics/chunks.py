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
#: Chunks per call of :func:`evaluate_batched` (8 x 16384 complex64 = 1 MiB).
BATCH = 8


def evaluate(fn, inputs, halo: int, chunk: int = CHUNK) -> np.ndarray:
    """Run ``fn(*chunks) -> ndarray [..., m]`` over ``inputs`` (arrays sharing
    the last axis length n) in chunks of ``chunk`` samples with ``halo``
    samples of circular context on each side; returns the [..., n] result.

    ``fn`` must be shift invariant with memory <= halo samples."""
    return _evaluate(fn, inputs, halo, chunk, batch=None)


def evaluate_batched(fn, inputs, halo: int, chunk: int = CHUNK, batch: int | None = None) -> np.ndarray:
    """As :func:`evaluate`, but ``fn`` receives ``batch`` chunks at a time,
    stacked on a new leading axis ([batch, ..., chunk]), and must broadcast
    over it (every device model filters along the last axis and broadcasts
    over the leading ones).  The result is bit-identical to :func:`evaluate`
    (same chunks, same FFT lengths, same sampled responses); it is faster
    because pocketfft transforms several rows at once with SIMD across rows
    (about 3x per 16384-point complex64 FFT at batch >= 4)."""
    return _evaluate(fn, inputs, halo, chunk, batch=max(1, int(BATCH if batch is None else batch)))


def _evaluate(fn, inputs, halo: int, chunk: int, batch: int | None) -> np.ndarray:
    """Shared loop: ``batch=None`` calls ``fn`` on single chunks, an integer
    on stacks of that many chunks (leading axis).  Chunk b covers input
    samples (b step - halo + i) mod n, i < chunk: interior chunks are views
    of the inputs, only the two that wrap round the record are copied."""
    inputs = [np.asarray(x) for x in inputs]
    n = inputs[0].shape[-1]
    chunk = max(chunk, 1 << int(np.ceil(np.log2(4 * halo + 1))))   # halo <= a quarter
    step = chunk - 2 * halo
    if n <= 2 * chunk:
        return fn(*inputs)                     # short record: one pass
    nblocks = -(-n // step)
    k = 1 if batch is None else batch
    out = None
    for b in range(0, nblocks, k):
        count = min(k, nblocks - b)
        pieces = [_chunks(x, b, count, step, halo, chunk) for x in inputs]
        piece = fn(*[p[0] for p in pieces])[None] if batch is None else fn(*pieces)
        if out is None:
            out = np.empty(piece.shape[1:-1] + (nblocks, step), dtype=piece.dtype)
        out[..., b:b + count, :] = np.moveaxis(piece[..., halo:halo + step], 0, -2)
    return out.reshape(out.shape[:-2] + (nblocks * step,))[..., :n]


def _chunks(x, first: int, count: int, step: int, halo: int, chunk: int) -> np.ndarray:
    """Chunks first .. first+count-1 of ``x`` [..., n] as [count, ..., chunk]:
    a strided view of ``x`` when none wraps round the record, else of a
    circular copy of the span they cover (contiguous slices, no gather)."""
    n = x.shape[-1]
    start = first * step - halo
    span = (count - 1) * step + chunk
    if start < 0 or start + span > n:
        x, start = _circular_span(x, start, span), 0
    views = np.lib.stride_tricks.sliding_window_view(x, chunk, axis=-1)
    return np.moveaxis(views[..., start:start + (count - 1) * step + 1:step, :], -2, 0)


def _circular_span(x, start: int, span: int) -> np.ndarray:
    """x[..., (start + i) mod n], i < span, copied from contiguous slices."""
    n = x.shape[-1]
    pieces, pos = [], start % n
    while span > 0:
        take = min(n - pos, span)
        pieces.append(x[..., pos:pos + take])
        span -= take
        pos = 0
    return np.concatenate(pieces, axis=-1)
