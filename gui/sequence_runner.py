"""Sequence runner: pick a sequence, fill its parameters, start / pause / resume /
abort, with a progress bar, the time remaining and the run file's path.

The run executes in a :class:`gui.workers.RunWorker` thread.  Abort and pause
are events the engine checks after every step, so they take effect when the
current step ends (one step of the shipped sequences lasts well under a second).
Time remaining = elapsed / steps_done x (total - steps_done), the mean step
time so far extrapolated.
"""
from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import Qt, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.live_plots import LivePlots
from gui.param_form import ParamForm
from gui.workers import RunWorker, start_in_thread, stop_thread


def default_run_path(directory: Path, sequence: str) -> Path:
    """``<directory>/<sequence>-YYYYmmdd-HHMMSS.h5``."""
    return directory / f"{sequence}-{datetime.now():%Y%m%d-%H%M%S}.h5"


def time_remaining(elapsed: float, done: int, total: int | None) -> float | None:
    """Seconds left, extrapolating the mean step time; None if unknown."""
    if not total or done <= 0:
        return None
    return elapsed / done * max(total - done, 0)


class SequenceRunner(QWidget):
    """Run any registered sequence on the bench with live plots."""

    run_finished = Signal(object)      # RunResult or None
    run_file_ready = Signal(str)       # path of the finished run's file

    def __init__(self, bench, run_dir: str | Path = "runs", parent=None):
        super().__init__(parent)
        import sequences
        self.bench = bench
        self.run_dir = Path(run_dir)
        self.sequences = sequences
        self.worker: RunWorker | None = None
        self.thread: QThread | None = None
        self.state = "idle"            # idle | running | paused | stopping
        self.documents: list[dict] = []
        self.result = None
        self.steps = 0
        self.total = None
        self._t0 = 0.0
        self._build()

    def _build(self) -> None:
        self.sequence_box = QComboBox()
        self.sequence_box.addItems(self.sequences.available())
        self.sequence_box.currentTextChanged.connect(self.select)
        self.help_label = QLabel()
        self.help_label.setWordWrap(True)
        errors = self.sequences.import_errors()
        self.import_label = QLabel("\n".join(f"sequence module {m} failed to import: {e}"
                                             for m, e in errors.items()))
        self.import_label.setStyleSheet("color: #d62728")
        self.import_label.setWordWrap(True)
        self.import_label.setVisible(bool(errors))
        self.form = ParamForm()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        self.path_edit = QLineEdit()
        browse = QPushButton("…")
        browse.clicked.connect(self._browse)
        path_row = QHBoxLayout()
        path_row.addWidget(QLabel("Run file"))
        path_row.addWidget(self.path_edit, stretch=1)
        path_row.addWidget(browse)

        self.start_button = QPushButton("Start")
        self.pause_button = QPushButton("Pause")
        self.resume_button = QPushButton("Resume")
        self.abort_button = QPushButton("Abort")
        self.start_button.clicked.connect(self.start)
        self.pause_button.clicked.connect(self.pause)
        self.resume_button.clicked.connect(self.resume)
        self.abort_button.clicked.connect(self.abort)
        buttons = QHBoxLayout()
        for b in (self.start_button, self.pause_button, self.resume_button, self.abort_button):
            buttons.addWidget(b)
        self.progress = QProgressBar()
        self.progress.setFormat("%v / %m steps")
        self.status_label = QLabel("idle")
        self.status_label.setWordWrap(True)
        self.file_label = QLabel("run file: –")
        self.file_label.setWordWrap(True)
        self.file_label.setTextInteractionFlags(Qt.TextSelectableByMouse)

        left = QGroupBox("Sequence")
        col = QVBoxLayout(left)
        col.addWidget(self.sequence_box)
        col.addWidget(self.help_label)
        col.addWidget(self.import_label)
        col.addWidget(scroll, stretch=1)
        col.addLayout(path_row)
        col.addLayout(buttons)
        col.addWidget(self.progress)
        col.addWidget(self.status_label)
        col.addWidget(self.file_label)
        self.plots = LivePlots()
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(self.plots)
        split.setSizes([380, 700])
        QVBoxLayout(self).addWidget(split)
        if self.sequence_box.count():
            self.select(self.sequence_box.currentText())
        self._update_buttons()

    # -- choosing
    @Slot(str)
    def select(self, name: str) -> None:
        if not name:
            return
        if self.sequence_box.currentText() != name:
            self.sequence_box.setCurrentText(name)
        seq = self.sequences.get(name)
        self.form.set_sequence(seq)
        self.help_label.setText(seq.help)
        self.path_edit.setText(str(default_run_path(self.run_dir, name)))

    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Run file", self.path_edit.text(), "HDF5 (*.h5)")
        if path:
            self.path_edit.setText(path)

    # -- controls
    @Slot()
    def start(self) -> bool:
        if self.state != "idle":
            return False
        name = self.sequence_box.currentText()
        try:
            params = self.form.values()
        except ValueError as exc:
            self.status_label.setText(f"cannot start: {exc}")
            return False
        out = Path(self.path_edit.text())
        self.documents, self.result, self.steps, self.total = [], None, 0, None
        self.worker = RunWorker(name, params, self.bench, out)
        self.worker.document.connect(self.on_document)
        self.worker.failed.connect(self.on_failed)
        self.worker.finished.connect(self.on_finished)
        self.thread = start_in_thread(self.worker, f"run-{name}", on_start=self.worker.run)
        self.state = "running"
        self._t0 = time.monotonic()
        self.progress.setRange(0, 0)          # busy until the total is known
        self.file_label.setText(f"run file: {out}")
        self.status_label.setText(f"starting {name}…")
        self._update_buttons()
        return True

    @Slot()
    def pause(self) -> None:
        if self.worker is not None and self.state == "running":
            self.worker.pause()
            self.status_label.setText("pausing after the current step…")

    @Slot()
    def resume(self) -> None:
        if self.worker is not None and self.state == "paused":
            self.worker.resume()

    @Slot()
    def abort(self) -> None:
        if self.worker is not None and self.state in ("running", "paused"):
            self.worker.abort()
            self.state = "stopping"
            self.status_label.setText("aborting after the current step…")
            self._update_buttons()

    def _update_buttons(self) -> None:
        self.start_button.setEnabled(self.state == "idle")
        self.sequence_box.setEnabled(self.state == "idle")
        self.pause_button.setEnabled(self.state == "running")
        self.resume_button.setEnabled(self.state == "paused")
        self.abort_button.setEnabled(self.state in ("running", "paused"))

    # -- documents (GUI thread)
    @Slot(object)
    def on_document(self, doc: dict) -> None:
        self.documents.append(doc)
        kind = doc["kind"]
        if kind == "start":
            self._set_total(doc.get("total"))
        elif kind == "step":
            self.steps = doc["index"] + 1
            self._set_total(doc.get("total"))
            self.progress.setValue(self.steps)
            left = time_remaining(time.monotonic() - self._t0, self.steps, self.total)
            eta = f", about {left:.0f} s left" if left is not None else ""
            self.status_label.setText(f"step {self.steps}: {doc['name']}{eta}")
        elif kind == "pause":
            self.state = "paused"
            self.status_label.setText(f"paused after step {self.steps}")
        elif kind == "resume":
            self.state = "running"
            self.status_label.setText("running")
        elif kind == "stop":
            error = f": {doc['error']}" if doc.get("error") else ""
            self.status_label.setText(f"{doc['status']} after {doc['steps']} steps{error}")
        self.plots.on_document(doc)
        self._update_buttons()

    def _set_total(self, total) -> None:
        if total:
            self.total = int(total)
            self.progress.setRange(0, self.total)

    @Slot(str)
    def on_failed(self, message: str) -> None:
        self.status_label.setText(f"run did not start: {message}")

    @Slot(object)
    def on_finished(self, result) -> None:
        self.result = result
        if self.progress.maximum() == 0:
            self.progress.setRange(0, max(self.steps, 1))
        if self.thread is not None:
            stop_thread(self.thread)
            self.thread = None
        self.worker = None
        self.state = "idle"
        self._update_buttons()
        self.run_finished.emit(result)
        if result is not None and result.path is not None:
            self.run_file_ready.emit(str(result.path))

    def shutdown(self) -> None:
        """Abort a running sequence and wait for its thread (window closing)."""
        if self.worker is not None:
            self.worker.abort()
        if self.thread is not None:
            stop_thread(self.thread, 10000)
