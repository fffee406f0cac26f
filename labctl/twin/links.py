"""Per-edge link figures of the twin: span group delay (arrival skew) and span loss.

Skew. The calibration's preamble measurement (:func:`labctl.mvm.calibrate.measure_skew`)
gives each edge node's arrival time t (s) modulo the frame period T. The bench
parameter behind it is the edge's group delay ``tau = sum L n_g / c`` (the
simulated table applies it as the phase exp(-2 pi i f tau), i.e. circularly
over the frame). t also holds latencies common to the whole path (filters,
converters), so the fit compares with the twin: with the twin at span length L_j,
its arrival t_j is measured the same way and::

    L_{j+1} = L_j + c / n_g * wrap(t_meas - t_j),   wrap(x) in [-T/2, T/2)

(two iterations: the second cancels the bias of the correlation peak's parabolic
sub-sample refinement, which depends on the fractional sample offset). A real
bench cannot tell L from L + k T c / n_g (k integer) in one frame format: the
wrap picks the solution nearest the bench file's nominal length. A second frame
format resolves k (:func:`resolve_periods`, the Chinese-remainder idea): the
arrivals are measured again with frames ``align`` symbols shorter (period T2 =
T - 16 symbols: 240 instead of 256 symbols, same symbol rate), on the bench and on
the twin at the fitted length L; a true length L + k T c / n_g leaves the frame-2
residual ``wrap_T2(t2_meas - t2_twin) = wrap_T2(k (T - T2))``, so::

    k = round(wrap_T2(t2_meas - t2_twin) / (T - T2)),   |k| <= K = floor(T2 / (2 (T - T2)))

unambiguous for |L - L_nominal| < (K + 1/2) T c / n_g (7.5 periods: 136 m of
fibre on the default bench); lengths differing by (2K + 1) T c / n_g (15 T = 16 T2:
273 m) alias. The residual left after k periods (``period_mismatch_s``) must be
far below (T - T2) / 2; above (T - T2) / 4 the edge is reported ambiguous and
keeps k = 0. Standard error: the spread of
``repeats`` measurements (s / sqrt(n)) and the twin's remaining mismatch
``|t_meas - t_twin|`` at the fitted length, and the modulator model's share
(the arrival's change between the twin with the nominal and with the fitted
modulator figures: the preamble's waveform, hence the correlation peak, depends
on V_pi and ER), in quadrature, times c / n_g. The twin carries the fitted
``[topology.devices.mzm]`` (:func:`labctl.twin.bench_text.mzm_values`).

Loss. The power meter (role ``powermeter``) taps each edge's centre input after
its constant-gain amplifier (channel i: the i-th edge, summed over its port
fibres): P_tap = G 10^(-(a L + DCM)/10) sum_i P_i T_i, every factor but the span
loss a L known to the twin. Each modulator is set to its peak transmission
T = 1 (drive v = V_pi / 2 - delta, from the fitted V_pi and bias offset on the
bench, from the twin's own V_pi and lock error on the twin), where T does not
depend on the extinction ratio and only to second order on the drive error, so::

    a L = a_0 L_0 + 10 log10(P_twin / P_meas)

Standard error: 10 / ln 10 times the mean over the edge's modulators of
h^2 + s_h^2 (1 - T = sin^2 h ~ h^2 at the peak; h: phase left by the code grid,
s_h: from the fitted V_pi and bias standard errors), and the spread of
``repeats`` readings.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from labctl.bench.topology import SPEED_OF_LIGHT

#: Skew measurements per edge (each: one preamble record per edge node).
SKEW_REPEATS = 4


def wrap(x: np.ndarray | float, period: float):
    """``x`` folded into [-period/2, period/2)."""
    return (np.asarray(x) + period / 2) % period - period / 2


def edge_arrivals(engine, repeats: int = SKEW_REPEATS) -> dict[str, np.ndarray]:
    """{edge: [repeats] arrival times (s, modulo the frame period)} by the
    calibration's preamble measurement."""
    from labctl.mvm.calibrate import measure_skew

    runs = [measure_skew(engine) for _ in range(repeats)]
    return {e: np.array([r[e] for r in runs]) for e in runs[0]}


def second_frame(frame):
    """The frame format of the second skew measurement: ``align`` fewer payload
    symbols (period ``align`` symbols shorter: 240 instead of 256 on the default
    frame), same symbol rate."""
    from dataclasses import replace

    out = replace(frame, payload=frame.payload - frame.align)
    if out.n_symbols == frame.n_symbols:
        raise ValueError(f"frame {frame} has no shorter aligned variant")
    return out


