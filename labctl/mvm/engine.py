"""Runs matrix products frame by frame on one bench (through a bench IO).

:class:`OpticalEngine` is the orchestrator: it tiles a product
(labctl.mvm.plan), has the bench's computing scheme (labctl.mvm.schemes) encode
each tile into one frame's drive (AWG codes, heater currents: pure), loads and
acquires it through the bench IO, and has the scheme decode the scope volts
into unsigned tile estimates (pure), which labctl.mvm.signed turns into signed
ones. Its parts: AWG waveforms (labctl.mvm.waveforms), ring programming
(labctl.mvm.rings), scope set-up (labctl.mvm.scope_setup) and the receiver
(labctl.mvm.receiver). Calibration data (labctl.mvm.calibration) is used where
present; otherwise nominal design values (quadrature cos^2 modulators, rings
on their design wavelengths, no skew, ideal AWGR routing).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from labctl.mvm import rings, waveforms
from labctl.mvm.calibration import Calibration
from labctl.mvm.dsp import Equaliser, one_period
from labctl.mvm.frames import FrameFormat
from labctl.mvm.plan import Plan, tile_plan
from labctl.mvm.receiver import frame_taps
from labctl.mvm.schemes import scheme_for
from labctl.mvm.scope_setup import (
    AUTORANGE_HEADROOM,
    AUTORANGE_MARGIN_V,
    PROBE_RANGE,
    ScopeSetup,
    ranges_above,
)
from labctl.mvm.signed import col_scales, decode_offset, row_scales, to_unsigned
from labctl.mvm.waveforms import DC_SYMBOLS
from sim_backends.physics.streams import Streams

#: Frames acquired per batch in process (measured on the default bench: larger
#: batches gain nothing, the arrays leave the CPU caches; see docs/performance.md).
FRAME_BATCH = 8

__all__ = ["OpticalEngine", "FrameRecord", "TileJob", "DC_SYMBOLS", "FRAME_BATCH"]


@dataclass
class FrameRecord:
    """Codes of the last frame (for tests and run files)."""
    dac: dict = field(default_factory=dict)    # (awg, ch) -> uint16
    scope: dict = field(default_factory=dict)  # (scope, ch) -> uint16


class OpticalEngine:
    def __init__(self, bench, io, calibration: Calibration | None = None,
                 frame: FrameFormat | None = None, seed: int | None = None,
                 gain_offset_db: float = 0.0, laser_offset_db: float = 0.0,
                 averages: int | None = None):
        self.bench, self.io, self.topo = bench, io, bench.topology
        self.scheme = scheme_for(self.topo)
        self.cal = calibration
        self.frame = (calibration.frame if calibration is not None
                      else frame or FrameFormat(symbol_rate=self.topo.symbol_rate_hz))
        self.seed = int(bench.seed if seed is None else seed)
        self.streams = Streams(self.seed)
        self.frames_run = 0
        self.last = FrameRecord()
        self.outputs = self.scheme.outputs(self.topo)
        ranges = (dict(calibration.scope_ranges)
                  if calibration is not None and calibration.scope_ranges else None)
        #: scope set-up; ``averages``: scope records averaged per acquisition
        #: (operating point; topology ``scope_averages``)
        self.scopes = ScopeSetup(io, self.frame, self.outputs, _scopes_in_order(self.outputs),
                                 self.topo.scope_averages if averages is None else averages, ranges)
        self.codec = self.scheme.codec(self)
        self.gain_offset_db = gain_offset_db
        self.laser_offset_db = laser_offset_db
        #: closed-loop weight programming (where the scheme has it, with a
        #: calibration): frames run for each new weight tile to measure the
        #: realised weights and correct the ring settings (0: open loop).
        #: Measured: +0.4 bit noise-free floor at 11.5 GBd, nothing at the
        #: default 2.875 GBd (where it would only cost a frame per new tile): off.
        self.weight_rounds = 0
        self._closed_loop = self.scheme.closed_loop_weights()
        #: decode with the calibrated static FFE (+ per-frame gain/offset/side
        #: terms). Measured: +0.05-0.1 bit at 11.5 GBd single records, -0.3 bit
        #: at the default operating point (the per-frame FFE follows each
        #: frame's mix of port responses): off by default.
        self.static_ffe = False
        #: called with no argument before every frame (e.g. ``RunContext.check_abort``,
        #: so that an abort takes effect within one frame of a long product)
        self.before_frame: Callable[[], None] | None = None
        #: frames per batch on an IO that acquires many frames at once (in process)
        self.frame_batch = FRAME_BATCH
        #: where tile products run: None (here) or a callable(engine, jobs) -> ys
        #: (labctl.mvm.farmed.FarmRunner sends chunks of frames to Dask workers)
        self.runner = None
        self.set_operating_point(gain_offset_db, laser_offset_db)

    @property
    def averages(self) -> int:
        """Scope records averaged per acquisition."""
        return self.scopes.averages

    @averages.setter
    def averages(self, n: int) -> None:
        self.scopes.averages = int(n)

    # ------------------------------------------------------------ operating point
    def laser_powers(self) -> dict[str, float]:
        """Seed laser powers (W) at this operating point."""
        return {e.laser: float(self.bench.instruments[e.laser].settings.get("power", 0.0))
                * 10 ** (self.laser_offset_db / 10) for e in self.topo.edges}

    def set_operating_point(self, gain_offset_db: float = 0.0,
                            laser_offset_db: float = 0.0) -> None:
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

    # ------------------------------------------- drive (labctl.mvm.waveforms, labctl.mvm.rings)
    def awg_rate(self, awg: str) -> tuple[int, float]:
        """(samples per symbol, sample rate Sa/s) of ``awg``."""
        return waveforms.awg_rate(self.bench, self.frame, awg)

    def curve(self, awg: str, ch: int):
        """(codes, normalised transmission) of a modulator: calibrated or nominal."""
        return waveforms.transfer_curve(self.topo, self.io, self.cal, awg, ch)

    def skew(self, edge: str) -> float:
        """Calibrated arrival time (s) of ``edge`` modulo the frame period (0 nominally)."""
        return self.cal.skew_s.get(edge, 0.0) if self.cal is not None else 0.0

    def waveform(self, awg: str, ch: int, u: np.ndarray, skew_s: float = 0.0,
                 raw_codes: np.ndarray | None = None) -> np.ndarray:
        """Symbol values u (n_symbols,) (or ``raw_codes``) -> AWG codes at sps
        samples/symbol, advanced by ``skew_s`` (circularly: the AWG repeats)."""
        sps, rate = self.awg_rate(awg)
        if raw_codes is None:
            bits = self.io.awg_info(awg)["bits"]
            raw_codes = waveforms.symbol_codes(u, self.curve(awg, ch), bits)
        return waveforms.hold_and_skew(raw_codes, sps, rate, skew_s)

    def const_waves(self, codes_by_channel: dict, n: int | None = None) -> dict:
        """{awg: {ch: codes}} holding one constant code per channel (``n``
        symbols long: a short period is enough for DC measurements)."""
        n = self.frame.n_symbols if n is None else n
        waves: dict = {}
        for (awg, ch), code in codes_by_channel.items():
            waves.setdefault(awg, {})[ch] = self.waveform(awg, ch, None, raw_codes=np.full(n, code))
        return waves

    def modulator_channels(self) -> list[tuple[str, int, str | None]]:
        """(awg, channel, edge or None) of every modulator the scheme uses."""
        return self.scheme.modulator_channels(self.topo)

    def heaters_for_weights(self, w_u: np.ndarray) -> dict[int, float]:
        """Unsigned weights w_u [output q, port p] -> heater currents (A) per channel."""
        return rings.heaters_for_weights(self.topo, self.cal, w_u)

    def heater_currents_for(self, p: np.ndarray) -> dict[int, float]:
        """Applied heater powers p [port, line] (W) -> heater currents (A) per channel."""
        return rings.heater_currents(self.topo, p)

    def training(self, shape, index: int | None = None) -> np.ndarray:
        """Training symbols of frame ``index`` (default: the next frame), from
        the ("training", index) stream: a frame's symbols do not depend on batching."""
        index = self.frames_run if index is None else index
        return self.streams.rng("training", index).uniform(0, 1, shape)

    # ------------------------------------------------------------ scopes (labctl.mvm.scope_setup)
    def record_symbols(self, n: int | None) -> None:
        """Shorter scope records (``n`` symbols) for DC measurements; None restores."""
        self.scopes.record_symbols(n)

    def set_ranges(self, ranges: dict | None) -> None:
        """Fix the vertical ranges {(scope, ch): (range, offset)} (None: autorange next frame)."""
        self.scopes.set_ranges(ranges)

    def autorange(self) -> None:
        """Vertical ranges 0 .. AUTORANGE_HEADROOM x the brightest level any
        product can reach (every modulator at u = 1, every weight at 1)."""
        self.scopes.ranges = {k: PROBE_RANGE for k in self.outputs}
        self.scopes.configure()
        chans = self.modulator_channels()
        bits = {a: self.io.awg_info(a)["bits"] for a, _, _ in chans}
        codes = {(a, ch): int(waveforms.symbol_codes(np.ones(1), self.curve(a, ch), bits[a])[0])
                 for a, ch, _ in chans}
        self.io.load_awgs({a: (self.awg_rate(a)[1], waves)
                           for a, waves in self.const_waves(codes, DC_SYMBOLS).items()})
        heaters = self.scheme.bright_heaters(self)
        if heaters is not None:
            self.io.set_heater_currents(heaters)
        volts = self.acquire()
        levels = {key: float(np.mean(volts[key])) for key in self.outputs}
        self.scopes.ranges = ranges_above(levels, AUTORANGE_HEADROOM, AUTORANGE_MARGIN_V)
        self.scopes.configure()

    def prepare(self) -> None:
        """What the first frame needs done once: vertical ranges (autorange
        without a calibration) and the scopes' record set-up."""
        if self.scopes.ranges is None:
            self.autorange()
        self.scopes.ensure_configured()

    # ------------------------------------------------------------ bench IO
    def acquire(self) -> dict:
        """One acquisition -> {(scope, ch): volts}; codes kept in ``last.scope``."""
        codes = self.io.acquire()
        self.last.scope = codes
        return self.io.volts(codes)

    def run(self, waveforms: dict, heaters: dict | None = None) -> dict:
        """Load waveforms {awg: {ch: codes}} (+ heater currents), acquire -> volts.

        Calls :attr:`before_frame` first (it may raise to stop a long product)."""
        if self.before_frame is not None:
            self.before_frame()
        if self.scopes.ranges is None:
            self.autorange()
        load = {awg: (self.awg_rate(awg)[1], chans) for awg, chans in waveforms.items()}
        self.io.load_awgs(load)
        self.last.dac = {(a, ch): c for a, chans in waveforms.items() for ch, c in chans.items()}
        if heaters:
            self.io.set_heater_currents(heaters)
        self.scopes.ensure_configured()
        self.frames_run += 1
        return self.acquire()

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

    # ------------------------------------------------------------ receiver (labctl.mvm.receiver)
    def periods(self, volts: dict) -> dict:
        """(scope, ch) -> one frame period at sps_rx samples/symbol."""
        f = self.frame
        out = {}
        for key, v in volts.items():
            fs = self.io.scope_info(key[0])["sample_rate"]
            out[key] = one_period(v, fs, f.symbol_rate, f.sps_rx, f.n_symbols)[0]
        return out

    def taps(self, volts: dict) -> dict:
        """Scope volts -> {output: tap matrix [slot, taps]}."""
        return frame_taps(volts, self.io, self.frame)

    def static_ffe_for(self, key) -> np.ndarray | None:
        """The calibrated static FFE taps of output ``key`` when :attr:`static_ffe`
        is on (None: the per-frame equaliser trains the full FFE)."""
        if self.cal is None or not self.static_ffe:
            return None
        return self.cal.ffe.get(key)

    def train_static_equalisers(self, frames: int, rng: np.random.Generator) -> dict:
        """Static FFE per output, least squares over ``frames`` frames whose
        every symbol is known (the scheme's ``known_frame``: random inputs and
        weights in [0, 1]): {output key: FFE taps}. The channel is static
        between frames, so this replaces most of what each frame's short
        training section has to estimate; gain, offset and side terms stay per frame."""
        rows: dict = {key: ([], [], []) for key in self.outputs}
        for _ in range(frames):
            drive, known = self.codec.known_frame(rng)
            taps = self.taps(self.run(drive.waves, drive.heaters))
            for key, (side, target) in known.items():
                rows[key][0].append(taps[key])
                rows[key][1].append(side)
                rows[key][2].append(target)
        n = self.frame.taps
        return {key: Equaliser.train(np.vstack(t), np.vstack(s), np.concatenate(y)).coef[:n]
                for key, (t, s, y) in rows.items()}

    # ------------------------------------------------------------ products
    def plan(self, m: int, k: int, b: int) -> Plan:
        """Tiles of an M x K x B product on this bench's frames."""
        tr, tk, tb = self.scheme.tile_shape(k, ports=self.topo.centre.ports,
                                            lanes=len(self.outputs), frame_slots=self.frame.payload)
        return tile_plan(m, k, b, tr, tk, tb, self.scheme.kind)

    def matmul(self, w: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, Plan]:
        """Y = W X through the optics (float64 in, float64 out). Each row of a W
        tile and each column of an X tile is scaled to full scale (and back,
        digitally); a non-negative operand goes to the optics as it is, a
        signed one through the offset encoding of labctl.mvm.signed (its cost
        measured by ``signed_cost`` in labctl.mvm.budget), or, where the scheme
        allows and the frame has room, signed X as positive and negative columns."""
        w = np.asarray(w, float)
        x = np.asarray(x, float)
        if w.ndim != 2 or x.ndim != 2 or w.shape[1] != x.shape[0]:
            raise ValueError(f"shapes do not multiply: W {w.shape}, X {x.shape}")
        plan = self.plan(w.shape[0], w.shape[1], x.shape[1])
        split = self.scheme.supports_split_columns
        y = np.zeros((w.shape[0], x.shape[1]))
        jobs, scales = [], []
        for tile in plan.tiles:
            wt = np.zeros((plan.tile_rows, plan.tile_k))
            xt = np.zeros((plan.tile_k, plan.tile_b))
            wt[:tile.rows, :tile.ks] = w[tile.r0:tile.r0 + tile.rows, tile.k0:tile.k0 + tile.ks]
            xt[:tile.ks, :tile.bs] = x[tile.k0:tile.k0 + tile.ks, tile.b0:tile.b0 + tile.bs]
            sw, sx = row_scales(wt), col_scales(xt)
            wn, xn = wt / sw[:, None], xt / sx[None, :]
            if xt.min() < 0 and split and 2 * tile.bs <= plan.tile_b:
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
        batched = hasattr(self.io, "acquire_frames") and self.frame_batch > 1 and not self._closed()
        if not batched:
            return [job.finish(self._frame(job.w_u, job.x_u)) for job in jobs]
        out = []
        for i in range(0, len(jobs), self.frame_batch):
            chunk = jobs[i:i + self.frame_batch]
            out += [job.finish(y_u) for job, y_u in zip(chunk, self._frames(chunk))]
        return out

    def _closed(self) -> bool:
        """Closed-loop weights on (they run frame after frame)."""
        return bool(self._closed_loop is not None and self.cal is not None and self.weight_rounds)

    def _frame(self, w_u: np.ndarray, x_u: np.ndarray) -> np.ndarray:
        """One tile product: encode, load and acquire, decode."""
        if self._closed():
            return self._closed_loop.frame(self, self.weight_rounds, w_u, x_u)
        drive = self.codec.encode(w_u, x_u)
        return self.codec.decode(w_u, x_u, drive, self.run(drive.waves, drive.heaters))

    def _frames(self, jobs: list) -> list[np.ndarray]:
        """Unsigned tile products of many frames: encode every frame (pure),
        acquire them in one batch, decode every frame (pure)."""
        drives = [self.codec.encode(job.w_u, job.x_u, self.frames_run + i)
                  for i, job in enumerate(jobs)]
        volts = self.run_frames([(d.waves, d.heaters) for d in drives])
        return [self.codec.decode(job.w_u, job.x_u, d, v) for job, d, v in zip(jobs, drives, volts)]

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


def _scopes_in_order(outputs: list) -> list[str]:
    """Scopes of the outputs, in output order (acquisition order)."""
    return list(dict.fromkeys(scope for scope, _ in outputs))


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
    columns of one frame, Y = W max(X, 0) - W max(-X, 0): only W is
    offset-encoded (error x sqrt(2) from the difference instead of x 2 from X's offset)."""
    parts = np.zeros_like(x_s)
    parts[:, :b] = np.maximum(x_s[:, :b], 0)
    parts[:, b:2 * b] = np.maximum(-x_s[:, :b], 0)
    job = _tile_job(w_s, parts, bool(w_s.min() < 0), False)
    return TileJob(job.w_u, job.x_u, job.w_signed, False, split=b)
