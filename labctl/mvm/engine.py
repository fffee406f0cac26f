"""Runs matrix products frame by frame on one bench (through a bench IO).

:class:`OpticalEngine` turns tiles of (W, X) into AWG codes and heater
currents, acquires the scopes, and decodes the scope traces (labctl.mvm.dsp)
into unsigned products, which labctl.mvm.signed turns into signed ones.
Calibration data (labctl.mvm.calibration) is used where present; otherwise
nominal design values (quadrature cos^2 modulators, rings on their design
wavelengths, no skew, ideal AWGR routing).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from labctl.mvm import encode
from labctl.mvm.bench_io import outputs, scopes_in_order
from labctl.mvm.calibration import Calibration
from labctl.mvm.dsp import (
    Equaliser,
    one_period,
    one_periods,
    synchronise_rows,
    tap_matrices,
)
from labctl.mvm.frames import FrameFormat
from labctl.mvm.plan import Plan, plan_product
from labctl.mvm.signed import col_scales, decode_offset, row_scales, to_unsigned
from sim_backends.physics.microring import MicroRing
from sim_backends.physics.streams import Streams

#: Ring weight window as fractions of the notch: lowest transmission
#: 1 - 0.9 d (near the lock) and highest at 4 half-widths of detuning.
RING_LO_FRACTION = 0.9
RING_HI_DETUNE = 3.0
#: Period (symbols) of the constant waveforms used for DC measurements.
DC_SYMBOLS = 16
#: Closed-loop weight programming (wdm): frames run for each new weight tile
#: to measure the realised weights and correct the ring settings (0: open
#: loop). Measured: +0.4 bit noise-free floor at 11.5 GBd, nothing at the
#: default 2.875 GBd (where it would only cost a frame per new tile): off.
WEIGHT_ROUNDS = 0
#: Weight tiles whose corrected ring settings are kept (least recently used dropped).
WEIGHT_CACHE = 4096
#: Frames acquired per batch in process (measured on the default bench: larger
#: batches gain nothing, the arrays leave the CPU caches; see docs/performance.md).
FRAME_BATCH = 8


@dataclass
class FrameRecord:
    """Codes of the last frame (for tests and run files)."""
    dac: dict = field(default_factory=dict)    # (awg, ch) -> uint16
    scope: dict = field(default_factory=dict)  # (scope, ch) -> uint16


class OpticalEngine:
    def __init__(self, bench, io, calibration: Calibration | None = None,
                 frame: FrameFormat | None = None, seed: int | None = None,
                 gain_offset_db: float = 0.0, laser_offset_db: float = 0.0, averages: int | None = None):
        self.bench, self.io, self.topo = bench, io, bench.topology
        #: scope records averaged per acquisition (operating point; topology ``scope_averages``)
        self.averages = int(self.topo.scope_averages if averages is None else averages)
        self.cal = calibration
        self.frame = (calibration.frame if calibration is not None
                      else frame or FrameFormat(symbol_rate=self.topo.symbol_rate_hz))
        self.seed = int(bench.seed if seed is None else seed)
        self.streams = Streams(self.seed)
        self.frames_run = 0
        self.last = FrameRecord()
        self.outputs = outputs(bench)
        self._ranges: dict | None = dict(calibration.scope_ranges) if calibration and calibration.scope_ranges else None
        self._points_set = False
        self._record_symbols: int | None = None
        self.gain_offset_db = gain_offset_db
        self.laser_offset_db = laser_offset_db
        self.weight_rounds = WEIGHT_ROUNDS
        #: decode with the calibrated static FFE (+ per-frame gain/offset/side
        #: terms). Measured: +0.05-0.1 bit at 11.5 GBd single records, -0.3 bit
        #: at the default operating point (the per-frame FFE follows each
        #: frame's mix of port responses): off by default.
        self.static_ffe = False
        #: called with no argument before every frame (e.g. ``RunContext.check_abort``,
        #: so that an abort takes effect within one frame of a long product)
        self.before_frame: Callable[[], None] | None = None
        self._weight_cmd: dict[bytes, tuple[np.ndarray, int]] = {}
        #: frames per batch on an IO that acquires many frames at once (in process)
        self.frame_batch = FRAME_BATCH
        #: where tile products run: None (here) or a callable(engine, jobs) -> ys
        #: (labctl.mvm.farmed.FarmRunner sends chunks of frames to Dask workers)
        self.runner = None
        self.set_operating_point(gain_offset_db, laser_offset_db)

    def laser_powers(self) -> dict[str, float]:
        """Seed laser powers (W) at this operating point."""
        return {e.laser: float(self.bench.instruments[e.laser].settings.get("power", 0.0))
                * 10 ** (self.laser_offset_db / 10) for e in self.topo.edges}

    def set_operating_point(self, gain_offset_db: float = 0.0, laser_offset_db: float = 0.0) -> None:
        """Edge amplifiers to constant gain: the topology's ``amplifier_gain_db``
        (else the bench setting) plus ``gain_offset_db``; seed lasers at their
        bench power plus ``laser_offset_db`` (optical-power sweeps)."""
        self.laser_offset_db = laser_offset_db
        if laser_offset_db:
            for name, p in self.laser_powers().items():
                self.io.set_laser_power(name, p)
        for e in self.topo.edges:
            if e.amplifier is None:
                continue
            g = e.amplifier_gain_db
            if g is None:
                g = float(self.bench.instruments[e.amplifier].settings.get("gain", 0.0))
            self.io.set_amplifier_gain(e.amplifier, g + gain_offset_db)

    # ------------------------------------------------------------ AWG waveforms
    def awg_rate(self, awg: str) -> tuple[int, float]:
        nominal = float(self.bench.instruments[awg].settings.get("sample_rate", 92e9))
        sps = self.frame.awg_sps(nominal)
        return sps, sps * self.frame.symbol_rate

    def curve(self, awg: str, ch: int):
        if self.cal is not None and (awg, ch) in self.cal.mzm:
            return self.cal.mzm[(awg, ch)]
        info = self.io.awg_info(awg)
        d = self.topo.devices.mzm
        return encode.nominal_curve(info["bits"], info["vpp"], info["offset"], d.v_pi, d.driver_gain)

    def skew(self, edge: str) -> float:
        return self.cal.skew_s.get(edge, 0.0) if self.cal is not None else 0.0

    def waveform(self, awg: str, ch: int, u: np.ndarray, skew_s: float = 0.0,
                 raw_codes: np.ndarray | None = None) -> np.ndarray:
        """Symbol values u (n_symbols,) -> AWG codes at sps samples/symbol,
        advanced by ``skew_s`` (circularly: the AWG repeats)."""
        sps, rate = self.awg_rate(awg)
        bits = self.io.awg_info(awg)["bits"]
        sym = raw_codes if raw_codes is not None else encode.codes_for(u, self.curve(awg, ch), bits)
        codes = np.repeat(np.asarray(sym, np.uint16), sps)
        shift = int(np.rint(skew_s * rate)) % codes.size
        return np.roll(codes, -shift)

    # ------------------------------------------------------------ rings (wdm)
    def ring_model(self):
        """(p0 [N,N] W, width [N,N] W, depth, thermal_xt) from the calibration or nominal design."""
        c, d = self.topo.centre, self.topo.devices.ring
        n = (c.ports, c.wavelengths)
        nominal = MicroRing(resonance=1550e-9, fsr=d.fsr_m, q_loaded=d.q_loaded,
                            round_trip_loss_db=d.round_trip_loss_db)
        depth = 1 - abs(nominal.through(1550e-9)) ** 2
        width = np.full(n, (1550e-9 / d.q_loaded) / (d.tuning_nm_per_mw * 1e-6))
        return np.zeros(n), width, depth, 0.0

    def awgr_map(self) -> np.ndarray:
        c = self.topo.centre
        if self.cal is not None and self.cal.awgr_map is not None:
            return self.cal.awgr_map.astype(int)
        p, k = np.meshgrid(np.arange(c.ports), np.arange(c.wavelengths), indexing="ij")
        return (p - k) % c.ports

    def heaters_for_weights(self, w_u: np.ndarray) -> dict[int, float]:
        """Unsigned weights w_u [output q, port p] -> heater currents (A) per channel."""
        if self.cal is not None and self.cal.ring_curve_p is not None:
            p_eff = self._calibrated_ring_powers(w_u)
            xt = self.cal.thermal_xt
        else:
            p0, width, depth, xt = self.ring_model()
            p_eff = encode.ring_power_for(self.ring_targets(w_u), p0, width, depth)
        return self.heater_currents_for(encode.undo_thermal_crosstalk(p_eff, xt))

    def _calibrated_ring_powers(self, w_u: np.ndarray) -> np.ndarray:
        """Effective heater powers [p, k] from the measured ring curves: per
        output q, every path's volts are mapped onto the common window
        [max of the notch minima, min of the red-side maxima] (this equalises
        the path gains), then inverted on the red side of each notch."""
        cal = self.cal
        qmap = cal.awgr_map.astype(int)
        e = cal.ring_curve_v - cal.ring_dark[..., None]
        n, nk, _ = e.shape
        lo = np.full(n, -np.inf)
        hi = np.full(n, np.inf)
        for p in range(n):
            for k in range(nk):
                q = qmap[p, k]
                lo[q] = max(lo[q], e[p, k].min())
                hi[q] = min(hi[q], e[p, k, -1])
        out = np.zeros((n, nk))
        for p in range(n):
            for k in range(nk):
                q = qmap[p, k]
                i0 = int(np.argmin(e[p, k]))
                ev = np.maximum.accumulate(e[p, k, i0:])
                pv = cal.ring_curve_p[p, k, i0:]
                target = lo[q] + (hi[q] - lo[q]) * w_u[q, p]
                out[p, k] = np.interp(target, ev, pv)
        return out

    def heater_currents_for(self, p: np.ndarray) -> dict[int, float]:
        """Applied heater powers p [port, line] (W) -> heater currents (A) per channel."""
        r = self.topo.devices.ring.heater_resistance_ohm
        c = self.topo.centre
        cur = np.sqrt(p / r)
        return {c.rings.first_channel + i * c.wavelengths + k: float(cur[i, k])
                for i in range(c.ports) for k in range(c.wavelengths)}

    def ring_targets(self, w_u: np.ndarray) -> np.ndarray:
        """Unsigned weights w_u [output q, port p] -> ring transmissions [p, k],
        equalising the measured path gains per output."""
        _, _, depth, _ = self.ring_model()
        lo = 1 - RING_LO_FRACTION * depth
        hi = 1 - depth / (1 + RING_HI_DETUNE**2)
        qmap = self.awgr_map()
        n = qmap.shape[0]
        ratio = np.ones((n, n))
        r0 = lo / ratio.min()
        if r0 >= hi:
            raise RuntimeError("path gains spread too wide for the ring weight window")
        t = np.empty_like(qmap, dtype=float)
        for p in range(n):
            for k in range(qmap.shape[1]):
                q = qmap[p, k]
                t[p, k] = (r0 + (hi - r0) * w_u[q, p]) * ratio[q, p]
        return t

    # ------------------------------------------------------------ acquisition
    def _configure_scopes(self) -> None:
        for scope in scopes_in_order(self.bench):
            fs = self.io.scope_info(scope)["sample_rate"]
            ranges = {ch: self._ranges.get((scope, ch), (1.4, 0.6)) if self._ranges else (1.4, 0.6)
                      for (s, ch) in self.outputs if s == scope}
            self.io.configure_scope(scope, self.scope_points(fs), ranges)
            self.io.set_averages(scope, self.averages)

    def scope_points(self, fs: float) -> int:
        """Record length: two frame periods, or ``record_symbols(n)`` symbols."""
        if self._record_symbols is None:
            return self.frame.scope_points(fs)
        return int(np.ceil(self._record_symbols / self.frame.symbol_rate * fs))

    def record_symbols(self, n: int | None) -> None:
        """Shorter scope records (``n`` symbols) for DC measurements; None restores."""
        if n != self._record_symbols:
            self._record_symbols = n
            self._configure_scopes()

    def acquire(self) -> dict:
        """One acquisition -> {(scope, ch): volts}; codes kept in ``last.scope``."""
        codes = self.io.acquire()
        self.last.scope = codes
        return self.io.volts(codes)

    def set_ranges(self, ranges: dict | None) -> None:
        """Fix the vertical ranges {(scope, ch): (range, offset)} (None: autorange next frame)."""
        self._ranges = ranges
        if ranges is not None:
            self._configure_scopes()

    def modulator_channels(self) -> list[tuple[str, int, str | None]]:
        """(awg, channel, edge or None) of every modulator the scheme uses."""
        topo = self.topo
        if topo.scheme == "wdm":
            return [(e.awg, ch, e.name) for e in topo.edges for ch in e.awg_channels]
        out = []
        for lane in topo.centre.lanes:
            e = topo.edge(lane.edge)
            out.append((e.awg, e.awg_channels[lane.port], e.name))
            out.append((topo.centre.weight_awg, lane.weight_channel, None))
        return out

    def const_waves(self, codes_by_channel: dict, n: int | None = None) -> dict:
        """{awg: {ch: codes}} holding one constant code per channel (``n``
        symbols long: a short period is enough for DC measurements)."""
        n = self.frame.n_symbols if n is None else n
        waves: dict = {}
        for (awg, ch), code in codes_by_channel.items():
            waves.setdefault(awg, {})[ch] = self.waveform(awg, ch, None, raw_codes=np.full(n, code))
        return waves

    def autorange(self) -> None:
        """Vertical ranges 0 .. 1.1 x the brightest level any product can
        reach (every modulator at u = 1, every weight at 1)."""
        self._ranges = {k: (2.0, 0.9) for k in self.outputs}
        self._configure_scopes()
        bits = {a: self.io.awg_info(a)["bits"] for a, _, _ in self.modulator_channels()}
        codes = {(a, ch): int(encode.codes_for(np.ones(1), self.curve(a, ch), bits[a])[0])
                 for a, ch, _ in self.modulator_channels()}
        self.io.load_awgs({a: (self.awg_rate(a)[1], chans)
                           for a, chans in self.const_waves(codes, DC_SYMBOLS).items()})
        if self.topo.scheme == "wdm":
            n = self.topo.centre.ports
            self.io.set_heater_currents(self.heaters_for_weights(np.ones((n, n))))
        volts = self.acquire()
        self._ranges = {}
        for key in self.outputs:
            top = 1.1 * float(np.mean(volts[key])) + 2e-3
            self._ranges[key] = (top, top / 2 - 1e-3)
        self._configure_scopes()

    def run(self, waveforms: dict, heaters: dict | None = None) -> dict:
        """Load waveforms {awg: {ch: codes}} (+ heater currents), acquire -> volts.

        Calls :attr:`before_frame` first (it may raise to stop a long product)."""
        if self.before_frame is not None:
            self.before_frame()
        if self._ranges is None:
            self.autorange()
        load = {awg: (self.awg_rate(awg)[1], chans) for awg, chans in waveforms.items()}
        self.io.load_awgs(load)
        self.last.dac = {(a, ch): c for a, chans in waveforms.items() for ch, c in chans.items()}
        if heaters:
            self.io.set_heater_currents(heaters)
        if not self._points_set:
            self._configure_scopes()
        self._points_set = True
        self.frames_run += 1
        return self.acquire()

    def prepare(self) -> None:
        """What the first frame needs done once: vertical ranges (autorange
        without a calibration) and the scopes' record set-up."""
        if self._ranges is None:
            self.autorange()
        if not self._points_set:
            self._configure_scopes()
        self._points_set = True

    def run_frames(self, frames: list) -> list[dict]:
        """Many frames [(waveforms, heaters)] in one batch of the bench IO's
        ``run_frames`` -> volts per frame; the same as :meth:`run` frame after
        frame (calls :attr:`before_frame` once per frame first)."""
        if self.before_frame is not None:
            for _ in frames:
                self.before_frame()
        self.prepare()
        loads = [({awg: (self.awg_rate(awg)[1], chans) for awg, chans in waves.items()}, heaters)
                 for waves, heaters in frames]
        codes = self.io.run_frames(loads)
        waves = frames[-1][0]
        self.last.dac = {(a, ch): c for a, chans in waves.items() for ch, c in chans.items()}
        self.last.scope = codes[-1]
        self.frames_run += len(frames)
        return [self.io.volts(c) for c in codes]

    def periods(self, volts: dict) -> dict:
        """(scope, ch) -> one frame period at sps_rx samples/symbol."""
        f = self.frame
        out = {}
        for key, v in volts.items():
            fs = self.io.scope_info(key[0])["sample_rate"]
            out[key] = one_period(v, fs, f.symbol_rate, f.sps_rx, f.n_symbols)[0]
        return out

    # ------------------------------------------------------------ products
    def matmul(self, w: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, Plan]:
        """Y = W X through the optics (float64 in, float64 out). Each row of a W
        tile and each column of an X tile is scaled to full scale (and back,
        digitally); a non-negative operand goes to the optics as it is, a
        signed one through the offset encoding of labctl.mvm.signed (its cost
        measured by ``signed_cost`` in labctl.mvm.budget)."""
        w = np.asarray(w, float)
        x = np.asarray(x, float)
        if w.ndim != 2 or x.ndim != 2 or w.shape[1] != x.shape[0]:
            raise ValueError(f"shapes do not multiply: W {w.shape}, X {x.shape}")
        c = self.topo.centre
        plan = plan_product(w.shape[0], w.shape[1], x.shape[1], self.topo.scheme, ports=c.ports,
                            lanes=max(1, len(c.lanes)), frame_slots=self.frame.payload)
        y = np.zeros((w.shape[0], x.shape[1]))
        jobs, scales = [], []
        for tile in plan.tiles:
            wt = np.zeros((plan.tile_rows, plan.tile_k))
            xt = np.zeros((plan.tile_k, plan.tile_b))
            wt[:tile.rows, :tile.ks] = w[tile.r0:tile.r0 + tile.rows, tile.k0:tile.k0 + tile.ks]
            xt[:tile.ks, :tile.bs] = x[tile.k0:tile.k0 + tile.ks, tile.b0:tile.b0 + tile.bs]
            sw, sx = row_scales(wt), col_scales(xt)
            wn, xn = wt / sw[:, None], xt / sx[None, :]
            if xt.min() < 0 and self.topo.scheme == "wdm" and 2 * tile.bs <= plan.tile_b:
                jobs.append(_split_job(wn, xn, tile.bs))
            else:
                jobs.append(_tile_job(wn, xn, bool(wt.min() < 0), bool(xt.min() < 0)))
            scales.append((sw, sx))
        for tile, (sw, sx), ys in zip(plan.tiles, scales, self.run_jobs(jobs)):
            y[tile.r0:tile.r0 + tile.rows, tile.b0:tile.b0 + tile.bs] += \
                (ys * sw[:, None] * sx[None, :])[:tile.rows, :tile.bs]
        return y, plan

    def run_jobs(self, jobs: list) -> list[np.ndarray]:
        """Tile products, one frame each, in order: through :attr:`runner` when
        one is set (e.g. a Dask farm, labctl.mvm.farmed), else here, in batches
        of :attr:`frame_batch` frames when the bench IO acquires many frames at
        once (the in-process table) and one by one otherwise (the drivers)."""
        if self.runner is not None and len(jobs) > 1:
            return self.runner(self, jobs)
        return self.run_jobs_here(jobs)

    def run_jobs_here(self, jobs: list) -> list[np.ndarray]:
        """:meth:`run_jobs` in this process."""
        batched = hasattr(self.io, "acquire_frames") and self.frame_batch > 1 and self._batchable()
        if not batched:
            return [job.finish(self._frame(job.w_u, job.x_u)) for job in jobs]
        out = []
        for i in range(0, len(jobs), self.frame_batch):
            chunk = jobs[i:i + self.frame_batch]
            out += [job.finish(y_u) for job, y_u in zip(chunk, self._frames(chunk))]
        return out

    def _batchable(self) -> bool:
        return not (self.topo.scheme == "wdm" and self.cal is not None and self.weight_rounds)

    def _frame(self, w_u: np.ndarray, x_u: np.ndarray) -> np.ndarray:
        return self._frame_wdm(w_u, x_u) if self.topo.scheme == "wdm" else self._frame_time(w_u, x_u)

    def _frames(self, jobs: list) -> list[np.ndarray]:
        """Unsigned tile products of many frames: encode every frame (pure),
        acquire them in one batch, decode every frame (pure)."""
        wdm = self.topo.scheme == "wdm"
        drives = [(self._wdm_drive if wdm else self._time_drive)(job.w_u, job.x_u, self.frames_run + i)
                  for i, job in enumerate(jobs)]
        volts = self.run_frames([(d["waves"], d.get("heaters")) for d in drives])
        if wdm:
            return [self._wdm_decode(job.w_u, job.x_u, d, v)[0] for job, d, v in zip(jobs, drives, volts)]
        return [self._time_decode(d, v, job.x_u.shape) for job, d, v in zip(jobs, drives, volts)]

    def _split_columns(self, w_s: np.ndarray, x_s: np.ndarray, b: int) -> np.ndarray:
        """Signed X on free payload slots (wdm, b columns <= half the frame):
        its positive and negative parts go as unsigned columns of the same
        frame, Y = W max(X, 0) - W max(-X, 0); only W is offset-encoded (error
        x sqrt(2) from the difference instead of x 2 from X's offset)."""
        parts = np.zeros_like(x_s)
        parts[:, :b] = np.maximum(x_s[:, :b], 0)
        parts[:, b:2 * b] = np.maximum(-x_s[:, :b], 0)
        y2 = self.tile_product(w_s, parts, bool(w_s.min() < 0), x_signed=False)
        y = np.zeros((w_s.shape[0], x_s.shape[1]))
        y[:, :b] = y2[:, :b] - y2[:, b:2 * b]
        return y

    def tile_product(self, w_s: np.ndarray, x_s: np.ndarray, signed: bool = True, *,
                     x_signed: bool | None = None) -> np.ndarray:
        """Tile product through one frame: signed values in [-1, 1] (offset
        encoding), or, with ``signed=False``, values in [0, 1] sent as they
        are. ``x_signed`` (default: ``signed``) sets X's encoding apart from
        W's (``signed``), e.g. W signed and X >= 0 after a ReLU."""
        x_signed = signed if x_signed is None else x_signed
        w_u = to_unsigned(w_s) if signed else np.asarray(w_s, float)
        x_u = to_unsigned(x_s) if x_signed else np.asarray(x_s, float)
        return decode_offset(self._frame(w_u, x_u), w_u, x_u, signed, x_signed)

    def _training(self, shape, index: int | None = None) -> np.ndarray:
        """Training symbols of frame ``index`` (default: the next frame), from
        the ("training", index) stream: a frame's symbols do not depend on batching."""
        index = self.frames_run if index is None else index
        return self.streams.rng("training", index).uniform(0, 1, shape)

    def _frame_wdm(self, w_u: np.ndarray, x_u: np.ndarray) -> np.ndarray:
        """One wdm frame with closed-loop weights: the first time a weight tile
        is seen, ``weight_rounds`` frames measure the realised weights (from the
        training symbols) and correct the commanded ones; the corrections are
        cached per tile (weights are static across frames) and refined by every
        later frame with the same tile (stochastic approximation: step 1/n, so
        the n-th command is corrected by the mean of n noisy estimates)."""
        if self.cal is None or not self.weight_rounds:
            return self._run_wdm(w_u, w_u, x_u)[0]
        key = w_u.tobytes()
        cmd, n = self._weight_cmd.pop(key, (w_u.copy(), 0))
        for _ in range(self.weight_rounds if n == 0 else 0):
            cmd = cmd - self._run_wdm(cmd, w_u, x_u)[1]
            n = 1
        y, err = self._run_wdm(cmd, w_u, x_u)
        n += 1
        self._weight_cmd[key] = (cmd - err / n, n)
        if len(self._weight_cmd) > WEIGHT_CACHE:
            self._weight_cmd.pop(next(iter(self._weight_cmd)))
        return y

    def _run_wdm(self, w_cmd: np.ndarray, w_u: np.ndarray, x_u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Run one frame with rings set for ``w_cmd`` -> (payload estimates of
        w_u @ x_u, weight error [q, p] the frame's training symbols reveal)."""
        drive = self._wdm_drive(w_cmd, x_u)
        return self._wdm_decode(w_u, x_u, drive, self.run(drive["waves"], drive["heaters"]))

    def _wdm_drive(self, w_cmd: np.ndarray, x_u: np.ndarray, index: int | None = None) -> dict:
        """What one wdm frame sends (pure): symbols [port, slot], AWG codes
        {awg: {ch: codes}} and heater currents for the weights ``w_cmd``."""
        sym = self._wdm_symbols(x_u, index)
        waves: dict = {}
        for e in self.topo.edges:
            waves[e.awg] = {e.awg_channels[i]: self.waveform(e.awg, e.awg_channels[i], sym[port], self.skew(e.name))
                            for i, port in enumerate(e.ports)}
        return {"sym": sym, "waves": waves, "heaters": self.heaters_for_weights(np.clip(w_cmd, 0.0, 1.0))}

    def _wdm_decode(self, w_u, x_u, drive: dict, volts: dict) -> tuple[np.ndarray, np.ndarray]:
        """Scope volts of one wdm frame -> (payload estimates, weight error).

        Weight error: the equaliser (gain, offset, sum-of-inputs term) is fitted
        to the intended ``w_u[q] @ sym``; the part of the realised weights it
        cannot absorb stays in its residual on the known symbols, whose least-
        squares regression on the per-port known symbols estimates it."""
        f = self.frame
        n = self.topo.centre.ports
        sym = drive["sym"]
        taps = self._taps(volts)
        known = f.known
        y = np.zeros((n, x_u.shape[1]))
        err = np.zeros((n, n))
        sx = sym.sum(axis=0)
        for q, key in enumerate(self.outputs):
            target = w_u[q] @ sym
            eq = self.equaliser(key, taps[key][known], sx[known], target[known])
            y[q] = eq.apply(self._ffe(key, taps[key][f.payload_slice]), sx[f.payload_slice])[:x_u.shape[1]]
            if self.weight_rounds:
                resid = eq.apply(self._ffe(key, taps[key][known]), sx[known]) - target[known]
                err[q] = np.linalg.lstsq(sym[:, known].T, resid, rcond=None)[0]
        return y, err

    def _taps(self, volts: dict) -> dict:
        """Scope volts -> {output: tap matrix [slot, taps]}: every output's
        period cut, synchronised and windowed at once per scope (labctl.mvm.dsp)."""
        f = self.frame
        out = {}
        for scope in dict.fromkeys(k[0] for k in volts):
            keys = [k for k in volts if k[0] == scope]
            fs = self.io.scope_info(scope)["sample_rate"]
            per = one_periods(np.stack([volts[k] for k in keys]), fs, f.symbol_rate, f.sps_rx, f.n_symbols)
            starts = synchronise_rows(per, f.pre, f.sps_rx)
            for k, t in zip(keys, tap_matrices(per, starts, f.sps_rx, f.n_symbols, f.taps)):
                out[k] = t
        return out

    def _wdm_symbols(self, x_u: np.ndarray, index: int | None = None) -> np.ndarray:
        """Symbols [port, slot] of one wdm frame: preamble, training, payload x_u, guard."""
        f = self.frame
        n = self.topo.centre.ports
        sym = np.full((n, f.n_symbols), 0.5)
        sym[:, :f.n_pre] = f.pre[None, :]
        sym[:, f.n_pre:f.n_pre + f.train] = self._training((n, f.train), index)
        sym[:, f.payload_slice][:, :x_u.shape[1]] = x_u
        return sym

    def _wdm_taps(self, sym: np.ndarray, w_cmd: np.ndarray) -> dict:
        """Send ``sym`` with rings set for ``w_cmd``; -> {output: tap matrix [slot, taps]}."""
        waves: dict = {}
        for e in self.topo.edges:
            waves[e.awg] = {e.awg_channels[i]: self.waveform(e.awg, e.awg_channels[i], sym[port], self.skew(e.name))
                            for i, port in enumerate(e.ports)}
        return self._taps(self.run(waves, self.heaters_for_weights(np.clip(w_cmd, 0.0, 1.0))))

    # ------------------------------------------------------------ equalisers
    def _ffe(self, key, taps: np.ndarray) -> np.ndarray:
        """Taps -> the calibrated static FFE output [slot, 1] of output ``key``
        (the tap matrix itself without a calibrated FFE)."""
        ffe = self.cal.ffe.get(key) if self.cal is not None and self.static_ffe else None
        return taps if ffe is None else (taps @ ffe)[:, None]

    def equaliser(self, key, taps: np.ndarray, side: np.ndarray, target: np.ndarray) -> Equaliser:
        """Per-frame equaliser of output ``key`` trained on the known symbols:
        with a calibrated static FFE only its gain, offset and side-term
        weights (a few parameters: little noise and no over-fitting from the
        short training section); without, the full FFE."""
        return Equaliser.train(self._ffe(key, taps), side, target)

    def _frame_time(self, w_u: np.ndarray, x_u: np.ndarray) -> np.ndarray:
        drive = self._time_drive(w_u, x_u)
        return self._time_decode(drive, self.run(drive["waves"]), x_u.shape)

    def _time_drive(self, w_u: np.ndarray, x_u: np.ndarray, index: int | None = None) -> dict:
        """What one time-scheme frame sends (pure): inputs ``xs`` [slot], lane
        weights ``ws`` [lane, slot] and the AWG codes."""
        f = self.frame
        lanes = self.topo.centre.lanes
        kt, bt = x_u.shape
        xs = np.full(f.n_symbols, 0.5)
        ws = np.full((len(lanes), f.n_symbols), 0.5)
        xs[:f.n_pre] = f.pre
        ws[:, :f.n_pre] = 1.0
        tr = self._training((len(lanes) + 1, f.train), index)
        xs[f.n_pre:f.n_pre + f.train] = tr[0]
        ws[:, f.n_pre:f.n_pre + f.train] = tr[1:]
        slots = kt * bt
        p0 = f.n_pre + f.train
        xs[p0:p0 + slots] = x_u.T.reshape(-1)            # slot = b * kt + k
        ws[:, p0:p0 + slots] = np.tile(w_u, (1, bt))     # w[j, k] repeated per column
        return {"xs": xs, "ws": ws, "waves": self._time_waves(xs, ws)}

    def _time_decode(self, drive: dict, volts: dict, shape) -> np.ndarray:
        """Scope volts of one time-scheme frame -> lane products [lane, column]."""
        f = self.frame
        kt, bt = shape
        xs, ws = drive["xs"], drive["ws"]
        taps = self._taps(volts)
        known = f.known
        slots = kt * bt
        p0 = f.n_pre + f.train
        y = np.zeros((len(self.topo.centre.lanes), bt))
        for j, key in enumerate(self.outputs):
            side = np.stack([xs, ws[j]], axis=1)
            eq = self.equaliser(key, taps[key][known], side[known], (xs * ws[j])[known])
            est = eq.apply(self._ffe(key, taps[key][p0:p0 + slots]), side[p0:p0 + slots])
            y[j] = est.reshape(bt, kt).sum(axis=1)
        return y

    def _time_waves(self, xs: np.ndarray, ws: np.ndarray) -> dict:
        """AWG codes for inputs ``xs`` [slot] and lane weights ``ws`` [lane, slot]."""
        waves: dict = {}
        wa = self.topo.centre.weight_awg
        for j, lane in enumerate(self.topo.centre.lanes):
            e = self.topo.edge(lane.edge)
            ch = e.awg_channels[lane.port]
            waves.setdefault(e.awg, {})[ch] = self.waveform(e.awg, ch, xs, self.skew(e.name))
            waves.setdefault(wa, {})[lane.weight_channel] = self.waveform(wa, lane.weight_channel, ws[j])
        return waves

    def _time_taps(self, xs: np.ndarray, ws: np.ndarray) -> dict:
        """Send inputs ``xs`` [slot] and lane weights ``ws`` [lane, slot];
        -> {output: tap matrix [slot, taps]}."""
        return self._taps(self.run(self._time_waves(xs, ws)))

    def train_static_equalisers(self, frames: int, rng: np.random.Generator) -> dict:
        """Static FFE per output, least squares over ``frames`` frames whose
        every symbol is known (random inputs, and random weights in [0, 1]):
        {output key: FFE taps}. The channel is static between frames, so this
        replaces most of what each frame's short training section had to
        estimate; gain, offset and side terms stay per frame."""
        f = self.frame
        rows: dict = {key: ([], [], []) for key in self.outputs}
        for _ in range(frames):
            if self.topo.scheme == "wdm":
                n = self.topo.centre.ports
                w = rng.uniform(0, 1, (n, n))
                sym = self._wdm_symbols(rng.uniform(0, 1, (n, f.payload)))
                taps = self._wdm_taps(sym, w)
                for q, key in enumerate(self.outputs):
                    rows[key][0].append(taps[key])
                    rows[key][1].append(sym.sum(axis=0)[:, None])
                    rows[key][2].append(w[q] @ sym)
            else:
                xs = np.concatenate([f.pre, rng.uniform(0, 1, f.n_symbols - f.n_pre)])
                ws = np.concatenate([np.ones((len(self.outputs), f.n_pre)),
                                     rng.uniform(0, 1, (len(self.outputs), f.n_symbols - f.n_pre))], axis=1)
                taps = self._time_taps(xs, ws)
                for j, key in enumerate(self.outputs):
                    rows[key][0].append(taps[key])
                    rows[key][1].append(np.stack([xs, ws[j]], axis=1))
                    rows[key][2].append(xs * ws[j])
        return {key: Equaliser.train(np.vstack(t), np.vstack(s), np.concatenate(y)).coef[:f.taps]
                for key, (t, s, y) in rows.items()}


@dataclass(frozen=True)
class TileJob:
    """One tile product as a frame: unsigned operands ``w_u``, ``x_u`` and
    how to turn the frame's unsigned estimate back into the signed tile."""

    w_u: np.ndarray
    x_u: np.ndarray
    w_signed: bool
    x_signed: bool
    split: int = 0   # > 0: signed X sent as positive/negative columns (b = split)

    def finish(self, y_u: np.ndarray) -> np.ndarray:
        y = decode_offset(y_u, self.w_u, self.x_u, self.w_signed, self.x_signed)
        if not self.split:
            return y
        b = self.split
        out = np.zeros_like(y)
        out[:, :b] = y[:, :b] - y[:, b:2 * b]
        return out


def _tile_job(w_s: np.ndarray, x_s: np.ndarray, w_signed: bool, x_signed: bool) -> TileJob:
    w_u = to_unsigned(w_s) if w_signed else np.asarray(w_s, float)
    x_u = to_unsigned(x_s) if x_signed else np.asarray(x_s, float)
    return TileJob(w_u, x_u, w_signed, x_signed)


def _split_job(w_s: np.ndarray, x_s: np.ndarray, b: int) -> TileJob:
    """Signed X on free payload slots: max(X, 0) and max(-X, 0) as unsigned
    columns of one frame (see OpticalEngine._split_columns)."""
    parts = np.zeros_like(x_s)
    parts[:, :b] = np.maximum(x_s[:, :b], 0)
    parts[:, b:2 * b] = np.maximum(-x_s[:, :b], 0)
    job = _tile_job(w_s, parts, bool(w_s.min() < 0), False)
    return TileJob(job.w_u, job.x_u, job.w_signed, False, split=b)
