"""The optical table against closed-form expectations, and its determinism."""
import numpy as np
import pytest

from labctl.mvm.bench_io import TableIO
from labctl.mvm.engine import OpticalEngine
from sim_backends.physics import filters, units
from sim_backends.table import NoiseSwitches

ONLY = lambda name: NoiseSwitches(**{n: n == name for n in NoiseSwitches.names()})  # noqa: E731


def _dc_engine(bench, noise, seed=None):
    io = TableIO(bench, seed=seed, noise=noise)
    eng = OpticalEngine(bench, io, averages=1)
    codes = {(a, ch): 2 ** io.awg_info(a)["bits"] - 1 for a, ch, _ in eng.modulator_channels()}
    return io, eng, eng.const_waves(codes, 16)


def test_same_seed_same_bytes_other_seed_differs(wdm_bench):
    runs = []
    for seed in (7, 7, 8):
        io, eng, waves = _dc_engine(wdm_bench, NoiseSwitches(), seed)
        eng.set_ranges({k: (0.2, 0.09) for k in eng.outputs})
        runs.append(eng.run(waves) and eng.last.scope)
    for key in runs[0]:
        assert runs[0][key].dtype == np.uint16
        assert runs[0][key].tobytes() == runs[1][key].tobytes()
    assert any(runs[0][k].tobytes() != runs[2][k].tobytes() for k in runs[0])


def _thermal_sigma(bench, averages, exact=False):
    """Std (V) of the scope record with only TIA thermal noise on, and the theory for one record."""
    io, eng, waves = _dc_engine(bench, ONLY("thermal"))
    io.table.exact_average = exact
    eng.averages = averages
    eng.set_ranges({k: (0.6, 0.2) for k in eng.outputs})
    eng.record_symbols(2000)
    volts = eng.run(waves)
    pd = bench.topology.devices.photodiode
    key = eng.outputs[0]
    bw = bench.topology.devices.adc.bandwidth_hz["keysight_uxr"]
    fs = io.scope_info(key[0])["sample_rate"]
    f = np.fft.rfftfreq(1 << 16, 1 / fs)
    h2 = (filters.gaussian(f, pd.bandwidth_hz) * filters.gaussian(f, bw)) ** 2
    theory = pd.input_noise_a_per_rthz * np.sqrt(np.trapezoid(h2, f)) * pd.transimpedance_ohm
    lsb = 0.6 / 2**10
    return np.sqrt(np.var(volts[key]) - lsb**2 / 12), theory, float(np.mean(volts[key]))


def test_thermal_noise_matches_enbw_theory(time_bench):
    """Only TIA thermal noise on, single records: the sample variance at the
    scope equals i_n^2 ENBW Z_t^2 with the Gaussian PD x scope response (closed form)."""
    sigma, theory, _ = _thermal_sigma(time_bench, 1)
    assert sigma == pytest.approx(theory, rel=0.05)


def test_scope_averaging_divides_the_noise_by_sqrt_n(time_bench):
    """Averaging acquisition of N records: noise std / sqrt(N) (closed form),
    and the Gaussian-equivalent shortcut agrees with an exact average of N
    independently simulated records (std within 8 %, same mean)."""
    sigma4, theory, mean4 = _thermal_sigma(time_bench, 4)
    assert sigma4 == pytest.approx(theory / 2, rel=0.06)
    exact4, _, mean_exact = _thermal_sigma(time_bench, 4, exact=True)
    assert exact4 == pytest.approx(sigma4, rel=0.08)
    assert mean_exact == pytest.approx(mean4, abs=theory / 20)


def test_shot_noise_scales_with_current(time_bench):
    """Only shot noise on: variance = 2 q I ENBW (Z_t)^2; doubling the light
    (3 dB more gain) doubles the variance."""
    sig = []
    for offset in (0.0, 3.0103):
        io = TableIO(time_bench, noise=ONLY("shot"))
        eng = OpticalEngine(time_bench, io, gain_offset_db=offset - 6.0, averages=1)
        codes = {(a, ch): 2 ** io.awg_info(a)["bits"] - 1 for a, ch, _ in eng.modulator_channels()}
        eng.set_ranges({k: (0.4, 0.1) for k in eng.outputs})
        eng.record_symbols(2000)
        v = eng.run(eng.const_waves(codes, 16))[eng.outputs[0]]
        sig.append((np.mean(v), np.var(v) - (0.4 / 1024) ** 2 / 12))
    (m1, v1), (m2, v2) = sig
    assert m2 / m1 == pytest.approx(2.0, rel=0.02)
    assert v2 / v1 == pytest.approx(2.0, rel=0.15)


