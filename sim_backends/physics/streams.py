"""Deterministic random streams for the simulated bench.

``Streams(seed).rng(*names)`` returns a fresh :class:`numpy.random.Generator`
whose state depends only on ``(seed, names)``: every stream is a child of one
:class:`numpy.random.SeedSequence` (entropy = ``seed``) with a ``spawn_key``
derived from the names, e.g. ``("laser", "edge_a", 3)`` for the laser of edge
A in acquisition 3.  The same names always give the same numbers, independent
of the order in which streams are asked for; different names give
statistically independent streams (SeedSequence guarantees this).

String names are hashed with BLAKE2b (stable across runs and platforms, unlike
Python's ``hash``); integer names are used as they are.  The global NumPy RNG
is never used anywhere in the simulated backend.
"""
from __future__ import annotations

import hashlib
import struct
from functools import lru_cache

import numpy as np


def _name_key(name) -> int:
    """One spawn-key word for a stream name (int as is, anything else hashed)."""
    if isinstance(name, (int, np.integer)) and not isinstance(name, bool):
        if name < 0:
            raise ValueError(f"integer stream names must be >= 0, got {name}")
        return int(name)
    return _str_key(str(name))


@lru_cache(maxsize=4096)
def _str_key(name: str) -> int:
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "little")


_ZERO_STATE = bytes(32)


class Streams:
    """Factory of named, reproducible random generators from one seed."""

    def __init__(self, seed: int):
        if seed is None or int(seed) < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
        self.seed = int(seed)

    def seed_sequence(self, *names) -> np.random.SeedSequence:
        """The SeedSequence behind ``rng(*names)`` (for provenance records)."""
        return np.random.SeedSequence(self.seed, spawn_key=tuple(_name_key(n) for n in names))

    def rng(self, *names) -> np.random.Generator:
        """A new Generator (PCG64) deterministic in ``(seed, names)``."""
        return np.random.Generator(np.random.PCG64(self.seed_sequence(*names)))

    def state(self, *names) -> np.ndarray:
        """256-bit generator state [4] (uint64, never all zero) deterministic in
        ``(seed, names)``: BLAKE2b-256 of the seed and the spawn-key words of
        :meth:`seed_sequence` (the noise draws of sim_backends.physics.normals;
        one hash instead of a SeedSequence, a fraction of the cost)."""
        words = (self.seed,) + tuple(_name_key(n) for n in names)
        digest = hashlib.blake2b(b"xoshiro256" + struct.pack(f"<{len(words)}Q", *words),
                                 digest_size=32).digest()
        if digest == _ZERO_STATE:                 # never all zero: word 0 = 1
            digest = (1).to_bytes(8, "little") + bytes(24)
        return np.frombuffer(digest, np.uint64).copy()

    def __repr__(self) -> str:
        return f"Streams(seed={self.seed})"
