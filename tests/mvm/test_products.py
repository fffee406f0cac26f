"""Optical products against the digital product, calibration, and the two paths."""
import numpy as np
import pytest

from labctl.metrics import enob
from labctl.mvm import BenchBackend, Calibration, DigitalBackend, SimBackend, optical_matmul
from labctl.mvm.budget import error_budget


@pytest.mark.parametrize("scheme", ["wdm", "time"])
def test_products_agree_with_digital_within_the_error_budget(scheme, request, rng):
    bench = request.getfixturevalue(f"{scheme}_bench")
    cal = request.getfixturevalue(f"{scheme}_cal")
    m, k, b = (8, 16, 64) if scheme == "wdm" else (4, 16, 16)
    w1, x1 = rng.uniform(-1, 1, (m, k)), rng.uniform(-1, 1, (k, b))
    # single scope records: a noise-limited operating point, where switching sources off must help
    budget = error_budget(lambda noise: SimBackend(bench, calibration=cal, noise=noise, averages=1), w1, x1)
    assert budget.enob_none > budget.enob_all  # switching every source off helps
    # an independent product on a fresh backend lands inside the budget's all-on error
    w2, x2 = rng.uniform(-1, 1, (m, k)), rng.uniform(-1, 1, (k, b))
    res = optical_matmul(w2, x2, SimBackend(bench, seed=4321, calibration=cal, averages=1))
    ref = optical_matmul(w2, x2, DigitalBackend()).y
    assert res.y.shape == ref.shape
    assert abs(enob(res.y, ref) - budget.enob_all) < 0.5
    assert np.corrcoef(res.y.ravel(), ref.ravel())[0, 1] > 0.95


@pytest.mark.parametrize("scheme", ["wdm", "time"])
def test_calibration_improves_precision(scheme, request, rng):
    bench = request.getfixturevalue(f"{scheme}_bench")
    cal = request.getfixturevalue(f"{scheme}_cal")
    w, x = rng.uniform(-1, 1, (8, 8)), rng.uniform(-1, 1, (8, 32))
    calibrated = enob(SimBackend(bench, calibration=cal).matmul(w, x), w @ x)
    nominal = enob(SimBackend(bench, calibration=False).matmul(w, x), w @ x)
    assert calibrated > nominal + 1.0


def test_calibration_file_round_trip(wdm_cal):
    back = Calibration.load(wdm_cal.path)
    assert back.skew_s == pytest.approx(wdm_cal.skew_s)
    np.testing.assert_array_equal(back.awgr_map, wdm_cal.awgr_map)
    np.testing.assert_allclose(back.ring_curve_v, wdm_cal.ring_curve_v)
    for key, (codes, t) in wdm_cal.mzm.items():
        np.testing.assert_allclose(back.mzm[key][1], t)
    assert back.frame == wdm_cal.frame


def test_calibration_measures_the_physics(wdm_bench, wdm_cal):
    """Skew = fibre group delay modulo the frame period (10 km vs 40 km); the
    AWGR map is the cyclic rule; the thermal crosstalk is close to the device's."""
    period = wdm_cal.frame.period
    for edge in wdm_bench.topology.edges:
        diff = (wdm_cal.skew_s[edge.name] - edge.delay_s) % period
        assert min(diff, period - diff) < 0.15 / wdm_cal.frame.symbol_rate
    p, k = np.meshgrid(np.arange(8), np.arange(8), indexing="ij")
    np.testing.assert_array_equal(wdm_cal.awgr_map, (p - k) % 8)
    assert wdm_cal.thermal_xt == pytest.approx(wdm_bench.topology.devices.ring.thermal_crosstalk, abs=0.02)


