"""HDF5 run files: the writer (an engine subscriber) and a reader.

Layout (the contract of docs/DESIGN.md; every dataset has a ``units`` attribute,
"" for text)::

    /entry                     NX_class=NXentry; attrs sequence, status
                               ('running'|'completed'|'aborted'|'failed'),
                               start_time, end_time (ISO 8601, "" while running),
                               labctl_version, error ("" unless failed)
    /entry/provenance          labctl_version, git_commit, git_dirty, bench_config (TOML
                               text), bench_path, parameters (JSON), seeds (JSON),
                               versions (JSON), calibration_file, model_weights (JSON
                               name -> sha256), plus any other ctx.provenance entry
    /entry/instruments/<name>  role, model, resource (attrs); settings and limits as
                               scalar datasets with units (nested dicts -> subgroups)
    /entry/data/<stream>       [steps, *shape], one row per step, chunked, resizable;
                               step_name (S64), step_time (s since start)
    /entry/metrics/<name>      [n, *shape], appended whenever a step reports it
    /entry/images/optical      uint8 [N, H, W]; /entry/images/digital likewise
    /entry/live                status (S16: running|paused|completed|aborted|failed),
                               steps_done, total (-1 = unknown), last_step, updated
                               (unix time, s): small datasets updated in place;
                               writer (JSON: pid, host, boot_id, start_ticks of the
                               writing process, written once)

SWMR: the file is created with ``libver="latest"``; every group, dataset and
attribute is created before ``swmr_mode`` is switched on, because changing an
attribute afterwards corrupts what a live reader sees (docs/DESIGN.md pitfalls).
Live state therefore goes to /entry/live; the /entry attributes status,
end_time and error are set once, after the SWMR session is closed, by
reopening the file normally.  Each step is appended and flushed, so a run
killed with SIGKILL leaves a file holding every completed step; it still
carries status 'running' and HDF5's "open for write" flag, which ordinary
readers refuse.  :func:`open_run` (and so :func:`read_summary`, ``labctl show``
and the GUI) recovers such a file once its writer is known to be gone
(:mod:`labctl.recover`: flags cleared, status 'failed', error 'killed: ...');
while the writer runs, or when it cannot be checked (another host), it reads
in SWMR mode, which ignores that flag.  A run that ends without its stop
document (a second Ctrl-C, an error outside the plan) is closed by
:meth:`RunWriter.close` with status 'failed' and error 'interrupted: ...'.

Files are written by h5py 3.16 with the bundled HDF5 2.0 and ``libver="latest"``;
readers need HDF5 >= 1.10 (SWMR, version-3 superblock).
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

import h5py
import numpy as np

import labctl
from labctl.jsonable import to_json
from labctl.recover import (
    RecoveryRefused,
    needs_recovery,
    read_writer,
    writer_record,
    writer_state,
)
from labctl.recover import recover as recover_file

_TEXT = h5py.string_dtype("utf-8")
_NAME_LEN = 64


class RunWriter:
    """Engine subscriber writing one HDF5 run file (see module docstring)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.file: h5py.File | None = None
        self.t0 = 0.0
        self.streams: dict[str, dict] = {}
        self.steps = 0

    def __call__(self, doc: dict) -> None:
        getattr(self, f"_on_{doc['kind']}")(doc)

    def close(self) -> None:
        """Close the file if a run ended without its stop document (the engine calls this
        on every exit; after a stop document it does nothing).  Every appended step is
        already flushed; the file is then marked /entry status 'failed', error
        'interrupted: ...' and live status 'failed' (best effort: an error doing so is
        not raised over the one that ended the run)."""
        if self.file is None:
            return
        self.file.close()
        self.file = None
        try:
            with h5py.File(self.path, "r+", libver="latest", locking=False) as f:
                f["entry"].attrs.update({
                    "status": "failed", "end_time": _now_iso(),
                    "error": "interrupted: the run ended without its stop document (a second "
                             "Ctrl-C, or an error outside the plan); "
                             f"{self.steps} completed steps kept"})
                if "entry/live/status" in f:
                    f["entry/live/status"][()] = np.bytes_("failed")
        except (OSError, KeyError):   # e.g. the start document failed half way
            pass

    # -- start: build the whole layout, then switch SWMR on
    def _on_start(self, doc: dict) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.t0 = time.time()
        self.streams = doc["streams"]
        f = self.file = h5py.File(self.path, "w", libver="latest")
        entry = f.create_group("entry")
        entry.attrs.update({"NX_class": "NXentry", "sequence": doc["sequence"], "status": "running",
                            "start_time": doc["start_time"], "end_time": "",
                            "labctl_version": labctl.__version__, "error": ""})
        _write_provenance(entry.create_group("provenance"), doc)
        instruments = entry.create_group("instruments")
        instruments.attrs["NX_class"] = "NXcollection"
        bench = doc["bench"]
        for name, inst in bench.instruments.items():
            group = instruments.create_group(name)
            group.attrs.update({"NX_class": "NXinstrument", "role": inst.role,
                                "model": inst.model, "resource": inst.resource})
            _write_settings(group.create_group("settings"), inst.settings)
            limits = {k: v for k, v in inst.limits.model_dump().items() if v is not None}
            _write_settings(group.create_group("limits"), limits)
            if name in doc["snapshots"]:
                _write_settings(group.create_group("snapshot"), doc["snapshots"][name])
        data = entry.create_group("data")
        data.attrs["NX_class"] = "NXcollection"
        _create(data, "step_name", f"S{_NAME_LEN}", (), "", "name of each step")
        _create(data, "step_time", "<f8", (), "s", "time of each step since the run started")
        metrics = entry.create_group("metrics")
        metrics.attrs["NX_class"] = "NXcollection"
        images = entry.create_group("images")
        images.attrs["NX_class"] = "NXcollection"
        groups = {"data": data, "metrics": metrics, "images": images}
        for desc in self.streams.values():
            dset = _create(groups[desc["group"]], desc["name"], desc["dtype"], desc["shape"],
                           desc["unit"], desc["help"])
            for key in ("scale_factor", "add_offset"):
                if desc[key] is not None:
                    dset.attrs[key] = desc[key]
        live = entry.create_group("live")
        live.attrs["NX_class"] = "NXcollection"
        _scalar(live, "status", np.bytes_("running"), "S16", "")
        _scalar(live, "steps_done", 0, "<i8", "1")
        _scalar(live, "total", -1 if doc["total"] is None else doc["total"], "<i8", "1")
        _scalar(live, "last_step", np.bytes_(""), f"S{_NAME_LEN}", "")
        _scalar(live, "updated", time.time(), "<f8", "s")
        _scalar(live, "writer", json.dumps(writer_record()), _TEXT, "")
        f.swmr_mode = True
        f.flush()

    # -- step: append every stream, update live, flush
    def _on_step(self, doc: dict) -> None:
        entry = self.file["entry"]
        data = entry["data"]
        n = doc["index"]
        _append(data["step_name"], np.bytes_(doc["name"][:_NAME_LEN].encode()), n)
        _append(data["step_time"], doc["time"] - self.t0, n)
        for desc in self.streams.values():
            if desc["group"] != "data":
                continue
            dset = data[desc["name"]]
            if desc["name"] in doc["data"]:
                value = _conform(doc["data"][desc["name"]][0], desc)
            else:
                value = np.full(desc["shape"], _fill(dset.dtype), dtype=dset.dtype)
            _append(dset, value, n)
        for name, (value, _) in doc["metrics"].items():
            dset = entry["metrics"][name]
            _append(dset, _conform(value, self.streams[name]), dset.shape[0])
        for name, (value, _) in doc["images"].items():
            dset = entry["images"][name]
            value = _conform_images(value, self.streams[name])
            start = dset.shape[0]
            dset.resize(start + value.shape[0], axis=0)
            dset[start:] = value
        live = entry["live"]
        live["steps_done"][()] = n + 1
        live["total"][()] = -1 if doc["total"] is None else doc["total"]
        live["last_step"][()] = np.bytes_(doc["name"][:_NAME_LEN].encode())
        live["updated"][()] = time.time()
        self.file.flush()
        self.steps = n + 1

    def _on_pause(self, doc: dict) -> None:
        self._live_status("paused")

    def _on_resume(self, doc: dict) -> None:
        self._live_status("running")

    def _live_status(self, status: str) -> None:
        self.file["entry/live/status"][()] = np.bytes_(status)
        self.file["entry/live/updated"][()] = time.time()
        self.file.flush()

    # -- stop: final live status, close SWMR, then set the /entry attributes
    def _on_stop(self, doc: dict) -> None:
        if self.file is None:
            return
        self._live_status(doc["status"])
        self.file.close()
        self.file = None
        with h5py.File(self.path, "r+", libver="latest", locking=False) as f:
            f["entry"].attrs.update({"status": doc["status"], "end_time": doc["end_time"],
                                     "error": doc["error"]})


