"""Optical frames per second of the in-process simulated bench, side by side.

Usage:  python benchmarks/bench_frames.py [--tiles 64] [--repeats 3] [--workers 2]
                                          [--baseline DIR] [--scheme wdm|time] [--pin CPU]
                                          [--batch 8]

One product of ``--tiles`` frames (a 8*t x 64 weight matrix times 64 x 16 signed
inputs on the default bench and operating point: 2.875 GBd, 32 averaged scope
records) runs in a fresh child process per measurement, the modes interleaved
(A B C A B C ...), and the table gives each mode's median and best frames/s
(wall clock), the median over CPU time of the child (less sensitive to other
load on a shared machine), its ratio to ``frame-by-frame`` and, with
``--baseline``, to the baseline (medians):

* ``frame-by-frame``: the engine's default path (``engine.frame_batch`` 1): one
  frame at a time, the scopes of a frame sharing its optical powers, as the
  simulated SCPI scopes (and a real bench) acquire;
* ``batched``: ``engine.frame_batch`` = ``--batch`` (default 8): frames encoded,
  acquired (one ``OpticalTable.acquire_frames`` call per batch, a leading frames
  axis through the table) and decoded in batches (labctl.mvm.local_frames);
* ``workers-N``: the batched path with the frames farmed out to N local Dask
  worker processes (``--workers``; cluster start-up not timed);
* ``baseline``: ``--baseline DIR`` runs the same product on another checkout of
  labctl (e.g. ``git worktree add --detach /tmp/base f531e23``), old API only,
  on that checkout's own embedded bench file (newer bench files carry keys an
  old validator refuses).

Every child holds glibc's freed arrays on the heap as the ``labctl`` command
does (labctl.allocator; a baseline checkout without it runs with glibc's
defaults) and reports its wall time for the product alone (calibration skipped:
nominal design values, the frame cost is the same) and its peak RSS.

``--pin CPU`` runs every child on that one CPU (``os.sched_setaffinity``):
equal resources for code that uses one core (this one) and code whose FFTs
spread over every core (f531e23's overlap-save filters, ``workers=-1``), and
less sensitive to other load on a shared machine. Unpinned, such a baseline
takes a second core when one is idle.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = r"""
import json, resource, sys, time
import numpy as np
from labctl.bench import load_bench
from labctl.mvm import SimBackend
mode, tiles, bench_file, batch = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
try:                                  # as the labctl command does (labctl.allocator)
    from labctl.allocator import hold_heap
    hold_heap()
except ImportError:                   # a baseline checkout older than it
    pass
bench = load_bench(bench_file if bench_file != "-" else None)
rng = np.random.default_rng(0)
backend = SimBackend(bench, seed=1, calibration=False)
engine = backend.engine
rows = len(engine.outputs) * tiles                        # one frame per block of output rows
w, x = rng.uniform(-1, 1, (rows, 8)), rng.uniform(-1, 1, (8, 16))
engine.matmul(w[:8], x)                                   # first frame: autorange, scope set-up
farm = None
if mode == "frame-by-frame":
    engine.frame_batch = 1
elif mode == "batched":
    engine.frame_batch = batch
elif mode.startswith("workers-"):
    from labctl.farm import Farm
    from labctl.mvm.farmed import FarmRunner
    farm = Farm(workers=int(mode.split("-")[1])).__enter__()
    engine.runner = FarmRunner(farm)
    engine.matmul(w[:16], x)                              # workers import and compile once
frames0 = engine.frames_run
t, c = time.perf_counter(), time.process_time()
engine.matmul(w, x)
wall, cpu = time.perf_counter() - t, time.process_time() - c
if farm is not None:
    farm.close()
print(json.dumps({"frames": engine.frames_run - frames0, "wall": wall, "cpu": cpu,
                  "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def run_child(mode: str, tiles: int, bench_file: Path, tree: Path | None,
              pin: int | None = None, batch: int = 8) -> dict:
    env = dict(os.environ)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
        # the baseline checkout's own copy of the bench file, else its embedded default
        rel = bench_file.resolve().relative_to(Path(__file__).resolve().parents[1])
        bench_file = tree / rel if (tree / rel).exists() else Path("-")
    # cwd: a ``-c`` child puts its working directory first on sys.path
    out = subprocess.run([sys.executable, "-c", CHILD, mode,
                          str(tiles), str(bench_file), str(batch)], env=env, capture_output=True, text=True,
                         check=True, cwd=str(tree) if tree is not None else tempfile.gettempdir(),
                         preexec_fn=None if pin is None else lambda: os.sched_setaffinity(0, {pin}))
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiles", type=int, default=64, help="frames in the timed product")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--workers", type=int, default=0, help="also measure N Dask workers")
    ap.add_argument("--baseline", type=Path, help="another labctl checkout to compare with")
    ap.add_argument("--pin", type=int, help="run every child on this one CPU")
    ap.add_argument("--batch", type=int, default=8, help="frames per batch of the batched mode")
    from labctl.mvm.embedded_benches import default_scheme, embedded_files
    ap.add_argument("--scheme", default=default_scheme(), choices=tuple(embedded_files()),
                    help="run on the embedded simulated bench of this scheme")
    args = ap.parse_args(argv)
    bench_file = embedded_files()[args.scheme]
    modes = ["frame-by-frame", "batched"]
    modes += [f"workers-{args.workers}"] if args.workers else []
    modes += ["baseline"] if args.baseline else []
    runs: dict[str, list[dict]] = {m: [] for m in modes}
    for _ in range(args.repeats):
        for m in modes:
            runs[m].append(run_child(m, args.tiles, bench_file,
                                     args.baseline if m == "baseline" else None, args.pin,
                                     args.batch))
    med = {m: statistics.median(r["frames"] / r["wall"] for r in runs[m]) for m in modes}
    base = med.get("baseline")
    print(f"{'mode':16s} {'frames':>6s} {'frames/s':>9s} {'best':>7s} {'cpu f/s':>8s} "
          f"{'ratio':>6s} {'vs base':>8s} {'peak MiB':>9s}")
    for m in modes:
        rates = [r["frames"] / r["wall"] for r in runs[m]]
        cpu = statistics.median(r["frames"] / r["cpu"] for r in runs[m])
        vs = f"{med[m] / base:8.2f}" if base else f"{'':8s}"
        print(f"{m:16s} {runs[m][0]['frames']:6d} {med[m]:9.1f} {max(rates):7.1f} {cpu:8.1f} "
              f"{med[m] / med[modes[0]]:6.2f} {vs} {max(r['rss_mib'] for r in runs[m]):9.0f}")
    if base:
        best = {m: max(r["frames"] / r["wall"] for r in runs[m]) for m in modes}
        print("best over best vs baseline: " + ", ".join(
            f"{m} {best[m] / best['baseline']:.1f}x" for m in modes if m != "baseline"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