def test_awgr_routes_port_and_line_to_p_minus_k(wdm_bench):
    """One port lit, one ring of it parked on its line: only output (p - k) mod N dims."""
    io, eng, _ = _dc_engine(wdm_bench, NoiseSwitches.none())
    n = wdm_bench.topology.centre.ports
    port, line = 5, 2
    edge = next(e for e in wdm_bench.topology.edges if port in e.ports)
    dark = {(a, ch): 0 for a, ch, _ in eng.modulator_channels()}
    dark[(edge.awg, edge.awg_channels[edge.ports.index(port)])] = 255
    eng.set_ranges({k: (0.1, 0.045) for k in eng.outputs})
    base = eng.run(eng.const_waves(dark, 16))
    fab = io.table.ring_fab_offset[port, line]  # put the ring exactly on its line (truth, for this test)
    p = fab * 1e9 / wdm_bench.topology.devices.ring.tuning_nm_per_mw * 1e-3
    cur = np.sqrt(p / wdm_bench.topology.devices.ring.heater_resistance_ohm)
    ch = wdm_bench.topology.centre.rings.first_channel + port * n + line
    locked = eng.run(eng.const_waves(dark, 16), {ch: cur})
    drop = np.array([np.mean(base[k]) - np.mean(locked[k]) for k in eng.outputs])
    assert int(np.argmax(drop)) == (port - line) % n
    # others move only through the 5 % thermal crosstalk onto the neighbouring rings
    assert np.sort(drop)[-2] < 0.2 * drop.max()


def test_round_trip_codes_to_decoded_symbols(time_bench):
    """PAM4 codes on an edge modulator come back through fibre, centre
    modulator, photodiode and scope as codes whose decoded symbols match;
    byte-identical for the same seed."""
    from labctl.mvm.calibrate import calibrate
    from labctl.mvm.dsp import synchronise, tap_matrix
    outs = []
    for _ in range(2):
        io = TableIO(time_bench, seed=99)
        eng = OpticalEngine(time_bench, io)
        eng.cal = calibrate(eng)
        f = eng.frame
        rng = np.random.default_rng(5)
        sym = rng.integers(0, 4, f.n_symbols)
        u = sym / 3.0
        u[:f.n_pre] = f.pre
        lane = time_bench.topology.centre.lanes[0]
        edge = time_bench.topology.edge(lane.edge)
        awg, ch = edge.awg, edge.awg_channels[lane.port]
        waves = {awg: {ch: eng.waveform(awg, ch, u, eng.skew(edge.name))},
                 "awg_w": {lane.weight_channel: eng.waveform("awg_w", lane.weight_channel, np.ones(f.n_symbols))}}
        per = eng.periods(eng.run(waves))[eng.outputs[0]]
        start = synchronise(per, f.pre, f.sps_rx)
        centre = tap_matrix(per, start, f.sps_rx, f.n_symbols, 1)[:, 0]
        levels = np.array([np.median(centre[f.n_pre:][sym[f.n_pre:] == s]) for s in range(4)])
        thresholds = (levels[1:] + levels[:-1]) / 2
        decided = np.searchsorted(thresholds, centre[f.n_pre:])
        outs.append((decided, eng.last.scope[eng.outputs[0]].tobytes()))
    np.testing.assert_array_equal(outs[0][0], sym[f.n_pre:])
    assert outs[0][1] == outs[1][1]


def test_power_meter_reads_edge_taps(wdm_bench):
    """Tap = sum over ports of comb lines x MZM(v) x span and DCM loss x EDFA gain (closed form)."""
    from labctl.mvm.encode import dac_levels
    io, eng, waves = _dc_engine(wdm_bench, NoiseSwitches.none())
    eng.set_ranges({k: (0.2, 0.09) for k in eng.outputs})
    eng.run(waves)
    topo = wdm_bench.topology
    for i, edge in enumerate(topo.edges, start=1):
        laser = io.states[edge.laser]["power"]
        lines = laser * units.db_to_lin(topo.devices.laser.comb_line_efficiency_db) * io.table.comb_flat[edge.name]
        v = dac_levels(8, 0.5, 0.0)[255] * topo.devices.mzm.driver_gain
        t = sum(float(io.table.edge_mzm(edge, j).power_transfer(v)) for j in range(len(edge.ports)))
        loss_db = sum(sp.loss_db_per_km * sp.length_m / 1e3 for sp in edge.spans) + edge.dcm_loss_db
        expected = lines.sum() / len(edge.ports) * t * units.db_to_lin(edge.amplifier_gain_db - loss_db)
        assert io.table.optical_power("pm", i) == pytest.approx(expected, rel=1e-3)
    assert io.table.optical_power("pm", len(topo.edges) + 1) == 0.0


