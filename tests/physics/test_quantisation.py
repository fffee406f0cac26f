"""DAC and ADC quantisation SNR vs 6.02 N + 1.76 dB, ENOB, clipping, fixed full scale."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim_backends.physics.adc import ADC
from sim_backends.physics.dac import DAC


def _full_scale_sine(full_scale, offset, n=1 << 16, cycles=1021):
    t = np.arange(n)
    return offset + full_scale / 2 * np.sin(2 * np.pi * cycles * t / n)


def _snr_db(ref, out):
    return 10 * np.log10(np.var(ref) / np.mean((out - ref) ** 2))


@pytest.mark.parametrize("bits", [8, 10])
def test_dac_quantisation_snr(bits):
    dac = DAC(bits=bits, vpp=0.6, offset=0.1)
    v = _full_scale_sine(dac.vpp, dac.offset)
    out = dac.levels(dac.codes_for(v))
    assert abs(_snr_db(v, out) - (6.02 * bits + 1.76)) < 0.5


@pytest.mark.parametrize("bits", [8, 10])
def test_adc_quantisation_snr(bits):
    adc = ADC(bits=bits, range=0.8, offset=-0.05, noise=False)
    v = _full_scale_sine(adc.range, adc.offset)
    out = adc.to_volts(adc.to_codes(v))
    assert abs(_snr_db(v, out) - (6.02 * bits + 1.76)) < 0.5


def test_adc_enob_noise_gives_sinad_of_enob(rng):
    adc = ADC(bits=10, enob=6.5, range=0.5)
    v = _full_scale_sine(adc.range, adc.offset)
    out = adc.to_volts(adc.to_codes(v, rng))
    assert abs(_snr_db(v, out) - (6.02 * 6.5 + 1.76)) < 0.3


def test_dac_enob_noise_gives_sinad_of_enob(rng):
    dac = DAC(bits=8, enob=5.5, bandwidth=1e15, sinc_rolloff=False)
    v = _full_scale_sine(dac.vpp, dac.offset)
    out = dac.to_volts(dac.codes_for(v), rng, dtype=np.float64)
    assert abs(_snr_db(v, out) - (6.02 * 5.5 + 1.76)) < 0.3


def test_dac_full_scale_is_fixed_not_auto_scaled():
    dac = DAC(bits=8, vpp=1.0, offset=0.0, noise=False)
    small = dac.levels(np.array([120, 136]))           # a small signal stays small
    assert np.allclose(small, [-0.5 + 120.5 / 256, -0.5 + 136.5 / 256])
    assert np.isclose(dac.levels(255) - dac.levels(0), 1.0 * 255 / 256)


def test_dac_rejects_out_of_range_codes():
    with pytest.raises(ValueError):
        DAC(bits=8).levels(np.array([256]))


@given(arrays(np.float64, 64, elements=st.floats(-10, 10)), st.sampled_from([8, 10]))
def test_adc_codes_clip_to_end_codes(v, bits):
    adc = ADC(bits=bits, range=1.0, noise=False)
    c = adc.to_codes(v)
    assert c.dtype == np.uint16
    assert c.min() >= 0 and c.max() <= 2**bits - 1
    assert np.all(c[v >= 0.5] == 2**bits - 1) and np.all(c[v < -0.5] == 0)


def test_adc_clock_offset_resamples_at_shifted_instants():
    fs_in, f0 = 64e9, 1.3e9
    adc = ADC(sample_rate=32e9, clock_ppm=200.0, delay=3e-12, bandwidth=1e15)
    t_in = np.arange(1 << 14) / fs_in
    v = np.sin(2 * np.pi * f0 * t_in)
    out = adc.resample(v, fs_in)
    t_out = adc.delay + np.arange(out.size) / (adc.sample_rate * (1 + 200e-6))
    inner = slice(10, -10)
    assert np.allclose(out[inner], np.sin(2 * np.pi * f0 * t_out)[inner], atol=2e-3)


def test_adc_rational_rate_change():
    fs_in, f0 = 64e9, 1e9
    v = np.sin(2 * np.pi * f0 * np.arange(4096) / fs_in)
    out = ADC(sample_rate=32e9).resample(v, fs_in)
    ref = np.sin(2 * np.pi * f0 * np.arange(out.size) / 32e9)
    assert np.allclose(out[50:-50], ref[50:-50], atol=1e-3)
