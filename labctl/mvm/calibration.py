"""Calibration data of a bench and its HDF5 file.

What is stored (per channel, SI units; see :mod:`labctl.mvm.calibrate` for how
it is measured):

* ``skew_s[edge]``: arrival time of each edge node's light at the centre
  relative to the centre clock, modulo the frame period (s): 10 km vs 40 km;
* ``mzm[(awg, ch)]``: modulator transfer, code -> normalised transmission
  (its inverse is the encoder's pre-distortion);
* ``ring_curve_p``, ``ring_curve_v`` [port, line, step]: effective heater
  power (W) and the volts it gives at the ring's output, swept across the red
  side of the notch (holds the lock point, the notch shape and the path gain);
  ``ring_dark`` [port, line]: the output's volts with that port dark;
  ``thermal_xt``: neighbour heater coupling;
* ``awgr_map`` [port, line] -> output: measured port/wavelength routing;
* ``scope_ranges[(scope, ch)]``: vertical range/offset (V).

HDF5 layout: ``/calibration`` (attrs: bench, seed, created, labctl_version,
frame format as JSON) with one dataset per item, ``units`` attribute on each.
"""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import h5py
import numpy as np

from labctl.mvm.frames import FrameFormat


@dataclass
class Calibration:
    frame: FrameFormat
    skew_s: dict[str, float] = field(default_factory=dict)
    mzm: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    ring_curve_p: np.ndarray | None = None
    ring_curve_v: np.ndarray | None = None
    ring_dark: np.ndarray | None = None
    thermal_xt: float = 0.0
    awgr_map: np.ndarray | None = None
    scope_ranges: dict[tuple[str, int], tuple[float, float]] = field(default_factory=dict)
    #: static FFE per output (taps at the frame's sps_rx), trained on fully known frames
    ffe: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)
    bench_name: str = ""
    seed: int = 0
    path: str | None = None

    _ARRAYS = (("ring_curve_p", "W"), ("ring_curve_v", "V"), ("ring_dark", "V"), ("awgr_map", "1"))

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        with h5py.File(path, "w") as f:
            g = f.create_group("calibration")
            g.attrs.update(bench=self.bench_name, seed=self.seed, frame=json.dumps(asdict(self.frame)),
                           created=datetime.now(timezone.utc).isoformat(), thermal_xt=self.thermal_xt)
            from labctl import __version__
            g.attrs["labctl_version"] = __version__
            s = g.create_group("skew")
            for edge, t in self.skew_s.items():
                s.create_dataset(edge, data=t).attrs["units"] = "s"
            m = g.create_group("mzm")
            for (awg, ch), (codes, t) in self.mzm.items():
                d = m.create_dataset(f"{awg}:{ch}", data=np.vstack([codes, t]))
                d.attrs["units"] = "code, 1"
                d.attrs["rows"] = "code, normalised transmission"
            for name, unit in self._ARRAYS:
                v = getattr(self, name)
                if v is not None:
                    g.create_dataset(name, data=v).attrs["units"] = unit
            r = g.create_group("scope_ranges")
            for (scope, ch), (rng, off) in self.scope_ranges.items():
                r.create_dataset(f"{scope}:{ch}", data=[rng, off]).attrs["units"] = "V"
            e = g.create_group("ffe")
            for (scope, ch), coef in self.ffe.items():
                e.create_dataset(f"{scope}:{ch}", data=coef).attrs["units"] = "1 / V"
        self.path = str(path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "Calibration":
        with h5py.File(path, "r") as f:
            g = f["calibration"]
            cal = cls(frame=FrameFormat(**json.loads(g.attrs["frame"])), bench_name=str(g.attrs["bench"]),
                      seed=int(g.attrs["seed"]), thermal_xt=float(g.attrs["thermal_xt"]), path=str(path))
            cal.skew_s = {k: float(v[()]) for k, v in g["skew"].items()}
            for k, v in g["mzm"].items():
                awg, ch = k.rsplit(":", 1)
                cal.mzm[(awg, int(ch))] = (v[0], v[1])
            for name, _ in cls._ARRAYS:
                if name in g:
                    setattr(cal, name, g[name][()])
            for k, v in g["scope_ranges"].items():
                scope, ch = k.rsplit(":", 1)
                cal.scope_ranges[(scope, int(ch))] = (float(v[0]), float(v[1]))
            for k, v in g.get("ffe", {}).items():
                scope, ch = k.rsplit(":", 1)
                cal.ffe[(scope, int(ch))] = v[()]
        return cal
