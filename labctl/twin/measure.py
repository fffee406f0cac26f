"""Raw measurements of the twin fit, through an OpticalEngine's bench IO only.

``modulator_staircases``: for every modulator in turn, ``levels`` constant
codes (DC records of DC_RECORD_SYMBOLS symbols), the other modulators at code
0; the detector volts of every output are linearised through the nominal TIA
(``I = I_sat atanh(V / (Z_t I_sat))``, the bench file's photodiode figures) and
summed over the outputs (A). A last record, every modulator at code 0, with every
seed laser at LOW_LIGHT_RATIO of its power gives the dark level by difference
(dark current + ASE of the constant-gain amplifiers: the estimator models it).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labctl.mvm import operating_point
from labctl.mvm.calibrate import DC_RANGE_HEADROOM, DC_RANGE_MARGIN_V, DC_RECORD_SYMBOLS
from labctl.mvm.encode import dac_levels
from labctl.mvm.scope_setup import PROBE_RANGE, ranges_above
from labctl.mvm.waveforms import DC_SYMBOLS

#: Seed laser power (fraction of the bench setting) of the dark-level record:
#: -20 dB, inside every laser's set-point range (a laser switched off is not
#: used: the simulated comb then has no line power to share its ASE over).
LOW_LIGHT_RATIO = 0.01
#: Code levels of each modulator's staircase (evenly spaced over the DAC range).
STAIR_LEVELS = 24


@dataclass
class Staircases:
    """Modulator staircases: ``codes`` [L], ``volts`` [L] (DAC output, V),
    ``current`` [M, L] (A, summed linearised photocurrent with modulator m at
    codes[l], the others at code 0), ``low`` (A, every modulator at code 0 and every seed laser at
    ``low_ratio`` of its power), ``channels``
    [(awg, ch, edge)], ``bits`` of the AWGs."""

    codes: np.ndarray
    volts: np.ndarray
    current: np.ndarray
    low: float
    low_ratio: float
    channels: list
    bits: int


def linear_current(engine, volts: dict) -> float:
    """Sum over the outputs of the mean photocurrent (A): each output's mean
    volts through the inverse of the nominal TIA, I = I_sat atanh(V/(Z_t I_sat))."""
    pdp = engine.topo.devices.photodiode
    zt, isat = pdp.transimpedance_ohm, pdp.saturation_current_a
    total = 0.0
    for key in engine.outputs:
        v = float(np.mean(volts[key]))
        total += isat * np.arctanh(np.clip(v / (zt * isat), -0.999, 0.999))
    return total


def modulator_staircases(engine, levels: int = STAIR_LEVELS) -> Staircases:
    """Measure every modulator's staircase and the dark level (see the module doc)."""
    chans = engine.modulator_channels()
    awg0 = chans[0][0]
    info = engine.io.awg_info(awg0)
    bits = int(info["bits"])
    codes = np.linspace(0, 2**bits - 1, levels).round().astype(int)
    volts_dac = dac_levels(bits, info["vpp"], info["offset"])[codes]
    low = {(a, ch): 0 for a, ch, _ in chans}
    # ranges over 0 .. the brightest level (every modulator at full code)
    engine.set_ranges({k: PROBE_RANGE for k in engine.outputs})
    engine.record_symbols(DC_RECORD_SYMBOLS)
    bright = engine.run(engine.const_waves({k: 2**bits - 1 for k in low}, DC_SYMBOLS))
    engine.set_ranges(ranges_above({k: float(np.mean(bright[k])) for k in engine.outputs},
                                   DC_RANGE_HEADROOM, DC_RANGE_MARGIN_V))
    current = np.zeros((len(chans), levels))
    for m, (awg, ch, _) in enumerate(chans):
        for j, c in enumerate(codes):
            codes_now = dict(low)
            codes_now[(awg, ch)] = int(c)
            current[m, j] = linear_current(engine, engine.run(engine.const_waves(codes_now, DC_SYMBOLS)))
    powers = engine.laser_powers()
    for name, p in powers.items():
        engine.io.set_laser_power(name, p * LOW_LIGHT_RATIO)
    try:
        dim = linear_current(engine, engine.run(engine.const_waves(low, DC_SYMBOLS)))
    finally:
        for name, p in powers.items():
            engine.io.set_laser_power(name, p)
    engine.record_symbols(None)
    engine.set_ranges(dict(engine.cal.scope_ranges) if engine.cal is not None else None)
    return Staircases(codes, volts_dac, current, dim, LOW_LIGHT_RATIO, chans, bits)


#: Scope full scales (V) of the dim-light records: the converter noise grows with
#: the full scale, the receiver's does not (both scope models accept 8 mV .. 2 V).
NOISE_RANGES = (0.04, 0.08, 0.16, 0.32, 0.64)
#: Seed-laser offsets (dB) of the lit records (every modulator at full code).
NOISE_LASER_OFFSETS_DB = (0.0, -2.0, -4.0, -7.0, -10.0)
#: Single records per setting (their sample variances are averaged).
NOISE_REPEATS = 3


