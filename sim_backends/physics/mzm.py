"""Mach-Zehnder intensity modulator (push-pull, chirp-free) with finite
extinction ratio.

Field transfer (arm power imbalance eps; Seimetz, High-Order Modulation for
Optical Fiber Transmission, sec. 4.2)::

    phi   = pi (v + v_bias) / V_pi
    E_out = E_in sqrt(IL) [ cos(phi/2) + j eps sin(phi/2) ]
    |E_out|^2 / |E_in|^2 = IL [ cos^2(phi/2) + eps^2 sin^2(phi/2) ]

so the maximum (phi = 0) is IL, the minimum (phi = pi) is IL eps^2 and the
extinction ratio ER = 1/eps^2, i.e. eps = 10**(-ER_dB/20).  Intensity follows
cos^2 of the drive.  The arm imbalance that limits the ER also leaves a small
residual chirp, alpha = -2 eps / (1 - eps^2) at quadrature (0.11 at 25 dB),
which shifts dispersion fading nulls slightly (tests/physics/test_fibre.py);
``extinction_ratio_db=inf`` gives the ideal chirp-free modulator.  Bias points (v_bias): peak 0, quadrature -V_pi/2 (on
the rising slope: more volts -> more light), null -V_pi.

The MZM adds no noise.  Its electrical bandwidth is that of the driver/DAC
chain that feeds it (apply them first).

Defaults: typical 40 GHz X-cut LiNbO3 modulator data sheets (Thorlabs
LN81S-FC, iXblue MX-LN-40 class): V_pi(RF) ~ 5 V, DC extinction ratio
~ 25 dB, optical insertion loss ~ 4.5 dB.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim_backends.physics import link_kernels, units

BIAS_MODES = ("quadrature", "peak", "null")


@dataclass(frozen=True)
class MZM:
    """One intensity modulator. SI units: V; ER and IL in dB."""

    v_pi: float = 5.0                  # V (LiNbO3 40 GHz, RF V_pi ~ 5 V)
    v_bias: float = -2.5               # V, -V_pi/2 = quadrature (rising slope)
    extinction_ratio_db: float = 25.0  # dB (DC ER ~ 25 dB)
    insertion_loss_db: float = 4.5     # dB

    @classmethod
    def biased(cls, mode: str = "quadrature", **kw) -> "MZM":
        """An MZM whose ``v_bias`` sits at 'quadrature', 'peak' or 'null'."""
        v_pi = kw.get("v_pi", cls.v_pi)
        return cls(v_bias=bias_voltage(mode, v_pi), **kw)

    @property
    def epsilon(self) -> float:
        """Arm imbalance eps = 10**(-ER/20) (field)."""
        return 10 ** (-self.extinction_ratio_db / 20)

    @property
    def il(self) -> float:
        """Linear power transmission at the peak, 10**(-IL/10)."""
        return float(units.db_to_lin(-self.insertion_loss_db))

    def field_transfer(self, volts) -> np.ndarray:
        """Complex field transmission for drive ``volts`` (bias added)."""
        half = np.pi * (np.asarray(volts) + self.v_bias) / (2 * self.v_pi)
        t = np.cos(half) + 1j * self.epsilon * np.sin(half)
        return np.sqrt(self.il) * t

    def power_transfer(self, volts) -> np.ndarray:
        """Power transmission |field_transfer|^2 for drive ``volts``."""
        half = np.pi * (np.asarray(volts, dtype=float) + self.v_bias) / (2 * self.v_pi)
        return self.il * (np.cos(half) ** 2 + self.epsilon**2 * np.sin(half) ** 2)

    def modulate(self, field, volts) -> np.ndarray:
        """Modulate ``field`` [..., samples] (sqrt W) with drive ``volts``
        [..., samples] (broadcast); returns the field in sqrt W, complex64 if
        the input field is complex64.  A real scalar ``field`` (a CW carrier
        amplitude, any shape of size 1) is folded into the compiled pass that
        builds the transfer (no full-size carrier array is needed)."""
        field = np.asarray(field)
        single = field.dtype == np.complex64
        real = np.float32 if single else np.float64
        v = np.asarray(volts, dtype=real)
        k1 = real(np.pi / (2 * self.v_pi))
        k0 = real(np.pi * self.v_bias / (2 * self.v_pi))
        half = np.multiply(v, k1)            # numpy reads the strided chunks of chunks.py
        half += k0                           # at full speed (no copy, unlike numba)
        cos = np.cos(half)                   # numpy's SIMD trigonometry
        np.sin(half, out=half)
        shape = np.broadcast_shapes(field.shape, v.shape)
        t = np.empty(v.shape, dtype=np.complex64 if single else np.complex128)
        a, b = real(np.sqrt(self.il)), real(np.sqrt(self.il) * self.epsilon)
        if t.size < link_kernels.COMPILED_MIN:   # numpy: the kernel's operations
            np.multiply(cos, a, out=t.real)
            np.multiply(half, b, out=t.imag)
        else:
            scalar = field.size == 1 and shape == t.shape and not np.iscomplex(field.reshape(-1)[0])
            g = real(field.reshape(-1)[0].real) if scalar else real(1)
            link_kernels.mzm_field(cos.reshape(-1), half.reshape(-1), a, b, g, t.reshape(-1).view(real))
            if scalar:
                return t                         # = field * transfer, as below
        if field.dtype == t.dtype and shape == t.shape:
            return np.multiply(field, t, out=t)  # in place (same values as below)
        return np.multiply(field, t, dtype=t.dtype)


def bias_voltage(mode: str, v_pi: float) -> float:
    """Bias voltage (V) for a named operating point of a cos^2 MZM."""
    if mode == "quadrature":
        return -v_pi / 2
    if mode == "peak":
        return 0.0
    if mode == "null":
        return -v_pi
    raise ValueError(f"bias mode must be one of {BIAS_MODES}, got {mode!r}")
