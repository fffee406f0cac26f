"""The run engine: executes measurement sequences step by step.

Writing a sequence (in ``sequences/<name>.py``)
-----------------------------------------------
A sequence is a plain generator function ``plan(ctx, **params)`` (Bluesky-plan
style) that yields :class:`Step` objects.  It is declared with the
:func:`sequences.sequence` decorator, which names it, declares its parameters
(:class:`Param`) and the streams it writes (:class:`Stream`)::

    import numpy as np
    from labctl.engine import Param, Step, Stream
    from sequences import sequence

    @sequence(
        "noise-demo",
        help="Gaussian noise statistics versus sample count",
        params=[Param("points", int, 4, help="number of steps"),
                Param("sigma", float, 1e-3, unit="V", help="noise rms")],
        streams=[Stream("n", "1", int),
                 Stream("trace", "V", float, shape=lambda p: (256,)),
                 Stream("rms", "V", float, group="metrics")],
    )
    def noise_demo(ctx, points, sigma):
        ctx.set_total(points)                      # for the progress bar
        for i in range(points):
            rng = ctx.rng("noise", i)              # deterministic in (seed, names)
            trace = rng.normal(0, sigma, 256)
            yield Step(f"n={i}", data={"n": i, "trace": (trace, "V")},
                       metrics={"rms": (trace.std(), "V")})

``ctx`` (:class:`RunContext`) holds ``bench`` (:class:`labctl.bench.Bench`),
``params`` (dict), ``seed``, ``rng(*names)`` (a :class:`numpy.random.Generator`
from :class:`sim_backends.physics.streams.Streams`), ``provenance`` (dict of
extra provenance: set ``calibration_file`` or ``model_weights`` =
{name: sha256} in the sequence's ``setup`` hook), ``snapshots`` (instrument
name -> settings dict, recorded under /entry/instruments) and ``state`` (free
dict shared between ``setup`` and the plan).

Streams are declared up front because HDF5 SWMR (which lets another process
watch a running file) cannot create datasets or attributes once live: every
dataset of the run file is created before the first step.  The trade-off: a
step may only write declared streams (anything else raises :class:`RunError`),
and a stream's per-step shape must be known from the parameters
(``shape=lambda params: ...``).  Groups: ``"data"`` (one row per step in
/entry/data; a step that omits a data stream gets the fill value, NaN or 0),
``"metrics"`` (/entry/metrics, appended whenever a step reports it) and
``"images"`` (/entry/images/optical|digital, uint8 [N, H, W]; a run holding
several image sets, e.g. parallel models, adds ``<set>/optical`` streams, which
land in /entry/images/<set>/optical).  A stream name may contain ``/`` to nest
it in a sub-group (e.g. per-model metrics ``fashion-vae/psnr_db``).  Raw integer
codes: ``Stream("codes", "V", np.uint16, shape=..., scale_factor=..., add_offset=...)``
so that volts = codes * scale_factor + add_offset.

Keep each step a pure function of (bench file, parameters, seed, step index)
wherever it touches only the simulated backend: derive randomness from
``ctx.rng(<names including the step index>)``, never from state carried between
steps, so steps can later be farmed out to a distributed engine (Dask)
unchanged (DESIGN.md, "Growing past one machine").

Running
-------
``RunEngine().run(sequence, params, bench, out=path)`` -> :class:`RunResult`.
The engine owns progress (rich bar on a terminal, quiet otherwise), pause /
resume / abort (thread-safe: call :meth:`RunEngine.pause`, :meth:`resume`,
:meth:`abort` from any thread, e.g. a GUI), and Ctrl-C / SIGTERM handling:
the first signal stops after the current step, keeps the data and marks the
run ``aborted``; an exception in the plan marks it ``failed`` (the file keeps
every completed step and the error message).

Subscribers are callables ``callback(doc: dict)`` called in the engine's
thread with documents ``{"kind": "start"|"step"|"pause"|"resume"|"stop", ...}``;
a GUI should hand them to its own thread (e.g. a Qt signal or a queue).
The HDF5 writer (:class:`labctl.runfile.RunWriter`) is the first subscriber.
"""
from __future__ import annotations

import json
import signal
import sys
import threading
import time
import typing
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from labctl.bench import Bench

STATUSES = ("running", "completed", "aborted", "failed")


class RunError(RuntimeError):
    """A sequence broke the engine's rules (undeclared stream, bad shape...)."""


class RunAborted(Exception):
    """Raised inside a long step by :meth:`RunContext.check_abort` once an abort is
    requested; the engine ends the run as ``aborted`` (the step is not recorded)."""


class ParameterError(ValueError):
    """A sequence parameter that is unknown or has a bad value (one-line message)."""


