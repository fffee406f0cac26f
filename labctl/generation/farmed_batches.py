"""Batches of a ``generate`` run as whole Dask tasks (labctl.farm).

A batch of one model through the in-process simulated bench is a pure function
of the engine's state (bench, seed, calibration, operating point), of its
latent seed and of where its frames start: frame i of the run carries the
training symbols of stream ("training", i) and draws its noise from each
scope's acquisition i streams (sim_backends.table). How many frames a batch
takes depends only on the shapes of its products (one frame per tile of
:meth:`labctl.mvm.engine.OpticalEngine.plan`), so the parent counts them in
advance with the exact products (:func:`batch_frames`), hands batch b the
counters the serial run would have at its first frame, and gets back its
optical images and its products' errors (:class:`labctl.models.ProductLog`,
replayed in order into the run's recorder: the same sums in the same order).
The run file, images and metrics are the serial run's, byte for byte
(tests/generation/test_farm.py). Each worker unpickles the calibrated engine
once per run (one scatter) instead of once per product, which is what frame
farming (labctl.mvm.farmed) pays.

Batches are farmed when the run has at least as many batches as the farm has
workers, one model runs, the path is in process and closed-loop weight
programming is off; otherwise frames of each product are farmed instead.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass

import numpy as np

from labctl.mvm.farmed import counters_after, engine_at, engine_bytes, set_counters
from labctl.mvm.local_frames import closed_loop_on

_MODELS: dict = {}


class _PlanCounter:
    """Backend that returns the exact product and counts the frames the
    optics would take for it (tiles of the engine's plan)."""

    def __init__(self, engine):
        self.engine, self.frames = engine, 0

    def matmul(self, w: np.ndarray, x: np.ndarray) -> np.ndarray:
        self.frames += len(self.engine.plan(w.shape[0], w.shape[1], x.shape[1]).tiles)
        return np.asarray(w, float) @ np.asarray(x, float)


class _EngineBackend:
    """The matmul backend of an engine unpickled on a worker."""

    def __init__(self, engine):
        self.engine = engine

    def matmul(self, w: np.ndarray, x: np.ndarray) -> np.ndarray:
        return self.engine.matmul(w, x)[0]


def batch_frames(engine, model, size: int, seed: int) -> int:
    """Frames the optical products of one batch of ``size`` images take."""
    counter = _PlanCounter(engine)
    model.sample(size, seed, counter)
    return counter.frames


@dataclass
class BatchResult:
    """What a worker returns for one batch: optical images, the products'
    errors in call order (:class:`labctl.models.ProductLog`), frames run."""

    optical: np.ndarray
    log: object
    frames: int


def run_batch(blob, token: str, model: str, models_dir: str, size: int, seed: int,
              counters: tuple) -> BatchResult:
    """Worker side: one batch of ``model`` with the engine's counters set to
    where the serial run would have them at the batch's first frame."""
    from labctl.models import ProductLog, load_model

    engine = engine_at(blob, token, counters)
    if (model, models_dir) not in _MODELS:
        _MODELS[model, models_dir] = load_model(model, models_dir or None)
    log = ProductLog()
    optical = _MODELS[model, models_dir].sample(size, seed, _EngineBackend(engine), hook=log)
    return BatchResult(optical, log, engine.frames_run - counters[0])


def farmable(ctx, engine, names: list, batches: int) -> bool:
    """Farm whole batches (see the module docstring)."""
    farm = ctx.farm
    return (farm is not None and len(names) == 1 and hasattr(engine.io, "table")
            and not closed_loop_on(engine) and batches >= max(1, farm.size))


def farmed_batches(ctx, engine, model, name: str, sizes: list[int], seeds: list[int]):
    """Yield each batch's :class:`BatchResult` in order, run on ``ctx.farm``;
    the parent engine's counters end where the serial run's would."""
    engine.prepare()
    frames = [batch_frames(engine, model, size, seed) for size, seed in zip(sizes, seeds)]
    starts = np.concatenate([[0], np.cumsum(frames)[:-1]]).astype(int)
    blob = ctx.farm.scatter(engine_bytes(engine))
    token = uuid.uuid4().hex
    tasks = [(blob, token, name, ctx.params["models_dir"], size, seed,
              counters_after(engine, int(s0))) for size, seed, s0 in zip(sizes, seeds, starts)]
    for b, result in enumerate(ctx.farm.map(run_batch, tasks, check_abort=ctx.check_abort)):
        if result.frames != frames[b]:
            raise RuntimeError(f"batch {b} ran {result.frames} frames, {frames[b]} were counted")
        set_counters(engine, counters_after(engine, frames[b]))    # as if run here
        yield result
