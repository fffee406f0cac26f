"""Frames of one product farmed out to Dask workers (labctl.farm).

A frame of the in-process simulated bench is a pure function of the engine's
state (bench, seed, calibration, operating point, scope set-up) and of its
index: its training symbols come from the ("training", frame index) stream
and its noise from the table's per-acquisition streams. :class:`FarmRunner`
therefore sends a copy of the parent's engine to every worker once per
product, splits the product's frames into chunks, and has each worker run its
chunk with the frame and acquisition counters the parent would have had at
that chunk's first frame. The results are the serial run's, byte for byte
(tests/generation/test_farm.py); the parent then advances its own counters as
if it had run every frame. Only the in-process path is farmed: a real bench
(and the simulated SCPI servers that stand for one) runs frame by frame.
"""
from __future__ import annotations

import math
import pickle
import uuid

import numpy as np

from labctl.mvm.bench_io import scopes_in_order
from labctl.mvm.local_frames import run_here

#: Chunks per worker and product (several, so that a slow or lost worker
#: holds back little of the product).
CHUNKS_PER_WORKER = 3
#: Engines unpickled on this worker, by product token (a few kept).
_ENGINES: dict[str, object] = {}
_KEEP = 4


def engine_bytes(engine) -> bytes:
    """The engine, its bench IO and optical table as one pickle, without what
    belongs to the parent process (abort hook, runner, the table's last result)."""
    saved = engine.before_frame, engine.runner, engine.io.table._cache
    engine.before_frame, engine.runner, engine.io.table._cache = None, None, None
    try:
        return pickle.dumps(engine, protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        engine.before_frame, engine.runner, engine.io.table._cache = saved


def counters_after(engine, frames: int) -> tuple[int, dict[str, int]]:
    """(frame index, {scope: acquisition index}) the serial run reaches ``frames``
    frames from now: one acquisition of every scope per frame."""
    table = engine.io.table
    return (engine.frames_run + frames,
            {s: table.acquisitions.get(s, 0) + frames for s in scopes_in_order(engine.bench)})


def set_counters(engine, counters: tuple[int, dict[str, int]]) -> None:
    """Put ``engine`` at ``counters`` (from :func:`counters_after`)."""
    engine.frames_run = counters[0]
    engine.io.table.acquisitions.update(counters[1])


def engine_at(blob: bytes, token: str, counters: tuple[int, dict[str, int]]):
    """Worker side: the engine pickled as ``blob`` (unpickled once per token),
    its counters set to ``counters``."""
    engine = _ENGINES.get(token)
    if engine is None:
        engine = _ENGINES[token] = pickle.loads(blob)
        while len(_ENGINES) > _KEEP:
            _ENGINES.pop(next(iter(_ENGINES)))
    set_counters(engine, counters)
    return engine


def run_chunk(blob: bytes, token: str, jobs: list, counters: tuple) -> list:
    """Worker side: the tile products ``jobs`` as frames from ``counters`` on."""
    return run_here(engine_at(blob, token, counters), jobs)


class FarmRunner:
    """``engine.runner``: run a product's frames on a :class:`labctl.farm.Farm`."""

    def __init__(self, farm):
        self.farm = farm
        self.chunks = 0

    def __call__(self, engine, jobs: list) -> list[np.ndarray]:
        engine.prepare()
        blob = self.farm.scatter(engine_bytes(engine))
        token = uuid.uuid4().hex
        size = max(1, math.ceil(len(jobs) / (CHUNKS_PER_WORKER * max(1, self.farm.size))))
        tasks = [(blob, token, jobs[start:start + size], counters_after(engine, start))
                 for start in range(0, len(jobs), size)]
        out: list[np.ndarray] = []
        for part in self.farm.map(run_chunk, tasks, check_abort=engine.before_frame):
            out += part
            self.chunks += 1
        set_counters(engine, counters_after(engine, len(jobs)))
        return out
