"""The run engine: executes measurement sequences step by step.

Writing a sequence (in ``sequences/<name>.py``)
-----------------------------------------------
A sequence is a plain generator function ``plan(ctx, **params)`` (Bluesky-plan
style) that yields :class:`Step` objects.  It is declared with the
:func:`sequences.sequence` decorator (:func:`labctl.registry.sequence`), which
names it, declares its parameters (:class:`Param`) and the streams it writes
(:class:`Stream`)::

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

Set-up: ``@sequence(..., setup=f)``; ``f(ctx)`` runs before the run file is
created and returns a context manager (or None) that the engine enters in the
run's :class:`contextlib.ExitStack` and exits when the run ends, however it ends
(like bluesky's ``finalize_wrapper``).  Whatever the set-up opens (simulated
servers, VISA sessions, a backend) belongs in its ``with`` blocks, so a set-up
that raises half way releases what it had opened::

    @contextlib.contextmanager
    def _setup(ctx):
        ctx.provenance["calibration_file"] = ...
        with open_backend(ctx.bench, path="socket") as backend:
            ctx.state["backend"] = backend          # the plan takes it from here
            yield

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
unchanged (docs/DESIGN.md, "Growing past one machine").

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

import contextlib
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import numpy as np

from labctl import registry
from labctl.bench import Bench, load_bench
from labctl.declarations import Param, ParameterError, RunError, Sequence, Step, Stream
from labctl.runfile import RunWriter
from sim_backends.physics.streams import Streams

__all__ = ["STATUSES", "RunError", "RunAborted", "ParameterError", "Param", "Stream", "Sequence",
           "Step", "RunContext", "RunResult", "RunEngine", "ConsoleProgress"]

STATUSES = ("running", "completed", "aborted", "failed")


class RunAborted(Exception):
    """Raised inside a long step by :meth:`RunContext.check_abort` once an abort is
    requested; the engine ends the run as ``aborted`` (the step is not recorded)."""


# --------------------------------------------------------------- run context
class RunContext:
    """What a plan sees: bench, parameters, seed, random streams, provenance."""

    def __init__(self, bench: Bench, params: dict, seed: int):
        self.bench = bench
        self.params = params
        self.seed = int(seed)
        self.streams = Streams(self.seed)
        self.provenance: dict[str, Any] = {}
        self.snapshots: dict[str, dict] = {}
        self.state: dict[str, Any] = {}
        #: a labctl.farm.Farm (Dask) for sequences that farm pure work out, or None
        self.farm = None
        #: the run file being written (None: no file); sequences may write
        #: companion files beside it (e.g. a PNG plot: ``ctx.out.with_suffix(".png")``)
        self.out: Path | None = None
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
            param_text: dict[str, str] | None = None, farm=None) -> RunResult:
        """Run ``seq`` to completion, abort or failure; returns a :class:`RunResult`.

        ``farm``: a :class:`labctl.farm.Farm` (Dask) the sequence may send pure
        work to (``ctx.farm``; e.g. ``generate`` farms the frames of its in-process
        products); its results equal the serial run's.

        ``out``: HDF5 run file to write (None: no file).  ``seed``: None takes
        ``bench.seed``.  Raises :class:`ParameterError` before anything starts
        if a parameter is unknown or invalid.

        Clean-up: everything the run opens is entered in one
        :class:`contextlib.ExitStack`, opened before anything else, so it is released
        in reverse order however the run ends (completed, aborted, failed, a set-up
        that raises half way, KeyboardInterrupt): the plan generator is closed (its
        ``finally`` blocks run while the set-up's resources are still open), then
        the set-up's context manager is exited (servers stopped, VISA sessions
        closed), then the run file is closed.  A set-up, stream declaration or start
        document that raises propagates out of ``run`` after that unwinding and
        leaves no run file (the start document, which creates it, has not gone out);
        an exception from the plan or a step's subscriber marks the run ``failed``.
        """
        if isinstance(seq, str):
            seq = registry.get(seq)
        bench = bench if bench is not None else load_bench()
        values = seq.resolve_params(params, param_text)
        ctx = RunContext(bench, values, bench.seed if seed is None else seed)
        ctx.farm = farm
        ctx.out = Path(out) if out is not None else None
        ctx.abort_requested = self._abort
        self._abort.clear()
        self._running.set()
        self._signals = 0
        metrics: dict[str, list] = {}
        steps, status, error, exception = 0, "running", "", None
        with contextlib.ExitStack() as stack:
            stack.enter_context(self._signal_handlers())   # exited last: covers the clean-up
            subscribers = list(self.subscribers)
            if out is not None:
                writer = RunWriter(out)
                stack.callback(writer.close)
                subscribers.insert(0, writer)
            if self.progress:
                subscribers.append(ConsoleProgress(farm))
            _enter_setup(stack, seq, ctx)
            streams = {s.name: s.resolve(values, bench) for s in seq.stream_list(values)}
            plan = seq.plan(ctx, **values)
            if hasattr(plan, "close"):                  # a generator (any iterator will do)
                stack.callback(plan.close)
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
        return RunResult(Path(out) if out is not None else None, status, steps, error, metrics,
                         exception)

    def _step_document(self, step: Step, index: int, streams: dict, ctx: RunContext) -> dict:
        if not isinstance(step, Step):
            raise RunError("a plan must yield labctl.engine.Step objects, "
                           f"got {type(step).__name__}")
        doc = {"kind": "step", "index": index, "name": step.name, "time": time.time(),
               "total": ctx.total, "data": {}, "metrics": {}, "images": {}}
        groups = (("data", step.data), ("metrics", step.metrics), ("images", step.images))
        for group, items in groups:
            for name, value in items.items():
                desc = streams.get(name)
                if desc is None or desc["group"] != group:
                    raise RunError(f"step {step.name!r} wrote undeclared {group} stream {name!r}; "
                                   f"declare it with Stream(..., group={group!r})")
                if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], str):
                    value, unit = value
                    if unit != desc["unit"]:
                        raise RunError(f"stream {name}: unit {unit!r} differs from declared "
                                       f"{desc['unit']!r}")
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


def _enter_setup(stack: contextlib.ExitStack, seq: Sequence, ctx: RunContext) -> None:
    """Run ``seq.setup(ctx)`` and enter the context manager it returns (None: nothing to
    enter, the older contract) in ``stack``; anything else is a :class:`RunError`."""
    if seq.setup is None:
        return
    manager = seq.setup(ctx)
    if manager is None:
        return
    if not (hasattr(manager, "__enter__") and hasattr(manager, "__exit__")):
        raise RunError(f"sequence {seq.name}: setup must return a context manager or None, "
                       f"got {type(manager).__name__}")
    stack.enter_context(manager)


def _publish(subscribers, doc: dict) -> None:
    for callback in subscribers:
        callback(doc)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class ConsoleProgress:
    """Subscriber drawing a rich progress bar (used when stderr is a terminal): the
    run's steps and, when the run has a Dask ``farm``, a second bar counting its
    completed tasks (:attr:`labctl.farm.Farm.listeners`)."""

    def __init__(self, farm=None):
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
        )
        self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), TextColumn("{task.fields[step]}"),
                            console=Console(stderr=True), transient=False)
        self.task = self.tasks = None
        self.farm = farm

    def on_tasks(self, completed: int, submitted: int) -> None:
        """Farm listener: Dask tasks completed of those submitted."""
        if self.tasks is None:
            self.tasks = self.bar.add_task("dask tasks", total=submitted, step="")
        self.bar.update(self.tasks, completed=completed, total=submitted)

    def __call__(self, doc: dict) -> None:
        kind = doc["kind"]
        if kind == "start":
            self.bar.start()
            self.task = self.bar.add_task(doc["sequence"], total=doc["total"], step="")
            if self.farm is not None:
                self.farm.listeners.append(self.on_tasks)
        elif kind == "step":
            self.bar.update(self.task, advance=1, total=doc["total"], step=doc["name"])
        elif kind == "pause":
            self.bar.update(self.task, step="paused")
        elif kind == "stop":
            self.bar.update(self.task, step=doc["status"])
            self.bar.stop()
            if self.farm is not None and self.on_tasks in self.farm.listeners:
                self.farm.listeners.remove(self.on_tasks)