def frame_arrivals(engine, frame, repeats: int = SKEW_REPEATS) -> dict[str, np.ndarray]:
    """:func:`edge_arrivals` (modulo ``frame``'s period) of an engine on the same
    bench IO, calibration and operating point as ``engine`` but with ``frame``;
    ``engine``'s scopes are set back to its own record afterwards."""
    from dataclasses import replace

    from labctl.mvm.engine import OpticalEngine

    other = OpticalEngine(engine.bench, engine.io, replace(engine.cal, frame=frame),
                          seed=engine.seed, gain_offset_db=engine.gain_offset_db,
                          laser_offset_db=engine.laser_offset_db, averages=engine.averages)
    try:
        return edge_arrivals(other, repeats)
    finally:
        engine.scopes.configure()


def resolve_periods(residual2: float, period: float, period2: float) -> tuple[int, float, bool]:
    """(k, mismatch s, resolved) from the second frame format's arrival residual
    ``residual2`` = t2_meas - t2_twin (s) at a length already matched modulo
    ``period`` (T): the true delay differs by k T, k T = k (T - T2) modulo T2, so
    k = round(wrap_T2(residual2) / (T - T2)) with |k| <= floor(T2 / (2 |T - T2|));
    mismatch = wrap_T2(residual2) - k (T - T2); resolved when |mismatch| <
    |T - T2| / 4 (else k = 0 is returned: ambiguous)."""
    step = period - period2
    r = float(wrap(residual2, period2))
    k_max = int(np.floor(period2 / (2 * abs(step)) + 1e-9))
    k = int(np.clip(np.rint(r / step), -k_max, k_max))
    mismatch = float(wrap(r - k * step, period2))
    if abs(mismatch) >= abs(step) / 4:
        return 0, mismatch, False
    return k, mismatch, True


def read_taps(engine) -> dict[str, float]:
    """{edge: power-meter tap reading (W)} of the bench's powermeter (channel i:
    the i-th edge), through the drivers or the in-process table."""
    bench = engine.bench
    pm = next(n for n, inst in bench.instruments.items() if inst.role == "powermeter")
    out = {}
    for i, edge in enumerate(engine.topo.edges):
        io = engine.io
        if hasattr(io, "roles"):
            out[edge.name] = float(io.roles[pm].power(i + 1))
        else:
            out[edge.name] = float(io.table.optical_power(pm, i + 1))
    return out


def peak_codes(engine, v_pi: dict, offset: dict, gain: float, er_db: float,
               weight: dict | None = None) -> tuple[dict, float, dict]:
    """({(awg, ch): code} nearest each modulator's peak drive v = V_pi/2 - delta
    (within the DAC range), the ``weight``-averaged transmission there per edge
    {edge: T} (:func:`labctl.twin.estimators.mzm_transmission`), {(awg, ch):
    dT/dh}); ``v_pi``, ``offset`` keyed (awg, ch) (V)."""
    from labctl.mvm.encode import dac_levels
    from labctl.twin.estimators import mzm_transmission

    codes, t_sum, w_sum, slope = {}, {}, {}, {}
    for awg, ch, edge in engine.modulator_channels():
        k = (awg, ch)
        info = engine.io.awg_info(awg)
        drive = gain * dac_levels(int(info["bits"]), info["vpp"], info["offset"])
        c = int(np.argmin(np.abs(drive - (v_pi[k] / 2 - offset[k]))))
        codes[k] = c
        w = 1.0 if weight is None else weight[k]
        t_sum[edge] = t_sum.get(edge, 0.0) + w * float(mzm_transmission(drive[c], v_pi[k],
                                                                          offset[k], er_db))
        w_sum[edge] = w_sum.get(edge, 0.0) + w
        h = np.pi * (drive[c] + offset[k]) / (2 * v_pi[k]) - np.pi / 4
        slope[k] = float(-(1 - 10 ** (-er_db / 10)) * np.sin(2 * h))
    return codes, {e: t_sum[e] / w_sum[e] for e in t_sum}, slope


def peak_taps(engine, codes: dict, repeats: int = 2) -> dict[str, np.ndarray]:
    """{edge: [repeats] tap power (W)} with every modulator at ``codes``."""
    out: dict[str, list] = {}
    engine.run(engine.const_waves(codes))
    for _ in range(repeats):
        for e, p in read_taps(engine).items():
            out.setdefault(e, []).append(p)
    return {e: np.array(v) for e, v in out.items()}