@dataclass
class NoiseRecords:
    """Constant-level single records (no scope averaging), per output
    (``outputs``: [(scope, ch)]): ``full_scale`` [n, Q] (V), ``mean_a`` [n, Q]
    (photocurrent through the nominal TIA, A), ``var_a2`` [n, Q] (sample
    variance of the current, A^2: volts variance / (Z_t sech^2(I/I_sat))^2),
    ``lit`` [n] (False: dim records, lasers at LOW_LIGHT_RATIO, codes 0 and
    amplifiers at unity gain)."""

    outputs: list
    full_scale: np.ndarray
    mean_a: np.ndarray
    var_a2: np.ndarray
    lit: np.ndarray


def _current_stats(engine, volts: dict) -> tuple[np.ndarray, np.ndarray]:
    """Per output: mean photocurrent (A) and its sample variance (A^2) through the
    inverse nominal TIA (I = I_sat atanh(V / (Z_t I_sat)), slope Z_t sech^2)."""
    pdp = engine.topo.devices.photodiode
    zt, isat = pdp.transimpedance_ohm, pdp.saturation_current_a
    mean, var = [], []
    for key in engine.outputs:
        v = np.asarray(volts[key], float)
        i = isat * np.arctanh(np.clip(np.mean(v) / (zt * isat), -0.999, 0.999))
        slope = zt * (1 - np.tanh(i / isat) ** 2)
        mean.append(i)
        var.append(np.var(v, ddof=1) / slope**2)
    return np.array(mean), np.array(var)


def noise_records(engine, ranges=NOISE_RANGES, offsets_db=NOISE_LASER_OFFSETS_DB,
                  repeats: int = NOISE_REPEATS) -> NoiseRecords:
    """Dim records at every full scale of ``ranges`` (lasers at LOW_LIGHT_RATIO,
    modulators at code 0, edge amplifiers at unity gain: no ASE; scale centred
    on 0 V) and lit records (every heater at zero power; every
    modulator at full code) at every seed-laser offset of ``offsets_db``, each
    ``repeats`` single records (scope averaging off)."""
    chans = engine.modulator_channels()
    bits = int(engine.io.awg_info(chans[0][0])["bits"])
    low = {(a, ch): 0 for a, ch, _ in chans}
    full = {(a, ch): 2**bits - 1 for a, ch, _ in chans}
    averages = engine.averages
    powers = engine.laser_powers()
    gains = operating_point.amplifier_gains(engine.bench, engine.gain_offset_db)
    fs_rows, means, vars_, lit = [], [], [], []
    idle = engine.scheme.idle_heaters(engine)   # rings at zero heater power (wdm): a known state

    engine.averages = 1
    engine.scopes.configure()
    engine.record_symbols(DC_RECORD_SYMBOLS)
    try:
        for name, p in powers.items():
            engine.io.set_laser_power(name, p * LOW_LIGHT_RATIO)
        for name in gains:   # no ASE (unity gain): thermal and converter noise alone
            engine.io.set_amplifier_gain(name, 0.0)
        for scale in ranges:
            engine.set_ranges({k: (scale, 0.0) for k in engine.outputs})
            for _ in range(repeats):
                m, v = _current_stats(engine, engine.run(engine.const_waves(low, DC_SYMBOLS),
                                                         idle))
                fs_rows.append(scale)
                means.append(m)
                vars_.append(v)
                lit.append(False)
        for name, g in gains.items():
            engine.io.set_amplifier_gain(name, g)
        for off in offsets_db:
            for name, p in powers.items():
                engine.io.set_laser_power(name, p * 10 ** (off / 10))
            engine.set_ranges({k: PROBE_RANGE for k in engine.outputs})
            level = engine.run(engine.const_waves(full, DC_SYMBOLS), idle)
            ranges_now = ranges_above({k: float(np.mean(level[k])) for k in engine.outputs},
                                      DC_RANGE_HEADROOM, DC_RANGE_MARGIN_V)
            engine.set_ranges(ranges_now)
            for _ in range(repeats):
                m, v = _current_stats(engine, engine.run(engine.const_waves(full, DC_SYMBOLS),
                                                         idle))
                fs_rows.append([ranges_now[k][0] for k in engine.outputs])
                means.append(m)
                vars_.append(v)
                lit.append(True)
    finally:
        for name, p in powers.items():
            engine.io.set_laser_power(name, p)
        for name, g in gains.items():
            engine.io.set_amplifier_gain(name, g)
        engine.averages = averages
        engine.record_symbols(None)
        engine.set_ranges(dict(engine.cal.scope_ranges) if engine.cal is not None else None)
    n_out = len(engine.outputs)
    scale = np.array([np.full(n_out, s) if np.isscalar(s) else np.asarray(s) for s in fs_rows])
    return NoiseRecords(list(engine.outputs), scale, np.array(means), np.array(vars_),
                        np.array(lit))


