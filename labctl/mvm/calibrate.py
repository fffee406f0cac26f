"""Calibration procedures: measure a bench through an :class:`OpticalEngine`.

Every step drives the instruments only through the engine's bench IO (AWG
codes, heater currents, scope codes), so it runs the same on the real bench,
the simulated SCPI servers and the in-process table.

1. ``measure_skew``: each edge node sends the preamble (others a constant);
   the correlation peak at the receivers gives the arrival time of its light
   modulo the frame period (wdm: relative to the centre clock; time: relative
   to the weight modulator's own preamble).
2. ``measure_modulators``: a staircase of codes on one modulator at a time
   (others constant) after a preamble; the mean of each step's symbol
   centres is the transfer curve, normalised to 0..1 (its inverse is the
   pre-distortion).
3. ``measure_rings`` (wdm): one port at a time (others at their modulator's
   minimum), coarse unison sweep of its 8 heaters -> each output's notch ->
   thermal-crosstalk coefficient (sweep of the even rings alone) -> fine
   individual sweeps on the red side of every notch -> the curve of
   "volts at output q vs effective heater power" of each ring, which holds
   the lock point, the notch shape and the path gain together; one ring at a
   time is then detuned to identify its output (AWGR port/wavelength map).
"""
from __future__ import annotations

import numpy as np

from labctl.mvm import static_ffe
from labctl.mvm.autorange import autorange
from labctl.mvm.calibration import Calibration
from labctl.mvm.dsp import resample, synchronise, synchronise_fine
from labctl.mvm.encode import undo_thermal_crosstalk
from labctl.mvm.rings import nominal_ring
from labctl.mvm.scope_setup import PROBE_RANGE, ranges_above
from labctl.mvm.waveforms import DC_SYMBOLS

#: Heater powers of the coarse unison ring sweep (0 .. ``p_max``).
COARSE_STEPS = 24
#: Scope record (symbols) of the DC measurements: ~1000 samples to average.
DC_RECORD_SYMBOLS = 96
#: Heater powers of each ring's fine sweep, over FINE_SWEEP_WIDTHS around its lock.
FINE_STEPS = 32
#: Fine ring sweep: from 0.75 notch widths blue of the lock to 2 widths red of it
#: (the red side of the notch, where the weight window lies: labctl.mvm.rings).
FINE_SWEEP_WIDTHS = (-0.75, 2.0)
#: Ring identification: one ring detuned by this many notch widths opens its
#: notch with little thermal crosstalk to its neighbours.
IDENTIFY_DETUNE_WIDTHS = 3.0
#: Default top of the coarse ring sweep (W of heater power): 0.625 nm of tuning at
#: 0.25 nm/mW, past the benches' largest ring fabrication offset (0.4 nm).
RING_SWEEP_MAX_W = 2.5e-3
#: Code levels of the modulator staircase (measure_modulators), evenly spaced over the DAC range.
STAIR_LEVELS = 32
#: Evaluations of the transfer-curve fit before it keeps the measured points.
FIT_MAX_EVALUATIONS = 5000
#: Lock powers (W) below this count as this (no division by 0 in the crosstalk ratio).
MIN_LOCK_POWER_W = 1e-12
#: DC ranging: full scale = DC_RANGE_HEADROOM x the brightest level + DC_RANGE_MARGIN_V.
DC_RANGE_HEADROOM = 1.2
DC_RANGE_MARGIN_V = 0.01


def _max_codes(engine) -> dict:
    return {(a, ch): 2 ** engine.io.awg_info(a)["bits"] - 1
            for a, ch, _ in engine.modulator_channels()}


def _mean_levels(engine, volts: dict) -> dict:
    return {k: float(np.mean(v)) for k, v in volts.items() if k in engine.outputs}


