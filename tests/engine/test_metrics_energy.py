"""Metrics and energy accounting against closed forms."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from labctl import metrics
from labctl.bench import load_bench
from labctl.energy import (
    OPS_PER_MAC,
    REFERENCE_POINTS,
    OperatingPoint,
    energy,
    operating_point_from_bench,
)


@pytest.mark.parametrize("k, n", [(0, 1000), (7, 1000), (500, 1000), (1000, 1000)])
def test_clopper_pearson_defining_tail_probabilities(k, n):
    lower, upper = metrics.clopper_pearson(k, n)
    # exact interval: P(X >= k | lower) = 2.5 %, P(X <= k | upper) = 2.5 %
    if k > 0:
        assert stats.binom.sf(k - 1, n, lower) == pytest.approx(0.025, rel=1e-6)
    else:
        assert lower == 0.0 and upper == pytest.approx(1 - 0.025 ** (1 / n), rel=1e-9)
    if k < n:
        assert stats.binom.cdf(k, n, upper) == pytest.approx(0.025, rel=1e-6)
    else:
        assert upper == 1.0 and lower == pytest.approx(0.025 ** (1 / n), rel=1e-9)


def test_ber_counts_errors():
    sent = np.zeros(1000, np.uint8)
    received = sent.copy()
    received[[3, 500, 999]] = 1
    est = metrics.ber(sent, received)
    assert (est.errors, est.bits, est.ber) == (3, 1000, 0.003)
    assert est.ci95[0] < 0.003 < est.ci95[1]


def test_q_factor_predicts_gaussian_ber():
    rng = np.random.default_rng(1)
    bits = rng.integers(0, 2, 400_000).astype(bool)
    mu0, mu1, s0, s1 = 0.2, 1.0, 0.12, 0.16
    samples = np.where(bits, rng.normal(mu1, s1, bits.size), rng.normal(mu0, s0, bits.size))
    q = metrics.q_factor(samples, bits)
    assert q == pytest.approx((mu1 - mu0) / (s1 + s0), rel=0.01)
    threshold = (s1 * mu0 + s0 * mu1) / (s0 + s1)  # optimum for the Q approximation
    est = metrics.ber(bits, samples > threshold)
    assert est.ci95[0] <= metrics.ber_from_q(q) <= est.ci95[1]


def test_snr_of_sine_with_white_noise():
    rng = np.random.default_rng(2)
    t = np.arange(200_000)
    ref = 0.5 * np.sin(2 * np.pi * t / 37.3)
    sigma = 0.01
    expected = 10 * np.log10(0.5 ** 2 / 2 / sigma ** 2)
    assert metrics.snr_db(ref + rng.normal(0, sigma, t.size), ref) == pytest.approx(expected, abs=0.05)


@pytest.mark.parametrize("bits", [4, 6, 8])
def test_enob_of_ideal_uniform_quantiser_equals_its_bits(bits):
    rng = np.random.default_rng(bits)
    ref = rng.uniform(-1, 1, 200_000)
    step = 2.0 / 2 ** bits                          # full scale / 2^b
    quantised = (np.floor(ref / step) + 0.5) * step  # mid-rise quantiser, error uniform in +-step/2
    assert metrics.enob(quantised, ref, full_scale=2.0) == pytest.approx(bits, abs=0.02)


def test_rmse_relative_to_full_scale():
    ref = np.linspace(-2, 2, 101)
    assert metrics.rmse_fs(ref + 0.04, ref) == pytest.approx(0.04 / 4.0)
    assert metrics.rmse_fs(ref + 0.04, ref, full_scale=8.0) == pytest.approx(0.005)


def test_gpu_reference_points_from_datasheet_figures():
    by_name = {r.name.split(",")[0]: r.mw_per_tops for r in REFERENCE_POINTS}
    assert by_name["NVIDIA H100 SXM"] == pytest.approx(700 / 1979 * 1e3)
    assert by_name["NVIDIA H100 SXM"] == pytest.approx(353.7, abs=0.1)
    assert by_name["NVIDIA A100"] == pytest.approx(641.0, abs=0.1)
    assert by_name["optical cloud computing (Xing et al. 2025)"] == 118.6


def test_energy_by_hand():
    power = load_bench().power
    op = OperatingPoint(symbol_rate=10e9, macs_per_symbol=64, laser_optical_power=0.02,
                        dac_channels=8, dac_sample_rate=92e9, adc_channels=8, adc_sample_rate=128e9,
                        modulator_drivers=8, tias=8, amplifiers=2, rings=64)
    report = energy(power, op)
    by_hand = {
        "lasers": 0.02 / power.laser.wall_plug_efficiency,
        "dacs": power.dac.energy_per_sample * 92e9 * 8,
        "adcs": power.adc.energy_per_sample * 128e9 * 8,
        "modulator_drivers": power.modulator_driver.power_per_channel * 8,
        "tias": power.tia.power_per_channel * 8,
        "amplifiers": power.amplifier.power_per_unit * 2,
        "heaters": power.heater.power_per_ring * 64,
    }
    assert report.components == pytest.approx(by_hand)
    total = sum(by_hand.values())
    assert report.mw_per_tops == pytest.approx(total * 1e3 / (OPS_PER_MAC * 640e9 / 1e12))
    assert report.pj_per_mac == pytest.approx(total / 640e9 * 1e12)
    assert sum(report.breakdown_mw_per_tops().values()) == pytest.approx(report.mw_per_tops)


@pytest.mark.parametrize("name, macs, dac_rate", [(None, 64, 92e9),
                                                  ("default_sim_time.toml", 2, (92e9 + 25e9) / 2)])
def test_operating_point_from_embedded_bench(name, macs, dac_rate):
    bench = load_bench(name)
    op = operating_point_from_bench(bench)
    assert op.macs_per_symbol == macs
    assert op.dac_sample_rate == pytest.approx(dac_rate)
    assert op.laser_optical_power == pytest.approx(0.02)
    assert op.amplifiers == 2
