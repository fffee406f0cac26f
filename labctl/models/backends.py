"""Matrix-product backends the numpy models call: ``backend.matmul(W, X) -> Y``.

Contract (docs/INTERFACES.md): ``W`` [M, K] and ``X`` [K, B] float arrays, returns
``Y`` [M, B] ~= W @ X.  The models hand every backend *normalised* operands
(every row of W and every column of X peaks at magnitude 1, see
:mod:`labctl.models.network`), so an optical backend can map them straight onto
its full modulation range.  The optical backends (``sim``, ``bench``) live in
``labctl.mvm``; this module holds the digital reference and a test error model.
"""
from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class MatmulBackend(Protocol):
    """Anything with ``matmul(W [M, K], X [K, B]) -> Y [M, B]``."""

    def matmul(self, W: np.ndarray, X: np.ndarray) -> np.ndarray: ...


class DigitalBackend:
    """The reference: exact float64 products on the host CPU."""

    name = "digital"

    def matmul(self, W: np.ndarray, X: np.ndarray) -> np.ndarray:
        return np.asarray(W, dtype=np.float64) @ np.asarray(X, dtype=np.float64)


def effective_bits(reference: np.ndarray, measured: np.ndarray) -> float:
    """Effective bits of ``measured`` against ``reference``.

    b = log2( range / (sqrt(12) * rms error) ), range = max - min of the reference:
    the resolution of an ideal uniform quantiser spanning the output's range whose
    step q = range / 2**b gives the same rms error q / sqrt(12) (Bennett 1948).
    Infinite for an exact result.
    """
    reference = np.asarray(reference, dtype=np.float64)
    rms = float(np.sqrt(np.mean((np.asarray(measured, dtype=np.float64) - reference) ** 2)))
    span = float(reference.max() - reference.min())
    if rms == 0.0:
        return float("inf")
    return float(np.log2(span / (np.sqrt(12.0) * rms)))


class GaussianNoiseBackend:
    """TEST ERROR MODEL, not physics: exact product plus white Gaussian error.

    Y = W @ X + n, n ~ N(0, sigma^2) i.i.d., sigma = range(W @ X) / (2**bits * sqrt(12)),
    range taken over the whole product of the call, so :func:`effective_bits` of the
    result is ``bits`` on average.  It stands in for an optical link of known
    precision in tests of the models' tolerance; the physical link (``labctl.mvm``)
    has its own, measured, error.
    """

    def __init__(self, bits: float, seed: int = 0):
        self.bits = float(bits)
        self.name = f"gaussian-{self.bits:g}bit"
        self._rng = np.random.default_rng(seed)

    def matmul(self, W: np.ndarray, X: np.ndarray) -> np.ndarray:
        exact = np.asarray(W, dtype=np.float64) @ np.asarray(X, dtype=np.float64)
        sigma = (exact.max() - exact.min()) / (2.0 ** self.bits * np.sqrt(12.0))
        return exact + self._rng.normal(0.0, sigma, size=exact.shape)
