"""Run files across processes: SIGTERM/SIGINT abort, SIGKILL, a live SWMR reader,
recovery of files left by SIGKILL at chosen moments (labctl.recover).

The child (child_run.py) runs a sequence whose steps from ``wait_from`` on each
wait for one line on stdin, or that holds at one chosen moment (set-up, plan
calibration, between two steps, inside the writer's step), so the test knows
exactly which steps are on disk when it signals (and checks it on the file's
live step counter, read as a second process would): no sleeps, and every wait
is bounded by a timeout.
"""
from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest
from child_run import CRASH

from labctl.cli import main
from labctl.engine import RunEngine
from labctl.recover import RecoveryRefused, needs_recovery, read_superblock, recover
from labctl.runfile import open_run, read_summary

CHILD = Path(__file__).with_name("child_run.py")
TIMEOUT = 60


def start_child(out: Path, points: int, wait_from: int, hold: str = "") -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(CHILD), str(out), str(points), str(wait_from),
                             hold], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


def read_until(proc: subprocess.Popen, expected: str) -> None:
    """Read the child's lines until ``expected`` (bounded: the child prints at most ~20 lines)."""
    for _ in range(50):
        line = proc.stdout.readline()
        if not line:
            raise AssertionError(f"child ended before printing {expected!r}")
        if line.strip() == expected:
            return
    raise AssertionError(f"child never printed {expected!r}")


def release(proc: subprocess.Popen, steps: int = 1) -> None:
    proc.stdin.write("go\n" * steps)
    proc.stdin.flush()


@pytest.fixture
def child_cleanup():
    procs = []
    yield procs
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait(TIMEOUT)


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_signal_aborts_after_current_step(tmp_path, child_cleanup, signum):
    out = tmp_path / "term.h5"
    proc = start_child(out, points=20, wait_from=3)
    child_cleanup.append(proc)
    read_until(proc, "waiting 3")           # steps 0-2 written; step 3 is running
    proc.send_signal(signum)
    release(proc)                           # the current step (3) completes, then the run stops
    read_until(proc, "step 3")
    assert proc.stdout.readline().strip() == "done aborted 4"
    assert proc.wait(TIMEOUT) == 0
    summary = read_summary(out)
    assert (summary.status, summary.live_status, summary.steps) == ("aborted", "aborted", 4)
    np.testing.assert_array_equal(summary.data["index"][0], np.arange(4))
    assert summary.end_time


def test_sigkill_leaves_readable_file_with_completed_steps(tmp_path, child_cleanup):
    out = tmp_path / "kill.h5"
    proc = start_child(out, points=20, wait_from=3)
    child_cleanup.append(proc)
    read_until(proc, "waiting 3")
    proc.kill()
    assert proc.wait(TIMEOUT) == -signal.SIGKILL
    with open_run(out, recover=False) as f:                    # SWMR read, file untouched
        assert f.swmr_mode and f["entry"].attrs["status"] == "running"
        assert f["entry/live/steps_done"][()] == 3
    with open_run(out) as f:                                   # recovered: the writer is gone
        assert not f.swmr_mode
        assert f["entry"].attrs["status"] == "failed"
        assert f["entry"].attrs["error"].startswith("killed: ")
        assert f["entry/live/steps_done"][()] == 3
        np.testing.assert_array_equal(f["entry/data/index"][()], [0, 1, 2])
        assert f["entry/data/trace"].shape == (3, 16)
        assert f["entry/metrics/rms"].shape == (3,)
        assert f["entry/images/optical"].shape == (3, 3, 4)
        assert f["entry/provenance/bench_config"][()].decode().startswith("# labctl embedded default bench")


def test_swmr_reader_in_second_process_sees_steps_while_writing(tmp_path, child_cleanup):
    out = tmp_path / "live.h5"
    proc = start_child(out, points=6, wait_from=2)
    child_cleanup.append(proc)
    read_until(proc, "waiting 2")
    with h5py.File(out, "r", swmr=True, locking=False) as f:   # this test process is the reader
        index, steps = f["entry/data/index"], f["entry/live/steps_done"]
        assert f["entry/live/status"][()] == b"running"
        assert steps[()] == 2 and index.shape == (2,)
        for k in range(2, 6):
            release(proc)
            read_until(proc, f"step {k}")   # written and flushed by the writer
            index.refresh()
            steps.refresh()
            assert steps[()] == k + 1
            np.testing.assert_array_equal(index[()], np.arange(k + 1))
        assert proc.stdout.readline().strip() == "done completed 6"
        f["entry/live/status"].refresh()
        assert f["entry/live/status"][()] == b"completed"
    assert proc.wait(TIMEOUT) == 0
    assert read_summary(out).status == "completed"


# --------------------------------------------------------------- recovery after SIGKILL
POINTS = 8


def live_steps(path: Path) -> int:
    """The file's live step counter, read as another process reads it (SWMR)."""
    with h5py.File(path, "r", swmr=True, locking=False) as f:
        return int(f["entry/live/steps_done"][()])


