"""Interchangeability and the electrical back-to-back round trip.

The same function uploads a PAM4 waveform and captures it, whichever AWG model
and whichever scope model are connected (AWG channel 1 cabled to scope channel 1,
``BackToBackTable``: DAC and ADC models of sim_backends.physics, noise on).
"""
import numpy as np
import pytest
from drivers_sim_bench import bench_of, serving

from labctl import instruments
from sim_backends.scpi.back_to_back import BackToBackTable

SPS = 8            # samples per symbol
N_SYMBOLS = 128    # 1024 samples: a multiple of the M8196A granularity (128)
VPP, RANGE = 0.5, 0.6


def pam4_codes(bits: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Random PAM4 symbols and their DAC codes (levels spread over the full scale)."""
    symbols = np.random.default_rng(seed).integers(0, 4, N_SYMBOLS)
    levels = np.rint(np.arange(4) * (2**bits - 1) / 3).astype(np.uint16)
    return symbols, np.repeat(levels[symbols], SPS)


def send_and_capture(awg, scope, codes: np.ndarray):
    """The interchangeable part: identical for every AWG and scope model."""
    awg.upload(1, codes)
    awg.set_amplitude(1, VPP)
    awg.set_output(1, True)
    awg.run()
    awg.wait_complete()
    scope.set_range(1, RANGE)
    scope.set_offset(1, 0.0)
    scope.set_sample_rate(awg.sample_rate())
    scope.set_points(codes.size)
    scope.single()
    scope.wait_complete(timeout=10)
    return scope.download(1)


def decide(trace, bits: int) -> np.ndarray:
    """PAM4 decisions at symbol centres, thresholds midway between the DAC levels (V);
    the sampling phase is the one of widest eye opening within one symbol."""
    step = VPP / 2**bits
    levels = -VPP / 2 + (np.rint(np.arange(4) * (2**bits - 1) / 3) + 0.5) * step
    volts = trace.volts()
    centres = np.arange(N_SYMBOLS) * SPS + SPS // 2
    thresholds = (levels[1:] + levels[:-1]) / 2
    best = None
    for shift in range(-SPS // 2, SPS // 2 + 1):  # sampling phase: max eye opening
        samples = volts[np.clip(centres + shift, 0, volts.size - 1)]
        margin = np.min(np.abs(samples[:, None] - thresholds[None, :]))
        if best is None or margin > best[0]:
            best = (margin, np.searchsorted(thresholds, samples))
    return best[1]


@pytest.mark.parametrize("awg_model, bits", [("keysight_m8196a", 8), ("tektronix_awg70002b", 10)])
@pytest.mark.parametrize("scope_model", ["keysight_uxr", "tektronix_dpo70000"])
def test_same_code_any_awg_any_scope(awg_model, bits, scope_model):
    bench = bench_of(awg=("awg", awg_model), scope=("scope", scope_model))
    symbols, codes = pam4_codes(bits)
    with serving(bench, BackToBackTable("awg", seed=11)):
        with instruments.connect(bench, "awg") as awg, instruments.connect(bench, "scope") as scope:
            trace = send_and_capture(awg, scope, codes)
    assert trace.codes.dtype == np.uint16 and trace.codes.size == codes.size
    assert trace.codes.max() < 2**trace.bits
    assert np.array_equal(decide(trace, bits), symbols)


def capture_codes(seed: int) -> bytes:
    bench = bench_of(awg=("awg", "keysight_m8196a"), scope=("scope", "keysight_uxr"))
    _, codes = pam4_codes(8)
    with serving(bench, BackToBackTable("awg", seed=seed)):
        with instruments.connect(bench, "awg") as awg, instruments.connect(bench, "scope") as scope:
            return send_and_capture(awg, scope, codes).codes.tobytes()


def test_round_trip_is_byte_identical_for_the_same_seed():
    first, again, other = capture_codes(5), capture_codes(5), capture_codes(6)
    assert first == again
    assert first != other  # noise is on: another seed gives other codes
