"""Error budget of optical products: switch noise sources off one at a time.

With one calibration (made with every source on), the same product is run
with all sources on, with each source off in turn, and with all off. The
error variance a source contributes is estimated as
``var(all on) - var(that source off)`` (exact when sources are independent
and additive). Effective bits are ``labctl.metrics.enob``:
ENOB = log2(range / (sqrt(12) sigma_err)), range = max - min of the exact product.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labctl.metrics import enob


@dataclass
class BudgetLine:
    source: str
    enob_without: float
    variance_share: float  # fraction of the all-on error variance attributed to the source


@dataclass
class ErrorBudget:
    enob_all: float
    enob_none: float
    lines: list[BudgetLine]

    @property
    def limiting(self) -> str:
        """The source whose removal gains the most."""
        return max(self.lines, key=lambda ln: ln.variance_share).source

    def table(self) -> str:
        rows = [f"all sources on     {self.enob_all:5.2f} bits",
                f"all sources off    {self.enob_none:5.2f} bits (calibration + quantisation floor)"]
        for ln in sorted(self.lines, key=lambda ln: -ln.variance_share):
            rows.append(f"without {ln.source:<10} {ln.enob_without:5.2f} bits  "
                        f"({100 * ln.variance_share:5.1f} % of the error variance)")
        return "\n".join(rows)


def error_budget(make_backend, w: np.ndarray, x: np.ndarray) -> ErrorBudget:
    """``make_backend(noise: NoiseSwitches) -> backend`` sharing one calibration."""
    from sim_backends.table import NoiseSwitches
    ref = w @ x

    def run(noise):
        y = make_backend(noise).matmul(w, x)
        return enob(y, ref), float(np.mean((y - ref) ** 2))

    e_all, v_all = run(NoiseSwitches())
    e_none, _ = run(NoiseSwitches.none())
    lines = []
    for name in NoiseSwitches.names():
        e, v = run(NoiseSwitches().without(name))
        lines.append(BudgetLine(name, e, max(v_all - v, 0.0) / v_all))
    return ErrorBudget(e_all, e_none, lines)


def signed_cost(backend, m: int, k: int, b: int, rng: np.random.Generator) -> tuple[float, float]:
    """(ENOB unsigned, ENOB signed) of random products at one operating point:
    W, X uniform in [0, 1] (sent as they are) versus uniform in [-1, 1]
    (offset encoding). Each ENOB is relative to its own product's range; the
    difference is the precision the signed scheme costs (expected ~2 bits: the
    signal is a quarter of the unsigned range on a background, docs/DESIGN.md)."""
    w, x = rng.uniform(0, 1, (m, k)), rng.uniform(0, 1, (k, b))
    e_u = enob(backend.matmul(w, x), w @ x)
    w, x = rng.uniform(-1, 1, (m, k)), rng.uniform(-1, 1, (k, b))
    e_s = enob(backend.matmul(w, x), w @ x)
    return e_u, e_s
