"""Compiled inner loops of the simulated AWG drive (sim_backends.table.OpticalTable.drives_of).

``held_spectrum``: the rfft spectrum of held symbols plus the DAC's white
ENOB noise, through the drive response, in one pass per row. Codes held for
r samples (symbol levels s_i, N_s symbols, m = r N_s samples) have the m-point
rfft X[k] = S[k mod N_s] D_r[k] (S: the N_s-point DFT of the levels, D_r: the
DFT of r ones); white noise of std sigma per sample has the rfft law of
:func:`sim_backends.table._white_spectrum` (bins N(0, m/2) + j N(0, m/2), DC and
Nyquist real N(0, m)). With the drive response H[k] (DAC x modulator bandwidth,
times any further linear transfer such as a fibre delay)::

    out[r, k] = S[r, k mod N_s] (D_r[k] H[k]) + (z_re + j z_im) (sigma c_k H[k])

c_k = sqrt(m) (DC, Nyquist) or sqrt(m/2); z_re = z[r, k], z_im = z[r, nb + k - 1]
for the 1 <= k <= ``inner`` bins with an imaginary part (nb = m // 2 + 1), the
layout of ``_white_spectrum``.

``hold_block``: the largest r dividing len(codes) such that the codes are
constant on every block [i r, (i + 1) r) (``sim_backends.table._hold_block``).
"""
from __future__ import annotations

from numba import njit


@njit(cache=True, fastmath=False)
def held_spectrum(s, wrap, dh, z, nh, inner, out):
    """Fill ``out`` [R, nb] (complex64) as the module docstring says: s [R, N_s]
    (complex128, DFT of the symbol levels), wrap [nb] = k mod N_s, dh [nb] =
    D_r H (complex128), z [R, >= nb + inner] standard normals (or 0 rows: no
    noise), nh [nb] = sigma c_k H (complex128)."""
    nr, nb = out.shape
    noise = z.shape[0] > 0
    for r in range(nr):
        for k in range(nb):
            v = s[r, wrap[k]] * dh[k]
            if noise:
                im = z[r, nb + k - 1] if 1 <= k <= inner else 0.0
                v += complex(z[r, k], im) * nh[k]
            out[r, k] = v


@njit(cache=True)
def hold_block(codes):
    """Largest r dividing len(codes) with codes constant on each block of r (1: none)."""
    n = codes.size
    g = n
    for i in range(1, n):
        if codes[i] != codes[i - 1]:
            a, b = g, i
            while b:
                a, b = b, a % b
            g = a
            if g == 1:
                return 1
    return g
