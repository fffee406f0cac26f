"""Throughput of the in-process simulated optical matrix product.

Measures, in one run and side by side:
- MAC/s of ``SimBackend.matmul`` (wdm and time benches) for an M x K x B product
  (default 256 x 256 x 256; ``--size`` to change), calibration excluded;
- MAC/s of ``numpy.matmul`` on the same matrices, and the ratio;
- the process's peak resident set size (tracemalloc is not used: it slows
  numpy's allocations several-fold and would distort the timing);
- the effective bits of the result (labctl.metrics.enob).

Run: ``python benchmarks/bench_matmul.py [--size 256] [--schemes wdm time]``.
The time scheme carries one MAC per lane per symbol slot (2 lanes), so a
256^3 product takes 65536 frames; ``--time-size`` (default 64) bounds it.
"""
from __future__ import annotations

import argparse
import resource
import time

import numpy as np


def _numpy_rate(w, x, repeats: int = 20) -> float:
    t = time.perf_counter()
    for _ in range(repeats):
        w @ x
    return repeats * w.shape[0] * w.shape[1] * x.shape[1] / (time.perf_counter() - t)


def _bench_and_size(args, scheme: str):
    """(embedded bench, product size) of the ``--schemes`` value ``scheme``:
    ``--time-size`` bounds the size on a time-scheme centre (one MAC per lane per slot)."""
    from labctl.bench.topology import TimeCentre
    from labctl.mvm.embedded_benches import embedded_bench
    bench = embedded_bench(scheme)
    time_centre = isinstance(bench.topology.centre, TimeCentre)
    return bench, min(args.size, args.time_size) if time_centre else args.size


def main(argv=None) -> int:
    from labctl.mvm.schemes import kinds
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=256)
    ap.add_argument("--schemes", nargs="+", default=list(kinds()), choices=kinds())
    ap.add_argument("--time-size", type=int, default=64, help="size of the time-scheme product")
    args = ap.parse_args(argv)

    from labctl.metrics import enob
    from labctl.mvm import SimBackend

    rng = np.random.default_rng(0)
    for scheme in args.schemes:
        bench, n = _bench_and_size(args, scheme)
        w, x = rng.uniform(-1, 1, (n, n)), rng.uniform(-1, 1, (n, n))
        macs = n * n * n
        t0 = time.perf_counter()
        backend = SimBackend(bench)
        t_cal = time.perf_counter() - t0
        t0 = time.perf_counter()
        result = backend.run(w, x)
        t_opt = time.perf_counter() - t0
        rate_np = _numpy_rate(w, x)
        rate_opt = macs / t_opt
        print(f"{scheme:>4} {n}^3: calibration {t_cal:6.1f} s | optical {t_opt:7.2f} s, {result.frames} frames, "
              f"{rate_opt:.3g} MAC/s | numpy {rate_np:.3g} MAC/s | numpy/optical {rate_np / rate_opt:.3g} | "
              f"ENOB {enob(result.y, w @ x):.2f} | peak RSS so far "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print(f"process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