def test_compensated_fibre_shortcut_equals_field_propagation(wdm_bench):
    """dcm_ratio = 1: the power-waveform shortcut equals propagating every line's field."""
    io, eng, _ = _dc_engine(wdm_bench, NoiseSwitches.none())
    rng = np.random.default_rng(4)
    edge = wdm_bench.topology.edges[1]
    n_sym = eng.frame.n_symbols
    eng.io.load_awgs({edge.awg: (eng.awg_rate(edge.awg)[1],
                                 {ch: eng.waveform(edge.awg, ch, rng.uniform(0, 1, n_sym)) for ch in edge.awg_channels})})
    period, n = io.table._period()
    lam = units.frequency_to_wavelength(io.table.line_frequencies(edge))
    lines = np.full(lam.size, 1e-4)
    fast = io.table._edge_powers(edge, 0, lam, lines, period, n, 0)
    full = io.table._edge_powers(edge, 0, lam, lines, period, n, 0, fields=True)
    # equal within the receiver's band (both are sampled at the AWG rate; the
    # fractional fibre delay acts on field vs power, which differ above ~40 GHz)
    rx = lambda x: filters.apply_real(x, n / period, lambda f: filters.gaussian(f, 25e9))  # noqa: E731
    np.testing.assert_allclose(rx(fast), rx(full), rtol=2e-3, atol=1e-3 * full.max())


def test_unchanged_context_gives_the_fingerprinted_codes_and_forgets_on_exit(wdm_bench):
    """Scopes acquired inside ``table.unchanged()`` share one frame's optical
    powers without fingerprints: the same codes as scope-by-scope acquisition
    outside it; what one context cached is not found outside it or in the next."""
    codes = []
    for inside in (False, True):
        io, eng, waves = _dc_engine(wdm_bench, NoiseSwitches(), seed=5)
        eng.set_ranges({k: (0.2, 0.09) for k in eng.outputs})
        eng.scopes.ensure_configured()
        io.load_awgs(eng._loads(waves))
        scopes = sorted({s for s, _ in eng.outputs})
        table = io.table
        if inside:
            with table.unchanged():
                codes.append({s: table.acquire(s) for s in scopes})
            assert not table._unchanged
            (acq, avg, _, _), kept = table._cache
            assert table._detected_cached(acq, avg) is not kept            # outside: recomputed
            with table.unchanged():
                first = table._detected_cached(acq, avg)
                assert first is not kept and table._detected_cached(acq, avg) is first
            with table.unchanged():                                        # the next: recomputed
                assert table._detected_cached(acq, avg) is not first
        else:
            codes.append({s: table.acquire(s) for s in scopes})
    for s in codes[0]:
        for ch, c in codes[0][s].items():
            assert c.tobytes() == codes[1][s][ch].tobytes()
    dark = eng.const_waves({key: 0 for key in [(a, ch) for a, ch, _ in eng.modulator_channels()]}, 16)
    io.load_awgs(eng._loads(dark))
    after = table.acquire(scopes[0])
    assert any(after[ch].mean() != codes[1][scopes[0]][ch].mean() for ch in after)


def test_heater_powers_by_current_voltage_and_output_with_neighbour_crosstalk(wdm_bench):
    """OpticalTable.heater_powers: P = I^2 R for a current set-point, V^2 / R
    for a voltage alone, 0 with the output off, then each ring gains
    xt P of its neighbours in the same port bank (not across banks)."""
    io = TableIO(wdm_bench, seed=1, noise=NoiseSwitches.none())
    c, d = wdm_bench.topology.centre, wdm_bench.topology.devices.ring
    heaters = io.states[c.rings.heaters]["channels"]
    ch = lambda p, k: heaters[c.rings.first_channel + p * c.wavelengths + k]  # noqa: E731
    for p in range(c.ports):
        for k in range(c.wavelengths):
            ch(p, k).update(current=0.0, voltage=0.0, output=True)
    ch(2, 3)["current"] = 4e-3
    ch(2, 4).update(current=0.0, voltage=1.5)
    ch(3, 0).update(current=5e-3, output=False)
    ch(3, 1)["current"] = 2e-3
    last = c.wavelengths - 1
    ch(2, last)["current"] = 3e-3            # the bank's last ring: must not reach bank 3
    raw = np.zeros((c.ports, c.wavelengths))
    raw[2, 3] = 4e-3**2 * d.heater_resistance_ohm
    raw[2, 4] = 1.5**2 / d.heater_resistance_ohm
    raw[3, 1] = 2e-3**2 * d.heater_resistance_ohm
    raw[2, last] = 3e-3**2 * d.heater_resistance_ohm
    want = raw.copy()
    want[:, 1:] += d.thermal_crosstalk * raw[:, :-1]
    want[:, :-1] += d.thermal_crosstalk * raw[:, 1:]
    got = io.table.heater_powers()
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=0)
    # off, lit only by its bank neighbour (3, 1), not by (2, last) across the banks
    assert got[3, 0] == pytest.approx(d.thermal_crosstalk * raw[3, 1], rel=1e-12)
