"""Compiled inner loops of the simulated receiver (photodiode + TIA + scope ADC).

The optical table (:mod:`sim_backends.table`) computes the physics; these
numba kernels only fuse its per-sample arithmetic into single passes (numpy
would make a dozen full-size temporaries per scope record). They are compiled
once and cached on disk (``cache=True``). Formulas, per output row and sample m:

``noise_from_grid``: white noise at the scope rate fs whose variance is

    var = 2 q I fs/2 [shot] + i_n^2 fs/2 [thermal]
          + 4 R^2 (P_s S_ase + S_ase^2 B_o) fs/2 [signal-ASE, ASE-ASE beat]

(one-sided PSDs over fs/2, Agrawal, Fiber-Optic Communication Systems, 4th
ed., sec. 4.4 and 7.1), i.e. ``sqrt(var) z_pd`` plus laser RIN
``sum_l z_l sqrt(RIN fs/2) I_l`` (I_l: laser l's photocurrent). P_s S_ase and
I_l act before the photodiode's response: they are the simulation grid's
values linearly interpolated at the scope instants. The record is extended
circularly to the FFT length (index m mod points).

``tia_and_adc``: I = I_signal + I_ase,mean + s n_shaped (s = 1/sqrt(N) for N
averaged records); V = I_sat tanh(I / I_sat) Z_t + sigma_adc z_adc (volts at
the ADC, quantised afterwards by :func:`sim_backends.physics.quantiser.to_codes`).

``to_codes_rows``: volts -> uint16 codes per row, exactly
:func:`sim_backends.physics.quantiser.to_codes` (floor((v - offset + FS/2) /
step) clipped to [0, 2^bits - 1], step = FS / 2^bits).

``cubic_at``: 4-point Lagrange interpolation of the (2x Fourier-interpolated)
signal at the scope instants.
"""
from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, fastmath=False)
def noise_from_grid(current, ase_grid, laser_grids, rows, i0, i1, frac, z_pd, z_rin, shot_q_fs,
                    thermal_var, ase_beat_coef, ase_const, rin_scale, resp):
    """White noise [frames, rows, length] (float32) before receiver shaping
    (module docstring). current [F, R, P] (A); the signal-ASE row
    ase_grid[f, rows[r]] ([F, Q, n], sum P_s S_ase, W^2/Hz) and each laser's
    optical power laser_grids[l][f, rows[r]] (a tuple of [F, Q, n] arrays, W;
    photocurrent = resp x power) are linearly interpolated at the scope
    instants (i0, i1, frac), one row at a time (:func:`_interp_at`); z_pd [F, R, length], z_rin [F, L,
    length] (standard normal), shot_q_fs = q fs (0: off), thermal_var = i_n^2
    fs/2, ase_beat_coef = 4 R^2 fs/2 (0: off), ase_const [F, R] = 4 R^2
    S_ase^2 B_o fs/2, rin_scale = sqrt(RIN_lin fs/2) (0: off)."""
    nf, nr, npts = current.shape
    nl = len(laser_grids)
    length = z_pd.shape[2]
    out = np.empty((nf, nr, length), dtype=np.float32)
    grid = np.empty(npts)     # one grid row at the scope instants
    for f in range(nf):
        for r in range(nr):
            q = rows[r]
            c0 = thermal_var + ase_const[f, r]
            _interp_at(ase_grid[f, q], i0, i1, frac, grid)
            cur = current[f, r]
            for m0 in range(0, length, npts):       # the record, then its circular extension
                stop = min(length - m0, npts)
                zp = z_pd[f, r, m0:m0 + stop]
                o = out[f, r, m0:m0 + stop]
                for k in range(stop):
                    var = c0 + shot_q_fs * max(cur[k], 0.0) + ase_beat_coef * max(grid[k], 0.0)
                    o[k] = np.sqrt(var) * zp[k]
            if rin_scale > 0.0:
                for lz in range(nl):
                    _interp_at(laser_grids[lz][f, q], i0, i1, frac, grid)
                    for m0 in range(0, length, npts):
                        stop = min(length - m0, npts)
                        zr = z_rin[f, lz, m0:m0 + stop]
                        o = out[f, r, m0:m0 + stop]
                        for k in range(stop):
                            o[k] += zr[k] * rin_scale * resp * grid[k]
    return out


