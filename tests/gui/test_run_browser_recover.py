"""The run browser opens a file left by a killed run: it recovers it (labctl.recover)
and shows status failed; afterwards the file opens in a plain HDF5 reader."""
from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import h5py

CHILD = Path(__file__).resolve().parents[1] / "engine" / "child_run.py"
TIMEOUT = 60


def _killed_run(out: Path) -> None:
    """Run the engine tests' child until step 1 is written, then SIGKILL it."""
    proc = subprocess.Popen([sys.executable, str(CHILD), str(out), "6", "-1", "between:1"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        for _ in range(50):                      # bounded: the child prints a few lines
            line = proc.stdout.readline()
            assert line, "child ended before holding between steps 1 and 2"
            if line.strip() == "between 1":
                break
    finally:
        proc.kill()
        assert proc.wait(TIMEOUT) == -signal.SIGKILL
        proc.stdin.close()
        proc.stdout.close()


def test_run_browser_recovers_a_killed_run(tmp_path, qtbot):
    from gui.run_browser import RunBrowser
    out = tmp_path / "killed.h5"
    _killed_run(out)
    browser = RunBrowser()
    qtbot.addWidget(browser)
    browser.open_path(out)
    header = browser.header.text()
    assert "status <b>failed</b>" in header and "2 steps" in header
    assert "error: killed: " in header and "recovered (killed" in header
    assert browser.metrics.rowCount() == 1       # rms, two values kept
    with h5py.File(out, "r") as f:               # a plain reader now opens it
        assert f["entry"].attrs["status"] == "failed"
        assert f["entry/metrics/rms"].shape == (2,)
