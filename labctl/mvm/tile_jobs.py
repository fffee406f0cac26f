"""A product's tiles as frame jobs: scaling, signed encoding and reassembly (pure).

Each tile of a plan (labctl.mvm.plan) is padded with zeros to the frame's tile
shape; every row of its W and every column of its X is scaled to full scale
(``row_scales`` / ``col_scales`` of labctl.mvm.signed: max |value|, so the
normalised operands lie in [-1, 1]), and the normalised tile becomes one
:class:`TileJob`: unsigned operands in [0, 1] for the optics plus how to turn
the frame's unsigned estimate back into the signed tile. A non-negative operand
goes as it is; a signed one through the offset encoding u = (s + 1) / 2 of
labctl.mvm.signed; or, where the scheme allows and the frame has room, a signed
X as positive and negative columns of one frame (:func:`split_job`). Results
are scaled back and summed over the inner-dimension tiles (:func:`assemble`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labctl.mvm.plan import Plan
from labctl.mvm.signed import col_scales, decode_offset, row_scales, to_unsigned


@dataclass(frozen=True)
class TileJob:
    """One tile product as a frame: unsigned operands ``w_u``, ``x_u`` and
    how to turn the frame's unsigned estimate back into the signed tile."""

    w_u: np.ndarray
    x_u: np.ndarray
    w_signed: bool
    x_signed: bool
    split: int = 0   # > 0: signed X sent as positive/negative columns (b = split)

    def finish(self, y_u: np.ndarray) -> np.ndarray:
        """Unsigned frame estimate -> signed tile product (split columns subtracted)."""
        y = decode_offset(y_u, self.w_u, self.x_u, self.w_signed, self.x_signed)
        if not self.split:
            return y
        b = self.split
        out = np.zeros_like(y)
        out[:, :b] = y[:, :b] - y[:, b:2 * b]
        return out


def tile_job(w_s: np.ndarray, x_s: np.ndarray, w_signed: bool, x_signed: bool) -> TileJob:
    """Operands in [-1, 1] (signed: offset-encoded) or [0, 1] (sent as they are)."""
    w_u = to_unsigned(w_s) if w_signed else np.asarray(w_s, float)
    x_u = to_unsigned(x_s) if x_signed else np.asarray(x_s, float)
    return TileJob(w_u, x_u, w_signed, x_signed)


def split_job(w_s: np.ndarray, x_s: np.ndarray, b: int) -> TileJob:
    """Signed X on free payload slots: max(X, 0) and max(-X, 0) as unsigned
    columns of one frame, Y = W max(X, 0) - W max(-X, 0): only W is
    offset-encoded (error x sqrt(2) from the difference instead of x 2 from X's offset)."""
    parts = np.zeros_like(x_s)
    parts[:, :b] = np.maximum(x_s[:, :b], 0)
    parts[:, b:2 * b] = np.maximum(-x_s[:, :b], 0)
    job = tile_job(w_s, parts, bool(w_s.min() < 0), False)
    return TileJob(job.w_u, job.x_u, job.w_signed, False, split=b)


def product_jobs(plan: Plan, w: np.ndarray, x: np.ndarray,
                 split_columns: bool) -> tuple[list[TileJob], list[tuple]]:
    """Jobs of every tile of ``plan`` for Y = W X, and each tile's (row scales
    [tile_rows], column scales [tile_b]) (:func:`assemble` undoes them).
    ``split_columns``: the scheme may send signed X as split columns."""
    jobs, scales = [], []
    for tile in plan.tiles:
        wt = np.zeros((plan.tile_rows, plan.tile_k))
        xt = np.zeros((plan.tile_k, plan.tile_b))
        wt[:tile.rows, :tile.ks] = w[tile.r0:tile.r0 + tile.rows, tile.k0:tile.k0 + tile.ks]
        xt[:tile.ks, :tile.bs] = x[tile.k0:tile.k0 + tile.ks, tile.b0:tile.b0 + tile.bs]
        sw, sx = row_scales(wt), col_scales(xt)
        wn, xn = wt / sw[:, None], xt / sx[None, :]
        if xt.min() < 0 and split_columns and 2 * tile.bs <= plan.tile_b:
            jobs.append(split_job(wn, xn, tile.bs))
        else:
            jobs.append(tile_job(wn, xn, bool(wt.min() < 0), bool(xt.min() < 0)))
        scales.append((sw, sx))
    return jobs, scales


def assemble(plan: Plan, scales: list[tuple], results: list[np.ndarray]) -> np.ndarray:
    """Y [M, B]: each tile's signed result scaled back by its row and column
    scales and added into its block (partial sums over the K tiles add up)."""
    y = np.zeros((plan.m, plan.b))
    for tile, (sw, sx), ys in zip(plan.tiles, scales, results):
        y[tile.r0:tile.r0 + tile.rows, tile.b0:tile.b0 + tile.bs] += \
            (ys * sw[:, None] * sx[None, :])[:tile.rows, :tile.bs]
    return y