# --------------------------------------------------------------- declarations
@dataclass(frozen=True)
class Param:
    """A sequence parameter: ``type`` is int, float, str, bool or list[int|float|str]."""
    name: str
    type: Any
    default: Any
    unit: str = ""
    help: str = ""
    choices: tuple | None = None

    def type_name(self) -> str:
        origin = typing.get_origin(self.type)
        if origin is list:
            return f"list[{typing.get_args(self.type)[0].__name__}]"
        return self.type.__name__

    def parse(self, text: str) -> Any:
        """Convert a command-line string; raises :class:`ParameterError`."""
        origin = typing.get_origin(self.type)
        if origin is list:
            item = typing.get_args(self.type)[0]
            parts = [t for t in text.replace(" ", "").split(",") if t]
            return self.check([self._scalar(item, t) for t in parts])
        return self.check(self._scalar(self.type, text))

    def _scalar(self, kind, text: str):
        try:
            if kind is bool:
                lowered = text.strip().lower()
                if lowered in ("1", "true", "yes", "on"):
                    return True
                if lowered in ("0", "false", "no", "off"):
                    return False
                raise ValueError(text)
            return kind(text)
        except ValueError:
            raise ParameterError(
                f"parameter {self.name}: expected {kind.__name__}, got {text!r}") from None

    def check(self, value: Any) -> Any:
        """Validate (and coerce int -> float) a Python value."""
        origin = typing.get_origin(self.type)
        if origin is list:
            item = typing.get_args(self.type)[0]
            if not isinstance(value, (list, tuple)):
                raise ParameterError(f"parameter {self.name}: expected a list of {item.__name__}")
            value = [self._coerce(item, v) for v in value]
            if self.choices is not None:
                for v in value:
                    self._in_choices(v)
            return value
        value = self._coerce(self.type, value)
        self._in_choices(value)
        return value

    def _coerce(self, kind, value):
        if kind is float and isinstance(value, (int, np.integer)) and not isinstance(value, bool):
            return float(value)
        if kind is int and isinstance(value, np.integer):
            return int(value)
        if kind is float and isinstance(value, np.floating):
            return float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise ParameterError(
                f"parameter {self.name}: expected {kind.__name__}, got {value!r}")
        return value

    def _in_choices(self, value):
        if self.choices is not None and value not in self.choices:
            raise ParameterError(f"parameter {self.name}: expected one of "
                                 f"{', '.join(map(str, self.choices))}, got {value!r}")


@dataclass(frozen=True)
class Stream:
    """A declared output of a sequence (one HDF5 dataset).

    ``shape``: per-step shape, a tuple or ``callable(params) -> tuple``.
    ``group``: "data" | "metrics" | "images" (images: name optical|digital,
    dtype uint8, shape (H, W)).  ``scale_factor``/``add_offset``: for raw
    integer codes, physical value = code * scale_factor + add_offset (numbers
    or ``callable(params, bench) -> float``).
    """
    name: str
    unit: str
    dtype: Any = float
    shape: Any = ()
    group: str = "data"
    help: str = ""
    scale_factor: Any = None
    add_offset: Any = None

    def resolve(self, params: dict, bench: Bench) -> dict:
        """Plain description with shape/scales evaluated (goes to the start document)."""
        shape = self.shape(params) if callable(self.shape) else self.shape
        desc = {"name": self.name, "unit": self.unit, "dtype": np.dtype(self.dtype).str,
                "shape": tuple(int(n) for n in shape), "group": self.group, "help": self.help}
        for key in ("scale_factor", "add_offset"):
            value = getattr(self, key)
            desc[key] = None if value is None else float(value(params, bench) if callable(value) else value)
        if self.group not in ("data", "metrics", "images"):
            raise RunError(f"stream {self.name}: group must be data, metrics or images")
        if self.group == "images" and (self.name.rsplit("/", 1)[-1] not in ("optical", "digital")
                                       or len(desc["shape"]) != 2):
            raise RunError(f"image stream {self.name}: name [<set>/]optical|digital with shape (H, W)")
        return desc


@dataclass
class Sequence:
    """A registered sequence: the plan generator function and its declarations."""
    name: str
    plan: Callable[..., Iterator["Step"]]
    params: list[Param] = field(default_factory=list)
    streams: list[Stream] | Callable[[dict], list[Stream]] = field(default_factory=list)
    help: str = ""
    setup: Callable[["RunContext"], None] | None = None

    def stream_list(self, params: dict) -> list[Stream]:
        """The declared streams; ``streams`` may be a callable of the parameters
        when the set of streams depends on them (e.g. one image set per model)."""
        return list(self.streams(params)) if callable(self.streams) else list(self.streams)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        known = ", ".join(p.name for p in self.params) or "none"
        raise ParameterError(f"sequence {self.name} has no parameter {name!r} (known: {known})")

    def resolve_params(self, given: dict[str, Any] | None = None,
                       text: dict[str, str] | None = None) -> dict[str, Any]:
        """Defaults, overridden by Python values ``given`` and command-line ``text``."""
        values = {p.name: p.default for p in self.params}
        for name, value in (given or {}).items():
            values[name] = self.param(name).check(value)
        for name, value in (text or {}).items():
            values[name] = self.param(name).parse(value)
        return values


