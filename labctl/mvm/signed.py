"""Signed values on intensity hardware: offset encoding with digital correction.

Light intensity and ring/MZM transmissions are never negative, so signed
w, x in [-1, 1] are sent as unsigned u = (s + 1) / 2 in [0, 1]. The optics
computes the unsigned product; the signed one follows exactly from sums the
host already knows (row sums of W, column sums of X)::

    sum_k w_s x_s = 4 sum_k w_u x_u - 2 sum_k w_u - 2 sum_k x_u + K

Cost: the signal is a quarter of the unsigned range and sits on a background,
so every optical error is multiplied by 4 relative to Y's range; measured in
tests/mvm (signed vs unsigned products at the same operating point) and by
the ``precision-sweep`` sequence. One pass, no extra frames (a
positive/negative-part scheme would need up to four passes).
"""
from __future__ import annotations

import numpy as np


def scale_of(a: np.ndarray) -> float:
    """Max |a| (1 for an all-zero array): the factor that brings a into [-1, 1]."""
    m = float(np.max(np.abs(a))) if a.size else 0.0
    return m if m > 0 else 1.0


def to_unsigned(s: np.ndarray) -> np.ndarray:
    """u = (s + 1) / 2 for s in [-1, 1]."""
    return (np.asarray(s, float) + 1.0) / 2.0


def signed_from_unsigned(y_u: np.ndarray, w_u: np.ndarray, x_u: np.ndarray) -> np.ndarray:
    """Y_s = 4 Y_u - 2 rowsum(W_u) - 2 colsum(X_u) + K for Y_u ~ W_u X_u."""
    k = w_u.shape[1]
    return 4 * y_u - 2 * w_u.sum(axis=1)[:, None] - 2 * x_u.sum(axis=0)[None, :] + k