def measure_skew(engine) -> dict[str, float]:
    """Arrival time (s, modulo the frame period) per edge node."""
    f = engine.frame
    mid = {k: v // 2 for k, v in _max_codes(engine).items()}
    chans = engine.modulator_channels()

    def arrival(active: set) -> float:
        waves = engine.const_waves(mid)
        for awg, ch, _ in chans:
            if (awg, ch) in active:
                bits = engine.io.awg_info(awg)["bits"]
                sym = np.full(f.n_symbols, mid[(awg, ch)], np.uint16)
                sym[:f.n_pre] = np.where(f.pre > 0, 2**bits - 1, 0)
                waves[awg][ch] = engine.waveform(awg, ch, None, raw_codes=sym)
        if engine.scheme.modulators_in_series:  # others bright so the product shows the preamble
            for awg, ch, _ in chans:
                if (awg, ch) not in active:
                    waves[awg][ch] = engine.waveform(awg, ch, None, raw_codes=np.full(
                        f.n_symbols, 2 ** engine.io.awg_info(awg)["bits"] - 1))
        volts = engine.run(waves)
        keys = engine.outputs
        fs = {k: engine.io.scope_info(k[0])["sample_rate"] for k in keys}
        n = f.n_symbols * f.sps_rx
        rows = [resample(volts[k], fs[k], f.symbol_rate * f.sps_rx)[:2 * n] for k in keys]
        # scopes of different sample rates resample to lengths one sample apart
        total = np.sum([y[:min(len(r) for r in rows)] for y in rows], axis=0)
        # absolute phase: record t = 0 is the trigger (centre clock). The waveform repeats,
        # so any whole period of the record will do: take one starting as close to half a
        # period in as the record allows (a record is one period plus margins, so
        # n // 2 .. n // 2 + n would run past its end and cut the period short)
        if len(total) < n:
            raise ValueError(f"scope record holds {len(total)} samples, a period needs {n}")
        offset = min(n // 2, len(total) - n)
        period = total[offset:offset + n]
        start = (synchronise_fine(period, f.pre, f.sps_rx) + offset) % n
        return start / (f.sps_rx * f.symbol_rate)

    reference, groups = engine.scheme.skew_groups(engine.topo)
    if reference is None:  # relative to the centre clock
        return {name: arrival(chans) for name, chans in groups.items()}
    ref = arrival(reference)
    return {name: (arrival(chans) - ref) % f.period for name, chans in groups.items()}


def measure_modulators(engine, repeats: int = 4) -> dict:
    """{(awg, ch): (codes, normalised transmission)} of every modulator.

    A staircase of STAIR_LEVELS codes (after a preamble) on one modulator at
    a time, the others dark (wdm) or bright (time, where the light passes both
    modulators); the inner samples of each step are averaged over ``repeats``
    acquisitions and fitted by the MZM law ``a + b cos^2(c code + d)``
    (scipy.optimize.curve_fit), which is then tabulated for every code.
    """
    f = engine.frame
    maxc = _max_codes(engine)
    out = {}
    for awg, ch, edge in engine.modulator_channels():
        bits = engine.io.awg_info(awg)["bits"]
        levels = np.linspace(0, 2**bits - 1, STAIR_LEVELS).round().astype(np.uint16)
        hold = (f.n_symbols - f.n_pre) // STAIR_LEVELS
        sym = np.full(f.n_symbols, levels[-1], np.uint16)
        sym[:f.n_pre] = np.where(f.pre > 0, levels[-1], levels[0])
        sym[f.n_pre:f.n_pre + hold * STAIR_LEVELS] = np.repeat(levels, hold)
        base = {k: (v if engine.scheme.modulators_in_series else 0) for k, v in maxc.items()}
        waves = engine.const_waves(base)
        waves[awg][ch] = engine.waveform(awg, ch, None, raw_codes=sym,
                                         skew_s=engine.skew(edge) if edge else 0.0)
        v = np.zeros(STAIR_LEVELS)
        for _ in range(repeats):
            periods = engine.periods(engine.run(waves))
            total = sum(periods[k] for k in engine.outputs)
            start = synchronise(total, f.pre, f.sps_rx)
            idx = (start + (f.n_pre + np.arange(hold * STAIR_LEVELS)) * f.sps_rx)[:, None] + np.arange(f.sps_rx)
            steps = total[idx % total.size].reshape(STAIR_LEVELS, hold * f.sps_rx)
            inner = steps[:, f.sps_rx:-f.sps_rx] if hold > 2 else steps
            v += inner.mean(axis=1) / repeats
        out[(awg, ch)] = fit_transfer(levels.astype(float), v, bits, engine)
    return out


def fit_transfer(codes: np.ndarray, volts: np.ndarray, bits: int, engine):
    """Fit ``a + b cos^2(c code + d)`` to a measured staircase; return
    (all codes, normalised fitted transmission)."""
    from scipy.optimize import curve_fit
    d = engine.topo.devices.mzm
    info = engine.io.awg_info(engine.modulator_channels()[0][0])
    c0 = np.pi * d.driver_gain * info["vpp"] / 2**bits / (2 * d.v_pi)  # rad per code (nominal)

    def law(x, a, b, c, ph):
        return a + b * np.cos(c * x + ph) ** 2

    mid = (2**bits - 1) / 2
    p0 = [volts.min(), volts.max() - volts.min(), c0, -c0 * mid - np.pi / 4]
    try:
        p, _ = curve_fit(law, codes, volts, p0=p0, maxfev=FIT_MAX_EVALUATIONS)
    except RuntimeError:  # no convergence: keep the measured points
        return codes, (volts - volts.min()) / (volts.max() - volts.min())
    allc = np.arange(2**bits, dtype=float)
    t = law(allc, *p)
    return allc, (t - t.min()) / (t.max() - t.min())


def _min_code(engine, awg: str, ch: int) -> int:
    codes, t = engine.tx.curve(awg, ch)
    return int(codes[int(np.argmin(t))])


def _max_code(engine, awg: str, ch: int) -> int:
    codes, t = engine.tx.curve(awg, ch)
    return int(codes[int(np.argmax(t))])


def measure_rings(engine, p_max: float = RING_SWEEP_MAX_W) -> dict:
    """Ring curves, thermal crosstalk and the AWGR map (wdm only). Returns a
    dict with ``curve_p`` [p, k, FINE] (effective heater power, W),
    ``curve_v`` [p, k, FINE] (V at the ring's output), ``dark`` [p, k] (V),
    ``thermal_xt``, ``awgr_map`` [p, k]."""
    topo = engine.topo
    c = topo.centre
    n, nk = c.ports, c.wavelengths
    r_heater = topo.devices.ring.heater_resistance_ohm
    port_chan = {port: (e.awg, e.awg_channels[i], e.name) for e in topo.edges for i, port in enumerate(e.ports)}
    lows = {(a, ch): _min_code(engine, a, ch) for a, ch, _ in engine.modulator_channels()}
    chan0 = c.rings.first_channel
    # heater power (W) that detunes a ring by its resonance full width (nominal design)
    width = nominal_ring(topo).width_w

    def heaters(powers: np.ndarray, port: int) -> dict:
        cur = {}
        for p in range(n):
            for k in range(nk):
                cur[chan0 + p * nk + k] = float(np.sqrt(max(powers[k], 0) / r_heater)) if p == port else 0.0
        return cur

    def measure(port: int, powers: np.ndarray, on: bool = True) -> np.ndarray:
        codes = dict(lows)
        awg, ch, _ = port_chan[port]
        if on:
            codes[(awg, ch)] = _max_code(engine, awg, ch)
        levels = _mean_levels(engine, engine.run(engine.const_waves(codes, DC_SYMBOLS),
                                                 heaters(powers, port)))
        return np.array([levels[key] for key in engine.outputs])

    engine.record_symbols(DC_RECORD_SYMBOLS)
    coarse = np.linspace(0, p_max, COARSE_STEPS)
    res = {"curve_p": np.zeros((n, nk, FINE_STEPS)), "curve_v": np.zeros((n, nk, FINE_STEPS)),
           "dark": np.zeros((n, nk)), "awgr_map": np.zeros((n, nk), int)}
    xt = None
    for port in range(n):
        dark = measure(port, np.zeros(nk), on=False)
        sweep = np.array([measure(port, np.full(nk, p)) for p in coarse])  # [steps, outputs]
        # each output's notch; which ring it is, is found below
        pmin_out = _notch_positions(coarse, sweep)  # [outputs]
        # identify ring k -> output q: put all rings at their output's notch, detune one at a time
        locked_guess = np.zeros(nk)
        qmap = np.zeros(nk, int)
        # first a unison guess: assign rings in the nominal order, then verify by detuning
        nominal = (port - np.arange(nk)) % n
        locked_guess[:] = pmin_out[nominal]
        at_lock = measure(port, locked_guess)
        for k in range(nk):
            pw = locked_guess.copy()
            pw[k] = locked_guess[k] + IDENTIFY_DETUNE_WIDTHS * width
            rise = measure(port, pw) - at_lock
            qmap[k] = int(np.argmax(rise))
        res["awgr_map"][port] = qmap
        if len(set(qmap)) != nk:
            raise RuntimeError(f"port {port}: rings do not map to distinct outputs ({qmap})")
        p_lock = pmin_out[qmap]
        if xt is None:
            xt = _thermal_xt(measure, port, coarse, p_lock, qmap, nk)
        nb = np.array([(k > 0) + (k < nk - 1) for k in range(nk)], float)
        lock_eff = p_lock * (1 + xt * nb)  # unison sweep: P_eff = P (1 + xt n_neighbours)
        steps = np.linspace(*FINE_SWEEP_WIDTHS, FINE_STEPS)
        volts = np.zeros((FINE_STEPS, nk))
        peff = np.zeros((FINE_STEPS, nk))
        for s_i, s in enumerate(steps):
            p_wanted = lock_eff + s * width
            applied = undo_thermal_crosstalk(p_wanted[None, :], xt)[0]
            v = measure(port, applied)
            volts[s_i] = v[qmap]
            eff = applied.copy()
            eff[1:] += xt * applied[:-1]
            eff[:-1] += xt * applied[1:]
            peff[s_i] = eff
        res["curve_p"][port] = peff.T
        res["curve_v"][port] = volts.T
        res["dark"][port] = dark[qmap]
    res["thermal_xt"] = float(xt)
    engine.record_symbols(None)
    return res


def _notch_positions(x: np.ndarray, sweep: np.ndarray) -> np.ndarray:
    """Minimum of each column of ``sweep`` [steps, outputs] along x, refined by
    a parabola through the lowest sample and its neighbours."""
    i = np.clip(np.argmin(sweep, axis=0), 1, len(x) - 2)
    cols = np.arange(sweep.shape[1])
    y0, y1, y2 = sweep[i - 1, cols], sweep[i, cols], sweep[i + 1, cols]
    den = y0 - 2 * y1 + y2
    shift = np.where(den > 0, 0.5 * (y0 - y2) / np.where(den > 0, den, 1), 0.0)
    return x[i] + np.clip(shift, -1, 1) * (x[1] - x[0])


def _thermal_xt(measure, port, coarse, p_lock, qmap, nk) -> float:
    """Neighbour heater coupling from the notch positions of the even rings
    swept alone (no heated neighbours) vs all rings swept together."""
    even = np.arange(nk) % 2 == 0
    sweep = np.array([measure(port, np.where(even, p, 0.0)) for p in coarse])
    p_alone = _notch_positions(coarse, sweep)[qmap]
    nb = np.array([(k > 0) + (k < nk - 1) for k in range(nk)], float)
    ratio = p_alone[even] / np.maximum(p_lock[even], MIN_LOCK_POWER_W)
    xt = (ratio - 1) / nb[even]
    return float(max(np.median(xt), 0.0))


def range_for_dc(engine) -> None:
    """Vertical ranges covering 0 V .. DC_RANGE_HEADROOM x the brightest level (all
    modulators at full code, heaters off), for the DC measurements."""
    engine.set_ranges({k: PROBE_RANGE for k in engine.outputs})
    engine.record_symbols(DC_RECORD_SYMBOLS)
    heaters = engine.scheme.idle_heaters(engine)
    levels = _mean_levels(engine, engine.run(engine.const_waves(_max_codes(engine), DC_SYMBOLS),
                                             heaters))
    engine.record_symbols(None)
    engine.set_ranges(ranges_above(levels, DC_RANGE_HEADROOM, DC_RANGE_MARGIN_V))


#: Fully known frames the static equalisers are trained on (8 x 256 symbols per output).
EQUALISER_FRAMES = 8


def calibration_stages(engine):
    """Run the calibration step by step on ``engine``: yields (stage name,
    the Calibration so far) after each stage; the last one is complete."""
    cal = Calibration(frame=engine.frame, bench_name=engine.bench.name, seed=engine.seed)
    engine.cal = cal
    range_for_dc(engine)
    cal.skew_s = measure_skew(engine)
    yield "skew", cal
    cal.mzm = measure_modulators(engine)
    yield "modulators", cal
    for stage in engine.scheme.calibrate_centre(engine, cal):
        yield stage, cal
    autorange(engine)
    cal.scope_ranges = dict(engine.scopes.ranges)
    yield "ranges", cal
    cal.ffe = static_ffe.train(engine, EQUALISER_FRAMES,
                               engine.streams.rng("calibration", "equaliser"))
    yield "equaliser", cal


def calibrate(engine) -> Calibration:
    """Run every stage in order on ``engine`` and return the calibration."""
    cal = None
    for _, cal in calibration_stages(engine):
        pass
    return cal
