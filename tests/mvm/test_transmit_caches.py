"""The transmit side's caches (labctl.mvm.transmitter, labctl.mvm.rings) give
exactly what the uncached definitions give, and follow a changed calibration."""
import types

import numpy as np

from labctl.mvm import encode, rings, waveforms
from labctl.mvm.bench_io import TableIO
from labctl.mvm.engine import OpticalEngine


def _engine(bench):
    return OpticalEngine(bench, TableIO(bench, seed=1))


def _reference(tx, awg, ch, u, skew):
    sps, rate = tx.awg_rate(awg)
    codes = waveforms.symbol_codes(u, tx.curve(awg, ch), tx.io.awg_info(awg)["bits"])
    return waveforms.hold_and_skew(codes, sps, rate, skew)


def test_waveforms_equal_symbol_codes_then_hold_and_skew(wdm_bench):
    tx = _engine(wdm_bench).tx
    rng = np.random.default_rng(0)
    edge = wdm_bench.topology.edges[0]
    for ch in edge.awg_channels:
        for skew in (0.0, 1e-11, -3.3e-11, 5e-9):
            u = rng.uniform(-0.1, 1.1, 256)
            got = tx.waveform(edge.awg, ch, u, skew)
            assert got.dtype == np.uint16
            np.testing.assert_array_equal(got, _reference(tx, edge.awg, ch, u, skew))


def test_an_awgs_channels_encoded_together_equal_each_alone(wdm_bench):
    """Transmitter.waveforms (every channel of an AWG in one pass, as the wdm
    codec encodes a frame) gives each channel what symbol_codes then
    hold_and_skew give it."""
    tx = _engine(wdm_bench).tx
    rng = np.random.default_rng(1)
    edge = wdm_bench.topology.edges[1]
    chans = list(edge.awg_channels)
    for skew in (0.0, 2.2e-11, 7e-9):
        rows = rng.uniform(-0.1, 1.1, (len(chans), 256))
        got = tx.waveforms(edge.awg, chans, rows, skew)
        assert list(got) == chans
        for ch, u in zip(chans, rows):
            assert got[ch].dtype == np.uint16
            np.testing.assert_array_equal(got[ch], _reference(tx, edge.awg, ch, u, skew))


def test_inverse_cache_follows_a_replaced_calibration_curve(wdm_bench):
    tx = _engine(wdm_bench).tx
    awg, ch = wdm_bench.topology.edges[0].awg, wdm_bench.topology.edges[0].awg_channels[0]
    u = np.linspace(0, 1, 256)
    nominal = tx.waveform(awg, ch, u)
    codes = np.arange(256)
    tx.cal = types.SimpleNamespace(mzm={(awg, ch): (codes, (codes / 255.0) ** 2)}, skew_s={})
    squared = tx.waveform(awg, ch, u)
    np.testing.assert_array_equal(squared, _reference(tx, awg, ch, u, 0.0))
    tx.cal.mzm[(awg, ch)] = (codes, codes / 255.0)          # a new curve object
    linear = tx.waveform(awg, ch, u)
    np.testing.assert_array_equal(linear, _reference(tx, awg, ch, u, 0.0))
    assert not np.array_equal(linear, squared) and not np.array_equal(linear, nominal)
    tx.cal = None
    np.testing.assert_array_equal(tx.waveform(awg, ch, u), nominal)


def _loop_ring_powers(cal, w_u):
    """The per-ring definition: np.interp on each ring's red side."""
    qmap = cal.awgr_map.astype(int)
    e = cal.ring_curve_v - cal.ring_dark[..., None]
    n, nk, _ = e.shape
    lo, hi = np.full(n, -np.inf), np.full(n, np.inf)
    for p in range(n):
        for k in range(nk):
            lo[qmap[p, k]] = max(lo[qmap[p, k]], e[p, k].min())
            hi[qmap[p, k]] = min(hi[qmap[p, k]], e[p, k, -1])
    out = np.zeros((n, nk))
    for p in range(n):
        for k in range(nk):
            q, i0 = qmap[p, k], int(np.argmin(e[p, k]))
            target = lo[q] + (hi[q] - lo[q]) * w_u[q, p]
            out[p, k] = np.interp(target, np.maximum.accumulate(e[p, k, i0:]), cal.ring_curve_p[p, k, i0:])
    return out


def test_calibrated_ring_powers_equal_per_ring_interpolation():
    rng = np.random.default_rng(1)
    n, m = 8, 40
    pw = np.linspace(0, 0.02, m)
    for trial in range(6):
        v = 1 - 0.8 / (1 + ((pw - rng.uniform(0, 0.01, (n, n, 1))) / 0.002) ** 2)
        v = v + rng.normal(0, 0.01, v.shape) * (trial % 2)
        if trial % 3 == 0:
            v = np.round(v, 2)                                 # plateaus in the running maximum
        cal = types.SimpleNamespace(
            awgr_map=np.array([[(p - k) % n for k in range(n)] for p in range(n)], float),
            ring_curve_v=v * rng.uniform(0.5, 1.5, (n, n, 1)), ring_dark=rng.uniform(0, 0.01, (n, n)),
            ring_curve_p=np.broadcast_to(pw, (n, n, m)).copy())
        for w in (rng.uniform(0, 1, (n, n)), np.zeros((n, n)), np.ones((n, n)),
                  rng.uniform(-0.2, 1.2, (n, n))):
            np.testing.assert_array_equal(rings.calibrated_ring_powers(cal, w), _loop_ring_powers(cal, w))
        cal.ring_curve_p = cal.ring_curve_p * 2                # a new array: the cache follows
        w = rng.uniform(0, 1, (n, n))
        np.testing.assert_array_equal(rings.calibrated_ring_powers(cal, w), _loop_ring_powers(cal, w))


def test_nominal_transmissions_map_each_ring_to_its_output():
    rng = np.random.default_rng(2)
    w = rng.uniform(0, 1, (8, 8))
    qmap = (np.arange(8)[:, None] - np.arange(8)[None, :]) % 8
    t = rings.nominal_transmissions(w, 0.8, qmap)
    lo, hi = 1 - rings.RING_LO_FRACTION * 0.8, 1 - 0.8 / (1 + rings.RING_HI_DETUNE**2)
    for p in range(8):
        for k in range(8):
            assert t[p, k] == lo + (hi - lo) * w[qmap[p, k], p]
    assert encode.T_LO < encode.T_HI