# --------------------------------------------------------------- writing helpers
def _now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


def _create(group: h5py.Group, name: str, dtype, shape: tuple, unit: str,
            help: str) -> h5py.Dataset:
    shape = tuple(shape)
    row = int(np.prod(shape)) * np.dtype(dtype).itemsize or 1
    rows = max(1, min(1024, (256 * 1024) // row))  # chunks of ~256 KiB, at least one row
    dset = group.create_dataset(name, shape=(0, *shape), maxshape=(None, *shape),
                                chunks=(rows, *shape), dtype=dtype)
    dset.attrs["units"] = unit
    if help:
        dset.attrs["long_name"] = help
    return dset


def _scalar(group: h5py.Group, name: str, value, dtype, unit: str) -> h5py.Dataset:
    dset = group.create_dataset(name, data=value, dtype=dtype)
    dset.attrs["units"] = unit
    return dset


def _append(dset: h5py.Dataset, value, index: int) -> None:
    dset.resize(index + 1, axis=0)
    dset[index] = value


def _fill(dtype: np.dtype):
    return np.nan if dtype.kind in "fc" else 0


def _conform(value, desc: dict) -> np.ndarray:
    """Check shape and dtype of one row against its declaration."""
    arr = np.asarray(value)
    target = np.dtype(desc["dtype"])
    if arr.shape != tuple(desc["shape"]):
        raise ValueError(f"stream {desc['name']}: shape {arr.shape} differs from declared "
                         f"{tuple(desc['shape'])}")
    if target.kind in "iu":
        if arr.dtype.kind not in "iub":
            raise ValueError(f"stream {desc['name']}: integer stream got {arr.dtype} values")
        info = np.iinfo(target)
        if arr.size and (arr.min() < info.min or arr.max() > info.max):
            raise ValueError(f"stream {desc['name']}: values outside {target} range")
    return arr.astype(target)


def _conform_images(value, desc: dict) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim == 2:
        arr = arr[None]
    if arr.shape[1:] != tuple(desc["shape"]) or arr.dtype != np.uint8:
        raise ValueError(f"images/{desc['name']}: expected uint8 [n, {desc['shape'][0]}, "
                         f"{desc['shape'][1]}], got {arr.dtype} {arr.shape}")
    return arr


def _write_settings(group: h5py.Group, settings: dict) -> None:
    """Settings as scalar datasets with units (guessed from the SI key name)."""
    for key, value in settings.items():
        key = str(key)
        if isinstance(value, dict):
            _write_settings(group.create_group(key), value)
            continue
        if isinstance(value, str):
            dset = group.create_dataset(key, data=value, dtype=_TEXT)
        else:
            dset = group.create_dataset(key, data=np.asarray(value))
        dset.attrs["units"] = unit_of_setting(key) if not isinstance(value, str) else ""


#: SI units of the setting and limit keys used by bench files (INTERFACES.md).
SETTING_UNITS = {"wavelength": "m", "power": "W", "sample_rate": "Sa/s", "vpp": "V", "offset": "V",
                 "voltage": "V", "current": "A", "gain": "dB", "range": "V", "bits": "1",
                 "points": "1", "output": "1", "enabled": "1",
                 "max_laser_power": "W", "max_modulator_voltage": "V", "max_modulator_current": "A",
                 "max_heater_voltage": "V", "max_heater_current": "A"}


def unit_of_setting(key: str) -> str:
    """Unit of a setting key: the table above, or a ``_dbm``/``_db``/``_hz``... suffix."""
    if key in SETTING_UNITS:
        return SETTING_UNITS[key]
    for suffix, unit in (("_dbm", "dBm"), ("_db", "dB"), ("_hz", "Hz"), ("_m", "m"), ("_s", "s"),
                         ("_w", "W"), ("_v", "V"), ("_a", "A")):
        if key.endswith(suffix):
            return unit
    return "1"


def _write_provenance(group: h5py.Group, doc: dict) -> None:
    group.attrs["NX_class"] = "NXcollection"
    bench = doc["bench"]
    commit, dirty = git_state()
    extra = dict(doc["provenance"])
    entries = {
        "labctl_version": labctl.__version__,
        "git_commit": commit,
        "git_dirty": dirty,
        "bench_config": bench.source_text,
        "bench_path": str(bench.path) if bench.path else "<embedded>",
        "parameters": to_json(doc["params"]),
        "seeds": to_json({"run_seed": doc["seed"], "bench_seed": bench.seed}),
        "versions": to_json(package_versions()),
        "calibration_file": str(extra.pop("calibration_file", "")),
        "model_weights": to_json(extra.pop("model_weights", {})),
    }
    for key, value in extra.items():
        entries[key] = value if isinstance(value, (str, int, float, bool)) else to_json(value)
    for key, value in entries.items():
        if isinstance(value, str):
            dset = group.create_dataset(key, data=value, dtype=_TEXT)
        else:
            dset = group.create_dataset(key, data=value)
        dset.attrs["units"] = ""


def git_state() -> tuple[str, bool]:
    """(commit hash, dirty flag) of the source tree labctl runs from; ("unknown", False) if none."""
    root = Path(labctl.__file__).resolve().parent.parent
    try:
        commit = subprocess.run(["git", "-C", str(root), "rev-parse", "HEAD"], capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        status = subprocess.run(["git", "-C", str(root), "status", "--porcelain",
                                 "--untracked-files=no"],
                                capture_output=True, text=True, timeout=10, check=True).stdout
        return commit, bool(status.strip())
    except (OSError, subprocess.SubprocessError):
        return "unknown", False


def package_versions() -> dict[str, str]:
    """Versions of Python, HDF5 and the packages a run depends on."""
    versions = {"python": sys.version.split()[0], "hdf5": h5py.version.hdf5_version}
    for name in ("numpy", "scipy", "h5py", "pydantic", "pyvisa", "pyvisa-py", "pymeasure", "torch"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            pass
    return versions


# --------------------------------------------------------------- reading
def open_run(path: str | Path, recover: bool = True) -> h5py.File:
    """Open a run file read-only, whether finished, still being written or killed.

    A file being written (or whose writer was killed) carries HDF5's "open for
    write" flag; SWMR read mode is the documented way to read it while its writer
    runs.  ``recover``: a file whose writer is known to be gone (killed, or closed
    without its final status) is first recovered in place
    (:func:`labctl.recover.recover`), so it opens, here and in any other reader,
    as an ordinary file with status 'failed'; a file that cannot be recovered
    (read-only, writer unknown) is opened as before.
    """
    return _open(path, recover)[0]


def _open(path: str | Path, recovering: bool) -> tuple[h5py.File, str]:
    """(open file, recovery report text or "") for :func:`open_run`."""
    try:
        f = _open_plain_or_swmr(path)
    except OSError as exc:   # flagged by a write session that was not SWMR: no reader opens it
        if not recovering or "not already open for SWMR writing" not in str(exc) \
                or not needs_recovery(path):
            raise
    else:
        if not recovering:
            return f, ""
        try:
            entry = f.get("entry")
            unfinished = f.swmr_mode or (entry is not None
                                         and entry.attrs.get("status") == "running")
            if not unfinished or writer_state(read_writer(f)) != "dead":
                return f, ""
        except Exception:
            f.close()
            raise
        f.close()
    try:
        report = recover_file(path).text()
    except (RecoveryRefused, OSError, ValueError, KeyError):
        report = ""
    return _open_plain_or_swmr(path), report


def _open_plain_or_swmr(path: str | Path) -> h5py.File:
    try:
        return h5py.File(path, "r", locking=False)
    except OSError as exc:
        if "already open for write" not in str(exc):
            raise
        return h5py.File(path, "r", swmr=True, locking=False)


@dataclass
class RunSummary:
    """What ``labctl show`` prints; ``metrics``/``data``: name -> (array, unit)."""
    path: Path
    sequence: str
    status: str
    live_status: str
    start_time: str
    end_time: str
    steps: int
    error: str
    params: dict[str, Any]
    provenance: dict[str, Any]
    metrics: dict[str, tuple[np.ndarray, str]] = field(default_factory=dict)
    data: dict[str, tuple[np.ndarray, str]] = field(default_factory=dict)
    images: dict[str, tuple[int, ...]] = field(default_factory=dict)
    #: what :func:`open_run` did to recover the file ("" if nothing)
    recovered: str = ""
    #: the writer process of a file still 'running': alive | dead | unknown ("" otherwise)
    writer: str = ""


def read_summary(path: str | Path, recover: bool = True) -> RunSummary:
    """Read the contract parts of a run file (see module docstring); ``recover``:
    as for :func:`open_run`."""
    f, recovered = _open(path, recover)
    with f:
        entry = f["entry"]
        prov = {k: _value(d) for k, d in entry["provenance"].items()}
        live = entry["live"]
        return RunSummary(
            path=Path(path), sequence=str(entry.attrs["sequence"]),
            status=str(entry.attrs["status"]),
            live_status=_value(live["status"]), start_time=str(entry.attrs["start_time"]),
            end_time=str(entry.attrs["end_time"]), steps=int(live["steps_done"][()]),
            error=str(entry.attrs.get("error", "")),
            params=json.loads(prov.get("parameters", "{}")),
            provenance=prov,
            metrics={k: (d[()], str(d.attrs["units"])) for k, d in _datasets(entry["metrics"])},
            data={k: (d[()], str(d.attrs["units"])) for k, d in _datasets(entry["data"])},
            images={k: d.shape for k, d in _datasets(entry["images"])},
            recovered=recovered,
            writer=(writer_state(read_writer(f)) if entry.attrs["status"] == "running" else ""),
        )


def _datasets(group: h5py.Group) -> list[tuple[str, h5py.Dataset]]:
    """Every dataset below ``group`` as (path relative to it, dataset), nested ones included."""
    found = []
    group.visititems(lambda name, obj: found.append((name, obj))
                     if isinstance(obj, h5py.Dataset) else None)
    return found


def _value(dset: h5py.Dataset):
    value = dset[()]
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.generic):
        return value.item()
    return value