@njit(cache=True, fastmath=False)
def _interp_at(g, i0, i1, frac, out):
    """out[k] = g[i0[k]] (1 - frac[k]) + g[i1[k]] frac[k]: a grid row linearly
    interpolated at the scope instants. A pass of its own (the gathers stay
    scalar) so that the per-sample noise arithmetic and its square root run
    as SIMD loops over contiguous rows (half the kernel's time)."""
    for k in range(out.size):
        a = np.float64(frac[k])
        out[k] = g[i0[k]] * (1.0 - a) + g[i1[k]] * a


def tia_and_adc(current, ase_mean, shaped, scale, sat, zt, adc_sigma, z_adc):
    """Volts at the ADC input [F, R, P] (float64, before quantisation); see the
    module docstring. current [F, R, P] (A), ase_mean [F, R] (A), shaped
    [F, R, >= P] shaped noise (A), adc_sigma [R] (V), z_adc [F, R, P]. Two
    compiled passes around numpy's vectorised tanh (elementwise, so a value
    does not depend on the array it sits in)."""
    x = _tia_input(current, ase_mean, shaped, scale, 1.0 / sat)
    np.tanh(x, out=x)
    return _tia_output(x, sat * zt, adc_sigma, z_adc)


@njit(cache=True, fastmath=False)
def _tia_input(current, ase_mean, shaped, scale, inv_sat):
    """(I_signal + I_ase,mean + s n_shaped) / I_sat [F, R, P]."""
    nf, nr, npts = current.shape
    out = np.empty((nf, nr, npts))
    for f in range(nf):
        for r in range(nr):
            a = ase_mean[f, r]
            for m in range(npts):
                out[f, r, m] = (current[f, r, m] + a + scale * shaped[f, r, m]) * inv_sat
    return out


@njit(cache=True, fastmath=False)
def _tia_output(t, gain, adc_sigma, z_adc):
    """tanh values t [F, R, P] -> t I_sat Z_t + sigma_adc z_adc (V), in place."""
    nf, nr, npts = t.shape
    for f in range(nf):
        for r in range(nr):
            sg = adc_sigma[r]
            for m in range(npts):
                t[f, r, m] = t[f, r, m] * gain + sg * z_adc[f, r, m]
    return t


@njit(cache=True, fastmath=False)
def cubic_at(x, i0, frac):
    """Rows x [R, n] (periodic) at fractional positions i0 + frac by 4-point
    Lagrange interpolation through x[i0 - 1 .. i0 + 2] -> [R, P] (float64):
    exact for cubics; on a 2x oversampled band-limited signal within 3.4e-3 of
    full scale at the band edge (linear interpolation on a 4x grid: 4.7e-3).
    Indices wrap (modulo n) only at the two ends of the period."""
    nr, n = x.shape
    npts = i0.shape[0]
    out = np.empty((nr, npts))
    for m in range(npts):
        t = np.float64(frac[m])
        a = i0[m]
        if a >= 1 and a + 2 < n:
            im1, ip1, ip2 = a - 1, a + 1, a + 2
        else:
            im1, ip1, ip2 = (a - 1) % n, (a + 1) % n, (a + 2) % n
        wm1 = -t * (t - 1.0) * (t - 2.0) / 6.0
        w0 = (t + 1.0) * (t - 1.0) * (t - 2.0) / 2.0
        w1 = -(t + 1.0) * t * (t - 2.0) / 2.0
        w2 = (t + 1.0) * t * (t - 1.0) / 6.0
        for r in range(nr):
            out[r, m] = wm1 * x[r, im1] + w0 * x[r, a] + w1 * x[r, ip1] + w2 * x[r, ip2]
    return out


@njit(cache=True, fastmath=False)
def to_codes_rows(volts, full_scale, offset, bits):
    """uint16 codes [F, R, P] of volts [F, R, P] with row r's full scale
    ``full_scale[r]`` and ``offset[r]`` (V): quantiser.to_codes, same operations."""
    nf, nr, npts = volts.shape
    top = 2.0**bits - 1
    out = np.empty((nf, nr, npts), np.uint16)
    for r in range(nr):
        fs = full_scale[r]
        step = fs / 2.0**bits
        off = offset[r]
        half = fs / 2
        for f in range(nf):
            for m in range(npts):
                c = np.floor((volts[f, r, m] - off + half) / step)
                out[f, r, m] = np.uint16(min(max(c, 0.0), top))
    return out
