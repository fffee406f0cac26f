"""Run files across processes: SIGTERM/SIGINT abort, SIGKILL, a live SWMR reader.

The child (child_run.py) runs a sequence whose steps from ``wait_from`` on each
wait for one line on stdin, so the test knows exactly which steps are on disk
when it signals: no sleeps, and every wait is bounded by a timeout.
"""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np
import pytest

from labctl.runfile import open_run, read_summary

CHILD = Path(__file__).with_name("child_run.py")
TIMEOUT = 60


def start_child(out: Path, points: int, wait_from: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(CHILD), str(out), str(points), str(wait_from)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)


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
    with open_run(out) as f:
        assert f["entry"].attrs["status"] == "running"         # never finalised
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
