"""Stress script for tests/gui/test_gc_guard.py (run in a child process: a failure segfaults).

Makes closed pyqtgraph widgets caught in reference cycles, then runs a worker
thread (started with :func:`gui.workers.start_in_thread`) that allocates
cyclic garbage until CPython's collector fires in it.  With ``--bare`` the
thread is a plain ``QThread`` without the GUI-thread GC guard.
Prints ``ok <collections in worker>`` and exits 0 when nothing crashed.
"""
import gc
import os
import sys
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QObject, QThread, Signal, Slot  # noqa: E402
from PySide6.QtWidgets import QApplication, QPushButton  # noqa: E402

from gui.workers import start_in_thread, stop_thread  # noqa: E402

ROUNDS, WIDGETS, ALLOCATIONS = 5, 20, 200_000
worker_collections = []


def count_worker_collections(phase, info):
    if phase == "start" and threading.current_thread() is not threading.main_thread():
        worker_collections.append(info["generation"])


class Allocator(QObject):
    done = Signal()

    @Slot()
    def run(self):
        for _ in range(ALLOCATIONS):
            cycle = []
            cycle.append(cycle)
        self.done.emit()


def make_widget_garbage():
    for _ in range(WIDGETS):
        plot = pg.PlotWidget()
        plot.show()
        plot.plot([1.0, 2.0, 3.0])
        button = QPushButton("x", plot)
        button.clicked.connect(lambda: plot.setWindowTitle("cycle"))
        plot.hide()


def main(bare: bool) -> None:
    app = QApplication([])
    gc.callbacks.append(count_worker_collections)
    for _ in range(ROUNDS):
        make_widget_garbage()
        worker, finished = Allocator(), []
        worker.done.connect(lambda: finished.append(True))
        if bare:
            thread = QThread()
            worker.moveToThread(thread)
            thread.started.connect(worker.run)
            thread.start()
        else:
            thread = start_in_thread(worker, "allocator", on_start=worker.run)
        for _ in range(100_000):               # bounded: the worker ends in well under a minute
            if finished:
                break
            app.processEvents()
            thread.wait(1)
        if bare:
            thread.quit()
            thread.wait()
        else:
            stop_thread(thread)
    print("ok", len(worker_collections), "gc enabled" if gc.isenabled() else "gc disabled")


if __name__ == "__main__":
    main("--bare" in sys.argv)
