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

When only one operand is signed (e.g. W signed, X >= 0 after a ReLU) only
that one is offset-encoded, which halves the error amplification::

    sum_k w_s x = 2 sum_k w_u x - sum_k x        (W signed, X unsigned)
    sum_k w x_s = 2 sum_k w x_u - sum_k w        (W unsigned, X signed)

Per-row / per-column scaling (``row_scales``, ``col_scales``): each row of a W
tile and each column of an X tile is sent at full modulator scale and the
scale is multiplied back digitally (exact), so small or sparse values (model
weights, activations) use the whole range of the optics.
"""
from __future__ import annotations

import numpy as np


def to_unsigned(s: np.ndarray) -> np.ndarray:
    """u = (s + 1) / 2 for s in [-1, 1]."""
    return (np.asarray(s, float) + 1.0) / 2.0


def signed_from_unsigned(y_u: np.ndarray, w_u: np.ndarray, x_u: np.ndarray) -> np.ndarray:
    """Y_s = 4 Y_u - 2 rowsum(W_u) - 2 colsum(X_u) + K for Y_u ~ W_u X_u."""
    k = w_u.shape[1]
    return 4 * y_u - 2 * w_u.sum(axis=1)[:, None] - 2 * x_u.sum(axis=0)[None, :] + k


def decode_offset(y_u: np.ndarray, w_u: np.ndarray, x_u: np.ndarray, w_signed: bool, x_signed: bool) -> np.ndarray:
    """Signed product from the optical product of the sent (unsigned) operands,
    for either, both or neither operand offset-encoded (formulas in the module docstring)."""
    if w_signed and x_signed:
        return signed_from_unsigned(y_u, w_u, x_u)
    if w_signed:
        return 2 * y_u - x_u.sum(axis=0)[None, :]
    if x_signed:
        return 2 * y_u - w_u.sum(axis=1)[:, None]
    return y_u


def row_scales(a: np.ndarray) -> np.ndarray:
    """Max |a| of each row (1 for an all-zero row)."""
    m = np.max(np.abs(a), axis=1) if a.size else np.zeros(a.shape[0])
    return np.where(m > 0, m, 1.0)


def col_scales(a: np.ndarray) -> np.ndarray:
    """Max |a| of each column (1 for an all-zero column)."""
    return row_scales(a.T)
