"""Worker objects that keep instrument I/O and sequences off the GUI thread.

Qt rule: a widget may only be touched from the GUI thread, and a slow call
there freezes the window.  Each worker below is a ``QObject`` moved to its own
``QThread``; the GUI talks to it only through queued signals (requests in,
results out), so a 0.5 s scope acquisition or a long sequence step never
blocks painting or the Abort button.

- :class:`BenchWorker` owns the simulated SCPI servers (when the bench has
  ``resource = "sim"`` instruments) and every role object of
  :mod:`labctl.instruments`; all instrument I/O happens in its thread.
- :class:`RunWorker` runs one sequence with :class:`labctl.engine.RunEngine`
  and re-emits the engine's documents as a Qt signal (the engine calls its
  subscribers in its own thread; the signal hands them to the GUI thread).
  Pause/resume/abort call the engine directly: they are thread-safe events.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from gui import gc_guard
from labctl.role_settings import ROLES
from labctl.roles import Trace

#: Setting key -> role method, per role ("channel" settings take the channel first),
#: as declared in labctl.role_settings.
SCALAR_METHODS = {role: {s.name: s.method for s in declared if not s.per_channel}
                  for role, declared in ROLES.items()}
CHANNEL_METHODS = {role: {s.name: s.method for s in declared if s.per_channel}
                   for role, declared in ROLES.items()}


@dataclass(frozen=True)
class TraceFrame:
    """One scope download handed to the GUI: volts (float64) and sample interval (s)."""
    scope: str
    channel: int
    volts: np.ndarray
    x_increment: float
    bits: int
    scale_factor: float        # V per ADC code (the quantisation step)

    @classmethod
    def from_trace(cls, scope: str, trace: Trace) -> "TraceFrame":
        return cls(scope, trace.channel, trace.volts(), trace.x_increment, trace.bits,
                   abs(trace.scale_factor))


def role_method(role: str, key: str, channel: int | None) -> str:
    """Name of the role method that sets ``key`` (channel setting if ``channel`` is given)."""
    table = CHANNEL_METHODS if channel is not None else SCALAR_METHODS
    try:
        return table[role][key]
    except KeyError:
        kind = "channel" if channel is not None else "instrument"
        raise ValueError(f"no editable {kind} setting {key!r} for role {role!r}") from None


def _message(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class BenchWorker(QObject):
    """Instrument I/O for one bench, in its own thread (see module docstring)."""

    servers_started = Signal(object)          # {name: VISA resource} of simulated instruments
    connected = Signal(str, str)              # name, *IDN? identity
    connect_failed = Signal(str, str)         # name, message
    disconnected = Signal(str)                # name
    snapshot_ready = Signal(str, object)      # name, {key: (value, unit)}
    setting_applied = Signal(str, str, object, object)  # name, key, channel, value
    error = Signal(str, str)                  # name, message (instrument errors, never swallowed)
    trace_ready = Signal(object)              # TraceFrame
    powers_ready = Signal(str, object)        # power meter name, {channel: W}
    pattern_loaded = Signal(str, str)         # awg name, description

    def __init__(self, bench, timeout: float = 5.0):
        super().__init__()
        self.bench = bench
        self.timeout = timeout
        self.roles: dict = {}
        self.servers = None
        self._stack = contextlib.ExitStack()

    # -- life cycle
    @Slot()
    def start(self) -> None:
        """Start the simulated servers of ``resource = "sim"`` instruments (if any)."""
        if self.servers is not None:
            return
        if not any(cfg.resource == "sim" for cfg in self.bench.instruments.values()):
            self.servers_started.emit({})
            return
        from labctl import sim_servers
        try:
            self.servers = self._stack.enter_context(sim_servers.start(self.bench))
        except Exception as exc:
            self.error.emit("sim", f"simulated servers did not start: {_message(exc)}")
            return
        self.servers_started.emit(dict(self.servers.resources))

    @Slot()
    def connect_all(self) -> None:
        """Connect every instrument; a failing one is reported and the others still connect."""
        self.start()
        for name in self.bench.instruments:
            self.connect_one(name)

    @Slot(str)
    def connect_one(self, name: str) -> None:
        from labctl import instruments
        if name in self.roles:
            return
        try:
            resources = self.servers.resources if self.servers is not None else None
            role = instruments.connect(self.bench, name, resources, timeout=self.timeout)
            self.roles[name] = role
            self.connected.emit(name, role.identity())
        except Exception as exc:
            self.connect_failed.emit(name, _message(exc))
            return
        self.refresh(name)

    @Slot()
    def disconnect_all(self) -> None:
        for name in list(self.roles):
            role = self.roles.pop(name)
            try:
                role.close()
            except Exception as exc:
                self.error.emit(name, f"close failed: {_message(exc)}")
            self.disconnected.emit(name)

    @Slot()
    def shutdown(self) -> None:
        """Close every connection and stop the simulated servers."""
        self.disconnect_all()
        self._stack.close()
        self.servers = None

    # -- settings
    @Slot(str)
    def refresh(self, name: str) -> None:
        role = self.roles.get(name)
        if role is None:
            return
        try:
            self.snapshot_ready.emit(name, role.snapshot())
        except Exception as exc:
            self.error.emit(name, _message(exc))

    @Slot(str, str, object, object)
    def apply(self, name: str, key: str, channel, value) -> None:
        """Set ``key`` (SI) through the role; safety limits are enforced by the driver layer."""
        role = self.roles.get(name)
        if role is None:
            self.error.emit(name, "not connected")
            return
        try:
            method = getattr(role, role_method(role.role, key, channel))
            method(value) if channel is None else method(int(channel), value)
        except Exception as exc:      # SafetyLimitError, InstrumentError, ValueError
            self.error.emit(name, _message(exc))
            self.refresh(name)        # show what the instrument really holds
            return
        self.setting_applied.emit(name, key, channel, value)
        self.refresh(name)

    # -- live view
    @Slot(str, int)
    def acquire(self, scope: str, channel: int) -> None:
        """Single acquisition on ``scope`` and download of ``channel``."""
        role = self.roles.get(scope)
        if role is None:
            self.error.emit(scope, "not connected")
            return
        try:
            role.single()
            role.wait_complete(self.timeout)
            self.trace_ready.emit(TraceFrame.from_trace(scope, role.download(channel)))
        except Exception as exc:
            self.error.emit(scope, _message(exc))

    @Slot(str)
    def read_powers(self, meter: str) -> None:
        role = self.roles.get(meter)
        if role is None:
            return
        try:
            self.powers_ready.emit(meter, {ch: role.power(ch) for ch in role.channels})
        except Exception as exc:
            self.error.emit(meter, _message(exc))

    @Slot(str, int, int, int)
    def load_pattern(self, awg: str, levels: int, symbols: int, samples_per_symbol: int) -> None:
        """Upload one random ``levels``-PAM test pattern to every channel of ``awg`` and run it.

        The same symbols on every port, so outputs that sum several ports still show one clean eye.
        """
        from gui.patterns import pam_codes
        role = self.roles.get(awg)
        if role is None:
            self.error.emit(awg, "not connected")
            return
        try:
            rng = np.random.default_rng([levels, symbols])
            codes = pam_codes(rng, levels, symbols, samples_per_symbol, role.bits)
            for ch in role.channels:
                role.upload(ch, codes)
                role.set_output(ch, True)
            role.run()
            self.pattern_loaded.emit(awg, f"PAM{levels}, {symbols} symbols x {samples_per_symbol} Sa")
        except Exception as exc:
            self.error.emit(awg, _message(exc))
        self.refresh(awg)


class RunWorker(QObject):
    """Runs one sequence in its own thread; documents come out as :attr:`document`."""

    document = Signal(object)     # engine document dict (start/step/pause/resume/stop)
    finished = Signal(object)     # labctl.engine.RunResult
    failed = Signal(str)          # the run could not start (bad parameter...)

    def __init__(self, sequence: str, params: dict, bench, out: str | Path):
        super().__init__()
        from labctl.engine import RunEngine
        self.sequence, self.params, self.bench, self.out = sequence, params, bench, Path(out)
        self.engine = RunEngine(subscribers=[self.document.emit], progress=False)

    @Slot()
    def run(self) -> None:
        try:
            result = self.engine.run(self.sequence, self.params, self.bench, out=self.out)
        except Exception as exc:
            self.failed.emit(_message(exc))
            self.finished.emit(None)
            return
        self.finished.emit(result)

    # thread-safe controls (events inside the engine)
    def pause(self) -> None:
        self.engine.pause()

    def resume(self) -> None:
        self.engine.resume()

    def abort(self) -> None:
        self.engine.abort()


def start_in_thread(worker: QObject, name: str, on_start=None) -> QThread:
    """Move ``worker`` to a new started ``QThread`` (stop with :func:`stop_thread`).

    ``on_start``: a slot of ``worker`` to run in the new thread once it starts.
    """
    thread = QThread()
    thread.setObjectName(name)
    gc_guard.hold(thread)             # no cyclic GC in the worker thread (see gc_guard)
    worker.moveToThread(thread)
    if on_start is not None:
        thread.started.connect(on_start)
    thread.start()
    return thread


def stop_thread(thread: QThread, timeout_ms: int = 5000) -> bool:
    """Quit the thread's event loop and wait for it; False if it did not stop in time."""
    thread.quit()
    stopped = thread.wait(timeout_ms)
    if stopped:
        gc_guard.release(thread)
    return stopped
