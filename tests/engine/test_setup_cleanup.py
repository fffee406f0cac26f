"""A run releases what its set-up opened, however it ends (issue 9, item 4).

The set-up of the sequence below starts the simulated SCPI servers of the
default bench on 127.0.0.1 and opens a VISA session to every instrument, the way
``generate --backend bench`` does through ``open_backend``.  The run then fails in
the set-up itself, in the stream declarations (after the set-up returned), in the
plan, or is aborted; afterwards every port the servers listened on refuses
connections, every VISA session is invalid, no server thread is left and the
run file, when one was started, is closed and carries the final status.
"""
from __future__ import annotations

import contextlib
import socket
import threading

import h5py
import numpy as np
import pytest
import pyvisa

from labctl import instruments, sim_servers
from labctl.bench import load_bench
from labctl.engine import Param, RunEngine, RunError, Sequence, Step, Stream

OPENED: dict = {}


@contextlib.contextmanager
def _serve_and_connect(ctx):
    """Servers + one VISA session per instrument; raises here when fail_in == 'setup'."""
    with contextlib.ExitStack() as stack:
        servers = stack.enter_context(sim_servers.start(ctx.bench))
        OPENED["ports"] = dict(servers.server.ports)
        roles = instruments.connect_all(ctx.bench, servers.resources)
        for role in roles.values():
            stack.callback(role.close)
        OPENED["connections"] = [role.instrument.adapter.connection for role in roles.values()]
        if ctx.params["fail_in"] == "setup":
            raise RuntimeError("set-up fell over after starting the servers")
        ctx.state["roles"] = roles
        yield


def _shape(params: dict) -> tuple:
    if params["fail_in"] == "streams":
        raise ValueError("no shape for this stream")
    return ()


def _plan(ctx, fail_in):
    for i in range(3):
        if fail_in == "plan" and i == 1:
            raise ZeroDivisionError("instrument fell over")
        yield Step(f"point {i}", data={"power": (ctx.state["roles"]["laser_a"].power(), "W")})


SERVED = Sequence("served-demo", _plan, params=[Param("fail_in", str, "")],
                  streams=[Stream("power", "W", float, shape=_shape)], setup=_serve_and_connect)


def _open_visa_sockets() -> int:
    """Sessions of the shared pyvisa-py library whose TCP socket is still open (pyvisa-py
    keeps closed sessions in ``visalib.sessions``; a closed one has no live socket)."""
    lib = pyvisa.ResourceManager("@py").visalib
    return sum(1 for s in lib.sessions.values() if s is not lib
               and getattr(s, "interface", None) is not None and s.interface.fileno() != -1)


def _servers_and_sessions() -> tuple:
    """(server threads, served resources, open VISA sockets) of this process."""
    threads = sorted(t.ident for t in threading.enumerate() if t.name.startswith("sim-scpi"))
    return threads, sim_servers.running_resources(), _open_visa_sockets()


def _no_server_left() -> None:
    """Nothing more is served or open than before the run (other tests of this process
    may hold their own)."""
    assert _servers_and_sessions() == OPENED["before"]


def _released() -> None:
    """Assert that nothing opened by the last set-up is still open."""
    assert len(OPENED["ports"]) == len(load_bench().instruments)    # the set-up did start them
    for name, port in OPENED["ports"].items():
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
    assert len(OPENED["connections"]) == len(OPENED["ports"])
    for connection in OPENED["connections"]:
        with pytest.raises(pyvisa.errors.InvalidSession):
            connection.session                                     # closed sessions raise
    _no_server_left()


@pytest.fixture(autouse=True)
def _fresh():
    OPENED.clear()
    OPENED["before"] = _servers_and_sessions()
    yield


@pytest.mark.parametrize("fail_in", ["setup", "streams"])
def test_a_failing_set_up_leaves_no_server_no_session_and_no_file(fail_in, tmp_path):
    out = tmp_path / "run.h5"
    with pytest.raises((RuntimeError, ValueError)) as info:
        RunEngine(progress=False).run(SERVED, {"fail_in": fail_in}, load_bench(), out=out)
    # checked while the exception, and with it the run's frames and ``ctx``, are alive: a
    # set-up entered by hand (the old generate.py) is only released by garbage collection
    _released()
    assert info.value.__traceback__ is not None
    assert not out.exists()     # nothing started: the start document creates the file


