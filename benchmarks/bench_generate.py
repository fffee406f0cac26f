"""Images per second of each shipped generative model, per matrix-product backend.

Usage:  python benchmarks/bench_generate.py [--count 2] [--models digits-vae,fashion-vae]
                                            [--repeats 1] [--main-job]

Every backend runs the same models, counts and seeds in this one process, side by
side, and the table reports each backend's throughput and its ratio to ``digital``:
``digital`` (numpy), ``gaussian-6bit`` (the test error model: only the cost of the
extra noise draw), ``sim`` (the embedded bench's physics in process) and ``bench``
(the same through the drivers and the simulated SCPI servers over loopback).
Both optical backends load one calibration made once at start-up (not timed).
``--main-job`` also runs ``labctl generate`` with its defaults in a child process
and reports its wall time and peak resident memory (target: under 1 GiB).
"""
from __future__ import annotations

import argparse
import contextlib
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from labctl.models import DigitalBackend, GaussianNoiseBackend, available_models, load_model


def make_backends(stack: contextlib.ExitStack, calibration: Path) -> dict[str, object]:
    """Backends to compare; the first is the reference the ratios are taken to."""
    from labctl.bench import load_bench
    from labctl.mvm.backends import open_backend

    bench = load_bench()
    return {
        "digital": DigitalBackend(),
        "gaussian-6bit": GaussianNoiseBackend(6.0, seed=0),   # test error model, not physics
        "sim": stack.enter_context(open_backend(bench, path="inprocess", calibration=str(calibration))),
        "bench": stack.enter_context(open_backend(bench, path="socket", calibration=str(calibration))),
    }


def calibrate_once(directory: Path) -> Path:
    """Calibrate the embedded bench in process once; both optical backends load it."""
    from labctl.mvm import SimBackend
    path = directory / "calibration.h5"
    SimBackend().calibration.save(path)
    return path


def main_job(directory: Path) -> tuple[float, float]:
    """(wall seconds, peak RSS in MiB) of `labctl generate` with its defaults, in a child process."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "labctl", "generate", "--out", str(directory / "main.h5")],
                   check=True, stdout=subprocess.DEVNULL)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return time.perf_counter() - start, peak_kib / 1024


def images_per_second(model, count: int, backends: dict, repeats: int = 1) -> dict[str, float]:
    """Best of ``repeats`` runs of ``model.sample(count, seed=0, backend)`` per backend, images/s.

    The backends take turns within each repeat, so load from other processes on the
    shared machine affects them alike.
    """
    best = {label: float("inf") for label in backends}
    for _ in range(repeats):
        for label, backend in backends.items():
            start = time.perf_counter()
            model.sample(count, seed=0, backend=backend)
            best[label] = min(best[label], time.perf_counter() - start)
    return {label: count / seconds for label, seconds in best.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2, help="images per model and backend")
    parser.add_argument("--models", default="digits-vae,fashion-vae")
    parser.add_argument("--repeats", type=int, default=1, help="best of this many runs per backend")
    parser.add_argument("--main-job", action="store_true", help="also time `labctl generate` (defaults)")
    parser.add_argument("--models-dir", help="directory of trained weights (default: the shipped ones)")
    args = parser.parse_args()
    directory = Path(args.models_dir) if args.models_dir else None
    unknown = set(args.models.split(",")) - set(available_models(directory))
    if unknown:
        parser.error(f"unknown model(s): {', '.join(sorted(unknown))}")
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        backends = make_backends(stack, calibrate_once(Path(tmp)))
        reference = next(iter(backends))
        print(f"{'model':<20}{'backend':<16}{'MMAC/image':>12}{'images/s':>12}{'ratio':>10}")
        for name in args.models.split(","):
            model = load_model(name, directory)
            rates = images_per_second(model, args.count, backends, args.repeats)
            for label, rate in rates.items():
                print(f"{name:<20}{label:<16}{model.macs_per_image / 1e6:>12.3f}{rate:>12.4g}"
                      f"{rate / rates[reference]:>10.3g}", flush=True)
        if args.main_job:
            seconds, mib = main_job(Path(tmp))
            print(f"main job (labctl generate, defaults): {seconds:.1f} s, peak RSS {mib:.0f} MiB")


if __name__ == "__main__":
    main()
