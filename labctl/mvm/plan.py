"""Tiling of a product Y = W X (W: [M, K], X: [K, B]) onto the bench.

``wdm``: one frame computes an N x N block of W (rows = AWGR outputs q,
columns = input ports p) against ``frame_columns`` columns of X, one column
per symbol slot. Tiles: ceil(M/N) x ceil(K/N) x ceil(B/frame_columns) frames;
partial sums over the K tiles are added digitally.

``time``: one frame gives ``lanes`` rows in parallel; each symbol slot carries
one (x_k, w_jk) pair, so a frame holds ``k_tile * columns`` slots with
``k_tile * columns <= frame_slots``.

Padding is with zeros in the signed domain (they contribute nothing to Y).
"""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil


@dataclass(frozen=True)
class Tile:
    """One frame: rows [r0, r0+rows), inner [k0, k0+ks), columns [b0, b0+bs)."""

    r0: int
    rows: int
    k0: int
    ks: int
    b0: int
    bs: int


@dataclass(frozen=True)
class Plan:
    scheme: str         # the centre kind it was planned for
    m: int
    k: int
    b: int
    tile_rows: int      # rows per frame (N for wdm, lanes for time)
    tile_k: int         # inner dimension per frame
    tile_b: int         # columns per frame
    tiles: tuple[Tile, ...]

    @property
    def frames(self) -> int:
        return len(self.tiles)


def plan_product(m: int, k: int, b: int, scheme: str, *, ports: int = 8, lanes: int = 2,
                 frame_slots: int = 128) -> Plan:
    """Tile an M x K x B product for the scheme of centre kind ``scheme``
    (labctl.mvm.schemes; its ``tile_shape`` gives the tile of one frame)."""
    from labctl.mvm.schemes import scheme_named
    tr, tk, tb = scheme_named(scheme).tile_shape(k, ports=ports, lanes=lanes,
                                                 frame_slots=frame_slots)
    return tile_plan(m, k, b, tr, tk, tb, scheme)


def tile_plan(m: int, k: int, b: int, tile_rows: int, tile_k: int, tile_b: int,
              scheme: str) -> Plan:
    """Plan of an M x K x B product in frames of tile_rows x tile_k x tile_b
    (partial tiles at the ends)."""
    if min(m, k, b) < 1:
        raise ValueError(f"sizes must be >= 1, got M={m} K={k} B={b}")
    tiles = []
    for r0 in range(0, m, tile_rows):
        for k0 in range(0, k, tile_k):
            for b0 in range(0, b, tile_b):
                tiles.append(Tile(r0, min(tile_rows, m - r0), k0, min(tile_k, k - k0), b0,
                                  min(tile_b, b - b0)))
    return Plan(scheme, m, k, b, tile_rows, tile_k, tile_b, tuple(tiles))


def frames_needed(m: int, k: int, b: int, tile_rows: int, tile_k: int, tile_b: int) -> int:
    """ceil(M/rows) ceil(K/k) ceil(B/b)."""
    return ceil(m / tile_rows) * ceil(k / tile_k) * ceil(b / tile_b)
