"""Runs matrix products frame by frame on one bench (through a bench IO).

:class:`OpticalEngine` orchestrates: a product is tiled (labctl.mvm.plan) into
frame jobs (labctl.mvm.tile_jobs), run here (labctl.mvm.local_frames: the
scheme's frame codec, labctl.mvm.schemes, encodes and decodes, both pure) or by
a runner (labctl.mvm.farmed); the engine loads and acquires each frame through
the bench IO. Parts: transmit side (labctl.mvm.transmitter), scope set-up
(labctl.mvm.scope_setup, labctl.mvm.autorange), receiver (labctl.mvm.receiver,
labctl.mvm.static_ffe), operating point (labctl.mvm.operating_point). The
calibration (labctl.mvm.calibration) is used where present, else nominal design
values (quadrature cos^2 modulators, rings on their design wavelengths, no
skew, ideal AWGR routing).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from labctl.mvm import operating_point
from labctl.mvm.autorange import autorange
from labctl.mvm.calibration import Calibration
from labctl.mvm.dsp import one_period
from labctl.mvm.frames import FrameFormat
from labctl.mvm.local_frames import one_frame, run_here
from labctl.mvm.plan import Plan, tile_plan
from labctl.mvm.schemes import scheme_for
from labctl.mvm.scope_setup import ScopeSetup, output_scopes
from labctl.mvm.signed import decode_offset, to_unsigned
from labctl.mvm.tile_jobs import assemble, product_jobs
from labctl.mvm.transmitter import Transmitter
from sim_backends.physics.streams import Streams

#: Frames acquired per batch in process (labctl.mvm.local_frames; a frame's
#: codes do not depend on its batch, tests/mvm/test_frame_batches.py).  1: frame
#: by frame, which is as fast (default bench, 48-frame product, best of 3: frame by
#: frame 0.36 s, batch 8 0.33 s, batch 32 0.39 s; the speed work measured batch 8 at
#: 0.75-0.91x, docs/performance.md) and lets an abort land before any frame.
FRAME_BATCH = 1

__all__ = ["OpticalEngine", "FrameRecord", "FRAME_BATCH"]


@dataclass
class FrameRecord:
    """Codes of the last frame (for tests and run files)."""
    dac: dict = field(default_factory=dict)    # (awg, ch) -> uint16
    scope: dict = field(default_factory=dict)  # (scope, ch) -> uint16


class OpticalEngine:
    """Products ``Y = W X`` on ``bench`` through its bench IO ``io``, with
    ``calibration`` (None: nominal values), ``frame`` (frame format; a
    calibration's own wins), ``seed`` (default the bench's), the operating point
    (``gain_offset_db``, ``laser_offset_db``: labctl.mvm.operating_point) and
    ``averages`` (scope records per acquisition; default the topology's)."""

    def __init__(self, bench, io, calibration: Calibration | None = None,
                 frame: FrameFormat | None = None, seed: int | None = None,
                 gain_offset_db: float = 0.0, laser_offset_db: float = 0.0,
                 averages: int | None = None):
        self.bench, self.io, self.topo = bench, io, bench.topology
        self.scheme = scheme_for(self.topo)
        self.frame = (calibration.frame if calibration is not None
                      else frame or FrameFormat(symbol_rate=self.topo.symbol_rate_hz))
        self.seed = int(bench.seed if seed is None else seed)
        self.streams = Streams(self.seed)
        self.frames_run = 0
        self.last = FrameRecord()
        self.outputs = self.scheme.outputs(self.topo)
        self.tx = Transmitter(bench, io, self.frame, self.scheme, self.streams, calibration)
        ranges = (dict(calibration.scope_ranges)
                  if calibration is not None and calibration.scope_ranges else None)
        self.scopes = ScopeSetup(io, self.frame, self.outputs, output_scopes(self.outputs),
                                 self.topo.scope_averages if averages is None else averages, ranges)
        self.codec = self.scheme.codec(self)
        #: the scheme's closed-loop weight programming (or None; needs a calibration)
        #: and its frames per new weight tile (0: open loop, the default)
        self.closed_loop = self.scheme.closed_loop_weights()
        self.weight_rounds = 0
        #: decode with the calibrated static FFE (labctl.mvm.static_ffe; off by default)
        self.static_ffe = False
        #: called before every frame (e.g. ``RunContext.check_abort``: an abort
        #: takes effect within one frame of a long product)
        self.before_frame: Callable[[], None] | None = None
        #: frames per batch on an IO that acquires many frames at once (in process)
        self.frame_batch = FRAME_BATCH
        #: where tile products run: None (here) or a callable(engine, jobs) -> ys
        #: (labctl.mvm.farmed.FarmRunner sends chunks of frames to Dask workers)
        self.runner = None
        self.gain_offset_db, self.laser_offset_db = gain_offset_db, laser_offset_db
        operating_point.apply(bench, io, gain_offset_db, laser_offset_db)

    @property
    def cal(self) -> Calibration | None:
        """The calibration in use (None: nominal design values)."""
        return self.tx.cal

    @cal.setter
    def cal(self, cal: Calibration | None) -> None:
        self.tx.cal = cal

    @property
    def averages(self) -> int:
        """Scope records averaged per acquisition."""
        return self.scopes.averages

    @averages.setter
    def averages(self, n: int) -> None:
        self.scopes.averages = int(n)

    def laser_powers(self) -> dict[str, float]:
        """Seed laser powers (W) at this operating point."""
        return operating_point.laser_powers(self.bench, self.laser_offset_db)

    # --------------------------------- drive and scopes (the tx and scopes parts)
    def awg_rate(self, awg: str) -> tuple[int, float]:
        """(samples per symbol, sample rate Sa/s) of ``awg``."""
        return self.tx.awg_rate(awg)

    def skew(self, edge: str) -> float:
        """Calibrated arrival time (s) of ``edge`` modulo the frame period (0 nominally)."""
        return self.tx.skew(edge)

    def waveform(self, awg: str, ch: int, u, skew_s: float = 0.0, raw_codes=None) -> np.ndarray:
        """Symbol values u in [0, 1] (or ``raw_codes``) -> AWG codes (Transmitter.waveform)."""
        return self.tx.waveform(awg, ch, u, skew_s, raw_codes)

    def const_waves(self, codes_by_channel: dict, n: int | None = None) -> dict:
        """{awg: {ch: codes}} holding one code per channel for ``n`` symbols."""
        return self.tx.const_waves(codes_by_channel, n)

    def modulator_channels(self) -> list[tuple[str, int, str | None]]:
        """(awg, channel, edge or None) of every modulator the scheme uses."""
        return self.tx.modulator_channels()

    def record_symbols(self, n: int | None) -> None:
        """Shorter scope records (``n`` symbols) for DC measurements; None restores."""
        self.scopes.record_symbols(n)

    def set_ranges(self, ranges: dict | None) -> None:
        """Fix the vertical ranges {(scope, ch): (range, offset)} (V; None: autorange)."""
        self.scopes.set_ranges(ranges)

    def prepare(self) -> None:
        """What the first frame needs done once: vertical ranges (autorange
        without a calibration) and the scopes' record set-up."""
        if self.scopes.ranges is None:
            autorange(self)
        self.scopes.ensure_configured()

    # ------------------------------------------------------------ bench IO
    def acquire(self) -> dict:
        """One acquisition -> {(scope, ch): volts}; codes kept in ``last.scope``."""
        codes = self.io.acquire()
        self.last.scope = codes
        return self.io.volts(codes)

    def run(self, waveforms: dict, heaters: dict | None = None) -> dict:
        """Load waveforms {awg: {ch: codes}} (+ heater currents, A), acquire -> volts.
        Calls :attr:`before_frame` first (it may raise to stop a long product)."""
        if self.before_frame is not None:
            self.before_frame()
        if self.scopes.ranges is None:
            autorange(self)
        self.io.load_awgs(self._loads(waveforms))
        self._keep_dac(waveforms)
        if heaters:
            self.io.set_heater_currents(heaters)
        self.scopes.ensure_configured()
        self.frames_run += 1
        return self.acquire()

    def run_frames(self, frames: list) -> list[dict]:
        """Frames [(waveforms, heaters)] in one batch of the bench IO's
        ``run_frames`` -> volts per frame: :meth:`run` frame after frame, batched."""
        if self.before_frame is not None:
            for _ in frames:
                self.before_frame()
        self.prepare()
        codes = self.io.run_frames([(self._loads(waves), heaters) for waves, heaters in frames])
        self._keep_dac(frames[-1][0])
        self.last.scope = codes[-1]
        self.frames_run += len(frames)
        return [self.io.volts(c) for c in codes]

    def _loads(self, waveforms: dict) -> dict:
        """{awg: (sample rate Sa/s, {ch: codes})} for the bench IO."""
        return {awg: (self.tx.awg_rate(awg)[1], chans) for awg, chans in waveforms.items()}

    def _keep_dac(self, waveforms: dict) -> None:
        self.last.dac = {(a, ch): c for a, chans in waveforms.items() for ch, c in chans.items()}

    def periods(self, volts: dict) -> dict:
        """(scope, ch) -> one frame period at sps_rx samples/symbol."""
        f = self.frame
        return {key: one_period(v, self.io.scope_info(key[0])["sample_rate"], f.symbol_rate,
                                f.sps_rx, f.n_symbols)[0] for key, v in volts.items()}

    # ------------------------------------------------------------ products
    def plan(self, m: int, k: int, b: int) -> Plan:
        """Tiles of an M x K x B product on this bench's frames."""
        tr, tk, tb = self.scheme.tile_shape(k, ports=self.topo.centre.ports,
                                            lanes=len(self.outputs), frame_slots=self.frame.payload)
        return tile_plan(m, k, b, tr, tk, tb, self.scheme.kind)

    def matmul(self, w: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, Plan]:
        """Y = W X through the optics (float64 in, float64 out), tile by tile
        (labctl.mvm.tile_jobs: scaling and signed encoding)."""
        w, x = np.asarray(w, float), np.asarray(x, float)
        if w.ndim != 2 or x.ndim != 2 or w.shape[1] != x.shape[0]:
            raise ValueError(f"shapes do not multiply: W {w.shape}, X {x.shape}")
        plan = self.plan(w.shape[0], w.shape[1], x.shape[1])
        jobs, scales = product_jobs(plan, w, x, self.scheme.supports_split_columns)
        return assemble(plan, scales, self.run_jobs(jobs)), plan

    def run_jobs(self, jobs: list) -> list[np.ndarray]:
        """Tile products, one frame each, in order: through :attr:`runner` when
        one is set, else here (labctl.mvm.local_frames)."""
        if self.runner is not None and len(jobs) > 1:
            return self.runner(self, jobs)
        return run_here(self, jobs)

    def tile_product(self, w_s: np.ndarray, x_s: np.ndarray, signed: bool = True, *,
                     x_signed: bool | None = None) -> np.ndarray:
        """Tile product through one frame: signed values in [-1, 1] (offset
        encoding), or, with ``signed=False``, values in [0, 1] sent as they
        are. ``x_signed`` (default: ``signed``) sets X's encoding apart from
        W's (``signed``), e.g. W signed and X >= 0 after a ReLU."""
        x_signed = signed if x_signed is None else x_signed
        w_u = to_unsigned(w_s) if signed else np.asarray(w_s, float)
        x_u = to_unsigned(x_s) if x_signed else np.asarray(x_s, float)
        return decode_offset(one_frame(self, w_u, x_u), w_u, x_u, signed, x_signed)