@dataclass
class Step:
    """One completed step of a plan.

    ``data``/``metrics``: stream name -> value or (value, unit); the unit, when
    given, must equal the declared one.  ``images``: "optical"/"digital" ->
    uint8 array [H, W] or [n, H, W].
    """
    name: str
    data: dict[str, Any] = field(default_factory=dict)
    metrics: dict[str, Any] = field(default_factory=dict)
    images: dict[str, np.ndarray] = field(default_factory=dict)


# --------------------------------------------------------------- run context
class RunContext:
    """What a plan sees: bench, parameters, seed, random streams, provenance."""

    def __init__(self, bench: Bench, params: dict, seed: int):
        from sim_backends.physics.streams import Streams
        self.bench = bench
        self.params = params
        self.seed = int(seed)
        self.streams = Streams(self.seed)
        self.provenance: dict[str, Any] = {}
        self.snapshots: dict[str, dict] = {}
        self.state: dict[str, Any] = {}
        self.total: int | None = None
        self.aborting = threading.Event()
        self.abort_requested = threading.Event()   # set by the engine on abort / Ctrl-C / SIGTERM

    def check_abort(self) -> None:
        """Raise :class:`RunAborted` if an abort was requested: call it inside steps that
        take long (e.g. between optical products) so that abort takes effect within them."""
        if self.abort_requested.is_set():
            raise RunAborted("abort requested during a step")

    def rng(self, *names) -> np.random.Generator:
        """Deterministic generator for ``(seed, names)``; include the step index."""
        return self.streams.rng(*names)

    def set_total(self, steps: int) -> None:
        """Announce the number of steps (for progress reporting)."""
        self.total = int(steps)


@dataclass
class RunResult:
    path: Path | None
    status: str
    steps: int
    error: str = ""
    metrics: dict[str, list] = field(default_factory=dict)
    exception: BaseException | None = None  # the plan's exception when status == 'failed'


