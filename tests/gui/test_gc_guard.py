"""Cyclic GC must not run in worker threads while Qt garbage exists (gui.gc_guard).

The failure is a segmentation fault, so the stress runs in a child process.
"""
from __future__ import annotations

import gc
import os
import subprocess
import sys
from pathlib import Path

from gui import gc_guard

ROOT = Path(__file__).resolve().parents[2]
STRESS = Path(__file__).with_name("gc_stress.py")


def run_stress(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(ROOT))
    return subprocess.run([sys.executable, str(STRESS), *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=600)


def test_guard_holds_while_a_worker_thread_runs_and_hands_back_after(qapp):
    from PySide6.QtCore import QObject

    from gui.workers import start_in_thread, stop_thread
    assert gc.isenabled() and not gc_guard.holding()
    thread = start_in_thread(QObject(), "idle")
    try:
        assert gc_guard.holding()
        assert not gc.isenabled()            # CPython will not collect in the worker
    finally:
        assert stop_thread(thread)
    assert not gc_guard.holding()
    assert gc.isenabled()


def test_worker_threads_with_qt_garbage_around_do_not_crash():
    done = run_stress()
    assert done.returncode == 0, done.stderr[-2000:]
    assert "QBasicTimer" not in done.stderr          # no Qt object touched from the worker
    words = done.stdout.split()
    assert words[:2] == ["ok", "0"], done.stdout     # no collection ran in a worker thread
    assert done.stdout.strip().endswith("gc enabled")


def test_stress_collects_in_the_worker_without_the_guard():
    """Control: the stress really makes CPython collect in the worker thread when unguarded.

    Only the collection count is asserted, not the crash it usually causes.
    """
    done = run_stress("--bare")
    collected = done.returncode == 0 and int(done.stdout.split()[1]) > 0
    crashed = done.returncode < 0 or "QBasicTimer" in done.stderr
    assert collected or crashed, (done.returncode, done.stdout, done.stderr[-2000:])
