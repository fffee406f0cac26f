"""Start the desktop GUI: ``labctl gui [--bench FILE]`` or ``python -m gui``."""
from __future__ import annotations

import sys
from pathlib import Path


def create_window(bench_path: str | Path | None = None, run_dir: str | Path = "runs"):
    """A :class:`gui.main_window.MainWindow` on the bench file (None: the embedded simulated bench).

    A ``QApplication`` must exist.
    """
    from gui.main_window import MainWindow
    from labctl.bench import load_bench
    return MainWindow(load_bench(bench_path), run_dir)


def main(bench_path: str | Path | None = None, run_dir: str | Path = "runs") -> int:
    """Run the GUI until its window closes; returns the exit status."""
    import pyqtgraph as pg
    from PySide6.QtWidgets import QApplication
    app = QApplication.instance() or QApplication(sys.argv[:1])
    pg.setConfigOptions(antialias=False, background="w", foreground="k")
    window = create_window(bench_path, run_dir)
    window.show()
    return int(app.exec())
