"""Matrix-product backends and the one entry point :func:`optical_matmul`.

* :class:`DigitalBackend`: numpy, the reference.
* :class:`SimBackend`: the bench's physics in process (state dicts + the
  optical table of sim_backends.table; no sockets). Fast.
* :class:`BenchBackend`: the same engine through the instrument roles and
  drivers (labctl.instruments), i.e. real instruments or the simulated SCPI
  servers over loopback sockets.

Both optical backends run the same :class:`~labctl.mvm.engine.OpticalEngine`,
so for the same bench, seed and calibration they upload the same DAC codes
and the simulated table returns the same scope codes on either path.

``calibration``: a :class:`~labctl.mvm.calibration.Calibration`, the path of
a calibration HDF5 file, ``None`` (calibrate now, on this backend) or
``False`` (no calibration: nominal design values, for comparison).
Operating point: ``frame`` (symbol rate, frame format), ``averages`` (scope
averaging acquisition: records per acquisition; default the topology's
``scope_averages``), ``gain_offset_db``
(edge amplifiers), ``laser_offset_db`` (seed lasers, <= 0 at the bench's maxima).

Every backend exposes ``matmul(W, X) -> Y`` (float64) for the generative
models, and ``run(W, X) -> MatmulResult``.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from labctl.mvm.bench_io import DriverIO, TableIO
from labctl.mvm.calibrate import calibrate
from labctl.mvm.calibration import Calibration
from labctl.mvm.engine import OpticalEngine
from labctl.mvm.frames import FrameFormat
from labctl.mvm.plan import Plan


@dataclass
class MatmulResult:
    """Y = W X as measured, with how it was made."""

    y: np.ndarray
    backend: str
    scheme: str
    plan: Plan | None = None
    frames: int = 0
    calibration: str | None = None
    seed: int | None = None

    @property
    def Y(self) -> np.ndarray:  # noqa: N802 - the matrix name
        return self.y


def _bench(bench):
    if bench is None or isinstance(bench, (str, Path)):
        from labctl.bench import load_bench
        return load_bench(bench)
    return bench


class DigitalBackend:
    """Plain numpy products (the reference)."""

    name = "digital"

    def run(self, w, x) -> MatmulResult:
        return MatmulResult(np.asarray(w, float) @ np.asarray(x, float), self.name, "digital")

    def matmul(self, w, x) -> np.ndarray:
        return self.run(w, x).y


class _OpticalBackend:
    name = "optical"

    def _setup(self, bench, io, calibration, frame, seed, gain_offset_db, laser_offset_db=0.0, averages=None):
        self.bench = bench
        self.io = io
        cal = calibration
        if isinstance(cal, (str, Path)):
            cal = Calibration.load(cal)
        self.engine = OpticalEngine(bench, io, calibration=cal or None, frame=frame, seed=seed,
                                    gain_offset_db=gain_offset_db, laser_offset_db=laser_offset_db,
                                    averages=averages)
        if calibration is None:
            self.engine.cal = calibrate(self.engine)
            self.engine.scopes.ranges = dict(self.engine.cal.scope_ranges)

    @property
    def calibration(self) -> Calibration | None:
        return self.engine.cal

    def run(self, w, x) -> MatmulResult:
        frames0 = self.engine.frames_run
        y, plan = self.engine.matmul(w, x)
        cal = self.engine.cal
        return MatmulResult(y, self.name, plan.scheme, plan, self.engine.frames_run - frames0,
                            cal.path if cal is not None else None, self.engine.seed)

    def matmul(self, w, x) -> np.ndarray:
        return self.run(w, x).y

    def close(self) -> None:
        self.io.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class SimBackend(_OpticalBackend):
    """In-process simulated bench. ``noise``: sim_backends.table.NoiseSwitches."""

    name = "sim"

    def __init__(self, bench=None, seed: int | None = None, calibration=None, noise=None,
                 frame: FrameFormat | None = None, gain_offset_db: float = 0.0, laser_offset_db: float = 0.0,
                 averages: int | None = None):
        bench = _bench(bench)
        io = TableIO(bench, seed=seed, noise=noise)
        self._setup(bench, io, calibration, frame, seed, gain_offset_db, laser_offset_db, averages)

    @property
    def table(self):
        return self.io.table


class BenchBackend(_OpticalBackend):
    """Through the drivers: ``roles`` (name -> role object) or, if omitted,
    ``labctl.instruments.connect_all(bench)``."""

    name = "bench"

    def __init__(self, bench=None, roles: dict | None = None, seed: int | None = None, calibration=None,
                 frame: FrameFormat | None = None, gain_offset_db: float = 0.0, laser_offset_db: float = 0.0,
                 averages: int | None = None):
        bench = _bench(bench)
        opened_here = roles is None
        if roles is None:
            from labctl.instruments import connect_all
            roles = connect_all(bench)
        io = DriverIO(bench, roles)
        try:
            self._setup(bench, io, calibration, frame, seed, gain_offset_db, laser_offset_db,
                        averages)
        except BaseException:
            if opened_here:     # e.g. an unreadable calibration file: no VISA session stays open
                io.close()
            raise


def optical_matmul(w, x, backend) -> MatmulResult:
    """Y = W X on ``backend`` (DigitalBackend, SimBackend or BenchBackend)."""
    return backend.run(w, x)


class open_backend:  # noqa: N801 - used as a context manager, like open()
    """Context manager giving an optical backend for ``bench``.

    ``path``: 'inprocess' (SimBackend; simulated benches only) or 'socket'
    (BenchBackend through the drivers; for a simulated bench the SCPI servers
    are started on 127.0.0.1 for the duration). A bench with real resources
    always uses the drivers. Other keywords go to the backend.
    """

    def __init__(self, bench, path: str = "inprocess", **kw):
        if path not in ("inprocess", "socket"):
            raise ValueError(f"path must be 'inprocess' or 'socket', got {path!r}")
        self.bench, self.path, self.kw = _bench(bench), path, kw
        self._servers = None

    def __enter__(self):
        if self.bench.simulated and self.path == "inprocess":
            self.backend = SimBackend(self.bench, **self.kw)
            return self.backend
        self.kw.pop("noise", None)
        if self.bench.simulated:
            from labctl import sim_servers
            self._servers = sim_servers.start(self.bench)
            self._servers.__enter__()
        try:
            self.backend = BenchBackend(self.bench, **self.kw)
        except BaseException:
            self._stop()
            raise
        return self.backend

    def _stop(self):
        if self._servers is not None:
            self._servers.__exit__(None, None, None)
            self._servers = None

    def __exit__(self, *exc):
        try:
            if hasattr(self, "backend"):
                self.backend.close()
        finally:
            self._stop()