@dataclass
class EdgeLink:
    """Fitted link of one edge: span ``length_m`` (+- ``length_stderr``),
    ``delay_s`` (L n_g / c), total span ``loss_db`` (+- ``loss_stderr``), the
    nominal figures of the bench file, the measured / twin arrivals (s) and the
    second frame format's period count ``periods`` (:func:`resolve_periods`)."""

    edge: str
    length_m: float
    length_stderr: float
    delay_s: float
    loss_db: float
    loss_stderr: float
    nominal_length_m: float
    nominal_loss_db: float
    arrival_s: np.ndarray
    twin_arrival_s: float
    periods: int = 0                 # frame periods added by the second frame format
    period_mismatch_s: float = 0.0   # its residual left after them (s)
    resolved: bool = True            # False: the period count is ambiguous (k = 0 kept)

    @property
    def loss_db_per_km(self) -> float:
        return self.loss_db / (self.length_m / 1e3)

    @property
    def loss_per_km_stderr(self) -> float:
        return self.loss_stderr / (self.length_m / 1e3)


def group_index(edge) -> float:
    """Length-weighted group index of the edge's spans."""
    return sum(s.length_m * s.group_index for s in edge.spans) / edge.length_m


def span_loss_db(edge) -> float:
    """Total span loss (dB) of the edge's spans."""
    return sum(s.loss_db_per_km * s.length_m / 1e3 for s in edge.spans)


def skew_step(measured: np.ndarray, twin: float, period: float, n_g: float) -> float:
    """Length correction (m): c / n_g wrap(mean(measured) - twin)."""
    return float(SPEED_OF_LIGHT / n_g * wrap(np.mean(measured) - twin, period))


def length_stderr(measured: np.ndarray, twin: np.ndarray, period: float, n_g: float) -> float:
    """c / n_g sqrt(s_m^2 / n_m + s_t^2 / n_t + wrap(mean_m - mean_t)^2): the
    spreads of the bench's and the twin's repeated arrivals and the twin's
    remaining mismatch at the fitted length (module doc)."""
    var = sum(np.var(x, ddof=1) / x.size for x in (measured, twin) if x.size > 1)
    res = wrap(np.mean(measured) - np.mean(twin), period)
    return float(SPEED_OF_LIGHT / n_g * np.sqrt(var + res**2))


def loss_from_taps(measured: np.ndarray, twin: np.ndarray, t_meas: float, t_twin: float,
                   nominal_db: float, t_se: float) -> tuple[float, float]:
    """(span loss dB, stderr): nominal + 10 log10((P_twin / T_twin) / (P_meas / T_meas))
    (means of the readings; T the mean modulator transmissions); stderr from the
    relative error ``t_se`` of T_meas and the readings' spread (module doc)."""
    measured, twin = np.asarray(measured, float), np.asarray(twin, float)
    d = nominal_db + 10 * np.log10(np.mean(twin) / t_twin * t_meas / np.mean(measured))
    rel = [np.std(x, ddof=1) / np.mean(x) / np.sqrt(x.size) if x.size > 1 else 0.0
           for x in (measured, twin)]
    se = 10 / np.log(10) * np.sqrt(t_se**2 + rel[0] ** 2 + rel[1] ** 2)
    return float(d), float(se)


def twin_text(text: str, lengths: dict[str, float] | None = None,
              losses: dict[str, float] | None = None) -> str:
    """Bench ``text`` with every resource simulated and the edges' spans set
    (:func:`labctl.twin.bench_text.edge_spans`): the text of an in-process twin."""
    from labctl.twin.bench_text import _RESOURCE, edge_spans

    return edge_spans(_RESOURCE.sub(lambda m: f'{m.group(1)}"sim"', text), lengths, losses)


def twin_backend(text: str, calibration: str, seed):
    """The in-process simulated bench of bench ``text`` (a twin), with the
    bench's ``calibration`` file and ``seed`` (a context manager)."""
    from labctl.bench import parse_bench
    from labctl.mvm.backends import SimBackend
    return SimBackend(parse_bench(text, origin="<twin>"), seed=seed, calibration=calibration)


