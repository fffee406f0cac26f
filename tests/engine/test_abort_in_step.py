"""Abort inside a long step (RunContext.check_abort) ends the run as 'aborted' and keeps
the completed steps."""
from __future__ import annotations

import threading

import h5py

from labctl.bench import load_bench
from labctl.engine import Param, RunEngine, Step, Stream
from sequences import sequence

STARTED = threading.Event()


@sequence("test-long-step", params=[Param("steps", int, 3)], streams=[Stream("i", "1", int)])
def long_step(ctx, steps):
    yield Step("quick", data={"i": 0})
    STARTED.set()
    for _ in range(100_000):            # a long step that polls for abort between its parts
        ctx.check_abort()
        threading.Event().wait(0.001)   # stands for one optical product
    yield Step("never reached", data={"i": 1})


def test_abort_during_a_step_keeps_completed_steps(tmp_path):
    engine = RunEngine(progress=False)
    out = tmp_path / "run.h5"
    result: dict = {}
    runner = threading.Thread(target=lambda: result.update(r=engine.run("test-long-step", {}, load_bench(), out=out)))
    runner.start()
    assert STARTED.wait(30)
    engine.abort()
    runner.join(30)
    assert not runner.is_alive()
    assert result["r"].status == "aborted" and result["r"].steps == 1
    with h5py.File(out, "r") as f:
        assert f["entry"].attrs["status"] == "aborted"
        assert f["entry/data/i"].shape == (1,)
