"""Shot, thermal, RIN, phase and ASE noise against their formulas.

Tolerances: the sample variance of N_eff independent Gaussian samples has a
relative standard deviation sqrt(2 / N_eff); each test uses N_eff >= 1e5
(filtered noise: N_eff ~ N * 2 ENBW / fs), so 3 % is > 6 sigma."""
import numpy as np
from physics_theory import C_LIGHT, H_PLANCK, Q_E, gaussian_enbw

from sim_backends.physics.edfa import EDFA
from sim_backends.physics.laser import CombSource, Laser
from sim_backends.physics.photodiode import Photodiode, thermal_density

FS = 160e9
N = 1 << 19


def _cw(power):
    return np.full((1, N), np.sqrt(power), dtype=np.complex128)


def test_shot_noise_variance_is_2qIB(rng):
    pd = Photodiode(thermal=False, dark_current=0.0, bandwidth=40e9, saturation_current=None)
    p = 1e-3
    i = pd.photocurrent(_cw(p), FS, rng)
    mean = pd.responsivity * p
    assert np.isclose(i.mean(), mean, rtol=1e-3)
    assert np.isclose(i.var(), 2 * Q_E * mean * gaussian_enbw(40e9), rtol=0.03)


def test_thermal_noise_variance_is_density_squared_times_B(rng):
    pd = Photodiode(shot=False, bandwidth=30e9, thermal_noise_density=20e-12, saturation_current=None)
    i = pd.photocurrent(_cw(0.0), FS, rng)
    assert np.isclose(i.var(), (20e-12) ** 2 * gaussian_enbw(30e9), rtol=0.03)


def test_thermal_density_of_a_load_resistor():
    k_b = 1.380649e-23
    assert np.isclose(thermal_density(50.0, 300.0), np.sqrt(4 * k_b * 300 / 50))


def test_noise_switches_off(rng):
    pd = Photodiode(noise=False, saturation_current=None)
    i = pd.photocurrent(_cw(1e-3), FS, rng)
    assert np.allclose(i, pd.responsivity * 1e-3 + pd.dark_current, rtol=1e-5)


def test_rin_variance_through_the_receiver(rng):
    """sigma_I^2 = (R P)^2 RIN_lin ENBW (one-sided RIN in dB/Hz)."""
    laser = Laser(power=1e-3, rin_db_hz=-130.0, phase_noise=False)
    pd = Photodiode(noise=False, bandwidth=20e9, dark_current=0.0, saturation_current=None)
    i = pd.photocurrent(laser.field(N, FS, rng), FS)
    expected = (pd.responsivity * 1e-3) ** 2 * 10 ** (-130 / 10) * gaussian_enbw(20e9)
    assert np.isclose(i.var(), expected, rtol=0.03)


def test_laser_set_in_dbm_and_noiseless_cw():
    laser = Laser.from_dbm(13.0, noise=False)
    e = laser.field(64, FS)
    assert np.allclose(np.abs(e) ** 2, 10 ** 1.3 * 1e-3, rtol=1e-6)
    assert np.isclose(laser.frequency, C_LIGHT / 1550e-9)


def test_laser_phase_noise_is_a_wiener_process_of_the_linewidth(rng):
    """Var[phi(t + tau) - phi(t)] = 2 pi dnu tau (Lorentzian linewidth dnu)."""
    laser = Laser(linewidth=1e6, rin=False)
    phi = np.unwrap(np.angle(laser.field(N, FS, rng)[0].astype(np.complex128)))
    lag = 64
    d = phi[lag:] - phi[:-lag]
    assert np.isclose(d.var(), 2 * np.pi * 1e6 * lag / FS, rtol=0.05)


def test_comb_lines_sit_on_the_grid_with_independent_noise(rng):
    comb = CombSource(lines=4, spacing=100e9)
    assert np.allclose(np.diff(comb.frequencies), 100e9)
    e = comb.field(4096, FS, rng)
    assert e.shape == (4, 4096)
    assert np.isclose(np.mean(np.abs(e) ** 2), comb.power_per_line, rtol=0.01)
    assert not np.allclose(np.angle(e[0]), np.angle(e[1]))


def test_ase_power_is_nf_g_h_nu_over_2_per_hz(rng):
    edfa = EDFA(gain_db=20.0, noise_figure_db=5.0)
    lam = np.array([1550e-9, 1560e-9])
    out = edfa.amplify(np.zeros((2, N), np.complex64), FS, lam, rng)
    g, nf = 100.0, 10 ** 0.5
    expected = nf * g * H_PLANCK * (C_LIGHT / lam) / 2 * FS
    assert np.allclose(np.mean(np.abs(out) ** 2, axis=-1), expected, rtol=0.02)


def test_edfa_gain_and_power_modes():
    field = np.full((2, 1024), np.sqrt(1e-4), np.complex64)
    lam = np.array([1550e-9, 1551e-9])
    assert np.allclose(np.abs(EDFA(gain_db=13.0, noise=False).amplify(field, FS, lam)) ** 2, 1e-4 * 10**1.3, rtol=1e-5)
    out = EDFA(mode="power", output_power=1e-2, noise=False).amplify(field, FS, lam)
    assert np.isclose(np.sum(np.mean(np.abs(out) ** 2, axis=-1)), 1e-2, rtol=1e-5)


def test_signal_ase_beat_variance(rng):
    """Signal-ASE beat at a PD: sigma^2 = 4 R^2 P_s S_ase ENBW (one polarisation,
    S_ase one-sided per the EDFA model, signal-ASE only: ASE-ASE is 2nd order)."""
    p_in = 1e-5
    edfa = EDFA(gain_db=20.0, noise_figure_db=5.0)
    lam = np.array([1550e-9])
    out = edfa.amplify(_cw(p_in).astype(np.complex64), FS, lam, rng)
    pd = Photodiode(noise=False, responsivity=1.0, dark_current=0.0, bandwidth=10e9, saturation_current=None)
    i = pd.photocurrent(out, FS)
    s_ase = 10 ** 0.5 * 100 * H_PLANCK * C_LIGHT / 1550e-9 / 2
    p_s = 100 * p_in
    expected = 2 * p_s * s_ase * 2 * gaussian_enbw(10e9)
    assert np.isclose(i.var(), expected, rtol=0.05)


def test_thermal_noise_within_the_simulated_band_when_fs_is_2B(rng):
    """At fs = 2B the noise exists only up to B: ENBW = integral_0^B |H|^2 df
    = B int_0^1 exp(-ln2 x^2) dx (closed form via erf)."""
    from scipy.special import erf
    pd = Photodiode(shot=False, bandwidth=10e9, thermal_noise_density=20e-12, saturation_current=None)
    i = pd.photocurrent(_cw(0.0), 20e9, rng)
    enbw = 10e9 * 0.5 * np.sqrt(np.pi / np.log(2)) * erf(np.sqrt(np.log(2)))
    assert np.isclose(i.var(), (20e-12) ** 2 * enbw, rtol=0.03)
    assert np.isclose(pd.noise_bandwidth(20e9), enbw, rtol=1e-9)
