"""Tile jobs run as frames in this process (the engine's default runner).

A frame is encoded (pure: the scheme's frame codec), loaded and acquired
through the bench IO, and decoded (pure). On a bench IO that acquires many
frames at once (the in-process table: ``TableIO.run_frames``) the frames go in
batches of ``engine.frame_batch``: every frame of a batch is encoded, the batch
is acquired at once, every frame is decoded; frame ``i`` of a batch carries the
training symbols of frame ``frames_run + i``, so the results equal the
frame-by-frame run. Otherwise (the drivers, a real bench) and with closed-loop
weight programming (its frames depend on the previous ones) frames run one by one.
"""
from __future__ import annotations

import numpy as np


def closed_loop_on(engine) -> bool:
    """Closed-loop weights on: the scheme has them, a calibration is loaded and
    ``engine.weight_rounds`` > 0."""
    return bool(engine.closed_loop is not None and engine.cal is not None
                and engine.weight_rounds)


def one_frame(engine, w_u: np.ndarray, x_u: np.ndarray) -> np.ndarray:
    """Unsigned tile product (operands in [0, 1]) through one frame: encode,
    load and acquire, decode."""
    if closed_loop_on(engine):
        return engine.closed_loop.frame(engine, engine.weight_rounds, w_u, x_u)
    drive = engine.codec.encode(w_u, x_u)
    return engine.codec.decode(w_u, x_u, drive, engine.run(drive.waves, drive.heaters))


def batch_of_frames(engine, jobs: list) -> list[np.ndarray]:
    """Unsigned tile products of many frames: encode every frame (pure),
    acquire them in one batch, decode every frame (pure)."""
    drives = [engine.codec.encode(job.w_u, job.x_u, engine.frames_run + i)
              for i, job in enumerate(jobs)]
    volts = engine.run_frames([(d.waves, d.heaters) for d in drives])
    return [engine.codec.decode(job.w_u, job.x_u, d, v) for job, d, v in zip(jobs, drives, volts)]


def batched(engine) -> bool:
    """Frames go in batches: the bench IO acquires many at once (``run_frames``),
    ``engine.frame_batch`` > 1 and no closed-loop weight programming."""
    return (hasattr(engine.io, "run_frames") and engine.frame_batch > 1
            and not closed_loop_on(engine))


def run_here(engine, jobs: list) -> list[np.ndarray]:
    """Signed tile products of ``jobs`` (labctl.mvm.tile_jobs.TileJob), in order."""
    if not batched(engine):
        return [job.finish(one_frame(engine, job.w_u, job.x_u)) for job in jobs]
    out = []
    for i in range(0, len(jobs), engine.frame_batch):
        chunk = jobs[i:i + engine.frame_batch]
        out += [job.finish(y_u) for job, y_u in zip(chunk, batch_of_frames(engine, chunk))]
    return out
