import numpy as np

from labctl.mvm import dsp


def test_synchronise_finds_circular_shift():
    rng = np.random.default_rng(2)
    pre = dsp.preamble(6)
    sym = np.concatenate([pre, rng.uniform(0, 1, 97)])
    wave = np.repeat(sym, 4)
    for shift in (0, 5, 333, wave.size - 1):
        rolled = np.roll(wave, shift) + rng.normal(0, 0.05, wave.size)
        assert dsp.synchronise(rolled, pre, 4) == shift


def test_fine_sync_resolves_fractions_of_a_sample():
    pre = dsp.preamble(6)
    n = np.arange(4 * 160)
    wave = np.repeat(np.concatenate([pre, np.zeros(160 - pre.size)]), 4).astype(float)
    spec = np.fft.rfft(wave)
    f = np.fft.rfftfreq(wave.size)
    for frac in (0.25, 0.5, 0.75):
        shifted = np.fft.irfft(spec * np.exp(-2j * np.pi * f * (10 + frac)) * np.exp(-(f / 0.2) ** 2), n=n.size)
        assert abs(dsp.synchronise_fine(shifted, pre, 4) - (10 + frac)) < 0.2


def test_equaliser_inverts_known_isi():
    rng = np.random.default_rng(3)
    sym = rng.uniform(0, 1, 400)
    side = rng.uniform(0, 1, 400)
    clean = 0.3 + 2.0 * sym + 0.5 * side
    isi = np.convolve(clean, [0.2, 1.0, 0.3], mode="same")  # one sample per symbol
    taps = np.stack([np.roll(isi, s) for s in (2, 1, 0, -1, -2)], axis=1)
    eq = dsp.Equaliser.train(taps[:300], side[:300], sym[:300])
    err = eq.apply(taps[300:], side[300:]) - sym[300:]
    assert np.sqrt(np.mean(err**2)) < 0.02


def test_codes_to_volts_matches_adc_convention():
    from sim_backends.physics.adc import ADC
    adc = ADC(bits=8, range=0.4, offset=0.1)
    codes = np.array([0, 17, 255])
    np.testing.assert_allclose(dsp.to_volts(codes, 8, 0.4, 0.1), adc.to_volts(codes))
