"""Live view: scope trace, eye diagram and optical powers, refreshed continuously.

Acquisitions run in the bench worker's thread; this widget only renders.  While
"Run" is on, the next acquisition is requested as soon as a frame arrives
(before it is drawn), so instrument I/O and drawing overlap and at most one
request is in flight.  The trace curve uses pyqtgraph's peak downsampling
(min/max per pixel column, no lost spikes) and clip-to-view; the eye is a
2-D histogram (:mod:`gui.eye`) shown as an image.
"""
from __future__ import annotations

import math
import time

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Signal, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from gui.eye import eye_histogram
from gui.workers import TraceFrame


def names_with_role(bench, role: str) -> list[str]:
    return [name for name, cfg in bench.instruments.items() if cfg.role == role]


def format_power(watts: float) -> str:
    """``-3.01 dBm (0.500 mW)``; dBm = 10 log10(P / 1 mW)."""
    if watts <= 0:
        return "no light (0 W)"
    return f"{10 * math.log10(watts / 1e-3):.2f} dBm ({watts * 1e3:.3f} mW)"


class LiveView(QWidget):
    """Scope trace + eye diagram + power meter readings."""

    request_acquire = Signal(str, int)           # scope, channel
    request_powers = Signal(str)                 # power meter
    request_pattern = Signal(str, int, int, int)  # awg, levels, symbols, samples/symbol

    def __init__(self, bench, parent=None):
        super().__init__(parent)
        self.bench = bench
        self.running = False
        self.frames = 0
        self._t_first = None
        self.last_frame: TraceFrame | None = None
        self._span = None
        self._build()

    # -- layout
    def _build(self) -> None:
        controls = QHBoxLayout()
        self.scope_box = QComboBox()
        self.scope_box.addItems(names_with_role(self.bench, "scope"))
        self.channel_box = QSpinBox()
        self.channel_box.setRange(1, 4)
        self.channel_box.setPrefix("ch ")
        self.run_button = QPushButton("Run")
        self.run_button.setCheckable(True)
        self.run_button.toggled.connect(self.set_running)
        self.single_button = QPushButton("Single")
        self.single_button.clicked.connect(self.acquire_once)
        self.baud_box = QDoubleSpinBox()
        self.baud_box.setRange(0.001, 500.0)
        self.baud_box.setDecimals(3)
        self.baud_box.setSuffix(" GBd")
        self.baud_box.setValue(11.5)
        self.baud_box.setToolTip("symbol rate used to fold the eye diagram")
        self.rate_label = QLabel("– updates/s")
        for widget in (QLabel("Scope"), self.scope_box, self.channel_box, self.run_button,
                       self.single_button, QLabel("Eye at"), self.baud_box, self.rate_label):
            controls.addWidget(widget)
        controls.addStretch()

        pattern = QGroupBox("Test pattern")
        row = QHBoxLayout(pattern)
        self.awg_box = QComboBox()
        self.awg_box.addItems(names_with_role(self.bench, "awg"))
        self.levels_box = QComboBox()
        self.levels_box.addItems(["PAM2", "PAM4"])
        self.levels_box.setCurrentIndex(1)
        self.sps_box = QSpinBox()
        self.sps_box.setRange(1, 64)
        self.sps_box.setValue(8)
        self.sps_box.setSuffix(" Sa/symbol")
        self.symbols_box = QSpinBox()
        self.symbols_box.setRange(16, 1 << 16)
        self.symbols_box.setValue(4096)
        self.symbols_box.setSuffix(" symbols")
        load = QPushButton("Load pattern")
        load.clicked.connect(self.load_pattern)
        for widget in (self.awg_box, self.levels_box, self.sps_box, self.symbols_box, load):
            row.addWidget(widget)

        self.trace_plot = pg.PlotWidget(title="Scope trace")
        self.trace_plot.setLabel("bottom", "time", units="s")
        self.trace_plot.setLabel("left", "voltage", units="V")
        self.trace_plot.setDownsampling(auto=True, mode="peak")
        self.trace_plot.setClipToView(True)
        self.curve = self.trace_plot.plot(pen=pg.mkPen("#1f77b4", width=1))
        self.eye_plot = pg.PlotWidget(title="Eye diagram")
        self.eye_plot.setLabel("bottom", "time", units="UI")
        self.eye_plot.setLabel("left", "voltage", units="V")
        self.eye_image = pg.ImageItem()
        self.eye_image.setColorMap(pg.colormap.get("inferno"))
        self.eye_plot.addItem(self.eye_image)
        plots = QSplitter()
        plots.addWidget(self.trace_plot)
        plots.addWidget(self.eye_plot)
        plots.setSizes([600, 400])

        powers = QGroupBox("Optical power")
        grid = QGridLayout(powers)
        self.power_labels: dict[tuple[str, int], QLabel] = {}
        for r, meter in enumerate(names_with_role(self.bench, "powermeter")):
            grid.addWidget(QLabel(meter), r, 0)
            for ch in range(1, 5):
                label = QLabel(f"ch{ch}: –")
                self.power_labels[(meter, ch)] = label
                grid.addWidget(label, r, ch)

        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(pattern)
        layout.addWidget(plots, stretch=1)
        layout.addWidget(powers)

    # -- requests
    def _request(self) -> None:
        if self.scope_box.currentText():
            self.request_acquire.emit(self.scope_box.currentText(), self.channel_box.value())
        for meter in names_with_role(self.bench, "powermeter"):
            self.request_powers.emit(meter)

    @Slot()
    def acquire_once(self) -> None:
        self._request()

    @Slot(bool)
    def set_running(self, on: bool) -> None:
        if on and not self.running:
            self.running = True
            self.frames, self._t_first = 0, None
            self._request()
        elif not on:
            self.running = False
        if self.run_button.isChecked() != on:
            self.run_button.setChecked(on)

    @Slot()
    def load_pattern(self) -> None:
        awg = self.awg_box.currentText()
        levels = 2 if self.levels_box.currentText() == "PAM2" else 4
        sps = self.sps_box.value()
        rate = self.bench.instruments[awg].settings.get("sample_rate")
        if rate:
            self.baud_box.setValue(rate / sps / 1e9)
        self.request_pattern.emit(awg, levels, self.symbols_box.value(), sps)

    # -- results (GUI thread)
    @Slot(object)
    def on_trace(self, frame: TraceFrame) -> None:
        if self.running:            # keep the instrument busy while we draw
            self._request()
        self.show_frame(frame)

    def show_frame(self, frame: TraceFrame) -> None:
        """Draw one trace and its eye (the part benchmarks/bench_gui.py times)."""
        self.last_frame = frame
        t = np.arange(frame.volts.size) * frame.x_increment
        self.curve.setData(t, frame.volts)
        span = (frame.volts.size, frame.x_increment)
        if span != self._span:              # new record length: show all of it once
            self._span = span
            self.trace_plot.setXRange(0.0, t[-1] if t.size else 1.0, padding=0.0)
        sps = (1.0 / frame.x_increment) / (self.baud_box.value() * 1e9)
        eye = eye_histogram(frame.volts, sps, step=frame.scale_factor or None)
        self.eye_image.setImage(eye.counts, autoLevels=True)
        self.eye_image.setRect(0.0, eye.v_min, eye.ui, eye.v_max - eye.v_min)
        self.frames += 1
        now = time.perf_counter()
        if self._t_first is None:
            self._t_first = now
        elif self.frames > 1:
            self.rate_label.setText(f"{(self.frames - 1) / (now - self._t_first):.1f} updates/s")

    @Slot(str, object)
    def on_powers(self, meter: str, powers: dict) -> None:
        for ch, watts in powers.items():
            label = self.power_labels.get((meter, int(ch)))
            if label is not None:
                label.setText(f"ch{ch}: {format_power(watts)}")