def fit_links(engine, calibration: str, mod_fit, seed=None,
              repeats: int = SKEW_REPEATS) -> list[EdgeLink]:
    """Measure arrivals and peak taps on ``engine`` (the bench) and fit every
    edge's span length and loss against in-process twins of the bench file
    (module doc). ``mod_fit``: the bench's :class:`~labctl.twin.estimators.ModulatorFit`."""
    bench = engine.bench
    topo = bench.topology        # the bench file's nominal figures
    dev = topo.devices.mzm
    period = engine.frame.period
    key = {(a, ch): i for i, (a, ch, _) in enumerate(mod_fit.channels)}
    v_pi = {k: float(mod_fit.v_pi.value[i]) for k, i in key.items()}
    off = {k: float(mod_fit.bias_offset.value[i]) for k, i in key.items()}
    amp = {k: float(mod_fit.amplitude.value[i]) for k, i in key.items()}
    er = float(mod_fit.extinction_ratio_db.value)
    # phase error of each modulator from its fitted V_pi and bias offset (rad)
    s_h = {k: float(np.hypot(np.pi / (2 * v_pi[k]) * mod_fit.bias_offset.stderr[i],
                             np.pi / (4 * v_pi[k]) * mod_fit.v_pi.stderr[i])) for k, i in key.items()}
    arrivals = edge_arrivals(engine, repeats)
    codes, t_meas, slope = peak_codes(engine, v_pi, off, dev.driver_gain, er, amp)
    taps = peak_taps(engine, codes)
    frame2 = second_frame(engine.frame)
    arrivals2 = frame_arrivals(engine, frame2, repeats)
    nominal = {e.name: e.length_m for e in topo.edges}
    n_g = {e.name: group_index(e) for e in topo.edges}
    # the twin: the bench file with the fitted modulator figures (V_pi, ER, lock spread)
    from labctl.twin.bench_text import mzm_values, update_table
    fitted_text = update_table(bench.source_text, "topology.devices.mzm", *mzm_values(mod_fit))
    lengths = dict(nominal)
    for _ in range(2):    # fixed point: the twin's arrival at L_j -> L_{j+1}
        with twin_backend(twin_text(fitted_text, lengths), calibration, seed) as tw:
            twin_arr = edge_arrivals(tw.engine, repeats)
        lengths = {e: lengths[e] + skew_step(arrivals[e], float(np.mean(twin_arr[e])), period,
                                             n_g[e]) for e in lengths}
    with twin_backend(twin_text(bench.source_text, lengths), calibration, seed) as tw:
        # the same with the nominal modulators: the modulator model's share of the error
        nominal_arr = edge_arrivals(tw.engine, repeats)
    with twin_backend(twin_text(fitted_text, lengths), calibration, seed) as tw:
        te = tw.engine
        twin_arr = edge_arrivals(te, repeats)
        tv = {(a, ch): te.topo.devices.mzm.v_pi for a, ch, _ in te.modulator_channels()}
        toff = {(a, ch): tw.table.lock_error[(edge or "centre", ch)]   # time: centre weights
                for a, ch, edge in te.modulator_channels()}
        tcodes, t_twin, _ = peak_codes(te, tv, toff, dev.driver_gain,
                                       te.topo.devices.mzm.extinction_ratio_db, amp)
        twin_taps = peak_taps(te, tcodes)
        twin_edges = {e.name: e for e in te.topo.edges}
        twin_arr2 = frame_arrivals(te, frame2, repeats)
    out = []
    for e in topo.edges:
        mine = [(a, ch) for a, ch, edge in engine.modulator_channels() if edge == e.name]
        w = np.array([amp[k] for k in mine])
        # relative error of the weighted transmission: sum w dT/dh s_h / (sum w T)
        t_se = float(np.sqrt(np.sum((w * [slope[k] * s_h[k] for k in mine]) ** 2))
                     / (np.sum(w) * t_meas[e.name]))
        loss, loss_se = loss_from_taps(taps[e.name], twin_taps[e.name], t_meas[e.name],
                                       t_twin[e.name], span_loss_db(twin_edges[e.name]), t_se)
        L, tw_mean = lengths[e.name], float(np.mean(twin_arr[e.name]))
        model = SPEED_OF_LIGHT / n_g[e.name] * abs(
            float(wrap(np.mean(nominal_arr[e.name]) - tw_mean, period)))
        se = float(np.hypot(length_stderr(arrivals[e.name], twin_arr[e.name], period,
                                          n_g[e.name]), model))
        k, mismatch, ok = resolve_periods(
            float(np.mean(arrivals2[e.name]) - np.mean(twin_arr2[e.name])), period, frame2.period)
        L += k * period * SPEED_OF_LIGHT / n_g[e.name]
        out.append(EdgeLink(e.name, L, se,
                            L * n_g[e.name] / SPEED_OF_LIGHT, loss, loss_se, nominal[e.name],
                            span_loss_db(e), arrivals[e.name], tw_mean, k, mismatch, ok))
    return out
