"""Images per second of each shipped generative model, per matrix-product backend.

Usage:  python benchmarks/bench_generate.py [--count 64] [--models fashion-vae,digits-gan]

Every backend runs the same models, counts and seeds in this one process, side by
side, and the table reports each backend's throughput and its ratio to ``digital``.
Today: ``digital`` and the Gaussian test error model (``gaussian-6bit``, which only
shows the cost of the extra noise draw).  The optical backends go in
:func:`make_backends` (marked COORDINATOR below).
"""
from __future__ import annotations

import argparse
import time

from labctl.models import DigitalBackend, GaussianNoiseBackend, available_models, load_model


def make_backends() -> dict[str, object]:
    """Backends to compare; the first is the reference the ratios are taken to."""
    backends = {
        "digital": DigitalBackend(),
        "gaussian-6bit": GaussianNoiseBackend(6.0, seed=0),   # test error model, not physics
    }
    # COORDINATOR: add the optical backends here once labctl.mvm provides them, e.g.
    #   backends["sim"] = labctl.mvm.SimBackend(load_bench(None))
    #   backends["bench"] = labctl.mvm.BenchBackend(load_bench(None))  # over sim sockets
    return backends


def images_per_second(model, count: int, backends: dict, repeats: int = 5) -> dict[str, float]:
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
    parser.add_argument("--count", type=int, default=64)
    parser.add_argument("--models", default=",".join(available_models()))
    args = parser.parse_args()
    backends = make_backends()
    reference = next(iter(backends))
    print(f"{'model':<20}{'backend':<16}{'MMAC/image':>12}{'images/s':>12}{'ratio':>10}")
    for name in args.models.split(","):
        model = load_model(name)
        rates = images_per_second(model, args.count, backends)
        for label, rate in rates.items():
            print(f"{name:<20}{label:<16}{model.macs_per_image / 1e6:>12.3f}{rate:>12.1f}"
                  f"{rate / rates[reference]:>10.3f}")


if __name__ == "__main__":
    main()
