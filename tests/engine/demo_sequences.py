"""Small sequences used by the engine tests (not registered globally)."""
from __future__ import annotations

import sys

import numpy as np

from labctl.engine import Param, Sequence, Step, Stream


def _noise_plan(ctx, points, sigma, wait_from):
    """Step i: 16 noise samples from ctx.rng('noise', i); from step ``wait_from``
    on, each step prints 'waiting <i>' and waits for one line on stdin (lets a
    test hold the run inside step i)."""
    ctx.set_total(points)
    for i in range(points):
        if 0 <= wait_from <= i:
            print(f"waiting {i}", flush=True)
            sys.stdin.readline()
        rng = ctx.rng("noise", i)
        trace = rng.normal(0.0, sigma, 16)
        codes = np.clip(np.round(trace / 1e-4) + 128, 0, 255).astype(np.uint16)
        yield Step(f"point {i}", data={"index": i, "trace": (trace, "V"), "codes": codes},
                   metrics={"rms": (float(trace.std()), "V")},
                   images={"optical": np.full((3, 4), i % 256, np.uint8),
                           "digital": np.full((3, 4), 2 * i % 256, np.uint8)})


NOISE = Sequence(
    "noise-demo", _noise_plan,
    params=[Param("points", int, 5, help="number of steps"),
            Param("sigma", float, 1e-3, unit="V", help="noise rms"),
            Param("wait_from", int, -1, help="first step that waits for a stdin line (-1: none)")],
    streams=[Stream("index", "1", np.int64),
             Stream("trace", "V", float, shape=(16,)),
             Stream("codes", "V", np.uint16, shape=(16,), scale_factor=1e-4, add_offset=-128e-4),
             Stream("rms", "V", float, group="metrics"),
             Stream("optical", "", np.uint8, shape=(3, 4), group="images"),
             Stream("digital", "", np.uint8, shape=(3, 4), group="images")],
    help="noise statistics (engine test)",
)


def _failing_plan(ctx, fail_at):
    for i in range(10):
        if i == fail_at:
            raise ZeroDivisionError("instrument fell over")
        yield Step(f"point {i}", data={"index": i})


FAILING = Sequence("failing-demo", _failing_plan, params=[Param("fail_at", int, 2)],
                   streams=[Stream("index", "1", np.int64)])


def _undeclared_plan(ctx):
    yield Step("only", data={"surprise": 1.0})


UNDECLARED = Sequence("undeclared-demo", _undeclared_plan, streams=[Stream("index", "1", np.int64)])
