"""Fibre: loss, dispersion power fading nulls, SPM phase, energy; OptiCommPy cross-check."""
import numpy as np
import pytest
from physics_theory import C_LIGHT

from sim_backends.physics.fibre import Fibre
from sim_backends.physics.mzm import MZM
from sim_backends.physics.photodiode import Photodiode

FS = 200e9


def test_span_loss(rng):
    f = Fibre(length=25e3, alpha_db_km=0.2)
    x = (rng.standard_normal((1, 4096)) + 1j * rng.standard_normal((1, 4096))) * 1e-2
    y = f.propagate(x, FS, [1550e-9])
    assert np.isclose(np.sum(np.abs(y) ** 2) / np.sum(np.abs(x) ** 2), 10 ** (-0.5), rtol=1e-9)


def _im_dd_response(rng, mzm, length_km, lam=1550e-9, n=1 << 16):
    """|H(f)| of drive volts -> detected power through the fibre, measured
    with an equal-amplitude random-phase multitone (small signal)."""
    tones = np.exp(2j * np.pi * rng.random(n // 2 + 1))
    tones[0] = 0
    drive = np.fft.irfft(tones, n)
    drive *= 0.05 / drive.std()
    tx = mzm.modulate(np.ones((1, n), complex), drive)
    fibre = Fibre(length=length_km * 1e3, alpha_db_km=0.0)
    pd = Photodiode(noise=False, bandwidth=1e15, dark_current=0.0, saturation_current=None)
    h = np.abs(np.fft.rfft(pd.detect(fibre.propagate(tx, FS, [lam]), FS)) / np.fft.rfft(drive))
    return np.fft.rfftfreq(n, 1 / FS), h


def _null_frequencies(theta_null, lam, d, length):
    """f where beta2 w^2 L / 2 = theta_null, beta2 = -D lambda^2 / (2 pi c)."""
    beta2 = d * lam**2 / (2 * np.pi * C_LIGHT)
    return np.sqrt(2 * np.asarray(theta_null) / (beta2 * length)) / (2 * np.pi)


def _assert_nulls(f, h, f_expected):
    low = np.median(h[(f > 0.1e9) & (f < 1e9)])
    for f_k in f_expected:
        if f_k > 0.45 * FS:
            continue
        window = (f > 0.92 * f_k) & (f < 1.08 * f_k)   # neighbouring nulls are >= 13 % apart
        f_null = f[window][np.argmin(h[window])]
        assert abs(f_null / f_k - 1) < 0.02, (f_null, f_k)
        assert h[window].min() < 0.01 * low          # a real null, not a dip


@pytest.mark.parametrize("length_km", [20.0, 40.0])
def test_im_dd_power_fading_nulls_chirp_free(rng, length_km):
    """Chirp-free MZM (infinite ER) at quadrature: nulls at
    f_k = sqrt((2k-1) c / (2 lambda^2 D L)) (Wang & Petermann, JLT 1992)."""
    lam, d = 1550e-9, 17e-6   # D = 17 ps/nm/km in s/m^2
    f, h = _im_dd_response(rng, MZM(v_pi=5.0, v_bias=-2.5, extinction_ratio_db=np.inf), length_km)
    k = np.arange(1, 4)
    expected = np.sqrt((2 * k - 1) * C_LIGHT / (2 * lam**2 * d * length_km * 1e3))
    _assert_nulls(f, h, expected)


def test_finite_er_residual_chirp_shifts_the_nulls(rng):
    """Arm imbalance eps = 10**(-ER/20) gives chirp alpha = 2 eps / (1 - eps^2)
    at quadrature; the small-signal response is cos(theta + arctan alpha), so the
    first null moves to theta = pi/2 - arctan(alpha) (Koyama & Iga, JLT 1988)."""
    lam, d, length = 1550e-9, 17e-6, 20e3
    eps = 10 ** (-20 / 20)
    alpha = 2 * eps / (1 - eps**2)
    f, h = _im_dd_response(rng, MZM(v_pi=5.0, v_bias=-2.5, extinction_ratio_db=20.0), length / 1e3)
    theta = [np.pi / 2 - np.arctan(alpha), 3 * np.pi / 2 - np.arctan(alpha)]
    _assert_nulls(f, h, _null_frequencies(theta, lam, d, length))
    chirp_free = _null_frequencies(np.pi / 2, lam, d, length)
    assert abs(_null_frequencies(theta[0], lam, d, length) / chirp_free - 1) > 0.03  # the shift is resolvable


def test_dispersion_is_lossless_and_all_pass(rng):
    x = rng.standard_normal((3, 2048)) + 1j * rng.standard_normal((3, 2048))
    y = Fibre(length=80e3, alpha_db_km=0.0).propagate(x, FS, [1540e-9, 1550e-9, 1560e-9])
    assert np.allclose(np.sum(np.abs(y) ** 2, axis=-1), np.sum(np.abs(x) ** 2, axis=-1))
    assert not np.allclose(y, x)


def test_dispersion_slope_changes_beta2_per_wavelength():
    f = Fibre()
    d = f.dispersion(np.array([1540e-9, 1550e-9, 1560e-9])) * 1e6   # ps/nm/km
    assert np.allclose(d, [17 - 0.56, 17, 17 + 0.56])


def test_spm_phase_is_gamma_p_leff():
    """CW through a dispersionless lossy fibre: phi_NL = -gamma P0 L_eff
    (engineering sign convention), L_eff = (1 - exp(-alpha L)) / alpha."""
    p0, length = 0.1, 50e3
    f = Fibre(length=length, d_ps_nm_km=0.0, s_ps_nm2_km=0.0, nonlinear=True, steps=20)
    x = np.full((1, 256), np.sqrt(p0), complex)
    y = f.propagate(x, FS, [1550e-9])
    alpha = 0.2 / (10 * np.log10(np.e)) / 1e3
    phi = -1.3e-3 * p0 * (1 - np.exp(-alpha * length)) / alpha
    assert np.allclose(np.angle(y), phi, rtol=1e-6)


def test_split_step_conserves_energy_without_loss(rng):
    x = np.exp(-((np.arange(4096) - 2048) / 40.0) ** 2)[None, :] * np.sqrt(0.2) + 0j
    y = Fibre(length=30e3, alpha_db_km=0.0, nonlinear=True, steps=30).propagate(x, FS, [1550e-9])
    assert np.isclose(np.sum(np.abs(y) ** 2), np.sum(np.abs(x) ** 2), rtol=1e-9)


def test_against_opticommpy_linear_channel(rng):
    """OptiCommPy (GPL, optional oracle) uses exp(+j beta2/2 w^2 L) while this
    package uses the e^{+j w t} engineering convention exp(-j beta2/2 w^2 L):
    the transfer functions are complex conjugates, so conj(ours(conj x)) must
    equal theirs(x); detected power after IM must agree directly."""
    channels = pytest.importorskip("optic.models.channels",
                                   reason="OptiCommPy (GPL, optional oracle) is not installed")
    from optic.utils import parameters
    x = (rng.standard_normal(8192) + 1j * rng.standard_normal(8192)) * 1e-2
    p = parameters()
    p.L, p.alpha, p.D, p.Fc, p.Fs = 20, 0.2, 17, C_LIGHT / 1550e-9, FS
    ref = channels.linearFiberChannel(x.copy(), p)
    # OptiCommPy has no beta3; beta3 = (lambda^2/2 pi c)^2 (S + 2D/lambda) = 0 for S = -2D/lambda
    fibre = Fibre(length=20e3, s_ps_nm2_km=-2 * 17.0 / 1550.0)
    ours = np.conj(fibre.propagate(np.conj(x), FS, [1550e-9]))
    assert np.allclose(ours, ref, atol=1e-9 * np.abs(ref).max() + 1e-12)
    im = 1 + 0.3 * np.cos(2 * np.pi * 7e9 * np.arange(8192) / FS) + 0j
    p_ours = np.abs(fibre.propagate(im, FS, [1550e-9])) ** 2
    p_ref = np.abs(channels.linearFiberChannel(im.copy(), p)) ** 2
    assert np.allclose(p_ours, p_ref, rtol=1e-6)


def test_fundamental_soliton_keeps_its_shape():
    """Anomalous dispersion + SPM: A(0,T) = sqrt(P0) sech(T/T0) with
    P0 = |beta2| / (gamma T0^2) (N = 1) propagates unchanged in |A|^2
    (Agrawal, Nonlinear Fiber Optics, sec. 5.2).  A wrong relative sign of the
    two operators would broaden it instead."""
    lam, d = 1550e-9, 17.0
    s = -2 * d / 1550.0                             # beta3 = 0
    fibre = Fibre(length=3 * 4.6e3, alpha_db_km=0.0, d_ps_nm_km=d, s_ps_nm2_km=s, nonlinear=True, steps=300)
    beta2 = abs(float(fibre.beta2(lam)))
    t0 = 10e-12
    fs = 400e9
    t = (np.arange(2048) - 1024) / fs
    p0 = beta2 / (1.3e-3 * t0**2)
    a0 = (np.sqrt(p0) / np.cosh(t / t0))[None, :].astype(complex)
    a = fibre.propagate(a0, fs, [lam])
    assert np.max(np.abs(np.abs(a) ** 2 - np.abs(a0) ** 2)) < 0.01 * p0
    linear = Fibre(length=fibre.length, alpha_db_km=0.0, d_ps_nm_km=d, s_ps_nm2_km=s).propagate(a0, fs, [lam])
    assert np.max(np.abs(linear)) ** 2 < 0.5 * p0        # without SPM it disperses


def test_split_step_against_opticommpy_ssfm(rng):
    """OptiCommPy's ssfm (physics convention) equals conj(ours(conj x))."""
    channels = pytest.importorskip("optic.models.channels",
                                   reason="OptiCommPy (GPL, optional oracle) is not installed")
    from optic.utils import parameters
    fs, n = 100e9, 4096
    x = (rng.standard_normal(n) + 1j * rng.standard_normal(n)) * np.sqrt(0.05)
    x = np.fft.ifft(np.fft.fft(x) * (np.abs(np.fft.fftfreq(n, 1 / fs)) < 20e9))
    p = parameters()
    p.Ltotal, p.Lspan, p.hz, p.alpha, p.D, p.gamma = 40, 40, 0.2, 0.2, 17.0, 1.3
    p.Fc, p.Fs, p.amp, p.prgsBar = C_LIGHT / 1550e-9, fs, None, False
    ref = channels.ssfm(x.copy(), p)
    ref = ref[0] if isinstance(ref, tuple) else ref
    fibre = Fibre(length=40e3, s_ps_nm2_km=-2 * 17.0 / 1550.0, nonlinear=True, steps=200)
    ours = np.conj(fibre.propagate(np.conj(x), fs, [1550e-9]))
    assert np.max(np.abs(ours - np.ravel(ref))) < 1e-3 * np.max(np.abs(ref))