def kill(proc: subprocess.Popen) -> None:
    proc.kill()
    assert proc.wait(TIMEOUT) == -signal.SIGKILL


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The same run, completed in this process: what the kept steps must hold."""
    out = tmp_path_factory.mktemp("reference") / "ref.h5"
    assert RunEngine(progress=False).run(CRASH, {"points": POINTS}, out=out).status == "completed"
    return read_summary(out)


def test_sigkill_in_setup_leaves_no_file(tmp_path, child_cleanup):
    out = tmp_path / "setup.h5"
    proc = start_child(out, POINTS, -1, "setup")
    child_cleanup.append(proc)
    read_until(proc, "calibrating in setup")     # where `generate` calibrates its backend
    kill(proc)
    assert not out.exists()                      # nothing a reader could refuse


@pytest.mark.parametrize("hold, line, steps, trimmed", [
    ("calibration", "calibrating", 0, set()),     # file created, calibrating before step 0
    ("between:2", "between 2", 3, set()),         # step 2 written and flushed
    ("inside:3", "inside 3", 3, {"step_name", "step_time", "index", "trace"}),  # step 3 cut
], ids=["during calibration", "between steps", "inside a step"])
def test_sigkill_then_recover_opens_in_plain_reader(tmp_path, child_cleanup, reference, hold,
                                                     line, steps, trimmed):
    out = tmp_path / "killed.h5"
    proc = start_child(out, POINTS, -1, hold)
    child_cleanup.append(proc)
    read_until(proc, line)
    assert live_steps(out) == steps
    kill(proc)
    with pytest.raises(OSError, match="already open for write"):
        h5py.File(out, "r")                       # the issue: ordinary readers refuse it
    assert read_superblock(out).flags != 0 and needs_recovery(out)

    report = recover(out)
    assert (report.action, report.reason, report.steps) == ("recovered", "killed", steps)
    assert set(report.trimmed) == trimmed         # rows of the step cut off mid-write
    sb = read_superblock(out)
    assert sb.flags == 0 and sb.checksum_ok

    with h5py.File(out, "r") as f:                # a plain reader (default locking too)
        entry = f["entry"]
        assert entry.attrs["status"] == "failed"
        assert entry.attrs["error"].startswith("killed: ")
        assert entry.attrs["start_time"] <= entry.attrs["end_time"]   # same ISO 8601 format
        assert f["entry/live/status"][()] == b"failed"
        assert f["entry/live/steps_done"][()] == steps
        for name in ("index", "trace", "codes"):  # every completed step kept, byte for byte
            np.testing.assert_array_equal(f[f"entry/data/{name}"][()],
                                          reference.data[name][0][:steps])
        assert list(f["entry/data/step_name"][()]) == [f"point {i}".encode() for i in range(steps)]
        assert f["entry/data/step_time"].shape == (steps,)
        np.testing.assert_array_equal(f["entry/metrics/rms"][()], reference.metrics["rms"][0][:steps])
        for name in ("optical", "digital"):
            assert f[f"entry/images/{name}"].shape == (steps, 3, 4)
    assert not needs_recovery(out)
    assert recover(out).action == "nothing to do"


def test_file_of_a_live_writer_is_not_touched(tmp_path, child_cleanup):
    out = tmp_path / "live.h5"
    proc = start_child(out, 4, -1, "between:1")
    child_cleanup.append(proc)
    read_until(proc, "between 1")
    assert live_steps(out) == 2
    before = out.read_bytes()
    assert not needs_recovery(out)
    with pytest.raises(RecoveryRefused, match="still running"):
        recover(out, force=True)                  # not even with force
    assert main(["recover", str(out)]) == 1
    with open_run(out) as f:                      # read in SWMR mode instead
        assert f.swmr_mode and f["entry"].attrs["status"] == "running"
    s = read_summary(out)
    assert (s.status, s.writer, s.recovered, s.steps) == ("running", "alive", "", 2)
    assert out.read_bytes() == before
    release(proc)
    for line in ("step 2", "step 3", "done completed 4"):
        read_until(proc, line)
    assert proc.wait(TIMEOUT) == 0
    assert read_summary(out).status == "completed"


def test_show_and_recover_command_on_killed_file(tmp_path, child_cleanup, capsys):
    out = tmp_path / "killed.h5"
    proc = start_child(out, POINTS, -1, "between:1")
    child_cleanup.append(proc)
    read_until(proc, "between 1")
    kill(proc)
    sent = tmp_path / "sent.h5"                   # the copy a colleague receives
    shutil.copy(out, sent)

    assert main(["show", str(out)]) == 0          # recovers transparently
    shown = capsys.readouterr().out
    assert "status:    failed" in shown and "steps:     2" in shown
    assert "error:     killed: " in shown and "recovered: " in shown

    assert main(["recover", str(sent)]) == 0
    assert "recovered (killed" in capsys.readouterr().out
    assert main(["recover", str(sent)]) == 0
    assert "nothing to do (status failed)" in capsys.readouterr().out
    with h5py.File(sent, "r") as f:
        assert f["entry"].attrs["status"] == "failed" and f["entry/data/index"].shape == (2,)
