"""PAM mapping and BER vs electrical SNR against the closed form (AWGN)."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from physics_theory import q_function

from sim_backends.physics import pam


@given(st.lists(st.integers(0, 1), min_size=0, max_size=64).filter(lambda b: len(b) % 2 == 0))
def test_gray_round_trip_pam4(bits):
    bits = np.array(bits, dtype=np.uint8)
    assert np.array_equal(pam.symbols_to_bits(pam.bits_to_symbols(bits, "pam4"), "pam4"), bits)


def test_pam4_gray_table_and_adjacent_levels_differ_in_one_bit():
    table = {tuple(pam.symbols_to_bits([i], "pam4")): i for i in range(4)}
    assert table == {(0, 0): 0, (0, 1): 1, (1, 1): 2, (1, 0): 3}
    for i in range(3):
        a, b = pam.symbols_to_bits([i], "pam4"), pam.symbols_to_bits([i + 1], "pam4")
        assert np.count_nonzero(a != b) == 1


def test_levels_are_equally_spaced_in_minus_one_to_one():
    assert np.allclose(pam.values(np.arange(4), "pam4"), [-1, -1 / 3, 1 / 3, 1])
    assert np.allclose(pam.values(np.arange(2), "pam2"), [-1, 1])


@pytest.mark.parametrize("fmt,snr_db", [("pam2", 8.0), ("pam2", 10.0), ("pam4", 14.0), ("pam4", 16.0)])
def test_ber_vs_snr_within_clopper_pearson_ci(fmt, snr_db, rng):
    """Gray M-PAM in AWGN: BER = 2(1-1/M) Q(sqrt(3 SNR/(M^2-1))) / log2 M
    (Proakis eq. 4.3-5), SNR = signal variance / noise variance."""
    m = {"pam2": 2, "pam4": 4}[fmt]
    n_sym = 400_000
    bits = pam.random_bits(rng, n_sym * int(np.log2(m)))
    sym = pam.bits_to_symbols(bits, fmt)
    x = pam.values(sym, fmt).astype(float)
    snr = 10 ** (snr_db / 10)
    sigma = np.sqrt(np.var(pam.values(np.arange(m), fmt)) / snr)
    y = x + sigma * rng.standard_normal(x.size)
    rx, snr_est, _ = pam.receive(y, 1, sym, fmt)
    rx_bits = pam.symbols_to_bits(rx, fmt)
    errors = pam.count_bit_errors(bits, rx_bits)
    lo, hi = pam.ber_ci95(errors, bits.size)
    theory = 2 * (1 - 1 / m) * q_function(np.sqrt(3 * snr / (m * m - 1))) / np.log2(m)
    # Gray BER ~ SER/log2 M neglects 2-bit errors, O(Q(3 sqrt..)) -- far below the CI width here
    assert lo <= theory <= hi, (errors, theory, lo, hi)
    assert abs(10 * np.log10(snr_est) - snr_db) < 0.1


def test_clopper_pearson_matches_exact_binomial_tails():
    from scipy.stats import binom
    lo, hi = pam.ber_ci95(5, 1000)
    assert np.isclose(binom.sf(4, 1000, lo), 0.025, rtol=1e-3)   # P(X >= 5 | lo) = 2.5 %
    assert np.isclose(binom.cdf(5, 1000, hi), 0.025, rtol=1e-3)  # P(X <= 5 | hi) = 2.5 %


def test_raised_cosine_has_no_isi_at_symbol_instants(rng):
    sym = rng.integers(0, 4, 1024)
    x = pam.values(sym, "pam4")
    y = pam.shape(x, 4, "rc", rolloff=0.3)
    assert np.allclose(pam.sample(y, 4, 0), x, atol=1e-4)


def test_unknown_format_is_rejected():
    with pytest.raises(ValueError, match="pam8"):
        pam.order("pam8")
