"""AWGR routing table and crosstalk; micro-ring thermal tuning and line shape; demux."""
import numpy as np
import pytest
from physics_theory import C_LIGHT

from sim_backends.physics.awgr import AWGR
from sim_backends.physics.laser import CombSource
from sim_backends.physics.microring import MicroRing, RingBank
from sim_backends.physics.mux import Demux, Mux

FS = 40e9


@pytest.mark.parametrize("n", [4, 8])
def test_awgr_cyclic_routing_table(n):
    comb = CombSource(lines=n)
    awgr = AWGR(ports=n, grid_frequency=comb.frequencies[0], crosstalk=False)
    for p in range(n):
        x = np.zeros((n, n, 256), np.complex64)
        x[p] = 1e-2
        out = awgr.propagate(x, FS, comb.wavelengths)
        power = np.mean(np.abs(out) ** 2, axis=-1)            # [q, k]
        for k in range(n):
            q = (p - k) % n
            assert np.isclose(power[q, k], 1e-4 * 10 ** (-awgr.insertion_loss_db / 10), rtol=1e-4)
            assert np.allclose(np.delete(power[:, k], q), 0.0)
    table = awgr.route(np.arange(n)[:, None], np.arange(n)[None, :])
    assert all(sorted(row) == list(range(n)) for row in table)       # a Latin square
    assert all(sorted(col) == list(range(n)) for col in table.T)


def test_awgr_crosstalk_levels():
    n = 8
    comb = CombSource(lines=n)
    awgr = AWGR(ports=n, grid_frequency=comb.frequencies[0], adjacent_xt_db=-25.0, nonadjacent_xt_db=-32.0)
    x = np.zeros((n, n, 256), np.complex64)
    x[2, 5] = 1e-2                                 # one input port, one wavelength
    out = np.mean(np.abs(awgr.propagate(x, FS, comb.wavelengths)) ** 2, axis=-1)[:, 5]
    q = (2 - 5) % n
    rel = 10 * np.log10(out / out[q])
    assert np.isclose(rel[(q + 1) % n], -25.0, atol=0.01)
    assert np.isclose(rel[(q - 1) % n], -25.0, atol=0.01)
    others = [i for i in range(n) if i not in (q, (q + 1) % n, (q - 1) % n)]
    assert np.allclose(rel[others], -32.0, atol=0.01)


def test_awgr_gaussian_passband_detuning():
    awgr = AWGR(ports=4, grid_frequency=193.1e12, passband_3db=50e9, crosstalk=False)
    lam = C_LIGHT / np.array([193.1e12 + 25e9])      # detuned by half the -3 dB width
    t = awgr.power_matrix(lam)
    assert np.isclose(t.max(), 0.5 * 10 ** (-awgr.insertion_loss_db / 10), rtol=1e-9)


def test_microring_resonance_shift_with_heater_power():
    ring = MicroRing(resonance=1550e-9, tuning=0.25e-6, q_loaded=1e4)
    lam = np.linspace(1549.5e-9, 1552.5e-9, 300001)
    res0 = lam[np.argmin(np.abs(ring.through(lam, 0.0)))]
    res4 = lam[np.argmin(np.abs(ring.through(lam, 4e-3)))]
    assert np.isclose(res0, 1550e-9, atol=2e-14)
    assert np.isclose(res4 - res0, 0.25e-9 * 4, rtol=1e-3)        # 0.25 nm/mW x 4 mW
    assert np.isclose(ring.heater_power(2e-3), 4e-3)              # I^2 R with 1 kOhm


def test_microring_lorentzian_width_and_fsr():
    ring = MicroRing(resonance=1550e-9, q_loaded=2e4, fsr=8e-9)
    lam = np.linspace(1549.8e-9, 1550.2e-9, 400001)
    drop = np.abs(ring.drop(lam)) ** 2
    above = lam[drop >= drop.max() / 2]
    fwhm = above[-1] - above[0]
    assert np.isclose(fwhm, 1550e-9 / 2e4, rtol=0.02)
    assert np.isclose(np.abs(ring.drop(1550e-9 + 8e-9)), np.abs(ring.drop(1550e-9)), rtol=1e-9)
    # energy: through + drop + intrinsic loss <= 1, and equality without loss
    lossless = MicroRing(round_trip_loss_db=0.0)
    t = np.abs(lossless.through(lam)) ** 2 + np.abs(lossless.drop(lam)) ** 2
    assert np.allclose(t, 1.0)


def test_ring_bank_sets_per_line_weights():
    comb = CombSource(lines=4, spacing=200e9)
    bank = RingBank.for_wavelengths(comb.wavelengths, detuning=-0.3e-9)
    # heat ring 2 onto its line: its through-port weight drops, the others stay
    powers = np.zeros(4)
    powers[2] = 0.3e-9 / 0.25e-6
    w = np.abs(bank.through(comb.wavelengths, powers)) ** 2
    assert w[2] < 0.05 and np.all(w[[0, 1, 3]] > 0.9)
    field = np.ones((4, 8), np.complex64) * 0.1
    assert np.allclose(np.abs(bank.apply(field, comb.wavelengths, powers)) ** 2, 0.01 * w[:, None], rtol=1e-5)


def test_demux_isolation_and_mux_loss():
    field = Mux(insertion_loss_db=3.0).combine([np.ones(16) * 0.1 for _ in range(4)])
    assert np.allclose(np.abs(field) ** 2, 0.01 * 10 ** -0.3)
    out = Demux(insertion_loss_db=0.0, adjacent_xt_db=-25.0, nonadjacent_xt_db=-40.0).split(field)
    p = np.mean(np.abs(out) ** 2, axis=-1)
    rel = 10 * np.log10(p / np.diag(p)[:, None])
    assert np.isclose(rel[1, 0], -25.0) and np.isclose(rel[0, 3], -40.0)
    assert np.allclose(np.diag(rel), 0.0)
