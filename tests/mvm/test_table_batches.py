"""A frame's scope codes do not depend on how frames are batched through the
optical table, and the batched path equals the per-scope acquisitions that
the simulated SCPI scopes make (the socket path), frame after frame."""
import numpy as np
import pytest

from labctl.mvm.bench_io import TableIO, scopes_in_order
from sim_backends.table import NoiseSwitches

SPS = 8
SYMBOLS = 256


def _frames(bench, io, count, seed):
    """``count`` frame states: random symbols on every AWG channel (and random
    heater currents on a wdm bench), every other state as the io holds it."""
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(count):
        states = dict(io.states)
        for name, st in io.states.items():
            role = bench.instruments[name].role
            if role == "awg":
                chans = {ch: dict(c, codes=np.repeat(rng.integers(0, 2 ** st["bits"], SYMBOLS),
                                                     SPS).astype(np.uint16), output=True)
                         for ch, c in st["channels"].items()}
                states[name] = dict(st, channels=chans, running=True, sample_rate=SPS * 2.875e9)
            elif role == "heaters":
                chans = {ch: dict(c, current=float(rng.uniform(0, 4e-3)))
                         for ch, c in st["channels"].items()}
                states[name] = dict(st, channels=chans)
        frames.append(states)
    return frames


def _io(bench, noise):
    io = TableIO(bench, seed=11, noise=noise)
    for scope in scopes_in_order(bench):
        io.configure_scope(scope, 1200, {ch: (0.4, 0.15) for ch in io.states[scope]["channels"]})
        io.set_averages(scope, 4)
    return io


def _batched(bench, frames, sizes, noise):
    io = _io(bench, noise)
    scopes = scopes_in_order(bench)
    out, i = [], 0
    for size in sizes:
        out += io.table.acquire_frames(frames[i:i + size], scopes)
        i += size
    return out


@pytest.mark.parametrize("bench_name", ["wdm_bench", "time_bench"])
def test_batch_sizes_1_7_64_give_identical_codes(bench_name, request):
    bench = request.getfixturevalue(bench_name)
    noise = NoiseSwitches()
    frames = _frames(bench, _io(bench, noise), 64, seed=3)
    ones = _batched(bench, frames, [1] * 64, noise)
    sevens = _batched(bench, frames, [7] * 9 + [1], noise)
    whole = _batched(bench, frames, [64], noise)
    assert len(ones) == len(sevens) == len(whole) == 64
    keys = set(ones[0])
    assert keys and all(set(f) == keys for f in ones + sevens + whole)
    for a, b, c in zip(ones, sevens, whole):
        for key in keys:
            assert a[key].dtype == np.uint16
            assert a[key].tobytes() == b[key].tobytes() == c[key].tobytes()
    # frames differ from each other (the codes carry the data and the noise)
    assert ones[0][next(iter(keys))].tobytes() != ones[1][next(iter(keys))].tobytes()


def test_batched_frames_equal_per_scope_acquisitions(wdm_bench):
    """What a simulated scope returns frame after frame (the socket path
    calls ``acquire(scope)`` on the instruments' live states) equals the
    batched in-process result."""
    noise = NoiseSwitches()
    io = _io(wdm_bench, noise)
    frames = _frames(wdm_bench, io, 5, seed=8)
    batched = _batched(wdm_bench, frames, [5], noise)
    live = _io(wdm_bench, noise)
    for f, states in enumerate(frames):
        live.table.instruments = states
        for scope in scopes_in_order(wdm_bench):
            for ch, codes in live.table.acquire(scope).items():
                assert codes.tobytes() == batched[f][(scope, ch)].tobytes()
