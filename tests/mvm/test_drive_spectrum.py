"""The AWG drive's shortcuts on the optical table against their definitions:
held symbols' spectrum from the symbols equals the FFT of the held samples,
ENOB noise drawn in the frequency domain has the closed-form variance after
the DAC response, and the fibre delay applied to the drive equals the delay
applied after the (memoryless) modulator."""
import numpy as np
import pytest
import scipy.fft as sfft

from labctl.mvm.bench_io import TableIO
from sim_backends import drive_kernels
from sim_backends import table as T
from sim_backends.table import NoiseSwitches

SPS, SYMBOLS = 32, 256


def _frames(io, awg, codes_per_frame):
    frames = []
    for codes in codes_per_frame:
        states = dict(io.states)
        st = io.states[awg]
        chans = {ch: dict(c, codes=codes, output=True) for ch, c in st["channels"].items()}
        states[awg] = dict(st, channels=chans, running=True, sample_rate=92e9)
        frames.append(states)
    return frames


def test_held_symbols_spectrum_equals_fft_of_samples(wdm_bench):
    io = TableIO(wdm_bench, seed=3, noise=NoiseSwitches.none())
    table, awg = io.table, wdm_bench.topology.edges[0].awg
    rng = np.random.default_rng(1)
    held = np.repeat(rng.integers(0, 256, SYMBOLS), SPS).astype(np.uint16)
    frames = _frames(io, awg, [held])
    n = held.size
    period = n / 92e9
    out = table.drives(awg, 1, period, n, frames, [0])[0]
    st = frames[0][awg]
    dac = table._dac(awg, st, st["channels"][1])
    ref = sfft.irfft(sfft.rfft(dac.levels(held)) * table._drive_response(dac, n), n=n)
    # the held spectrum is built and inverted in single precision (complex64):
    # 7e-8 V here, 1.4e-7 of the 0.5 V full scale
    np.testing.assert_allclose(out, ref, rtol=0, atol=1e-6)
    assert T._hold_block(held) == SPS
    assert drive_kernels.hold_block(held) == SPS
    assert drive_kernels.hold_block(held[:-1]) == 1 and drive_kernels.hold_block(held[:64]) == 32


def test_white_spectrum_has_the_law_of_the_fft_of_white_noise():
    m, rows = 512, 4000
    z = np.random.default_rng(2).standard_normal((rows, m))
    x = sfft.irfft(T._white_spectrum(z, m), n=m)
    # irfft of the rfft of white N(0,1) samples is white N(0,1): variance 1, no correlation
    assert np.var(x) == pytest.approx(1.0, abs=5 * np.sqrt(2 / x.size))
    lag1 = np.mean(x[:, 1:] * x[:, :-1])
    assert abs(lag1) < 5 / np.sqrt(x.size)
    zo = np.random.default_rng(3).standard_normal((rows, 511))
    assert np.var(sfft.irfft(T._white_spectrum(zo, 511), n=511)) == pytest.approx(1.0, abs=0.01)


def test_enob_noise_variance_through_the_dac_response(wdm_bench):
    """Only DAC noise, constant codes: the drive's variance is sigma^2 (1/m)
    sum_k |H_k|^2 over the full DFT grid (white noise through H)."""
    io = TableIO(wdm_bench, seed=4, noise=NoiseSwitches.none().__class__(
        **{k: k == "dac" for k in NoiseSwitches.names()}))
    table, awg = io.table, wdm_bench.topology.edges[0].awg
    n = SPS * SYMBOLS
    const = np.full(n, 128, np.uint16)
    frames = _frames(io, awg, [const] * 40)
    out = table.drives(awg, 1, n / 92e9, n, frames, list(range(40)))
    st = frames[0][awg]
    dac = table._dac(awg, st, st["channels"][1])
    h = table._drive_response(dac, n)
    full = np.abs(np.r_[h, h[1:-1][::-1]]) ** 2
    theory = dac.noise_sigma() ** 2 * full.mean()
    assert np.var(out - out.mean()) == pytest.approx(theory, rel=0.03)


def test_fibre_delay_on_the_drive_equals_delay_after_the_modulator(wdm_bench):
    """MZM(v(t - tau)) vs the modulator output delayed by tau (both band-limited
    interpolations on the grid): equal within the receiver band."""
    io = TableIO(wdm_bench, seed=5, noise=NoiseSwitches.none())
    table = io.table
    edge = wdm_bench.topology.edges[1]
    rng = np.random.default_rng(6)
    held = np.repeat(rng.integers(0, 256, SYMBOLS), SPS).astype(np.uint16)
    frames = _frames(io, edge.awg, [held])
    n = held.size
    period = n / 92e9
    t, _ = table.ports_waveforms(edge, [0], period, n, frames, [0])
    v = table.drives(edge.awg, edge.awg_channels[0], period, n, frames, [0])[0]
    mzm = table.edge_mzm(edge, 0, frames[0])
    p = mzm.power_transfer(wdm_bench.topology.devices.mzm.driver_gain * v)
    f = sfft.rfftfreq(n, 1 / 92e9)
    delayed = sfft.irfft(sfft.rfft(p) * np.exp(-2j * np.pi * f * edge.delay_s), n=n)
    rx = np.exp(-0.5 * np.log(2) * (f / 25e9) ** 2)
    a = sfft.irfft(sfft.rfft(t[0, 0]) * rx, n=n)
    b = sfft.irfft(sfft.rfft(delayed) * rx, n=n)
    np.testing.assert_allclose(a, b, rtol=0, atol=2e-3 * b.max())