@dataclass
class CrosstalkRecords:
    """Neighbour heater steps (:func:`crosstalk_steps`): ``dv`` [steps] (V, change
    of a ring's output between its neighbour at +dP and -dP applied), ``slope``
    [steps] (V/W, that ring's notch slope at its bias point, measured),
    ``step_w`` [steps] (W, 2 dP)."""

    dv: np.ndarray
    slope: np.ndarray
    step_w: np.ndarray


def _extreme_codes(engine, pick) -> dict:
    out = {}
    for awg, ch, _ in engine.modulator_channels():
        codes, t = engine.tx.curve(awg, ch)
        out[(awg, ch)] = int(codes[int(pick(t))])
    return out


def notch_slopes(outputs, p: int, lock_w: np.ndarray, width_w: np.ndarray,
                 xt0: float) -> np.ndarray:
    """Measured slope dV/dP_eff (V/W) of every ring of port ``p`` at its red
    half-depth point P0 + G/2 (``outputs(applied powers)`` -> the port's ring
    outputs, V): the even rings, then the odd ones, stepped to +-d_k of applied
    power (d_k = max(xt0, 0.05) G_k / 2, about the neighbour shift c dP the
    crosstalk steps cause, so the finite difference spans the same part of the
    notch); a ring's neighbours are of the other parity and stay put, so its
    effective power moves by exactly d_k::

        s_k = (V_k(+d_k) - V_k(-d_k)) / (2 d_k)"""
    from labctl.mvm.encode import undo_thermal_crosstalk

    n, nk = lock_w.shape
    target = np.zeros((n, nk))
    target[p] = lock_w[p] + width_w[p] / 2
    base = undo_thermal_crosstalk(target, xt0)
    slopes = np.zeros(nk)
    for parity in (0, 1):
        ks = np.flatnonzero(np.arange(nk) % 2 == parity)
        d = np.zeros((n, nk))
        d[p, ks] = np.minimum(max(xt0, 0.05) * width_w[p, ks] / 2, 0.95 * base[p, ks])
        change = outputs(base + d) - outputs(base - d)
        slopes[ks] = change[ks] / (2 * d[p, ks])
    return slopes


def crosstalk_steps(engine, lock_w: np.ndarray, width_w: np.ndarray, xt0: float,
                    ports=None) -> CrosstalkRecords:
    """Thermal crosstalk records (wdm): per port (that port's modulator at full
    transmission, the others at their minimum) and per ring j, every other ring
    of the port at the red half-depth point of its notch (effective heater
    power P0 + G/2, from the ring fit ``lock_w``, ``width_w``; crosstalk
    ``xt0`` undone) and ring j at its notch centre P0_j, stepped to -dP and +dP
    around it (dP = G_j / 2 of applied power, less near 0 W). Ring j's own
    transmission is the same at both points (the notch is symmetric), so
    nothing of its line leaks differently into its neighbours' outputs
    (AWGR crosstalk); the neighbours' outputs move by ``slope xt 2 dP``, which
    is recorded with that slope, measured (:func:`notch_slopes`; the
    Lorentzian's A d / G from single-notch fits is off by the notch distortion
    of the port's other rings, which biased xt by -0.4 % at Q = 1e4 and -0.8 %
    at 1.2e4)."""
    from labctl.mvm.encode import undo_thermal_crosstalk
    from labctl.mvm.rings import awgr_map, heater_currents

    topo = engine.topo
    n, nk = topo.centre.ports, topo.centre.wavelengths
    qmap = awgr_map(topo.centre, engine.cal)
    low = _extreme_codes(engine, np.argmin)
    high = _extreme_codes(engine, np.argmax)
    port_chan = {port: (e.awg, e.awg_channels[i]) for e in topo.edges for i, port in enumerate(e.ports)}
    dv, slope, step = [], [], []
    engine.record_symbols(DC_RECORD_SYMBOLS)
    try:
        for p in (range(n) if ports is None else ports):
            codes = dict(low)
            codes[port_chan[p]] = high[port_chan[p]]
            waves = engine.const_waves(codes, DC_SYMBOLS)

            def outputs(power):
                volts = engine.run(waves, heater_currents(topo, power))
                return np.array([float(np.mean(volts[engine.outputs[q]])) for q in qmap[p]])

            slopes = notch_slopes(outputs, p, lock_w, width_w, xt0)
            for j in range(nk):
                target = np.zeros((n, nk))
                target[p] = lock_w[p] + width_w[p] / 2
                target[p, j] = lock_w[p, j]
                applied = undo_thermal_crosstalk(target, xt0)
                d_p = min(width_w[p, j] / 2, 0.95 * applied[p, j])
                if d_p < width_w[p, j] / 8:       # too close to zero heater power
                    continue
                up, down = applied.copy(), applied.copy()
                up[p, j] += d_p
                down[p, j] -= d_p
                change = outputs(up) - outputs(down)
                for k in (j - 1, j + 1):
                    if 0 <= k < nk:
                        dv.append(change[k])
                        slope.append(slopes[k])
                        step.append(2 * d_p)
    finally:
        engine.record_symbols(None)
    return CrosstalkRecords(np.array(dv), np.array(slope), np.array(step))