@pytest.mark.parametrize("scheme,averages", [("wdm", 1), ("time", 4)])
def test_socket_path_gives_identical_numbers(scheme, averages, request, rng):
    """Same bench, seed and calibration: identical DAC codes, scope codes and Y
    in process and through the drivers over the simulated SCPI servers
    (also with scope averaging: both scope models' averaging commands)."""
    from labctl import sim_servers
    from labctl.instruments import connect_all
    bench = request.getfixturevalue(f"{scheme}_bench")
    cal = request.getfixturevalue(f"{scheme}_cal")
    w, x = rng.uniform(-1, 1, (3, 9)), rng.uniform(-1, 1, (9, 5))
    sim = SimBackend(bench, calibration=cal, averages=averages)
    y_sim = sim.matmul(w, x)
    with sim_servers.start(bench):
        roles = connect_all(bench)
        with BenchBackend(bench, roles=roles, calibration=cal, averages=averages) as real:
            y_bench = real.matmul(w, x)
            for key, codes in sim.engine.last.dac.items():
                assert real.engine.last.dac[key].tobytes() == codes.tobytes()
            for key, codes in sim.engine.last.scope.items():
                assert real.engine.last.scope[key].tobytes() == codes.tobytes()
    np.testing.assert_array_equal(y_bench, y_sim)


def test_signed_scheme_costs_precision_and_unsigned_path_is_exact_in_sign(time_bench, time_cal, rng):
    """Non-negative products skip the offset encoding; the offset encoding of
    signed values costs effective bits at the same operating point."""
    from labctl.mvm.budget import signed_cost
    be = SimBackend(time_bench, calibration=time_cal)
    e_unsigned, e_signed = signed_cost(be, 4, 16, 32, rng)
    assert e_unsigned > e_signed + 0.5


def test_closed_loop_weights_raise_the_noise_free_floor(wdm_bench, rng):
    """wdm at 11.5 GBd, every noise source off but the device crosstalk on:
    measuring the realised weights from the training symbols and correcting
    the ring commands beats setting the rings open loop from the calibration."""
    from labctl.metrics import enob
    from labctl.mvm import FrameFormat
    from sim_backends.table import NoiseSwitches
    only_xt = NoiseSwitches(**{n: n == "crosstalk" for n in NoiseSwitches.names()})
    cal = SimBackend(wdm_bench, noise=only_xt, frame=FrameFormat(symbol_rate=11.5e9), averages=1).calibration
    w, x = rng.uniform(-1, 1, (8, 16)), rng.uniform(-1, 1, (16, 64))
    bits = []
    for rounds in (0, 1):
        be = SimBackend(wdm_bench, calibration=cal, noise=only_xt, averages=1)
        be.engine.weight_rounds = rounds
        bits.append(enob(be.matmul(w, x), w @ x))
    assert bits[1] > bits[0] + 0.2


def test_split_columns_beat_offset_encoding_of_signed_x(wdm_bench, wdm_cal, rng):
    """wdm with free payload slots: X's positive and negative parts on separate
    slots of the same frame (only W offset-encoded) beat offset-encoding X too."""
    w, x = rng.uniform(-1, 1, (8, 8)), rng.uniform(-1, 1, (8, 32))
    w, x = w / np.abs(w).max(axis=1, keepdims=True), x / np.abs(x).max(axis=0)  # same scaling on both paths
    be = SimBackend(wdm_bench, calibration=wdm_cal, averages=1)
    split = enob(be.matmul(w, x), w @ x)
    both = enob(be.engine.tile_product(w, x, True), w @ x)
    assert split > both + 0.2


def test_abort_takes_effect_within_one_frame_of_a_long_product(wdm_bench, wdm_cal, rng):
    """OpticalEngine.before_frame runs before every frame: RunContext.check_abort
    there stops a many-tile product at the next frame, not at its end."""
    from labctl.engine import RunAborted, RunContext
    backend = SimBackend(wdm_bench, calibration=wdm_cal, averages=1)
    engine = backend.engine
    ctx = RunContext(wdm_bench, {}, seed=1)
    start = engine.frames_run

    def abort_after_two_frames():
        if engine.frames_run - start == 2:
            ctx.abort_requested.set()        # what RunEngine.abort() does from another thread
        ctx.check_abort()

    engine.before_frame = abort_after_two_frames
    w, x = rng.uniform(0, 1, (32, 32)), rng.uniform(0, 1, (32, 4))      # 16 tiles of 8 x 8
    with pytest.raises(RunAborted):
        engine.matmul(w, x)
    assert engine.frames_run - start == 2
