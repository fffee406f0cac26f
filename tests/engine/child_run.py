"""Child process for signal/SWMR/crash tests: runs NOISE into argv[1].

    child_run.py OUT POINTS WAIT_FROM [HOLD]

Prints "step <i>" after each step is written and "done <status> <steps>" at the end.
From step WAIT_FROM on (-1: never) each step prints "waiting <i>" and waits for one
line on stdin before it computes its data.  HOLD (optional) holds the run at one
more moment, printing a line and waiting for one stdin line there:

- ``setup``: inside the sequence's set-up (where ``generate`` calibrates), before
  the run file exists: prints "calibrating in setup";
- ``calibration``: in the plan before its first step (where ``calibrate``
  measures), the run file created with no step: prints "calibrating";
- ``between:K``: after step K is written and flushed, before the plan resumes:
  prints "between K";
- ``inside:K``: inside the writer's step K, with part of its /entry/data rows
  appended and flushed (what HDF5's cache may write at any moment) and the live
  step counter not yet advanced: prints "inside K".
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from demo_sequences import NOISE, _noise_plan  # noqa: E402

import labctl.runfile  # noqa: E402
from labctl.engine import Param, RunEngine, Sequence  # noqa: E402


def wait_here(line: str) -> None:
    print(line, flush=True)
    sys.stdin.readline()


def _setup(ctx):
    if ctx.params["hold"] == "setup":
        wait_here("calibrating in setup")


def _plan(ctx, points, sigma, wait_from, hold):
    if hold == "calibration":
        wait_here("calibrating")
    yield from _noise_plan(ctx, points, sigma, wait_from)


CRASH = Sequence("crash-demo", _plan,
                 params=[*NOISE.params, Param("hold", str, "", help="where to hold (see above)")],
                 streams=NOISE.streams, help="noise-demo held at a chosen moment",
                 setup=_setup)


def hold_inside_step(k: int) -> None:
    """Wrap the writer's row append: after /entry/data/trace row k, flush and hold."""
    append = labctl.runfile._append

    def held(dset, value, index):
        append(dset, value, index)
        if dset.name == "/entry/data/trace" and index == k:
            dset.file.flush()
            wait_here(f"inside {k}")
    labctl.runfile._append = held


if __name__ == "__main__":
    out, points, wait_from = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    at = sys.argv[4] if len(sys.argv) > 4 else ""
    engine = RunEngine(progress=False)

    def report(doc):
        if doc["kind"] == "step":
            print(f"step {doc['index']}", flush=True)
            if at == f"between:{doc['index']}":
                wait_here(f"between {doc['index']}")

    # subscribers run after the writer, so "step i" means step i is on disk
    engine.subscribe(report)
    if at.startswith("inside:"):
        hold_inside_step(int(at.split(":")[1]))
    result = engine.run(CRASH, {"points": points, "wait_from": wait_from,
                                "hold": at.split(":")[0]}, out=out)
    print(f"done {result.status} {result.steps}", flush=True)
