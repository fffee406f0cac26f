"""Unit conversions and physical constants (SI in, SI out).

dBm and dB appear only at the edges (bench file, CLI, display); convert them
here, once.  Constants come from :mod:`scipy.constants` (CODATA 2018).
"""
from __future__ import annotations

import numpy as np
from scipy import constants

#: Speed of light in vacuum, m/s.
C = constants.c
#: Elementary charge, C.
Q = constants.e
#: Planck constant, J s.
H = constants.h
#: Boltzmann constant, J/K.
K_B = constants.k


def dbm_to_w(p_dbm):
    """Optical/electrical power in dBm -> W: P = 1 mW * 10**(dBm/10)."""
    return 1e-3 * np.power(10.0, np.asarray(p_dbm, dtype=float) / 10.0)


def w_to_dbm(p_w):
    """Power in W -> dBm: 10 log10(P / 1 mW)."""
    return 10.0 * np.log10(np.asarray(p_w, dtype=float) / 1e-3)


def db_to_lin(x_db):
    """Power ratio in dB -> linear: 10**(dB/10)."""
    return np.power(10.0, np.asarray(x_db, dtype=float) / 10.0)


def lin_to_db(x):
    """Linear power ratio -> dB: 10 log10(x)."""
    return 10.0 * np.log10(np.asarray(x, dtype=float))


def wavelength_to_frequency(wavelength):
    """Vacuum wavelength (m) -> optical frequency (Hz): nu = c / lambda."""
    return C / np.asarray(wavelength, dtype=float)


def frequency_to_wavelength(frequency):
    """Optical frequency (Hz) -> vacuum wavelength (m): lambda = c / nu."""
    return C / np.asarray(frequency, dtype=float)


def dispersion_to_si(d_ps_nm_km):
    """Dispersion parameter D in ps/(nm km) -> s/m^2 (1 ps/nm/km = 1e-6 s/m^2)."""
    return np.asarray(d_ps_nm_km, dtype=float) * 1e-6


def slope_to_si(s_ps_nm2_km):
    """Dispersion slope S in ps/(nm^2 km) -> s/m^3 (1 ps/nm^2/km = 1e3 s/m^3)."""
    return np.asarray(s_ps_nm2_km, dtype=float) * 1e3


def db_per_km_to_neper_per_m(alpha_db_km):
    """Power attenuation in dB/km -> field-power coefficient alpha in 1/m
    (P(z) = P0 exp(-alpha z)): alpha = alpha_dB / (10 log10 e) / 1000."""
    return np.asarray(alpha_db_km, dtype=float) / (10.0 * np.log10(np.e)) / 1e3