# --------------------------------------------------------------- the engine
class RunEngine:
    """Executes one sequence at a time; see the module docstring."""

    def __init__(self, subscribers: list[Callable[[dict], None]] | None = None,
                 progress: bool | None = None):
        self.subscribers: list[Callable[[dict], None]] = list(subscribers or [])
        self.progress = sys.stderr.isatty() if progress is None else progress
        self._running = threading.Event()
        self._running.set()             # set = not paused
        self._abort = threading.Event()
        self._signals = 0

    # -- control, safe from any thread
    def pause(self) -> None:
        """Pause after the current step."""
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    def abort(self) -> None:
        """Stop after the current step; the run is marked 'aborted'."""
        self._abort.set()
        self._running.set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def subscribe(self, callback: Callable[[dict], None]) -> None:
        self.subscribers.append(callback)

    # -- running
    def run(self, seq: Sequence | str, params: dict | None = None, bench: Bench | None = None,
            out: str | Path | None = None, seed: int | None = None,
            param_text: dict[str, str] | None = None) -> RunResult:
        """Run ``seq`` to completion, abort or failure; returns a :class:`RunResult`.

        ``out``: HDF5 run file to write (None: no file).  ``seed``: None takes
        ``bench.seed``.  Raises :class:`ParameterError` before anything starts
        if a parameter is unknown or invalid.
        """
        from labctl.bench import load_bench
        if isinstance(seq, str):
            import sequences
            seq = sequences.get(seq)
        bench = bench if bench is not None else load_bench()
        values = seq.resolve_params(params, param_text)
        ctx = RunContext(bench, values, bench.seed if seed is None else seed)
        ctx.abort_requested = self._abort
        self._abort.clear()
        self._running.set()
        self._signals = 0
        subscribers = list(self.subscribers)
        if out is not None:
            from labctl.runfile import RunWriter
            subscribers.insert(0, RunWriter(out))
        if self.progress:
            subscribers.append(ConsoleProgress())
        metrics: dict[str, list] = {}
        steps, status, error, exception = 0, "running", "", None
        with self._signal_handlers():
            if seq.setup is not None:
                seq.setup(ctx)
            streams = {s.name: s.resolve(values, bench) for s in seq.stream_list(values)}
            plan = seq.plan(ctx, **values)
            # the first step may call ctx.set_total(); start document goes out before it
            start = {"kind": "start", "sequence": seq.name, "params": values, "seed": ctx.seed,
                     "bench": bench, "streams": streams, "provenance": ctx.provenance,
                     "snapshots": ctx.snapshots, "start_time": _now(), "total": ctx.total}
            _publish(subscribers, start)
            try:
                for step in plan:
                    doc = self._step_document(step, steps, streams, ctx)
                    _publish(subscribers, doc)
                    for name, (value, _) in doc["metrics"].items():
                        metrics.setdefault(name, []).append(value)
                    steps += 1
                    if self._wait_if_paused(subscribers):
                        ctx.aborting.set()
                        plan.close()
                        status = "aborted"
                        break
                else:
                    status = "completed"
            except RunAborted:  # abort inside a step: the completed steps stay
                status = "aborted"
                ctx.aborting.set()
                plan.close()
            except Exception as exc:  # the plan or a subscriber failed: keep data, mark failed
                status, error, exception = "failed", f"{type(exc).__name__}: {exc}", exc
                plan.close()
            stop = {"kind": "stop", "status": status, "error": error, "steps": steps,
                    "end_time": _now()}
            _publish(subscribers, stop)
        return RunResult(Path(out) if out is not None else None, status, steps, error, metrics, exception)

    def _step_document(self, step: Step, index: int, streams: dict, ctx: RunContext) -> dict:
        if not isinstance(step, Step):
            raise RunError(f"a plan must yield labctl.engine.Step objects, got {type(step).__name__}")
        doc = {"kind": "step", "index": index, "name": step.name, "time": time.time(),
               "total": ctx.total, "data": {}, "metrics": {}, "images": {}}
        for group, items in (("data", step.data), ("metrics", step.metrics), ("images", step.images)):
            for name, value in items.items():
                desc = streams.get(name)
                if desc is None or desc["group"] != group:
                    raise RunError(f"step {step.name!r} wrote undeclared {group} stream {name!r}; "
                                   f"declare it with Stream(..., group={group!r})")
                if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], str):
                    value, unit = value
                    if unit != desc["unit"]:
                        raise RunError(f"stream {name}: unit {unit!r} differs from declared {desc['unit']!r}")
                doc[group][name] = (np.asarray(value), desc["unit"])
        return doc

    def _wait_if_paused(self, subscribers) -> bool:
        """Block while paused; True if the run must stop."""
        if self._abort.is_set():
            return True
        if not self._running.is_set():
            _publish(subscribers, {"kind": "pause"})
            self._running.wait()
            if self._abort.is_set():
                return True
            _publish(subscribers, {"kind": "resume"})
        return self._abort.is_set()

    def _signal_handlers(self):
        """SIGINT/SIGTERM -> abort after the current step (second SIGINT: stop now)."""
        engine = self

        class _Handlers:
            def __enter__(self):
                self.saved = {}
                if threading.current_thread() is not threading.main_thread():
                    return self
                for sig in (signal.SIGINT, signal.SIGTERM):
                    self.saved[sig] = signal.signal(sig, self.handle)
                return self

            def handle(self, signum, frame):
                engine._signals += 1
                if signum == signal.SIGINT and engine._signals > 1:
                    raise KeyboardInterrupt
                engine.abort()

            def __exit__(self, *exc):
                for sig, handler in self.saved.items():
                    signal.signal(sig, handler)

        return _Handlers()


def _publish(subscribers, doc: dict) -> None:
    for callback in subscribers:
        callback(doc)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class ConsoleProgress:
    """Subscriber drawing a rich progress bar (used when stderr is a terminal)."""

    def __init__(self):
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TextColumn("{task.fields[step]}"),
                            console=Console(stderr=True), transient=False)
        self.task = None

    def __call__(self, doc: dict) -> None:
        kind = doc["kind"]
        if kind == "start":
            self.bar.start()
            self.task = self.bar.add_task(doc["sequence"], total=doc["total"], step="")
        elif kind == "step":
            self.bar.update(self.task, advance=1, total=doc["total"], step=doc["name"])
        elif kind == "pause":
            self.bar.update(self.task, step="paused")
        elif kind == "stop":
            self.bar.update(self.task, step=doc["status"])
            self.bar.stop()


def to_json(value: Any) -> str:
    """JSON text of parameters (numpy scalars and tuples converted)."""
    def default(obj):
        if isinstance(obj, np.generic):
            return obj.item()
        if isinstance(obj, np.ndarray):
            return obj.tolist()
        if isinstance(obj, Path):
            return str(obj)
        raise TypeError(f"not JSON serialisable: {type(obj).__name__}")
    return json.dumps(value, default=default, sort_keys=True)