def test_a_failing_plan_releases_the_set_up_and_keeps_its_steps(tmp_path):
    out = tmp_path / "run.h5"
    result = RunEngine(progress=False).run(SERVED, {"fail_in": "plan"}, load_bench(), out=out)
    assert (result.status, result.steps) == ("failed", 1)
    assert "instrument fell over" in result.error
    _released()
    with h5py.File(out, "r") as f:                       # closed by the writer: opens normally
        assert f["entry"].attrs["status"] == "failed"
        power = f["entry/data/power"][()]
    assert power.shape == (1,) and np.isfinite(power).all() and power[0] > 0


def test_an_aborted_run_releases_the_set_up(tmp_path):
    engine = RunEngine(progress=False)
    engine.subscribe(lambda doc: engine.abort() if doc["kind"] == "step" else None)
    result = engine.run(SERVED, {}, load_bench(), out=tmp_path / "run.h5")
    assert (result.status, result.steps) == ("aborted", 1)
    _released()


def test_a_completed_run_releases_the_set_up(tmp_path):
    result = RunEngine(progress=False).run(SERVED, {}, load_bench(), out=tmp_path / "run.h5")
    assert (result.status, result.steps) == ("completed", 3)
    _released()


def test_the_servers_run_while_the_plan_runs(tmp_path):
    """The check above could pass if the set-up never served anything: here a subscriber
    connects to a served port during a step, which must succeed."""
    reached = []

    def probe(doc):
        if doc["kind"] == "step":
            port = next(iter(OPENED["ports"].values()))
            socket.create_connection(("127.0.0.1", port), timeout=1.0).close()
            reached.append(port)

    result = RunEngine([probe], progress=False).run(SERVED, {}, load_bench())
    assert result.status == "completed" and len(reached) == 3
    _released()


def test_a_set_up_returning_something_else_is_refused_before_the_file():
    def bad_setup(ctx):
        return 42

    seq = Sequence("bad-setup", _plan, params=[Param("fail_in", str, "")],
                   streams=[Stream("power", "W")], setup=bad_setup)
    with pytest.raises(RunError, match="context manager or None"):
        RunEngine(progress=False).run(seq, {}, load_bench())


def test_a_set_up_returning_none_still_runs(tmp_path):
    """The older contract: setup(ctx) only fills ctx and returns None."""
    def old_setup(ctx):
        ctx.provenance["calibration_file"] = "old-style"

    def plan(ctx):
        yield Step("only", data={"x": 1.0})

    seq = Sequence("old-setup", plan, streams=[Stream("x", "1")], setup=old_setup)
    result = RunEngine(progress=False).run(seq, {}, load_bench(), out=tmp_path / "o.h5")
    assert result.status == "completed"
    with h5py.File(tmp_path / "o.h5", "r") as f:
        assert f["entry/provenance/calibration_file"][()].decode() == "old-style"


def test_generate_on_the_bench_backend_releases_servers_and_sessions_when_set_up_fails(tmp_path):
    """``generate --backend bench`` with an unreadable calibration file: its set-up starts
    the servers and connects every instrument, then loading the calibration raises."""
    not_a_calibration = tmp_path / "cal.h5"
    not_a_calibration.write_text("not an HDF5 file")
    params = {"models": ["digits-vae"], "count": 2, "batch": 2, "backend": "bench",
              "calibration": str(not_a_calibration), "ber_frames": 1}
    out = tmp_path / "run.h5"
    with pytest.raises(OSError, match="file signature not found") as info:
        RunEngine(progress=False).run("generate", params, load_bench(), out=out)
    _no_server_left()                     # checked while the traceback (and ctx) is alive
    assert info.value.__traceback__ is not None
    assert not out.exists()
