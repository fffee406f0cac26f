"""Child process for signal/SWMR tests: runs NOISE into argv[1].

Prints "step <i>" after each step is written and "done <status> <steps>" at the end.
"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from demo_sequences import NOISE  # noqa: E402

from labctl.engine import RunEngine  # noqa: E402


def report(doc):
    if doc["kind"] == "step":
        print(f"step {doc['index']}", flush=True)


if __name__ == "__main__":
    out, points, wait_from = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    engine = RunEngine(progress=False)
    # subscribers run after the writer, so "step i" means step i is on disk
    engine.subscribe(report)
    result = engine.run(NOISE, {"points": points, "wait_from": wait_from}, out=out)
    print(f"done {result.status} {result.steps}", flush=True)
